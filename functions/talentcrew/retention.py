"""Retention, the daily step that erases what an account's retention period has run out on.

An account sets `retention_days` (30 to 3650) or keeps interviews until it erases them (null). Each
tick (`talentcrew.retention.tick`, daily) erases every account's completed interviews that ended
more than that many days before the tick's day. The erasure is the recruiter's own
(`sessions.erase_session`: answers, drafts, questions, signals, reviews, invites,
self-identification, scorecard), done on their behalf and audited as theirs. What it erased is
recorded per account and day (`RetentionRun`): the daily analytics report shows it to the recruiter,
and a redelivered tick finds the record and erases nothing twice.

Answer drafts whose session is gone are deleted too, whoever owned it: a draft is written after a
check that its session stands, not atomically with it, so a connection live while its session is
erased can leave one behind.

This is its own step, not part of the analytics report, because it deletes data: it runs with the
few roles that takes (the store, deleting scorecards) and none of the analytics' (the brain).
"""

from __future__ import annotations

import logging
from datetime import UTC, date, datetime, time, timedelta
from typing import ClassVar

from pydantic import Field

from talentcrew import sessions
from talentcrew.models import Answer, AnswerDraft, Document, InterviewSession, Timestamp, User, timestamp_text, utcnow
from talentcrew.ports import Between, Blobs, Store, every

log = logging.getLogger(__name__)


class RetentionRun(Document):
    """What one day's retention step erased of one account (id `<day>-<owner id>`: written once)."""

    collection: ClassVar[str] = "retention_runs"

    owner_id: str
    day: date
    ran_at: Timestamp = Field(default_factory=utcnow)
    retention_days: int | None = Field(description="The account's period; null: interviews are kept.")
    sessions_erased: int = 0
    answers_erased: int = 0


def run_id(owner_id: str, day: date) -> str:
    return f"{day.isoformat()}-{owner_id}"


def run(store: Store, blobs: Blobs, day: date) -> list[RetentionRun]:
    """Erases what is due on `day` for every account without a record for it; returns the records written."""
    drafts = erase_orphan_drafts(store)
    if drafts:
        log.info("retention: deleted %d answer drafts of erased interviews", drafts, extra={"day": str(day)})
    written = []
    for user in every(store, User, where={}):
        if store.get(RetentionRun, run_id(user.id, day)) is not None:
            continue  # this day was handled already: a retried or repeated tick erases nothing more
        record = enforce_retention(store, blobs, user, day)
        if store.create(record):
            if record.sessions_erased:
                log.info(
                    "retention: erased %d interviews of account %s",
                    record.sessions_erased,
                    user.id,
                    extra={"owner_id": user.id, "day": str(day), "answers_erased": record.answers_erased},
                )
            written.append(record)
    return written


def enforce_retention(store: Store, blobs: Blobs, user: User, day: date) -> RetentionRun:
    """Erases the account's completed interviews that ended before the start of `day` less its period."""
    if user.retention_days is None:
        return RetentionRun(id=run_id(user.id, day), owner_id=user.id, day=day, retention_days=None)
    start = datetime.combine(day, time(), UTC)
    ended_before = Between("ended_at", "", timestamp_text(start - timedelta(days=user.retention_days)))
    rows = store.group_count(
        InterviewSession, ("id",), where={"owner_id": user.id, "is_completed": True}, between=ended_before
    )
    expired = sorted(str(session_id) for (session_id,) in rows)
    answers = 0
    for session_id in expired:
        answers += store.count(Answer, where={"session_id": session_id})
        sessions.erase_session(store, blobs, user, session_id)
    return RetentionRun(
        id=run_id(user.id, day),
        owner_id=user.id,
        day=day,
        retention_days=user.retention_days,
        sessions_erased=len(expired),
        answers_erased=answers,
    )


def erase_orphan_drafts(store: Store) -> int:
    """Deletes every answer draft whose session no longer exists; returns how many."""
    standing: dict[str, bool] = {}
    erased = 0
    for draft in every(store, AnswerDraft, where={}):
        if draft.session_id not in standing:
            standing[draft.session_id] = store.get(InterviewSession, draft.session_id) is not None
        if not standing[draft.session_id]:
            store.delete(AnswerDraft, draft.id)
            erased += 1
    return erased
