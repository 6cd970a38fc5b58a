"""Candidate invite tokens never travel in a URL a server logs, and connecting cannot grow the audit trail without end.

The invite link carries the token in its fragment (`/interview#t=<token>`), which browsers never send;
the page then sends it only as the `X-Invite-Token` header. So no api route takes a token in its path.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

import pytest
from flask.testing import FlaskClient

from talentcrew import sessions
from talentcrew.audit import AuditEntry
from talentcrew.config import platform
from talentcrew.models import utcnow
from tests.api.helpers import auth_headers, candidate_view, create_job, invite_token

PATH_PARAMETERS = {"id", "question_id", "turn_index", "object_name"}  # ids, an answer's turn, an object: no credentials
CREDENTIAL_WORDS = ("token", "ticket", "invite", "secret", "password")


def test_no_api_route_takes_a_token_in_its_path(api_client: FlaskClient) -> None:
    document = api_client.get("/api/openapi.json").get_json()

    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            parameters = operation.get("parameters", [])
            in_path = {p["name"] for p in parameters if p["in"] == "path"}
            in_query = {p["name"] for p in parameters if p["in"] == "query"}
            assert in_path <= PATH_PARAMETERS, (method, path)
            assert not [name for name in in_query if any(word in name.lower() for word in CREDENTIAL_WORDS)], path
    view = document["paths"]["/api/interview/"]["get"]
    assert [p["name"] for p in view["parameters"] if p["in"] == "header"] == ["X-Invite-Token"]


def test_the_old_candidate_path_looks_up_no_token(api_client: FlaskClient) -> None:
    headers = auth_headers(api_client, "rita@example.com")
    job = create_job(api_client, headers, "Platform Engineer")
    created = api_client.post(
        "/api/sessions/",
        json={"job": job["id"], "candidate_name": "Casey", "candidate_email": "c@example.com"},
        headers=headers,
    ).get_json()
    token = invite_token(created["invite_url"])

    old = api_client.get(f"/api/interview/{token}")

    assert old.status_code == 404
    assert "Platform Engineer" not in old.get_data(as_text=True)
    assert candidate_view(api_client, token).get_json()["job_title"] == "Platform Engineer"


def _recording(client: FlaskClient, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every request target the api receives from now on (path and query string, as a server would log them)."""
    targets: list[str] = []
    app = client.application
    inner: Callable[..., Iterable[bytes]] = app.wsgi_app

    def record(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        targets.append(f"{environ.get('PATH_INFO', '')}?{environ.get('QUERY_STRING', '')}")
        return inner(environ, start_response)

    monkeypatch.setattr(app, "wsgi_app", record)
    return targets


def test_a_whole_candidate_flow_puts_the_token_in_no_request_path(
    api_client: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    headers = auth_headers(api_client, "rita@example.com")
    job = create_job(api_client, headers)
    targets = _recording(api_client, monkeypatch)
    created = api_client.post(
        "/api/sessions/",
        json={"job": job["id"], "candidate_name": "Casey", "candidate_email": "c@example.com"},
        headers=headers,
    ).get_json()
    link, sid = urlsplit(created["invite_url"]), created["session"]["id"]
    token = invite_token(created["invite_url"])
    candidate = {"X-Invite-Token": token}

    assert link.path == "/interview" and not link.query  # what a browser sends of the link
    assert candidate_view(api_client, token).status_code == 200
    assert api_client.get(f"/api/sessions/{sid}/connect/", headers=candidate).status_code == 200
    identified = api_client.put(f"/api/sessions/{sid}/self-identification/", json={"sex": "female"}, headers=candidate)
    assert identified.status_code == 204
    assert api_client.post(f"/api/sessions/{sid}/end/", headers=candidate).status_code == 200

    assert len(targets) == 5
    assert not [target for target in targets if token in target]


def test_fifty_connects_leave_one_audit_row_per_window(
    api_client: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    headers = auth_headers(api_client, "rita@example.com")
    job = create_job(api_client, headers)
    created = api_client.post(
        "/api/sessions/",
        json={"job": job["id"], "candidate_name": "Casey", "candidate_email": "c@example.com"},
        headers=headers,
    ).get_json()
    sid, candidate = created["session"]["id"], {"X-Invite-Token": invite_token(created["invite_url"])}
    now = utcnow()

    def connect_at(moment: datetime, times: int) -> None:
        monkeypatch.setattr(sessions, "utcnow", lambda: moment)
        for _ in range(times):
            assert api_client.get(f"/api/sessions/{sid}/connect/", headers=candidate).status_code == 200

    def connected_rows() -> int:
        trail = platform().store.query(AuditEntry, where={"session_id": sid}, order_by="id", limit=100).items
        return [entry.action for entry in trail].count("session.connected")

    connect_at(now, 50)  # a reconnecting candidate, or a script
    assert connected_rows() == 1
    connect_at(now + sessions.CONNECT_AUDIT_WINDOW, 5)  # a later window is recorded again, once
    assert connected_rows() == 2
