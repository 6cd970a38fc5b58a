"""A job's own questions: written by its recruiter, asked and graded like the bank's, versioned with the rubric."""

from __future__ import annotations

from typing import Annotated, Any

from flask_openapi3 import APIBlueprint, Tag
from http_problems import ERRORS, Problem
from pydantic import BaseModel, Field

from api.http import BEARER, IdPath, caller
from api.routes.jobs import askable
from talentcrew import jobs
from talentcrew.config import Platform
from talentcrew.models import JobQuestion, QuestionDraft
from talentcrew.workspaces import Role

TAG = Tag(name="questions", description="A job's own questions (the workspace's jobs only)")


class QuestionPath(IdPath):
    question_id: Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_-]+$")]


class QuestionList(BaseModel):
    rubric_version: int = Field(description="The job's rubric version, which counts every change to its questions.")
    items: list[JobQuestion]


def blueprint(platform: Platform) -> APIBlueprint:
    bp = APIBlueprint("questions", __name__, abp_tags=[TAG])
    store = platform.store

    @bp.get("/api/jobs/<id>/questions/", responses={200: QuestionList, **ERRORS}, security=BEARER)
    def list_(path: IdPath) -> dict[str, Any]:
        """The job's own questions, in the order written (asked before the bank's for their skill)."""
        job = jobs.owned_job(store, caller(platform), path.id)
        return QuestionList(rubric_version=job.rubric_version, items=job.questions).model_dump(mode="json")

    @bp.post("/api/jobs/<id>/questions/", responses={201: JobQuestion, **ERRORS}, security=BEARER)
    def create(path: IdPath, body: QuestionDraft) -> tuple[dict[str, Any], int]:
        """Adds a question for one of the job's core skills; 422 if its ideal answer cannot grade it (a key
        concept none of whose terms it uses, a misconception's term it uses) or the skill is not the job's."""
        added = jobs.add_question(store, caller(platform, Role.RECRUITER), path.id, body, askable(platform))
        return added.model_dump(mode="json"), 201

    @bp.get("/api/jobs/<id>/questions/<question_id>/", responses={200: JobQuestion, **ERRORS}, security=BEARER)
    def get(path: QuestionPath) -> dict[str, Any]:
        _, question = jobs.owned_question(store, caller(platform), path.id, path.question_id)
        return question.model_dump(mode="json")

    @bp.put("/api/jobs/<id>/questions/<question_id>/", responses={200: JobQuestion, **ERRORS}, security=BEARER)
    def update(path: QuestionPath, body: QuestionDraft) -> dict[str, Any]:
        """Replaces the question (same id); interviews asked before keep the wording they were asked."""
        replaced = jobs.replace_question(
            store, caller(platform, Role.RECRUITER), path.id, path.question_id, body, askable(platform)
        )
        return replaced.model_dump(mode="json")

    @bp.delete(
        "/api/jobs/<id>/questions/<question_id>/", responses={204: None, 422: Problem, **ERRORS}, security=BEARER
    )
    def delete(path: QuestionPath) -> tuple[str, int]:
        """Removes the question; 422 when the job's interview would then have nothing it could ask."""
        jobs.delete_question(store, caller(platform, Role.RECRUITER), path.id, path.question_id, askable(platform))
        return "", 204

    return bp
