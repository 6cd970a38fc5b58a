"""The question bank's skills: what a job can name and have asked (autocomplete and coverage in the job form)."""

from __future__ import annotations

from typing import Annotated, Any

from flask_openapi3 import APIBlueprint, Tag
from http_problems import ERRORS
from pydantic import BaseModel, Field

from api.http import BEARER, caller
from talentcrew.config import Platform, brain_writes_questions
from talentcrew.interview.bank import bank
from talentcrew.interview.coverage import SkillCoverage, skill_coverage, suggestions

TAG = Tag(name="skills", description="The question bank's skills, and how a job's skill would be covered")


class SkillQuery(BaseModel):
    q: Annotated[str, Field(max_length=100, description="Part of a skill's name; empty lists every skill.")] = ""
    limit: Annotated[int, Field(ge=1, le=100)] = 20


class BankSkillView(BaseModel):
    skill: str = Field(description="The bank skill's id.")
    title: str
    aliases: list[str]
    questions: int


class SkillList(BaseModel):
    bank_version: str
    items: list[BankSkillView]


class CoverageQuery(BaseModel):
    skill: Annotated[str, Field(min_length=1, max_length=100, description="A skill as a job would name it.")]


def blueprint(platform: Platform) -> APIBlueprint:
    bp = APIBlueprint("skills", __name__, abp_tags=[TAG])

    @bp.get("/api/skills/", responses={200: SkillList, **ERRORS}, security=BEARER)
    def list_(query: SkillQuery) -> dict[str, Any]:
        """Bank skills whose title, id or aliases contain `q`, best first (a title starting with it first)."""
        caller(platform)
        questions = bank()
        items = [
            BankSkillView(skill=s.skill, title=s.title, aliases=s.aliases, questions=len(s.questions))
            for s in suggestions(questions, query.q)[: query.limit]
        ]
        return SkillList(bank_version=questions.version, items=items).model_dump(mode="json")

    @bp.get("/api/skills/coverage/", responses={200: SkillCoverage, **ERRORS}, security=BEARER)
    def coverage(query: CoverageQuery) -> dict[str, Any]:
        """How a job naming this skill would have it asked: `bank` (exactly, or by a broader skill), `gemini` (the
        configured brain writes the questions) or `none`."""
        caller(platform)
        found = skill_coverage(query.skill, bank(), brain_writes_questions(platform.settings))
        return found.model_dump(mode="json")

    return bp
