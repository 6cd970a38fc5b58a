"""The prototype's scoring rules, kept exactly."""

from __future__ import annotations

import pytest

from talentcrew.models import Answer, Provenance, Recommendation, utcnow
from talentcrew.scoring import final_score, recommend

PROVENANCE = Provenance(rubric_version=1, question_bank_version="1", brain="local", model="m", prompt_version="1")


def _answers(*confidences: int) -> list[Answer]:
    return [
        Answer(
            session_id="s",
            owner_id="o",
            turn_index=turn,
            skill="SQL",
            question_asked="q",
            candidate_answer="a",
            understanding_score=confidence,
            explainability_score=confidence,
            confidence_score=confidence,
            provenance=PROVENANCE,
            asked_at=utcnow(),
        )
        for turn, confidence in enumerate(confidences)
    ]


@pytest.mark.parametrize(
    ("confidences", "score"),
    [((7,), 70), ((7, 6), 65), ((10, 9, 9), 93), ((6, 7, 7), 66), ((1,), 10), ((10, 10), 100)],
)
def test_final_score_is_the_truncated_mean_times_ten(confidences: tuple[int, ...], score: int) -> None:
    assert final_score(_answers(*confidences)) == score


def test_no_answers_means_no_score() -> None:
    assert final_score([]) is None


@pytest.mark.parametrize(("score", "expected"), [(70, Recommendation.HIRE), (69, Recommendation.REJECT), (100, "HIRE")])
def test_hire_at_seventy_or_more(score: int, expected: Recommendation) -> None:
    assert recommend(score) == expected
