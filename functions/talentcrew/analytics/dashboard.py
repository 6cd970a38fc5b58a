"""Recruiter analytics: figures per job, the most missed concepts, scores week by week.

Answers are the large collection, so they are only ever counted by the store (`Store.count_by`),
never loaded. The caller's sessions are read a page at a time; they are also how answers reach
their job, since an answer names its session and not its job.
"""

from __future__ import annotations

import heapq
from collections import Counter, defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from pydantic import BaseModel, Field

from talentcrew.models import Answer, InterviewSession, Job, Timestamp, utcnow
from talentcrew.ports import Scalar, Store, every
from talentcrew.results import flags_by_session, graded_answers
from talentcrew.workspaces import Caller

TOP_CONCEPTS = 10
BANDS = 10  # score bands of ten points; the last one, 90-100, also holds 100


class JobFigures(BaseModel):
    job_id: str
    title: str
    sessions: int
    completed: int
    average_score: float | None = Field(description="Mean overall score of the completed sessions with a score.")
    answers: int = Field(description="Graded answers (a request to rephrase the question is not one).")
    flagged_answers: int = Field(description="Answers with outside help suspected.")
    integrity_flag_rate: float | None = Field(description="flagged_answers / answers; null without answers.")
    bias_flags: int = Field(description="Answers whose question was flagged for bias.")


class MissedConcept(BaseModel):
    concept: str
    count: int = Field(description="Graded answers that missed it.")


class ScoreWeek(BaseModel):
    week_start: date = Field(description="Monday (UTC) of the week in which the sessions ended.")
    sessions: int
    average_score: float
    histogram: list[int] = Field(
        min_length=BANDS, max_length=BANDS, description="Sessions per score band: 0-9, 10-19, ..., 80-89, 90-100."
    )


class Analytics(BaseModel):
    """The recruiter dashboard's figures, over the caller's own jobs and interviews."""

    jobs: list[JobFigures] = Field(description="Every job of the caller's, newest first.")
    missed_concepts: list[MissedConcept] = Field(description="The ten most missed, most first, ties by name.")
    score_over_time: list[ScoreWeek] = Field(description="Completed, scored sessions by week, oldest first.")
    generated_at: Timestamp


@dataclass
class _Scores:
    total: int = 0
    count: int = 0

    def add(self, score: int) -> None:
        self.total += score
        self.count += 1

    def mean(self) -> float | None:
        return self.total / self.count if self.count else None


@dataclass
class _JobTally:
    sessions: int = 0
    completed: int = 0
    scores: _Scores = field(default_factory=_Scores)
    answers: int = 0
    flagged: int = 0
    biased: int = 0

    def figures(self, job: Job) -> JobFigures:
        return JobFigures(
            job_id=job.id,
            title=job.title,
            sessions=self.sessions,
            completed=self.completed,
            average_score=self.scores.mean(),
            answers=self.answers,
            flagged_answers=self.flagged,
            integrity_flag_rate=self.flagged / self.answers if self.answers else None,
            bias_flags=self.biased,
        )


@dataclass
class _Week:
    scores: _Scores = field(default_factory=_Scores)
    histogram: list[int] = field(default_factory=lambda: [0] * BANDS)

    def add(self, score: int) -> None:
        self.scores.add(score)
        self.histogram[min(score // 10, BANDS - 1)] += 1

    def figures(self, week_start: date) -> ScoreWeek:
        return ScoreWeek(
            week_start=week_start,
            sessions=self.scores.count,
            average_score=self.scores.total / self.scores.count,
            histogram=self.histogram,
        )


def recruiter_analytics(store: Store, caller: Caller) -> Analytics:
    mine: dict[str, Scalar] = {"owner_id": caller.workspace_id}
    graded = graded_answers(caller.workspace_id)
    answers = store.count_by(Answer, "session_id", where=graded)
    flags = flags_by_session(store, caller.workspace_id)
    jobs = list(every(store, Job, where=mine, order_by="created_at"))
    tallies = {job.id: _JobTally() for job in jobs}
    weeks: defaultdict[date, _Week] = defaultdict(_Week)
    for session in every(store, InterviewSession, where=mine):
        score = session.overall_score if session.is_completed else None
        if score is not None and session.ended_at is not None:
            weeks[_week_start(session.ended_at)].add(score)
        tally = tallies.get(session.job_id)
        if tally is None:
            continue
        tally.sessions += 1
        tally.completed += session.is_completed
        if score is not None:
            tally.scores.add(score)
        tally.answers += answers.get(session.id, 0)
        integrity, bias = flags.of(session.id)
        tally.flagged += integrity
        tally.biased += bias
    return Analytics(
        jobs=[tallies[job.id].figures(job) for job in reversed(jobs)],
        missed_concepts=_most_missed(store.count_by(Answer, "concepts_missed", where=graded)),
        score_over_time=[weeks[start].figures(start) for start in sorted(weeks)],
        generated_at=utcnow(),
    )


def _week_start(moment: datetime) -> date:
    """Monday of the moment's week; stored timestamps are UTC, so weeks are UTC weeks."""
    day = moment.date()
    return day - timedelta(days=day.weekday())


def _most_missed(counts: Mapping[Scalar, int]) -> list[MissedConcept]:
    """Spellings that differ only in case are one concept, as on the scorecard; the first in
    code-point order is shown, so the answer does not depend on the store's order."""
    merged: Counter[str] = Counter()
    spelling: dict[str, str] = {}
    for concept, times in sorted(counts.items(), key=lambda item: str(item[0])):
        key = str(concept).casefold()
        merged[key] += times
        spelling.setdefault(key, str(concept))
    top = heapq.nsmallest(TOP_CONCEPTS, merged.items(), key=lambda item: (-item[1], item[0]))
    return [MissedConcept(concept=spelling[key], count=times) for key, times in top]
