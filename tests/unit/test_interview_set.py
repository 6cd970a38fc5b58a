"""The interview-answer set (bench/data/interview): its shape keeps it a fair test of a grader, and the figures
computed over it mean what they say."""

from __future__ import annotations

import re
from collections import Counter

import pytest

from talentcrew.interview.bank import bank
from talentcrew.interview.evaluation import (
    BAD,
    Graded,
    InterviewItem,
    Kind,
    context_for,
    figures,
    load_interview_set,
    prompt_for,
)

BANDS = {
    Kind.STRONG: (8, 10),
    Kind.PARTIAL: (4, 7),
    Kind.WRONG: (1, 4),
    Kind.OFF_TOPIC: (1, 3),
    Kind.EVASIVE: (1, 3),
    Kind.BUZZWORDS: (1, 3),
}


@pytest.fixture(scope="module")
def items() -> list[InterviewItem]:
    return load_interview_set()


def test_every_skill_level_and_kind_is_covered(items: list[InterviewItem]) -> None:
    questions = bank()
    prompts = {item.prompt_key for item in items}
    assert len(prompts) >= 30
    skills = {item.question_id.rsplit("-", 1)[0] for item in items}
    assert skills <= set(questions.skills)
    assert len(skills) >= 13  # the skills of bank 2026.12; those added in 2026.12.2 have no answers here yet
    assert {questions.question(item.question_id).level for item in items} == {1, 2, 3}
    assert sum(item.follow_up is not None for item in items) >= 6 * 10
    kinds_per_prompt = Counter(item.prompt_key for item in items)
    assert set(kinds_per_prompt.values()) == {len(Kind)}
    assert all({i.kind for i in items if i.prompt_key == key} == set(Kind) for key in prompts)


def test_ids_are_unique_and_grades_sit_in_their_kinds_band(items: list[InterviewItem]) -> None:
    assert len({item.id for item in items}) == len(items)
    for item in items:
        low, high = BANDS[item.kind]
        assert low <= item.grade <= high, item.id


def test_an_off_topic_answer_names_the_other_bank_question_it_answers(items: list[InterviewItem]) -> None:
    questions = bank()
    for item in items:
        assert (item.answers is not None) == (item.kind is Kind.OFF_TOPIC), item.id
        if item.answers is None:
            continue
        question_id, _, follow_up = item.answers.partition("/f")
        other = questions.question(question_id)
        assert follow_up in ("", "1", "2"), item.id
        assert question_id != item.question_id, f"{item.id} answers its own question"
        assert other.id


def _runs(text: str, size: int) -> set[tuple[str, ...]]:
    words = re.findall(r"[a-z0-9']+", text.lower())
    return {tuple(words[i : i + size]) for i in range(len(words) - size + 1)}


def test_strong_answers_do_not_paraphrase_the_ideal_answer(items: list[InterviewItem]) -> None:
    """Written in the candidates' own words: no run of eight words shared with the bank's ideal answer."""
    questions = bank()
    for item in items:
        if item.kind is Kind.STRONG:
            shared = _runs(item.answer, 8) & _runs(prompt_for(item, questions).ideal_answer, 8)
            assert shared == set(), (item.id, shared)


def test_each_item_becomes_the_turn_an_interview_would_grade(items: list[InterviewItem]) -> None:
    questions = bank()
    item = next(i for i in items if i.follow_up is not None)
    context = context_for(item, questions)
    follow_up = questions.question(item.question_id).follow_ups[item.follow_up - 1]  # type: ignore[operator]
    assert context.reference == follow_up and context.question == follow_up.question
    assert context.answer == item.answer


def _graded(prompt: str, scores: dict[Kind, int], human: frozenset[Kind] = frozenset()) -> list[Graded]:
    return [
        Graded(
            InterviewItem(
                id=f"{prompt}-{kind.value}",
                question_id=prompt,
                follow_up=None,
                kind=kind,
                grade=BANDS[kind][1],
                answer="x",
                answers="sql-1" if kind is Kind.OFF_TOPIC else None,
                note="",
            ),
            score,
            kind in human,
        )
        for kind, score in scores.items()
    ]


def test_the_figures_count_what_they_name() -> None:
    good = {Kind.STRONG: 9, Kind.PARTIAL: 6, Kind.WRONG: 3, Kind.OFF_TOPIC: 2, Kind.EVASIVE: 1, Kind.BUZZWORDS: 2}
    credited = good | {Kind.WRONG: 6}  # a wrong answer above the partial one: false credit, order broken
    missed = good | {Kind.STRONG: 6}
    found = figures(_graded("caching-1", good) + _graded("caching-2", credited) + _graded("caching-3", missed))
    assert found.ordered == pytest.approx(1 / 3)
    assert found.false_credit == pytest.approx(1 / (3 * len(BAD)))
    assert found.missed_talent == pytest.approx(1 / 3)
    assert found.means[Kind.WRONG] == pytest.approx(4.0)
    assert found.human == 0.0


def test_answers_handed_to_a_person_are_counted_apart_not_scored() -> None:
    scores = {Kind.STRONG: 9, Kind.PARTIAL: 6, Kind.WRONG: 8, Kind.OFF_TOPIC: 2, Kind.EVASIVE: 1, Kind.BUZZWORDS: 2}
    found = figures(_graded("caching-1", scores, human=frozenset({Kind.WRONG})))
    assert found.human == pytest.approx(1 / 6)
    assert found.false_credit == 0.0  # the wrong answer went to a person instead of being credited
    assert found.answers == 6
