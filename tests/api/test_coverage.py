"""What the recruiter is told about a job's skills: coverage on every job answer, a job no one can ask refused,
and the bank's skills for autocomplete."""

from __future__ import annotations

from typing import Any

import pytest
from flask.testing import FlaskClient

from tests.api.helpers import RUBRIC, auth_headers, create_job, json_of

UNASKABLE = {**RUBRIC, "core_skills": ["Underwater Basket Weaving", "Origami"]}


def _job(rubric: dict[str, Any]) -> dict[str, Any]:
    return {"title": "Backend Engineer", "rubric_template": rubric}


def test_a_job_says_how_each_of_its_skills_is_covered(api_client: FlaskClient) -> None:
    headers = auth_headers(api_client, "rita@example.com")
    rubric = {**RUBRIC, "core_skills": ["Redis", "Database Query Optimization", "Underwater Basket Weaving"]}
    created = api_client.post("/api/jobs/", json=_job(rubric), headers=headers)

    assert created.status_code == 201, created.get_data(as_text=True)
    coverage = json_of(created)["coverage"]
    assert [(c["skill"], c["bank_skill"], c["source"], c["broader"]) for c in coverage] == [
        ("Redis", "caching", "bank", False),
        ("Database Query Optimization", "databases", "bank", False),
        ("Underwater Basket Weaving", None, "none", False),
    ]
    assert coverage[0]["bank_title"] == "Caching" and coverage[0]["questions"] >= 6
    assert coverage[2]["questions"] == 0
    assert json_of(api_client.get(f"/api/jobs/{json_of(created)['id']}/", headers=headers))["coverage"] == coverage


def test_a_job_whose_skills_nobody_can_ask_is_refused_and_nothing_is_stored(api_client: FlaskClient) -> None:
    headers = auth_headers(api_client, "rita@example.com")

    refused = api_client.post("/api/jobs/", json=_job(UNASKABLE), headers=headers)

    assert refused.status_code == 422
    assert refused.mimetype == "application/problem+json"
    problem = json_of(refused)
    assert problem["type"].endswith("/unaskable")
    assert "Underwater Basket Weaving" in problem["detail"] and "Origami" in problem["detail"]
    assert json_of(api_client.get("/api/jobs/", headers=headers))["items"] == []


def test_an_update_that_leaves_nothing_askable_is_refused_and_the_job_kept(api_client: FlaskClient) -> None:
    headers = auth_headers(api_client, "rita@example.com")
    job = create_job(api_client, headers)

    refused = api_client.put(f"/api/jobs/{job['id']}/", json=_job(UNASKABLE), headers=headers)

    assert refused.status_code == 422
    kept = json_of(api_client.get(f"/api/jobs/{job['id']}/", headers=headers))
    assert (kept["rubric_template"], kept["rubric_version"]) == (RUBRIC, 1)
    other = auth_headers(api_client, "sam@example.com")
    assert api_client.put(f"/api/jobs/{job['id']}/", json=_job(UNASKABLE), headers=other).status_code == 404


def test_with_gemini_a_skill_outside_the_bank_is_written_by_the_brain(
    api_client: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TALENTCREW_BRAIN", "gemini")  # read when the platform is built, at the first request
    headers = auth_headers(api_client, "rita@example.com")

    created = api_client.post("/api/jobs/", json=_job(UNASKABLE), headers=headers)

    assert created.status_code == 201, created.get_data(as_text=True)
    assert {c["source"] for c in json_of(created)["coverage"]} == {"gemini"}


def test_the_bank_skills_are_listed_for_autocomplete(api_client: FlaskClient) -> None:
    headers = auth_headers(api_client, "rita@example.com")

    every = json_of(api_client.get("/api/skills/?limit=100", headers=headers))
    typed = json_of(api_client.get("/api/skills/?q=cach", headers=headers))
    by_alias = json_of(api_client.get("/api/skills/?q=postgres", headers=headers))

    assert len(every["items"]) >= 13 and every["bank_version"]
    titles = [item["title"] for item in every["items"]]
    assert titles == sorted(titles)
    assert typed["items"][0]["skill"] == "caching"
    assert [item["skill"] for item in by_alias["items"]] == ["databases"]
    assert api_client.get("/api/skills/?q=cach").status_code == 401
    assert api_client.get(f"/api/skills/?q={'x' * 101}", headers=headers).status_code == 422


def test_one_skill_s_coverage_answers_as_the_recruiter_types(api_client: FlaskClient) -> None:
    headers = auth_headers(api_client, "rita@example.com")

    redis = json_of(api_client.get("/api/skills/coverage/?skill=Redis", headers=headers))
    unknown = api_client.get("/api/skills/coverage/?skill=Origami", headers=headers)

    assert (redis["bank_skill"], redis["source"]) == ("caching", "bank")
    assert (json_of(unknown)["bank_skill"], json_of(unknown)["source"]) == (None, "none")
    assert api_client.get("/api/skills/coverage/", headers=headers).status_code == 422
