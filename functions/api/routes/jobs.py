"""Jobs and their rubrics."""

from __future__ import annotations

from typing import Any

from flask_openapi3 import APIBlueprint, Tag

from api.http import BEARER, IdPath, Paged, PageQuery, caller, paged
from api.problems import ERRORS, Problem
from talentcrew import jobs
from talentcrew.config import Platform
from talentcrew.jobs import JobDraft
from talentcrew.models import Job

TAG = Tag(name="jobs", description="Jobs and their interview rubrics (the caller's own)")


def blueprint(platform: Platform) -> APIBlueprint:
    bp = APIBlueprint("jobs", __name__, abp_tags=[TAG])
    store = platform.store

    @bp.post("/api/jobs/", responses={201: Job, **ERRORS}, security=BEARER)
    def create(body: JobDraft) -> tuple[dict[str, Any], int]:
        """Creates a job with its rubric (languages, core skills, experience level, focus)."""
        return jobs.create_job(store, caller(platform), body).model_dump(mode="json"), 201

    @bp.get("/api/jobs/", responses={200: Paged[Job], **ERRORS}, security=BEARER)
    def list_(query: PageQuery) -> dict[str, Any]:
        """The caller's jobs, newest first."""
        return paged(jobs.list_jobs(store, caller(platform), query.after, query.limit))

    @bp.get("/api/jobs/<id>/", responses={200: Job, **ERRORS}, security=BEARER)
    def get(path: IdPath) -> dict[str, Any]:
        return jobs.owned_job(store, caller(platform), path.id).model_dump(mode="json")

    @bp.put("/api/jobs/<id>/", responses={200: Job, **ERRORS}, security=BEARER)
    def update(path: IdPath, body: JobDraft) -> dict[str, Any]:
        """Replaces the job; a changed rubric gets the next rubric_version."""
        return jobs.update_job(store, caller(platform), path.id, body).model_dump(mode="json")

    @bp.delete("/api/jobs/<id>/", responses={204: None, 409: Problem, **ERRORS}, security=BEARER)
    def delete(path: IdPath) -> tuple[str, int]:
        """Deletes a job that has no interview sessions."""
        jobs.delete_job(store, caller(platform), path.id)
        return "", 204

    return bp
