"""The scorecard and spoken answers: a transcript heard with low confidence waits for a person, like a flag.

Built on test_scorecard.py's helpers (a SQLite store, a job, a session, answers).
"""

from __future__ import annotations

from talentcrew.adapters.sqlite_store import SqliteStore
from talentcrew.models import HeardWord
from talentcrew.scorecard.render import render_pdf
from tests.unit.test_scorecard import DASH, _answer, _card, _job, _session, _text, _write, store

__all__ = ["store"]  # a fixture


def test_an_uncertain_transcript_is_tagged_listed_and_counted_for_review(store: SqliteStore) -> None:
    job = _job(store)
    session = _session(store)
    words = [HeardWord(text="sharding", confidence=0.3), HeardWord(text="helps", confidence=0.9)]
    _write(
        store,
        _answer(session, 0),  # typed: no confidence
        _answer(session, 1, transcript_confidence=0.6, heard_words=words, transcript_check=True),
        _answer(session, 2, transcript_confidence=0.93),
    )
    card = _card(store, session, job)
    assert [ex.turn for ex in card.transcripts_to_check] == [1]
    assert card.for_review == 1
    assert card.overall_score is not None  # the grade still counts: a person checks, nothing is withheld

    text = _text(render_pdf(card))
    assert text.count(f"Transcript uncertain {DASH} listen/check") == 1
    assert "Heard with 60% confidence by speech recognition" in text
    assert "Heard with 93% confidence by speech recognition" in text
    human = text[text.index("Transcripts to check") :]
    assert "Q2 60%" in human and "None." not in human


def test_no_spoken_answer_no_transcript_to_check(store: SqliteStore) -> None:
    job = _job(store)
    session = _session(store)
    _write(store, _answer(session, 0))
    card = _card(store, session, job)
    assert card.for_review == 0
    text = _text(render_pdf(card))
    assert "Transcripts to check None." in text and "Heard with" not in text
