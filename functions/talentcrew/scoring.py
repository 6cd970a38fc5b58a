"""The final score and recommendation: the prototype's rules, kept exactly.

Each answer's confidence score is 1-10; the session's score is their mean times ten, truncated
(`int(avg * 10)`), and HIRE is recommended at 70 or more (a job may set another threshold). A
recommendation only: a recruiter records the decision.
"""

from __future__ import annotations

from collections.abc import Sequence
from statistics import fmean

from talentcrew.models import Answer, Recommendation

HIRE_THRESHOLD = 70


def final_score(answers: Sequence[Answer]) -> int | None:
    """None when nothing was answered: no score is better than an invented one. A request to
    have the question rephrased is not an answer, and an answer the brain could not grade waits
    for a person: neither counts."""
    scored = [a.confidence_score for a in answers if not (a.needs_clarification or a.needs_human_grade)]
    if not scored:
        return None
    return int(fmean(scored) * 10)


def recommend(score: int, threshold: int = HIRE_THRESHOLD) -> Recommendation:
    """HIRE at the job's threshold or above (70 unless the job says otherwise)."""
    return Recommendation.HIRE if score >= threshold else Recommendation.REJECT


def result(answers: Sequence[Answer], threshold: int = HIRE_THRESHOLD) -> tuple[int | None, Recommendation | None]:
    """The session's score and recommendation; both None when nothing was scored."""
    score = final_score(answers)
    return score, (recommend(score, threshold) if score is not None else None)
