"""Sign-up, email verification and password reset through the Mail port, against both Store adapters.

- Sign-up and reset requests answer the same (status, body, headers) and do the same work (one
  password hash, one email) whether or not the email has an account: nobody learns who has one.
- With verification on, no account exists until the emailed link comes back with the password typed
  at sign-up (so whoever signs up with someone else's email gets nothing when its owner clicks); a
  wrong password is a failed login and leaves the link usable; links are single use, expire, and
  only their hash is stored.
- Sign-ups and reset requests are throttled per client address.
- The demo recruiter's password is random; the dev mailbox exists only with the local mailbox.

Links are read from the local mailbox's `.eml` files, as a person would read their email.
"""

from __future__ import annotations

import hashlib
import io
import re
from datetime import timedelta
from typing import Any

import pytest
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from talentcrew.__main__ import DEMO_EMAIL, demo_job, mailbox
from talentcrew.accounts import PasswordReset, PendingSignUp
from talentcrew.adapters.local_mail import Letter, LocalMail
from talentcrew.auth import Credential
from talentcrew.config import platform
from talentcrew.models import Document, User, user_id_for, utcnow
from talentcrew.ports import Email
from tests.api.helpers import CHECK_INBOX, PASSWORD, bearer, emailed_token, json_of, sign_up

Json = dict[str, Any]
PROBLEM_JSON = "application/problem+json"
NEW_PASSWORD = "a brand new passphrase"
SQLITE_ONLY = pytest.mark.parametrize("api_client", ["sqlite"], indirect=True)  # nothing here depends on the Store


def letters() -> list[Letter]:
    mail = platform().mail
    assert isinstance(mail, LocalMail)
    return mail.letters(limit=1000)


def letters_to(email: str) -> list[Letter]:
    return [letter for letter in letters() if letter.to == email]


def every(kind: type[Document]) -> list[Any]:
    return platform().store.query(kind, limit=1000).items


def ask(client: FlaskClient, email: str, password: str = PASSWORD, address: str = "127.0.0.1") -> TestResponse:
    return client.post(
        "/api/users/",
        json={"email": email, "password": password, "full_name": "Rita Recruiter"},
        environ_overrides={"REMOTE_ADDR": address},
    )


def log_in(client: FlaskClient, email: str, password: str, address: str = "127.0.0.1") -> TestResponse:
    return client.post(
        "/api/auth/login/", json={"email": email, "password": password}, environ_overrides={"REMOTE_ADDR": address}
    )


def verify(client: FlaskClient, token: str, password: str = PASSWORD, address: str = "127.0.0.1") -> TestResponse:
    return client.post(
        "/api/auth/verify/", json={"token": token, "password": password}, environ_overrides={"REMOTE_ADDR": address}
    )


def request_reset(client: FlaskClient, email: str, address: str = "127.0.0.1") -> TestResponse:
    return client.post("/api/auth/password-reset/", json={"email": email}, environ_overrides={"REMOTE_ADDR": address})


def confirm_reset(client: FlaskClient, token: str, password: str = NEW_PASSWORD) -> TestResponse:
    return client.post("/api/auth/password-reset/confirm/", json={"token": token, "password": password})


def problem(response: TestResponse, status: int) -> Json:
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == PROBLEM_JSON
    return json_of(response)


def looks(response: TestResponse) -> tuple[int, bytes, dict[str, str]]:
    """What a caller can see of a response."""
    return response.status_code, response.get_data(), dict(response.headers)


@pytest.fixture
def verifying(monkeypatch: pytest.MonkeyPatch, api_client: FlaskClient) -> FlaskClient:
    """api_client with TALENTCREW_VERIFY_EMAIL=true (the platform is built on first use)."""
    monkeypatch.setenv("TALENTCREW_VERIFY_EMAIL", "true")
    assert platform().settings.verification_required
    return api_client


@pytest.fixture(params=[False, True], ids=["no-verification", "verification"])
def either(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch, api_client: FlaskClient) -> FlaskClient:
    monkeypatch.setenv("TALENTCREW_VERIFY_EMAIL", str(request.param).lower())
    assert platform().settings.verification_required is request.param
    return api_client


@pytest.fixture
def hashes(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Counts the argon2 hashes the platform computes (each is one entry)."""
    passwords = platform().passwords
    hash_ = passwords.hash
    done: list[str] = []

    def counted(password: str) -> str:
        done.append(password)
        return hash_(password)

    monkeypatch.setattr(passwords, "hash", counted)
    return done


# --- sign-up tells nobody who has an account ------------------------------------------------------


def test_sign_up_answers_and_works_the_same_for_a_new_and_a_taken_email(either: FlaskClient, hashes: list[str]) -> None:
    client = either
    sign_up(client, "taken@enum.example")
    hashes.clear()
    taken = ask(client, "taken@enum.example", "someone else's password")
    new = ask(client, "new@enum.example", "someone else's password")
    assert looks(taken) == looks(new)
    assert taken.status_code == 202 and json_of(taken) == CHECK_INBOX
    assert len(hashes) == 2  # one argon2 hash each: the taken email costs as much as the new one
    # Each address got one message; only its owner learns which it was.
    [notice] = [letter for letter in letters_to("taken@enum.example") if "tried to sign up" in letter.subject]
    assert [link.endswith("/reset") for link in notice.links] == [True]
    [news] = letters_to("new@enum.example")
    assert news.subject in ("Confirm your email for TalentCrew", "Your TalentCrew account is ready")
    # The taken account is unchanged: its password still works, the other one does not.
    assert log_in(client, "taken@enum.example", PASSWORD).status_code == 200
    assert log_in(client, "taken@enum.example", "someone else's password").status_code == 401


def test_without_verification_the_account_works_at_once(api_client: FlaskClient) -> None:
    assert not platform().settings.verification_required  # the embedded default: `make dev` signs up and starts
    assert ask(api_client, "rita@example.com").status_code == 202
    assert log_in(api_client, "rita@example.com", PASSWORD).status_code == 200
    [welcome] = letters_to("rita@example.com")
    assert welcome.subject == "Your TalentCrew account is ready"


# --- verification ---------------------------------------------------------------------------------


def test_with_verification_no_account_exists_until_the_emailed_link_is_followed(verifying: FlaskClient) -> None:
    client = verifying
    assert ask(client, "Rita@Example.com").status_code == 202
    assert platform().store.get(User, user_id_for("rita@example.com")) is None
    # Logging in before confirming looks exactly like an unknown email.
    early = log_in(client, "rita@example.com", PASSWORD)
    unknown = log_in(client, "nobody@example.com", PASSWORD)
    assert problem(early, 401) == problem(unknown, 401)
    # The link's token is in the fragment (no server logs it); only its hash and the password's argon2 are stored.
    [letter] = letters_to("rita@example.com")
    [link] = letter.links
    assert re.fullmatch(r"http://127\.0\.0\.1:\d+/verify#t=[A-Za-z0-9_-]{43}", link)
    token = emailed_token("rita@example.com", "/verify")
    [pending] = every(PendingSignUp)
    assert pending.id == hashlib.sha256(token.encode()).hexdigest()
    assert pending.password_hash.startswith("$argon2id$") and PASSWORD not in pending.model_dump_json()
    assert token not in pending.model_dump_json()

    confirmed = verify(client, token)
    assert confirmed.status_code == 200, confirmed.get_data(as_text=True)
    access = json_of(confirmed)
    assert access["token_type"] == "Bearer" and access["user"]["email"] == "rita@example.com"
    me = client.get("/api/auth/me/", headers=bearer(access["access_token"]))
    assert json_of(me)["id"] == user_id_for("rita@example.com")
    assert log_in(client, "rita@example.com", PASSWORD).status_code == 200
    assert every(PendingSignUp) == []


def test_a_used_unknown_or_expired_link_is_401(verifying: FlaskClient) -> None:
    client = verifying
    ask(client, "used@example.com")
    used = emailed_token("used@example.com", "/verify")
    assert verify(client, used).status_code == 200
    refused = [problem(verify(client, used), 401)]
    refused.append(problem(verify(client, "A" * 43), 401))
    ask(client, "late@example.com")
    late = emailed_token("late@example.com", "/verify")
    [pending] = every(PendingSignUp)
    platform().store.update(PendingSignUp, pending.id, {"expires_at": utcnow() - timedelta(seconds=1)})
    refused.append(problem(verify(client, late), 401))
    assert len({str(body) for body in refused}) == 1  # the same answer for each
    assert platform().store.get(User, user_id_for("late@example.com")) is None
    assert problem(verify(client, "not a token!"), 422)["status"] == 422


def test_the_second_link_for_an_email_confirmed_meanwhile_is_401(verifying: FlaskClient) -> None:
    client = verifying
    ask(client, "twice@example.com", "the first password")
    first = emailed_token("twice@example.com", "/verify")
    ask(client, "twice@example.com", "the second password")
    second = emailed_token("twice@example.com", "/verify")
    assert first != second
    assert verify(client, first, "the first password").status_code == 200
    problem(verify(client, second, "the second password"), 401)
    assert log_in(client, "twice@example.com", "the first password").status_code == 200
    assert log_in(client, "twice@example.com", "the second password").status_code == 401


def test_the_link_creates_the_account_only_with_the_sign_up_password(verifying: FlaskClient) -> None:
    client = verifying
    ask(client, "rita@example.com")
    token = emailed_token("rita@example.com", "/verify")
    wrong = verify(client, token, "not the sign-up password")
    assert problem(wrong, 401) == problem(verify(client, "A" * 43), 401)  # the same answer as a bad link
    assert platform().store.get(User, user_id_for("rita@example.com")) is None
    assert log_in(client, "rita@example.com", "not the sign-up password").status_code == 401
    missing = client.post("/api/auth/verify/", json={"token": token})
    assert problem(missing, 422)["status"] == 422  # the link alone is not enough
    assert platform().store.get(User, user_id_for("rita@example.com")) is None
    # The link still works, with the right password.
    confirmed = verify(client, token)
    assert confirmed.status_code == 200, confirmed.get_data(as_text=True)
    assert json_of(confirmed)["user"]["email"] == "rita@example.com"
    assert log_in(client, "rita@example.com", PASSWORD).status_code == 200


def test_whoever_signs_up_with_your_email_gets_nothing_when_you_click_the_link(verifying: FlaskClient) -> None:
    """Mallory signs up with Rita's email and a password of her own; Rita opens the link she did not ask for and
    types a password of hers. No account exists, for either of them, until Rita signs up herself."""
    client = verifying
    ask(client, "rita@example.com", "mallory's own password", address="10.6.6.6")
    unasked = emailed_token("rita@example.com", "/verify")
    problem(verify(client, unasked, "rita's own password", address="10.0.0.1"), 401)
    assert platform().store.get(User, user_id_for("rita@example.com")) is None
    assert log_in(client, "rita@example.com", "mallory's own password", address="10.6.6.6").status_code == 401
    # Rita's own sign-up makes the account hers.
    ask(client, "rita@example.com", "rita's own password", address="10.0.0.1")
    own = emailed_token("rita@example.com", "/verify")
    assert verify(client, own, "rita's own password", address="10.0.0.1").status_code == 200
    assert log_in(client, "rita@example.com", "rita's own password", address="10.0.0.1").status_code == 200


@pytest.fixture
def verifying_strictly(monkeypatch: pytest.MonkeyPatch, api_client: FlaskClient) -> FlaskClient:
    """Verification on; 2 free failed logins per account, then a wait; 3 failed logins per address."""
    monkeypatch.setenv("TALENTCREW_VERIFY_EMAIL", "true")
    monkeypatch.setenv("TALENTCREW_LOGIN_FREE_FAILURES", "2")
    monkeypatch.setenv("TALENTCREW_LOGIN_FAILURES_PER_ADDRESS", "3")
    assert platform().settings.verification_required and platform().settings.login_failures_per_address == 3
    return api_client


def test_wrong_passwords_at_the_link_count_as_failed_logins(verifying_strictly: FlaskClient) -> None:
    client = verifying_strictly
    ask(client, "rita@example.com", address="10.0.0.9")
    token = emailed_token("rita@example.com", "/verify")
    for _ in range(2):  # the account's free failures
        problem(verify(client, token, "a guess at it", address="10.0.0.1"), 401)
    # Now the email must wait, from any address, whatever the password: at the link and at login alike.
    for limited in (
        verify(client, token, address="10.0.0.2"),
        log_in(client, "rita@example.com", PASSWORD, "10.0.0.3"),
    ):
        assert problem(limited, 429)["type"] == "https://talentcrew.dev/problems/rate-limited"
        assert 0 < int(limited.headers["Retry-After"]) <= 60
    # The address's two failures at the link and one at login use up its three, for every email.
    problem(log_in(client, "nobody@example.com", "a guess at it", address="10.0.0.1"), 401)
    problem(log_in(client, "somebody@example.com", "a guess at it", address="10.0.0.1"), 429)
    problem(verify(client, token, address="10.0.0.1"), 429)
    assert platform().store.get(User, user_id_for("rita@example.com")) is None
    assert len(every(PendingSignUp)) == 1  # the link is not spent


# --- password reset -------------------------------------------------------------------------------


def test_password_reset_end_to_end(api_client: FlaskClient) -> None:
    sign_up(api_client, "rita@example.com")
    held = json_of(log_in(api_client, "rita@example.com", PASSWORD))["access_token"]
    response = request_reset(api_client, "RITA@example.com")
    assert response.status_code == 202 and json_of(response) == CHECK_INBOX
    token = emailed_token("rita@example.com", "/reset")
    [reset] = every(PasswordReset)
    assert reset.id == hashlib.sha256(token.encode()).hexdigest()

    done = confirm_reset(api_client, token)
    assert done.status_code == 204 and done.get_data() == b""
    assert log_in(api_client, "rita@example.com", PASSWORD).status_code == 401  # the old password stops working
    assert log_in(api_client, "rita@example.com", NEW_PASSWORD).status_code == 200
    problem(confirm_reset(api_client, token, "yet another passphrase"), 401)  # single use
    assert log_in(api_client, "rita@example.com", NEW_PASSWORD).status_code == 200
    credential = platform().store.get(Credential, user_id_for("rita@example.com"))
    assert credential is not None and credential.password_hash.startswith("$argon2id$")
    # Whoever knew the old password may hold a token: every token issued before the reset stops working.
    assert api_client.get("/api/auth/me/", headers=bearer(held)).status_code == 401
    fresh = json_of(log_in(api_client, "rita@example.com", NEW_PASSWORD))["access_token"]
    assert api_client.get("/api/auth/me/", headers=bearer(fresh)).status_code == 200


def test_a_reset_request_answers_the_same_for_an_unknown_email(api_client: FlaskClient) -> None:
    sign_up(api_client, "known@example.com")
    known = request_reset(api_client, "known@example.com")
    unknown = request_reset(api_client, "unknown@example.com")
    assert looks(known) == looks(unknown)
    [note] = letters_to("unknown@example.com")
    assert "no account" in note.text and [link.endswith("/signup") for link in note.links] == [True]
    assert len(every(PasswordReset)) == 1


def test_an_expired_or_unknown_reset_link_is_401(api_client: FlaskClient) -> None:
    sign_up(api_client, "rita@example.com")
    request_reset(api_client, "rita@example.com")
    token = emailed_token("rita@example.com", "/reset")
    [reset] = every(PasswordReset)
    platform().store.update(PasswordReset, reset.id, {"expires_at": utcnow() - timedelta(seconds=1)})
    problem(confirm_reset(api_client, token), 401)
    problem(confirm_reset(api_client, "B" * 43), 401)
    assert log_in(api_client, "rita@example.com", PASSWORD).status_code == 200
    assert problem(confirm_reset(api_client, "C" * 43, "short"), 422)["status"] == 422


def test_resetting_the_password_of_a_sign_up_not_yet_confirmed_reaches_no_account(verifying: FlaskClient) -> None:
    client = verifying
    ask(client, "pending@example.com")
    assert request_reset(client, "pending@example.com").status_code == 202
    assert every(PasswordReset) == []
    assert "no account" in letters_to("pending@example.com")[0].text


# --- throttle -------------------------------------------------------------------------------------


@pytest.fixture
def three_per_address(monkeypatch: pytest.MonkeyPatch, api_client: FlaskClient) -> FlaskClient:
    monkeypatch.setenv("TALENTCREW_SIGNUPS_PER_ADDRESS", "3")
    assert platform().settings.signups_per_address == 3
    return api_client


def test_sign_ups_and_reset_requests_are_throttled_per_client_address(three_per_address: FlaskClient) -> None:
    client = three_per_address
    assert ask(client, "one@throttle.example", address="10.0.0.1").status_code == 202
    assert ask(client, "two@throttle.example", address="10.0.0.1").status_code == 202
    assert request_reset(client, "one@throttle.example", address="10.0.0.1").status_code == 202
    sent = len(letters())
    for refused in (
        ask(client, "three@throttle.example", address="10.0.0.1"),
        request_reset(client, "x@y.example", address="10.0.0.1"),
    ):
        body = problem(refused, 429)
        assert body["type"] == "https://talentcrew.dev/problems/rate-limited"
        assert 0 < int(refused.headers["Retry-After"]) <= 3600
    assert len(letters()) == sent  # a refused request sends nothing
    assert platform().store.get(User, user_id_for("three@throttle.example")) is None
    # Another client is not held back.
    assert ask(client, "three@throttle.example", address="10.0.0.2").status_code == 202


# --- the demo recruiter, the dev mailbox ----------------------------------------------------------


@SQLITE_ONLY
def test_the_demo_recruiter_gets_a_random_password_shown_once(api_client: FlaskClient) -> None:
    out, err = io.StringIO(), io.StringIO()
    job_id = demo_job(out, err)
    assert out.getvalue() == f"{job_id}\n"  # stdout stays the job id: scripts read it
    [password] = re.findall(rf"log in as {re.escape(DEMO_EMAIL)} with password (\S+)", err.getvalue())
    assert len(password) >= 20
    assert log_in(api_client, DEMO_EMAIL, "demo-password-not-for-use").status_code == 401
    assert log_in(api_client, DEMO_EMAIL, password).status_code == 200
    again = io.StringIO()
    demo_job(io.StringIO(), again)
    assert again.getvalue() == ""  # an existing recruiter keeps its password, which is not shown again


def fill_mailbox(client: FlaskClient) -> None:
    ask(client, "rita@example.com")
    platform().mail.send(Email(to="mallory@example.com", subject="<script>alert(1)</script>", text="<b>hi</b> & bye"))


@SQLITE_ONLY
def test_the_dev_mailbox_lists_the_local_mail_escaped(api_client: FlaskClient) -> None:
    fill_mailbox(api_client)
    response = api_client.get("/api/dev/mail")
    assert response.status_code == 200 and response.mimetype == "text/html"
    page = response.get_data(as_text=True)
    assert "Your TalentCrew account is ready" in page and "rita@example.com" in page
    assert "<script>" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "&lt;b&gt;hi&lt;/b&gt; &amp; bye" in page
    assert response.headers["Content-Security-Policy"].startswith("default-src 'none'")
    assert page.index("alert(1)") < page.index("account is ready")  # newest first
    # From another machine it is not there at all.
    elsewhere = api_client.get("/api/dev/mail", environ_overrides={"REMOTE_ADDR": "10.0.0.9"})
    assert looks(elsewhere)[:2] == looks(api_client.get("/api/no-such-page"))[:2]


@SQLITE_ONLY
def test_the_mail_command_lists_the_mailbox_with_its_links(verifying: FlaskClient) -> None:
    ask(verifying, "rita@example.com")
    out = io.StringIO()
    assert mailbox(10, out) == 0
    token = emailed_token("rita@example.com", "/verify")
    lines = out.getvalue().splitlines()
    assert "to rita@example.com  Confirm your email for TalentCrew" in lines[0]
    assert lines[1].strip().endswith(f"/verify#t={token}")


@pytest.fixture
def smtp_configured(monkeypatch: pytest.MonkeyPatch, api_client: FlaskClient) -> FlaskClient:
    monkeypatch.setenv("TALENTCREW_MAIL", "smtp")
    monkeypatch.setenv("TALENTCREW_SMTP_HOST", "127.0.0.1")
    assert platform().mail.name == "smtp"
    return api_client


@SQLITE_ONLY
def test_the_dev_mailbox_is_404_when_mail_goes_out_by_smtp(smtp_configured: FlaskClient) -> None:
    response = smtp_configured.get("/api/dev/mail")
    body = problem(response, 404)
    assert looks(response)[:2] == looks(smtp_configured.get("/api/no-such-page"))[:2]
    assert body["title"] == "Not Found"
