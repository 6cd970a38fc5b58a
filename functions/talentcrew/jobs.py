"""Jobs and their rubrics, each visible to its owner alone."""

from __future__ import annotations

import secrets
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from talentcrew import audit
from talentcrew.errors import Conflict
from talentcrew.models import (
    HireThreshold,
    InterviewSession,
    Job,
    Rubric,
    ShortText,
    SkillList,
    User,
    WebhookUrl,
)
from talentcrew.ports import Page, Store
from talentcrew.scoring import HIRE_THRESHOLD
from talentcrew.tenancy import owned


class JobDraft(BaseModel):
    """A job as a recruiter writes it (the prototype's field names)."""

    model_config = ConfigDict(extra="forbid")

    title: ShortText
    stack: Annotated[SkillList, Field(max_length=20)] = []
    rubric_template: Rubric
    hire_threshold: HireThreshold = HIRE_THRESHOLD
    webhook_url: WebhookUrl | None = None


def owned_job(store: Store, caller: User, job_id: str) -> Job:
    return owned(store, Job, caller, job_id)


def _webhook_secret(draft: JobDraft, current: str | None) -> str | None:
    """A job with a webhook gets a signing secret once, and keeps it while the webhook stays."""
    if draft.webhook_url is None:
        return None
    return current or secrets.token_urlsafe(32)


def create_job(store: Store, caller: User, draft: JobDraft) -> Job:
    job = Job(owner_id=caller.id, webhook_secret=_webhook_secret(draft, None), **draft.model_dump())
    store.create(job)
    audit.record(store, owner_id=caller.id, actor=caller.id, action="job.created", job_id=job.id)
    return job


def list_jobs(store: Store, caller: User, after: str | None, limit: int) -> Page[Job]:
    return store.query(
        Job, where={"owner_id": caller.id}, order_by="created_at", descending=True, after=after, limit=limit
    )


def update_job(store: Store, caller: User, job_id: str, draft: JobDraft) -> Job:
    """A changed rubric is a new rubric version: scores always name the version they used."""
    job = owned_job(store, caller, job_id)
    changes = {**draft.model_dump(), "webhook_secret": _webhook_secret(draft, job.webhook_secret)}
    if draft.rubric_template != job.rubric_template:
        changes["rubric_version"] = job.rubric_version + 1
    updated = store.update(Job, job.id, changes)
    audit.record(
        store,
        owner_id=caller.id,
        actor=caller.id,
        action="job.updated",
        job_id=job.id,
        rubric_version=updated.rubric_version,
    )
    return updated


def delete_job(store: Store, caller: User, job_id: str) -> None:
    """Refused while sessions exist: deleting a job must never erase interviews as a side effect."""
    job = owned_job(store, caller, job_id)
    if store.count(InterviewSession, where={"job_id": job.id}):
        raise Conflict("this job has interview sessions; delete them first")
    store.delete(Job, job.id)
    audit.record(store, owner_id=caller.id, actor=caller.id, action="job.deleted", job_id=job.id)
