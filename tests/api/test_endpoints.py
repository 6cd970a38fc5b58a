"""The happy path of every API endpoint, through the real function, over both Store adapters."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

import pytest
from flask.testing import FlaskClient

from talentcrew.audit import AuditEntry
from talentcrew.auth import Invite, hash_token
from talentcrew.config import platform
from talentcrew.errors import NotFound, Unauthorized
from talentcrew.events import SESSION_COMPLETED, OutboxEvent
from talentcrew.models import (
    Answer,
    AnswerDraft,
    FlagKind,
    IntegritySignal,
    InterviewSession,
    Review,
    answer_id,
    review_id,
    user_id_for,
)
from talentcrew.ports import every
from tests.api.helpers import (
    PASSWORD,
    RUBRIC,
    auth_headers,
    bearer,
    candidate_view,
    create_job,
    create_session,
    invite_token,
    json_of,
    log_in,
    relay_ticket_check,
    seed_answer,
    seed_signal,
    sign_up,
)

PROBLEM_JSON = "application/problem+json"
PDF = b"%PDF-1.7\n% a scorecard\n%%EOF\n"


def keys_in(value: Any) -> Iterator[str]:
    """Every key of every object nested anywhere in a JSON value."""
    if isinstance(value, dict):
        for key, item in value.items():
            yield key
            yield from keys_in(item)
    elif isinstance(value, list):
        for item in value:
            yield from keys_in(item)


def invite(token: str) -> dict[str, str]:
    return {"X-Invite-Token": token}


def end(client: FlaskClient, session_id: str, headers: dict[str, str]) -> dict[str, Any]:
    response = client.post(f"/api/sessions/{session_id}/end/", headers=headers)
    assert response.status_code == 200, response.get_data(as_text=True)
    return json_of(response)


def detail(client: FlaskClient, session_id: str, headers: dict[str, str]) -> dict[str, Any]:
    response = client.get(f"/api/sessions/{session_id}/", headers=headers)
    assert response.status_code == 200, response.get_data(as_text=True)
    return json_of(response)


def completed_events(session_id: str) -> list[OutboxEvent]:
    events = every(platform().store, OutboxEvent, where={})
    return [event for event in events if event.type == SESSION_COMPLETED and event.data.get("session_id") == session_id]


def audit_actions(session_id: str) -> list[tuple[str, str]]:
    page = platform().store.query(AuditEntry, where={"session_id": session_id}, order_by="id", limit=100)
    return [(entry.action, entry.actor) for entry in page.items]


# --- accounts ---------------------------------------------------------------------------------


def test_sign_up_creates_an_account_without_exposing_the_password(api_client: FlaskClient) -> None:
    user = sign_up(api_client, "Rita@Example.com")

    assert user["email"] == "rita@example.com"
    assert user["id"] == user_id_for("rita@example.com")
    assert user["full_name"] == "Rita Recruiter"
    assert user["retention_days"] is None
    assert not any("password" in key for key in keys_in(user))
    assert PASSWORD not in str(user)


def test_login_token_works_on_me(api_client: FlaskClient) -> None:
    sign_up(api_client, "rita@example.com")

    token = log_in(api_client, "rita@example.com")
    response = api_client.get("/api/auth/me/", headers=bearer(token["access_token"]))

    assert token["token_type"] == "Bearer"
    assert token["user"]["email"] == "rita@example.com"
    assert response.status_code == 200
    assert json_of(response)["email"] == "rita@example.com"
    assert json_of(response)["id"] == token["user"]["id"]


def test_logout_revokes_the_token(api_client: FlaskClient) -> None:
    headers = auth_headers(api_client, "rita@example.com")
    other = bearer(log_in(api_client, "rita@example.com")["access_token"])

    response = api_client.post("/api/auth/logout/", headers=headers)

    assert response.status_code == 204
    after = api_client.get("/api/auth/me/", headers=headers)
    assert after.status_code == 401
    assert after.mimetype == PROBLEM_JSON
    assert api_client.get("/api/auth/me/", headers=other).status_code == 200  # only that token


def test_me_without_a_token_is_unauthorized(api_client: FlaskClient) -> None:
    response = api_client.get("/api/auth/me/")

    assert response.status_code == 401
    assert response.mimetype == PROBLEM_JSON


def test_patch_workspace_sets_and_clears_retention(api_client: FlaskClient) -> None:
    headers = auth_headers(api_client, "rita@example.com")

    set_ = api_client.patch("/api/workspace/", json={"retention_days": 90, "name": "Acme"}, headers=headers)
    assert set_.status_code == 200, set_.get_data(as_text=True)
    assert json_of(set_)["retention_days"] == 90
    assert json_of(api_client.get("/api/workspace/", headers=headers))["retention_days"] == 90

    cleared = api_client.patch("/api/workspace/", json={"retention_days": None}, headers=headers)
    assert cleared.status_code == 200, cleared.get_data(as_text=True)
    workspace = json_of(api_client.get("/api/workspace/", headers=headers))
    assert workspace["retention_days"] is None
    assert workspace["name"] == "Acme"  # untouched by a patch that does not name it
    assert workspace["role"] == "owner"


def test_retention_is_no_longer_set_on_the_account(api_client: FlaskClient) -> None:
    headers = auth_headers(api_client, "rita@example.com")

    response = api_client.patch("/api/auth/me/", json={"retention_days": 90}, headers=headers)

    assert response.status_code == 422
    assert response.mimetype == PROBLEM_JSON
    assert json_of(api_client.get("/api/workspace/", headers=headers))["retention_days"] is None


def test_patch_me_renames_the_account(api_client: FlaskClient) -> None:
    headers = auth_headers(api_client, "rita@example.com")

    response = api_client.patch("/api/auth/me/", json={"full_name": "Rita Ramos"}, headers=headers)

    assert response.status_code == 200, response.get_data(as_text=True)
    assert json_of(api_client.get("/api/auth/me/", headers=headers))["full_name"] == "Rita Ramos"


@pytest.mark.parametrize(("path", "field"), [("/api/auth/me/", "full_name"), ("/api/workspace/", "name")])
def test_a_null_name_is_a_validation_error(api_client: FlaskClient, path: str, field: str) -> None:
    headers = auth_headers(api_client, "rita@example.com")
    before = json_of(api_client.get(path, headers=headers))

    response = api_client.patch(path, json={field: None}, headers=headers)

    assert response.status_code == 422
    assert response.mimetype == PROBLEM_JSON
    assert json_of(api_client.get(path, headers=headers)) == before


def test_patch_workspace_with_no_fields_changes_nothing(api_client: FlaskClient) -> None:
    headers = auth_headers(api_client, "rita@example.com")
    before = json_of(api_client.get("/api/workspace/", headers=headers))

    response = api_client.patch("/api/workspace/", json={}, headers=headers)

    assert response.status_code == 200, response.get_data(as_text=True)
    assert json_of(response) == before


@pytest.mark.parametrize("days", [29, 3651])
def test_patch_workspace_out_of_range_retention_names_the_field(api_client: FlaskClient, days: int) -> None:
    headers = auth_headers(api_client, "rita@example.com")

    response = api_client.patch("/api/workspace/", json={"retention_days": days}, headers=headers)

    assert response.status_code == 422
    assert response.mimetype == PROBLEM_JSON
    assert [error["loc"] for error in json_of(response)["errors"]] == [["retention_days"]]
    assert json_of(api_client.get("/api/workspace/", headers=headers))["retention_days"] is None


def test_my_sessions_newest_first_with_keyset_pages(api_client: FlaskClient) -> None:
    headers = auth_headers(api_client, "rita@example.com")
    job = create_job(api_client, headers)
    ids = [create_session(api_client, headers, job["id"], f"Candidate {n}")[0]["id"] for n in range(3)]

    first = api_client.get("/api/auth/sessions/?limit=2", headers=headers)
    assert first.status_code == 200
    page = json_of(first)
    assert [s["id"] for s in page["items"]] == [ids[2], ids[1]]
    assert page["next_after"] is not None

    second = json_of(
        api_client.get("/api/auth/sessions/", query_string={"limit": 2, "after": page["next_after"]}, headers=headers)
    )
    assert [s["id"] for s in second["items"]] == [ids[0]]
    assert second["next_after"] is None

    everything = json_of(api_client.get("/api/auth/sessions/", headers=headers))
    assert [s["id"] for s in everything["items"]] == ids[::-1]


# --- jobs -------------------------------------------------------------------------------------


def test_job_create_list_get(api_client: FlaskClient) -> None:
    headers = auth_headers(api_client, "rita@example.com")

    first = create_job(api_client, headers, "Backend Engineer")
    second = create_job(api_client, headers, "Data Engineer")

    assert first["rubric_version"] == 1
    assert first["rubric_template"] == RUBRIC
    assert first["owner_id"] == user_id_for("rita@example.com")
    listed = json_of(api_client.get("/api/jobs/", headers=headers))
    assert [job["id"] for job in listed["items"]] == [second["id"], first["id"]]
    got = api_client.get(f"/api/jobs/{first['id']}/", headers=headers)
    assert got.status_code == 200
    assert json_of(got) == first


def test_job_list_ignores_the_email_parameter(api_client: FlaskClient) -> None:
    mine = auth_headers(api_client, "rita@example.com")
    theirs = auth_headers(api_client, "other@x.com")
    my_job = create_job(api_client, mine, "Mine")
    create_job(api_client, theirs, "Theirs")

    response = api_client.get("/api/jobs/?email=other@x.com", headers=mine)

    assert response.status_code == 200
    assert [job["id"] for job in json_of(response)["items"]] == [my_job["id"]]


def test_job_put_bumps_rubric_version_only_when_the_rubric_changes(api_client: FlaskClient) -> None:
    headers = auth_headers(api_client, "rita@example.com")
    job = create_job(api_client, headers)

    same = api_client.put(
        f"/api/jobs/{job['id']}/",
        json={"title": "Senior Backend Engineer", "stack": ["Go"], "rubric_template": RUBRIC},
        headers=headers,
    )
    assert same.status_code == 200, same.get_data(as_text=True)
    assert json_of(same)["title"] == "Senior Backend Engineer"
    assert json_of(same)["stack"] == ["Go"]
    assert json_of(same)["rubric_version"] == 1

    changed_rubric = {**RUBRIC, "core_skills": ["APIs", "Databases", "Caching"]}
    changed = api_client.put(
        f"/api/jobs/{job['id']}/",
        json={"title": "Senior Backend Engineer", "rubric_template": changed_rubric},
        headers=headers,
    )
    assert changed.status_code == 200, changed.get_data(as_text=True)
    assert json_of(changed)["rubric_version"] == 2
    stored = json_of(api_client.get(f"/api/jobs/{job['id']}/", headers=headers))
    assert stored["rubric_version"] == 2
    assert stored["rubric_template"]["core_skills"] == ["APIs", "Databases", "Caching"]
    assert stored["created_at"] == job["created_at"]


def test_job_delete_refused_while_sessions_exist(api_client: FlaskClient) -> None:
    headers = auth_headers(api_client, "rita@example.com")
    job = create_job(api_client, headers)
    create_session(api_client, headers, job["id"])

    response = api_client.delete(f"/api/jobs/{job['id']}/", headers=headers)

    assert response.status_code == 409
    assert response.mimetype == PROBLEM_JSON
    assert api_client.get(f"/api/jobs/{job['id']}/", headers=headers).status_code == 200


def test_job_delete_without_sessions(api_client: FlaskClient) -> None:
    headers = auth_headers(api_client, "rita@example.com")
    job = create_job(api_client, headers)

    response = api_client.delete(f"/api/jobs/{job['id']}/", headers=headers)

    assert response.status_code == 204
    gone = api_client.get(f"/api/jobs/{job['id']}/", headers=headers)
    assert gone.status_code == 404
    assert gone.mimetype == PROBLEM_JSON
    assert json_of(api_client.get("/api/jobs/", headers=headers))["items"] == []


# --- sessions: invites and the candidate ------------------------------------------------------


def test_create_session_returns_the_invite_link(api_client: FlaskClient) -> None:
    headers = auth_headers(api_client, "rita@example.com")
    job = create_job(api_client, headers)

    response = api_client.post(
        "/api/sessions/",
        json={"job": job["id"], "candidate_name": "Casey Candidate", "candidate_email": "casey@example.com"},
        headers=headers,
    )

    assert response.status_code == 201
    body = json_of(response)
    session, url = body["session"], body["invite_url"]
    assert session["job_id"] == job["id"]
    assert session["stage"] == "invited"
    assert session["is_completed"] is False
    assert session["overall_score"] is None
    assert session["max_questions"] == job["interview_length"] == 6  # the default length
    assert urlsplit(url).path == "/interview"  # the token is in the fragment, which no browser sends
    token = invite_token(url)
    assert len(token) >= 32
    assert body["invite_expires_at"]
    invite_doc = platform().store.get(Invite, hash_token(token))
    assert invite_doc is not None
    assert invite_doc.session_id == session["id"]


def test_candidate_view_shows_the_interview_and_no_scores(api_client: FlaskClient) -> None:
    headers = auth_headers(api_client, "rita@example.com")
    job = create_job(api_client, headers, "Platform Engineer")
    session, token = create_session(api_client, headers, job["id"], "Casey Candidate")
    seed_answer(session["id"], session["owner_id"], 0, 9)
    end(api_client, session["id"], headers)  # scores now exist; the candidate must still see none

    response = candidate_view(api_client, token)

    assert response.status_code == 200
    view = json_of(response)
    assert view["session_id"] == session["id"]
    assert view["job_title"] == "Platform Engineer"
    assert view["candidate_name"] == "Casey Candidate"
    assert view["questions"] == session["max_questions"]
    assert "AI interviewer" in view["consent_notice"]
    assert view["is_completed"] is True
    forbidden = ("score", "recommendation", "decision", "critique", "evidence")
    assert not [key for key in keys_in(view) if any(word in key for word in forbidden)]
    assert 90 not in view.values()
    assert set(view) == {"session_id", "job_title", "candidate_name", "questions", "consent_notice", "is_completed"}


def test_connect_trades_the_invite_for_a_relay_ticket(api_client: FlaskClient) -> None:
    headers = auth_headers(api_client, "rita@example.com")
    job = create_job(api_client, headers)
    session, token = create_session(api_client, headers, job["id"])
    other, _ = create_session(api_client, headers, job["id"])

    response = api_client.get(f"/api/sessions/{session['id']}/connect/", headers=invite(token))

    assert response.status_code == 200, response.get_data(as_text=True)
    ticket = json_of(response)
    assert ticket["relay_url"].startswith("ws")
    assert ticket["relay_url"].endswith(f"/ws/interview/{session['id']}")
    tickets = relay_ticket_check()
    tickets.verify(ticket["ticket"], session["id"])
    with pytest.raises(Unauthorized):
        tickets.verify(ticket["ticket"], other["id"])
    assert ("session.connected", "candidate") in audit_actions(session["id"])


def test_candidate_ends_the_session_and_sees_no_score(api_client: FlaskClient) -> None:
    headers = auth_headers(api_client, "rita@example.com")
    job = create_job(api_client, headers)
    session, token = create_session(api_client, headers, job["id"])
    for turn, confidence in enumerate([7, 7, 7]):
        seed_answer(session["id"], session["owner_id"], turn, confidence)

    ended = end(api_client, session["id"], invite(token))

    assert ended["session_id"] == session["id"]
    assert ended["is_completed"] is True
    assert ended["ended_at"]
    assert not [key for key in keys_in(ended) if "score" in key or "recommendation" in key]
    stored = platform().store.get(InterviewSession, session["id"])
    assert stored is not None
    assert stored.overall_score == 70  # exactly at the threshold
    assert stored.recommendation == "HIRE"
    assert stored.stage == "completed"
    assert ("session.ended", "candidate") in audit_actions(session["id"])


@pytest.mark.parametrize(
    ("confidences", "score", "recommendation"),
    [
        ([7, 7, 6], 66, "REJECT"),  # mean 6.67 -> 66 (truncated, not rounded to 67)
        ([7, 7, 7], 70, "HIRE"),
        ([6, 8], 70, "HIRE"),
        ([7, 7, 7, 6], 67, "REJECT"),  # mean 6.75 -> 67: just below 70
        ([10, 9], 95, "HIRE"),
        ([1], 10, "REJECT"),
    ],
)
def test_recruiter_ends_the_session_and_it_is_scored(
    api_client: FlaskClient, confidences: list[int], score: int, recommendation: str
) -> None:
    headers = auth_headers(api_client, "rita@example.com")
    job = create_job(api_client, headers)
    session, _ = create_session(api_client, headers, job["id"])
    for turn, confidence in enumerate(confidences):
        seed_answer(session["id"], session["owner_id"], turn, confidence)

    end(api_client, session["id"], headers)

    got = detail(api_client, session["id"], headers)["session"]
    assert got["is_completed"] is True
    assert got["overall_score"] == score
    assert got["recommendation"] == recommendation
    assert got["provenance"]["model"] == "fake-model"


def test_ending_twice_announces_once_and_closes_connect(api_client: FlaskClient) -> None:
    headers = auth_headers(api_client, "rita@example.com")
    job = create_job(api_client, headers)
    session, token = create_session(api_client, headers, job["id"])
    seed_answer(session["id"], session["owner_id"], 0, 8)

    first = end(api_client, session["id"], invite(token))
    seed_answer(session["id"], session["owner_id"], 1, 1)  # a late answer must not rescore
    second = end(api_client, session["id"], headers)

    assert second["ended_at"] == first["ended_at"]
    events = completed_events(session["id"])
    assert len(events) == 1
    assert events[0].data == {"session_id": session["id"]}
    assert [action for action, _ in audit_actions(session["id"])].count("session.ended") == 1
    stored = platform().store.get(InterviewSession, session["id"])
    assert stored is not None
    assert stored.overall_score == 80
    connect = api_client.get(f"/api/sessions/{session['id']}/connect/", headers=invite(token))
    assert connect.status_code == 409
    assert connect.mimetype == PROBLEM_JSON
    assert api_client.post(f"/api/sessions/{session['id']}/invite/", headers=headers).status_code == 409


def test_ending_without_answers_leaves_no_score(api_client: FlaskClient) -> None:
    headers = auth_headers(api_client, "rita@example.com")
    job = create_job(api_client, headers)
    session, _ = create_session(api_client, headers, job["id"])

    end(api_client, session["id"], headers)

    got = detail(api_client, session["id"], headers)["session"]
    assert got["is_completed"] is True
    assert got["overall_score"] is None
    assert got["recommendation"] is None
    assert len(completed_events(session["id"])) == 1


# --- sessions: the recruiter's view -----------------------------------------------------------


def test_session_detail_orders_answers_and_counts_flags(api_client: FlaskClient) -> None:
    headers = auth_headers(api_client, "rita@example.com")
    job = create_job(api_client, headers, "Backend Engineer")
    session, _ = create_session(api_client, headers, job["id"])
    sid, owner = session["id"], session["owner_id"]
    # Written out of order, and turn 10 would sort before turn 2 as text.
    seed_answer(sid, owner, 10, 5, bias=True)
    seed_answer(sid, owner, 2, 6, cheating=True)
    seed_answer(sid, owner, 0, 7, cheating=True, bias=True)
    seed_answer(sid, owner, 1, 8)
    signal = seed_signal(sid, owner, 2)
    other, _ = create_session(api_client, headers, job["id"])
    seed_answer(other["id"], owner, 3, 9, cheating=True)  # another session's answer stays out

    got = detail(api_client, sid, headers)

    assert got["session"]["id"] == sid
    assert got["job_title"] == "Backend Engineer"
    assert [a["turn_index"] for a in got["answers"]] == [0, 1, 2, 10]
    assert [s["id"] for s in got["integrity_signals"]] == [signal.id]
    assert got["integrity_signals"][0]["kind"] == "paste"
    assert got["cheating_incidents"] == 2  # two flagged answers; the signal is turn 2's reason, not another flag
    assert got["bias_incidents"] == 2
    assert got["reviews"] == []
    assert ("session.answers_read", owner) in audit_actions(sid)


def test_download_pdf_before_and_after_the_scorecard(api_client: FlaskClient) -> None:
    headers = auth_headers(api_client, "rita@example.com")
    job = create_job(api_client, headers)
    session, _ = create_session(api_client, headers, job["id"], "Casey Candidate")
    url = f"/api/sessions/{session['id']}/download-pdf/"

    early = api_client.get(url, headers=headers)
    assert early.status_code == 409
    assert early.mimetype == PROBLEM_JSON
    assert json_of(early)["type"].endswith("not-ready")

    object_name = f"scorecards/{session['id']}.pdf"
    platform().blobs.put(object_name, PDF, "application/pdf")
    platform().store.update(InterviewSession, session["id"], {"report_object": object_name})
    response = api_client.get(url, headers=headers)

    assert response.status_code == 302
    location = urlsplit(response.headers["Location"])
    download = api_client.get(f"{location.path}?{location.query}")
    assert download.status_code == 200, download.get_data(as_text=True)
    assert download.data == PDF
    assert download.mimetype == "application/pdf"
    assert "Interview_Scorecard_Casey Candidate.pdf" in download.headers["Content-Disposition"]
    assert ("session.scorecard_read", session["owner_id"]) in audit_actions(session["id"])

    # The web app asks for the link as JSON: its fetch cannot read a cross-origin redirect.
    as_json = api_client.get(url, headers={**headers, "Accept": "application/json"})
    assert as_json.status_code == 200 and as_json.mimetype == "application/json"
    link = json_of(as_json)
    assert urlsplit(link["url"]).path == location.path
    expires_in = datetime.fromisoformat(link["expires_at"]) - datetime.now(UTC)
    assert timedelta(minutes=14) < expires_in <= timedelta(minutes=15)


def test_invite_links_open_the_web_app(api_client: FlaskClient, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TALENTCREW_WEB_URL", "https://jobs.example.com/")  # before the first request
    headers = auth_headers(api_client, "rita@example.com")
    job = create_job(api_client, headers)
    session, _ = create_session(api_client, headers, job["id"], "Casey Candidate")
    reissued = json_of(api_client.post(f"/api/sessions/{session['id']}/invite/", headers=headers))
    token = invite_token(reissued["invite_url"])
    assert reissued["invite_url"] == f"https://jobs.example.com/interview#t={token}"
    assert json_of(candidate_view(api_client, token))["job_title"]


def test_reissued_invite_replaces_the_old_one(api_client: FlaskClient) -> None:
    headers = auth_headers(api_client, "rita@example.com")
    job = create_job(api_client, headers)
    session, old = create_session(api_client, headers, job["id"])

    response = api_client.post(f"/api/sessions/{session['id']}/invite/", headers=headers)

    assert response.status_code == 201, response.get_data(as_text=True)
    body = json_of(response)
    new = invite_token(body["invite_url"])
    assert new != old
    assert body["session"]["id"] == session["id"]
    assert candidate_view(api_client, old).status_code == 401
    assert api_client.get(f"/api/sessions/{session['id']}/connect/", headers=invite(old)).status_code == 401
    assert candidate_view(api_client, new).status_code == 200
    assert api_client.get(f"/api/sessions/{session['id']}/connect/", headers=invite(new)).status_code == 200


def test_revoked_invite_stops_working(api_client: FlaskClient) -> None:
    headers = auth_headers(api_client, "rita@example.com")
    job = create_job(api_client, headers)
    session, token = create_session(api_client, headers, job["id"])
    assert candidate_view(api_client, token).status_code == 200

    response = api_client.delete(f"/api/sessions/{session['id']}/invite/", headers=headers)

    assert response.status_code == 204
    view = candidate_view(api_client, token)
    assert view.status_code == 401
    assert view.mimetype == PROBLEM_JSON
    assert api_client.get(f"/api/sessions/{session['id']}/connect/", headers=invite(token)).status_code == 401
    assert api_client.post(f"/api/sessions/{session['id']}/end/", headers=invite(token)).status_code == 401
    stored = platform().store.get(InterviewSession, session["id"])
    assert stored is not None
    assert stored.is_completed is False


def test_reviews_of_answer_flags_and_signals(api_client: FlaskClient) -> None:
    headers = auth_headers(api_client, "rita@example.com")
    job = create_job(api_client, headers)
    session, _ = create_session(api_client, headers, job["id"])
    sid, owner = session["id"], session["owner_id"]
    flagged = seed_answer(sid, owner, 0, 6, cheating=True, bias=True)
    clean = seed_answer(sid, owner, 1, 8)
    signal = seed_signal(sid, owner, 1)
    url = f"/api/sessions/{sid}/reviews/"

    integrity = api_client.post(
        url,
        json={"subject_id": flagged.id, "kind": "integrity", "outcome": "dismissed", "note": "I told them to"},
        headers=headers,
    )
    bias = api_client.post(url, json={"subject_id": flagged.id, "kind": "bias", "outcome": "upheld"}, headers=headers)
    on_signal = api_client.post(
        url, json={"subject_id": signal.id, "kind": "integrity", "outcome": "upheld", "note": "pasted"}, headers=headers
    )
    not_flagged = api_client.post(
        url, json={"subject_id": clean.id, "kind": "integrity", "outcome": "upheld"}, headers=headers
    )
    signal_as_bias = api_client.post(
        url, json={"subject_id": signal.id, "kind": "bias", "outcome": "upheld"}, headers=headers
    )

    for response in (integrity, bias, on_signal):
        assert response.status_code == 200, response.get_data(as_text=True)
    assert json_of(integrity)["id"] == review_id(FlagKind.INTEGRITY, flagged.id)
    assert json_of(integrity)["outcome"] == "dismissed"
    assert json_of(integrity)["note"] == "I told them to"
    assert json_of(integrity)["reviewer_id"] == owner
    assert json_of(bias)["kind"] == "bias"
    assert not_flagged.status_code == 404
    assert not_flagged.mimetype == PROBLEM_JSON
    assert signal_as_bias.status_code == 404
    got = detail(api_client, sid, headers)
    reviews = {(r["subject_id"], r["kind"]): r["outcome"] for r in got["reviews"]}
    assert reviews == {
        (flagged.id, "integrity"): "dismissed",
        (flagged.id, "bias"): "upheld",
        (signal.id, "integrity"): "upheld",
    }

    again = api_client.post(
        url, json={"subject_id": flagged.id, "kind": "bias", "outcome": "dismissed"}, headers=headers
    )
    assert again.status_code == 200
    got = detail(api_client, sid, headers)
    assert len(got["reviews"]) == 3  # replaced, not added
    assert {(r["subject_id"], r["kind"]): r["outcome"] for r in got["reviews"]}[(flagged.id, "bias")] == "dismissed"
    assert [action for action, _ in audit_actions(sid)].count("flag.reviewed") == 4


def test_decision_may_differ_from_the_recommendation(api_client: FlaskClient) -> None:
    headers = auth_headers(api_client, "rita@example.com")
    job = create_job(api_client, headers)
    session, _ = create_session(api_client, headers, job["id"])
    seed_answer(session["id"], session["owner_id"], 0, 9)
    end(api_client, session["id"], headers)

    response = api_client.put(
        f"/api/sessions/{session['id']}/decision/",
        json={"decision": "REJECT", "note": "  references did not check out  "},
        headers=headers,
    )

    assert response.status_code == 200, response.get_data(as_text=True)
    decided = json_of(response)
    assert decided["final_decision"] == "REJECT"
    assert decided["recommendation"] == "HIRE"
    got = detail(api_client, session["id"], headers)["session"]
    assert got["final_decision"] == "REJECT"
    assert got["recommendation"] == "HIRE"
    assert got["decision_note"] == "references did not check out"
    assert got["decided_by"] == session["owner_id"]
    assert got["decided_at"]


def test_audit_trail_lists_actions_with_actors(api_client: FlaskClient) -> None:
    headers = auth_headers(api_client, "rita@example.com")
    job = create_job(api_client, headers)
    session, token = create_session(api_client, headers, job["id"])
    sid, owner = session["id"], session["owner_id"]
    answer = seed_answer(sid, owner, 0, 8, cheating=True)
    api_client.get(f"/api/sessions/{sid}/connect/", headers=invite(token))
    end(api_client, sid, invite(token))
    detail(api_client, sid, headers)
    api_client.post(
        f"/api/sessions/{sid}/reviews/",
        json={"subject_id": answer.id, "kind": "integrity", "outcome": "upheld"},
        headers=headers,
    )
    api_client.put(f"/api/sessions/{sid}/decision/", json={"decision": "REJECT"}, headers=headers)

    response = api_client.get(f"/api/sessions/{sid}/audit/", headers=headers)

    assert response.status_code == 200
    entries = json_of(response)["items"]
    assert [(e["action"], e["actor"]) for e in entries] == [
        ("session.created", owner),
        ("session.connected", "candidate"),
        ("session.ended", "candidate"),
        ("session.answers_read", owner),
        ("flag.reviewed", owner),
        ("session.decided", owner),
    ]
    assert all(e["session_id"] == sid for e in entries)
    assert entries[4]["detail"] == {"subject_id": answer.id, "kind": "integrity", "outcome": "upheld"}
    assert entries[5]["detail"] == {"decision": "REJECT", "recommendation": "HIRE"}
    assert answer.candidate_answer not in response.get_data(as_text=True)

    first = json_of(api_client.get(f"/api/sessions/{sid}/audit/?limit=4", headers=headers))
    rest = json_of(
        api_client.get(f"/api/sessions/{sid}/audit/", query_string={"after": first["next_after"]}, headers=headers)
    )
    assert [e["id"] for e in first["items"] + rest["items"]] == [e["id"] for e in entries]


def test_erasure_removes_the_candidates_data_and_keeps_the_audit_record(api_client: FlaskClient) -> None:
    headers = auth_headers(api_client, "rita@example.com")
    job = create_job(api_client, headers)
    session, old_token = create_session(api_client, headers, job["id"])
    sid, owner = session["id"], session["owner_id"]
    reissued = api_client.post(f"/api/sessions/{sid}/invite/", headers=headers)
    token = invite_token(json_of(reissued)["invite_url"])
    answers = [seed_answer(sid, owner, turn, 6, cheating=turn == 0) for turn in range(3)]
    signal = seed_signal(sid, owner)
    api_client.post(
        f"/api/sessions/{sid}/reviews/",
        json={"subject_id": signal.id, "kind": "integrity", "outcome": "upheld"},
        headers=headers,
    )
    end(api_client, sid, headers)
    object_name = f"scorecards/{sid}.pdf"
    blobs, store = platform().blobs, platform().store
    blobs.put(object_name, PDF, "application/pdf")
    store.update(InterviewSession, sid, {"report_object": object_name})
    draft = AnswerDraft(id=answer_id(sid, 3), session_id=sid, turn_index=3, text="words said before a drop")
    store.create(draft)
    kept, _ = create_session(api_client, headers, job["id"])
    kept_answer = seed_answer(kept["id"], owner, 0, 5)

    response = api_client.delete(f"/api/sessions/{sid}/", headers=headers)

    assert response.status_code == 204
    assert store.get(InterviewSession, sid) is None
    assert all(store.get(Answer, a.id) is None for a in answers)
    assert store.query(Answer, where={"session_id": sid}, order_by="turn_index").items == []
    assert store.get(AnswerDraft, draft.id) is None
    assert store.get(IntegritySignal, signal.id) is None
    assert store.get(Review, review_id(FlagKind.INTEGRITY, signal.id)) is None
    assert store.query(Review, where={"session_id": sid}).items == []
    assert store.get(Invite, hash_token(token)) is None
    assert store.get(Invite, hash_token(old_token)) is None
    assert store.query(Invite, where={"session_id": sid}).items == []
    with pytest.raises(NotFound):
        blobs.get(object_name)
    assert api_client.get(f"/api/sessions/{sid}/", headers=headers).status_code == 404
    assert api_client.get(f"/api/sessions/{sid}/audit/", headers=headers).status_code == 404
    assert candidate_view(api_client, token).status_code == 401
    assert ("session.erased", owner) in audit_actions(sid)
    assert ("session.created", owner) in audit_actions(sid)  # the trail itself is kept
    # The other session is untouched.
    assert store.get(Answer, kept_answer.id) is not None
    assert detail(api_client, kept["id"], headers)["answers"][0]["id"] == kept_answer.id
    # The job may now be deleted only once its other session is gone too.
    assert api_client.delete(f"/api/jobs/{job['id']}/", headers=headers).status_code == 409


def test_results_lists_only_completed_sessions(api_client: FlaskClient) -> None:
    headers = auth_headers(api_client, "rita@example.com")
    job = create_job(api_client, headers)
    hired, _ = create_session(api_client, headers, job["id"], "Strong Candidate")
    pending, _ = create_session(api_client, headers, job["id"], "Pending Candidate")
    rejected, _ = create_session(api_client, headers, job["id"], "Weak Candidate")
    seed_answer(hired["id"], hired["owner_id"], 0, 9)
    seed_answer(pending["id"], pending["owner_id"], 0, 9)
    seed_answer(rejected["id"], rejected["owner_id"], 0, 3)
    end(api_client, hired["id"], headers)
    end(api_client, rejected["id"], headers)

    response = api_client.get("/api/results/", headers=headers)

    assert response.status_code == 200
    items = json_of(response)["items"]
    assert [(s["id"], s["overall_score"], s["recommendation"]) for s in items] == [
        (rejected["id"], 30, "REJECT"),
        (hired["id"], 90, "HIRE"),
    ]
    assert all(s["is_completed"] for s in items)
    other = auth_headers(api_client, "other@x.com")
    assert json_of(api_client.get("/api/results/?email=rita@example.com", headers=other))["items"] == []
