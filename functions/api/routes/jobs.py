"""Jobs and their rubrics."""

from __future__ import annotations

from typing import Any

from flask_openapi3 import APIBlueprint, Tag
from http_problems import ERRORS, Problem
from pydantic import BaseModel, Field, ValidationError
from pydantic.json_schema import SkipJsonSchema
from pydantic_core import InitErrorDetails

from api.http import BEARER, IdPath, Paged, PageQuery, caller, paged
from talentcrew import jobs, webhooks
from talentcrew.api_keys import Scope
from talentcrew.config import Platform, brain_writes_questions
from talentcrew.interview.bank import bank
from talentcrew.interview.coverage import SkillCoverage, coverage, require_askable
from talentcrew.jobs import JobDraft, NewJob
from talentcrew.models import Job
from talentcrew.ports import Page
from talentcrew.workspaces import Role

TAG = Tag(name="jobs", description="Jobs and their interview rubrics (the caller's workspace)")


class JobInfo(Job):
    """A job as its owner reads it: all but the webhook's signing secret, which is shown only when it is made."""

    webhook_secret: SkipJsonSchema[str | None] = Field(default=None, exclude=True)


class JobView(JobInfo):
    coverage: list[SkillCoverage] = Field(
        description="Each core skill and where the interview gets its questions (the bank, the configured brain, "
        "or none: the candidate is told a recruiter will cover it)."
    )


class CreatedJob(JobView):
    webhook_secret: str | None = Field(
        default=None,
        description="With a webhook: the secret signing its notifications (HMAC-SHA256). Shown this once: keep it "
        "now, or replace it later at webhook-secret/.",
    )


class WebhookSecret(BaseModel):
    webhook_secret: str = Field(
        description="The job's new signing secret, shown this once; notifications are signed with it from now on."
    )


def covered(platform: Platform, job: Job) -> list[SkillCoverage]:
    return coverage(
        job.rubric_template, job.questions, job.interview_length, bank(), brain_writes_questions(platform.settings)
    )


def askable(platform: Platform) -> jobs.Check:
    """A job none of whose skills can be asked is refused: its candidates could never start."""
    return lambda job: require_askable(covered(platform, job), bank())


def acceptable(platform: Platform) -> jobs.Check:
    """What a saved job must be: askable, and its webhook (if any) a destination webhooks may go to. A refused
    destination is a 422 on its field, like any other invalid value."""
    check_askable = askable(platform)

    def check(job: Job) -> None:
        check_askable(job)
        if job.webhook_url is None:
            return
        try:
            webhooks.check_destination(job.webhook_url, platform.settings.allow_private_webhooks)
        except webhooks.Refused as refused:
            error = InitErrorDetails(
                type="value_error", loc=("webhook_url",), input=job.webhook_url, ctx={"error": refused}
            )
            raise ValidationError.from_exception_data("Job", [error]) from refused

    return check


def blueprint(platform: Platform) -> APIBlueprint:
    bp = APIBlueprint("jobs", __name__, abp_tags=[TAG])
    store = platform.store

    def view(job: Job) -> dict[str, Any]:
        return JobView(**job.model_dump(), coverage=covered(platform, job)).model_dump(mode="json")

    @bp.post("/api/jobs/", responses={201: CreatedJob, **ERRORS}, security=BEARER)
    def create(body: NewJob) -> tuple[dict[str, Any], int]:
        """Creates a job with its rubric (languages, core skills, experience level, focus), its interview length
        and, optionally, questions of the recruiter's own and a webhook (https, public addresses only); 422 if no
        skill of it can be asked or the webhook cannot be. The answer says how each skill is covered and, with a
        webhook, holds its signing secret: the only answer that does."""
        job = jobs.create_job(store, caller(platform, Role.RECRUITER), body, acceptable(platform))
        secret = {"webhook_secret": job.webhook_secret} if job.webhook_secret else {}
        return {**view(job), **secret}, 201

    @bp.get("/api/jobs/", responses={200: Paged[JobInfo], **ERRORS}, security=BEARER)
    def list_(query: PageQuery) -> dict[str, Any]:
        """The workspace's jobs, newest first."""
        page = jobs.list_jobs(store, caller(platform, scope=Scope.JOBS_READ), query.after, query.limit)
        return paged(Page([JobInfo(**job.model_dump()) for job in page.items], page.next_after))

    @bp.get("/api/jobs/<id>/", responses={200: JobView, **ERRORS}, security=BEARER)
    def get(path: IdPath) -> dict[str, Any]:
        return view(jobs.owned_job(store, caller(platform, scope=Scope.JOBS_READ), path.id))

    @bp.put("/api/jobs/<id>/", responses={200: JobView, **ERRORS}, security=BEARER)
    def update(path: IdPath, body: JobDraft) -> dict[str, Any]:
        """Replaces the job (its own questions are edited at its questions/); a changed rubric gets the next
        rubric_version; 422 if no skill of it can be asked or the webhook cannot be. The webhook's signing secret
        stays while it has one (never shown here)."""
        return view(jobs.update_job(store, caller(platform, Role.RECRUITER), path.id, body, acceptable(platform)))

    @bp.post("/api/jobs/<id>/webhook-secret/", responses={200: WebhookSecret, 409: Problem, **ERRORS}, security=BEARER)
    def rotate_secret(path: IdPath) -> dict[str, Any]:
        """Replaces the signing secret of the job's webhook and shows the new one, this once (audited); 409 if the
        job has no webhook. A job given its first webhook by a PUT gets a secret no answer shows: make it here."""
        return WebhookSecret(
            webhook_secret=jobs.rotate_webhook_secret(store, caller(platform, Role.RECRUITER), path.id)
        ).model_dump()

    @bp.delete("/api/jobs/<id>/", responses={204: None, 409: Problem, **ERRORS}, security=BEARER)
    def delete(path: IdPath) -> tuple[str, int]:
        """Deletes a job that has no interview sessions."""
        jobs.delete_job(store, caller(platform, Role.RECRUITER), path.id)
        return "", 204

    return bp
