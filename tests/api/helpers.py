"""Helpers for the API tests: accounts, jobs, sessions, and documents no endpoint writes yet."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import parse_qs, urlsplit

from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from talentcrew.adapters.local_mail import LocalMail
from talentcrew.auth import TicketCheck, public_half
from talentcrew.config import platform
from talentcrew.models import (
    Answer,
    IntegritySignal,
    Provenance,
    SignalKind,
    User,
    answer_id,
    user_id_for,
    utcnow,
)
from talentcrew.questions import Prompt

PASSWORD = "correct horse battery"

RUBRIC: dict[str, Any] = {
    "languages": ["Python"],
    "core_skills": ["APIs", "Databases"],
    "experience_level": "Senior",
    "evaluation_focus": ["Depth"],
}

PROVENANCE = Provenance(
    rubric_version=1, question_bank_version="test", brain="fake", model="fake-model", prompt_version="test"
)


CHECK_INBOX = {"status": "check-inbox", "detail": "If this email can be used, we sent it a message with the next step."}


def sign_up(client: FlaskClient, email: str, password: str = PASSWORD) -> dict[str, Any]:
    """Signs up (asserting the one 202 answer), confirms the email through the emailed link and the password
    when verification is on, and returns the new account's JSON as stored."""
    response = client.post("/api/users/", json={"email": email, "password": password, "full_name": "Rita Recruiter"})
    assert response.status_code == 202, response.get_data(as_text=True)
    assert response.get_json() == CHECK_INBOX
    if platform().settings.verification_required:
        link = {"token": emailed_token(email, "/verify"), "password": password}
        confirmed = client.post("/api/auth/verify/", json=link)
        assert confirmed.status_code == 200, confirmed.get_data(as_text=True)
    user = platform().store.get(User, user_id_for(email))
    assert user is not None
    return user.model_dump(mode="json")


def emailed_token(email: str, page: str) -> str:
    """The token of the newest link to the web app's `page` ("/verify", "/reset") mailed to `email`, read
    from the local mailbox's .eml files."""
    mail = platform().mail
    assert isinstance(mail, LocalMail)
    for letter in mail.letters(limit=1000):
        if letter.to == email.strip().lower():
            for link in letter.links:
                before, _, token = link.partition("#t=")
                if token and before.endswith(page):
                    return token
    raise AssertionError(f"no {page} link was mailed to {email}")


def log_in(client: FlaskClient, email: str, password: str = PASSWORD) -> dict[str, Any]:
    """Logs in and returns the AccessToken JSON (asserting 200)."""
    response = client.post("/api/auth/login/", json={"email": email, "password": password})
    assert response.status_code == 200, response.get_data(as_text=True)
    body: dict[str, Any] = response.get_json()
    return body


def json_of(response: Any) -> dict[str, Any]:
    body: dict[str, Any] = response.get_json()
    return body


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def auth_headers(client: FlaskClient, email: str, password: str = PASSWORD) -> dict[str, str]:
    """Signs up and logs in; returns the Authorization header."""
    sign_up(client, email, password)
    return bearer(log_in(client, email, password)["access_token"])


def create_job(client: FlaskClient, headers: dict[str, str], title: str = "Backend Engineer") -> dict[str, Any]:
    response = client.post(
        "/api/jobs/",
        json={"title": title, "stack": ["Python", "PostgreSQL"], "rubric_template": RUBRIC},
        headers=headers,
    )
    assert response.status_code == 201, response.get_data(as_text=True)
    body: dict[str, Any] = response.get_json()
    return body


def create_session(
    client: FlaskClient, headers: dict[str, str], job_id: str, candidate_name: str = "Casey Candidate"
) -> tuple[dict[str, Any], str]:
    """Creates a session; returns its JSON and the invite token (from the invite URL's fragment)."""
    response = client.post(
        "/api/sessions/",
        json={"job": job_id, "candidate_name": candidate_name, "candidate_email": "casey@example.com"},
        headers=headers,
    )
    assert response.status_code == 201, response.get_data(as_text=True)
    body: dict[str, Any] = response.get_json()
    return body["session"], invite_token(body["invite_url"])


def relay_ticket_check() -> TicketCheck:
    """The check the relay makes of a ticket, with the public half of the platform's ticket key."""
    return TicketCheck(public_half(platform().settings.ticket_private_key()))


def invite_token(invite_url: str) -> str:
    """The token of an invite link, `…/interview#t=<token>`."""
    return parse_qs(urlsplit(invite_url).fragment)["t"][0]


def candidate_view(client: FlaskClient, token: str) -> TestResponse:
    """What the candidate's page asks first: the interview behind the invite token (sent as a header)."""
    return client.get("/api/interview/", headers={"X-Invite-Token": token})


def seed_answer(
    session_id: str, owner_id: str, turn: int, confidence: int, *, cheating: bool = False, bias: bool = False
) -> Answer:
    """Writes an Answer as the turn function will (straight into the store)."""
    answer = Answer(
        id=answer_id(session_id, turn),
        session_id=session_id,
        owner_id=owner_id,
        turn_index=turn,
        skill="APIs",
        question_asked=f"Question {turn}?",
        candidate_answer=f"Answer {turn}.",
        understanding_score=confidence,
        explainability_score=confidence,
        confidence_score=confidence,
        is_cheating_suspected=cheating,
        cheating_reasons=["pasted text"] if cheating else [],
        bias_flag=bias,
        bias_reason="question about age" if bias else "",
        provenance=PROVENANCE,
        asked_at=utcnow(),
    )
    platform().store.put(answer)
    return answer


def seed_signal(session_id: str, owner_id: str, turn: int = 0) -> IntegritySignal:
    """Writes an IntegritySignal as the turn function will (straight into the store)."""
    signal = IntegritySignal(
        session_id=session_id,
        owner_id=owner_id,
        turn_index=turn,
        kind=SignalKind.PASTE,
        reason="a large paste into the answer box",
        detail={"characters": 900},
    )
    platform().store.put(signal)
    return signal


def said_concept_terms(reference: Prompt) -> list[str]:
    """The question's concept terms that its ideal answer says whole, as it writes them (the keyterms' rule)."""
    terms = [term for concept in reference.key_concepts for term in concept.terms]
    found = (re.search(rf"\b{re.escape(term)}\b", reference.ideal_answer, re.IGNORECASE) for term in terms)
    said = [match.group(0) for match in found if match]
    assert said  # every bank question's ideal answer says some of its terms
    return said
