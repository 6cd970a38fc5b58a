"""Jobs and their rubrics, each visible to its owner alone."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

from talentcrew import audit
from talentcrew.errors import Conflict, NotFound, Unaskable
from talentcrew.models import (
    DEFAULT_INTERVIEW_LENGTH,
    MAX_OWN_QUESTIONS,
    HireThreshold,
    InterviewLength,
    InterviewSession,
    Job,
    JobQuestion,
    QuestionDraft,
    Rubric,
    ShortText,
    SkillList,
    WebhookUrl,
    check_questions,
)
from talentcrew.ports import Page, Store
from talentcrew.scoring import HIRE_THRESHOLD
from talentcrew.tenancy import owned
from talentcrew.workspaces import Caller


class JobDraft(BaseModel):
    """A job as a recruiter writes it (the prototype's field names)."""

    model_config = ConfigDict(extra="forbid")

    title: ShortText
    stack: Annotated[SkillList, Field(max_length=20)] = []
    rubric_template: Rubric
    hire_threshold: HireThreshold = HIRE_THRESHOLD
    webhook_url: WebhookUrl | None = None
    interview_length: InterviewLength = DEFAULT_INTERVIEW_LENGTH
    record_answers: bool = Field(
        default=False,
        description="Record each spoken answer for review (off by default). It applies to candidates invited from now "
        "on, whose consent notice says so.",
    )


class NewJob(JobDraft):
    """A job as first written: it may bring the recruiter's own questions (later edited at its questions)."""

    questions: Annotated[list[QuestionDraft], Field(max_length=MAX_OWN_QUESTIONS)] = []

    @model_validator(mode="after")
    def _questions_fit(self) -> NewJob:
        check_questions(self.rubric_template, self.questions)
        return self


Check = Callable[[Job], None]
"""Refuses a job that no interview could be held for (the API checks the job's coverage)."""


def owned_job(store: Store, caller: Caller, job_id: str) -> Job:
    return owned(store, Job, caller, job_id)


def _webhook_secret(draft: JobDraft, current: str | None) -> str | None:
    """A job with a webhook has a signing secret, and keeps it while the webhook stays. It is shown only when made
    at the job's creation; one made when a saved job gets its first webhook is seen by rotating it."""
    if draft.webhook_url is None:
        return None
    return current or _new_webhook_secret()


def _new_webhook_secret() -> str:
    return secrets.token_urlsafe(32)


def create_job(store: Store, caller: Caller, draft: NewJob, check: Check) -> Job:
    job = Job(
        owner_id=caller.workspace_id,
        webhook_secret=_webhook_secret(draft, None),
        **draft.model_dump(exclude={"questions"}),
        questions=[JobQuestion(**q.model_dump()) for q in draft.questions],
    )
    check(job)
    store.create(job)
    audit.record(store, caller.actor, "job.created", job_id=job.id)
    return job


def list_jobs(store: Store, caller: Caller, after: str | None, limit: int) -> Page[Job]:
    return store.query(
        Job, where={"owner_id": caller.workspace_id}, order_by="created_at", descending=True, after=after, limit=limit
    )


def update_job(store: Store, caller: Caller, job_id: str, draft: JobDraft, check: Check) -> Job:
    """A changed rubric is a new rubric version: scores always name the version they used."""
    job = owned_job(store, caller, job_id)
    changes = {**draft.model_dump(), "webhook_secret": _webhook_secret(draft, job.webhook_secret)}
    if draft.rubric_template != job.rubric_template:
        changes["rubric_version"] = job.rubric_version + 1
    return _save(store, caller, job, changes, check, "job.updated")


def _save(store: Store, caller: Caller, job: Job, changes: dict[str, Any], check: Check, action: str) -> Job:
    """Stores the changes once the job they make passes `check`, and records who made them."""
    check(Job.model_validate({**job.model_dump(), **changes}))
    updated = store.update(Job, job.id, changes)
    audit.record(store, caller.actor, action, job_id=job.id, rubric_version=updated.rubric_version)
    return updated


def rotate_webhook_secret(store: Store, caller: Caller, job_id: str) -> str:
    """Replaces the signing secret of the job's webhook; the new one is returned, to be shown this once, and signs
    every notification from now on."""
    job = owned_job(store, caller, job_id)
    if job.webhook_url is None:
        raise Conflict("this job has no webhook, so no signing secret; give it a webhook URL first")
    secret = _new_webhook_secret()
    store.update(Job, job.id, {"webhook_secret": secret})
    audit.record(store, caller.actor, "job.webhook_secret_rotated", job_id=job.id)
    return secret


def delete_job(store: Store, caller: Caller, job_id: str) -> None:
    """Refused while sessions exist: deleting a job must never erase interviews as a side effect."""
    job = owned_job(store, caller, job_id)
    if store.count(InterviewSession, where={"job_id": job.id}):
        raise Conflict("this job has interview sessions; delete them first")
    store.delete(Job, job.id)
    audit.record(store, caller.actor, "job.deleted", job_id=job.id)


def owned_question(store: Store, caller: Caller, job_id: str, question_id: str) -> tuple[Job, JobQuestion]:
    job = owned_job(store, caller, job_id)
    found = next((q for q in job.questions if q.id == question_id), None)
    if found is None:
        raise NotFound("no such question")
    return job, found


def _set_questions(store: Store, caller: Caller, job: Job, questions: list[JobQuestion], check: Check) -> Job:
    """The job's own questions are part of its rubric: every change is a new rubric version."""
    try:
        check_questions(job.rubric_template, questions)
    except ValueError as error:
        raise Unaskable(str(error)) from error
    if len(questions) > MAX_OWN_QUESTIONS:
        raise Conflict(f"a job keeps at most {MAX_OWN_QUESTIONS} questions of its own")
    changes = {"questions": [q.model_dump() for q in questions], "rubric_version": job.rubric_version + 1}
    return _save(store, caller, job, changes, check, "job.questions_changed")


def add_question(store: Store, caller: Caller, job_id: str, draft: QuestionDraft, check: Check) -> JobQuestion:
    job = owned_job(store, caller, job_id)
    question = JobQuestion(**draft.model_dump())
    _set_questions(store, caller, job, [*job.questions, question], check)
    return question


def replace_question(
    store: Store, caller: Caller, job_id: str, question_id: str, draft: QuestionDraft, check: Check
) -> JobQuestion:
    job, _ = owned_question(store, caller, job_id, question_id)
    question = JobQuestion(id=question_id, **draft.model_dump())
    _set_questions(store, caller, job, [question if q.id == question_id else q for q in job.questions], check)
    return question


def delete_question(store: Store, caller: Caller, job_id: str, question_id: str, check: Check) -> None:
    """Refused (422) when the job's interview would then have nothing to ask."""
    job, _ = owned_question(store, caller, job_id, question_id)
    _set_questions(store, caller, job, [q for q in job.questions if q.id != question_id], check)
