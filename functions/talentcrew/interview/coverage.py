"""Which of a job's skills an interview can ask, and from where: what the recruiter is shown while writing the job
and what the interview then does (`policy.plan` reads the same answer)."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, Field

from talentcrew.errors import Unaskable
from talentcrew.interview.bank import BankSkill, QuestionBank
from talentcrew.models import JobQuestion, Rubric


class Source(StrEnum):
    BANK = "bank"
    """The question bank has the skill (or, with `broader`, a broader skill that covers it)."""
    CUSTOM = "custom"
    """The recruiter wrote questions for it (asked first; the bank's follow, if it has the skill)."""
    GEMINI = "gemini"
    """Not in the bank: the configured brain (Gemini) writes the questions."""
    NONE = "none"
    """Nobody can ask it: the interview tells the candidate a recruiter will cover it."""


class SkillCoverage(BaseModel):
    skill: str = Field(description="The skill as the rubric names it.")
    bank_skill: str | None = Field(description="The bank skill asked for it (its id), if any.")
    bank_title: str | None = Field(description="That bank skill's title, to show the recruiter.")
    source: Source
    broader: bool = Field(description="True when the bank asks a broader skill's questions for it.")
    questions: Annotated[
        int, Field(ge=0, description="Questions available for it: the recruiter's and the bank's (0: written, none).")
    ]
    reached: bool = Field(
        default=True,
        description="Whether an interview of the job's length opens it: skills are opened in rubric order, each "
        "before any is asked twice, so when askable skills outnumber the answers the last ones are not reached.",
    )


def own_questions(questions: list[JobQuestion], title: str) -> list[JobQuestion]:
    """The recruiter's questions for the rubric skill named `title` (in any letters' case)."""
    return [q for q in questions if q.skill.casefold() == title.casefold()]


def skill_coverage(title: str, bank: QuestionBank, writes_questions: bool, own: int = 0) -> SkillCoverage:
    """Where a job's skill, named `title`, gets its questions; `own`: how many the recruiter wrote for it."""
    match = bank.match(title)
    if match is None:
        source = Source.CUSTOM if own else Source.GEMINI if writes_questions else Source.NONE
        return SkillCoverage(skill=title, bank_skill=None, bank_title=None, source=source, broader=False, questions=own)
    return SkillCoverage(
        skill=title,
        bank_skill=match.skill.skill,
        bank_title=match.skill.title,
        source=Source.CUSTOM if own else Source.BANK,
        broader=match.broader,
        questions=own + len(match.skill.questions),
    )


def coverage(
    rubric: Rubric, questions: list[JobQuestion], length: int, bank: QuestionBank, writes_questions: bool
) -> list[SkillCoverage]:
    """Each core skill of the rubric, in its order, with where its questions come from and whether an interview
    of `length` answers reaches it."""
    found = [
        skill_coverage(title, bank, writes_questions, len(own_questions(questions, title)))
        for title in rubric.core_skills
    ]
    askable = [item for item in found if item.source is not Source.NONE]
    return [item.model_copy(update={"reached": item in askable[:length]}) for item in found]


def suggestions(bank: QuestionBank, typed: str) -> list[BankSkill]:
    """Bank skills a recruiter typing `typed` may mean: titles starting with it, then any whose title, id or
    aliases contain it; every skill, by title, when nothing is typed."""
    wanted = typed.strip().lower()

    def rank(skill: BankSkill) -> tuple[int, str] | None:
        names = [skill.title.lower(), skill.skill, *skill.aliases]
        if skill.title.lower().startswith(wanted):
            return (0, skill.title)
        if any(wanted in name for name in names):
            return (1, skill.title)
        return None

    ranked = [(found, skill) for skill in bank.skills.values() if (found := rank(skill)) is not None]
    return [skill for _, skill in sorted(ranked, key=lambda pair: pair[0])]


def require_askable(found: list[SkillCoverage], bank: QuestionBank) -> None:
    """A job none of whose skills can be asked would leave every candidate at an interview that cannot start."""
    if found and all(item.source is Source.NONE for item in found):
        names = ", ".join(item.skill for item in found)
        raise Unaskable(
            f"no skill of this job can be asked by the offline interviewer ({names}); write questions of your own "
            f"for one (the job's `questions`) or add a skill the question bank has (GET /api/skills/ lists them, "
            f"e.g. {', '.join(s.title for s in list(bank.skills.values())[:4])})"
        )
