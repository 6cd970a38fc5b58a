"""Unit tests for the domain models: rubric validation, timestamps, ids, users and scores."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from pydantic import BaseModel, ValidationError

from talentcrew.models import Answer, ExperienceLevel, Rubric, Timestamp, User, answer_id


def rubric_fields(**overrides: Any) -> dict[str, Any]:
    fields: dict[str, Any] = {
        "languages": ["Python"],
        "core_skills": ["APIs", "SQL"],
        "experience_level": "Senior",
        "evaluation_focus": ["depth"],
    }
    fields.update(overrides)
    return fields


class Stamped(BaseModel):
    at: Timestamp


def test_rubric_accepts_valid_fields() -> None:
    rubric = Rubric.model_validate(rubric_fields(languages=["  Python  ", "Go"]))
    assert rubric.languages == ["Python", "Go"]
    assert rubric.experience_level is ExperienceLevel.SENIOR


@pytest.mark.parametrize("field", ["languages", "core_skills", "evaluation_focus"])
def test_rubric_rejects_empty_lists(field: str) -> None:
    with pytest.raises(ValidationError):
        Rubric.model_validate(rubric_fields(**{field: []}))


@pytest.mark.parametrize("field", ["languages", "core_skills", "evaluation_focus"])
def test_rubric_rejects_case_insensitive_duplicates(field: str) -> None:
    with pytest.raises(ValidationError, match="distinct"):
        Rubric.model_validate(rubric_fields(**{field: ["Python", "python"]}))


@pytest.mark.parametrize("bad", ["", "   ", "x" * 201])
def test_rubric_rejects_blank_or_overlong_entries(bad: str) -> None:
    with pytest.raises(ValidationError):
        Rubric.model_validate(rubric_fields(core_skills=[bad]))


def test_rubric_accepts_entry_at_length_limit() -> None:
    assert Rubric.model_validate(rubric_fields(core_skills=["x" * 200])).core_skills == ["x" * 200]


def test_rubric_rejects_too_many_entries() -> None:
    with pytest.raises(ValidationError):
        Rubric.model_validate(rubric_fields(evaluation_focus=[f"focus {i}" for i in range(9)]))


@pytest.mark.parametrize("level", ["senior", "Principal", ""])
def test_rubric_rejects_unknown_experience_level(level: str) -> None:
    with pytest.raises(ValidationError):
        Rubric.model_validate(rubric_fields(experience_level=level))


def test_rubric_forbids_extra_fields() -> None:
    with pytest.raises(ValidationError, match="extra"):
        Rubric.model_validate(rubric_fields(weights={"python": 1}))


def test_timestamp_rejects_naive_datetime() -> None:
    with pytest.raises(ValidationError, match="timezone"):
        Stamped(at=datetime(2024, 1, 1, 12, 0))


def test_timestamp_converts_offset_to_utc() -> None:
    stamped = Stamped(at=datetime(2024, 1, 1, 14, 30, tzinfo=timezone(timedelta(hours=2))))
    assert stamped.at == datetime(2024, 1, 1, 12, 30, tzinfo=UTC)
    assert stamped.at.utcoffset() == timedelta(0)
    assert stamped.model_dump(mode="json")["at"] == "2024-01-01T12:30:00.000000Z"


def test_timestamp_json_is_fixed_width_with_microseconds() -> None:
    whole = Stamped(at=datetime(2024, 5, 6, 7, 8, 9, tzinfo=UTC))
    fractional = Stamped(at=datetime(2024, 5, 6, 7, 8, 9, 5, tzinfo=UTC))
    assert json.loads(whole.model_dump_json())["at"] == "2024-05-06T07:08:09.000000Z"
    assert fractional.model_dump(mode="json")["at"] == "2024-05-06T07:08:09.000005Z"


def test_timestamp_strings_sort_chronologically() -> None:
    base = datetime(2024, 5, 6, 7, 8, 9, tzinfo=UTC)
    moments = [
        base + timedelta(microseconds=1),
        base,
        base + timedelta(seconds=1),
        base - timedelta(microseconds=1),
        base + timedelta(microseconds=999_999),
        (base + timedelta(hours=3)).astimezone(timezone(timedelta(hours=-5))),
    ]
    serialised = [Stamped(at=m).model_dump(mode="json")["at"] for m in moments]
    assert len({len(s) for s in serialised}) == 1
    assert sorted(serialised) == [Stamped(at=m).model_dump(mode="json")["at"] for m in sorted(moments)]


def test_timestamp_python_dump_keeps_datetime() -> None:
    moment = datetime(2024, 1, 1, tzinfo=UTC)
    assert Stamped(at=moment).model_dump()["at"] == moment


def test_answer_id_is_deterministic_and_sorts_by_turn() -> None:
    assert answer_id("s1", 7) == answer_id("s1", 7)
    assert answer_id("s1", 7) != answer_id("s1", 8)
    assert answer_id("s1", 7) != answer_id("s2", 7)
    turns = [10, 2, 999, 0, 100, 9, 1, 11, 99]
    ids = [answer_id("session", t) for t in turns]
    assert sorted(ids) == [answer_id("session", t) for t in sorted(turns)]


def test_user_lower_cases_email() -> None:
    user = User(email="Ada.Lovelace@Example.COM", full_name="Ada")
    assert user.email == "ada.lovelace@example.com"


@pytest.mark.parametrize("email", ["not-an-email", "a@", "@example.com", ""])
def test_user_rejects_invalid_email(email: str) -> None:
    with pytest.raises(ValidationError):
        User(email=email, full_name="Ada")


def answer_fields(**overrides: Any) -> dict[str, Any]:
    fields: dict[str, Any] = {
        "session_id": "s1",
        "owner_id": "o1",
        "turn_index": 0,
        "skill": "SQL",
        "question_asked": "What is an index?",
        "candidate_answer": "A lookup structure.",
        "understanding_score": 5,
        "explainability_score": 5,
        "confidence_score": 5,
        "provenance": {
            "rubric_version": 1,
            "question_bank_version": "1",
            "brain": "offline",
            "model": "none",
            "prompt_version": "1",
        },
        "asked_at": datetime(2024, 1, 1, tzinfo=UTC),
    }
    fields.update(overrides)
    return fields


@pytest.mark.parametrize("field", ["understanding_score", "explainability_score", "confidence_score"])
@pytest.mark.parametrize("value", [0, 11])
def test_score_rejects_out_of_range(field: str, value: int) -> None:
    with pytest.raises(ValidationError):
        Answer.model_validate(answer_fields(**{field: value}))


@pytest.mark.parametrize("value", [1, 10])
def test_score_accepts_bounds(value: int) -> None:
    answer = Answer.model_validate(answer_fields(understanding_score=value))
    assert answer.understanding_score == value
