"""The keyterms of an answer (talentcrew.interview.keyterms): the question's concept terms, the rubric, the stack."""

from __future__ import annotations

from talentcrew.interview.bank import bank
from talentcrew.interview.keyterms import MAX_TERM_CHARS, MAX_TERMS, MAX_TOTAL_CHARS, for_answer
from talentcrew.models import ExperienceLevel, Job, Rubric
from talentcrew.questions import Concept, Prompt


def _job() -> Job:
    rubric = Rubric(
        languages=["Python", "Go"],
        core_skills=["Kubernetes", "PostgreSQL Tuning"],
        experience_level=ExperienceLevel.SENIOR,
        evaluation_focus=["Depth"],
    )
    return Job(owner_id="o", title="Platform Engineer", stack=["Terraform", "postgresql"], rubric_template=rubric)


def _prompt(*concepts: list[str], ideal_answer: str | None = None) -> Prompt:
    """A question whose ideal answer says every concept term, unless it is given."""
    said = " ".join(term for terms in concepts for term in terms)
    return Prompt(
        question="How would you roll out a schema change with no downtime?",
        ideal_answer=ideal_answer or f"Expand then contract: add the column, backfill, switch reads. {said}",
        key_concepts=[Concept(name=f"concept {i}", terms=terms) for i, terms in enumerate(concepts)],
    )


def test_the_questions_concept_terms_come_first_then_the_rubric_then_the_stack() -> None:
    reference = _prompt(["expand and contract", "backfill"], ["feature flag"])

    assert for_answer(_job(), reference) == [
        "expand and contract",
        "backfill",
        "feature flag",
        "Python",
        "Go",
        "Kubernetes",
        "PostgreSQL Tuning",
        "Terraform",
        "postgresql",
    ]


def test_concept_terms_come_as_the_ideal_answer_writes_them_and_stems_not_at_all() -> None:
    ideal = "Writes go to a write-ahead log first, and the B-tree index is updated in place; it stays durable."
    reference = _prompt(["b-tree", "durab", "write-ahead"], ["fsync"], ideal_answer=ideal)

    terms = for_answer(_job(), reference)

    assert terms[:2] == ["B-tree", "write-ahead"]  # the answer's spelling, in the concepts' order
    assert "durab" not in terms and "fsync" not in terms  # a stem; a word the answer never says
    assert terms[2] == "Python"


def test_a_question_the_brain_wrote_has_the_rubric_and_the_stack_only() -> None:
    assert for_answer(_job(), None) == ["Python", "Go", "Kubernetes", "PostgreSQL Tuning", "Terraform", "postgresql"]


def test_each_term_once_whatever_its_case_and_spacing_the_first_spelling_kept() -> None:
    reference = _prompt(["Kubernetes", "kubernetes "], ["PYTHON", "rolling  update", "Rolling update"])

    terms = for_answer(_job(), reference)

    assert terms[:3] == ["Kubernetes", "PYTHON", "rolling update"]
    assert len({term.casefold() for term in terms}) == len(terms)
    assert "Python" not in terms


def test_terms_are_capped_in_length_number_and_size() -> None:
    too_long = "a sentence rather than a term, far longer than fifty characters"
    many = [f"term-{n:03d}" for n in range(200)]
    terms = for_answer(_job(), _prompt([too_long, *many[:100]], many[100:]))

    assert len(too_long) > MAX_TERM_CHARS and too_long not in terms
    assert len(terms) == MAX_TERMS and terms[0] == "term-000"
    assert sum(len(term) for term in terms) <= MAX_TOTAL_CHARS

    wide = [f"{n:02d} " + "x" * (MAX_TERM_CHARS - 3) for n in range(40)]  # 40 terms of 50 characters
    capped = for_answer(_job(), _prompt(wide[:20], wide[20:]))
    assert len(capped) == MAX_TOTAL_CHARS // MAX_TERM_CHARS
    assert sum(len(term) for term in capped) <= MAX_TOTAL_CHARS
    assert "Python" not in capped  # no room left for the rubric


def test_every_bank_question_gives_a_usable_set() -> None:
    """The bank's own questions, follow-ups included, each give terms within Deepgram's limits."""
    prompts = [p for skill in bank().skills.values() for q in skill.questions for p in (q, *q.follow_ups)]
    for prompt in prompts:
        terms = for_answer(_job(), prompt)
        assert 6 < len(terms) <= MAX_TERMS and sum(map(len, terms)) <= MAX_TOTAL_CHARS
        assert all(0 < len(term) <= MAX_TERM_CHARS for term in terms)
