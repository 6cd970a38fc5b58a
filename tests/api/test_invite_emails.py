"""Interview invitations that reach the candidate (issue 19, part 2), through a real local SMTP server.

A session created with `send_invite` emails its link (text and HTML: the job, the deadline, the consent
summary, whom to write to for an accommodation); the session shows each message and whether the mail server
took it; a refused message can be sent again with a new link. The hourly reminders step (the `reminders`
CloudEvent function) emails a new link of the same deadline 48 hours before the first expires, once, and only
while the candidate has not started and the interview stands.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from email.message import EmailMessage
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from aiosmtpd.smtp import SMTP, Envelope, Session
from cloudevents.http import CloudEvent
from flask.testing import FlaskClient

from main import reminders
from talentcrew.config import platform
from talentcrew.events import REMINDERS_TICK
from talentcrew.invite_emails import InviteEmail
from talentcrew.models import InterviewSession, utcnow
from tests.api.helpers import auth_headers, candidate_view, create_job, json_of
from tests.contract.test_mail import PASSWORD, USERNAME, Received, parse, smtp_server, text_of

__all__ = ["smtp_server"]  # the SMTP server fixture, used here by name

RECRUITER = "rita@acme.example"
CANDIDATE = "casey@example.com"


class FailsFirst(Received):
    """A mail server that turns the candidate's first message away (a full queue, say) and takes the next ones."""

    refused = False

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:  # noqa: N802 (aiosmtpd)
        if envelope.rcpt_tos == [CANDIDATE] and not self.refused:
            self.refused = True
            return "451 Requested action aborted: try again later"
        return await super().handle_DATA(server, session, envelope)


@pytest.fixture
def smtp(smtp_server: tuple[int, Received], monkeypatch: pytest.MonkeyPatch) -> Received:
    """The platform sends its mail through the local SMTP server (set before the first request builds it)."""
    port, received = smtp_server
    settings = {"MAIL": "smtp", "SMTP_HOST": "127.0.0.1", "SMTP_PORT": str(port), "SMTP_USERNAME": USERNAME}
    settings |= {"SMTP_PASSWORD": PASSWORD, "MAIL_FROM": "TalentCrew <no-reply@acme.example>"}
    for name, value in settings.items():
        monkeypatch.setenv(f"TALENTCREW_{name}", value)
    return received


@pytest.fixture
def client(smtp: Received, api_client: FlaskClient) -> Iterator[FlaskClient]:
    yield api_client


def invite(client: FlaskClient, headers: dict[str, str], job_id: str, name: str = "Casey <b>Candidate</b>") -> Any:
    body = {"job": job_id, "candidate_name": name, "candidate_email": CANDIDATE, "send_invite": True}
    response = client.post("/api/sessions/", json=body, headers=headers)
    assert response.status_code == 201, response.get_data(as_text=True)
    return json_of(response)


def messages(received: Received) -> list[EmailMessage]:
    """What reached the candidate (the recruiter's own welcome goes through the same server)."""
    return [parse(content) for _, recipients, content in received.items if recipients == [CANDIDATE]]


def link_of(message: EmailMessage) -> str:
    [link] = [line for line in text_of(message.get_body(("plain",))).splitlines() if "/interview#t=" in line]
    return link


def token_of(link: str) -> str:
    return parse_qs(urlsplit(link).fragment)["t"][0]


def tick() -> None:
    reminders(CloudEvent({"id": f"tick-{utcnow().isoformat()}", "type": REMINDERS_TICK, "source": "//scheduler"}, {}))


def make_due(session_id: str) -> None:
    """Moves the session's reminder into the past, as 5 days of waiting would."""
    store = platform().store
    for email in store.query(InviteEmail, where={"session_id": session_id}, limit=10).items:
        if email.remind_at is not None:
            store.update(InviteEmail, email.id, {"remind_at": utcnow() - timedelta(minutes=1)})


def test_an_emailed_invite_reaches_the_candidate_with_what_they_need(client: FlaskClient, smtp: Received) -> None:
    headers = auth_headers(client, RECRUITER)
    job = create_job(client, headers, "Backend Engineer")

    created = invite(client, headers, job["id"])

    assert created["invite_email"]["status"] == "sent" and created["invite_email"]["to"] == CANDIDATE
    [message] = messages(smtp)
    assert message["To"] == CANDIDATE and message["Subject"] == "Your interview for Backend Engineer"
    text = text_of(message.get_body(("plain",)))
    assert link_of(message) == created["invite_url"]
    expires = created["invite_expires_at"][:10]
    assert f"{int(expires[8:]):02d}" in text and expires[:4] in text  # the deadline's day and year
    assert "AI interviewer" in text and "accommodation" in text and RECRUITER in text
    markup = text_of(message.get_body(("html",)))
    assert "Casey &lt;b&gt;Candidate&lt;/b&gt;" in markup and "<b>Candidate</b>" not in markup
    assert f'href="{created["invite_url"]}"' in markup
    detail = json_of(client.get(f"/api/sessions/{created['session']['id']}/", headers=headers))
    assert [(e["kind"], e["status"]) for e in detail["invite_emails"]] == [("invite", "sent")]


def test_without_send_invite_nothing_is_emailed(client: FlaskClient, smtp: Received) -> None:
    headers = auth_headers(client, RECRUITER)
    job = create_job(client, headers)
    body = {"job": job["id"], "candidate_name": "Casey", "candidate_email": CANDIDATE}

    created = json_of(client.post("/api/sessions/", json=body, headers=headers))

    assert created["invite_email"] is None and messages(smtp) == []


@pytest.fixture
def flaky_smtp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[FailsFirst]:
    """The SMTP server of tests/contract/test_mail.py, with a handler that turns the first message away."""
    handler = FailsFirst()
    monkeypatch.setattr("tests.contract.test_mail.Received", lambda: handler)
    yield handler


def test_a_refused_invite_shows_as_failed_and_a_resend_goes_with_a_new_link(
    flaky_smtp: FailsFirst, client: FlaskClient
) -> None:
    headers = auth_headers(client, RECRUITER)
    job = create_job(client, headers)

    created = invite(client, headers, job["id"])

    assert created["invite_email"]["status"] == "failed" and "451" in created["invite_email"]["error"]
    session_id = created["session"]["id"]
    resent = client.post(f"/api/sessions/{session_id}/invite/?send=true", headers=headers)
    assert resent.status_code == 201, resent.get_data(as_text=True)
    assert json_of(resent)["invite_email"]["status"] == "sent"
    [message] = messages(flaky_smtp)
    assert link_of(message) == json_of(resent)["invite_url"] != created["invite_url"]
    assert candidate_view(client, token_of(created["invite_url"])).status_code == 401  # the first link is void
    detail = json_of(client.get(f"/api/sessions/{session_id}/", headers=headers))
    assert [(e["kind"], e["status"]) for e in detail["invite_emails"]] == [("invite", "failed"), ("invite", "sent")]


def test_a_reminder_goes_once_before_the_link_expires_with_a_link_to_the_same_interview(
    client: FlaskClient, smtp: Received
) -> None:
    headers = auth_headers(client, RECRUITER)
    job = create_job(client, headers, "Data Engineer")
    created = invite(client, headers, job["id"], "Casey")
    session_id = created["session"]["id"]
    [stored] = platform().store.query(InviteEmail, where={"session_id": session_id}, limit=10).items
    assert stored.remind_at is not None
    assert stored.remind_at == stored.link_expires_at - timedelta(hours=48)  # a 7-day link: 48 h before it expires

    tick()  # not due yet
    assert len(messages(smtp)) == 1
    make_due(session_id)
    tick()
    tick()  # a repeated tick sends nothing more

    invitation, reminder = messages(smtp)
    assert reminder["Subject"] == "Reminder: your interview for Data Engineer" and reminder["To"] == CANDIDATE
    assert link_of(reminder) != link_of(invitation)
    for link in (link_of(invitation), link_of(reminder)):  # both open the same interview
        view = candidate_view(client, token_of(link))
        assert view.status_code == 200 and json_of(view)["session_id"] == session_id
    detail = json_of(client.get(f"/api/sessions/{session_id}/", headers=headers))
    assert [(e["kind"], e["status"]) for e in detail["invite_emails"]] == [("invite", "sent"), ("reminder", "sent")]
    assert detail["invite_emails"][1]["link_expires_at"] == detail["invite_emails"][0]["link_expires_at"]


@pytest.mark.parametrize("why", ["started", "ended", "revoked", "erased"])
def test_no_reminder_once_the_candidate_started_or_the_interview_is_withdrawn(
    client: FlaskClient, smtp: Received, why: str
) -> None:
    headers = auth_headers(client, RECRUITER)
    job = create_job(client, headers)
    session_id = invite(client, headers, job["id"])["session"]["id"]
    make_due(session_id)
    if why == "started":
        platform().store.update(InterviewSession, session_id, {"started_at": utcnow()})
    elif why == "ended":
        assert client.post(f"/api/sessions/{session_id}/end/", headers=headers).status_code == 200
    elif why == "revoked":
        assert client.delete(f"/api/sessions/{session_id}/invite/", headers=headers).status_code == 204
    else:
        assert client.delete(f"/api/sessions/{session_id}/", headers=headers).status_code == 204
        assert platform().store.query(InviteEmail, where={"session_id": session_id}, limit=10).items == []

    tick()

    assert len(messages(smtp)) == 1  # the invitation alone


def test_a_resent_invite_is_the_one_reminded_of(client: FlaskClient, smtp: Received) -> None:
    headers = auth_headers(client, RECRUITER)
    job = create_job(client, headers)
    session_id = invite(client, headers, job["id"])["session"]["id"]
    resent = json_of(client.post(f"/api/sessions/{session_id}/invite/?send=true", headers=headers))

    make_due(session_id)
    tick()

    first, second, reminder = messages(smtp)
    assert reminder["Subject"].startswith("Reminder") and link_of(reminder) not in (link_of(first), link_of(second))
    records = platform().store.query(InviteEmail, where={"session_id": session_id}, limit=10).items
    assert [(e.kind, e.remind_at) for e in records] == [("invite", None), ("invite", None), ("reminder", None)]
    assert records[2].link_expires_at == records[1].link_expires_at  # the resent link's deadline
    assert resent["invite_url"] == link_of(second)
