"""The audit trail: who changed what, and who read a candidate's answers, and when.

Entries are only ever appended. They name resources by id and never copy a candidate's answers,
so erasing a session leaves a record that it happened without keeping what was erased.
"""

from __future__ import annotations

from typing import ClassVar, NamedTuple

from pydantic import Field

from talentcrew.models import Document, Timestamp, sortable_id, utcnow
from talentcrew.ports import Page, Scalar, Store


class Actor(NamedTuple):
    """Who acts, in which workspace: a member (user id and name), or the platform on the workspace's behalf."""

    owner_id: str
    id: str
    name: str


class AuditEntry(Document):
    collection: ClassVar[str] = "audit"

    id: str = Field(default_factory=sortable_id)
    owner_id: str = Field(description="The workspace.")
    actor: str = Field(
        description="The member's user id; 'candidate' for the invite holder; 'report' or 'retention' for the platform."
    )
    actor_name: str = Field(default="", description="The member's name when they acted.")
    action: str = Field(examples=["job.updated", "session.answers_read"])
    session_id: str | None = None
    job_id: str | None = None
    detail: dict[str, Scalar | None] = Field(default_factory=dict)
    at: Timestamp = Field(default_factory=utcnow)


def record(
    store: Store,
    actor: Actor,
    action: str,
    *,
    session_id: str | None = None,
    job_id: str | None = None,
    **detail: Scalar | None,
) -> None:
    store.create(
        AuditEntry(
            owner_id=actor.owner_id,
            actor=actor.id,
            actor_name=actor.name,
            action=action,
            session_id=session_id,
            job_id=job_id,
            detail=detail,
        )
    )


def for_session(store: Store, session_id: str, after: str | None, limit: int) -> Page[AuditEntry]:
    """Oldest first. The caller must already own the session."""
    return store.query(AuditEntry, where={"session_id": session_id}, order_by="id", after=after, limit=limit)
