"""Retention, the daily step that erases what a workspace's retention period has run out on.

A workspace's owner sets `retention_days` (30 to 3650) or keeps interviews until they are erased
(null). Each tick (`talentcrew.retention.tick`, daily) erases every workspace's completed interviews
that ended more than that many days before the tick's day. The erasure is the one a recruiter asks
for (`sessions.erase`: answers and their recordings, drafts, questions, signals, reviews, invites,
self-identification, scorecard), audited as done by `retention`. What it erased is recorded per workspace and day
(`RetentionRun`): the daily analytics report shows it to the members, and a redelivered tick finds
the record and erases nothing twice.

Answer drafts whose session is gone are deleted too, whoever owned it: a draft is written after a
check that its session stands, not atomically with it, so a connection live while its session is
erased can leave one behind.

This is its own step, not part of the analytics report, because it deletes data: it runs with the
few roles that takes (the store, deleting scorecards and recordings) and none of the analytics' (the brain).
"""

from __future__ import annotations

import logging
from datetime import UTC, date, datetime, time, timedelta
from typing import ClassVar

from pydantic import Field

from talentcrew import audit, sessions
from talentcrew.models import Answer, AnswerDraft, Document, InterviewSession, Timestamp, timestamp_text, utcnow
from talentcrew.ports import Between, Blobs, Store, every
from talentcrew.workspaces import Workspace, migrate_accounts

log = logging.getLogger(__name__)


class RetentionRun(Document):
    """What one day's retention step erased of one workspace (id `<day>-<workspace id>`: written once)."""

    collection: ClassVar[str] = "retention_runs"

    owner_id: str
    day: date
    ran_at: Timestamp = Field(default_factory=utcnow)
    retention_days: int | None = Field(description="The workspace's period; null: interviews are kept.")
    sessions_erased: int = 0
    answers_erased: int = 0


def run_id(owner_id: str, day: date) -> str:
    return f"{day.isoformat()}-{owner_id}"


def run(store: Store, blobs: Blobs, day: date) -> list[RetentionRun]:
    """Erases what is due on `day` for every workspace without a record for it; returns the records written."""
    drafts = erase_orphan_drafts(store)
    if drafts:
        log.info("retention: deleted %d answer drafts of erased interviews", drafts, extra={"day": str(day)})
    written = []
    migrate_accounts(store)
    for workspace in every(store, Workspace, where={}):
        if store.get(RetentionRun, run_id(workspace.id, day)) is not None:
            continue  # this day was handled already: a retried or repeated tick erases nothing more
        record = enforce_retention(store, blobs, workspace, day)
        if store.create(record):
            if record.sessions_erased:
                log.info(
                    "retention: erased %d interviews of workspace %s",
                    record.sessions_erased,
                    workspace.id,
                    extra={"owner_id": workspace.id, "day": str(day), "answers_erased": record.answers_erased},
                )
            written.append(record)
    return written


def enforce_retention(store: Store, blobs: Blobs, workspace: Workspace, day: date) -> RetentionRun:
    """Erases the workspace's completed interviews that ended before the start of `day` less its period."""
    if workspace.retention_days is None:
        return RetentionRun(id=run_id(workspace.id, day), owner_id=workspace.id, day=day, retention_days=None)
    start = datetime.combine(day, time(), UTC)
    ended_before = Between("ended_at", "", timestamp_text(start - timedelta(days=workspace.retention_days)))
    rows = store.group_count(
        InterviewSession, ("id",), where={"owner_id": workspace.id, "is_completed": True}, between=ended_before
    )
    expired = sorted(str(session_id) for (session_id,) in rows)
    answers = 0
    retention = audit.Actor(workspace.id, "retention", "retention")
    for session_id in expired:
        answers += store.count(Answer, where={"session_id": session_id})
        session = store.get(InterviewSession, session_id)
        if session is not None:
            sessions.erase(store, blobs, session, retention)
    return RetentionRun(
        id=run_id(workspace.id, day),
        owner_id=workspace.id,
        day=day,
        retention_days=workspace.retention_days,
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
