"""The offline brain on the real model: levels, explanations, non-answers, injections and names.

The model is loaded once for the module (about 5 s); each grade then costs a few tens of milliseconds.
"""

from __future__ import annotations

import numpy as np
import pytest

from talentcrew.adapters.local_brain import BANK_INDEX_FILES, LocalBrain, bank_digest, bank_rows, sentences
from talentcrew.interview.bank import CURRENT_VERSION, bank
from talentcrew.interview.brain import Exchange, Target, TurnContext, TurnResult
from talentcrew.interview.evaluation import INTERVIEW_SET, context_for, load_interview_set
from talentcrew.models import ExperienceLevel, Rubric
from talentcrew.questions import Concept, Misconception, Prompt

RUBRIC = Rubric(
    languages=["Python"],
    core_skills=["Data structures", "Caching"],
    experience_level=ExperienceLevel.MID,
    evaluation_focus=["Depth"],
)
HASH_TABLE = Prompt(
    question="What is a hash table, and how does it handle collisions?",
    ideal_answer=(
        "A hash table stores key-value pairs in an array of buckets. A hash function turns each key into a bucket "
        "index, so lookups, inserts and deletes take constant time on average. When two keys land in the same "
        "bucket, the collision is resolved by chaining, where each bucket holds a list of entries, or by open "
        "addressing, where the table probes for the next free slot. When the load factor grows too high, the table "
        "resizes and rehashes its keys."
    ),
    key_concepts=[
        Concept(name="hash function", terms=["hash function", "hashes the key", "hashing"]),
        Concept(name="constant-time lookup", terms=["o(1)", "constant time", "constant-time"]),
        Concept(name="collision resolution by chaining", terms=["chaining", "linked list", "chained"]),
        Concept(name="open addressing", terms=["open addressing", "probing", "probes"]),
        Concept(name="resizing when the load factor grows", terms=["load factor", "resize", "rehash"]),
    ],
    misconceptions=[
        Misconception(
            claim="A hash table keeps its keys in sorted order, so you can walk them from smallest to largest.",
            correction="Buckets follow the hash values, not the order of the keys; a tree map keeps keys sorted.",
            terms=["sorted order", "keeps the keys sorted"],
        ),
        Misconception(
            claim="With a good enough hash function, two keys never collide.",
            correction="There are more possible keys than buckets, so collisions are unavoidable; a good hash "
            "only spreads them evenly.",
            terms=["never collide", "collisions never happen", "no collisions"],
        ),
        Misconception(
            claim="Lookups in a hash table are O(1) even in the worst case.",
            correction="Lookups are O(1) on average; when many keys collide a lookup degrades towards O(n).",
            terms=["even in the worst case", "worst case is o(1)"],
        ),
    ],
)
DRILL = Prompt(
    question="How would you choose between chaining and open addressing?",
    ideal_answer="Chaining tolerates high load factors; open addressing is cache-friendly but degrades as it fills.",
    key_concepts=[
        Concept(name="load factor tolerance", terms=["load factor"]),
        Concept(name="cache locality", terms=["cache-friendly", "locality"]),
    ],
)
PIVOT = Prompt(
    question="What is cache invalidation, and why is it hard?",
    ideal_answer="Invalidation removes or updates cached entries when the source changes; stale reads are the risk.",
    key_concepts=[
        Concept(name="stale data", terms=["stale"]),
        Concept(name="invalidation strategies", terms=["ttl", "write-through", "evict"]),
    ],
)

STRONG = (
    "You compute a hash of the key to pick a slot in an underlying array of buckets, so reads and writes are O(1) on "
    "average. Collisions, when two keys end up in the same slot, are handled either by chaining, keeping a small "
    "linked list in each slot, or by open addressing, probing for another free slot. When the load factor gets too "
    "high, the table grows and rehashes every key."
)
PARTIAL = "It maps keys to values using a hash function, so lookups are fast."
WEAK = "It is a kind of table that stores data, I think it is used in databases."
OFF_TOPIC = "I really enjoy hiking in the mountains with my dog on weekends."


@pytest.fixture(scope="module")
def brain() -> LocalBrain:
    return LocalBrain()


def context(
    answer: str, *, reference: Prompt | None = HASH_TABLE, history: list[Exchange] | None = None
) -> TurnContext:
    return TurnContext(
        rubric=RUBRIC,
        skill="data structures",
        question=HASH_TABLE.question,
        reference=reference,
        answer=answer,
        history=history or [],
        drill=Target(skill="data structures", reference=DRILL),
        pivot=Target(skill="caching", reference=PIVOT),
    )


def grade(
    brain: LocalBrain, answer: str, *, reference: Prompt | None = HASH_TABLE, history: list[Exchange] | None = None
) -> TurnResult:
    return brain.grade(context(answer, reference=reference, history=history))


def test_the_brain_describes_itself(brain: LocalBrain) -> None:
    assert (brain.name, brain.model, brain.writes_questions) == ("local", "all-MiniLM-L6-v2", False)
    assert brain.prompt_version.startswith("local-")


def test_a_strong_paraphrase_scores_high(brain: LocalBrain) -> None:
    result = grade(brain, STRONG)
    assert result.understanding_score >= 8
    assert result.explainability_score >= 7  # clear and reasoned, but no example: see the test of explainability
    assert result.confidence_score >= 8
    assert not result.off_topic and not result.needs_clarification


def test_a_partial_answer_scores_between_off_topic_and_strong(brain: LocalBrain) -> None:
    strong, partial, off = (grade(brain, a).understanding_score for a in (STRONG, PARTIAL, OFF_TOPIC))
    assert off < partial < strong


def test_an_off_topic_answer_is_flagged_and_scores_low(brain: LocalBrain) -> None:
    result = grade(brain, OFF_TOPIC)
    assert result.off_topic
    assert not result.needs_clarification
    assert result.understanding_score <= 3 and result.explainability_score <= 3
    assert "does not address the question" in result.critique


@pytest.mark.parametrize("answer", ["I don't know.", "Honestly, I have no idea.", "Sorry, I can't remember."])
def test_i_dont_know_scores_low_without_asking_to_rephrase(brain: LocalBrain, answer: str) -> None:
    result = grade(brain, answer)
    assert result.understanding_score <= 3 and result.explainability_score <= 3
    assert not result.needs_clarification and not result.off_topic
    assert result.concepts_missed == [c.name for c in HASH_TABLE.key_concepts]


@pytest.mark.parametrize(
    "answer",
    [
        "",
        "   ",
        "Sorry, can you repeat the question?",
        "What do you mean?",
        "I don't understand the question.",
        "Could you rephrase that, please?",
        "What do you mean by collisions?",
    ],
)
def test_a_request_to_repeat_needs_clarification(brain: LocalBrain, answer: str) -> None:
    result = grade(brain, answer)
    assert result.needs_clarification
    assert result.understanding_score <= 3
    assert result.rephrased_question == (HASH_TABLE.rewording or HASH_TABLE.question)


def test_an_answer_that_asks_then_answers_is_graded(brain: LocalBrain) -> None:
    result = grade(brain, "What do you mean by collisions? If you mean two keys in one bucket: chaining handles them.")
    assert not result.needs_clarification


def test_concepts_missed_names_exactly_the_missed_concepts(brain: LocalBrain) -> None:
    result = grade(
        brain, "A hash function picks the bucket, so lookups take constant time; collisions go to a linked list."
    )
    assert result.concepts_missed == ["open addressing", "resizing when the load factor grows"]
    assert "hash function" in result.critique and "open addressing" in result.critique


def test_evidence_quotes_the_answer_and_the_ideal_answer_is_the_reference(brain: LocalBrain) -> None:
    answer = "Well, let me think. " + STRONG + " That is what I remember."
    result = grade(brain, answer)
    assert result.evidence and result.evidence in answer
    assert "hash" in result.evidence.lower() or "collision" in result.evidence.lower()
    assert result.ideal_answer == HASH_TABLE.ideal_answer


def test_the_same_input_gives_the_same_result(brain: LocalBrain) -> None:
    assert grade(brain, PARTIAL) == grade(brain, PARTIAL)
    assert LocalBrain().grade(context(STRONG)) == brain.grade(context(STRONG))


def test_next_questions_come_from_the_bank_and_a_template(brain: LocalBrain) -> None:
    result = grade(brain, PARTIAL)
    assert result.drill_question == DRILL.question
    assert result.pivot_question == PIVOT.question
    assert result.rephrased_question == (HASH_TABLE.rewording or HASH_TABLE.question)  # in the rephrase phrase
    reworded = HASH_TABLE.model_copy(update={"rewording": "Put another way: how does a hash map find a key?"})
    asked = brain.grade(context(PARTIAL).model_copy(update={"reference": reworded}))
    assert asked.rephrased_question == "Put another way: how does a hash map find a key?"
    plain = brain.grade(
        context(PARTIAL).model_copy(update={"reference": reworded.model_copy(update={"rewording": None})})
    )
    assert plain.rephrased_question == HASH_TABLE.question  # no second wording: the question again
    bare = brain.grade(context(PARTIAL).model_copy(update={"drill": None, "pivot": None}))
    assert (bare.drill_question, bare.pivot_question) == ("", "")


def test_no_reference_leaves_the_answer_to_a_human(brain: LocalBrain) -> None:
    result = grade(brain, STRONG, reference=None)
    assert (result.understanding_score, result.explainability_score) == (5, 5)
    assert "human must grade" in result.critique and "NO REFERENCE" in result.critique
    assert result.needs_human_grade  # the placeholders never count towards the interview's score
    assert not (result.off_topic or result.needs_clarification or result.cheating_suspected or result.bias_flag)
    assert result.pivot_question == PIVOT.question


def test_opening_asks_the_bank_question_and_refuses_an_uncovered_skill(brain: LocalBrain) -> None:
    assert brain.opening(RUBRIC, Target(skill="data structures", reference=HASH_TABLE)) == HASH_TABLE.question
    with pytest.raises(ValueError, match="cannot open skill 'kubernetes'"):
        brain.opening(RUBRIC, Target(skill="kubernetes"))


def test_integrity_and_bias_are_left_to_other_code(brain: LocalBrain) -> None:
    result = grade(brain, STRONG)
    assert (result.cheating_suspected, result.cheating_reason, result.bias_flag, result.bias_reason) == (
        False,
        "",
        False,
        "",
    )


# --- substance, not vocabulary ------------------------------------------------------------------------------

WRONG = (
    "So a hash table runs the key through a hash function to pick a bucket, and with a good enough hash function "
    "collisions never happen, every key gets a bucket of its own. That is why lookups are O(1) even in the worst "
    "case, which is the whole point compared to a list."
)
EVASIVE = (
    "That's a great question. Honestly it really depends on the context and the requirements, there are "
    "trade-offs either way, and I'd want to talk with the team about the use case before committing to anything."
)
BUZZWORDS = "Hash function, buckets, chaining, open addressing, load factor, rehashing, O(1), collisions, probing."


def test_a_stated_misconception_caps_understanding_and_the_critique_names_it(brain: LocalBrain) -> None:
    result = grade(brain, WRONG)
    assert result.understanding_score <= 3 and result.confidence_score <= 3
    stated = HASH_TABLE.misconceptions[1:]  # both are in the answer; the critique names one, then what is true
    assert any(f"Claims {m.claim[0].lower()}{m.claim[1:-1]}; in fact " in result.critique for m in stated)
    assert grade(brain, STRONG).understanding_score >= 8  # the same vocabulary, stated rightly


def test_an_evasive_answer_scores_low_with_its_reason(brain: LocalBrain) -> None:
    result = grade(brain, EVASIVE)
    assert result.confidence_score <= 2
    assert "hedges or speaks in generalities" in result.critique


def test_a_list_of_terms_scores_low_with_its_reason(brain: LocalBrain) -> None:
    result = grade(brain, BUZZWORDS)
    assert result.confidence_score <= 3
    assert "lists terms without explaining" in result.critique


def test_an_answer_to_another_bank_question_is_off_topic() -> None:
    questions = bank()
    caching, joins = questions.question("caching-1"), questions.question("sql-1")
    answer = (
        "An inner join only keeps the rows where the join condition finds a partner in both tables, so unmatched "
        "rows disappear. A left join keeps every row of the left table and fills the right table's columns with "
        "nulls where nothing matched, which is how you find, say, customers without orders."
    )
    result = LocalBrain().grade(
        TurnContext(rubric=RUBRIC, skill="caching", question=caching.question, reference=caching, answer=answer)
    )
    assert result.off_topic and result.confidence_score <= 2
    assert joins.question in result.critique


def test_explainability_is_measured_on_its_own(brain: LocalBrain) -> None:
    terse = grade(brain, "Keys are hashed to buckets; collisions are chained; the table resizes at high load.")
    explained = grade(
        brain,
        "Keys are hashed to a bucket index, because the array gives constant-time access by position. For example, "
        "if two keys hash to bucket 3, chaining keeps both in a small list there, whereas open addressing probes "
        "for the next free slot. Then, when the load factor passes about 0.75, the table doubles and rehashes, "
        "so chains stay short.",
    )
    assert explained.explainability_score > terse.explainability_score
    assert explained.explainability_score >= 8


@pytest.mark.parametrize(
    ("answer", "reason"),
    [
        ("def put(table, key, value):\n    table[hash(key) % len(table)].append((key, value))", "code"),
        ("Una tabla hash guarda pares de clave y valor en cubetas según el resultado de una función", "not in English"),
        ("Eine Hashtabelle speichert Schlüssel und Werte in Buckets, die eine Hashfunktion auswählt", "not in English"),
    ],
)
def test_what_the_grader_cannot_read_goes_to_a_person_with_the_reason(
    brain: LocalBrain, answer: str, reason: str
) -> None:
    result = grade(brain, answer)
    assert result.needs_human_grade
    assert "A PERSON SHOULD GRADE THIS" in result.critique and reason in result.critique


def test_a_very_long_answer_is_graded() -> None:
    answer = (STRONG + " ") * 60
    assert len(answer) > 19_000
    result = LocalBrain().grade(context(answer[:20_000]))
    assert 1 <= result.understanding_score <= 10 and not result.needs_clarification


def test_the_shipped_bank_index_is_the_current_banks_encoding(brain: LocalBrain) -> None:
    """The off-topic test's index ships with the code (encoding it takes about a minute of a cold start); a bank edit
    without `python bench/bank_index.py` fails here rather than slowing every turn function's first grade."""
    rows = bank_rows(bank())
    with np.load(BANK_INDEX_FILES / f"{CURRENT_VERSION}.npz") as shipped:
        assert str(shipped["digest"]) == bank_digest(rows), "the bank changed: run `python bench/bank_index.py`"
        vectors = shipped["vectors"]
    assert vectors.shape == (len(rows), 384)
    fresh = brain.encode_texts([rows[0][1], rows[-1][1]])
    assert np.allclose(fresh, vectors[[0, -1]], atol=1e-5)


def test_an_answer_is_measured_alike_against_its_own_question_and_the_others(brain: LocalBrain) -> None:
    """The off-topic test compares the answer's cosine to its own question and ideal answer (`relevance`) with
    its cosine to the bank index's rows: both must be read the same way, or one side wins by construction."""
    question = bank().question("data-structures-3")
    rows = bank_rows(bank())
    (row,) = [i for i, (asked, _, _) in enumerate(rows) if asked == question.question]
    answer = "A heap keeps the smallest item at the root. Insert and pop take logarithmic time."
    measured = brain.assess(
        TurnContext(
            rubric=RUBRIC, skill="data-structures", question=question.question, reference=question, answer=answer
        )
    ).measures
    assert measured is not None
    with np.load(BANK_INDEX_FILES / f"{CURRENT_VERSION}.npz") as shipped:
        own = float(shipped["vectors"][row] @ brain.encode_texts([sentences(answer)])[0])
    assert measured.relevance == pytest.approx(own, abs=1e-5)


def _at_level(item_id: str, level: ExperienceLevel) -> TurnContext:
    """An answer from the interview set, asked of a candidate at `level`."""
    (item,) = [i for i in load_interview_set(INTERVIEW_SET) if i.id == item_id]
    asked = context_for(item, bank())
    return asked.model_copy(update={"rubric": asked.rubric.model_copy(update={"experience_level": level})})


def test_the_candidates_level_moves_a_shallow_answer_not_a_strong_one(brain: LocalBrain) -> None:
    """data-structures-3 is a mid-level question: a junior's correct but shallow answer earns more than a
    senior's, a strong answer is strong for both, and the critique says why the grade moved."""
    assert bank().question("data-structures-3").level == 2
    junior, mid, senior = (
        brain.grade(_at_level("data-structures-3-partial", level))
        for level in (ExperienceLevel.JUNIOR, ExperienceLevel.MID, ExperienceLevel.SENIOR)
    )
    assert junior.understanding_score > mid.understanding_score > senior.understanding_score
    assert "1 level below the question's" in junior.critique
    assert "1 level above the question's" in senior.critique
    assert "level" not in mid.critique
    for level in (ExperienceLevel.JUNIOR, ExperienceLevel.SENIOR):
        assert brain.grade(_at_level("data-structures-3-strong", level)).understanding_score >= 8


def test_a_stated_misconception_stays_capped_for_a_junior(brain: LocalBrain) -> None:
    found = brain.grade(_at_level("python-3-wrong", ExperienceLevel.JUNIOR))
    assert found.understanding_score <= 3
    assert "Claims" in found.critique
