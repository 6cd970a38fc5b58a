"""The turn service and the speech engine: the keyterms it tells the relay to expect, and the confidences it keeps.

Through the turn function's test client, as in test_turn_service.py (its fixtures and helpers).
"""

from __future__ import annotations

from flask.testing import FlaskClient

from talentcrew.models import TRANSCRIPT_CHECK_BELOW, Answer, HeardWord, Question, answer_id
from tests.api.helpers import said_concept_terms
from tests.api.test_turn_service import RUBRIC, call, clients, interview, ok, store

__all__ = ["clients", "interview"]  # fixtures


def _concept_terms(question: Question | None) -> list[str]:
    assert question is not None and question.reference is not None  # the offline brain asks the bank's questions
    return said_concept_terms(question.reference)


def test_the_next_answers_keyterms_hold_the_rubric_and_the_questions_concept_terms(
    clients: tuple[FlaskClient, FlaskClient], interview: tuple[dict[str, str], str]
) -> None:
    _, turn = clients
    _, session_id = interview
    rubric_terms = [*RUBRIC["languages"], *RUBRIC["core_skills"]]

    resumed = ok(call(turn, "/resume", {"session_id": session_id}))
    opening = _concept_terms(store().get(Question, answer_id(session_id, 0)))
    assert set(opening + rubric_terms) <= set(resumed["keyterms"])

    reply = ok(call(turn, "/", {"session_id": session_id, "turn_index": 1, "answer_text": "An index on the key."}))
    following = _concept_terms(store().get(Question, answer_id(session_id, 1)))
    assert set(following + rubric_terms) <= set(reply["keyterms"])
    assert set(following) != set(opening)  # the terms follow the question

    again = ok(call(turn, "/resume", {"session_id": session_id}))  # a reconnection gets the same
    retried = ok(call(turn, "/", {"session_id": session_id, "turn_index": 1, "answer_text": "An index on the key."}))
    assert again["keyterms"] == retried["keyterms"] == reply["keyterms"]


def _spoken(session_id: str, turn_index: int, *confidences: float) -> dict[str, object]:
    words = [HeardWord(text=f"word{n}", confidence=c).model_dump() for n, c in enumerate(confidences)]
    return {
        "session_id": session_id,
        "turn_index": turn_index,
        "answer_text": " ".join(str(word["text"]) for word in words),
        "transcript_confidence": round(sum(confidences) / len(confidences), 3),
        "words": words,
    }


def test_an_answer_heard_with_low_confidence_is_marked_for_a_person_with_its_words(
    clients: tuple[FlaskClient, FlaskClient], interview: tuple[dict[str, str], str]
) -> None:
    _, turn = clients
    _, session_id = interview
    ok(call(turn, "/resume", {"session_id": session_id}))
    ok(call(turn, "/", _spoken(session_id, 1, 0.95, 0.4, 0.5)))  # mean 0.617
    ok(call(turn, "/", _spoken(session_id, 2, 0.95, 0.9, 0.3)))  # mean 0.717: one unsure word is no reason
    ok(call(turn, "/", {"session_id": session_id, "turn_index": 3, "answer_text": "Typed: an index."}))

    unsure, sure, typed = (store().get(Answer, answer_id(session_id, turn)) for turn in (1, 2, 3))
    assert unsure.transcript_confidence == 0.617 < TRANSCRIPT_CHECK_BELOW and unsure.transcript_check
    assert [(w.text, w.confidence) for w in unsure.heard_words] == [("word0", 0.95), ("word1", 0.4), ("word2", 0.5)]
    assert sure.transcript_confidence == 0.717 and not sure.transcript_check and len(sure.heard_words) == 3
    assert (typed.transcript_confidence, typed.heard_words, typed.transcript_check) == (None, [], False)


def test_confidences_out_of_range_are_refused_as_problems(
    clients: tuple[FlaskClient, FlaskClient], interview: tuple[dict[str, str], str]
) -> None:
    _, turn = clients
    _, session_id = interview
    ok(call(turn, "/resume", {"session_id": session_id}))
    word = {"text": "index", "confidence": 1.5}
    for body in (
        {**_spoken(session_id, 1, 0.9), "transcript_confidence": -0.1},
        {**_spoken(session_id, 1, 0.9), "words": [word]},
        {**_spoken(session_id, 1, 0.9), "words": [{"text": "x" * 101, "confidence": 0.9}]},
    ):
        response = call(turn, "/", body)
        assert response.status_code in (400, 422) and response.mimetype == "application/problem+json"
    assert store().get(Answer, answer_id(session_id, 1)) is None
