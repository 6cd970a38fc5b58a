"""A recruiter's own questions: written for one of a job's core skills, validated so they can be graded, versioned
with the rubric, and the job owner's alone."""

from __future__ import annotations

from typing import Any

import pytest
from flask.testing import FlaskClient

from tests.api.helpers import RUBRIC, auth_headers, create_job, json_of

OWN: dict[str, Any] = {
    "skill": "Databases",
    "level": 2,
    "question": "Our nightly report query takes an hour. How would you find out why?",
    "ideal_answer": "Read the query plan with explain analyze to see whether it scans whole tables, then add an "
    "index on the filtered columns or rewrite the joins, and measure again.",
    "key_concepts": [
        {"name": "query plan", "terms": ["query plan", "explain"]},
        {"name": "indexing", "terms": ["index"]},
    ],
    "misconceptions": [
        {
            "claim": "A bigger database server always fixes a slow query.",
            "correction": "A plan that scans whole tables stays slow on any server; fix the plan first.",
            "terms": ["bigger server"],
        }
    ],
}
ONLY_OWN = {**RUBRIC, "core_skills": ["Underwater Basket Weaving"]}


def _questions(client: FlaskClient, job_id: str, headers: dict[str, str]) -> dict[str, Any]:
    response = client.get(f"/api/jobs/{job_id}/questions/", headers=headers)
    assert response.status_code == 200, response.get_data(as_text=True)
    return json_of(response)


def test_questions_are_added_read_replaced_and_removed_each_as_a_new_rubric_version(api_client: FlaskClient) -> None:
    headers = auth_headers(api_client, "rita@example.com")
    job = create_job(api_client, headers)

    added = api_client.post(f"/api/jobs/{job['id']}/questions/", json=OWN, headers=headers)
    assert added.status_code == 201, added.get_data(as_text=True)
    question = json_of(added)
    assert question["id"].startswith("custom-") and question["question"] == OWN["question"]
    assert _questions(api_client, job["id"], headers) == {"rubric_version": 2, "items": [question]}
    got = api_client.get(f"/api/jobs/{job['id']}/questions/{question['id']}/", headers=headers)
    assert json_of(got) == question
    coverage = json_of(api_client.get(f"/api/jobs/{job['id']}/", headers=headers))["coverage"]
    assert [(c["skill"], c["source"]) for c in coverage] == [("APIs", "bank"), ("Databases", "custom")]
    bank_only = next(c for c in coverage if c["skill"] == "APIs")["questions"]
    assert next(c for c in coverage if c["skill"] == "Databases")["questions"] > 1  # its own, then the bank's
    assert bank_only >= 6

    changed = {**OWN, "level": 3, "question": "Why might a report query slow down as data grows?"}
    replaced = api_client.put(f"/api/jobs/{job['id']}/questions/{question['id']}/", json=changed, headers=headers)
    assert replaced.status_code == 200
    assert json_of(replaced) | {"id": None} == {**changed, "follow_ups": [], "rewording": None, "id": None}
    assert json_of(replaced)["id"] == question["id"]
    assert _questions(api_client, job["id"], headers)["rubric_version"] == 3

    assert api_client.delete(f"/api/jobs/{job['id']}/questions/{question['id']}/", headers=headers).status_code == 204
    assert _questions(api_client, job["id"], headers) == {"rubric_version": 4, "items": []}
    gone = api_client.get(f"/api/jobs/{job['id']}/questions/{question['id']}/", headers=headers)
    assert gone.status_code == 404


@pytest.mark.parametrize(
    ("change", "said"),
    [
        ({"key_concepts": [{"name": "sharding", "terms": ["shard key"]}, *OWN["key_concepts"]]}, "'sharding'"),
        (
            {"misconceptions": [{**OWN["misconceptions"][0], "terms": ["query plan with"]}]},
            "misconception term 'query plan with'",
        ),
        ({"ideal_answer": "Use an index and explain it."}, "at least 10 words"),
        ({"level": 4}, "level"),
        ({"key_concepts": [OWN["key_concepts"][0]]}, "key_concepts"),
    ],
)
def test_a_question_that_could_not_be_graded_is_refused_with_the_reason(
    api_client: FlaskClient, change: dict[str, Any], said: str
) -> None:
    headers = auth_headers(api_client, "rita@example.com")
    job = create_job(api_client, headers)

    refused = api_client.post(f"/api/jobs/{job['id']}/questions/", json={**OWN, **change}, headers=headers)

    assert refused.status_code == 422 and refused.mimetype == "application/problem+json"
    assert said in refused.get_data(as_text=True)
    assert _questions(api_client, job["id"], headers) == {"rubric_version": 1, "items": []}


def test_a_question_must_be_for_one_of_the_jobs_core_skills(api_client: FlaskClient) -> None:
    headers = auth_headers(api_client, "rita@example.com")
    job = create_job(api_client, headers)

    refused = api_client.post(f"/api/jobs/{job['id']}/questions/", json={**OWN, "skill": "Origami"}, headers=headers)

    assert refused.status_code == 422
    assert "Origami" in json_of(refused)["detail"] and "APIs, Databases" in json_of(refused)["detail"]
    named_otherwise = api_client.post(
        f"/api/jobs/{job['id']}/questions/", json={**OWN, "skill": "databases"}, headers=headers
    )
    assert named_otherwise.status_code == 201  # the rubric's skill, in other letters


def test_a_job_only_its_own_questions_can_ask_is_saved_with_them_and_keeps_one(api_client: FlaskClient) -> None:
    headers = auth_headers(api_client, "rita@example.com")
    own = {**OWN, "skill": "Underwater Basket Weaving"}
    refused = api_client.post("/api/jobs/", json={"title": "Weaver", "rubric_template": ONLY_OWN}, headers=headers)
    assert refused.status_code == 422

    created = api_client.post(
        "/api/jobs/", json={"title": "Weaver", "rubric_template": ONLY_OWN, "questions": [own]}, headers=headers
    )

    assert created.status_code == 201, created.get_data(as_text=True)
    job = json_of(created)
    assert [(c["source"], c["questions"]) for c in job["coverage"]] == [("custom", 1)]
    only = job["questions"][0]["id"]
    kept = api_client.delete(f"/api/jobs/{job['id']}/questions/{only}/", headers=headers)
    assert kept.status_code == 422 and json_of(kept)["type"].endswith("/unaskable")
    assert len(_questions(api_client, job["id"], headers)["items"]) == 1


def test_a_rubric_change_that_orphans_a_question_is_refused_and_the_job_kept(api_client: FlaskClient) -> None:
    headers = auth_headers(api_client, "rita@example.com")
    job = create_job(api_client, headers)
    api_client.post(f"/api/jobs/{job['id']}/questions/", json=OWN, headers=headers)
    without = {**RUBRIC, "core_skills": ["APIs"]}

    refused = api_client.put(
        f"/api/jobs/{job['id']}/", json={"title": "Backend", "rubric_template": without}, headers=headers
    )

    assert refused.status_code == 422 and "Databases" in refused.get_data(as_text=True)
    kept = json_of(api_client.get(f"/api/jobs/{job['id']}/", headers=headers))
    assert kept["rubric_template"] == RUBRIC and len(kept["questions"]) == 1


def test_another_recruiter_can_neither_see_nor_change_a_jobs_questions(api_client: FlaskClient) -> None:
    owner = auth_headers(api_client, "rita@example.com")
    job = create_job(api_client, owner)
    question = json_of(api_client.post(f"/api/jobs/{job['id']}/questions/", json=OWN, headers=owner))
    other = auth_headers(api_client, "sam@example.com")
    one = f"/api/jobs/{job['id']}/questions/{question['id']}/"

    assert api_client.get(f"/api/jobs/{job['id']}/questions/", headers=other).status_code == 404
    assert api_client.post(f"/api/jobs/{job['id']}/questions/", json=OWN, headers=other).status_code == 404
    assert api_client.get(one, headers=other).status_code == 404
    assert api_client.put(one, json=OWN, headers=other).status_code == 404
    assert api_client.delete(one, headers=other).status_code == 404
    assert _questions(api_client, job["id"], owner) == {"rubric_version": 2, "items": [question]}


def test_a_job_says_which_skills_its_length_does_not_reach(api_client: FlaskClient) -> None:
    headers = auth_headers(api_client, "rita@example.com")
    rubric = {**RUBRIC, "core_skills": ["APIs", "Databases", "Caching", "Go"]}

    job = json_of(
        api_client.post(
            "/api/jobs/", json={"title": "Backend", "rubric_template": rubric, "interview_length": 3}, headers=headers
        )
    )

    assert [(c["skill"], c["reached"]) for c in job["coverage"]] == [
        ("APIs", True),
        ("Databases", True),
        ("Caching", True),
        ("Go", False),
    ]
    too_long = {"title": "Backend", "rubric_template": rubric, "interview_length": 13}
    assert api_client.post("/api/jobs/", json=too_long, headers=headers).status_code == 422
