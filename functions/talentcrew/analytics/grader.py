"""Grader drift: the active brain re-grades a versioned golden set of answers whose grades were fixed.

A model update, a prompt change or a new calibration can move every score while each one still looks
plausible. The golden set pins answers and the grades one reviewed brain version gave them; re-grading
it with the active brain shows a change before candidates feel it, and names the versions to blame.
The fixed grades belong to the brain that fixed them: a different brain is expected to alert until a
golden set is fixed (and reviewed) for it.
"""

from __future__ import annotations

import functools
import json
from pathlib import Path
from statistics import fmean
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from talentcrew.interview.bank import bank
from talentcrew.interview.brain import Brain, TurnContext
from talentcrew.models import Grade, Rubric, confidence

GOLDEN_ROOT = Path(__file__).parent / "golden"
CURRENT_GOLDEN = "golden-2026.12.2"

MAX_MEAN_CHANGE = 0.5
"""Alert when the per-answer score moves by more than half a point on average: float noise across machines
or library versions can tip an answer over a rounding boundary (one point, on one or two answers, well
under 0.5 over the set's seventeen), while a brain that grades systematically differently moves most answers."""
MAX_ITEM_CHANGE = 2
"""Alert when any single answer moves by this many points or more: a rounding tip moves one point, two is
a different grade (a 7, at the hire level, becomes a 5), which the mean over the set would dilute."""

Version = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9.-]*$")]


class GradedBy(BaseModel):
    model_config = ConfigDict(extra="forbid")

    brain: str
    model: str
    prompt_version: str


class GoldenItem(BaseModel):
    """One answer to one bank question; the bank supplies the question and its reference answer."""

    model_config = ConfigDict(extra="forbid")

    id: Annotated[str, StringConstraints(pattern=r"^[a-z0-9-]+$")]
    skill: Annotated[str, StringConstraints(min_length=1, max_length=200)]
    """The skill as a rubric names it (what the interview passes the brain), mapped to the bank by alias."""
    question_id: str
    rubric: Rubric
    answer: Annotated[str, StringConstraints(min_length=1, max_length=20_000)]
    expected: Grade
    """The grade fixed for it (only the two scores are compared)."""


class GoldenSet(BaseModel):
    model_config = ConfigDict(extra="forbid")

    version: Version
    question_bank_version: Version
    graded_by: GradedBy
    note: str
    items: Annotated[list[GoldenItem], Field(min_length=1)]

    @model_validator(mode="after")
    def _items_fit_the_bank(self) -> GoldenSet:
        """A typo in the file must fail at load, not read as drift."""
        ids = [item.id for item in self.items]
        if len(set(ids)) != len(ids):
            raise ValueError("golden item ids must be distinct")
        questions = bank(self.question_bank_version)
        for item in self.items:
            skill = questions.skill_for(item.skill)
            if skill is None or item.question_id not in {q.id for q in skill.questions}:
                raise ValueError(
                    f"golden item {item.id}: {item.question_id!r} is not a bank question of {item.skill!r}"
                )
        return self

    def context(self, item: GoldenItem) -> TurnContext:
        """The turn as an interview would pass it: the bank's wording, with the bank entry as reference."""
        question = bank(self.question_bank_version).question(item.question_id)
        return TurnContext(
            rubric=item.rubric, skill=item.skill, question=question.question, reference=question, answer=item.answer
        )


@functools.cache
def golden_set(version: str = CURRENT_GOLDEN) -> GoldenSet:
    return GoldenSet.model_validate(json.loads((GOLDEN_ROOT / f"{version}.json").read_text()))


class GoldenChange(BaseModel):
    id: str
    expected: int
    got: int


class GraderDrift(BaseModel):
    golden_version: str
    brain: str
    model: str
    prompt_version: str
    items: int
    mean_abs_change: float = Field(description="Mean over the golden answers of |got - expected| per-answer score.")
    max_abs_change: int
    changed: list[GoldenChange] = Field(description=f"The answers that moved by {MAX_ITEM_CHANGE} points or more.")
    alert: bool
    reason: str


def grader_drift(brain: Brain, golden: GoldenSet | None = None) -> GraderDrift:
    """Re-grade the golden set (the current one by default) with `brain` and compare per-answer scores."""
    golden = golden or golden_set()
    pairs = [(item, brain.grade(golden.context(item)).confidence_score) for item in golden.items]
    changes = [abs(got - confidence(item.expected)) for item, got in pairs]
    mean_change = fmean(changes)
    changed = [
        GoldenChange(id=item.id, expected=confidence(item.expected), got=got)
        for (item, got), change in zip(pairs, changes, strict=True)
        if change >= MAX_ITEM_CHANGE
    ]
    alert = mean_change > MAX_MEAN_CHANGE or bool(changed)
    who = f"brain {brain.name} / {brain.model} / prompt {brain.prompt_version}"
    moved = f"{len(changed)} of {len(pairs)} items moved by {MAX_ITEM_CHANGE} or more"
    if alert:
        reason = (
            f"{who} grades the golden set {golden.version} differently from its fixed grades: mean change "
            f"{mean_change:.2f} {'>' if mean_change > MAX_MEAN_CHANGE else '<='} {MAX_MEAN_CHANGE}; {moved}"
        )
    else:
        fixed = golden.graded_by
        reason = (
            f"{who} grades the golden set {golden.version} within tolerance of its fixed grades (fixed by brain "
            f"{fixed.brain} / {fixed.model} / prompt {fixed.prompt_version}): mean change {mean_change:.2f} <= "
            f"{MAX_MEAN_CHANGE}; {moved}"
        )
    return GraderDrift(
        golden_version=golden.version,
        brain=brain.name,
        model=brain.model,
        prompt_version=brain.prompt_version,
        items=len(pairs),
        mean_abs_change=round(mean_change, 3),
        max_abs_change=max(changes),
        changed=changed,
        alert=alert,
        reason=reason,
    )
