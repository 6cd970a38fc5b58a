"""The scorecard: the card gathered from a real SQLite store, and the PDF read back as text."""

from __future__ import annotations

import http.server
import io
import re
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from pypdf import PdfReader

from talentcrew.adapters.sqlite_store import SqliteStore
from talentcrew.models import (
    Answer,
    Document,
    ExperienceLevel,
    FlagKind,
    IntegritySignal,
    InterviewSession,
    Job,
    Provenance,
    Recommendation,
    Review,
    ReviewOutcome,
    Rubric,
    SignalKind,
    answer_id,
    review_id,
)
from talentcrew.scorecard.card import Scorecard, content_hash, gather
from talentcrew.scorecard.render import chart, html_to_pdf, render_html, render_pdf
from talentcrew.scoring import HIRE_THRESHOLD, final_score, recommend
from talentcrew.sessions import all_of

OWNER = "recruiter-1"
START = datetime(2025, 3, 4, 9, 30, tzinfo=UTC)
PROVENANCE = Provenance(
    rubric_version=3, question_bank_version="2025.02", brain="local", model="minilm", prompt_version="p7"
)
SKILLS = ["SQL Tuning", "Caching", "API Design"]
DASH = "\N{EN DASH}"


@pytest.fixture
def store(tmp_path: Path) -> SqliteStore:
    return SqliteStore(tmp_path / "t.db")


def _job(store: SqliteStore, job_id: str = "job-1", title: str = "Backend Engineer (Payments)") -> Job:
    job = Job(
        id=job_id,
        owner_id=OWNER,
        title=title,
        rubric_template=Rubric(
            languages=["Python"],
            core_skills=SKILLS,
            experience_level=ExperienceLevel.MID,
            evaluation_focus=["Depth"],
        ),
        rubric_version=3,
    )
    store.create(job)
    return job


def _session(store: SqliteStore, session_id: str = "session-1", **fields: object) -> InterviewSession:
    values: dict[str, object] = {
        "id": session_id,
        "job_id": "job-1",
        "owner_id": OWNER,
        "candidate_name": "Grace Hopper-Nakamura",
        "candidate_email": "grace@example.com",
        "max_questions": 10,
        "created_at": START - timedelta(days=2),
        "started_at": START,
        "ended_at": START + timedelta(minutes=40),
        **fields,
    }
    session = InterviewSession.model_validate(values)
    store.create(session)
    return session


def _answer(session: InterviewSession, turn: int, **fields: object) -> Answer:
    values: dict[str, object] = {
        "id": answer_id(session.id, turn),
        "session_id": session.id,
        "owner_id": OWNER,
        "turn_index": turn,
        "skill": SKILLS[turn % len(SKILLS)],
        "question_asked": f"Question number {turn + 1}: how would you handle case {turn + 1}?",
        "candidate_answer": f"My answer to question {turn + 1}.",
        "understanding_score": 7,
        "explainability_score": 6,
        "confidence_score": 7,
        "critique": "Clear, but misses one trade-off.",
        "ideal_answer": "The ideal answer names the trade-off.",
        "provenance": PROVENANCE,
        "asked_at": START + timedelta(minutes=3 * turn),
        "answered_at": START + timedelta(minutes=3 * turn + 2),
        **fields,
    }
    return Answer.model_validate(values)


def _write(store: SqliteStore, *documents: Document) -> None:
    for document in documents:
        assert store.create(document)


def _card(store: SqliteStore, session: InterviewSession, job: Job) -> Scorecard:
    """As the report function will: the score and recommendation by the scoring rules."""
    answers = list(all_of(store, Answer, session.id, "turn_index"))
    score = final_score(answers)
    return gather(store, session, job, score, recommend(score) if score is not None else None, HIRE_THRESHOLD)


def _text(pdf: bytes) -> str:
    """The PDF's text with whitespace collapsed (lines wrap wherever the layout puts them)."""
    reader = PdfReader(io.BytesIO(pdf))
    return " ".join(" ".join(page.extract_text() for page in reader.pages).split())


def _pages(pdf: bytes) -> int:
    return len(PdfReader(io.BytesIO(pdf)).pages)


# --- The PDF ------------------------------------------------------------------------------------


def test_the_pdf_shows_the_candidate_the_job_the_score_and_every_question(store: SqliteStore) -> None:
    job = _job(store)
    session = _session(store)
    confidences = [8, 7, 9, 6, 8, 7, 7, 8, 9, 6]
    _write(store, *(_answer(session, turn, confidence_score=c) for turn, c in enumerate(confidences)))
    card = _card(store, session, job)
    assert card.overall_score == 75
    assert card.recommendation is Recommendation.HIRE

    pdf = render_pdf(card, generated_at=datetime(2026, 1, 2, 8, 15, tzinfo=UTC))
    assert pdf.startswith(b"%PDF-")
    text = _text(pdf)
    assert "Grace Hopper-Nakamura" in text
    assert "Backend Engineer (Payments)" in text
    assert "75/100 OVERALL SCORE" in text
    assert "HIRE" in text
    assert "A recommendation for a person to decide, not a decision" in text
    assert "04 Mar 2025, 10:10 UTC" in text  # ended_at: the interview date
    assert "Generated 02 Jan 2026, 08:15 UTC" in text
    assert f"Page 1 of {_pages(pdf)}" in text
    for turn in range(10):
        assert f"Question number {turn + 1}: how would you handle case {turn + 1}?" in text
        assert f"My answer to question {turn + 1}." in text
    for skill in SKILLS:
        assert skill in text
    assert "minilm" in text
    assert "p7" in text


def test_a_reject_shows_reject(store: SqliteStore) -> None:
    job = _job(store)
    session = _session(store)
    _write(store, _answer(session, 0, confidence_score=4), _answer(session, 1, confidence_score=5))
    card = _card(store, session, job)
    assert (card.overall_score, card.recommendation) == (45, Recommendation.REJECT)
    text = _text(render_pdf(card))
    assert "45/100 OVERALL SCORE" in text
    assert "REJECT" in text
    assert "HIRE is recommended at 70/100 or more" in text


def test_the_timeline_follows_the_turns_whatever_the_write_order(store: SqliteStore) -> None:
    job = _job(store)
    session = _session(store)
    _write(store, *(_answer(session, turn) for turn in [11, 2, 0, 10, 1]))
    card = _card(store, session, job)
    assert [exchange.turn for exchange in card.timeline] == [0, 1, 2, 10, 11]

    text = _text(render_pdf(card))
    positions = [text.index(f"how would you handle case {turn + 1}?") for turn in [0, 1, 2, 10, 11]]
    assert positions == sorted(positions)
    assert text.index("Q11 ") < text.index("Q12 ")


def test_a_session_with_no_answers_says_not_scored(store: SqliteStore) -> None:
    job = _job(store)
    session = _session(store, ended_at=None)
    card = _card(store, session, job)
    assert card.overall_score is None and card.recommendation is None
    assert card.timeline == () and card.missed_concepts == () and card.provenance == ()
    assert [(s.skill, s.answers, s.confidence) for s in card.skills] == [(skill, 0, None) for skill in SKILLS]
    assert card.interview_date == START  # started_at when it never ended

    text = _text(render_pdf(card))
    assert "NOT SCORED Not scored HIRE is recommended at 70/100" in text  # the score's label, the badge
    assert not re.search(r"\d/100 OVERALL SCORE", text)
    assert "REJECT" not in text
    assert "The candidate answered no questions." in text
    assert "No signals." in text
    assert "No answers were graded" in text
    assert text.count("no scored answers") == len(SKILLS)


def test_an_answer_waiting_for_a_human_grade_is_not_scored(store: SqliteStore) -> None:
    job = _job(store)
    session = _session(store)
    _write(
        store,
        _answer(session, 0, skill="SQL Tuning", confidence_score=8, understanding_score=9, concepts_missed=["joins"]),
        _answer(session, 1, skill="Caching", needs_human_grade=True, confidence_score=1, concepts_missed=["ttl"]),
        _answer(session, 2, skill="SQL Tuning", needs_clarification=True, confidence_score=1),
    )
    card = _card(store, session, job)
    assert card.overall_score == 80  # only the first answer counts

    waiting = card.timeline[1]
    assert (waiting.understanding, waiting.explainability, waiting.confidence) == (None, None, None)
    assert not waiting.scored and not card.timeline[2].scored and card.timeline[0].scored
    by_skill = {s.skill: s for s in card.skills}
    assert (by_skill["SQL Tuning"].answers, by_skill["SQL Tuning"].understanding) == (1, 9.0)
    assert (by_skill["Caching"].answers, by_skill["Caching"].confidence) == (0, None)
    assert [c.concept for c in card.missed_concepts] == ["joins"]  # not the ungraded answer's

    bars = {bar.label: bar for bar in chart(card.skills, card.hire_threshold).bars}
    assert bars["Caching"].width is None and bars["SQL Tuning"].width is not None

    text = _text(render_pdf(card))
    assert "not scored" in text
    assert f"Needs a human grade {DASH} not scored" in text
    assert f"Asked for the question again {DASH} not scored" in text
    assert "no scored answers" in text
    assert "3 asked, 1 scored" in text


def test_signals_and_bias_flags_show_their_reasons_and_reviews(store: SqliteStore) -> None:
    job = _job(store)
    session = _session(store)
    flagged = _answer(
        session,
        1,
        is_cheating_suspected=True,
        cheating_reasons=["Pasted 480 characters in one go."],
        bias_flag=True,
        bias_reason="The question assumes knowledge of a US-only payment rail.",
    )
    pause = IntegritySignal(
        id=f"{flagged.id}-long_pause",
        session_id=session.id,
        owner_id=OWNER,
        turn_index=1,
        kind=SignalKind.LONG_PAUSE,
        strength=0.83,
        reason="Silent for 19 s, then a fluent answer.",
    )
    paste = IntegritySignal(
        id=f"{flagged.id}-paste",
        session_id=session.id,
        owner_id=OWNER,
        turn_index=1,
        kind=SignalKind.PASTE,
        strength=0.9,
        reason="Pasted 480 characters in one go.",
    )
    _write(
        store,
        _answer(session, 0),
        flagged,
        pause,
        paste,
        _review(session, FlagKind.INTEGRITY, pause.id, ReviewOutcome.UPHELD),
        _review(session, FlagKind.BIAS, flagged.id, ReviewOutcome.DISMISSED),
    )
    card = _card(store, session, job)
    assert [(s.kind, s.review) for s in card.integrity_signals] == [
        (SignalKind.PASTE, None),  # the stronger signal of the turn first
        (SignalKind.LONG_PAUSE, ReviewOutcome.UPHELD),
    ]
    assert [(f.turn, f.reasons, f.review) for f in card.flagged_answers] == [
        (1, ("Pasted 480 characters in one go.",), None)
    ]
    assert [(b.turn, b.reason, b.review) for b in card.bias_flags] == [
        (1, "The question assumes knowledge of a US-only payment rail.", ReviewOutcome.DISMISSED)
    ]
    assert card.for_review == 2  # the flagged answer (its two strong signals are its reasons) and the bias flag

    text = _text(render_pdf(card))
    human = text[text.index("For human review Each signal") :]
    assert "Silent for 19 s, then a fluent answer." in human
    assert "Pasted 480 characters in one go." in human
    assert "The question assumes knowledge of a US-only payment rail." in human
    assert "Long pause" in human and "Pasted text" in human
    assert "0.83" in human and "0.90" in human
    assert "Upheld" in human and "Dismissed" in human and "Not yet reviewed" in human
    assert f"Integrity flag {DASH} for human review" in text and f"Bias flag {DASH} for human review" in text


def _review(session: InterviewSession, kind: FlagKind, subject_id: str, outcome: ReviewOutcome) -> Review:
    return Review(
        id=review_id(kind, subject_id),
        session_id=session.id,
        owner_id=OWNER,
        subject_id=subject_id,
        kind=kind,
        outcome=outcome,
        reviewer_id=OWNER,
    )


def test_the_recruiters_decision_is_shown_beside_the_recommendation(store: SqliteStore) -> None:
    job = _job(store)
    session = _session(
        store,
        final_decision=Recommendation.REJECT,
        decision_note="Strong on SQL, but the role needs <b>caching</b> depth.",
        decided_by=OWNER,
        decided_at=START + timedelta(days=1),
    )
    _write(store, _answer(session, 0, confidence_score=9))
    card = _card(store, session, job)
    assert card.decision is not None and card.decision.decision is Recommendation.REJECT
    text = _text(render_pdf(card))
    assert "HIRE" in text
    assert "Recruiter's decision: REJECT" in text
    assert "Strong on SQL, but the role needs <b>caching</b> depth." in text


# --- Untrusted text ------------------------------------------------------------------------------


class _Requests(http.server.BaseHTTPRequestHandler):
    seen: list[str] = []  # noqa: RUF012 (one server per test, cleared by the fixture)

    def do_GET(self) -> None:
        _Requests.seen.append(self.path)
        self.send_response(404)
        self.end_headers()

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def listener() -> Iterator[str]:
    """A local HTTP server that records every request: what a fetch from the PDF would reach."""
    _Requests.seen = []
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Requests)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def test_html_in_candidate_text_is_text(store: SqliteStore, listener: str) -> None:
    job = _job(store)
    session = _session(store, candidate_name="<i>Eve</i> & Co")
    hostile = f"<script>alert('x')</script><img src=\"{listener}/tracker.png\"> I would use an index."
    _write(
        store,
        _answer(session, 0, candidate_answer=hostile, evidence="<b>bold</b>", concepts_missed=["<u>x</u>"]),
    )
    card = _card(store, session, job)
    html = render_html(card)
    assert "<script>" not in html and "<img src" not in html and "<i>Eve</i>" not in html
    assert "&lt;script&gt;" in html

    text = _text(render_pdf(card))
    assert "<script>alert('x')</script>" in text
    assert f'<img src="{listener}/tracker.png"> I would use an index.' in text
    assert "<i>Eve</i> & Co" in text
    assert "<b>bold</b>" in text and "<u>x</u>" in text
    assert _Requests.seen == []


def test_the_renderer_fetches_nothing_even_from_real_markup(listener: str) -> None:
    """Defence in depth: should markup ever reach WeasyPrint, its fetcher refuses every URL."""
    pdf = html_to_pdf(
        f'<p>Hello</p><img src="{listener}/img.png"><link rel="stylesheet" href="{listener}/s.css">'
        f'<div style="background: url({listener}/bg.png)">x</div><img src="file:///etc/hostname">'
    )
    assert pdf.startswith(b"%PDF-")
    assert "Hello" in _text(pdf)
    assert _Requests.seen == []


def test_the_listener_does_see_an_ordinary_fetch(listener: str) -> None:
    """The check above can fail: WeasyPrint's default fetcher reaches the same server."""
    from weasyprint import HTML  # type: ignore[import-untyped]

    HTML(string=f'<img src="{listener}/img.png">', base_url=None).write_pdf()
    assert _Requests.seen == ["/img.png"]


# --- The card's data ---------------------------------------------------------------------------


def test_gather_reads_only_the_given_session(store: SqliteStore) -> None:
    job = _job(store)
    mine = _session(store)
    other = _session(store, "session-2", candidate_name="Someone Else", candidate_email="else@example.com")
    theirs = _answer(other, 0, question_asked="Their question", bias_flag=True, bias_reason="theirs")
    _write(
        store,
        _answer(mine, 0),
        theirs,
        _answer(other, 1, concepts_missed=["their concept"]),
        IntegritySignal(session_id=other.id, owner_id=OWNER, turn_index=0, kind=SignalKind.PASTE, reason="their paste"),
        _review(other, FlagKind.BIAS, theirs.id, ReviewOutcome.UPHELD),
    )
    card = _card(store, mine, job)
    assert [e.question for e in card.timeline] == [_answer(mine, 0).question_asked]
    assert card.integrity_signals == () and card.bias_flags == () and card.missed_concepts == ()
    assert "Their question" not in card.model_dump_json() and "Someone Else" not in card.model_dump_json()


def test_gather_refuses_another_jobs_rubric(store: SqliteStore) -> None:
    _job(store)
    session = _session(store)
    with pytest.raises(ValueError, match="not the job"):
        gather(store, session, _job(store, "job-2"), None, None, HIRE_THRESHOLD)


def test_skills_follow_the_rubric_then_any_skill_it_no_longer_names(store: SqliteStore) -> None:
    job = _job(store)
    session = _session(store)
    _write(
        store,
        _answer(session, 0, skill="Caching", understanding_score=7, explainability_score=8, confidence_score=6),
        _answer(session, 1, skill="caching", understanding_score=8, explainability_score=8, confidence_score=9),
        _answer(session, 2, skill="Kafka", confidence_score=5),
    )
    card = _card(store, session, job)
    assert [(s.skill, s.answers, s.understanding, s.explainability, s.confidence) for s in card.skills] == [
        ("SQL Tuning", 0, None, None, None),
        ("Caching", 2, 7.5, 8.0, 7.5),
        ("API Design", 0, None, None, None),
        ("Kafka", 1, 7.0, 6.0, 5.0),
    ]


def test_missed_concepts_are_counted_ranked_and_cut_at_eight(store: SqliteStore) -> None:
    job = _job(store)
    session = _session(store)
    missed = [
        ["Indexes", "Locks", "zeta"],
        ["indexes", "locks", "Alpha"],
        ["Indexes", "beta", "gamma"],
        ["delta", "epsilon", "eta", "theta", "iota"],
        ["Indexes", "indexes"],  # once per answer
    ]
    _write(store, *(_answer(session, turn, concepts_missed=concepts) for turn, concepts in enumerate(missed)))
    _write(store, _answer(session, 9, needs_human_grade=True, concepts_missed=["Locks", "Locks2"]))
    card = _card(store, session, job)
    assert [(c.concept, c.times) for c in card.missed_concepts] == [
        ("Indexes", 4),
        ("Locks", 2),
        ("Alpha", 1),
        ("beta", 1),
        ("delta", 1),
        ("epsilon", 1),
        ("eta", 1),
        ("gamma", 1),
    ]


def test_the_chart_draws_confidence_against_the_hire_line() -> None:
    from talentcrew.scorecard.card import SkillSummary

    drawn = chart((SkillSummary(skill="A", answers=2, confidence=7.0), SkillSummary(skill="B", answers=0)), 70)
    first, second = drawn.bars
    assert first.width is not None and drawn.plot_left + first.width == pytest.approx(drawn.threshold_x)
    assert second.width is None
    assert drawn.threshold == 7.0
    long = chart((SkillSummary(skill="x" * 80, answers=0),), 70).bars[0].label
    assert len(long) <= 30 and long.endswith("…")


# --- The content hash ----------------------------------------------------------------------------


def _flagged_interview(store: SqliteStore, order: list[int]) -> tuple[InterviewSession, Job]:
    """The same interview, its documents written in the given order."""
    job = _job(store)
    session = _session(store)
    answers = [
        _answer(session, turn, concepts_missed=["b", "a"], is_cheating_suspected=turn == 1, cheating_reasons=["r"])
        for turn in range(3)
    ]
    signals = [
        IntegritySignal(
            id=f"{answers[1].id}-{kind.value}",
            session_id=session.id,
            owner_id=OWNER,
            turn_index=1,
            kind=kind,
            strength=0.7,
            reason=f"{kind.value} seen",
            observed_at=START,
        )
        for kind in (SignalKind.PASTE, SignalKind.FOCUS_LOST, SignalKind.LONG_PAUSE)
    ]
    documents = [*answers, *signals]
    _write(store, *(documents[i] for i in order))
    return session, job


def test_the_content_hash_is_the_same_for_the_same_data(tmp_path: Path) -> None:
    first = SqliteStore(tmp_path / "a.db")
    second = SqliteStore(tmp_path / "b.db")
    card_a = _card(first, *_flagged_interview(first, [0, 1, 2, 3, 4, 5]))
    card_b = _card(second, *_flagged_interview(second, [5, 3, 1, 4, 0, 2]))
    assert card_a == card_b
    assert content_hash(card_a) == content_hash(card_b) == content_hash(_card(first, *_flagged_interview_again(first)))
    assert re.fullmatch(r"[0-9a-f]{64}", content_hash(card_a))


def _flagged_interview_again(store: SqliteStore) -> tuple[InterviewSession, Job]:
    session = store.get(InterviewSession, "session-1")
    job = store.get(Job, "job-1")
    assert session is not None and job is not None
    return session, job


def test_the_content_hash_changes_with_a_score_or_a_review(store: SqliteStore) -> None:
    session, job = _flagged_interview(store, [0, 1, 2, 3, 4, 5])
    before = content_hash(_card(store, session, job))

    store.update(Answer, answer_id(session.id, 2), {"confidence_score": 3})
    rescored = content_hash(_card(store, session, job))
    assert rescored != before

    store.create(_review(session, FlagKind.INTEGRITY, answer_id(session.id, 1), ReviewOutcome.DISMISSED))
    reviewed = content_hash(_card(store, session, job))
    assert reviewed not in {before, rescored}

    same_score = gather(store, session, job, 60, Recommendation.REJECT, HIRE_THRESHOLD)
    assert content_hash(same_score) != content_hash(same_score.model_copy(update={"overall_score": 61}))
