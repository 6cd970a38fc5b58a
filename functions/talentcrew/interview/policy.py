"""How long an interview runs: fixed by the rubric, never by the model."""

from __future__ import annotations

from talentcrew.models import Rubric

MAX_QUESTIONS = 12


def question_budget(rubric: Rubric) -> int:
    """An opening question, then up to two per core skill (the question and one drill-down)."""
    return min(MAX_QUESTIONS, 1 + 2 * len(rubric.core_skills))
