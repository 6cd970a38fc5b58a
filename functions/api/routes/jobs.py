"""Jobs and their rubrics."""

from __future__ import annotations

from typing import Any

from flask_openapi3 import APIBlueprint, Tag
from pydantic import Field

from api.http import BEARER, IdPath, Paged, PageQuery, caller, paged
from api.problems import ERRORS, Problem
from talentcrew import jobs
from talentcrew.config import Platform, brain_writes_questions
from talentcrew.interview.bank import bank
from talentcrew.interview.coverage import SkillCoverage, coverage, require_askable
from talentcrew.jobs import JobDraft, NewJob
from talentcrew.models import Job

TAG = Tag(name="jobs", description="Jobs and their interview rubrics (the caller's own)")


class JobView(Job):
    coverage: list[SkillCoverage] = Field(
        description="Each core skill and where the interview gets its questions (the bank, the configured brain, "
        "or none: the candidate is told a recruiter will cover it)."
    )


def covered(platform: Platform, job: Job) -> list[SkillCoverage]:
    return coverage(
        job.rubric_template, job.questions, job.interview_length, bank(), brain_writes_questions(platform.settings)
    )


def askable(platform: Platform) -> jobs.Check:
    """A job none of whose skills can be asked is refused: its candidates could never start."""
    return lambda job: require_askable(covered(platform, job), bank())


def blueprint(platform: Platform) -> APIBlueprint:
    bp = APIBlueprint("jobs", __name__, abp_tags=[TAG])
    store = platform.store

    def view(job: Job) -> dict[str, Any]:
        return {**job.model_dump(mode="json"), "coverage": [c.model_dump(mode="json") for c in covered(platform, job)]}

    @bp.post("/api/jobs/", responses={201: JobView, **ERRORS}, security=BEARER)
    def create(body: NewJob) -> tuple[dict[str, Any], int]:
        """Creates a job with its rubric (languages, core skills, experience level, focus), its interview length
        and, optionally, questions of the recruiter's own; 422 if no skill of it can be asked. The answer says how
        each skill is covered."""
        return view(jobs.create_job(store, caller(platform), body, askable(platform))), 201

    @bp.get("/api/jobs/", responses={200: Paged[Job], **ERRORS}, security=BEARER)
    def list_(query: PageQuery) -> dict[str, Any]:
        """The caller's jobs, newest first."""
        return paged(jobs.list_jobs(store, caller(platform), query.after, query.limit))

    @bp.get("/api/jobs/<id>/", responses={200: JobView, **ERRORS}, security=BEARER)
    def get(path: IdPath) -> dict[str, Any]:
        return view(jobs.owned_job(store, caller(platform), path.id))

    @bp.put("/api/jobs/<id>/", responses={200: JobView, **ERRORS}, security=BEARER)
    def update(path: IdPath, body: JobDraft) -> dict[str, Any]:
        """Replaces the job (its own questions are edited at its questions/); a changed rubric gets the next
        rubric_version; 422 if no skill of it can be asked."""
        return view(jobs.update_job(store, caller(platform), path.id, body, askable(platform)))

    @bp.delete("/api/jobs/<id>/", responses={204: None, 409: Problem, **ERRORS}, security=BEARER)
    def delete(path: IdPath) -> tuple[str, int]:
        """Deletes a job that has no interview sessions."""
        jobs.delete_job(store, caller(platform), path.id)
        return "", 204

    return bp
