"""Reviewing many candidates: the workspace's completed interviews sorted, filtered, exported and compared.

The completed sessions are read once, in `ended_at` order (one indexed query), then filtered and sorted in
memory: the filters mix session fields with flags that live on answers, which no single index serves, and a
workspace's interviews fit in memory where its answers might not. Answers are counted by the store, never
loaded, except those of the two to four interviews being compared.
"""

from __future__ import annotations

import base64
import binascii
import csv
import io
import json
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationInfo, field_validator

from talentcrew import audit
from talentcrew.errors import Conflict, NotFound
from talentcrew.jobs import owned_job
from talentcrew.models import Answer, InterviewSession, Job, Recommendation, Timestamp, User, timestamp_text, utcnow
from talentcrew.ports import Page, Scalar, Store, every
from talentcrew.sessions import all_of, integrity_flags, owned_session
from talentcrew.workspaces import Caller

COMPARED = (2, 4)
"""How many interviews a comparison shows side by side, at least and at most."""
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
"""What makes a spreadsheet read a cell as a formula (OWASP's CSV injection advice)."""
Id = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_-]+$")]
_ID = TypeAdapter(Id)
INTEGRITY_FLAGS = (
    "Graded answers flagged for integrity review (a signal at the flag threshold, or the grader's suspicion), as the "
    "interview's timeline shows them; weaker signals, and requests to rephrase the question, are not counted."
)


class Sort(StrEnum):
    NEWEST = "-completed_at"
    OLDEST = "completed_at"
    BEST = "-score"
    WORST = "score"

    @property
    def descending(self) -> bool:
        return self.value.startswith("-")

    @property
    def by_score(self) -> bool:
        return self.value.endswith("score")


class Decision(StrEnum):
    HIRE = "HIRE"
    REJECT = "REJECT"
    PENDING = "pending"


class ResultsFilter(BaseModel):
    """Which completed interviews, in which order (unknown parameters are ignored, as on every list)."""

    model_config = ConfigDict(extra="ignore")

    sort: Sort = Field(default=Sort.NEWEST, description="Ties break by session id.")
    job: Id | None = Field(default=None, description="A job's id.")
    recommendation: Recommendation | None = None
    decision: Decision | None = Field(default=None, description="`pending`: no decision recorded yet.")
    flagged: bool | None = Field(
        default=None, description="true: at least one integrity or bias flag on its graded answers; false: none."
    )
    completed_from: date | None = Field(default=None, description="First UTC day it may have ended on (inclusive).")
    completed_to: date | None = Field(default=None, description="Last UTC day it may have ended on (inclusive).")

    @field_validator("completed_to")
    @classmethod
    def _not_before_from(cls, value: date | None, info: ValidationInfo) -> date | None:
        start = info.data.get("completed_from")
        if value is not None and start is not None and value < start:
            raise ValueError("must not be before completed_from")
        return value


class ResultsQuery(ResultsFilter):
    limit: Annotated[int, Field(ge=1, le=100)] = 20
    after: Annotated[str, Field(max_length=300)] | None = Field(
        default=None, description="The `next_after` of the previous page, with the same `sort`."
    )

    @field_validator("after")
    @classmethod
    def _a_cursor_of_this_sort(cls, value: str | None, info: ValidationInfo) -> str | None:
        sort = info.data.get("sort")
        if value is not None and sort is not None:
            Cursor.read(value, sort)
        return value

    def cursor(self) -> Cursor | None:
        return None if self.after is None else Cursor.read(self.after, self.sort)


SortKey = tuple[int | str, str]


@dataclass(frozen=True)
class Cursor:
    """Where a page ended: its sort, and the last row's sort key (the key, then the session id)."""

    sort: Sort
    key: SortKey

    def text(self) -> str:
        raw = json.dumps([self.sort.value, *self.key], separators=(",", ":")).encode()
        return base64.urlsafe_b64encode(raw).decode().rstrip("=")

    @classmethod
    def read(cls, text: str, sort: Sort) -> Cursor:
        """The cursor `text` encodes; ValueError (a 422 on `after`) if it is not one of ours for `sort`."""
        try:
            decoded = json.loads(base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)))
        except (binascii.Error, ValueError) as error:
            raise ValueError("not a cursor this list gave out") from error
        key_type = int if sort.by_score else str
        match decoded:
            case [str(of), key, str(session_id)] if of == sort.value and type(key) is key_type:
                return cls(sort, (key, session_id))
            case [str(), _, str()]:
                raise ValueError("a cursor from another sort: start again from the first page")
        raise ValueError("not a cursor this list gave out")


TRANSCRIPT_CHECKS = (
    "Graded spoken answers whose transcript a person should check against the recording: the speech engine "
    "was unsure of their words (`Answer.transcript_check`). Not a flag on the candidate."
)


class ResultRow(InterviewSession):
    """A completed interview as the results list shows it: the session, its job's title and its flags."""

    job_title: str
    integrity_flags: int = Field(description=INTEGRITY_FLAGS)
    bias_flags: int = Field(description="Graded answers whose question or grading was flagged for bias.")
    transcript_checks: int = Field(description=TRANSCRIPT_CHECKS)


class ComparedInterview(BaseModel):
    session_id: str
    candidate_name: str
    overall_score: int | None
    recommendation: Recommendation | None
    final_decision: Recommendation | None
    completed_at: Timestamp | None
    integrity_flags: int = Field(description=INTEGRITY_FLAGS)
    bias_flags: int
    transcript_checks: int = Field(description=TRANSCRIPT_CHECKS)
    skills: dict[str, float | None] = Field(
        description="Each of the job's core skills: the mean (1-10, one decimal) of its graded answers, or null."
    )


class Comparison(BaseModel):
    job_id: str
    job_title: str
    skills: list[str] = Field(description="The job's rubric core skills, in rubric order.")
    interviews: list[ComparedInterview] = Field(description="In the order asked.")


class CompareQuery(BaseModel):
    model_config = ConfigDict(extra="ignore")

    sessions: Annotated[str, Field(max_length=4 * 65)] = Field(
        description="2-4 distinct completed interviews of the job, comma-separated session ids."
    )

    @field_validator("sessions")
    @classmethod
    def _two_to_four_distinct(cls, value: str) -> str:
        ids = value.split(",")
        if not COMPARED[0] <= len(ids) <= COMPARED[1]:
            raise ValueError(f"name {COMPARED[0]} to {COMPARED[1]} interviews, comma-separated")
        if len(set(ids)) != len(ids):
            raise ValueError("name each interview once")
        for session_id in ids:
            _ID.validate_python(session_id)
        return value

    def ids(self) -> list[str]:
        return self.sessions.split(",")


@dataclass(frozen=True)
class Flags:
    """Each session's integrity flags (graded answers flagged, as `sessions.integrity_flags` counts them) and graded
    answers with a bias flag, counted by the store."""

    integrity: Mapping[Scalar, int]
    bias: Mapping[Scalar, int]

    def of(self, session_id: str) -> tuple[int, int]:
        return self.integrity.get(session_id, 0), self.bias.get(session_id, 0)


def graded_answers(workspace_id: str) -> dict[str, Scalar]:
    """The workspace's graded answers: a request to rephrase the question is not an answer."""
    return {"owner_id": workspace_id, "needs_clarification": False}


def flags_by_session(store: Store, workspace_id: str) -> Flags:
    graded = graded_answers(workspace_id)
    return Flags(
        integrity=store.count_by(Answer, "session_id", where={**graded, "is_cheating_suspected": True}),
        bias=store.count_by(Answer, "session_id", where={**graded, "bias_flag": True}),
    )


@dataclass
class _SkillMeans:
    """Per session and skill (compared case-insensitively), the mean of the answers' confidence scores that
    count towards the score (as `scoring.final_score` counts them: not one waiting for a person's grade)."""

    totals: defaultdict[tuple[str, str], list[int]] = field(default_factory=lambda: defaultdict(lambda: [0, 0]))

    def add(self, session_id: str, skill: str, score: int, times: int = 1) -> None:
        total = self.totals[session_id, skill.casefold()]
        total[0] += score * times
        total[1] += times

    def mean(self, session_id: str, skill: str) -> float | None:
        total, count = self.totals.get((session_id, skill.casefold()), (0, 0))
        if not count:
            return None
        return float((Decimal(total) / Decimal(count)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))


@dataclass(frozen=True)
class _Completed:
    """The workspace's completed interviews that pass the filter, in the filter's sort order."""

    rows: list[InterviewSession]
    flags: Flags
    transcript_checks: Mapping[Scalar, int]
    sort: Sort

    def key(self, session: InterviewSession) -> SortKey:
        """A total order: unscored interviews rank below every score, and the session id breaks ties."""
        if self.sort.by_score:
            return (-1 if session.overall_score is None else session.overall_score), session.id
        return (timestamp_text(session.ended_at) if session.ended_at else ""), session.id


def _completed(store: Store, caller: Caller, query: ResultsFilter) -> _Completed:
    flags = flags_by_session(store, caller.workspace_id)
    checks = _checks(query, flags)
    where: dict[str, Scalar] = {"owner_id": caller.workspace_id, "is_completed": True}
    rows = [s for s in every(store, InterviewSession, where=where, order_by="ended_at") if all(c(s) for c in checks)]
    unsure = {**graded_answers(caller.workspace_id), "transcript_check": True}
    completed = _Completed(rows, flags, store.count_by(Answer, "session_id", where=unsure), query.sort)
    rows.sort(key=completed.key, reverse=query.sort.descending)
    return completed


def _checks(query: ResultsFilter, flags: Flags) -> list[Callable[[InterviewSession], bool]]:
    checks: list[Callable[[InterviewSession], bool]] = []
    if query.job is not None:
        checks.append(lambda s: s.job_id == query.job)
    if query.recommendation is not None:
        checks.append(lambda s: s.recommendation == query.recommendation)
    if query.decision is Decision.PENDING:
        checks.append(lambda s: s.final_decision is None)
    elif query.decision is not None:
        checks.append(lambda s: s.final_decision is not None and s.final_decision.value == query.decision)
    if query.flagged is not None:
        checks.append(lambda s: (sum(flags.of(s.id)) > 0) == query.flagged)
    if query.completed_from is not None or query.completed_to is not None:
        first, last = query.completed_from or date.min, query.completed_to or date.max
        checks.append(lambda s: s.ended_at is not None and first <= s.ended_at.date() <= last)  # stored in UTC
    return checks


class _Jobs:
    """The jobs rows name, each read once."""

    def __init__(self, store: Store) -> None:
        self._store = store
        self._jobs: dict[str, Job | None] = {}

    def get(self, job_id: str) -> Job | None:
        if job_id not in self._jobs:
            self._jobs[job_id] = self._store.get(Job, job_id)
        return self._jobs[job_id]

    def title(self, job_id: str) -> str:
        job = self.get(job_id)
        return job.title if job else ""


def page(store: Store, caller: Caller, query: ResultsQuery) -> Page[ResultRow]:
    completed = _completed(store, caller, query)
    rows = completed.rows
    cursor = query.cursor()
    if cursor is not None:
        after = cursor.key
        descending = query.sort.descending
        rows = [s for s in rows if (completed.key(s) < after if descending else completed.key(s) > after)]
    jobs = _Jobs(store)

    def row(session: InterviewSession) -> ResultRow:
        integrity, bias = completed.flags.of(session.id)
        return ResultRow(
            **session.model_dump(),
            job_title=jobs.title(session.job_id),
            integrity_flags=integrity,
            bias_flags=bias,
            transcript_checks=completed.transcript_checks.get(session.id, 0),
        )

    items = [row(session) for session in rows[: query.limit]]
    more = len(rows) > query.limit
    return Page(items, Cursor(query.sort, completed.key(rows[query.limit - 1])).text() if more else None)


EXPORT_COLUMNS = (
    "session_id",
    "candidate_name",
    "candidate_email",
    "job_id",
    "job_title",
    "completed_at",
    "overall_score",
    "recommendation",
    "decision",
    "decided_by",
    "integrity_flags",
    "bias_flags",
    "transcript_checks",
)


@dataclass(frozen=True)
class Export:
    rows: int
    lines: Iterator[str]


def export(store: Store, caller: Caller, query: ResultsFilter) -> Export:
    """Every matching interview as CSV lines, one per interview, with a column per skill of their jobs' rubrics.

    Everything is read before the first line (the lines only format it), so the audit entry names the rows
    the caller is about to receive.
    """
    completed = _completed(store, caller, query)
    jobs = _Jobs(store)
    skills = _first_seen(
        skill
        for session in completed.rows
        if (job := jobs.get(session.job_id))
        for skill in job.rubric_template.core_skills
    )
    means = _SkillMeans()
    counts = store.group_count(
        Answer,
        ("session_id", "skill", "confidence_score", "needs_human_grade"),
        where=graded_answers(caller.workspace_id),
    )
    for (session_id, skill, score, waiting), times in counts.items():
        if isinstance(score, int) and not waiting:
            means.add(str(session_id), str(skill), score, times)
    deciders = _names(store, {s.decided_by for s in completed.rows if s.decided_by})
    jobs_titles = {s.job_id: jobs.title(s.job_id) for s in completed.rows}
    audit.record(store, caller.actor, "results.exported", rows=len(completed.rows), sort=query.sort.value)

    def cells(session: InterviewSession) -> list[str | int | None]:
        integrity, bias = completed.flags.of(session.id)
        return [
            session.id,
            spreadsheet_text(session.candidate_name),
            spreadsheet_text(session.candidate_email),
            session.job_id,
            spreadsheet_text(jobs_titles[session.job_id]),
            timestamp_text(session.ended_at) if session.ended_at else None,
            session.overall_score,
            session.recommendation.value if session.recommendation else None,
            session.final_decision.value if session.final_decision else Decision.PENDING.value,
            spreadsheet_text(deciders.get(session.decided_by or "", "")),
            integrity,
            bias,
            completed.transcript_checks.get(session.id, 0),
            *(_one_decimal(means.mean(session.id, skill)) for skill in skills),
        ]

    header = [*EXPORT_COLUMNS, *(spreadsheet_text(f"skill: {skill}") for skill in skills)]
    return Export(len(completed.rows), _csv_lines([header, *map(cells, completed.rows)]))


def _first_seen(skills: Iterable[str]) -> list[str]:
    """Each skill once (case-insensitively), spelled and placed as first seen."""
    seen: dict[str, str] = {}
    for skill in skills:
        seen.setdefault(skill.casefold(), skill)
    return list(seen.values())


def _names(store: Store, user_ids: set[str]) -> dict[str, str]:
    users = {user_id: store.get(User, user_id) for user_id in user_ids}
    return {user_id: user.full_name for user_id, user in users.items() if user is not None}


def spreadsheet_text(value: str) -> str:
    """A cell a spreadsheet shows as the text it is, never runs as a formula."""
    return f"'{value}" if value.startswith(FORMULA_STARTS) else value


def _one_decimal(mean: float | None) -> str | None:
    return None if mean is None else f"{mean:.1f}"


def _csv_lines(rows: Iterable[list[Any]]) -> Iterator[str]:
    """The rows as CSV text, a line at a time (None is an empty cell)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for row in rows:
        writer.writerow(row)
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()


def compare(store: Store, caller: Caller, job_id: str, session_ids: list[str]) -> Comparison:
    """The interviews side by side; it shows their graded answers' scores, so each read is audited."""
    job = owned_job(store, caller, job_id)
    sessions = [owned_session(store, caller, session_id) for session_id in session_ids]
    if any(session.job_id != job.id for session in sessions):
        raise NotFound("no such session for this job")
    if unfinished := [session.id for session in sessions if not session.is_completed]:
        raise Conflict(f"these interviews have not ended: {', '.join(unfinished)}")
    skills = job.rubric_template.core_skills
    interviews = []
    for session in sessions:
        answers = [a for a in all_of(store, Answer, session.id, "turn_index") if not a.needs_clarification]
        means = _SkillMeans()
        for answer in answers:
            if not answer.needs_human_grade:
                means.add(session.id, answer.skill, answer.confidence_score)
        interviews.append(
            ComparedInterview(
                session_id=session.id,
                candidate_name=session.candidate_name,
                overall_score=session.overall_score,
                recommendation=session.recommendation,
                final_decision=session.final_decision,
                completed_at=session.ended_at,
                integrity_flags=integrity_flags(answers),
                bias_flags=sum(a.bias_flag for a in answers),
                transcript_checks=sum(a.transcript_check for a in answers),
                skills={skill: means.mean(session.id, skill) for skill in skills},
            )
        )
        audit.record(store, caller.actor, "session.answers_read", session_id=session.id, via="compare")
    return Comparison(job_id=job.id, job_title=job.title, skills=skills, interviews=interviews)


def today() -> date:
    """The UTC day, which names an export's file."""
    return utcnow().date()
