"""Workspaces (issue 19, part 1) through the API, over both Store adapters.

- Roles: every bearer operation of the OpenAPI document names the least role it needs, and an owner, a recruiter
  and a viewer of one workspace each call all of them: what their rank allows succeeds, the rest is a 403 that
  changes nothing stored. An operation the matrix does not classify fails the test, so none slips through.
- Invitations reach the invitee by email (through a real local SMTP server) with who asks, the role and the link;
  the link works once, for its email, for 7 days, until a newer invitation or a withdrawal replaces it.
- Members: the list, roles changed at once, a workspace never left without an owner, a removed member locked out
  at their next request, and someone in two workspaces switching between them.
- An account from before workspaces becomes a workspace of one with its data, whether it logs in or not.
- The audit trail names the member who acted.
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from email.message import EmailMessage
from typing import Any

import pytest
from cloudevents.http import CloudEvent
from flask.testing import FlaskClient
from http_problems import PROBLEM_JSON
from werkzeug.test import TestResponse

from main import drift
from talentcrew.__main__ import analytics_tick, retention_tick
from talentcrew.analytics.daily import AnalyticsReport, report_id
from talentcrew.api_keys import ApiKey
from talentcrew.auth import Credential, hash_token
from talentcrew.config import platform
from talentcrew.events import ANALYTICS_TICK, Dispatcher
from talentcrew.invite_emails import InviteEmail
from talentcrew.models import (
    Answer,
    Document,
    InterviewSession,
    Job,
    Recommendation,
    Rubric,
    SelfIdentification,
    User,
    recording_name,
    user_id_for,
    utcnow,
)
from talentcrew.retention import RetentionRun, run_id
from talentcrew.workspaces import Invitation, Member, Role, Workspace, member_id
from tests.api.helpers import (
    PASSWORD,
    RUBRIC,
    auth_headers,
    bearer,
    create_job,
    create_session,
    emailed_token,
    invite_token,
    json_of,
    log_in,
    seed_answer,
)
from tests.api.test_invite_emails import smtp
from tests.api.test_questions import OWN
from tests.api.test_security import STORED_KINDS, all_documents, problem
from tests.api.test_webhooks import PUBLIC
from tests.contract.test_mail import Received, parse, smtp_server, text_of

__all__ = ["smtp", "smtp_server"]  # the SMTP fixtures, used here by name

Json = dict[str, Any]
Headers = dict[str, str]
OLGA = "olga@acme.example"
KINDS: tuple[type[Document], ...] = (
    *STORED_KINDS,
    Workspace,
    Member,
    Invitation,
    ApiKey,
    InviteEmail,
    SelfIdentification,
    AnalyticsReport,
    RetentionRun,
)


# --- helpers -------------------------------------------------------------------------------------


def invite(client: FlaskClient, headers: Headers, email: str, role: Role = Role.RECRUITER) -> str:
    """Invites `email` (asserting 201) and returns the token of the link the local mailbox got."""
    response = client.post("/api/workspace/members/", json={"email": email, "role": role.value}, headers=headers)
    assert response.status_code == 201, response.get_data(as_text=True)
    return emailed_token(email, "/join")


def join(
    client: FlaskClient,
    token: str,
    headers: Headers | None = None,
    full_name: str | None = None,
    password: str | None = None,
) -> TestResponse:
    """Accepts an invitation: as the bearer of `headers`, or creating the account with a name and a password."""
    account = {name: value for name, value in (("full_name", full_name), ("password", password)) if value is not None}
    return client.post("/api/workspace/join/", json={"token": token, **account}, headers=headers or {})


def join_new(client: FlaskClient, owner: Headers, email: str, role: Role, full_name: str) -> Headers:
    """Invites `email` and creates its account through the link; returns the new member's Authorization header."""
    response = join(client, invite(client, owner, email, role), full_name=full_name, password=PASSWORD)
    assert response.status_code == 200, response.get_data(as_text=True)
    return bearer(json_of(response)["access_token"])


def workspace_of(client: FlaskClient, headers: Headers) -> Json:
    response = client.get("/api/workspace/", headers=headers)
    assert response.status_code == 200, response.get_data(as_text=True)
    return json_of(response)


def job_titles(client: FlaskClient, headers: Headers) -> list[str]:
    response = client.get("/api/jobs/", headers=headers)
    assert response.status_code == 200, response.get_data(as_text=True)
    return [item["title"] for item in json_of(response)["items"]]


def members_of(client: FlaskClient, headers: Headers) -> Json:
    response = client.get("/api/workspace/members/", headers=headers)
    assert response.status_code == 200, response.get_data(as_text=True)
    return json_of(response)


def stored_role(workspace_id: str, email: str) -> Role | None:
    member = platform().store.get(Member, member_id(workspace_id, user_id_for(email)))
    return None if member is None else member.role


@pytest.fixture
def owner(api_client: FlaskClient) -> Headers:
    """Olga, owner of her workspace of one (its id is her user id)."""
    return auth_headers(api_client, OLGA)


OLGAS_WORKSPACE = user_id_for(OLGA)


# --- 1. the roles matrix -------------------------------------------------------------------------


@dataclass(frozen=True)
class Team:
    """One workspace with a member of each role, and something for every operation to act on."""

    workspace_id: str
    headers: dict[Role, Headers]
    ids: dict[str, str]
    """What paths and queries name: the job, its question, sessions, a spare member, an invitation, a key..."""
    elsewhere: dict[Role, str]
    """For each role's member, the token of an invitation to another workspace."""


def email_of(role: Role) -> str:
    """The team member with this role."""
    return f"{role.value}@acme.example"


def _ended(client: FlaskClient, headers: Headers, session_id: str) -> None:
    response = client.post(f"/api/sessions/{session_id}/end/", headers=headers)
    assert response.status_code == 200, response.get_data(as_text=True)


def _created(response: TestResponse) -> Json:
    assert response.status_code == 201, response.get_data(as_text=True)
    return json_of(response)


JOB: Json = {"title": "Backend Engineer", "stack": ["Python"], "rubric_template": RUBRIC, "webhook_url": PUBLIC}


@pytest.fixture
def team(api_client: FlaskClient) -> Team:
    """Members of each role (and a spare one) joined through the API; a job with a webhook and a question, an
    ended session with a flag and a scorecard, another ended one to compare, an open one, a spare job, an open
    invitation, an API key, the day's analytics report; and invitations of each member to another workspace."""
    client, store = api_client, platform().store
    owner = auth_headers(client, email_of(Role.OWNER))
    headers = {Role.OWNER: owner}
    for role in (Role.RECRUITER, Role.VIEWER):
        headers[role] = join_new(client, owner, email_of(role), role, f"{role.value.title()} Member")
    join_new(client, owner, "sam@acme.example", Role.VIEWER, "Sam Spare")
    invitation = _created(client.post("/api/workspace/members/", json={"email": "ivy@acme.example"}, headers=owner))
    job = _created(client.post("/api/jobs/", json=JOB, headers=owner))
    question = _created(client.post(f"/api/jobs/{job['id']}/questions/", json=OWN, headers=owner))
    (done, _), (other, _), (open_, _) = (create_session(client, owner, job["id"]) for _ in range(3))
    flagged = seed_answer(done["id"], done["owner_id"], 0, 7, cheating=True)
    platform().blobs.put(recording := recording_name(done["id"], 0), b"OggS recording", "audio/ogg")
    store.update(Answer, flagged.id, {"recording_object": recording})
    for session in (done, other):
        _ended(client, owner, session["id"])
    report = f"scorecards/{done['id']}/card.pdf"
    platform().blobs.put(report, b"%PDF-1.4 card", "application/pdf")
    store.update(InterviewSession, done["id"], {"report_object": report})
    key = _created(client.post("/api/api-keys/", json={"name": "ATS", "scopes": ["results:read"]}, headers=owner))
    spare_job = create_job(client, owner, "Spare")
    day = utcnow().date().isoformat()
    drift(CloudEvent({"id": "tick", "type": ANALYTICS_TICK, "source": "//scheduler"}, {"day": day}))
    outsider = auth_headers(client, "xavier@elsewhere.example")
    elsewhere = {role: invite(client, outsider, email_of(role), Role.VIEWER) for role in Role}
    ids = {
        "job": job["id"],
        "question": question["id"],
        "spare_job": spare_job["id"],
        "done": done["id"],
        "other": other["id"],
        "open": open_["id"],
        "spare_member": user_id_for("sam@acme.example"),
        "invitation": invitation["id"],
        "api_key": key["id"],
        "answer": flagged.id,
        "turn": str(flagged.turn_index),
    }
    return Team(user_id_for(email_of(Role.OWNER)), headers, ids, elsewhere)


Body = Callable[[Team, Role], Json]


@dataclass(frozen=True)
class Op:
    """A bearer operation of the OpenAPI document, the least role it needs, and a call of it that answers `ok`
    to that role in a `Team`'s workspace. `at` names the `Team.ids` of the path's parameters, in order; the
    query is formatted with `Team.ids`. (test_security's `Call` fills in only a job and a session.)"""

    method: str
    path: str
    role: Role
    ok: int = 200
    at: tuple[str, ...] = ()
    query: str = ""
    body: Body | None = None

    def send(self, client: FlaskClient, team: Team, role: Role) -> TestResponse:
        params = dict(zip(re.findall(r"{(\w+)}", self.path), (team.ids[name] for name in self.at), strict=True))
        url = self.path.format(**params) + self.query.format(**team.ids)
        body = self.body(team, role) if self.body else None
        return client.open(url, method=self.method, json=body, headers=team.headers[role])


def _fixed(body: Json) -> Body:
    return lambda team, role: body


VIEWER, RECRUITER, OWNER = Role.VIEWER, Role.RECRUITER, Role.OWNER
OPS = [
    # Reads: any member.
    Op("GET", "/api/workspace/", VIEWER),
    Op("GET", "/api/workspace/members/", VIEWER),
    Op("GET", "/api/workspaces/", VIEWER),
    Op("GET", "/api/auth/me/", VIEWER),
    Op("GET", "/api/auth/sessions/", VIEWER),
    Op("GET", "/api/jobs/", VIEWER),
    Op("GET", "/api/jobs/{id}/", VIEWER, at=("job",)),
    Op("GET", "/api/jobs/{id}/questions/", VIEWER, at=("job",)),
    Op("GET", "/api/jobs/{id}/questions/{question_id}/", VIEWER, at=("job", "question")),
    Op("GET", "/api/jobs/{id}/compare/", VIEWER, at=("job",), query="?sessions={done},{other}"),
    Op("GET", "/api/results/", VIEWER),
    Op("GET", "/api/results/export.csv", VIEWER),
    Op("GET", "/api/sessions/{id}/", VIEWER, at=("done",)),
    Op("GET", "/api/sessions/{id}/audit/", VIEWER, at=("done",)),
    Op("GET", "/api/sessions/{id}/download-pdf/", VIEWER, 302, at=("done",)),
    Op("GET", "/api/sessions/{id}/answers/{turn_index}/recording/", VIEWER, at=("done", "turn")),
    Op("GET", "/api/analytics/", VIEWER),
    Op("GET", "/api/analytics/reports/latest/", VIEWER),
    Op("GET", "/api/skills/", VIEWER),
    Op("GET", "/api/skills/coverage/", VIEWER, query="?skill=APIs"),
    # A member's own account: any member.
    Op("PATCH", "/api/auth/me/", VIEWER, body=lambda team, role: {"full_name": f"Renamed {role.value}"}),
    # Jobs, interviews, reviews and decisions: recruiters.
    Op("POST", "/api/jobs/", RECRUITER, 201, body=_fixed({**JOB, "title": "Another role"})),
    Op("PUT", "/api/jobs/{id}/", RECRUITER, at=("job",), body=_fixed({**JOB, "title": "Renamed role"})),
    Op("POST", "/api/jobs/{id}/webhook-secret/", RECRUITER, at=("job",)),
    Op("POST", "/api/jobs/{id}/questions/", RECRUITER, 201, at=("job",), body=_fixed({**OWN, "level": 3})),
    Op("PUT", "/api/jobs/{id}/questions/{question_id}/", RECRUITER, at=("job", "question"), body=_fixed(OWN)),
    Op("DELETE", "/api/jobs/{id}/questions/{question_id}/", RECRUITER, 204, at=("job", "question")),
    Op("DELETE", "/api/jobs/{id}/", RECRUITER, 204, at=("spare_job",)),
    Op(
        "POST",
        "/api/sessions/",
        RECRUITER,
        201,
        body=lambda team, role: {"job": team.ids["job"], "candidate_name": "Cleo", "candidate_email": "c@example.com"},
    ),
    Op("POST", "/api/sessions/{id}/invite/", RECRUITER, 201, at=("open",)),
    Op("DELETE", "/api/sessions/{id}/invite/", RECRUITER, 204, at=("open",)),
    Op("POST", "/api/sessions/{id}/end/", RECRUITER, at=("open",)),
    Op("DELETE", "/api/sessions/{id}/", RECRUITER, 204, at=("open",)),
    Op(
        "POST",
        "/api/sessions/{id}/reviews/",
        RECRUITER,
        at=("done",),
        body=lambda team, role: {"subject_id": team.ids["answer"], "kind": "integrity", "outcome": "dismissed"},
    ),
    Op("PUT", "/api/sessions/{id}/decision/", RECRUITER, at=("done",), body=_fixed({"decision": "HIRE"})),
    # The workspace's settings, members and API keys: owners.
    Op("PATCH", "/api/workspace/", OWNER, body=_fixed({"name": "Renamed workspace"})),
    Op("POST", "/api/workspace/members/", OWNER, 201, body=_fixed({"email": "new@acme.example"})),
    Op("PATCH", "/api/workspace/members/{id}/", OWNER, at=("spare_member",), body=_fixed({"role": "recruiter"})),
    Op("DELETE", "/api/workspace/members/{id}/", OWNER, 204, at=("spare_member",)),
    Op("DELETE", "/api/workspace/invitations/{id}/", OWNER, 204, at=("invitation",)),
    Op("GET", "/api/api-keys/", OWNER),
    Op("POST", "/api/api-keys/", OWNER, 201, body=_fixed({"name": "Lever", "scopes": ["jobs:read"]})),
    Op("DELETE", "/api/api-keys/{id}/", OWNER, 204, at=("api_key",)),
    # Joining another workspace and switching back (any account), and last the logout, which ends the token.
    Op("POST", "/api/workspace/join/", VIEWER, body=lambda team, role: {"token": team.elsewhere[role]}),
    Op("PUT", "/api/workspaces/current/", VIEWER, body=lambda team, role: {"workspace_id": team.workspace_id}),
    Op("POST", "/api/auth/logout/", VIEWER, 204),
]


def stored() -> Json:
    """Everything stored (every kind, and the scorecard objects), to compare before and after a refused call."""
    documents: Json = {kind.collection: [d.model_dump(mode="json") for d in all_documents(kind)] for kind in KINDS}
    sessions = documents[InterviewSession.collection]
    return documents | {"blobs": [platform().blobs.get(s["report_object"]) for s in sessions if s["report_object"]]}


def test_the_matrix_names_the_least_role_of_every_bearer_operation(api_client: FlaskClient) -> None:
    document = json_of(api_client.get("/api/openapi.json"))
    documented = {
        (method.upper(), path)
        for path, operations in document["paths"].items()
        for method, operation in operations.items()
        if {"bearer": []} in operation.get("security", [])
    }
    classified = [(op.method, op.path) for op in OPS]
    assert len(set(classified)) == len(classified)
    assert set(classified) == documented


@pytest.mark.parametrize("role", list(Role), ids=str)
def test_each_role_may_call_what_its_rank_allows_and_is_refused_the_rest(
    api_client: FlaskClient, team: Team, role: Role
) -> None:
    wrong = []
    for op in OPS:
        if role.rank >= op.role.rank:
            response = op.send(api_client, team, role)
            if response.status_code != op.ok:
                wrong.append((op.method, op.path, response.status_code, response.get_data(as_text=True)))
            continue
        before = stored()
        response = op.send(api_client, team, role)
        refused = (response.status_code, response.mimetype) == (403, PROBLEM_JSON)
        if not refused or json_of(response)["title"] != "Forbidden" or stored() != before:
            wrong.append((op.method, op.path, response.status_code, "changed what is stored" if refused else ""))
    assert wrong == []

    store = platform().store
    decided = store.get(InterviewSession, team.ids["done"])
    assert decided is not None and (decided.final_decision is not None) == (role is not Role.VIEWER)
    assert (store.get(Job, team.ids["spare_job"]) is None) == (role is not Role.VIEWER)
    spare = store.get(Member, member_id(team.workspace_id, team.ids["spare_member"]))
    assert (spare is None) == (role is Role.OWNER)
    assert (store.get(Invitation, team.ids["invitation"]) is None) == (role is Role.OWNER)
    workspace = store.get(Workspace, team.workspace_id)
    assert workspace is not None and (workspace.name == "Renamed workspace") == (role is Role.OWNER)


# --- 2. invitations by email ---------------------------------------------------------------------


def test_an_invitation_reaches_the_invitee_by_smtp_with_who_asks_the_role_and_the_link(
    api_client: FlaskClient, smtp: Received
) -> None:
    owner = auth_headers(api_client, OLGA)  # its welcome goes through the SMTP server too
    assert api_client.patch("/api/workspace/", json={"name": "Acme Hiring"}, headers=owner).status_code == 200
    invited = api_client.post(
        "/api/workspace/members/", json={"email": "Ivy@Acme.example", "role": "viewer"}, headers=owner
    )
    assert invited.status_code == 201, invited.get_data(as_text=True)
    assert json_of(invited)["email"] == "ivy@acme.example"

    [message] = [parse(content) for _, recipients, content in smtp.items if recipients == ["ivy@acme.example"]]
    assert isinstance(message, EmailMessage)
    assert (message["To"], message["Subject"]) == ("ivy@acme.example", "You are invited to a TalentCrew workspace")
    text, html = text_of(message.get_body(("plain",))), text_of(message.get_body(("html",)))
    for part in (text, html):
        assert OLGA in part and "as a viewer" in part and "Acme Hiring" in part and "7 days" in part
    [link] = [line for line in text.splitlines() if "/join#t=" in line]
    assert link.startswith(f"{platform().settings.web_base_url}/join#t=")
    assert f'<a href="{link}">Accept the invitation</a>' in html
    token = invite_token(link)
    assert platform().store.get(Invitation, hash_token(token)) is not None  # stored under the token's hash only
    assert token not in invited.get_data(as_text=True)

    joined = join(api_client, token, full_name="Ivy Viewer", password=PASSWORD)
    assert joined.status_code == 200, joined.get_data(as_text=True)
    assert workspace_of(api_client, bearer(json_of(joined)["access_token"]))["name"] == "Acme Hiring"


# --- 3. joining ----------------------------------------------------------------------------------


def test_signing_up_through_the_link_joins_the_workspace_and_the_link_then_stops_working(
    api_client: FlaskClient, owner: Headers
) -> None:
    create_job(api_client, owner, "Olga's role")
    token = invite(api_client, owner, "rhea@acme.example", Role.RECRUITER)

    joined = join(api_client, token, full_name="Rhea Recruiter", password=PASSWORD)

    assert joined.status_code == 200, joined.get_data(as_text=True)
    access = json_of(joined)
    assert (access["user"]["email"], access["user"]["full_name"]) == ("rhea@acme.example", "Rhea Recruiter")
    rhea = bearer(access["access_token"])
    assert workspace_of(api_client, rhea) == {
        "id": OLGAS_WORKSPACE,
        "name": "",
        "retention_days": None,
        "role": "recruiter",
    }
    assert job_titles(api_client, rhea) == ["Olga's role"]
    assert log_in(api_client, "rhea@acme.example")["user"]["workspace_id"] == OLGAS_WORKSPACE  # the password works
    assert stored_role(OLGAS_WORKSPACE, "rhea@acme.example") is Role.RECRUITER
    assert problem(join(api_client, token, full_name="Mallory", password="another password"), 401)
    assert problem(join(api_client, token, headers=rhea), 401)
    assert members_of(api_client, owner)["invitations"] == []


def test_an_existing_account_joins_with_its_login_and_keeps_its_own_workspace(
    api_client: FlaskClient, owner: Headers
) -> None:
    create_job(api_client, owner, "Olga's role")
    bob = auth_headers(api_client, "bob@b-corp.example")
    create_job(api_client, bob, "Bob's role")
    token = invite(api_client, owner, "bob@b-corp.example", Role.VIEWER)

    joined = join(api_client, token, headers=bob)

    assert joined.status_code == 200, joined.get_data(as_text=True)
    assert json_of(joined)["user"]["workspace_id"] == OLGAS_WORKSPACE
    for headers in (bob, bearer(json_of(joined)["access_token"])):  # the old token too: the account moved
        assert workspace_of(api_client, headers)["role"] == "viewer"
        assert job_titles(api_client, headers) == ["Olga's role"]
    assert stored_role(user_id_for("bob@b-corp.example"), "bob@b-corp.example") is Role.OWNER
    assert problem(join(api_client, token, headers=bob), 401)


def test_an_invitation_is_only_for_the_email_it_was_sent_to(api_client: FlaskClient, owner: Headers) -> None:
    token = invite(api_client, owner, "ivy@acme.example", Role.VIEWER)
    mallory = auth_headers(api_client, "mallory@elsewhere.example")

    assert problem(join(api_client, token, headers=mallory), 403)["title"] == "Forbidden"
    assert workspace_of(api_client, mallory)["id"] == user_id_for("mallory@elsewhere.example")
    assert stored_role(OLGAS_WORKSPACE, "mallory@elsewhere.example") is None

    ivy = auth_headers(api_client, "ivy@acme.example")  # an account made after the invitation
    conflict = problem(join(api_client, token, full_name="Ivy", password=PASSWORD), 409)  # log in first
    assert "log in" in conflict["detail"]
    accepted = join(api_client, token, headers=ivy)
    assert accepted.status_code == 200, accepted.get_data(as_text=True)
    assert workspace_of(api_client, ivy) == {
        "id": OLGAS_WORKSPACE,
        "name": "",
        "retention_days": None,
        "role": "viewer",
    }


def test_a_new_account_needs_a_name_and_a_password(api_client: FlaskClient, owner: Headers) -> None:
    token = invite(api_client, owner, "ivy@acme.example")
    for full_name, password in ((None, None), ("Ivy", None), (None, PASSWORD)):
        problem(join(api_client, token, full_name=full_name, password=password), 409)
    assert platform().store.get(User, user_id_for("ivy@acme.example")) is None
    assert join(api_client, token, full_name="Ivy", password=PASSWORD).status_code == 200  # the link still works


def test_an_expired_invitation_is_unauthorized(api_client: FlaskClient, owner: Headers) -> None:
    token = invite(api_client, owner, "ivy@acme.example")
    platform().store.update(Invitation, hash_token(token), {"expires_at": utcnow() - timedelta(seconds=1)})

    problem(join(api_client, token, full_name="Ivy", password=PASSWORD), 401)

    assert platform().store.get(User, user_id_for("ivy@acme.example")) is None
    assert members_of(api_client, owner)["invitations"] == []


def test_a_newer_invitation_of_the_same_email_replaces_the_first(api_client: FlaskClient, owner: Headers) -> None:
    first = invite(api_client, owner, "ivy@acme.example", Role.VIEWER)
    second = invite(api_client, owner, "ivy@acme.example", Role.RECRUITER)
    assert first != second
    listed = members_of(api_client, owner)["invitations"]
    assert [(item["email"], item["role"], item["id"]) for item in listed] == [
        ("ivy@acme.example", "recruiter", hash_token(second))
    ]

    problem(join(api_client, first, full_name="Ivy", password=PASSWORD), 401)
    assert join(api_client, second, full_name="Ivy", password=PASSWORD).status_code == 200
    assert stored_role(OLGAS_WORKSPACE, "ivy@acme.example") is Role.RECRUITER


def test_a_member_cannot_be_invited_again(api_client: FlaskClient, owner: Headers) -> None:
    join_new(api_client, owner, "rhea@acme.example", Role.RECRUITER, "Rhea Recruiter")
    for email in ("rhea@acme.example", "Rhea@ACME.example", OLGA):
        response = api_client.post("/api/workspace/members/", json={"email": email}, headers=owner)
        assert problem(response, 409)["title"] == "Conflict"
    assert members_of(api_client, owner)["invitations"] == []
    assert stored_role(OLGAS_WORKSPACE, "rhea@acme.example") is Role.RECRUITER


def test_a_withdrawn_invitation_stops_working(api_client: FlaskClient, owner: Headers) -> None:
    token = invite(api_client, owner, "ivy@acme.example")

    withdrawn = api_client.delete(f"/api/workspace/invitations/{hash_token(token)}/", headers=owner)

    assert withdrawn.status_code == 204
    problem(join(api_client, token, full_name="Ivy", password=PASSWORD), 401)
    assert members_of(api_client, owner)["invitations"] == []
    assert problem(api_client.delete(f"/api/workspace/invitations/{hash_token(token)}/", headers=owner), 404)


# --- 4. members ----------------------------------------------------------------------------------


def test_the_members_list_shows_names_roles_and_open_invitations(api_client: FlaskClient, owner: Headers) -> None:
    rhea = join_new(api_client, owner, "rhea@acme.example", Role.RECRUITER, "Rhea Recruiter")
    token = invite(api_client, owner, "ivy@acme.example", Role.VIEWER)

    listed = members_of(api_client, rhea)  # any member may read it

    assert [(m["user_id"], m["email"], m["full_name"], m["role"]) for m in listed["members"]] == [
        (OLGAS_WORKSPACE, OLGA, "Rita Recruiter", "owner"),
        (user_id_for("rhea@acme.example"), "rhea@acme.example", "Rhea Recruiter", "recruiter"),
    ]
    [pending] = listed["invitations"]
    assert (pending["id"], pending["email"], pending["role"]) == (hash_token(token), "ivy@acme.example", "viewer")
    assert pending["expires_at"] > pending["created_at"]


def test_an_owner_changes_a_role_and_it_counts_at_once(api_client: FlaskClient, owner: Headers) -> None:
    rhea = join_new(api_client, owner, "rhea@acme.example", Role.RECRUITER, "Rhea Recruiter")
    rhea_id = user_id_for("rhea@acme.example")

    demoted = api_client.patch(f"/api/workspace/members/{rhea_id}/", json={"role": "viewer"}, headers=owner)

    assert demoted.status_code == 200, demoted.get_data(as_text=True)
    assert (json_of(demoted)["full_name"], json_of(demoted)["role"]) == ("Rhea Recruiter", "viewer")
    assert stored_role(OLGAS_WORKSPACE, "rhea@acme.example") is Role.VIEWER
    assert workspace_of(api_client, rhea)["role"] == "viewer"
    problem(api_client.post("/api/jobs/", json=JOB, headers=rhea), 403)

    promoted = api_client.patch(f"/api/workspace/members/{rhea_id}/", json={"role": "owner"}, headers=owner)
    assert promoted.status_code == 200
    assert api_client.patch("/api/workspace/", json={"name": "Rhea's now"}, headers=rhea).status_code == 200


def test_the_last_owner_can_be_neither_demoted_nor_removed(api_client: FlaskClient, owner: Headers) -> None:
    rhea = join_new(api_client, owner, "rhea@acme.example", Role.RECRUITER, "Rhea Recruiter")
    olga = f"/api/workspace/members/{OLGAS_WORKSPACE}/"

    assert "owner" in problem(api_client.patch(olga, json={"role": "recruiter"}, headers=owner), 409)["detail"]
    problem(api_client.delete(olga, headers=owner), 409)
    assert stored_role(OLGAS_WORKSPACE, OLGA) is Role.OWNER

    rhea_path = f"/api/workspace/members/{user_id_for('rhea@acme.example')}/"
    assert api_client.patch(rhea_path, json={"role": "owner"}, headers=owner).status_code == 200
    assert api_client.patch(olga, json={"role": "viewer"}, headers=owner).status_code == 200  # another owner stays
    problem(api_client.patch(rhea_path, json={"role": "recruiter"}, headers=rhea), 409)
    problem(api_client.delete(rhea_path, headers=rhea), 409)
    assert stored_role(OLGAS_WORKSPACE, "rhea@acme.example") is Role.OWNER


def test_a_removed_member_loses_the_workspace_at_their_next_request(api_client: FlaskClient, owner: Headers) -> None:
    job = create_job(api_client, owner, "Olga's role")
    rhea = join_new(api_client, owner, "rhea@acme.example", Role.RECRUITER, "Rhea Recruiter")
    rhea_id = user_id_for("rhea@acme.example")
    assert api_client.get(f"/api/jobs/{job['id']}/", headers=rhea).status_code == 200

    assert api_client.delete(f"/api/workspace/members/{rhea_id}/", headers=owner).status_code == 204

    problem(api_client.get(f"/api/jobs/{job['id']}/", headers=rhea), 404)
    assert job_titles(api_client, rhea) == []
    assert workspace_of(api_client, rhea) == {"id": rhea_id, "name": "", "retention_days": None, "role": "owner"}
    assert [m["email"] for m in members_of(api_client, owner)["members"]] == [OLGA]
    assert stored_role(OLGAS_WORKSPACE, "rhea@acme.example") is None


def test_someone_in_two_workspaces_switches_between_them(api_client: FlaskClient, owner: Headers) -> None:
    create_job(api_client, owner, "Olga's role")
    bob = auth_headers(api_client, "bob@b-corp.example")
    bob_id = user_id_for("bob@b-corp.example")
    create_job(api_client, bob, "Bob's role")
    assert (
        join(api_client, invite(api_client, owner, "bob@b-corp.example", Role.VIEWER), headers=bob).status_code == 200
    )

    def memberships() -> list[tuple[str, str, bool]]:
        listed = json_of(api_client.get("/api/workspaces/", headers=bob))["items"]
        return [(item["workspace_id"], item["role"], item["current"]) for item in listed]

    assert memberships() == [(OLGAS_WORKSPACE, "viewer", True), (bob_id, "owner", False)]
    assert job_titles(api_client, bob) == ["Olga's role"]

    switched = api_client.put("/api/workspaces/current/", json={"workspace_id": bob_id}, headers=bob)

    assert switched.status_code == 200, switched.get_data(as_text=True)
    assert (json_of(switched)["id"], json_of(switched)["role"]) == (bob_id, "owner")
    assert memberships() == [(bob_id, "owner", True), (OLGAS_WORKSPACE, "viewer", False)]
    assert job_titles(api_client, bob) == ["Bob's role"]

    carol = auth_headers(api_client, "carol@c-corp.example")
    create_job(api_client, carol, "Carol's role")  # her workspace exists now
    for elsewhere in (user_id_for("carol@c-corp.example"), "no-such-workspace"):
        problem(api_client.put("/api/workspaces/current/", json={"workspace_id": elsewhere}, headers=bob), 404)
    assert job_titles(api_client, bob) == ["Bob's role"]


def test_a_founder_removed_by_another_owner_keeps_her_other_workspaces(api_client: FlaskClient, owner: Headers) -> None:
    """Her workspace of one keeps its id (hers) without her, so she cannot get a new one: she lands in another
    workspace she belongs to, or, with none, is told to ask to be invited again."""
    rhea = join_new(api_client, owner, "rhea@acme.example", Role.OWNER, "Rhea Recruiter")
    bob = auth_headers(api_client, "bob@b-corp.example")
    create_job(api_client, bob, "Bob's role")
    assert join(api_client, invite(api_client, bob, OLGA, Role.VIEWER), headers=owner).status_code == 200
    assert (
        api_client.put("/api/workspaces/current/", json={"workspace_id": OLGAS_WORKSPACE}, headers=owner).status_code
        == 200
    )

    assert api_client.delete(f"/api/workspace/members/{OLGAS_WORKSPACE}/", headers=rhea).status_code == 204

    assert workspace_of(api_client, owner)["id"] == user_id_for("bob@b-corp.example")
    assert job_titles(api_client, owner) == ["Bob's role"]
    listed = json_of(api_client.get("/api/workspaces/", headers=owner))["items"]
    assert [(item["workspace_id"], item["current"]) for item in listed] == [(user_id_for("bob@b-corp.example"), True)]

    assert api_client.delete(f"/api/workspace/members/{OLGAS_WORKSPACE}/", headers=bob).status_code == 204
    assert "invite you again" in problem(api_client.get("/api/jobs/", headers=owner), 403)["detail"]
    back = join(api_client, invite(api_client, rhea, OLGA, Role.RECRUITER), headers=owner)
    assert back.status_code == 200, back.get_data(as_text=True)
    assert workspace_of(api_client, owner) == {
        "id": OLGAS_WORKSPACE,
        "name": "",
        "retention_days": None,
        "role": "recruiter",
    }


def test_another_workspaces_owner_cannot_touch_its_members_or_invitations(
    api_client: FlaskClient, owner: Headers
) -> None:
    join_new(api_client, owner, "rhea@acme.example", Role.RECRUITER, "Rhea Recruiter")
    token = invite(api_client, owner, "ivy@acme.example")
    bob = auth_headers(api_client, "bob@b-corp.example")
    rhea_path = f"/api/workspace/members/{user_id_for('rhea@acme.example')}/"

    problem(api_client.patch(rhea_path, json={"role": "owner"}, headers=bob), 404)
    problem(api_client.delete(rhea_path, headers=bob), 404)
    problem(api_client.delete(f"/api/workspace/invitations/{hash_token(token)}/", headers=bob), 404)

    assert stored_role(OLGAS_WORKSPACE, "rhea@acme.example") is Role.RECRUITER
    assert [item["email"] for item in members_of(api_client, owner)["invitations"]] == ["ivy@acme.example"]
    assert [m["email"] for m in members_of(api_client, bob)["members"]] == ["bob@b-corp.example"]


# --- 5. accounts from before workspaces ----------------------------------------------------------

LEGACY = "lee@legacy.example"


def legacy_account(*ended_days_ago: int) -> tuple[User, Job, list[InterviewSession]]:
    """An account as stored before workspaces: no workspace, its retention on the user, its job and completed
    interviews (ended that many days ago) owned by its user id."""
    store = platform().store
    user = User(
        id=user_id_for(LEGACY), email=LEGACY, full_name="Lee Legacy", company_name="Legacy Co", retention_days=90
    )
    store.create(user)
    store.create(Credential(id=user.id, password_hash=platform().passwords.hash(PASSWORD)))
    job = Job(owner_id=user.id, title="Legacy role", rubric_template=Rubric.model_validate(RUBRIC))
    store.create(job)
    sessions = [
        InterviewSession(
            job_id=job.id,
            owner_id=user.id,
            candidate_name="Casey",
            candidate_email="casey@example.com",
            max_questions=6,
            is_completed=True,
            overall_score=80,
            recommendation=Recommendation.HIRE,
            ended_at=utcnow() - timedelta(days=days),
        )
        for days in ended_days_ago
    ]
    for session in sessions:
        store.create(session)
    return user, job, sessions


def test_an_account_from_before_workspaces_logs_in_to_a_workspace_of_one_with_its_data(
    api_client: FlaskClient,
) -> None:
    user, job, [session] = legacy_account(3)

    headers = bearer(log_in(api_client, LEGACY)["access_token"])

    assert workspace_of(api_client, headers) == {
        "id": user.id,
        "name": "Legacy Co",
        "retention_days": 90,
        "role": "owner",
    }
    assert job_titles(api_client, headers) == [job.title]
    results = json_of(api_client.get("/api/results/", headers=headers))["items"]
    assert [row["id"] for row in results] == [session.id]
    assert api_client.get(f"/api/sessions/{session.id}/", headers=headers).status_code == 200
    stored = platform().store.get(User, user.id)
    assert stored is not None and stored.workspace_id == user.id
    assert stored_role(user.id, LEGACY) is Role.OWNER


def test_the_daily_steps_move_an_account_that_never_logs_in_into_its_workspace(api_client: FlaskClient) -> None:
    user, _, [expired, recent] = legacy_account(120, 10)
    store, day = platform().store, utcnow().date()

    retention_tick(day, out=io.StringIO())
    analytics_tick(day, out=io.StringIO())
    assert Dispatcher(store, platform().events).deliver_due() == 2  # to the `retention` and `drift` functions

    workspace = store.get(Workspace, user.id)
    assert workspace is not None and (workspace.name, workspace.retention_days) == ("Legacy Co", 90)
    assert stored_role(user.id, LEGACY) is Role.OWNER
    run = store.get(RetentionRun, run_id(user.id, day))
    assert run is not None and (run.retention_days, run.sessions_erased) == (90, 1)
    assert store.get(InterviewSession, expired.id) is None and store.get(InterviewSession, recent.id) is not None
    assert store.get(AnalyticsReport, report_id(user.id, day)) is not None
    headers = bearer(log_in(api_client, LEGACY)["access_token"])
    assert json_of(api_client.get("/api/analytics/reports/latest/", headers=headers))["day"] == day.isoformat()


# --- 6. the audit trail names the member ---------------------------------------------------------


def test_a_recruiters_decision_is_audited_under_her_id_and_name(api_client: FlaskClient, owner: Headers) -> None:
    job = create_job(api_client, owner)
    session, _ = create_session(api_client, owner, job["id"])
    _ended(api_client, owner, session["id"])
    rhea = join_new(api_client, owner, "rhea@acme.example", Role.RECRUITER, "Rhea Recruiter")
    rhea_id = user_id_for("rhea@acme.example")

    decided = api_client.put(f"/api/sessions/{session['id']}/decision/", json={"decision": "REJECT"}, headers=rhea)

    assert decided.status_code == 200, decided.get_data(as_text=True)
    assert json_of(decided)["decided_by"] == rhea_id
    for headers in (rhea, owner):
        trail = api_client.get(f"/api/sessions/{session['id']}/audit/", headers=headers)
        assert trail.status_code == 200
        [entry] = [e for e in json_of(trail)["items"] if e["action"] == "session.decided"]
        assert (entry["actor"], entry["actor_name"], entry["detail"]["decision"]) == (
            rhea_id,
            "Rhea Recruiter",
            "REJECT",
        )
        assert entry["owner_id"] == OLGAS_WORKSPACE


# --- 7. the OpenAPI document ---------------------------------------------------------------------

# Each new operation and the problems it answers beyond 401/404/413/422: 403 for a role too low (or, joining,
# another email's invitation), 409 where the workspace must keep an owner, a member exists, or an account does.
WORKSPACE_OPERATIONS = {
    ("get", "/api/workspace/"): {"403"},
    ("patch", "/api/workspace/"): {"403"},
    ("get", "/api/workspace/members/"): {"403"},
    ("post", "/api/workspace/members/"): {"403", "409"},
    ("patch", "/api/workspace/members/{id}/"): {"403", "409"},
    ("delete", "/api/workspace/members/{id}/"): {"403", "409"},
    ("delete", "/api/workspace/invitations/{id}/"): {"403"},
    ("post", "/api/workspace/join/"): {"403", "409"},
    ("get", "/api/workspaces/"): {"403"},
    ("put", "/api/workspaces/current/"): {"403"},
}


def test_the_openapi_document_describes_every_workspace_operation(api_client: FlaskClient) -> None:
    paths = json_of(api_client.get("/api/openapi.json"))["paths"]
    documented = {
        (method, path)
        for path, operations in paths.items()
        if path.startswith(("/api/workspace/", "/api/workspaces/"))
        for method in operations
    }
    assert documented == set(WORKSPACE_OPERATIONS)
    for (method, path), problems in WORKSPACE_OPERATIONS.items():
        operation = paths[path][method]
        assert operation["tags"] == ["workspace"] and operation["summary"], (method, path)
        answered = set(operation["responses"])
        assert answered & {"403", "409"} == problems, (method, path)
        for status in problems:
            assert operation["responses"][status]["content"][PROBLEM_JSON]["schema"]["$ref"].endswith("/Problem")
