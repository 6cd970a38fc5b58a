"""The follow-up policy, row by row, and the coverage rules (no brain involved: grades are given)."""

from __future__ import annotations

from typing import Any

import pytest

from talentcrew.interview import policy
from talentcrew.interview.bank import BankQuestion, BankSkill, Phrases, QuestionBank
from talentcrew.interview.brain import TurnResult
from talentcrew.interview.coverage import Source, coverage
from talentcrew.interview.policy import Asked, Move, Tone
from talentcrew.models import ExperienceLevel, Job, JobQuestion, Rubric
from talentcrew.questions import Concept, Prompt

CONCEPTS = [Concept(name="one", terms=["one"]), Concept(name="two", terms=["two"])]


def _prompt(text: str) -> Prompt:
    return Prompt(question=text, ideal_answer=f"ideal for {text}", key_concepts=CONCEPTS)


def _skill(name: str, aliases: list[str]) -> BankSkill:
    return BankSkill(
        skill=name,
        title=name.title(),
        aliases=aliases,
        questions=[
            BankQuestion(
                id=f"{name}-{n}",
                level=level,
                follow_ups=[_prompt(f"{name}-{n} deeper"), _prompt(f"{name}-{n} deepest")],
                **_prompt(f"{name}-{n}?").model_dump(),
            )
            for n, level in enumerate([1, 1, 2, 2, 3, 3])
        ],
    )


BANK = QuestionBank(
    "test",
    [_skill("caching", ["caching", "cache"]), _skill("sql", ["sql"]), _skill("testing", ["testing"])],
    Phrases(**{field: ["{skill}: {question}"] for field in Phrases.model_fields}),
)


def _rubric(*skills: str, level: ExperienceLevel = ExperienceLevel.MID) -> Rubric:
    return Rubric(languages=["Python"], core_skills=list(skills), experience_level=level, evaluation_focus=["Depth"])


def _job(rubric: Rubric, *questions: JobQuestion, length: int = 6) -> Job:
    return Job(
        owner_id="recruiter",
        title="Engineer",
        rubric_template=rubric,
        questions=list(questions),
        interview_length=length,
    )


def _grade(score: int, **flags: Any) -> TurnResult:
    return TurnResult(
        understanding_score=score,
        explainability_score=score,
        evidence="",
        critique="",
        ideal_answer="",
        off_topic=flags.get("off_topic", False),
        needs_clarification=flags.get("needs_clarification", False),
        cheating_suspected=False,
        bias_flag=False,
    )


RUBRIC = _rubric("Caching Strategies", "SQL", "Unit Testing")
SKILLS, UNCOVERED = policy.plan(_job(RUBRIC), BANK, writes_questions=False)


def _decide(result: TurnResult, asked: list[Asked], turns_left: int = 4) -> policy.Decision:
    drill, pivot, allows = policy.options(SKILLS, asked, RUBRIC, turns_left, "session-1")
    return policy.decide(result, asked[-1], drill, pivot, turns_left=turns_left, coverage_allows_drill=allows)


OPENED = [Asked("Caching Strategies", 0, "caching-2")]


@pytest.mark.parametrize("score", [8, 9, 10])
def test_strong_answer_drills_one_level_deeper(score: int) -> None:
    decision = _decide(_grade(score), OPENED)
    assert (decision.move, decision.tone) == (Move.DRILL, Tone.DRILL)
    assert decision.next is not None
    assert (decision.next.skill, decision.next.depth) == ("Caching Strategies", 1)
    assert decision.next.reference == BANK.question("caching-2").follow_ups[0]


def test_strong_answer_at_the_deepest_level_pivots() -> None:
    asked = [*OPENED, Asked("Caching Strategies", 1, "caching-2"), Asked("Caching Strategies", 2, "caching-2")]
    decision = _decide(_grade(10), asked)
    assert (decision.move, decision.tone) == (Move.PIVOT, Tone.ACKNOWLEDGE_AND_PIVOT)
    assert decision.next is not None and decision.next.skill == "SQL"


@pytest.mark.parametrize("score", [5, 6, 7])
def test_average_answer_acknowledges_and_pivots(score: int) -> None:
    decision = _decide(_grade(score), OPENED)
    assert (decision.move, decision.tone) == (Move.PIVOT, Tone.ACKNOWLEDGE_AND_PIVOT)
    assert decision.next is not None and (decision.next.skill, decision.next.depth) == ("SQL", 0)


@pytest.mark.parametrize("score", [1, 2, 3, 4])
def test_weak_answer_pivots_gently(score: int) -> None:
    decision = _decide(_grade(score), OPENED)
    assert (decision.move, decision.tone) == (Move.PIVOT, Tone.GENTLE_PIVOT)


def test_off_topic_answer_is_warned_about_and_pivots_even_when_scored_high() -> None:
    decision = _decide(_grade(9, off_topic=True), OPENED)
    assert (decision.move, decision.tone) == (Move.PIVOT, Tone.OFF_TOPIC)


def test_request_for_clarification_rephrases_once_then_pivots() -> None:
    first = _decide(_grade(1, needs_clarification=True), OPENED)
    assert (first.move, first.tone) == (Move.REPHRASE, Tone.REPHRASE)
    assert first.next is not None and first.next.bank_question_id == "caching-2"
    again = _decide(_grade(1, needs_clarification=True), [*OPENED, Asked("Caching Strategies", 0, "caching-2", True)])
    assert again.move is Move.PIVOT


def test_no_turns_left_finishes() -> None:
    assert _decide(_grade(10), OPENED, turns_left=0).move is Move.FINISH


def test_a_drill_never_costs_an_unopened_skill_its_turn() -> None:
    """Two turns left, two skills never opened: a strong answer pivots instead of drilling."""
    decision = _decide(_grade(10), OPENED, turns_left=2)
    assert decision.move is Move.PIVOT
    assert _decide(_grade(10), OPENED, turns_left=3).move is Move.DRILL


def test_every_skill_is_opened_before_any_is_opened_twice() -> None:
    asked: list[Asked] = []
    for _ in range(6):
        nxt = policy.next_opening(SKILLS, asked, RUBRIC, "session-1")
        assert nxt is not None
        asked.append(Asked(nxt.skill, 0, nxt.bank_question_id))
    assert [a.skill for a in asked] == ["Caching Strategies", "SQL", "Unit Testing"] * 2
    assert len({a.bank_question_id for a in asked}) == 6  # a second round asks new questions


@pytest.mark.parametrize(("level", "bank_level"), [(ExperienceLevel.JUNIOR, 1), (ExperienceLevel.SENIOR, 3)])
def test_questions_match_the_experience_level(level: ExperienceLevel, bank_level: int) -> None:
    rubric = _rubric("SQL", level=level)
    skills, _ = policy.plan(_job(rubric), BANK, writes_questions=False)
    nxt = policy.next_opening(skills, [], rubric, "session-1")
    assert nxt is not None and nxt.bank_question_id is not None
    assert BANK.question(nxt.bank_question_id).level == bank_level


def test_a_skill_the_bank_lacks_is_reported_for_an_offline_brain_and_asked_by_a_writing_one() -> None:
    rubric = _rubric("Caching", "Underwater Basket Weaving")
    offline, missing = policy.plan(_job(rubric), BANK, writes_questions=False)
    assert [s.title for s in offline] == ["Caching"] and missing == ["Underwater Basket Weaving"]
    writing, none_missing = policy.plan(_job(rubric), BANK, writes_questions=True)
    assert [s.title for s in writing] == ["Caching", "Underwater Basket Weaving"] and none_missing == []
    first = policy.next_opening(writing, [Asked("Caching", 0, "caching-2")], rubric, "session-1")
    assert first is not None and (first.skill, first.reference) == ("Underwater Basket Weaving", None)
    written = Asked("Underwater Basket Weaving", 0, None)
    drill = policy.drill_target(written, writing)  # the brain that wrote the question writes its drill-down
    assert drill is not None and (drill.skill, drill.depth, drill.reference) == ("Underwater Basket Weaving", 1, None)
    assert policy.drill_target(Asked("Underwater Basket Weaving", 2, None), writing) is None


def test_same_job_and_grades_give_the_same_interview() -> None:
    def run() -> list[tuple[str, int, str | None]]:
        asked = [Asked("Caching Strategies", 0, "caching-2")]
        for score in (9, 6, 3, 8, 10):
            decision = _decide(_grade(score), asked, turns_left=6 - len(asked))
            if decision.next is None:
                break
            asked.append(Asked(decision.next.skill, decision.next.depth, decision.next.bank_question_id))
        return [(a.skill, a.depth, a.bank_question_id) for a in asked]

    assert run() == run()


def test_candidates_of_one_job_draw_among_equivalent_questions_reproducibly() -> None:
    """Each session draws among a skill's questions of the level: different sessions meet different (equally
    hard) questions, and one session always the same."""
    rubric = _rubric("SQL", level=ExperienceLevel.MID)
    skills, _ = policy.plan(_job(rubric), BANK, writes_questions=False)

    def opening(session_id: str) -> str | None:
        nxt = policy.next_opening(skills, [], rubric, session_id)
        assert nxt is not None
        return nxt.bank_question_id

    drawn = {opening(f"session-{n}") for n in range(20)}
    assert drawn == {q.id for q in BANK.skills["sql"].questions if q.level == 2}
    assert all(opening("session-7") == opening("session-7") for _ in range(3))


def _own(skill: str, level: int, *follow_ups: Prompt) -> JobQuestion:
    return JobQuestion(
        skill=skill, level=level, follow_ups=list(follow_ups), **_prompt(f"own {skill} {level}?").model_dump()
    )


def test_the_recruiters_own_question_opens_its_skill_before_the_banks() -> None:
    rubric = _rubric("SQL", "Caching")
    own = _own("sql", 3)  # named in other case, at another level: still first
    skills, _ = policy.plan(_job(rubric, own), BANK, writes_questions=False)
    first = policy.next_opening(skills, [], rubric, "session-1")
    assert first is not None and (first.skill, first.bank_question_id, first.reference) == ("SQL", own.id, own)
    asked = [Asked("SQL", 0, own.id), Asked("Caching", 0, "caching-2")]
    again = policy.next_opening(skills, asked, rubric, "session-1")
    assert again is not None and again.bank_question_id is not None and again.bank_question_id.startswith("sql-")


def test_a_skill_only_the_recruiter_wrote_questions_for_is_asked_offline_and_drilled_by_its_follow_ups() -> None:
    rubric = _rubric("Underwater Basket Weaving", "Caching")
    deeper = _prompt("how deep does it go?")
    own = _own("Underwater Basket Weaving", 2, deeper)
    skills, missing = policy.plan(_job(rubric, own), BANK, writes_questions=False)
    assert [s.title for s in skills] == ["Underwater Basket Weaving", "Caching"] and missing == []
    opened = Asked("Underwater Basket Weaving", 0, own.id)
    drill = policy.drill_target(opened, skills)
    assert drill is not None and (drill.depth, drill.reference) == (1, deeper)
    assert policy.drill_target(Asked("Underwater Basket Weaving", 1, own.id), skills) is None  # no second one


def test_coverage_tells_which_skills_an_interview_of_the_jobs_length_does_not_reach() -> None:
    rubric = _rubric("Caching", "Underwater Basket Weaving", "SQL", "Unit Testing")
    found = coverage(rubric, [], 2, BANK, writes_questions=False)
    assert [(c.skill, c.source, c.reached) for c in found] == [
        ("Caching", Source.BANK, True),
        ("Underwater Basket Weaving", Source.NONE, False),
        ("SQL", Source.BANK, True),
        ("Unit Testing", Source.BANK, False),
    ]
    with_own = coverage(rubric, [_own("Underwater Basket Weaving", 1)], 2, BANK, writes_questions=False)
    assert [(c.source, c.questions, c.reached) for c in with_own[:3]] == [
        (Source.BANK, 6, True),
        (Source.CUSTOM, 1, True),
        (Source.BANK, 6, False),
    ]


def test_the_jobs_languages_steer_the_choice_among_equivalent_questions() -> None:
    """Of a skill's questions at the job's level, those that speak of the job's languages (or focus) come first;
    the draw still chooses among the rest."""
    sql = BANK.skills["sql"]
    steered = sql.model_copy(deep=True)
    steered.questions[3] = steered.questions[3].model_copy(update={"ideal_answer": "Written in PostgreSQL, say."})
    bank = QuestionBank("steered", [steered], BANK.phrases)
    for languages, expected in ((["PostgreSQL"], {"sql-3"}), (["Python"], {"sql-2", "sql-3"})):
        rubric = Rubric(
            languages=languages, core_skills=["SQL"], experience_level=ExperienceLevel.MID, evaluation_focus=["Depth"]
        )
        skills, _ = policy.plan(_job(rubric), bank, writes_questions=False)
        drawn = [policy.next_opening(skills, [], rubric, f"session-{n}") for n in range(20)]
        assert {nxt.bank_question_id for nxt in drawn if nxt} == expected
