"""A whole text interview with no keys: the api creates it, the turn function runs it, offline.

Both functions are driven through functions-framework's test clients over one SQLite file, with
the real offline brain and question bank. The candidate answers some questions well (the bank's
own ideal answer) and some badly, so the policy drills, pivots and finishes.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import functions_framework
import pytest
from flask.testing import FlaskClient

import talentcrew.config
from talentcrew.events import SESSION_COMPLETED, OutboxEvent
from talentcrew.models import Answer, InterviewSession, Question, answer_id
from tests.api.helpers import auth_headers, create_session
from tests.conftest import FUNCTIONS, _fresh_api_client, use_keys

RUBRIC = {
    "languages": ["Python", "SQL"],
    "core_skills": ["Database Query Optimization", "Caching Strategies", "RESTful API Design"],
    "experience_level": "Mid-Level",
    "evaluation_focus": ["Problem Solving"],
}


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("interview")


@pytest.fixture
def clients(data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[FlaskClient, FlaskClient]]:
    monkeypatch.setenv("TALENTCREW_DATA_DIR", str(data_dir))
    use_keys(monkeypatch)
    for api in _fresh_api_client():
        turn = functions_framework.create_app("turn", str(FUNCTIONS / "main.py")).test_client()
        yield api, turn


def _turn(turn: FlaskClient, body: dict[str, Any], bearer: str | None = None) -> Any:
    token = bearer if bearer is not None else talentcrew.config.platform().settings.turn_bearer()
    return turn.post("/", json=body, headers={"Authorization": f"Bearer {token}"})


def _question(session_id: str, turn_index: int) -> Question:
    stored = talentcrew.config.platform().store.get(Question, answer_id(session_id, turn_index))
    assert stored is not None
    return stored


def test_a_whole_text_interview_runs_offline(clients: tuple[FlaskClient, FlaskClient]) -> None:
    api, turn = clients
    headers = auth_headers(api, "interviewer@example.com")
    job = api.post("/api/jobs/", json={"title": "Backend Engineer", "rubric_template": RUBRIC}, headers=headers)
    created = api.post(
        "/api/sessions/",
        json={"job": job.get_json()["id"], "candidate_name": "Ada", "candidate_email": "ada@example.com"},
        headers=headers,
    ).get_json()
    session_id = created["session"]["id"]

    assert _turn(turn, {"session_id": session_id, "turn_index": 0}, bearer="wrong").status_code == 401
    opening = _turn(turn, {"session_id": session_id, "turn_index": 0})
    assert opening.status_code == 200, opening.get_data(as_text=True)
    reply = opening.get_json()
    assert reply["finished"] is False and reply["skill"] == "Database Query Optimization"
    assert _turn(turn, {"session_id": session_id, "turn_index": 0}).get_json() == reply  # idempotent

    weak = {2, 5}  # these turns get a non-answer
    replies = []
    turn_index = 0
    while not reply["finished"]:
        turn_index += 1
        asked = _question(session_id, turn_index - 1)
        assert asked.reference is not None
        text = "I am not sure, I have never worked with that." if turn_index in weak else asked.reference.ideal_answer
        body = {"session_id": session_id, "turn_index": turn_index, "answer_text": text, "pause_seconds": 2.5}
        response = _turn(turn, body)
        assert response.status_code == 200, response.get_data(as_text=True)
        reply = response.get_json()
        replies.append(reply)
        if turn_index == 1:  # a retried turn returns the same next question and records nothing twice
            assert _turn(turn, body).get_json() == reply
            assert _turn(turn, {**body, "turn_index": 3}).status_code == 409  # out of order

    store = talentcrew.config.platform().store
    answers = store.query(Answer, where={"session_id": session_id}, order_by="turn_index").items
    assert [a.turn_index for a in answers] == [1, 2, 3, 4, 5, 6]
    assert {a.job_id for a in answers} == {job.get_json()["id"]}  # analytics group answers by job
    assert {a.skill for a in answers} == set(RUBRIC["core_skills"])  # every rubric skill was asked
    assert all(a.confidence_score <= 4 for a in answers if a.turn_index in weak)
    assert all(a.confidence_score >= 7 for a in answers if a.turn_index not in weak)
    assert any(a.drill_depth > 0 for a in answers)  # a strong answer was drilled
    assert all(a.provenance.brain == "local" and a.provenance.question_bank_version for a in answers)

    session = store.get(InterviewSession, session_id)
    assert session is not None and session.is_completed and session.overall_score is not None
    events = store.query(OutboxEvent, where={"type": SESSION_COMPLETED}).items
    assert [e.data for e in events] == [{"session_id": session_id}]  # announced once

    last = {"session_id": session_id, "turn_index": 6, "answer_text": "again"}
    assert _turn(turn, last).get_json()["finished"] is True  # the final turn retried
    assert _turn(turn, {**last, "turn_index": 7}).status_code == 409  # nothing after the end
    assert store.count(OutboxEvent, where={"type": SESSION_COMPLETED}) == 1


def test_a_recruiters_own_question_is_asked_for_its_skill_and_graded_against_its_ideal_answer(
    clients: tuple[FlaskClient, FlaskClient],
) -> None:
    api, turn = clients
    headers = auth_headers(api, "own.questions@example.com")
    rubric = {**RUBRIC, "core_skills": ["Caching Strategies", "Release Trains"]}  # the bank has no release trains
    job = api.post(
        "/api/jobs/",
        json={"title": "Release Engineer", "rubric_template": rubric, "interview_length": 3, "questions": [OWN]},
        headers=headers,
    ).get_json()
    assert [c["source"] for c in job["coverage"]] == ["bank", "custom"]
    session_id = create_session(api, headers, job["id"])[0]["id"]

    reply = _turn(turn, {"session_id": session_id, "turn_index": 0}).get_json()
    answers = {OWN["question"]: OWN["ideal_answer"]}
    for turn_index in range(1, 4):
        asked = _question(session_id, turn_index - 1)
        assert asked.reference is not None
        text = answers.get(asked.wording, "I have not done that.")
        body = {"session_id": session_id, "turn_index": turn_index, "answer_text": text}
        reply = _turn(turn, body).get_json()
    assert reply["finished"] is True

    store = talentcrew.config.platform().store
    graded = store.query(Answer, where={"session_id": session_id}, order_by="turn_index").items
    own = [a for a in graded if a.skill == "Release Trains"]
    assert len(own) == 1 and str(OWN["question"]) in own[0].question_asked
    assert own[0].ideal_answer == OWN["ideal_answer"]  # graded against the recruiter's ideal answer
    assert own[0].confidence_score >= 7  # its own ideal answer, given back, is strong
    assert own[0].provenance.rubric_version == 1
    weak = [a for a in graded if a.skill == "Caching Strategies"]
    assert weak and all(a.confidence_score <= 4 for a in weak)


OWN: dict[str, Any] = {
    "skill": "Release Trains",
    "level": 2,
    "question": "How would you run a weekly release train for five teams sharing one mobile app?",
    "ideal_answer": "Cut a release branch on a fixed day, so teams know the deadline, and ship whatever is merged "
    "behind feature flags. Late work waits for the next train instead of delaying it. A release captain runs "
    "the regression checks and a staged rollout, and hotfixes are cherry-picked onto the branch.",
    "key_concepts": [
        {"name": "fixed cut-off", "terms": ["fixed day", "release branch", "deadline"]},
        {"name": "feature flags", "terms": ["feature flags", "flag"]},
        {"name": "the train does not wait", "terms": ["next train", "waits"]},
        {"name": "staged rollout", "terms": ["staged rollout", "rollout"]},
    ],
    "misconceptions": [],
}


def test_a_candidate_who_asks_for_the_question_rephrased_hears_the_banks_second_wording(
    clients: tuple[FlaskClient, FlaskClient],
) -> None:
    api, turn = clients
    headers = auth_headers(api, "rephrase@example.com")
    job = api.post("/api/jobs/", json={"title": "Backend Engineer", "rubric_template": RUBRIC}, headers=headers)
    session_id = create_session(api, headers, job.get_json()["id"])[0]["id"]
    _turn(turn, {"session_id": session_id, "turn_index": 0})
    asked = _question(session_id, 0)
    assert asked.reference is not None and asked.reference.rewording

    body = {"session_id": session_id, "turn_index": 1, "answer_text": "Sorry, could you rephrase the question?"}
    reply = _turn(turn, body).get_json()

    assert reply["skill"] == asked.skill and asked.reference.rewording in reply["question"]
    assert asked.reference.question not in reply["question"]
