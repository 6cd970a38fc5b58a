"""The scheduled analytics report: one per workspace per day, written once.

Each tick (`talentcrew.analytics.tick`, daily) measures what a compliance reviewer asks about: score
drift per job and rubric skill (recent window against a baseline), the active grader against its
golden set, a counterfactual name-swap audit, impact ratios over volunteered self-identification,
and the integrity and bias flags per job with their reasons; it also shows what the day's retention
step (`talentcrew.retention`, scheduled before it) erased. Every finding that needs a person is an
`Alert`, listed in the report and logged as a structured WARNING or ERROR with a stable
`alert_type` for a log-based alert to page on.

Answers are only counted by the store (`Store.group_count`), never loaded, except the few the
counterfactual audit samples; sessions and self-identifications too are read as counted rows of the
few fields the report needs, and jobs a page at a time.
"""

from __future__ import annotations

import functools
import itertools
import logging
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator, Mapping
from datetime import UTC, date, datetime, time, timedelta
from typing import ClassVar, Literal, NamedTuple

from pydantic import BaseModel, Field

from talentcrew.analytics.counterfactual import AuditItem, CounterfactualAudit, counterfactual_audit
from talentcrew.analytics.grader import GraderDrift, grader_drift
from talentcrew.analytics.impact import ImpactTable, Outcome, impact_table, intersection
from talentcrew.analytics.stats import ScoreDrift, score_drift
from talentcrew.errors import NotFound
from talentcrew.interview.brain import Brain
from talentcrew.interview.integrity import is_flag
from talentcrew.models import (
    Answer,
    Document,
    IntegritySignal,
    InterviewSession,
    Job,
    Question,
    Recommendation,
    SelfIdentification,
    Timestamp,
    answer_id,
    timestamp_text,
    utcnow,
)
from talentcrew.ports import Between, Scalar, Store, every
from talentcrew.retention import RetentionRun, run_id
from talentcrew.workspaces import Caller, Workspace, migrate_accounts

log = logging.getLogger(__name__)

RECENT_DAYS = 30  # the prototype compared two 30-day windows
BASELINE_DAYS = 90  # the 90 days before them: a steadier baseline than one more month
AUDIT_SAMPLE = 5  # answers re-graded per workspace by the counterfactual audit, under 8 names each

AlertType = Literal[
    "talentcrew.alert.score_drift",
    "talentcrew.alert.grader_drift",
    "talentcrew.alert.counterfactual_flip",
    "talentcrew.alert.adverse_impact",
]


class Alert(BaseModel):
    """A finding for a person: `type` is stable, so a log-based alert can match it."""

    type: AlertType
    severity: Literal["WARNING", "ERROR"]
    job_id: str | None = None
    message: str


class Windows(BaseModel):
    baseline_start: Timestamp
    recent_start: Timestamp
    end: Timestamp


class SkillDrift(BaseModel):
    """One job's scores (skill null: all its skills), recent window against baseline."""

    job_id: str
    title: str
    skill: str | None
    drift: ScoreDrift


class ReasonCount(BaseModel):
    reason: str
    count: int


class JobFlags(BaseModel):
    """The flags raised in one job's interviews, with why: for the reviewer, not a verdict."""

    job_id: str
    title: str
    answers: int
    integrity_flagged: int
    bias_flagged: int
    signals: list[ReasonCount] = Field(
        description="Integrity signals at the flag threshold (the reasons answers were flagged) by rule, most first; "
        "weaker signals are context and not counted."
    )
    bias_reasons: list[ReasonCount] = Field(description="Bias flags by the grader's reason, most first.")


class AnalyticsReport(Document):
    """One workspace's report for one day (id: `<day>-<workspace id>`: a repeated tick writes nothing)."""

    collection: ClassVar[str] = "analytics_reports"

    owner_id: str
    day: date
    generated_at: Timestamp = Field(default_factory=utcnow)
    windows: Windows
    score_drift: list[SkillDrift]
    grader: GraderDrift | None = Field(description="Null when the workspace has no jobs to grade for.")
    counterfactual: CounterfactualAudit
    impact: list[ImpactTable]
    flags: list[JobFlags]
    retention: RetentionRun | None = Field(
        description="What the retention step erased on this day; null: it had not run for the day yet."
    )
    alerts: list[Alert]


def report_id(owner_id: str, day: date) -> str:
    return f"{day.isoformat()}-{owner_id}"


def latest(store: Store, caller: Caller) -> AnalyticsReport:
    page = store.query(
        AnalyticsReport, where={"owner_id": caller.workspace_id}, order_by="day", descending=True, limit=1
    )
    if not page.items:
        raise NotFound("no analytics report yet: the first is written at the next daily tick")
    return page.items[0]


class _Grader:
    """The brain, loaded only when an audit first needs it (the offline one is a model in memory),
    and its golden-set check, run once per tick: one brain serves every workspace."""

    def __init__(self, load: Callable[[], Brain]) -> None:
        self._load = load
        self._drift: GraderDrift | None = None

    @functools.cached_property
    def brain(self) -> Brain:
        return self._load()

    def drift(self) -> GraderDrift:
        self._drift = self._drift or grader_drift(self.brain)
        return self._drift


def produce(store: Store, brain: Callable[[], Brain], day: date) -> list[AnalyticsReport]:
    """Writes the day's report of every workspace that has none yet; returns the ones written."""
    grader = _Grader(brain)
    written = []
    migrate_accounts(store)
    for workspace in every(store, Workspace, where={}):
        if store.get(AnalyticsReport, report_id(workspace.id, day)) is not None:
            continue  # this tick was handled already: a retried or repeated event writes nothing
        report = _workspace_report(store, grader, workspace.id, day)
        if store.create(report):
            for alert in report.alerts:
                _log_alert(alert, workspace.id)
            written.append(report)
    return written


def _workspace_report(store: Store, grader: _Grader, owner_id: str, day: date) -> AnalyticsReport:
    end = datetime.combine(day, time(), UTC)
    windows = Windows(
        baseline_start=end - timedelta(days=RECENT_DAYS + BASELINE_DAYS),
        recent_start=end - timedelta(days=RECENT_DAYS),
        end=end,
    )
    jobs = {job.id: job for job in every(store, Job, where={"owner_id": owner_id})}
    sessions = _sessions(store, owner_id)
    drift = _score_drift(store, owner_id, jobs, windows)
    impact = _impact(store, owner_id, sessions)
    flags = _flags(store, owner_id, jobs, sessions)
    # The data's figures first, the brain's audits last: they are the slow part.
    audit = counterfactual_audit(grader.brain, _audit_items(store, owner_id, jobs))
    golden = grader.drift() if jobs else None
    alerts = [
        *_drift_alerts(drift),
        *([_grader_alert(golden)] if golden and golden.alert else []),
        *([_counterfactual_alert(audit)] if audit.alert else []),
        *_impact_alerts(impact),
    ]
    return AnalyticsReport(
        id=report_id(owner_id, day),
        owner_id=owner_id,
        day=day,
        windows=windows,
        score_drift=drift,
        grader=golden,
        counterfactual=audit,
        impact=impact,
        flags=flags,
        retention=store.get(RetentionRun, run_id(owner_id, day)),
        alerts=alerts,
    )


# -- score drift --------------------------------------------------------------------------------------

Histograms = defaultdict[tuple[str, str | None], Counter[int]]


def _histograms(store: Store, owner_id: str, start: datetime, end: datetime) -> Histograms:
    """Scores per (job, skill) and per (job, None) = the whole job, counted by the store."""
    counts = store.group_count(
        Answer,
        ("job_id", "skill", "confidence_score"),
        where={"owner_id": owner_id, "needs_clarification": False},
        between=Between("answered_at", timestamp_text(start), timestamp_text(end)),
    )
    histograms: Histograms = defaultdict(Counter)
    for (job_id, skill, score), n in counts.items():
        if isinstance(job_id, str) and isinstance(skill, str) and isinstance(score, int):
            histograms[job_id, skill][score] += n
            histograms[job_id, None][score] += n
    return histograms


def _score_drift(store: Store, owner_id: str, jobs: Mapping[str, Job], windows: Windows) -> list[SkillDrift]:
    baseline = _histograms(store, owner_id, windows.baseline_start, windows.recent_start)
    recent = _histograms(store, owner_id, windows.recent_start, windows.end)
    keys = sorted(
        {key for key in (*baseline, *recent) if key[0] in jobs},
        key=lambda key: (jobs[key[0]].title, key[0], key[1] or ""),
    )
    return [
        SkillDrift(job_id=key[0], title=jobs[key[0]].title, skill=key[1], drift=score_drift(baseline[key], recent[key]))
        for key in keys
    ]


def _drift_alerts(drift: list[SkillDrift]) -> Iterator[Alert]:
    for entry in drift:
        if entry.drift.alert:
            where = f"{entry.title}" + (f" / {entry.skill}" if entry.skill else " (all skills)")
            yield Alert(
                type="talentcrew.alert.score_drift",
                severity="WARNING",
                job_id=entry.job_id,
                message=f"Scores drifted in {where}: {entry.drift.reason}",
            )


# -- the grader -----------------------------------------------------------------------------------------


def _grader_alert(grader: GraderDrift) -> Alert:
    return Alert(type="talentcrew.alert.grader_drift", severity="ERROR", message=grader.reason)


def _audit_items(store: Store, owner_id: str, jobs: Mapping[str, Job]) -> list[AuditItem]:
    """The workspace's latest graded answers (up to AUDIT_SAMPLE), with what re-grading them needs."""
    latest = store.query(Answer, where={"owner_id": owner_id}, order_by="answered_at", descending=True, limit=50)
    items = (_audit_item(store, answer, jobs.get(answer.job_id or "")) for answer in latest.items)
    return list(itertools.islice(filter(None, items), AUDIT_SAMPLE))


def _audit_item(store: Store, answer: Answer, job: Job | None) -> AuditItem | None:
    if job is None or answer.needs_clarification or answer.needs_human_grade:
        return None
    question = store.get(Question, answer_id(answer.session_id, answer.turn_index - 1))
    if question is None:
        return None
    return AuditItem(
        answer_id=answer.id,
        rubric=job.rubric_template,
        skill=answer.skill,
        question=question.text,
        reference=question.reference,
        answer=answer.candidate_answer,
    )


def _counterfactual_alert(audit: CounterfactualAudit) -> Alert:
    return Alert(type="talentcrew.alert.counterfactual_flip", severity="ERROR", message=audit.reason)


# -- sessions ---------------------------------------------------------------------------------------------


class _Session(NamedTuple):
    """What the report needs of a session: a row the store counts out, not a whole document."""

    job_id: str
    score: int | None  # the overall score of a completed session
    hired: bool


def _sessions(store: Store, owner_id: str) -> dict[str, _Session]:
    fields = ("id", "job_id", "is_completed", "overall_score", "recommendation")
    rows = store.group_count(InterviewSession, fields, where={"owner_id": owner_id})
    return {
        str(session_id): _Session(
            str(job_id), score if completed and isinstance(score, int) else None, recommendation == Recommendation.HIRE
        )
        for (session_id, job_id, completed, score, recommendation) in rows
    }


# -- impact ratios -------------------------------------------------------------------------------------

CATEGORIES = ("sex", "race_ethnicity")


def _impact(store: Store, owner_id: str, sessions: Mapping[str, _Session]) -> list[ImpactTable]:
    """Per category and their intersection, over all jobs and per job, from scored sessions only."""
    rows: list[tuple[str, dict[str, str], Outcome]] = []
    records = store.group_count(SelfIdentification, ("session_id", *CATEGORIES), where={"owner_id": owner_id})
    for session_id, *answers in records:
        session = sessions.get(str(session_id))
        if session is None or session.score is None:
            continue
        groups = {name: str(value) for name, value in zip(CATEGORIES, answers, strict=True) if value is not None}
        if not groups:
            continue  # declined every question
        rows.append((session.job_id, groups, Outcome(group="-", score=session.score, selected=session.hired)))
    if not rows:
        return []
    scored = Counter(session.job_id for session in sessions.values() if session.score is not None)
    tables = []
    for job_id in [None, *sorted({job for job, _, _ in rows})]:
        chosen = [(groups, outcome) for job, groups, outcome in rows if job_id is None or job == job_id]
        in_scope = scored[job_id] if job_id else scored.total()
        for category in (*CATEGORIES, intersection(*CATEGORIES)):
            outcomes = [
                outcome.model_copy(update={"group": group})
                for groups, outcome in chosen
                if (group := _group(groups, category)) is not None
            ]
            if outcomes:
                table = impact_table(category, outcomes, job_id=job_id)
                tables.append(table.model_copy(update={"not_identified": in_scope - len(outcomes)}))
    return tables


def _group(groups: Mapping[str, str], category: str) -> str | None:
    if category in CATEGORIES:
        return groups.get(category)
    return intersection(*(groups[name] for name in CATEGORIES)) if all(name in groups for name in CATEGORIES) else None


def _impact_alerts(tables: list[ImpactTable]) -> Iterator[Alert]:
    """Alerts from the tables over all jobs. A job's own tables are listed for the reviewer but do
    not page anyone: dozens of small tables a day, each tested against its best group, would raise
    false alarms by chance (the benchmark's random groups did) however strict each test is."""
    for table in tables:
        if table.alert and table.job_id is None:
            adverse = ", ".join(group.group for group in table.groups if group.adverse)
            scope = f"job {table.job_id}" if table.job_id else "all jobs"
            yield Alert(
                type="talentcrew.alert.adverse_impact",
                severity="WARNING",
                job_id=table.job_id,
                message=(
                    f"Impact ratio below four fifths by {table.category} over {scope} for {adverse} "
                    f"({table.candidates} self-identified candidates; reference group {table.most_selected})"
                ),
            )


# -- flags ------------------------------------------------------------------------------------------------


def _flags(store: Store, owner_id: str, jobs: Mapping[str, Job], sessions: Mapping[str, _Session]) -> list[JobFlags]:
    answers = store.group_count(
        Answer,
        ("job_id", "is_cheating_suspected", "bias_flag"),
        where={"owner_id": owner_id, "needs_clarification": False},
    )
    signals = store.group_count(IntegritySignal, ("session_id", "kind", "strength"), where={"owner_id": owner_id})
    bias = store.group_count(Answer, ("job_id", "bias_reason"), where={"owner_id": owner_id, "bias_flag": True})
    totals: defaultdict[str, Counter[str]] = defaultdict(Counter)
    for (job_id, cheating, biased), n in answers.items():
        totals[str(job_id)].update({"answers": n, "integrity": n if cheating else 0, "bias": n if biased else 0})
    kinds: defaultdict[str, Counter[str]] = defaultdict(Counter)
    for (session_id, kind, strength), n in signals.items():
        session = sessions.get(str(session_id))
        if session is not None and isinstance(strength, float | int) and is_flag(strength):
            kinds[session.job_id][str(kind).replace("_", " ")] += n
    reasons: defaultdict[str, Counter[str]] = defaultdict(Counter)
    for (job_id, reason), n in bias.items():
        reasons[str(job_id)][str(reason or "no reason given")] += n
    return [
        JobFlags(
            job_id=job.id,
            title=job.title,
            answers=totals[job.id]["answers"],
            integrity_flagged=totals[job.id]["integrity"],
            bias_flagged=totals[job.id]["bias"],
            signals=_ranked(kinds[job.id]),
            bias_reasons=_ranked(reasons[job.id]),
        )
        for job in sorted(jobs.values(), key=lambda job: (job.title, job.id))
        if totals[job.id]["answers"]
    ]


def _ranked(counts: Counter[str]) -> list[ReasonCount]:
    return [ReasonCount(reason=reason, count=n) for reason, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))]


def _log_alert(alert: Alert, owner_id: str) -> None:
    level = logging.ERROR if alert.severity == "ERROR" else logging.WARNING
    extra: dict[str, Scalar | None] = {"alert_type": alert.type, "owner_id": owner_id, "job_id": alert.job_id}
    log.log(level, "%s", alert.message, extra=extra)
