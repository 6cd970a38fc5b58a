"""The turn service's three calls (interview/calls.py): a turn, resume and draft, as the relay makes them.

The api and the turn function run through functions-framework's test clients over one SQLite file,
with the offline brain and question bank; the api sets interviews up and withdraws them.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import functions_framework
import pytest
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

import talentcrew.config
from talentcrew.models import Answer, AnswerDraft, InterviewSession, Question, answer_id
from tests.api.helpers import auth_headers, create_session, seed_answer
from tests.conftest import FUNCTIONS, _fresh_api_client, use_keys

RUBRIC = {
    "languages": ["Python"],
    "core_skills": ["Database Query Optimization", "Caching Strategies"],
    "experience_level": "Mid-Level",
    "evaluation_focus": ["Problem Solving"],
}
WITHDRAWN = "https://talentcrew.dev/problems/interview-withdrawn"


@pytest.fixture
def clients(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[FlaskClient, FlaskClient]]:
    monkeypatch.setenv("TALENTCREW_DATA_DIR", str(tmp_path))
    use_keys(monkeypatch)
    for api in _fresh_api_client():
        yield api, functions_framework.create_app("turn", str(FUNCTIONS / "main.py")).test_client()


@pytest.fixture
def interview(clients: tuple[FlaskClient, FlaskClient]) -> tuple[dict[str, str], str]:
    """A recruiter's headers and a new session of theirs, not yet started."""
    api, _ = clients
    headers = auth_headers(api, "recruiter@example.com")
    job = api.post("/api/jobs/", json={"title": "Backend Engineer", "rubric_template": RUBRIC}, headers=headers)
    assert job.status_code == 201, job.get_data(as_text=True)
    return headers, create_session(api, headers, job.get_json()["id"])[0]["id"]


def call(turn: FlaskClient, path: str, body: Any, bearer: str | None = None) -> TestResponse:
    token = bearer if bearer is not None else talentcrew.config.platform().settings.turn_bearer()
    return turn.post(path, json=body, headers={"Authorization": f"Bearer {token}"})


def ok(response: TestResponse, status: int = 200) -> Any:
    assert response.status_code == status, response.get_data(as_text=True)
    return response.get_json(silent=True)


def store() -> Any:
    return talentcrew.config.platform().store


def test_resume_of_a_new_interview_asks_the_opening_question_once(
    clients: tuple[FlaskClient, FlaskClient], interview: tuple[dict[str, str], str]
) -> None:
    _, turn = clients
    _, session_id = interview

    first = ok(call(turn, "/resume", {"session_id": session_id}))
    again = ok(call(turn, "/resume", {"session_id": session_id}))

    opening = store().get(Question, answer_id(session_id, 0))
    assert opening is not None and store().count(Question, where={"session_id": session_id}) == 1
    assert first == again
    assert first["turn_index"] == 1 and first["finished"] is False
    assert first["question"] == opening.text and first["skill"] == opening.skill
    assert first["said"] == "" and first["pause_seconds"] is None
    assert ok(call(turn, "/", {"session_id": session_id, "turn_index": 0}))["question"] == opening.text


def test_resume_after_an_answer_asks_the_next_question(
    clients: tuple[FlaskClient, FlaskClient], interview: tuple[dict[str, str], str]
) -> None:
    _, turn = clients
    _, session_id = interview
    ok(call(turn, "/resume", {"session_id": session_id}))
    reply = ok(call(turn, "/", {"session_id": session_id, "turn_index": 1, "answer_text": "An index on the key."}))

    resumed = ok(call(turn, "/resume", {"session_id": session_id}))

    assert resumed["turn_index"] == 2 and resumed["finished"] is False
    assert (resumed["question"], resumed["skill"]) == (reply["question"], reply["skill"])


def test_drafts_are_kept_latest_wins_and_come_back_on_resume(
    clients: tuple[FlaskClient, FlaskClient], interview: tuple[dict[str, str], str]
) -> None:
    _, turn = clients
    _, session_id = interview
    ok(call(turn, "/resume", {"session_id": session_id}))
    first = {"session_id": session_id, "turn_index": 1, "text": "I would add", "pause_seconds": 1.5}
    latest = {**first, "text": "I would add an index on the filtered column"}

    assert ok(call(turn, "/draft", first), 204) is None
    ok(call(turn, "/draft", latest), 204)
    ok(call(turn, "/draft", latest), 204)  # retried

    resumed = ok(call(turn, "/resume", {"session_id": session_id}))
    assert (resumed["turn_index"], resumed["said"], resumed["pause_seconds"]) == (1, latest["text"], 1.5)
    assert store().count(AnswerDraft, where={"session_id": session_id}) == 1


def test_a_request_for_time_is_kept_with_the_draft_even_before_a_word(
    clients: tuple[FlaskClient, FlaskClient], interview: tuple[dict[str, str], str]
) -> None:
    _, turn = clients
    _, session_id = interview
    ok(call(turn, "/resume", {"session_id": session_id}))
    assert ok(call(turn, "/resume", {"session_id": session_id}))["thinking"] is False

    ok(call(turn, "/draft", {"session_id": session_id, "turn_index": 1, "text": "", "thinking": True}), 204)

    resumed = ok(call(turn, "/resume", {"session_id": session_id}))
    assert (resumed["said"], resumed["pause_seconds"], resumed["thinking"]) == ("", None, True)


def test_the_engines_confidence_is_kept_with_the_draft(
    clients: tuple[FlaskClient, FlaskClient], interview: tuple[dict[str, str], str]
) -> None:
    _, turn = clients
    _, session_id = interview
    ok(call(turn, "/resume", {"session_id": session_id}))
    heard = {"confidence": 0.6, "scored_words": 2, "words": [{"text": "an", "confidence": 0.9}]}
    draft = {"session_id": session_id, "turn_index": 1, "text": "an index", "heard": heard}

    ok(call(turn, "/draft", draft), 204)

    assert ok(call(turn, "/resume", {"session_id": session_id}))["heard"] == heard
    refused = call(turn, "/draft", {**draft, "heard": {**heard, "confidence": 1.5}})
    assert refused.status_code == 422 and refused.mimetype == "application/problem+json"


def test_a_recorded_answer_replaces_its_draft_and_a_late_draft_of_it_changes_nothing(
    clients: tuple[FlaskClient, FlaskClient], interview: tuple[dict[str, str], str]
) -> None:
    _, turn = clients
    _, session_id = interview
    ok(call(turn, "/resume", {"session_id": session_id}))
    draft = {"session_id": session_id, "turn_index": 1, "text": "I would add an index"}
    ok(call(turn, "/draft", draft), 204)
    ok(call(turn, "/", {"session_id": session_id, "turn_index": 1, "answer_text": "I would add an index."}))

    ok(call(turn, "/draft", draft), 204)

    assert store().count(AnswerDraft, where={"session_id": session_id}) == 0
    assert ok(call(turn, "/resume", {"session_id": session_id}))["said"] == ""


def test_a_draft_of_any_answer_but_the_current_one_is_a_conflict(
    clients: tuple[FlaskClient, FlaskClient], interview: tuple[dict[str, str], str]
) -> None:
    _, turn = clients
    _, session_id = interview
    draft = {"session_id": session_id, "turn_index": 1, "text": "words"}
    assert call(turn, "/draft", draft).status_code == 409  # no question asked yet
    ok(call(turn, "/resume", {"session_id": session_id}))

    assert call(turn, "/draft", {**draft, "turn_index": 2}).status_code == 409
    assert store().count(AnswerDraft, where={"session_id": session_id}) == 0


def test_an_ended_interview_resumes_as_finished_and_keeps_no_draft(
    clients: tuple[FlaskClient, FlaskClient], interview: tuple[dict[str, str], str]
) -> None:
    api, turn = clients
    headers, session_id = interview
    ok(call(turn, "/resume", {"session_id": session_id}))
    ok(api.post(f"/api/sessions/{session_id}/end/", headers=headers))

    resumed = ok(call(turn, "/resume", {"session_id": session_id}))

    assert resumed == {**resumed, "finished": True, "turn_index": 0, "question": None}
    assert call(turn, "/draft", {"session_id": session_id, "turn_index": 1, "text": "late"}).status_code == 409
    assert store().count(AnswerDraft, where={"session_id": session_id}) == 0


def test_resume_ends_an_interview_whose_last_answer_is_in_but_whose_ending_did_not_happen(
    clients: tuple[FlaskClient, FlaskClient], interview: tuple[dict[str, str], str]
) -> None:
    _, turn = clients
    _, session_id = interview
    ok(call(turn, "/resume", {"session_id": session_id}))
    owner = store().get(InterviewSession, session_id).owner_id
    seed_answer(session_id, owner, 1, 6)  # the last turn recorded its answer and asked nothing more, then died

    resumed = ok(call(turn, "/resume", {"session_id": session_id}))

    assert resumed["finished"] is True and resumed["turn_index"] == 0
    session = store().get(InterviewSession, session_id)
    assert session.is_completed and session.overall_score is not None


def _withdraw(api: FlaskClient, headers: dict[str, str], session_id: str, how: str) -> None:
    path = f"/api/sessions/{session_id}/" if how == "erase" else f"/api/sessions/{session_id}/invite/"
    ok(api.delete(path, headers=headers), 204)


@pytest.mark.parametrize("how", ["erase", "revoke"])
def test_a_withdrawn_interview_is_refused_with_410_and_nothing_is_written(
    clients: tuple[FlaskClient, FlaskClient], interview: tuple[dict[str, str], str], how: str
) -> None:
    api, turn = clients
    headers, session_id = interview
    ok(call(turn, "/resume", {"session_id": session_id}))
    ok(call(turn, "/draft", {"session_id": session_id, "turn_index": 1, "text": "kept words"}), 204)
    _withdraw(api, headers, session_id, how)
    before = {kind: store().count(kind, where={"session_id": session_id}) for kind in (Question, Answer)}

    refused = [
        call(turn, "/", {"session_id": session_id, "turn_index": 1, "answer_text": "An index on the key."}),
        call(turn, "/resume", {"session_id": session_id}),
        call(turn, "/draft", {"session_id": session_id, "turn_index": 1, "text": "new words"}),
    ]

    assert [(r.status_code, r.get_json()["type"]) for r in refused] == [(410, WITHDRAWN)] * 3
    assert {kind: store().count(kind, where={"session_id": session_id}) for kind in (Question, Answer)} == before
    kept = store().get(AnswerDraft, answer_id(session_id, 1))
    assert (kept.text if kept else None) == ("kept words" if how == "revoke" else None)


def test_a_withdrawn_interview_that_never_started_asks_nothing(
    clients: tuple[FlaskClient, FlaskClient], interview: tuple[dict[str, str], str]
) -> None:
    api, turn = clients
    headers, session_id = interview
    _withdraw(api, headers, session_id, "revoke")

    assert call(turn, "/resume", {"session_id": session_id}).status_code == 410
    assert call(turn, "/", {"session_id": session_id, "turn_index": 0}).status_code == 410
    assert store().count(Question, where={"session_id": session_id}) == 0


def test_a_reissued_invite_makes_the_interview_stand_again(
    clients: tuple[FlaskClient, FlaskClient], interview: tuple[dict[str, str], str]
) -> None:
    api, turn = clients
    headers, session_id = interview
    _withdraw(api, headers, session_id, "revoke")
    ok(api.post(f"/api/sessions/{session_id}/invite/", headers=headers), 201)

    assert ok(call(turn, "/resume", {"session_id": session_id}))["turn_index"] == 1


def test_a_session_that_does_not_exist_is_withdrawn(clients: tuple[FlaskClient, FlaskClient]) -> None:
    _, turn = clients
    assert call(turn, "/resume", {"session_id": "no-such-session"}).status_code == 410


@pytest.mark.parametrize("path", ["/", "/resume", "/draft"])
def test_every_call_needs_the_relays_secret(
    clients: tuple[FlaskClient, FlaskClient], interview: tuple[dict[str, str], str], path: str
) -> None:
    _, turn = clients
    _, session_id = interview
    body = (
        {"session_id": session_id, "turn_index": 1, "text": "words"} if path == "/draft" else {"session_id": session_id}
    )

    for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": "Basic c2VjcmV0"}):
        response = turn.post(path, json=body, headers=headers)
        assert response.status_code == 401 and response.mimetype == "application/problem+json"
    assert store().count(Question, where={"session_id": session_id}) == 0


def test_an_unknown_path_is_not_found_and_only_post_is_allowed(clients: tuple[FlaskClient, FlaskClient]) -> None:
    _, turn = clients
    assert call(turn, "/resumes", {"session_id": "s"}).status_code == 404
    assert turn.get("/resume").status_code == 405


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/", {"session_id": "s"}),
        ("/", {"session_id": "s", "turn_index": 0, "extra": 1}),
        ("/resume", {}),
        ("/resume", {"session_id": "not/an/id"}),
        ("/draft", {"session_id": "s", "turn_index": 0, "text": "words"}),
        ("/draft", {"session_id": "s", "turn_index": 1}),
        ("/draft", "not an object"),
    ],
)
def test_a_malformed_call_is_unprocessable(clients: tuple[FlaskClient, FlaskClient], path: str, body: Any) -> None:
    _, turn = clients
    response = call(turn, path, body)
    assert response.status_code == 422 and response.get_json()["type"].endswith("/validation")
