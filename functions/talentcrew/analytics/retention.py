"""Retention: completed interviews older than their account's retention period are erased.

An account sets `retention_days` (30 to 3650) or keeps interviews until it erases them (null). The
erasure is the recruiter's own (`sessions.erase_session`: answers, drafts, questions, signals,
reviews, invites, self-identification, scorecard), done on their behalf and audited as theirs.

Answer drafts whose session is gone are deleted too, whoever owned it: the relay checks that a
session stands before it writes a draft, but not atomically, so a connection live while its session
is erased can leave one behind.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from pydantic import BaseModel, Field

from talentcrew import sessions
from talentcrew.models import Answer, AnswerDraft, InterviewSession, User, timestamp_text
from talentcrew.ports import Between, Blobs, Store, every


class Retention(BaseModel):
    retention_days: int | None = Field(description="The account's period; null: interviews are kept.")
    sessions_erased: int = 0
    answers_erased: int = 0


def enforce_retention(store: Store, blobs: Blobs, user: User, now: datetime) -> Retention:
    """Erases the account's completed interviews that ended before `now - retention_days`."""
    if user.retention_days is None:
        return Retention(retention_days=None)
    ended_before = Between("ended_at", "", timestamp_text(now - timedelta(days=user.retention_days)))
    rows = store.group_count(
        InterviewSession, ("id",), where={"owner_id": user.id, "is_completed": True}, between=ended_before
    )
    expired = sorted(str(session_id) for (session_id,) in rows)
    answers = 0
    for session_id in expired:
        answers += store.count(Answer, where={"session_id": session_id})
        sessions.erase_session(store, blobs, user, session_id)
    return Retention(retention_days=user.retention_days, sessions_erased=len(expired), answers_erased=answers)


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
