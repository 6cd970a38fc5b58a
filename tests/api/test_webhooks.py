"""A job's webhook through the API: destinations inside a network refused when the job is saved, and the
signing secret shown only when it is made (at creation, at rotation). Real `api` function, both Stores."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from talentcrew.audit import AuditEntry
from talentcrew.config import platform
from talentcrew.models import Job
from tests.api.helpers import RUBRIC, auth_headers, json_of

JOB = {"title": "Backend Engineer", "rubric_template": RUBRIC}
PUBLIC = "https://93.184.215.14/hook"  # a literal public address: saved without asking DNS

INSIDE = [
    "https://10.0.0.5/",
    "https://169.254.169.254/latest/meta-data/",
    "https://127.0.0.1/",
    "https://[::1]/",
    "https://192.168.1.10/",
    "http://localhost:9/",
    "https://[::ffff:127.0.0.1]/",  # IPv4-mapped
    "https://100.64.0.1/",  # CGNAT
    "https://localhost/hook",  # a name for this machine
    "http://93.184.215.14/hook",  # public, but not https
    "https://no-such-host.invalid/hook",  # no address at all
]


def _refused_on_its_field(response: TestResponse, url: str) -> None:
    assert response.status_code == 422, (url, response.get_data(as_text=True))
    assert response.mimetype == "application/problem+json", url
    (error,) = json_of(response)["errors"]
    assert error["loc"] == ["webhook_url"], url
    assert any(word in error["msg"] for word in ("public internet address", "https", "resolve")), error


def test_webhooks_cannot_aim_inside_the_network(api_client: FlaskClient) -> None:
    headers = auth_headers(api_client, "rita@example.com")
    for url in INSIDE:
        _refused_on_its_field(api_client.post("/api/jobs/", json={**JOB, "webhook_url": url}, headers=headers), url)
    job = json_of(api_client.post("/api/jobs/", json={**JOB, "webhook_url": PUBLIC}, headers=headers))
    for url in INSIDE:
        put = api_client.put(f"/api/jobs/{job['id']}/", json={**JOB, "webhook_url": url}, headers=headers)
        _refused_on_its_field(put, url)
    stored = platform().store.get(Job, job["id"])
    assert stored is not None and stored.webhook_url == PUBLIC


def test_the_operator_may_allow_private_destinations(api_client: FlaskClient, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TALENTCREW_ALLOW_PRIVATE_WEBHOOKS", "true")  # before the first request builds the platform
    headers = auth_headers(api_client, "rita@example.com")
    for url in ("http://127.0.0.1:9/hook", "https://10.0.0.5/", "http://localhost:9/"):
        created = api_client.post("/api/jobs/", json={**JOB, "webhook_url": url}, headers=headers)
        assert created.status_code == 201, created.get_data(as_text=True)
    refused = api_client.post(
        "/api/jobs/", json={**JOB, "webhook_url": "https://no-such-host.invalid/"}, headers=headers
    )
    _refused_on_its_field(refused, "https://no-such-host.invalid/")


def test_the_signing_secret_is_shown_when_made_and_never_read_back(api_client: FlaskClient) -> None:
    headers = auth_headers(api_client, "rita@example.com")
    created = api_client.post("/api/jobs/", json={**JOB, "webhook_url": PUBLIC}, headers=headers)
    job = json_of(created)
    assert created.status_code == 201 and len(job["webhook_secret"]) >= 40 and job["coverage"]

    read = json_of(api_client.get(f"/api/jobs/{job['id']}/", headers=headers))
    listed = json_of(api_client.get("/api/jobs/", headers=headers))["items"]
    updated = api_client.put(
        f"/api/jobs/{job['id']}/", json={**JOB, "webhook_url": "https://93.184.215.14/v2"}, headers=headers
    )
    assert updated.status_code == 200, updated.get_data(as_text=True)
    answers = [read, *listed, json_of(updated)]
    assert all("webhook_secret" not in answer for answer in answers)
    assert [answer["webhook_url"] for answer in answers] == [PUBLIC, PUBLIC, "https://93.184.215.14/v2"]
    stored = platform().store.get(Job, job["id"])
    assert stored is not None and stored.webhook_secret == job["webhook_secret"]  # a save keeps it
    without = json_of(api_client.post("/api/jobs/", json=JOB, headers=headers))
    assert "webhook_secret" not in without  # no webhook, no secret
    conflict = api_client.post(f"/api/jobs/{without['id']}/webhook-secret/", headers=headers)
    assert conflict.status_code == 409 and conflict.mimetype == "application/problem+json"

    rotated = api_client.post(f"/api/jobs/{job['id']}/webhook-secret/", headers=headers)
    assert rotated.status_code == 200
    secret = json_of(rotated)["webhook_secret"]
    assert len(secret) >= 40 and secret != job["webhook_secret"]
    stored = platform().store.get(Job, job["id"])
    assert stored is not None and stored.webhook_secret == secret
    audited = platform().store.query(AuditEntry, where={"job_id": job["id"]}, order_by="job_id", limit=10).items
    assert [entry.action for entry in sorted(audited, key=lambda entry: entry.id)] == [
        "job.created",
        "job.updated",
        "job.webhook_secret_rotated",
    ]


def test_only_the_owner_can_rotate_the_secret(api_client: FlaskClient) -> None:
    rita = auth_headers(api_client, "rita@example.com")
    bob = auth_headers(api_client, "bob@example.com")
    job = json_of(api_client.post("/api/jobs/", json={**JOB, "webhook_url": PUBLIC}, headers=rita))
    for path in (f"/api/jobs/{job['id']}/webhook-secret/", "/api/jobs/no-such-job/webhook-secret/"):
        refused = api_client.post(path, headers=bob)
        assert refused.status_code == 404 and "webhook_secret" not in refused.get_data(as_text=True)
    assert api_client.post(f"/api/jobs/{job['id']}/webhook-secret/").status_code == 401
    stored = platform().store.get(Job, job["id"])
    assert stored is not None and stored.webhook_secret == job["webhook_secret"]


def test_the_api_document_names_the_secret_only_where_it_is_shown(api_client: FlaskClient) -> None:
    document = json_of(api_client.get("/api/openapi.json"))
    schemas = document["components"]["schemas"]
    shown = {name for name, schema in schemas.items() if "webhook_secret" in schema.get("properties", {})}
    assert shown == {"CreatedJob", "WebhookSecret"}
    operations = document["paths"]
    assert operations["/api/jobs/"]["post"]["responses"]["201"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/CreatedJob"
    }
    assert "post" in operations["/api/jobs/{id}/webhook-secret/"]
