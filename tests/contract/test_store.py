"""The Store contract, run against SQLite (a real file) and Firestore (the emulator)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from pydantic import ValidationError

from talentcrew.errors import NotFound
from talentcrew.models import Answer, ExperienceLevel, Job, Provenance, Rubric, User, answer_id, timestamp_text, utcnow
from talentcrew.ports import Between, Create, Put, Store, Update

RUBRIC = Rubric(
    languages=["Python", "SQL"],
    core_skills=["Database Query Optimization", "Caching Strategies"],
    experience_level=ExperienceLevel.MID,
    evaluation_focus=["Technical Depth"],
)
PROVENANCE = Provenance(
    rubric_version=1, question_bank_version="2026.11", brain="local", model="minilm", prompt_version="1"
)


@pytest.fixture(params=["sqlite", "firestore"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    if request.param == "sqlite":
        from talentcrew.adapters.sqlite_store import SqliteStore

        yield SqliteStore(tmp_path / "talentcrew.db")
    else:
        from talentcrew.adapters.firestore_store import FirestoreStore

        request.getfixturevalue("firestore_host")
        yield FirestoreStore(project=request.getfixturevalue("project"))


def _job(owner: str, title: str = "Python Developer", **changes: object) -> Job:
    return Job(owner_id=owner, title=title, rubric_template=RUBRIC, **changes)


def _answer(session: str, turn: int) -> Answer:
    return Answer(
        id=answer_id(session, turn),
        session_id=session,
        owner_id="owner-1",
        turn_index=turn,
        skill="Caching Strategies",
        question_asked="How would you cache a slow query?",
        candidate_answer="Put Redis in front, invalidate on write.",
        understanding_score=7,
        explainability_score=6,
        confidence_score=7,
        concepts_missed=["cache stampede"],
        provenance=PROVENANCE,
        asked_at=utcnow(),
    )


def test_create_then_get_returns_an_equal_document(store: Store) -> None:
    job = _job("owner-1")
    assert store.create(job) is True
    assert store.get(Job, job.id) == job
    assert store.get(Job, "missing") is None


def test_create_if_absent_reports_already_exists_and_keeps_the_first(store: Store) -> None:
    first = _answer("s-1", 0)
    second = first.model_copy(update={"candidate_answer": "a different retry"})
    assert store.create(first) is True
    assert store.create(second) is False
    stored = store.get(Answer, first.id)
    assert stored is not None and stored.candidate_answer == first.candidate_answer


def test_put_replaces_the_whole_document(store: Store) -> None:
    user = User(email="jane@example.com", full_name="Jane Doe", company_name="Acme")
    store.put(user)
    store.put(user.model_copy(update={"company_name": ""}))
    stored = store.get(User, user.id)
    assert stored is not None and stored.company_name == ""


def test_update_changes_fields_and_keeps_the_rest(store: Store) -> None:
    job = _job("owner-1")
    store.create(job)
    updated = store.update(Job, job.id, {"title": "Staff Engineer", "rubric_version": 2})
    assert (updated.title, updated.rubric_version) == ("Staff Engineer", 2)
    stored = store.get(Job, job.id)
    assert stored == updated and stored.rubric_template == RUBRIC and stored.owner_id == "owner-1"


def test_update_with_no_changes_returns_the_document_unchanged(store: Store) -> None:
    job = _job("owner-1")
    store.create(job)
    assert store.update(Job, job.id, {}) == job
    assert store.get(Job, job.id) == job


def test_update_of_a_missing_document_raises_not_found(store: Store) -> None:
    with pytest.raises(NotFound):
        store.update(Job, "missing", {"title": "x"})


def test_update_that_breaks_the_model_is_refused_and_nothing_changes(store: Store) -> None:
    job = _job("owner-1")
    store.create(job)
    with pytest.raises(ValidationError):
        store.update(Job, job.id, {"rubric_version": 0})
    assert store.get(Job, job.id) == job


def test_commit_writes_creates_and_updates_together(store: Store) -> None:
    job, answer = _job("owner-1"), _answer("s-1", 0)
    store.create(job)
    assert store.commit(Update(Job, job.id, {"title": "Staff Engineer"}), Create(answer)) is True
    stored = store.get(Job, job.id)
    assert stored is not None and (stored.title, stored.rubric_template) == ("Staff Engineer", RUBRIC)
    assert store.get(Answer, answer.id) == answer


def test_a_commit_whose_create_meets_an_existing_id_writes_nothing(store: Store) -> None:
    """The way commits are used: a change and the one event announcing it, whose id is taken once it was made."""
    job, taken = _job("owner-1"), _answer("s-1", 1)
    store.create(job)
    store.create(taken)
    changed = taken.model_copy(update={"candidate_answer": "a retry"})
    assert store.commit(Update(Job, job.id, {"title": "x"}), Create(changed)) is False
    assert store.get(Job, job.id) == job
    assert store.get(Answer, taken.id) == taken


def test_a_commit_puts_a_whole_document_beside_a_create(store: Store) -> None:
    """A review replaced whole, written with the event announcing it."""
    first, event = _answer("s-1", 1), _answer("s-1", 2)
    store.create(first)
    replaced = first.model_copy(update={"candidate_answer": "the second version"})
    assert store.commit(Put(replaced), Create(event)) is True
    assert store.get(Answer, first.id) == replaced
    assert store.commit(Put(first), Create(event)) is False  # the event was announced: the put is not made
    assert store.get(Answer, first.id) == replaced


def test_a_commit_validates_its_updates_as_update_does(store: Store) -> None:
    job, answer = _job("owner-1"), _answer("s-1", 0)
    store.create(job)
    with pytest.raises(ValidationError):
        store.commit(Create(answer), Update(Job, job.id, {"rubric_version": 0}))
    with pytest.raises(NotFound):
        store.commit(Create(answer), Update(Job, "missing", {"title": "x"}))
    assert store.get(Answer, answer.id) is None
    assert store.get(Job, job.id) == job


def test_query_filters_by_equality(store: Store) -> None:
    mine = [_job("owner-1", f"Job {i}") for i in range(3)]
    for job in [*mine, _job("owner-2")]:
        store.create(job)
    page = store.query(Job, where={"owner_id": "owner-1"}, order_by="id")
    assert sorted(job.id for job in page.items) == sorted(job.id for job in mine)
    assert page.next_after is None
    assert store.query(Job, where={"owner_id": "nobody"}).items == []


def test_query_orders_timestamps_and_pages_by_keyset_both_ways(store: Store) -> None:
    start = utcnow()
    jobs = [_job("owner-1", f"Job {i}", created_at=start + timedelta(seconds=i)) for i in range(5)]
    for job in reversed(jobs):
        store.create(job)

    def walk(descending: bool) -> list[str]:
        titles: list[str] = []
        after = None
        while True:
            page = store.query(
                Job, where={"owner_id": "owner-1"}, order_by="created_at", descending=descending, after=after, limit=2
            )
            titles += [job.title for job in page.items]
            if page.next_after is None:
                return titles
            after = page.next_after

    assert walk(descending=False) == [f"Job {i}" for i in range(5)]
    assert walk(descending=True) == [f"Job {i}" for i in reversed(range(5))]


def test_query_orders_integers_numerically(store: Store) -> None:
    for turn in (10, 2, 1):
        store.create(_answer("s-2", turn))
    page = store.query(Answer, where={"session_id": "s-2"}, order_by="turn_index")
    assert [answer.turn_index for answer in page.items] == [1, 2, 10]


def test_query_filters_on_booleans(store: Store) -> None:
    store.create(_answer("s-3", 0))
    flagged = _answer("s-3", 1).model_copy(update={"is_cheating_suspected": True})
    store.create(flagged)
    page = store.query(Answer, where={"session_id": "s-3", "is_cheating_suspected": True}, order_by="turn_index")
    assert [answer.id for answer in page.items] == [flagged.id]


def test_query_refuses_a_field_name_that_is_not_an_identifier(store: Store) -> None:
    with pytest.raises(ValueError):
        store.query(Job, where={"owner_id') OR 1=1 --": "x"})


def test_delete_removes_only_that_document_and_is_idempotent(store: Store) -> None:
    keep, drop = _job("owner-1", "Keep"), _job("owner-1", "Drop")
    store.create(keep)
    store.create(drop)
    store.delete(Job, drop.id)
    store.delete(Job, drop.id)
    assert store.get(Job, drop.id) is None
    assert store.get(Job, keep.id) == keep
    assert store.create(drop) is True  # the id is free again


def test_count_follows_the_filter(store: Store) -> None:
    for n in range(3):
        store.create(_answer("s-9", n).model_copy(update={"bias_flag": n == 1}))
    store.create(_answer("s-10", 0))
    assert store.count(Answer, where={"session_id": "s-9"}) == 3
    assert store.count(Answer, where={"session_id": "s-9", "bias_flag": True}) == 1
    assert store.count(Answer, where={"session_id": "nobody"}) == 0
    assert store.count(Answer) == 4


def test_count_by_groups_a_scalar_field_under_the_filter(store: Store) -> None:
    for session, turns in (("s-20", 3), ("s-21", 1)):
        for turn in range(turns):
            store.create(_answer(session, turn).model_copy(update={"bias_flag": turn == 0}))
    store.create(_answer("s-22", 0).model_copy(update={"owner_id": "owner-2"}))
    assert store.count_by(Answer, "session_id", where={"owner_id": "owner-1"}) == {"s-20": 3, "s-21": 1}
    assert store.count_by(Answer, "session_id", where={"owner_id": "owner-1", "bias_flag": True}) == {
        "s-20": 1,
        "s-21": 1,
    }
    assert store.count_by(Answer, "session_id") == {"s-20": 3, "s-21": 1, "s-22": 1}
    assert store.count_by(Answer, "session_id", where={"owner_id": "nobody"}) == {}


def test_count_by_counts_a_list_field_once_per_document_under_each_element(store: Store) -> None:
    for turn, concepts in enumerate((["indexes", "locks"], ["locks", "locks"], [])):
        store.create(_answer("s-23", turn).model_copy(update={"concepts_missed": concepts}))
    assert store.count_by(Answer, "concepts_missed", where={"session_id": "s-23"}) == {"indexes": 1, "locks": 2}


def test_count_by_keeps_the_values_types_and_skips_nulls(store: Store) -> None:
    for turn in range(3):
        store.create(
            _answer("s-24", turn).model_copy(
                update={"is_cheating_suspected": turn == 2, "pause_seconds": 1.5 if turn else None}
            )
        )
    flags = store.count_by(Answer, "is_cheating_suspected")
    assert flags == {False: 2, True: 1} and all(isinstance(flag, bool) for flag in flags)
    turns = store.count_by(Answer, "turn_index")
    assert turns == {0: 1, 1: 1, 2: 1} and all(type(turn) is int for turn in turns)
    assert store.count_by(Answer, "pause_seconds") == {1.5: 2}
    store.create(_job("owner-1"))
    assert store.count_by(Job, "webhook_url") == {}


def test_count_by_counts_past_one_page(store: Store) -> None:
    for n in range(501):  # the Firestore adapter folds pages of 500
        store.create(_job("owner-1", f"Job {n % 2}"))
    assert store.count_by(Job, "title", where={"owner_id": "owner-1"}) == {"Job 0": 251, "Job 1": 250}


def test_count_by_refuses_a_field_name_that_is_not_an_identifier(store: Store) -> None:
    with pytest.raises(ValueError):
        store.count_by(Job, "title') OR 1=1 --")
    with pytest.raises(ValueError):
        store.count_by(Job, "title", where={"owner_id') OR 1=1 --": "x"})


def test_group_count_counts_each_combination_in_a_half_open_range(store: Store) -> None:
    start = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
    for turn in range(6):  # one answer an hour, scores 7, 7, 5, 7, 7, 5; job-b from the fourth on
        store.create(
            _answer("s-30", turn).model_copy(
                update={
                    "answered_at": start + timedelta(hours=turn),
                    "confidence_score": 5 if turn % 3 == 2 else 7,
                    "skill": "Caching" if turn % 2 else "Indexes",
                    "job_id": "job-b" if turn >= 3 else "job-a",
                }
            )
        )
    fields = ("job_id", "skill", "confidence_score")
    assert store.group_count(Answer, fields, where={"owner_id": "owner-1"}) == {
        ("job-a", "Indexes", 7): 1,  # turn 0
        ("job-a", "Caching", 7): 1,  # turn 1
        ("job-a", "Indexes", 5): 1,  # turn 2
        ("job-b", "Caching", 7): 1,  # turn 3
        ("job-b", "Indexes", 7): 1,  # turn 4
        ("job-b", "Caching", 5): 1,  # turn 5
    }
    window = Between(
        "answered_at", timestamp_text(start + timedelta(hours=1)), timestamp_text(start + timedelta(hours=4))
    )
    counts = store.group_count(Answer, ("job_id", "confidence_score"), between=window)  # turns 1, 2, 3
    assert counts == {("job-a", 7): 1, ("job-a", 5): 1, ("job-b", 7): 1}
    assert store.group_count(Answer, ("job_id",), where={"owner_id": "nobody"}) == {}


def test_group_count_keeps_types_marks_missing_fields_none_and_pages(store: Store) -> None:
    for n in range(501):  # the Firestore adapter folds pages of 500
        store.create(_job("owner-1", f"Job {n % 2}", webhook_url="https://hooks.example.com/x" if n == 0 else None))
    counts = store.group_count(Job, ("title", "hire_threshold", "webhook_url"), where={"owner_id": "owner-1"})
    assert counts == {
        ("Job 0", 70, "https://hooks.example.com/x"): 1,
        ("Job 0", 70, None): 250,
        ("Job 1", 70, None): 250,
    }
    store.create(_answer("s-31", 0).model_copy(update={"bias_flag": True}))
    flags = store.group_count(Answer, ("bias_flag", "needs_clarification"))
    assert flags == {(True, False): 1} and all(type(value) is bool for value in next(iter(flags)))


def test_group_count_refuses_a_field_name_that_is_not_an_identifier(store: Store) -> None:
    with pytest.raises(ValueError):
        store.group_count(Job, ("title') OR 1=1 --",))
    with pytest.raises(ValueError):
        store.group_count(Job, ("title",), between=Between("created_at') --", "a", "b"))
