"""Security of the recruiter API, against both Store adapters.

- Tenancy: a recruiter can neither read nor change another recruiter's jobs, sessions, reviews,
  decisions, scorecards or audit trail, and cannot even tell them apart from ids that do not exist.
- Bearer tokens: missing, malformed, expired, forged, wrong-audience, revoked and orphaned tokens
  are all refused with a 401 problem that names the Bearer scheme.
- Invites: a link opens its own session only, expires, and only its hash is stored.
- Login throttling per account and per client address; no account enumeration through login.
- CORS only for configured origins; passwords stored as argon2id hashes only.
"""

from __future__ import annotations

import hashlib
import secrets
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

import jwt
import pytest
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from talentcrew.accounts import PasswordReset, PendingSignUp
from talentcrew.adapters.local_mail import LocalMail
from talentcrew.audit import AuditEntry
from talentcrew.auth import (
    API_AUDIENCE,
    ISSUER,
    RELAY_AUDIENCE,
    Attempt,
    Credential,
    Invite,
    RevokedToken,
    new_signing_key,
)
from talentcrew.config import platform
from talentcrew.events import OutboxEvent
from talentcrew.models import (
    Answer,
    Document,
    IntegritySignal,
    InterviewSession,
    Job,
    Review,
    User,
    user_id_for,
    utcnow,
)
from tests.api.helpers import (
    PASSWORD,
    RUBRIC,
    auth_headers,
    bearer,
    candidate_view,
    create_job,
    create_session,
    invite_token,
    log_in,
    relay_ticket_check,
    seed_answer,
    seed_signal,
    sign_up,
)
from tests.conftest import KEYS

Json = dict[str, Any]
PROBLEM_JSON = "application/problem+json"
PROBLEMS = "https://talentcrew.dev/problems/"
STORED_KINDS: tuple[type[Document], ...] = (
    User,
    Credential,
    Job,
    InterviewSession,
    Answer,
    IntegritySignal,
    Review,
    Invite,
    AuditEntry,
    OutboxEvent,
    RevokedToken,
    Attempt,
    PendingSignUp,
    PasswordReset,
)


# --- helpers -------------------------------------------------------------------------------------


def problem(response: TestResponse, status: int) -> Json:
    """The problem+json body of `response`, asserting its status and media type."""
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == PROBLEM_JSON
    body: Json = response.get_json()
    assert body["status"] == status
    return body


def assert_unauthorized(response: TestResponse) -> None:
    body = problem(response, 401)
    assert body["type"] == f"{PROBLEMS}unauthorized"
    assert body["title"] == "Unauthorized"
    assert response.headers.get("WWW-Authenticate", "").startswith("Bearer")


def all_documents(kind: type[Document]) -> list[Document]:
    """Every stored document of a kind, paging through the store."""
    store = platform().store
    found: list[Document] = []
    after: Any = None
    while True:
        page = store.query(kind, order_by="id", after=after, limit=200)
        found.extend(page.items)
        if page.next_after is None:
            return found
        after = page.next_after


def stored_text(data_dir: Path) -> str:
    """Every stored document as JSON text, plus (embedded store) the raw bytes of its files."""
    parts = [doc.model_dump_json() for kind in STORED_KINDS for doc in all_documents(kind)]
    if platform().store.name == "sqlite":
        parts += [path.read_bytes().decode("latin-1") for path in data_dir.glob("talentcrew.db*")]
    return "\n".join(parts)


ACCESS_KEY = KEYS["TALENTCREW_ACCESS_TOKEN_KEY"]


def jwt_for(subject: str, *, audience: str = API_AUDIENCE, lifetime: timedelta, key: str = ACCESS_KEY) -> str:
    """A token with talentcrew.auth.Tokens._encode's claims, lifetime counted from now (may be negative)."""
    now = utcnow()
    issued = now if lifetime > timedelta(0) else now + lifetime - timedelta(minutes=5)
    claims = {
        "iss": ISSUER,
        "aud": audience,
        "sub": subject,
        "iat": issued,
        "exp": now + lifetime,
        "jti": str(uuid.uuid4()),
    }
    return jwt.encode(claims, key, algorithm="ES256")


@pytest.fixture
def data_dir(api_client: FlaskClient, tmp_path: Path) -> Path:
    """The embedded adapters' folder (api_client points TALENTCREW_DATA_DIR at tmp_path)."""
    return tmp_path


# --- 1. the cross-tenant matrix ------------------------------------------------------------------


@dataclass(frozen=True)
class Tenant:
    email: str
    user_id: str
    headers: dict[str, str]


@dataclass(frozen=True)
class World:
    """Recruiter A's job and ended, flagged, scored session; recruiter B with nothing yet."""

    a: Tenant
    b: Tenant
    job: Json
    session: Json
    invite: str
    answer_id: str
    signal_id: str
    report_object: str


def tenant(client: FlaskClient, email: str) -> Tenant:
    return Tenant(email, user_id_for(email), auth_headers(client, email))


@pytest.fixture
def world(api_client: FlaskClient) -> World:
    a = tenant(api_client, "alice@a-corp.example")
    job = create_job(api_client, a.headers, "A's secret role")
    session, invite = create_session(api_client, a.headers, job["id"], "Ada Applicant")
    answer = seed_answer(session["id"], a.user_id, 0, 7, cheating=True)
    signal = seed_signal(session["id"], a.user_id)
    ended = api_client.post(f"/api/sessions/{session['id']}/end/", headers=a.headers)
    assert ended.status_code == 200, ended.get_data(as_text=True)
    report = f"scorecards/{session['id']}/card.pdf"
    platform().blobs.put(report, b"%PDF-1.4 A's scorecard", "application/pdf")
    platform().store.update(InterviewSession, session["id"], {"report_object": report})
    stored = platform().store.get(InterviewSession, session["id"])
    assert stored is not None and stored.is_completed and stored.report_object == report
    b = tenant(api_client, "bob@b-corp.example")
    return World(a, b, job, stored.model_dump(mode="json"), invite, answer.id, signal.id, report)


@dataclass(frozen=True)
class Ids:
    job: str
    session: str
    subject: str


@dataclass(frozen=True)
class Call:
    method: str
    path: str  # formatted with an Ids
    body: Callable[[Ids], Json] | None = None

    def send(self, client: FlaskClient, headers: dict[str, str], ids: Ids) -> TestResponse:
        path = self.path.format(job=ids.job, session=ids.session)
        body = self.body(ids) if self.body else None
        return client.open(path, method=self.method, json=body, headers=headers)


def _job_draft(ids: Ids) -> Json:
    return {"title": "Taken over by B", "stack": ["COBOL"], "rubric_template": {**RUBRIC, "languages": ["COBOL"]}}


def _session_draft(ids: Ids) -> Json:
    return {"job": ids.job, "candidate_name": "B's plant", "candidate_email": "plant@b-corp.example"}


def _review(ids: Ids) -> Json:
    return {"subject_id": ids.subject, "kind": "integrity", "outcome": "dismissed", "note": "B says it is fine"}


def _decision(ids: Ids) -> Json:
    return {"decision": "HIRE", "note": "B decided"}


CROSS_TENANT_CALLS = [
    pytest.param(Call("GET", "/api/jobs/{job}/"), id="GET-job"),
    pytest.param(Call("PUT", "/api/jobs/{job}/", _job_draft), id="PUT-job"),
    pytest.param(Call("DELETE", "/api/jobs/{job}/"), id="DELETE-job"),
    pytest.param(Call("POST", "/api/sessions/", _session_draft), id="POST-session-for-job"),
    pytest.param(Call("GET", "/api/sessions/{session}/"), id="GET-session"),
    pytest.param(Call("DELETE", "/api/sessions/{session}/"), id="DELETE-session"),
    pytest.param(Call("POST", "/api/sessions/{session}/invite/"), id="POST-invite"),
    pytest.param(Call("DELETE", "/api/sessions/{session}/invite/"), id="DELETE-invite"),
    pytest.param(Call("POST", "/api/sessions/{session}/end/"), id="POST-end"),
    pytest.param(Call("GET", "/api/sessions/{session}/download-pdf/"), id="GET-download-pdf"),
    pytest.param(Call("POST", "/api/sessions/{session}/reviews/", _review), id="POST-review"),
    pytest.param(Call("PUT", "/api/sessions/{session}/decision/", _decision), id="PUT-decision"),
    pytest.param(Call("GET", "/api/sessions/{session}/audit/"), id="GET-audit"),
]


def snapshot(world: World) -> Json:
    """Everything of A's that B's calls could touch, as stored."""
    store = platform().store
    session_id = world.session["id"]
    job = store.get(Job, world.job["id"])
    session = store.get(InterviewSession, session_id)

    def of_session(kind: type[Document]) -> list[Json]:
        return [d.model_dump(mode="json") for d in all_documents(kind) if getattr(d, "session_id", None) == session_id]

    return {
        "job": job.model_dump(mode="json") if job else None,
        "session": session.model_dump(mode="json") if session else None,
        "answers": of_session(Answer),
        "signals": of_session(IntegritySignal),
        "reviews": of_session(Review),
        "invites": of_session(Invite),
        "sessions_of_a": sorted(
            s.id
            for s in all_documents(InterviewSession)
            if isinstance(s, InterviewSession) and s.owner_id != world.b.user_id
        ),
        "audit_of_a": [
            e.model_dump(mode="json")
            for e in all_documents(AuditEntry)
            if isinstance(e, AuditEntry) and e.owner_id == world.a.user_id
        ],
        "report": platform().blobs.get(world.report_object),
    }


@pytest.mark.parametrize("call", CROSS_TENANT_CALLS)
def test_another_recruiters_resources_look_like_nonexistent_ones(
    api_client: FlaskClient, world: World, call: Call
) -> None:
    before = snapshot(world)
    theirs = Ids(world.job["id"], world.session["id"], world.answer_id)
    nowhere = Ids(str(uuid.uuid4()), str(uuid.uuid4()), world.answer_id)

    refused = call.send(api_client, world.b.headers, theirs)
    missing = call.send(api_client, world.b.headers, nowhere)

    refused_body, missing_body = problem(refused, 404), problem(missing, 404)
    assert (refused_body["type"], refused_body["title"]) == (missing_body["type"], missing_body["title"])
    assert refused_body["type"] == f"{PROBLEMS}not-found"
    assert "Location" not in refused.headers
    # Nothing of A's changed, and B left no trace in A's data (not even an audited read).
    assert snapshot(world) == before
    assert not [e for e in all_documents(AuditEntry) if isinstance(e, AuditEntry) and e.actor == world.b.user_id]
    assert not [
        s for s in all_documents(InterviewSession) if isinstance(s, InterviewSession) and s.owner_id == world.b.user_id
    ]


def test_owner_still_sees_their_data_intact_after_the_attempts(api_client: FlaskClient, world: World) -> None:
    """Control for the matrix: the same calls work for A, and B's attempts left no mark A can see."""
    ids = Ids(world.job["id"], world.session["id"], world.answer_id)
    for param in CROSS_TENANT_CALLS:
        call = param.values[0]
        assert isinstance(call, Call)
        if call.method == "GET" or call.path.endswith("/end/"):
            call.send(api_client, world.b.headers, ids)

    job = api_client.get(f"/api/jobs/{world.job['id']}/", headers=world.a.headers)
    assert job.status_code == 200
    assert job.get_json() == world.job
    detail = api_client.get(f"/api/sessions/{world.session['id']}/", headers=world.a.headers)
    assert detail.status_code == 200
    body = detail.get_json()
    assert body["session"] == world.session
    assert body["reviews"] == []
    assert body["session"]["final_decision"] is None
    assert [a["id"] for a in body["answers"]] == [world.answer_id]
    assert [s["id"] for s in body["integrity_signals"]] == [world.signal_id]
    assert body["cheating_incidents"] == 1  # the flagged answer; its signal is its reason, not a second flag
    pdf = api_client.get(f"/api/sessions/{world.session['id']}/download-pdf/", headers=world.a.headers)
    assert pdf.status_code == 302
    trail = api_client.get(f"/api/sessions/{world.session['id']}/audit/", headers=world.a.headers)
    assert trail.status_code == 200
    entries = trail.get_json()["items"]
    assert {e["actor"] for e in entries} == {world.a.user_id}
    assert [e["action"] for e in entries].count("session.ended") == 1
    ended = [e for e in all_documents(OutboxEvent) if isinstance(e, OutboxEvent)]
    assert [e.data for e in ended] == [{"session_id": world.session["id"]}]


def test_reviewing_another_recruiters_flag_through_ones_own_session_is_not_found(
    api_client: FlaskClient, world: World
) -> None:
    b_job = create_job(api_client, world.b.headers)
    b_session, _ = create_session(api_client, world.b.headers, b_job["id"])
    for subject, kind in ((world.answer_id, "integrity"), (world.signal_id, "integrity"), (world.answer_id, "bias")):
        response = api_client.post(
            f"/api/sessions/{b_session['id']}/reviews/",
            json={"subject_id": subject, "kind": kind, "outcome": "dismissed"},
            headers=world.b.headers,
        )
        assert problem(response, 404)["type"] == f"{PROBLEMS}not-found"
    assert all_documents(Review) == []


LIST_PATHS = ["/api/jobs/", "/api/auth/sessions/", "/api/results/"]


@pytest.mark.parametrize("path", LIST_PATHS)
def test_lists_show_nothing_of_another_recruiter(api_client: FlaskClient, world: World, path: str) -> None:
    owners = {
        "/api/jobs/": world.job["id"],
        "/api/auth/sessions/": world.session["id"],
        "/api/results/": world.session["id"],
    }
    mine = api_client.get(path, headers=world.a.headers)
    assert mine.status_code == 200
    assert [item["id"] for item in mine.get_json()["items"]] == [owners[path]]

    for query in ("", f"?email={world.a.email}", f"?email={world.a.email}&owner_id={world.a.user_id}&limit=100"):
        theirs = api_client.get(path + query, headers=world.b.headers)
        assert theirs.status_code == 200, theirs.get_data(as_text=True)
        assert theirs.get_json() == {"items": [], "next_after": None}
        assert world.a.user_id not in theirs.get_data(as_text=True)


def test_lists_show_only_the_callers_own_items(api_client: FlaskClient, world: World) -> None:
    b_job = create_job(api_client, world.b.headers, "B's role")
    b_session, _ = create_session(api_client, world.b.headers, b_job["id"])
    jobs = api_client.get("/api/jobs/", headers=world.b.headers).get_json()["items"]
    sessions = api_client.get("/api/auth/sessions/", headers=world.b.headers).get_json()["items"]
    assert [j["id"] for j in jobs] == [b_job["id"]]
    assert [s["id"] for s in sessions] == [b_session["id"]]


OWNER_INJECTIONS = [
    pytest.param("POST", "/api/jobs/", {"title": "T", "rubric_template": RUBRIC, "owner_id": "{a}"}, id="job-owner"),
    pytest.param(
        "POST",
        "/api/sessions/",
        {"job": "{b_job}", "candidate_name": "C", "candidate_email": "c@c.example", "owner_id": "{a}"},
        id="session-owner",
    ),
    pytest.param("PATCH", "/api/auth/me/", {"id": "{a}"}, id="me-id"),
    pytest.param("PATCH", "/api/auth/me/", {"email": "alice@a-corp.example"}, id="me-email"),
]


@pytest.mark.parametrize(("method", "path", "body"), OWNER_INJECTIONS)
def test_owner_and_identity_fields_cannot_be_assigned(
    api_client: FlaskClient, world: World, method: str, path: str, body: Json
) -> None:
    """Mass assignment: B cannot plant a job or session in A's account, nor become A."""
    b_job = create_job(api_client, world.b.headers, "B's role")
    filled = {k: v.format(a=world.a.user_id, b_job=b_job["id"]) if isinstance(v, str) else v for k, v in body.items()}
    before = snapshot(world)
    response = api_client.open(path, method=method, json=filled, headers=world.b.headers)
    assert problem(response, 422)["type"] == f"{PROBLEMS}validation"
    assert snapshot(world) == before
    me = api_client.get("/api/auth/me/", headers=world.b.headers).get_json()
    assert (me["id"], me["email"]) == (world.b.user_id, world.b.email)


def test_signing_up_again_with_a_taken_email_cannot_take_the_account_over(
    api_client: FlaskClient, world: World
) -> None:
    """A taken email gets the answer a new one gets (so sign-up does not tell who has an account); the account,
    its password and its name stay as they were, and its owner is told by email."""
    new = api_client.post(
        "/api/users/", json={"email": "new@a-corp.example", "password": "attacker password", "full_name": "Mallory"}
    )
    accepted = 0
    for email in (world.a.email, world.a.email.upper(), f"  {world.a.email}"):
        response = api_client.post(
            "/api/users/", json={"email": email, "password": "attacker password", "full_name": "Mallory"}
        )
        if response.status_code == 422:  # an address the schema refuses, as it would refuse any
            assert response.mimetype == PROBLEM_JSON
            continue
        assert (response.status_code, response.get_data(), dict(response.headers)) == (
            new.status_code,
            new.get_data(),
            dict(new.headers),
        )
        accepted += 1
    assert accepted >= 2 and new.status_code == 202
    assert_unauthorized(attempt(api_client, world.a.email, "attacker password"))
    assert attempt(api_client, world.a.email, PASSWORD).status_code == 200
    user = platform().store.get(User, world.a.user_id)
    assert user is not None and user.full_name == "Rita Recruiter"
    mail = platform().mail
    assert isinstance(mail, LocalMail)
    notices = [
        letter for letter in mail.letters() if letter.to == world.a.email and "tried to sign up" in letter.subject
    ]
    assert len(notices) == accepted


def test_a_scorecard_link_opens_that_scorecard_only(api_client: FlaskClient, world: World) -> None:
    """The signed link (embedded Blobs) cannot be pointed at another object or kept past its expiry."""
    other = "scorecards/someone-else/card.pdf"
    platform().blobs.put(other, b"%PDF-1.4 someone else's scorecard", "application/pdf")
    redirect = api_client.get(f"/api/sessions/{world.session['id']}/download-pdf/", headers=world.a.headers)
    assert redirect.status_code == 302
    link = urlsplit(redirect.headers["Location"])
    query = dict(parse_qsl(link.query))
    download = api_client.get(f"{link.path}?{link.query}")
    assert download.status_code == 200
    assert download.get_data() == b"%PDF-1.4 A's scorecard"

    tampered = [
        (f"/api/blobs/{other}", query),
        (link.path, {**query, "expires": str(int(query["expires"]) + 3600)}),
        (link.path, {**query, "expires": "1"}),
        (link.path, {**query, "filename": "renamed.pdf"}),
        (link.path, {**query, "signature": "0" * 64}),
        ("/api/blobs/scorecards/../talentcrew.db", query),
        ("/api/blobs/..%2Ftalentcrew.db", query),
    ]
    for path, params in tampered:
        response = api_client.get(f"{path}?{urlencode(params)}")
        assert response.status_code in (403, 404), (path, params)
        assert response.mimetype == PROBLEM_JSON
        assert b"PDF" not in response.get_data()
        assert b"SQLite" not in response.get_data()


# --- 2. bearer tokens ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Account:
    email: str
    user_id: str
    headers: dict[str, str]
    session_id: str


@pytest.fixture
def account(api_client: FlaskClient) -> Account:
    email = "tess@tokens.example"
    headers = auth_headers(api_client, email)
    job = create_job(api_client, headers)
    session, _ = create_session(api_client, headers, job["id"])
    return Account(email, user_id_for(email), headers, session["id"])


def _missing(client: FlaskClient, account: Account) -> dict[str, str]:
    return {}


def _basic_scheme(client: FlaskClient, account: Account) -> dict[str, str]:
    return {"Authorization": "Basic " + account.headers["Authorization"].removeprefix("Bearer ")}


def _empty_bearer(client: FlaskClient, account: Account) -> dict[str, str]:
    return {"Authorization": "Bearer "}


def _malformed(client: FlaskClient, account: Account) -> dict[str, str]:
    return bearer("abc")


def _expired(client: FlaskClient, account: Account) -> dict[str, str]:
    return bearer(jwt_for(account.user_id, lifetime=-timedelta(minutes=1)))


def _forged(client: FlaskClient, account: Account) -> dict[str, str]:
    return bearer(jwt_for(account.user_id, lifetime=timedelta(hours=1), key=new_signing_key()))


def _signed_with_the_ticket_key(client: FlaskClient, account: Account) -> dict[str, str]:
    """Whoever holds the relay tickets' key cannot mint a recruiter's token: each purpose has its own key."""
    return bearer(jwt_for(account.user_id, lifetime=timedelta(hours=1), key=KEYS["TALENTCREW_TICKET_KEY"]))


def _hs256_with_the_old_shared_secret(client: FlaskClient, account: Account) -> dict[str, str]:
    """A token in the old form (HS256) is refused whatever its key: only ES256 is accepted."""
    claims = jwt.decode(jwt_for(account.user_id, lifetime=timedelta(hours=1)), options={"verify_signature": False})
    return bearer(jwt.encode(claims, KEYS["TALENTCREW_LINK_KEY"], algorithm="HS256"))


def _unsigned(client: FlaskClient, account: Account) -> dict[str, str]:
    now = utcnow()
    claims = {
        "iss": ISSUER,
        "aud": API_AUDIENCE,
        "sub": account.user_id,
        "iat": now,
        "exp": now + timedelta(hours=1),
        "jti": str(uuid.uuid4()),
    }
    return bearer(jwt.encode(claims, "", algorithm="none"))


def _relay_ticket(client: FlaskClient, account: Account) -> dict[str, str]:
    ticket, _ = platform().tokens.issue_relay_ticket(account.session_id)
    return bearer(ticket)


def _relay_audience_for_user(client: FlaskClient, account: Account) -> dict[str, str]:
    return bearer(jwt_for(account.user_id, audience=RELAY_AUDIENCE, lifetime=timedelta(hours=1)))


def _revoked(client: FlaskClient, account: Account) -> dict[str, str]:
    response = client.post("/api/auth/logout/", headers=account.headers)
    assert response.status_code == 204
    return account.headers


def _deleted_account(client: FlaskClient, account: Account) -> dict[str, str]:
    platform().store.delete(User, account.user_id)
    return account.headers


BAD_CREDENTIALS = [
    pytest.param(_missing, id="missing"),
    pytest.param(_basic_scheme, id="basic-scheme"),
    pytest.param(_empty_bearer, id="empty-bearer"),
    pytest.param(_malformed, id="malformed"),
    pytest.param(_expired, id="expired"),
    pytest.param(_forged, id="forged"),
    pytest.param(_signed_with_the_ticket_key, id="ticket-key"),
    pytest.param(_hs256_with_the_old_shared_secret, id="hs256"),
    pytest.param(_unsigned, id="alg-none"),
    pytest.param(_relay_ticket, id="relay-ticket"),
    pytest.param(_relay_audience_for_user, id="relay-audience"),
    pytest.param(_revoked, id="revoked"),
    pytest.param(_deleted_account, id="deleted-account"),
]


def representative_calls(account: Account) -> list[tuple[str, str, Json | None]]:
    job = {"title": "Smuggled", "stack": [], "rubric_template": RUBRIC}
    return [
        ("GET", "/api/auth/me/", None),
        ("GET", "/api/jobs/", None),
        ("POST", "/api/jobs/", job),
        ("GET", f"/api/sessions/{account.session_id}/", None),
        ("POST", f"/api/sessions/{account.session_id}/end/", None),
        ("PUT", f"/api/sessions/{account.session_id}/decision/", {"decision": "REJECT"}),
        ("POST", "/api/auth/logout/", None),
    ]


@pytest.mark.parametrize("credentials", BAD_CREDENTIALS)
def test_bad_credentials_are_refused_with_401(
    api_client: FlaskClient,
    account: Account,
    credentials: Callable[[FlaskClient, Account], dict[str, str]],
) -> None:
    headers = credentials(api_client, account)
    for method, path, body in representative_calls(account):
        assert_unauthorized(api_client.open(path, method=method, json=body, headers=headers))
    stored = platform().store.get(InterviewSession, account.session_id)
    assert stored is not None
    assert not stored.is_completed
    assert stored.final_decision is None
    assert [j.title for j in all_documents(Job) if isinstance(j, Job)] == ["Backend Engineer"]


def test_a_token_built_like_the_servers_own_is_accepted(api_client: FlaskClient, account: Account) -> None:
    """Control for the expired/forged cases: the hand-built claims are exactly what the API accepts."""
    response = api_client.get("/api/auth/me/", headers=bearer(jwt_for(account.user_id, lifetime=timedelta(hours=1))))
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.get_json()["email"] == account.email


def test_logout_revokes_only_that_token(api_client: FlaskClient, account: Account) -> None:
    other = bearer(log_in(api_client, account.email)["access_token"])
    assert api_client.post("/api/auth/logout/", headers=account.headers).status_code == 204
    assert_unauthorized(api_client.get("/api/auth/me/", headers=account.headers))
    assert api_client.get("/api/auth/me/", headers=other).status_code == 200


# --- 3. invites ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Invites:
    headers: dict[str, str]
    x: str
    x_token: str
    y: str
    y_token: str


@pytest.fixture
def invites(api_client: FlaskClient) -> Invites:
    headers = auth_headers(api_client, "ivy@invites.example")
    job = create_job(api_client, headers)
    x, x_token = create_session(api_client, headers, job["id"], "Xavier")
    y, y_token = create_session(api_client, headers, job["id"], "Yolanda")
    return Invites(headers, x["id"], x_token, y["id"], y_token)


def is_ended(session_id: str) -> bool:
    session = platform().store.get(InterviewSession, session_id)
    assert session is not None
    return session.is_completed


def test_an_invite_opens_its_own_session_only(api_client: FlaskClient, invites: Invites) -> None:
    header = {"X-Invite-Token": invites.x_token}
    connect = api_client.get(f"/api/sessions/{invites.y}/connect/", headers=header)
    assert problem(connect, connect.status_code)["status"] in (401, 404)
    end = api_client.post(f"/api/sessions/{invites.y}/end/", headers=header)
    assert problem(end, end.status_code)["status"] in (401, 404)
    assert not is_ended(invites.y)
    assert not is_ended(invites.x)

    # The same token does open its own session.
    own = api_client.get(f"/api/sessions/{invites.x}/connect/", headers=header)
    assert own.status_code == 200, own.get_data(as_text=True)
    relay_ticket_check().verify(own.get_json()["ticket"], invites.x)
    assert api_client.post(f"/api/sessions/{invites.x}/end/", headers=header).status_code == 200
    assert is_ended(invites.x)
    assert not is_ended(invites.y)


def test_an_unknown_invite_token_is_401(api_client: FlaskClient, invites: Invites) -> None:
    unknown = secrets.token_urlsafe(32)
    assert_unauthorized(candidate_view(api_client, unknown))
    connect = api_client.get(f"/api/sessions/{invites.x}/connect/", headers={"X-Invite-Token": unknown})
    assert_unauthorized(connect)
    assert_unauthorized(api_client.post(f"/api/sessions/{invites.x}/end/", headers={"X-Invite-Token": unknown}))
    assert not is_ended(invites.x)
    assert candidate_view(api_client, invites.x_token).status_code == 200


def test_an_expired_invite_is_401(api_client: FlaskClient, invites: Invites) -> None:
    assert candidate_view(api_client, invites.x_token).status_code == 200
    past = utcnow() - timedelta(seconds=1)
    platform().store.update(Invite, hashlib.sha256(invites.x_token.encode()).hexdigest(), {"expires_at": past})

    assert_unauthorized(candidate_view(api_client, invites.x_token))
    connect = api_client.get(f"/api/sessions/{invites.x}/connect/", headers={"X-Invite-Token": invites.x_token})
    assert_unauthorized(connect)
    assert_unauthorized(api_client.post(f"/api/sessions/{invites.x}/end/", headers={"X-Invite-Token": invites.x_token}))
    assert not is_ended(invites.x)
    assert candidate_view(api_client, invites.y_token).status_code == 200


def test_revoked_and_reissued_invites_stop_working(api_client: FlaskClient, invites: Invites) -> None:
    reissued = api_client.post(f"/api/sessions/{invites.x}/invite/", headers=invites.headers)
    assert reissued.status_code == 201
    new_token = invite_token(reissued.get_json()["invite_url"])
    assert_unauthorized(candidate_view(api_client, invites.x_token))
    assert candidate_view(api_client, new_token).status_code == 200

    assert api_client.delete(f"/api/sessions/{invites.x}/invite/", headers=invites.headers).status_code == 204
    assert_unauthorized(candidate_view(api_client, new_token))
    assert candidate_view(api_client, invites.y_token).status_code == 200


def test_only_the_invite_tokens_hash_is_stored(api_client: FlaskClient, invites: Invites, data_dir: Path) -> None:
    store = platform().store
    for session_id, token in ((invites.x, invites.x_token), (invites.y, invites.y_token)):
        digest = hashlib.sha256(token.encode()).hexdigest()
        invite = store.get(Invite, digest)
        assert invite is not None
        assert (invite.id, invite.session_id) == (digest, session_id)
        assert token not in invite.model_dump_json()
        assert store.get(Invite, token) is None
    invite_ids = {doc.id for doc in all_documents(Invite)}
    assert invite_ids == {hashlib.sha256(t.encode()).hexdigest() for t in (invites.x_token, invites.y_token)}

    everything = stored_text(data_dir)
    assert hashlib.sha256(invites.x_token.encode()).hexdigest() in everything  # the scan sees the store
    for token in (invites.x_token, invites.y_token):
        assert token not in everything


# --- 4. login throttling -------------------------------------------------------------------------


@pytest.fixture
def delays(monkeypatch: pytest.MonkeyPatch, api_client: FlaskClient) -> FlaskClient:
    """api_client whose accounts get 2 free failures, then waits of 1, 2, 4, 4... seconds (the platform is built
    on first use)."""
    monkeypatch.setenv("TALENTCREW_LOGIN_FREE_FAILURES", "2")
    monkeypatch.setenv("TALENTCREW_LOGIN_MAX_DELAY_SECONDS", "4")
    monkeypatch.setenv("TALENTCREW_LOGIN_FAILURES_PER_ADDRESS", "30")
    assert platform().settings.login_max_delay_seconds == 4
    return api_client


@pytest.fixture
def per_address_4(monkeypatch: pytest.MonkeyPatch, api_client: FlaskClient) -> FlaskClient:
    monkeypatch.setenv("TALENTCREW_LOGIN_FREE_FAILURES", "5")
    monkeypatch.setenv("TALENTCREW_LOGIN_FAILURES_PER_ADDRESS", "4")
    assert platform().settings.login_failures_per_address == 4
    return api_client


def attempt(client: FlaskClient, email: str, password: str, address: str = "127.0.0.1", **headers: str) -> TestResponse:
    return client.post(
        "/api/auth/login/",
        json={"email": email, "password": password},
        environ_overrides={"REMOTE_ADDR": address},
        headers=headers,
    )


def assert_rate_limited(response: TestResponse, retry_after: int | None = None) -> None:
    body = problem(response, 429)
    assert body["type"] == f"{PROBLEMS}rate-limited"
    assert body["title"] == "Too Many Requests"
    assert "access_token" not in body
    waited = int(response.headers["Retry-After"])
    assert 0 < waited <= 15 * 60 + 1
    if retry_after is not None:
        assert waited == retry_after


def time_passes(seconds: float) -> None:
    """Moves every counted attempt `seconds` into the past (as if the client had waited that long)."""
    store = platform().store
    for attempt_ in all_documents(Attempt):
        assert isinstance(attempt_, Attempt)
        shift = timedelta(seconds=seconds)
        store.update(Attempt, attempt_.id, {"at": attempt_.at - shift, "expires_at": attempt_.expires_at - shift})


def test_failed_logins_make_the_account_wait_longer_each_time_but_never_lock_it(delays: FlaskClient) -> None:
    client = delays
    sign_up(client, "target@throttle.example")
    sign_up(client, "bystander@throttle.example")
    for _ in range(2):  # the free failures
        assert_unauthorized(attempt(client, "target@throttle.example", "wrong password!"))
    # The third attempt waits 1 s, whatever the password, the spelling of the email, or the address.
    assert_rate_limited(attempt(client, "target@throttle.example", PASSWORD), retry_after=1)
    assert_rate_limited(attempt(client, "TARGET@throttle.example", PASSWORD, address="10.9.8.7"), retry_after=1)
    # Another account from the same address is not held back.
    assert attempt(client, "bystander@throttle.example", PASSWORD).status_code == 200
    waits = []
    for _ in range(4):  # each further failure doubles the wait, up to the ceiling
        time_passes(4)
        assert_unauthorized(attempt(client, "target@throttle.example", "wrong password!"))
        waits.append(int(attempt(client, "target@throttle.example", PASSWORD).headers["Retry-After"]))
    assert waits == [2, 4, 4, 4]
    # After the wait, the right password works: five failures no longer lock the owner out for 15 minutes.
    time_passes(4)
    assert attempt(client, "target@throttle.example", PASSWORD).status_code == 200
    # An unknown email is throttled the same way, so a 429 does not reveal that an account exists.
    for _ in range(2):
        assert_unauthorized(attempt(client, "nobody@throttle.example", "wrong password!"))
    assert_rate_limited(attempt(client, "nobody@throttle.example", "wrong password!"), retry_after=1)


def test_failures_below_the_free_ones_do_not_delay(delays: FlaskClient) -> None:
    client = delays
    sign_up(client, "target@throttle.example")
    assert_unauthorized(attempt(client, "target@throttle.example", "wrong password!"))
    assert attempt(client, "target@throttle.example", PASSWORD).status_code == 200


def test_too_many_failures_from_an_address_are_429_across_accounts(per_address_4: FlaskClient) -> None:
    client = per_address_4
    for name in ("one", "two", "three"):
        sign_up(client, f"{name}@address.example")
    for name in ("one", "one", "two"):
        assert_unauthorized(attempt(client, f"{name}@address.example", "wrong password!"))
    assert attempt(client, "three@address.example", PASSWORD).status_code == 200  # 3 of 4: still open
    assert_unauthorized(attempt(client, "nobody@address.example", "wrong password!"))  # the 4th failure

    assert_rate_limited(attempt(client, "three@address.example", PASSWORD))
    # No proxy is trusted, so a forged X-Forwarded-For does not get around the limit...
    assert_rate_limited(attempt(client, "three@address.example", PASSWORD, **{"X-Forwarded-For": "10.1.2.3"}))
    # ...while a genuinely different client address is not blocked.
    assert attempt(client, "three@address.example", PASSWORD, address="10.1.2.3").status_code == 200


@pytest.fixture
def behind_one_proxy(monkeypatch: pytest.MonkeyPatch, api_client: FlaskClient) -> FlaskClient:
    """api_client as deployed: one trusted front end, which appends the client's address to X-Forwarded-For."""
    monkeypatch.setenv("TALENTCREW_TRUSTED_PROXY_HOPS", "1")
    monkeypatch.setenv("TALENTCREW_LOGIN_FAILURES_PER_ADDRESS", "4")
    assert platform().settings.trusted_proxy_hops == 1
    return api_client


FRONT_END = "169.254.1.1"  # every request reaches the function from Google's front end


def test_behind_the_front_end_one_client_cannot_lock_everyone_out(behind_one_proxy: FlaskClient) -> None:
    """The request goes through the deployed entry point (`api.main.api` under functions-framework), so the address
    the throttle counts is the client's, not the front end's shared one."""
    client = behind_one_proxy
    sign_up(client, "victim@proxy.example")
    for n in range(8):  # failed logins for made-up emails from one client
        response = attempt(
            client, f"made-up-{n}@proxy.example", "wrong password!", FRONT_END, **{"X-Forwarded-For": "203.0.113.9"}
        )
        assert response.status_code in (401, 429)
    assert_rate_limited(
        attempt(client, "victim@proxy.example", PASSWORD, FRONT_END, **{"X-Forwarded-For": "203.0.113.9"})
    )
    # Another client, through the same front end, logs in.
    assert (
        attempt(client, "victim@proxy.example", PASSWORD, FRONT_END, **{"X-Forwarded-For": "198.51.100.7"}).status_code
        == 200
    )
    # The blocked client cannot escape by forging an earlier hop: only the one the front end appended counts.
    forged = {"X-Forwarded-For": "198.51.100.7, 203.0.113.9"}
    assert_rate_limited(attempt(client, "victim@proxy.example", PASSWORD, FRONT_END, **forged))


def test_unknown_email_and_wrong_password_look_the_same(api_client: FlaskClient) -> None:
    sign_up(api_client, "known@enum.example")
    wrong_password = attempt(api_client, "known@enum.example", "not the password")
    unknown_email = attempt(api_client, "unknown@enum.example", "not the password")
    assert_unauthorized(wrong_password)
    assert_unauthorized(unknown_email)
    assert wrong_password.get_data() == unknown_email.get_data()
    assert wrong_password.headers["WWW-Authenticate"] == unknown_email.headers["WWW-Authenticate"]


# --- 5. CORS -------------------------------------------------------------------------------------


def preflight(client: FlaskClient, origin: str, path: str = "/api/jobs/") -> TestResponse:
    return client.options(
        path,
        headers={
            "Origin": origin,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "Authorization, Content-Type",
        },
    )


def test_no_cross_origin_access_without_configured_origins(api_client: FlaskClient) -> None:
    for origin in ("https://app.example", "https://evil.example", "null"):
        assert "Access-Control-Allow-Origin" not in api_client.get("/api/health", headers={"Origin": origin}).headers
        response = preflight(api_client, origin)
        assert "Access-Control-Allow-Origin" not in response.headers
        assert "Access-Control-Allow-Credentials" not in response.headers


@pytest.fixture
def cors_client(monkeypatch: pytest.MonkeyPatch, api_client: FlaskClient) -> FlaskClient:
    monkeypatch.setenv("TALENTCREW_CORS_ORIGINS", "https://app.example")
    assert platform().settings.allowed_origins == ["https://app.example"]
    return api_client


def test_configured_origin_may_call_and_others_may_not(cors_client: FlaskClient) -> None:
    allowed = preflight(cors_client, "https://app.example")
    assert allowed.status_code in (200, 204)
    assert allowed.headers.get("Access-Control-Allow-Origin") == "https://app.example"
    assert "POST" in allowed.headers.get("Access-Control-Allow-Methods", "")
    allowed_headers = allowed.headers.get("Access-Control-Allow-Headers", "").lower()
    assert "authorization" in allowed_headers
    assert "content-type" in allowed_headers
    simple = cors_client.get("/api/health", headers={"Origin": "https://app.example"})
    assert simple.headers.get("Access-Control-Allow-Origin") == "https://app.example"
    # the web app names a CSV export as the api does, so it may read the header that says how
    assert simple.headers.get("Access-Control-Expose-Headers") == "Content-Disposition"

    for origin in ("https://evil.example", "https://app.example.evil.example", "http://app.example", "null"):
        refused = preflight(cors_client, origin)
        assert "Access-Control-Allow-Origin" not in refused.headers, origin
        simple = cors_client.get("/api/health", headers={"Origin": origin})
        assert "Access-Control-Allow-Origin" not in simple.headers, origin


# --- 6. passwords at rest ------------------------------------------------------------------------


def test_passwords_are_stored_only_as_argon2id_hashes(api_client: FlaskClient, data_dir: Path) -> None:
    password = "pl4intext-never-" + secrets.token_hex(8)
    created = sign_up(api_client, "hash@creds.example", password)
    logged_in = log_in(api_client, "hash@creds.example", password)
    me = api_client.get("/api/auth/me/", headers=bearer(logged_in["access_token"])).get_json()
    for user_json in (created, logged_in["user"], me):
        assert not {key for key in user_json if "password" in key.lower()}
        assert password not in str(user_json)

    user_id = user_id_for("hash@creds.example")
    credential = platform().store.get(Credential, user_id)
    assert credential is not None
    assert credential.password_hash.startswith("$argon2id$")
    assert password not in credential.password_hash
    user = platform().store.get(User, user_id)
    assert user is not None
    assert not {key for key in user.model_dump(mode="json") if "password" in key.lower()}

    everything = stored_text(data_dir)
    assert credential.password_hash in everything  # the scan sees the store
    assert password not in everything
