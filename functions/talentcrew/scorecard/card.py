"""The scorecard's data: everything the PDF shows, and nothing it doesn't.

The card is a frozen value built from the Store once per report. Its canonical JSON is what the
blob is named after (`content_hash`), so every list in it has a fixed order and nothing in it
depends on when it was gathered (the PDF's generation time lives outside the card).
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Iterable, Sequence
from datetime import datetime
from statistics import fmean

from pydantic import BaseModel, ConfigDict, Field

from talentcrew.interview import integrity
from talentcrew.models import (
    Answer,
    FlagKind,
    IntegritySignal,
    InterviewSession,
    Job,
    Provenance,
    Recommendation,
    Review,
    ReviewOutcome,
    SignalKind,
    Timestamp,
    User,
)
from talentcrew.ports import Store
from talentcrew.sessions import all_of, is_integrity_flag

TOP_MISSED = 8


class _Part(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Decision(_Part):
    """The recruiter's decision, which may differ from the recommendation."""

    decision: Recommendation
    note: str = ""
    decided_at: Timestamp | None = None
    decided_by: str = Field(default="", description="The recruiter who decided, by name.")


class SkillSummary(_Part):
    """One rubric skill; the means are None when no answer on it was scored."""

    skill: str
    answers: int
    understanding: float | None = None
    explainability: float | None = None
    confidence: float | None = None


class MissedConcept(_Part):
    concept: str
    times: int


class Exchange(_Part):
    """One question and answer. The scores are None when the answer was not scored (a request to
    rephrase, or an answer waiting for a person to grade it): the grader's placeholders are not shown."""

    turn: int
    skill: str
    drill_depth: int
    question: str
    answer: str
    understanding: int | None
    explainability: int | None
    confidence: int | None
    evidence: str
    critique: str
    ideal_answer: str
    concepts_missed: tuple[str, ...]
    pause_seconds: float | None
    asked_for_time: bool
    transcript_confidence: float | None
    transcript_check: bool
    off_topic: bool
    needs_clarification: bool
    needs_human_grade: bool
    integrity_flag: bool
    bias_flag: bool

    @property
    def scored(self) -> bool:
        return not (self.needs_clarification or self.needs_human_grade)


class SignalRow(_Part):
    """An integrity signal: at flag strength (`flag`) a reason its answer is flagged, weaker it is context.
    `review` is the recruiter's verdict if there is one."""

    turn: int
    kind: SignalKind
    strength: float
    flag: bool
    reason: str
    review: ReviewOutcome | None


class FlaggedAnswer(_Part):
    """An answer flagged for integrity review as a whole (its strongest signals' and the grader's reasons)."""

    turn: int
    reasons: tuple[str, ...]
    review: ReviewOutcome | None


class BiasFlag(_Part):
    turn: int
    reason: str
    review: ReviewOutcome | None


class Scorecard(_Part):
    """What the scorecard PDF shows. Score and recommendation are the caller's, as passed in."""

    session_id: str
    candidate_name: str
    candidate_email: str
    job_title: str
    interview_date: Timestamp
    overall_score: int | None
    recommendation: Recommendation | None
    hire_threshold: int
    decision: Decision | None
    skills: tuple[SkillSummary, ...]
    missed_concepts: tuple[MissedConcept, ...]
    timeline: tuple[Exchange, ...]
    integrity_signals: tuple[SignalRow, ...]
    flagged_answers: tuple[FlaggedAnswer, ...]
    bias_flags: tuple[BiasFlag, ...]
    provenance: tuple[Provenance, ...]

    @property
    def scored_answers(self) -> int:
        return sum(exchange.scored for exchange in self.timeline)

    @property
    def transcripts_to_check(self) -> tuple[Exchange, ...]:
        """Spoken answers heard with too little confidence to trust their transcript unchecked."""
        return tuple(exchange for exchange in self.timeline if exchange.transcript_check)

    @property
    def flag_threshold(self) -> float:
        """The strength at which a signal flags its answer (`integrity.is_flag`)."""
        return integrity.REVIEW_THRESHOLD

    @property
    def for_review(self) -> int:
        """How many things wait for a person: integrity flags (flagged answers: their strong signals are their
        reasons, and weaker signals are context), bias flags, transcripts to check."""
        return len(self.flagged_answers) + len(self.bias_flags) + len(self.transcripts_to_check)


def _scored(answer: Answer) -> bool:
    """The scoring rule's: a rephrase request or an answer waiting for a human grade doesn't count."""
    return not (answer.needs_clarification or answer.needs_human_grade)


def _mean(values: Iterable[int]) -> float | None:
    items = list(values)
    return round(fmean(items), 1) if items else None


def _skills(rubric_skills: Sequence[str], answers: Sequence[Answer]) -> tuple[SkillSummary, ...]:
    """Rubric skills in rubric order, each with its scored answers' means; then any skill answered
    that the rubric no longer names (edited since), in the order first asked."""
    titles: dict[str, str] = {}
    for title in [*rubric_skills, *(a.skill for a in answers)]:
        titles.setdefault(title.casefold(), title)
    by_skill: dict[str, list[Answer]] = {key: [] for key in titles}
    for answer in answers:
        if _scored(answer):
            by_skill[answer.skill.casefold()].append(answer)
    return tuple(
        SkillSummary(
            skill=titles[key],
            answers=len(scored),
            understanding=_mean(a.understanding_score for a in scored),
            explainability=_mean(a.explainability_score for a in scored),
            confidence=_mean(a.confidence_score for a in scored),
        )
        for key, scored in by_skill.items()
    )


def _missed(answers: Sequence[Answer]) -> tuple[MissedConcept, ...]:
    """Concepts missed in scored answers, most often first, ties alphabetical; case is ignored and
    the first spelling shown (each answer counts a concept once)."""
    spelling: dict[str, str] = {}
    counts: Counter[str] = Counter()
    for answer in answers:
        if not _scored(answer):
            continue
        keys = {concept.casefold() for concept in answer.concepts_missed}
        for concept in answer.concepts_missed:
            spelling.setdefault(concept.casefold(), concept)
        counts.update(keys)
    ranked = sorted(counts.items(), key=lambda item: (-item[1], item[0]))[:TOP_MISSED]
    return tuple(MissedConcept(concept=spelling[key], times=times) for key, times in ranked)


def _exchange(answer: Answer) -> Exchange:
    scored = _scored(answer)
    return Exchange(
        turn=answer.turn_index,
        skill=answer.skill,
        drill_depth=answer.drill_depth,
        question=answer.question_asked,
        answer=answer.candidate_answer,
        understanding=answer.understanding_score if scored else None,
        explainability=answer.explainability_score if scored else None,
        confidence=answer.confidence_score if scored else None,
        evidence=answer.evidence,
        critique=answer.critique,
        ideal_answer=answer.ideal_answer,
        concepts_missed=tuple(answer.concepts_missed),
        pause_seconds=answer.pause_seconds,
        asked_for_time=answer.asked_for_time,
        transcript_confidence=answer.transcript_confidence,
        transcript_check=answer.transcript_check,
        off_topic=answer.off_topic,
        needs_clarification=answer.needs_clarification,
        needs_human_grade=answer.needs_human_grade,
        integrity_flag=is_integrity_flag(answer),
        bias_flag=answer.bias_flag,
    )


def _interview_date(session: InterviewSession) -> datetime:
    return session.ended_at or session.started_at or session.created_at


def _provenance(answers: Sequence[Answer]) -> tuple[Provenance, ...]:
    distinct = {answer.provenance.model_dump_json(): answer.provenance for answer in answers}
    return tuple(distinct[key] for key in sorted(distinct))


def gather(
    store: Store,
    session: InterviewSession,
    job: Job,
    score: int | None,
    recommendation: Recommendation | None,
    hire_threshold: int,
) -> Scorecard:
    """The session's card: its answers in turn order, its integrity signals, bias flags and their reviews."""
    if job.id != session.job_id:
        raise ValueError(f"job {job.id} is not the job of session {session.id}")
    answers = list(all_of(store, Answer, session.id, "turn_index"))
    signals = sorted(
        all_of(store, IntegritySignal, session.id, "id"),
        key=lambda s: (s.turn_index, -s.strength, s.kind.value, s.id),
    )
    verdicts = {(r.kind, r.subject_id): r.outcome for r in all_of(store, Review, session.id, "id")}
    decision = None
    if session.final_decision is not None:
        decider = store.get(User, session.decided_by) if session.decided_by else None
        decision = Decision(
            decision=session.final_decision,
            note=session.decision_note,
            decided_at=session.decided_at,
            decided_by=decider.full_name if decider else "",
        )
    return Scorecard(
        session_id=session.id,
        candidate_name=session.candidate_name,
        candidate_email=str(session.candidate_email),
        job_title=job.title,
        interview_date=_interview_date(session),
        overall_score=score,
        recommendation=recommendation,
        hire_threshold=hire_threshold,
        decision=decision,
        skills=_skills(job.rubric_template.core_skills, answers),
        missed_concepts=_missed(answers),
        timeline=tuple(_exchange(a) for a in answers),
        integrity_signals=tuple(
            SignalRow(
                turn=s.turn_index,
                kind=s.kind,
                strength=s.strength,
                flag=integrity.is_flag(s.strength),
                reason=s.reason,
                review=verdicts.get((FlagKind.INTEGRITY, s.id)),
            )
            for s in signals
        ),
        flagged_answers=tuple(
            FlaggedAnswer(
                turn=a.turn_index,
                reasons=tuple(a.cheating_reasons),
                review=verdicts.get((FlagKind.INTEGRITY, a.id)),
            )
            for a in answers
            if is_integrity_flag(a)
        ),
        bias_flags=tuple(
            BiasFlag(turn=a.turn_index, reason=a.bias_reason, review=verdicts.get((FlagKind.BIAS, a.id)))
            for a in answers
            if a.bias_flag
        ),
        provenance=_provenance(answers),
    )


def content_hash(card: Scorecard) -> str:
    """sha256 of the card's JSON: fields in declaration order and every list in a fixed order, so
    the same data always gives the same hash (and blob name), and any change a different one."""
    return hashlib.sha256(card.model_dump_json().encode()).hexdigest()
