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
import re
from dataclasses import dataclass
from enum import StrEnum

from talentcrew.interview.bank import BankSkill, QuestionBank
from talentcrew.interview.brain import Target, TurnResult
from talentcrew.interview.coverage import Source, coverage, own_questions
from talentcrew.models import ExperienceLevel, Job, Rubric
from talentcrew.questions import Askable, Prompt

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
    """A rubric skill as the interview will ask it: the recruiter's own questions for it, then the bank's skill's;
    with neither, the brain writes them."""

    title: str
    bank_skill: BankSkill | None
    own: tuple[Askable, ...] = ()

    @property
    def questions(self) -> tuple[Askable, ...]:
        return (*self.own, *(self.bank_skill.questions if self.bank_skill else ()))


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


def plan(job: Job, bank: QuestionBank, writes_questions: bool) -> tuple[list[SkillPlan], list[str]]:
    """The skills the interview will cover, in rubric order, and those it cannot (no question of the recruiter's,
    no bank entry and a brain that cannot write questions): those are reported for a human to cover. The
    recruiter saw the same (`coverage`) when writing the job."""
    found = coverage(job.rubric_template, job.questions, job.interview_length, bank, writes_questions)
    skills = [
        SkillPlan(
            item.skill,
            bank.skills[item.bank_skill] if item.bank_skill else None,
            tuple(own_questions(job.questions, item.skill)),
        )
        for item in found
        if item.source is not Source.NONE
    ]
    return skills, [item.skill for item in found if item.source is Source.NONE]


def _pick(skill: SkillPlan, rubric: Rubric, asked_ids: set[str], draw: str) -> Askable | None:
    """The skill's next unasked question: the recruiter's own first, then the bank's nearest the job's level, and
    among those the ones that speak of the job's languages and evaluation focus (a databases question about SQL
    for a job that lists SQL). Among equally fitting ones (the bank's questions of one level are equivalent) the
    session's `draw` chooses: the same draw always gives the same interview, and candidates of one job do not
    all meet the same questions."""
    own = {q.id for q in skill.own}
    level = LEVEL[rubric.experience_level]
    wanted = [f" {_words(name)} " for name in (*rubric.languages, *rubric.evaluation_focus)]

    def fit(question: Askable) -> tuple[bool, int, int, bytes]:
        said = f" {_words(question.question)} {_words(question.ideal_answer)} "
        steered = sum(1 for name in wanted if name.strip() and name in said)
        return (question.id not in own, abs(question.level - level), -steered, _lot(draw, question.id))

    return min((q for q in skill.questions if q.id not in asked_ids), key=fit, default=None)


def _words(text: str) -> str:
    return " ".join(re.findall(r"[a-z0-9+#]+", text.lower()))


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
        question = _pick(skill, rubric, asked_ids, draw)
        if question is not None:
            return Next(skill.title, 0, question.id, question)
        if not skill.questions:
            return Next(skill.title, 0, None, None)
    return None


def drill_target(current: Asked, skills: list[SkillPlan]) -> Next | None:
    """The current topic's next follow-up, while the depth allows one and the question has one. A question the
    brain wrote (its skill has none of the recruiter's or the bank's) gets a drill-down the brain writes too."""
    if current.depth >= MAX_DEPTH:
        return None
    if current.bank_question_id is None:
        written = any(skill.title == current.skill and not skill.questions for skill in skills)
        return Next(current.skill, current.depth + 1, None, None) if written else None
    asked = next((q for skill in skills for q in skill.questions if q.id == current.bank_question_id), None)
    follow_ups = asked.follow_ups if asked else []
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
    skills: list[SkillPlan], asked: list[Asked], rubric: Rubric, turns_left: int, draw: str
) -> tuple[Next | None, Next | None, bool]:
    """What may follow the current (last asked) question: a drill, a pivot, and whether a drill
    keeps coverage intact. Computed before grading, so the brain can word both."""
    current = asked[-1]
    drill = drill_target(current, skills)
    pivot = next_opening(skills, asked, rubric, draw)
    return drill, pivot, _can_drill(skills, asked, turns_left)
