"""The question bank: versioned data files, one per skill, read once per process.

Governance lives in the files: every candidate for a job is asked from the same bank version, and
every answer records that version. A rubric names skills in its own words ("Caching Strategies");
`QuestionBank.match` maps them onto the bank skill that is that skill (its aliases), or else onto a broader one
that `covers` it, reported as broader.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from talentcrew.questions import Askable, Prompt, Text

BANK_ROOT = Path(__file__).parent / "question_bank"
CURRENT_VERSION = "2026.12.2"

Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
"""A skill's name as recruiters write it; short ones ("c#", "ml") included."""


class BankQuestion(Askable):
    follow_ups: list[Prompt] = Field(min_length=2, max_length=2, description="Drill-down questions, depth 1 and 2.")


class BankSkill(BaseModel):
    model_config = ConfigDict(extra="forbid")

    skill: Annotated[str, StringConstraints(pattern=r"^[a-z0-9-]+$")]
    title: Text
    aliases: Annotated[list[Name], Field(min_length=1, description="Names that are this skill.")]
    covers: list[Name] = Field(
        default=[],
        description="Narrower skills this one stands in for while the bank has none of their own (a job that "
        "names one is asked this skill's questions, and told so).",
    )
    questions: Annotated[list[BankQuestion], Field(min_length=5)]


@dataclass(frozen=True)
class SkillMatch:
    """The bank skill a rubric's skill maps onto, and whether it is only a broader one."""

    skill: BankSkill
    broader: bool


class Phrases(BaseModel):
    """Templates the offline brain words its turns with ({skill}, {question} placeholders)."""

    model_config = ConfigDict(extra="forbid")

    opening: list[Text]
    drill: list[Text]
    acknowledge_and_pivot: list[Text]
    gentle_pivot: list[Text]
    off_topic: list[Text]
    rephrase: list[Text]
    uncovered_skill: list[Text]
    closing: list[Text]


def _normalise(text: str) -> str:
    return re.sub(r"[^a-z0-9+#]+", " ", text.lower()).strip()


class QuestionBank:
    def __init__(self, version: str, skills: list[BankSkill], phrases: Phrases) -> None:
        self.version = version
        self.skills = {skill.skill: skill for skill in skills}
        self.phrases = phrases
        self._questions = {q.id: q for skill in skills for q in skill.questions}

    @classmethod
    def load(cls, version: str = CURRENT_VERSION) -> QuestionBank:
        folder = BANK_ROOT / version
        skills = [
            BankSkill.model_validate(json.loads(path.read_text()))
            for path in sorted(folder.glob("*.json"))
            if path.name != "phrases.json"
        ]
        phrases = Phrases.model_validate(json.loads((folder / "phrases.json").read_text()))
        return cls(version, skills, phrases)

    def match(self, rubric_skill: str) -> SkillMatch | None:
        """The bank skill a rubric's skill names: the longest name found in the rubric's words ("Caching
        Strategies in Redis" names caching), among each skill's own names (id, title, aliases) and the narrower
        skills it `covers`; found among the covered, it is reported as broader ("Google Cloud" is asked as Cloud
        and DevOps, not named by its alias "cloud"). None: the bank cannot ask it."""
        wanted = _normalise(rubric_skill)
        named = self._named(wanted, lambda skill: [skill.skill.replace("-", " "), skill.title, *skill.aliases])
        wider = self._named(wanted, lambda skill: skill.covers)
        if wider is not None and (named is None or wider[0] > named[0]):
            return SkillMatch(wider[1], broader=True)
        return None if named is None else SkillMatch(named[1], broader=False)

    def skill_for(self, rubric_skill: str) -> BankSkill | None:
        found = self.match(rubric_skill)
        return None if found is None else found.skill

    def _named(self, wanted: str, names: Callable[[BankSkill], list[str]]) -> tuple[int, BankSkill] | None:
        """The skill with the longest of its `names` contained in `wanted`, and that name's length."""
        best: tuple[int, BankSkill] | None = None
        for skill in self.skills.values():
            for name in names(skill):
                needle = _normalise(name)
                if needle and f" {needle} " in f" {wanted} " and (best is None or len(needle) > best[0]):
                    best = (len(needle), skill)
        return best

    def question(self, question_id: str) -> BankQuestion:
        return self._questions[question_id]


@functools.cache
def bank(version: str = CURRENT_VERSION) -> QuestionBank:
    return QuestionBank.load(version)
