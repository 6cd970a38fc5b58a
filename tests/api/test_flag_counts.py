"""One definition of an integrity flag, counted alike wherever a count is shown, and "Let me think" recorded.

Turns go through the real turn function (the offline brain), so the signals are the integrity rules' own:
a paste of the whole answer is a strong signal, a second away from the page a weak one. Then the session's
detail, the results list, the dashboard and the scorecard must count the same flags.
"""

from __future__ import annotations

import csv
import io
from typing import Any

from flask.testing import FlaskClient

from talentcrew.interview import integrity
from talentcrew.models import (
    TRANSCRIPT_CHECK_BELOW,
    Answer,
    IntegritySignal,
    InterviewSession,
    Job,
    SignalKind,
    answer_id,
)
from talentcrew.scorecard.card import gather
from talentcrew.sessions import all_of
from tests.api import test_turn_service
from tests.api.test_endpoints import detail, end
from tests.api.test_results import results
from tests.api.test_turn_service import call, ok, store

clients = test_turn_service.clients  # the api and the turn function over one SQLite file
interview = test_turn_service.interview

ANSWER = "I would add a composite index on the customer and date columns, then check the plan with EXPLAIN."
GLANCE = {"focus_lost": 1, "focus_lost_seconds": 1.0}  # a second away from the page: context, not a flag


def _turn(turn: FlaskClient, session_id: str, index: int, **request: Any) -> None:
    ok(call(turn, "/", {"session_id": session_id, "turn_index": index, "answer_text": ANSWER, **request}))


def _strengths(session_id: str) -> dict[tuple[int, SignalKind], float]:
    return {(s.turn_index, s.kind): s.strength for s in all_of(store(), IntegritySignal, session_id, "id")}


def test_only_answers_flagged_by_a_strong_signal_are_counted_and_weak_ones_stay_listed(
    clients: tuple[FlaskClient, FlaskClient], interview: tuple[dict[str, str], str]
) -> None:
    api, turn = clients
    headers, session_id = interview
    ok(call(turn, "/resume", {"session_id": session_id}))
    pasted = {"paste_events": 1, "pasted_chars": len(ANSWER), **GLANCE}
    _turn(turn, session_id, 1, telemetry=pasted)  # one strong and one weak signal: one flag
    _turn(turn, session_id, 2, telemetry=GLANCE)  # a weak signal only: no flag
    end(api, session_id, headers)

    strengths = _strengths(session_id)
    assert integrity.is_flag(strengths[1, SignalKind.PASTE])
    assert not integrity.is_flag(strengths[1, SignalKind.FOCUS_LOST])
    assert not integrity.is_flag(strengths[2, SignalKind.FOCUS_LOST])

    shown = detail(api, session_id, headers)
    assert shown["cheating_incidents"] == 1
    assert shown["flag_threshold"] == integrity.REVIEW_THRESHOLD
    assert len(shown["integrity_signals"]) == 3  # the weak ones are still listed
    [row] = [item for item in results(api, headers)["items"] if item["id"] == session_id]
    assert row["integrity_flags"] == 1
    [figures] = ok(api.get("/api/analytics/", headers=headers))["jobs"]
    assert figures["flagged_answers"] == 1

    session = store().get(InterviewSession, session_id)
    job = store().get(Job, session.job_id)
    card = gather(store(), session, job, session.overall_score, session.recommendation, job.hire_threshold)
    assert [f.turn for f in card.flagged_answers] == [1]
    assert sorted((s.turn, s.kind, s.flag) for s in card.integrity_signals) == [
        (1, SignalKind.FOCUS_LOST, False),
        (1, SignalKind.PASTE, True),
        (2, SignalKind.FOCUS_LOST, False),
    ]
    assert card.bias_flags == () and card.transcripts_to_check == ()
    assert card.for_review == 1


def test_a_transcript_to_check_is_counted_beside_the_flags_never_as_one(
    clients: tuple[FlaskClient, FlaskClient], interview: tuple[dict[str, str], str]
) -> None:
    api, turn = clients
    headers, session_id = interview
    ok(call(turn, "/resume", {"session_id": session_id}))
    _turn(turn, session_id, 1, transcript_confidence=TRANSCRIPT_CHECK_BELOW - 0.2)  # the engine was unsure
    _turn(turn, session_id, 2, transcript_confidence=0.95)
    end(api, session_id, headers)

    [row] = [item for item in results(api, headers)["items"] if item["id"] == session_id]
    assert (row["transcript_checks"], row["integrity_flags"], row["bias_flags"]) == (1, 0, 0)
    assert session_id in [item["id"] for item in results(api, headers, "flagged=false")["items"]]
    export = api.get("/api/results/export.csv", headers=headers).get_data(as_text=True)
    header, *rows = csv.reader(io.StringIO(export))
    [exported] = [dict(zip(header, row, strict=True)) for row in rows if row[0] == session_id]
    assert (exported["transcript_checks"], exported["integrity_flags"]) == ("1", "0")
    session = store().get(InterviewSession, session_id)
    job = store().get(Job, session.job_id)
    card = gather(store(), session, job, session.overall_score, session.recommendation, job.hire_threshold)
    assert [exchange.turn for exchange in card.transcripts_to_check] == [1]


def test_a_request_to_rephrase_carries_no_flag_anywhere(
    clients: tuple[FlaskClient, FlaskClient], interview: tuple[dict[str, str], str]
) -> None:
    api, turn = clients
    headers, session_id = interview
    ok(call(turn, "/resume", {"session_id": session_id}))
    _turn(turn, session_id, 1, telemetry={"paste_events": 1, "pasted_chars": len(ANSWER)})
    flagged = store().get(Answer, answer_id(session_id, 1))
    assert flagged is not None and flagged.is_cheating_suspected
    store().put(flagged.model_copy(update={"needs_clarification": True}))  # as the grader marks "say that again?"

    assert detail(api, session_id, headers)["cheating_incidents"] == 0
    session = store().get(InterviewSession, session_id)
    job = store().get(Job, session.job_id)
    assert gather(store(), session, job, None, None, job.hire_threshold).for_review == 0


def test_asking_for_time_is_recorded_and_named_in_the_pause_findings(
    clients: tuple[FlaskClient, FlaskClient], interview: tuple[dict[str, str], str]
) -> None:
    _, turn = clients
    _, session_id = interview
    ok(call(turn, "/resume", {"session_id": session_id}))
    _turn(turn, session_id, 1, pause_seconds=20.0)  # a long pause, no request for time
    _turn(turn, session_id, 2, pause_seconds=20.0, thinking=True)  # asked after the pause was measured
    _turn(turn, session_id, 3, thinking=True)  # asked before the first word: no pause measured

    answers = {a.turn_index: a for a in all_of(store(), Answer, session_id, "turn_index")}
    assert [answers[n].asked_for_time for n in (1, 2, 3)] == [False, True, True]
    reasons = {(s.turn_index, s.kind): s.reason for s in all_of(store(), IntegritySignal, session_id, "id")}
    timed = {SignalKind.LONG_PAUSE, SignalKind.TEXTBOOK_ANSWER, SignalKind.UNIFORM_PAUSES}
    by_turn = {n: [reason for (t, kind), reason in reasons.items() if t == n and kind in timed] for n in (1, 2, 3)}
    assert by_turn[1] and not any(integrity.ASKED_FOR_TIME_NOTE in reason for reason in by_turn[1])
    assert by_turn[2] and all(reason.endswith(integrity.ASKED_FOR_TIME_NOTE) for reason in by_turn[2])
    assert by_turn[3] == []
