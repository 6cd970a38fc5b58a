"""Retention: completed interviews older than their account's retention period are erased.

An account sets `retention_days` (30 to 3650) or keeps interviews until it erases them (null). The
erasure is the recruiter's own (`sessions.erase_session`: answers, drafts, questions, signals,
reviews, invites, self-identification, scorecard), done on their behalf and audited as theirs.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from pydantic import BaseModel, Field

from talentcrew import sessions
from talentcrew.models import Answer, InterviewSession, User, timestamp_text
from talentcrew.ports import Between, Blobs, Store


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
