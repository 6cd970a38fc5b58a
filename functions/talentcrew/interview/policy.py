"""Interview control, in code: which skills, in what order, when to drill, pivot, rephrase or stop.

The prototype's table, kept: a score of 8-10 drills deeper (depth + 1, at most 2), then pivots;
5-7 acknowledges and pivots; 1-4 pivots gently; an off-topic answer is warned about and pivots; a
request for clarification gets the question rephrased (once). Coverage: every rubric skill is
opened before any is opened twice, and a drill is only taken while the turns left still cover
every unopened skill, so every candidate of a job meets the same coverage. All choices are
deterministic: the same job and the same grades give the same interview.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from enum import StrEnum

from talentcrew.interview.bank import BankQuestion, BankSkill, Prompt, QuestionBank
from talentcrew.interview.brain import Target, TurnResult
from talentcrew.interview.coverage import Source, coverage
from talentcrew.models import ExperienceLevel, Rubric

MAX_DEPTH = 2
LEVEL = {ExperienceLevel.JUNIOR: 1, ExperienceLevel.MID: 2, ExperienceLevel.SENIOR: 3, ExperienceLevel.STAFF: 3}


class Move(StrEnum):
    DRILL = "drill"
    PIVOT = "pivot"
    REPHRASE = "rephrase"
    FINISH = "finish"


class Tone(StrEnum):
    """Which of the bank's phrase templates words the move (see `Phrases`)."""

    OPENING = "opening"
    DRILL = "drill"
    ACKNOWLEDGE_AND_PIVOT = "acknowledge_and_pivot"
    GENTLE_PIVOT = "gentle_pivot"
    OFF_TOPIC = "off_topic"
    REPHRASE = "rephrase"
    CLOSING = "closing"


@dataclass(frozen=True)
class SkillPlan:
    """A rubric skill as the interview will ask it: the bank's skill, or none (brain-written)."""

    title: str
    bank_skill: BankSkill | None


@dataclass(frozen=True)
class Asked:
    """A question already asked in this session (from the stored questions)."""

    skill: str
    depth: int
    bank_question_id: str | None
    rephrased: bool = False


@dataclass(frozen=True)
class Next:
    """A question the interview may ask next, before it is worded."""

    skill: str
    depth: int
    bank_question_id: str | None
    reference: Prompt | None

    @property
    def target(self) -> Target:
        return Target(skill=self.skill, reference=self.reference)


@dataclass(frozen=True)
class Decision:
    move: Move
    tone: Tone
    next: Next | None


def plan(rubric: Rubric, bank: QuestionBank, writes_questions: bool) -> tuple[list[SkillPlan], list[str]]:
    """The skills the interview will cover, in rubric order, and those it cannot (no bank entry and
    a brain that cannot write questions): those are reported for a human to cover. The recruiter saw the same
    (`coverage`) when writing the job."""
    found = coverage(rubric, bank, writes_questions)
    skills = [
        SkillPlan(item.skill, bank.skills[item.bank_skill] if item.bank_skill else None)
        for item in found
        if item.source is not Source.NONE
    ]
    return skills, [item.skill for item in found if item.source is Source.NONE]


def _bank_question(skill: SkillPlan, level: int, asked_ids: set[str], draw: str) -> BankQuestion | None:
    """The skill's next unasked bank question nearest the level. Among equally near ones (the bank's questions of
    one level are equivalent) the session's `draw` chooses: the same draw always gives the same interview, and
    candidates of one job do not all meet the same questions."""
    if skill.bank_skill is None:
        return None
    fresh = [q for q in skill.bank_skill.questions if q.id not in asked_ids]
    return min(fresh, key=lambda q: (abs(q.level - level), _lot(draw, q.id)), default=None)


def _lot(draw: str, question_id: str) -> bytes:
    return hashlib.sha256(f"{draw}:{question_id}".encode()).digest()


def next_opening(skills: list[SkillPlan], asked: list[Asked], rubric: Rubric, draw: str) -> Next | None:
    """The least-opened skill (rubric order breaks ties) with its next question; `draw` (the session's id, so
    the choice is recorded with the session) picks among equivalent questions."""
    openings = {skill.title: 0 for skill in skills}
    for earlier in asked:
        if earlier.depth == 0 and not earlier.rephrased and earlier.skill in openings:
            openings[earlier.skill] += 1
    asked_ids = {q.bank_question_id for q in asked if q.bank_question_id}
    for skill in sorted(skills, key=lambda s: openings[s.title]):  # sorted() is stable: rubric order
        question = _bank_question(skill, LEVEL[rubric.experience_level], asked_ids, draw)
        if question is not None:
            return Next(skill.title, 0, question.id, question)
        if skill.bank_skill is None:
            return Next(skill.title, 0, None, None)
    return None


def drill_target(current: Asked, bank: QuestionBank) -> Next | None:
    """The current topic's next follow-up, while the depth allows one."""
    if current.bank_question_id is None or current.depth >= MAX_DEPTH:
        return None
    follow_ups = bank.question(current.bank_question_id).follow_ups
    if current.depth >= len(follow_ups):
        return None
    return Next(current.skill, current.depth + 1, current.bank_question_id, follow_ups[current.depth])


def _can_drill(skills: list[SkillPlan], asked: list[Asked], turns_left: int) -> bool:
    """A drill may not cost an unopened skill its turn."""
    opened = {q.skill for q in asked if q.depth == 0}
    unopened = sum(1 for skill in skills if skill.title not in opened)
    return turns_left > unopened


def decide(
    result: TurnResult,
    current: Asked,
    drill: Next | None,
    pivot: Next | None,
    *,
    turns_left: int,
    coverage_allows_drill: bool,
) -> Decision:
    """The table. `turns_left` counts the questions still to be answered after this one."""
    if turns_left <= 0:
        return Decision(Move.FINISH, Tone.CLOSING, None)
    if result.off_topic and pivot:
        return Decision(Move.PIVOT, Tone.OFF_TOPIC, pivot)
    if result.needs_clarification and not current.rephrased:
        return Decision(
            Move.REPHRASE, Tone.REPHRASE, Next(current.skill, current.depth, current.bank_question_id, None)
        )
    score = result.confidence_score
    if score >= 8 and drill and coverage_allows_drill:
        return Decision(Move.DRILL, Tone.DRILL, drill)
    if pivot is None:
        return Decision(Move.DRILL, Tone.DRILL, drill) if drill else Decision(Move.FINISH, Tone.CLOSING, None)
    tone = Tone.ACKNOWLEDGE_AND_PIVOT if score >= 5 else Tone.GENTLE_PIVOT
    return Decision(Move.PIVOT, tone, pivot)


def options(
    skills: list[SkillPlan], asked: list[Asked], rubric: Rubric, bank: QuestionBank, turns_left: int, draw: str
) -> tuple[Next | None, Next | None, bool]:
    """What may follow the current (last asked) question: a drill, a pivot, and whether a drill
    keeps coverage intact. Computed before grading, so the brain can word both."""
    current = asked[-1]
    drill = drill_target(current, bank)
    pivot = next_opening(skills, asked, rubric, draw)
    return drill, pivot, _can_drill(skills, asked, turns_left)
