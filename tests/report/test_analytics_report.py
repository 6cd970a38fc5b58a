"""The scheduled analytics report (`drift`, talentcrew.analytics.tick) on a real store with the real
offline grader: drift found where it was injected and nowhere else, impact ratios over volunteered
self-identification, flags with reasons, alerts as structured logs, and one report per account per
day however often the tick comes. And retention (`retention`, talentcrew.retention.tick), its own
daily step: what it erases and records, once per day, and the report showing that record."""

from __future__ import annotations

import base64
import io
import logging
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import functions_framework
import numpy as np
import pytest
from cloudevents.http import CloudEvent

import talentcrew.config
from main import drift, retention
from talentcrew import sessions
from talentcrew.__main__ import analytics_tick, retention_tick
from talentcrew.accounts import SignUp, open_account
from talentcrew.adapters.local_brain import LocalBrain
from talentcrew.analytics.daily import AnalyticsReport, produce, report_id
from talentcrew.config import platform
from talentcrew.events import ANALYTICS_TICK, RETENTION_TICK, Dispatcher
from talentcrew.interview.safety import Guarded
from talentcrew.models import (
    Answer,
    AnswerDraft,
    ExperienceLevel,
    IntegritySignal,
    InterviewSession,
    Job,
    Provenance,
    RaceEthnicity,
    Recommendation,
    Rubric,
    SelfIdentification,
    Sex,
    SignalKind,
    User,
    answer_id,
)
from talentcrew.ports import Store
from talentcrew.retention import RetentionRun, erase_orphan_drafts, run_id
from talentcrew.workspaces import member_of
from tests.conftest import FIRESTORE_INDEXES, FUNCTIONS, use_keys

DAY = date(2026, 11, 25)
END = datetime(2026, 11, 25, tzinfo=UTC)
RUBRIC = Rubric(
    languages=["Python"],
    core_skills=["Caching Strategies", "Database Query Optimization"],
    experience_level=ExperienceLevel.MID,
    evaluation_focus=["Problem Solving"],
)
PROVENANCE = Provenance(rubric_version=1, question_bank_version="t", brain="local", model="m", prompt_version="p")
STEADY = [0.02, 0.03, 0.08, 0.12, 0.2, 0.22, 0.17, 0.1, 0.04, 0.02]  # P(score = 1..10)


@pytest.fixture(params=["sqlite", "firestore"])
def store(request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Store]:
    """The platform's store; on Firestore (the emulator), held to Terraform's composite indexes."""
    monkeypatch.setenv("TALENTCREW_DATA_DIR", str(tmp_path))
    use_keys(monkeypatch)
    if request.param == "firestore":
        request.getfixturevalue("firestore_host")
        monkeypatch.setenv("TALENTCREW_STORE", "firestore")
        monkeypatch.setenv("TALENTCREW_GCP_PROJECT", request.getfixturevalue("project"))
        monkeypatch.setenv("TALENTCREW_FIRESTORE_INDEXES", str(FIRESTORE_INDEXES))
    talentcrew.config.platform.cache_clear()
    yield platform().store
    talentcrew.config.platform.cache_clear()


@pytest.fixture(scope="module")
def brain() -> Guarded:
    """The offline brain as the platform builds it: behind the safety layer, which masks names."""
    return Guarded(LocalBrain())


def _recruiter(store: Store, email: str = "rita@example.com", retention_days: int | None = None) -> User:
    user = open_account(
        store, platform().passwords, SignUp(email=email, password="correct horse battery", full_name="Rita")
    )
    assert user is not None
    if retention_days is not None:
        user = store.update(User, user.id, {"retention_days": retention_days})
    return user


def _job(store: Store, owner: User, title: str) -> Job:
    job = Job(owner_id=owner.id, title=title, rubric_template=RUBRIC)
    store.create(job)
    return job


def _session(store: Store, job: Job, *, score: int | None = None, ended: datetime | None = None) -> InterviewSession:
    session = InterviewSession(
        job_id=job.id,
        owner_id=job.owner_id,
        candidate_name="Casey",
        candidate_email="casey@example.com",
        max_questions=6,
        is_completed=score is not None,
        overall_score=score,
        recommendation=None if score is None else (Recommendation.HIRE if score >= 70 else Recommendation.REJECT),
        ended_at=ended,
    )
    store.create(session)
    return session


def _answers(store: Store, job: Job, session_id: str, scores: list[int], since: datetime, **fields: object) -> None:
    """One answer an hour from `since`, with these scores."""
    for turn, score in enumerate(scores, start=1):
        store.create(
            Answer(
                id=answer_id(session_id, turn),
                session_id=session_id,
                owner_id=job.owner_id,
                job_id=job.id,
                turn_index=turn,
                skill="Caching Strategies" if turn % 2 else "Database Query Optimization",
                question_asked="Q?",
                candidate_answer="A.",
                understanding_score=score,
                explainability_score=score,
                confidence_score=score,
                provenance=PROVENANCE,
                asked_at=since + timedelta(hours=turn),
                answered_at=since + timedelta(hours=turn),
                **fields,
            )
        )


def _scores(rng: np.random.Generator, n: int, shift: int = 0) -> list[int]:
    return [min(10, int(score) + shift) for score in rng.choice(np.arange(1, 11), size=n, p=STEADY)]


def test_a_shift_is_found_where_it_was_injected_and_nowhere_else(
    store: Store, brain: Guarded, caplog: pytest.LogCaptureFixture
) -> None:
    rng = np.random.default_rng(7)
    owner = _recruiter(store)
    shifted, steady = _job(store, owner, "Shifted"), _job(store, owner, "Steady")
    for job, shift in ((shifted, 1), (steady, 0)):
        _answers(store, job, f"{job.title}-old", _scores(rng, 300), END - timedelta(days=80))
        _answers(store, job, f"{job.title}-new", _scores(rng, 200, shift), END - timedelta(days=20))
    _answers(store, steady, "outside", [1] * 50, END - timedelta(days=200))  # before the baseline: not counted

    with caplog.at_level(logging.WARNING, logger="talentcrew.analytics.daily"):
        [report] = produce(store, lambda: brain, DAY)

    whole = {entry.title: entry.drift for entry in report.score_drift if entry.skill is None}
    assert whole["Shifted"].alert and whole["Shifted"].mean_shift == pytest.approx(1.0, abs=0.15)
    assert not whole["Steady"].alert and whole["Steady"].baseline_n == 300 and whole["Steady"].recent_n == 200
    per_skill = [entry for entry in report.score_drift if entry.skill is not None]
    assert {entry.title for entry in per_skill if entry.drift.alert} <= {"Shifted"}
    assert {(entry.title, entry.skill) for entry in per_skill} == {
        (title, skill) for title in ("Shifted", "Steady") for skill in RUBRIC.core_skills
    }
    drift_alerts = [alert for alert in report.alerts if alert.type == "talentcrew.alert.score_drift"]
    assert drift_alerts and {alert.job_id for alert in drift_alerts} == {shifted.id}
    logged = [
        record for record in caplog.records if getattr(record, "alert_type", "") == "talentcrew.alert.score_drift"
    ]
    assert len(logged) == len(drift_alerts) and all(record.levelname == "WARNING" for record in logged)
    assert report.grader is not None and not report.grader.alert  # the offline grader still grades its golden set
    assert store.get(AnalyticsReport, report_id(owner.id, DAY)) == report


def test_too_little_data_raises_no_alert_and_says_so(store: Store, brain: Guarded) -> None:
    owner = _recruiter(store)
    job = _job(store, owner, "New role")
    _answers(store, job, "old", [5, 6, 7], END - timedelta(days=60))
    _answers(store, job, "new", [9, 9, 9, 9], END - timedelta(days=5))
    [report] = produce(store, lambda: brain, DAY)
    [whole] = [entry.drift for entry in report.score_drift if entry.skill is None]
    assert not whole.alert and not whole.enough_data and "too little data" in whole.reason
    assert report.alerts == []
    assert report.retention is None  # the retention step had not run for the day


def test_the_same_tick_twice_writes_one_report_per_account(store: Store) -> None:
    first, second = _recruiter(store), _recruiter(store, "sam@example.com")
    analytics_tick(DAY, out=io.StringIO())
    analytics_tick(DAY, out=io.StringIO())  # announced once: the key is the day
    worker = Dispatcher(store, platform().events)
    assert worker.deliver_due() == 1
    stored = {user.id: store.get(AnalyticsReport, report_id(user.id, DAY)) for user in (first, second)}
    assert all(report is not None for report in stored.values())

    repeat = CloudEvent({"id": "tick-again", "type": ANALYTICS_TICK, "source": "//scheduler"}, {"day": DAY.isoformat()})
    drift(repeat)  # a redelivery, or a second scheduler run: nothing new
    assert {user.id: store.get(AnalyticsReport, report_id(user.id, DAY)) for user in (first, second)} == stored
    assert store.count(AnalyticsReport) == 2


def test_a_tick_without_a_day_reports_the_day_it_was_sent(store: Store) -> None:
    owner = _recruiter(store)
    sent = {"id": "t-1", "type": ANALYTICS_TICK, "source": "//scheduler", "time": "2026-11-20T06:00:00Z"}
    drift(CloudEvent(sent, {}))
    assert store.get(AnalyticsReport, report_id(owner.id, date(2026, 11, 20))) is not None


def test_a_scheduler_tick_pushed_by_pubsub_reaches_the_function(store: Store) -> None:
    """On Google Cloud a push subscription posts Pub/Sub's own body to the function's URL: functions-framework
    turns it into a messagePublished CloudEvent, whose time is the publish time. The body is what Cloud
    Scheduler's Pub/Sub target sends (`{}` with the event type as an attribute, terraform/scheduler.tf)."""
    owner = _recruiter(store)
    client = functions_framework.create_app("drift", str(FUNCTIONS / "main.py"), "cloudevent").test_client()
    push = {
        "message": {
            "data": base64.b64encode(b"{}").decode(),
            "attributes": {"type": ANALYTICS_TICK},
            "messageId": "17",
            "publishTime": "2026-11-21T02:15:00.123Z",
        },
        "subscription": "projects/p/subscriptions/talentcrew-analytics-tick-drift",
    }
    response = client.post("/", json=push)
    assert response.status_code == 200
    assert store.get(AnalyticsReport, report_id(owner.id, date(2026, 11, 21))) is not None


def test_a_malformed_tick_is_dropped(store: Store, caplog: pytest.LogCaptureFixture) -> None:
    _recruiter(store)
    drift(CloudEvent({"id": "bad", "type": ANALYTICS_TICK, "source": "//x"}, {"day": "last tuesday"}))
    assert store.count(AnalyticsReport) == 0
    assert "dropped a malformed tick" in caplog.text


def test_retention_erases_completed_interviews_past_their_period_only(store: Store, brain: Guarded) -> None:
    keeper, pruner = _recruiter(store, "keep@example.com"), _recruiter(store, "prune@example.com", retention_days=30)
    old_kept = _session(store, _job(store, keeper, "Kept"), score=60, ended=END - timedelta(days=400))
    job = _job(store, pruner, "Pruned")
    old, recent, open_ = (
        _session(store, job, score=60, ended=END - timedelta(days=31)),
        _session(store, job, score=60, ended=END - timedelta(days=29)),
        _session(store, job),
    )
    for session in (old, recent, old_kept):
        _answers(store, job, session.id, [5, 6, 7], END - timedelta(days=40))
    store.create(SelfIdentification(id=old.id, session_id=old.id, owner_id=pruner.id, job_id=job.id, sex=Sex.FEMALE))

    retention_tick(DAY, out=io.StringIO())
    assert Dispatcher(store, platform().events).deliver_due() == 1  # to the `retention` function

    pruned, kept = (store.get(RetentionRun, run_id(user.id, DAY)) for user in (pruner, keeper))
    assert pruned is not None and (pruned.retention_days, pruned.sessions_erased, pruned.answers_erased) == (30, 1, 3)
    assert store.get(InterviewSession, old.id) is None and store.count(Answer, where={"session_id": old.id}) == 0
    assert store.get(SelfIdentification, old.id) is None
    assert store.get(InterviewSession, recent.id) is not None and store.get(InterviewSession, open_.id) is not None
    assert kept is not None and (kept.retention_days, kept.sessions_erased) == (None, 0)
    assert store.get(InterviewSession, old_kept.id) is not None
    # The day's analytics report shows the recruiter what was erased.
    reports = {report.owner_id: report for report in produce(store, lambda: brain, DAY)}
    assert reports[pruner.id].retention == pruned and reports[keeper.id].retention == kept


def test_a_redelivered_retention_tick_erases_and_records_nothing_more(
    store: Store, caplog: pytest.LogCaptureFixture
) -> None:
    owner = _recruiter(store, retention_days=30)
    job = _job(store, owner, "Backend")
    _session(store, job, score=60, ended=END - timedelta(days=31))
    tick = CloudEvent({"id": "r-1", "type": RETENTION_TICK, "source": "//scheduler"}, {"day": DAY.isoformat()})
    with caplog.at_level(logging.INFO, logger="talentcrew.retention"):
        retention(tick)
    recorded = store.get(RetentionRun, run_id(owner.id, DAY))
    assert recorded is not None and recorded.sessions_erased == 1
    assert f"retention: erased 1 interviews of workspace {owner.id}" in caplog.text

    late = _session(store, job, score=60, ended=END - timedelta(days=31))  # due too, but the day is done
    retention(tick)  # a redelivery, or a second scheduler run
    assert store.get(RetentionRun, run_id(owner.id, DAY)) == recorded and store.count(RetentionRun) == 1
    assert store.get(InterviewSession, late.id) is not None
    next_day = DAY + timedelta(days=1)
    retention(CloudEvent({"id": "r-2", "type": RETENTION_TICK, "source": "//scheduler"}, {"day": next_day.isoformat()}))
    assert store.get(InterviewSession, late.id) is None
    assert store.get(RetentionRun, run_id(owner.id, next_day)) is not None


def test_drafts_left_by_a_connection_live_while_its_session_was_erased_are_swept(store: Store) -> None:
    owner = _recruiter(store)
    job = _job(store, owner, "Backend")
    erased, live = _session(store, job), _session(store, job)
    sessions.erase_session(store, platform().blobs, member_of(store, owner), erased.id)
    for session in (erased, live):  # the relay's last draft, written just after the erasure
        store.put(AnswerDraft(id=answer_id(session.id, 1), session_id=session.id, turn_index=1, text="words"))

    assert erase_orphan_drafts(store) == 1
    assert store.get(AnswerDraft, answer_id(erased.id, 1)) is None
    assert store.get(AnswerDraft, answer_id(live.id, 1)) is not None
    assert erase_orphan_drafts(store) == 0


def test_impact_ratios_come_from_volunteered_records_and_alert_below_four_fifths(
    store: Store, brain: Guarded, caplog: pytest.LogCaptureFixture
) -> None:
    owner = _recruiter(store)
    job = _job(store, owner, "Backend")
    # Women: 40 candidates, 16 hired (0.4); men: 40, 32 hired (0.8): 0.4 / 0.8 = 0.5 < 0.8, and far
    # beyond chance (one-sided Fisher exact p ~ 1e-4 < 0.01).
    for sex, hired in ((Sex.FEMALE, 16), (Sex.MALE, 32)):
        for n in range(40):
            session = _session(store, job, score=80 if n < hired else 50, ended=END - timedelta(days=3))
            record = SelfIdentification(
                id=session.id, session_id=session.id, owner_id=owner.id, job_id=job.id, sex=sex,
                race_ethnicity=RaceEthnicity.ASIAN if n % 2 else None,
            )  # fmt: skip
            store.create(record)
    _session(store, job, score=90, ended=END - timedelta(days=3))  # declined to say: in no table

    with caplog.at_level(logging.WARNING):
        [report] = produce(store, lambda: brain, DAY)

    overall = {table.category: table for table in report.impact if table.job_id is None}
    by_sex = {group.group: group for group in overall["sex"].groups}
    assert overall["sex"].candidates == 80
    assert by_sex["female"].selection_rate == pytest.approx(0.4) and by_sex["male"].selection_rate == pytest.approx(0.8)
    assert by_sex["female"].selection_impact_ratio == pytest.approx(0.5) and by_sex["female"].significant
    assert overall["race_ethnicity"].candidates == 40  # only those who answered that question
    assert overall["race_ethnicity"].not_identified == 41  # the other 40, and the one who declined everything
    assert overall["sex"].not_identified == 1
    assert [alert.type for alert in report.alerts].count("talentcrew.alert.adverse_impact") >= 1
    assert any(getattr(record, "alert_type", "") == "talentcrew.alert.adverse_impact" for record in caplog.records)


def test_flags_are_counted_per_job_with_their_reasons(store: Store, brain: Guarded) -> None:
    owner = _recruiter(store)
    job = _job(store, owner, "Backend")
    session = _session(store, job, score=50, ended=END - timedelta(days=1))
    _answers(store, job, session.id, [5, 5], END - timedelta(days=2), bias_flag=True, bias_reason="asks about age")
    _answers(store, job, "other", [5, 5, 5], END - timedelta(days=2), is_cheating_suspected=True)
    for turn, kind in enumerate((SignalKind.PASTE, SignalKind.PASTE, SignalKind.FOCUS_LOST)):
        store.create(IntegritySignal(session_id=session.id, owner_id=owner.id, turn_index=turn, kind=kind, reason="r"))
    store.create(  # a weak one: context, below the flag threshold, so not the reason of a flag
        IntegritySignal(
            session_id=session.id, owner_id=owner.id, turn_index=0, kind=SignalKind.LONG_PAUSE, reason="r", strength=0.2
        )
    )
    [report] = produce(store, lambda: brain, DAY)
    [flags] = report.flags
    assert (flags.answers, flags.integrity_flagged, flags.bias_flagged) == (5, 3, 2)
    assert [(r.reason, r.count) for r in flags.signals] == [("paste", 2), ("focus lost", 1)]
    assert [(r.reason, r.count) for r in flags.bias_reasons] == [("asks about age", 2)]
