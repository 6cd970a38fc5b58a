"""Workspace API keys (issue 19, part 5): what an applicant tracking system can read with one, and nothing more.

An owner creates a key with scopes and sees it once; it is stored as a hash, listed without its secret, and
revoked. `results:read` opens a session's detail and the scorecard link (the webhook's `scorecard_url`);
`jobs:read` the jobs; any other operation, every write and a person's account answer 403 to a key; another
workspace's session is a 404 as for a member; a revoked, forged or malformed key is a 401.
"""

from __future__ import annotations

from typing import Any

import pytest
from flask.testing import FlaskClient
from http_problems import PROBLEM_JSON

from talentcrew.api_keys import ApiKey
from talentcrew.audit import AuditEntry
from talentcrew.config import platform
from talentcrew.models import InterviewSession
from tests.api.helpers import auth_headers, bearer, create_job, create_session, json_of, seed_answer


def new_key(client: FlaskClient, headers: dict[str, str], *scopes: str, name: str = "Greenhouse") -> dict[str, Any]:
    response = client.post("/api/api-keys/", json={"name": name, "scopes": list(scopes)}, headers=headers)
    assert response.status_code == 201, response.get_data(as_text=True)
    return json_of(response)


@pytest.fixture
def owner(api_client: FlaskClient) -> dict[str, str]:
    return auth_headers(api_client, "olga@acme.example")


def test_a_results_key_reads_a_session_and_its_scorecard_link_and_nothing_else(
    api_client: FlaskClient, owner: dict[str, str]
) -> None:
    job = create_job(api_client, owner)
    session, _ = create_session(api_client, owner, job["id"])
    seed_answer(session["id"], session["owner_id"], 0, 8)
    created = new_key(api_client, owner, "results:read")
    key = bearer(created["key"])
    assert created["key"].startswith(f"tc_{created['id']}_") and created["scopes"] == ["results:read"]

    detail = api_client.get(f"/api/sessions/{session['id']}/", headers=key)
    assert detail.status_code == 200, detail.get_data(as_text=True)
    assert [answer["confidence_score"] for answer in json_of(detail)["answers"]] == [8]
    pdf = api_client.get(f"/api/sessions/{session['id']}/download-pdf/", headers=key)
    assert pdf.status_code == 409 and json_of(pdf)["type"].endswith("/not-ready")  # the link's turn comes: not 403
    report = f"scorecards/{session['id']}/card.pdf"
    platform().blobs.put(report, b"%PDF-1.4 card", "application/pdf")
    platform().store.update(InterviewSession, session["id"], {"report_object": report})
    assert api_client.get(f"/api/sessions/{session['id']}/download-pdf/", headers=key).status_code == 302
    assert api_client.get("/api/results/", headers=key).status_code == 200
    assert api_client.get("/api/results/export.csv", headers=key).status_code == 200

    refused = [
        api_client.get("/api/jobs/", headers=key),  # jobs:read, not given
        api_client.get("/api/auth/me/", headers=key),  # a person's account
        api_client.get("/api/workspace/members/", headers=key),
        api_client.get(f"/api/sessions/{session['id']}/audit/", headers=key),
        api_client.put(f"/api/sessions/{session['id']}/decision/", json={"decision": "HIRE"}, headers=key),
        api_client.delete(f"/api/sessions/{session['id']}/", headers=key),
        api_client.post("/api/api-keys/", json={"name": "more", "scopes": ["results:read"]}, headers=key),
    ]
    assert [(r.status_code, r.mimetype) for r in refused] == [(403, PROBLEM_JSON)] * len(refused)
    stored = platform().store.get(InterviewSession, session["id"])
    assert stored is not None and stored.final_decision is None


def test_a_jobs_key_lists_jobs_but_reads_no_interview(api_client: FlaskClient, owner: dict[str, str]) -> None:
    job = create_job(api_client, owner, "Platform Engineer")
    session, _ = create_session(api_client, owner, job["id"])
    key = bearer(new_key(api_client, owner, "jobs:read")["key"])

    listed = api_client.get("/api/jobs/", headers=key)
    assert listed.status_code == 200 and [item["title"] for item in json_of(listed)["items"]] == ["Platform Engineer"]
    assert api_client.get(f"/api/jobs/{job['id']}/", headers=key).status_code == 200
    assert api_client.get(f"/api/sessions/{session['id']}/", headers=key).status_code == 403
    draft = {field: job[field] for field in ("title", "stack", "rubric_template")}
    assert api_client.put(f"/api/jobs/{job['id']}/", json=draft, headers=key).status_code == 403


def test_keys_are_shown_once_stored_hashed_listed_and_revoked(api_client: FlaskClient, owner: dict[str, str]) -> None:
    job = create_job(api_client, owner)
    session, _ = create_session(api_client, owner, job["id"])
    created = new_key(api_client, owner, "results:read", "jobs:read", name="Lever")
    secret = created["key"].split("_", 2)[2]
    stored = platform().store.get(ApiKey, created["id"])
    assert (
        stored is not None and secret not in stored.model_dump_json() and stored.scopes == ["jobs:read", "results:read"]
    )

    before = json_of(api_client.get("/api/api-keys/", headers=owner))["items"]
    assert [(k["name"], k["last_used_at"], k["revoked_at"]) for k in before] == [("Lever", None, None)]
    assert "key" not in before[0] and "secret_hash" not in before[0]
    assert api_client.get(f"/api/sessions/{session['id']}/", headers=bearer(created["key"])).status_code == 200
    used = json_of(api_client.get("/api/api-keys/", headers=owner))["items"][0]
    assert used["last_used_at"] is not None

    assert api_client.delete(f"/api/api-keys/{created['id']}/", headers=owner).status_code == 204
    after = api_client.get(f"/api/sessions/{session['id']}/", headers=bearer(created["key"]))
    assert after.status_code == 401 and after.mimetype == PROBLEM_JSON
    assert json_of(api_client.get("/api/api-keys/", headers=owner))["items"][0]["revoked_at"] is not None


@pytest.mark.parametrize(
    "forge",
    [
        lambda key: key[:-2] + ("AA" if not key.endswith("AA") else "BB"),  # the right id, a wrong secret
        lambda key: "tc_" + "0" * 32 + "_" + key.split("_", 2)[2],  # an unknown id
        lambda key: "tc_",
        lambda key: "tc_../../users_x",
    ],
    ids=["wrong-secret", "unknown-id", "empty", "path-like"],
)
def test_a_forged_key_is_unauthorized(api_client: FlaskClient, owner: dict[str, str], forge: Any) -> None:
    job = create_job(api_client, owner)
    session, _ = create_session(api_client, owner, job["id"])
    key = new_key(api_client, owner, "results:read")["key"]

    response = api_client.get(f"/api/sessions/{session['id']}/", headers=bearer(forge(key)))

    assert response.status_code == 401 and response.mimetype == PROBLEM_JSON


def test_a_key_and_its_owner_see_only_their_own_workspace(api_client: FlaskClient, owner: dict[str, str]) -> None:
    other = auth_headers(api_client, "bob@b-corp.example")
    theirs, _ = create_session(api_client, other, create_job(api_client, other)["id"])
    key = bearer(new_key(api_client, owner, "results:read")["key"])

    assert api_client.get(f"/api/sessions/{theirs['id']}/", headers=key).status_code == 404
    their_key = new_key(api_client, other, "results:read")
    assert api_client.delete(f"/api/api-keys/{their_key['id']}/", headers=owner).status_code == 404
    listed = json_of(api_client.get("/api/api-keys/", headers=owner))["items"]
    assert [item["name"] for item in listed] == ["Greenhouse"] and their_key["id"] not in str(listed)


def test_what_a_key_reads_is_audited_under_its_name(api_client: FlaskClient, owner: dict[str, str]) -> None:
    job = create_job(api_client, owner)
    session, _ = create_session(api_client, owner, job["id"])
    created = new_key(api_client, owner, "results:read", name="Greenhouse sync")

    api_client.get(f"/api/sessions/{session['id']}/", headers=bearer(created["key"]))

    reads = [
        entry
        for entry in platform().store.query(AuditEntry, where={"session_id": session["id"]}, limit=100).items
        if entry.action == "session.answers_read"
    ]
    assert [(entry.actor, entry.actor_name) for entry in reads] == [(f"api-key:{created['id']}", "Greenhouse sync")]
