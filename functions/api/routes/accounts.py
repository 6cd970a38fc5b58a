"""Accounts: sign-up, email verification, password reset, login, logout, the caller, the caller's sessions.

Sign-ups and reset requests are throttled per client address (the one the trusted front end saw); a wrong
password at a sign-up link counts as a failed login, as at login.
"""

from __future__ import annotations

from typing import Any

from flask import request
from flask_openapi3 import APIBlueprint, Tag
from http_problems import ERRORS, Problem

from api.http import BEARER, Paged, PageQuery, account, caller, caller_claims, paged
from talentcrew import accounts
from talentcrew.accounts import (
    AccessToken,
    AccountChanges,
    CheckInbox,
    Confirmation,
    Enrolment,
    Login,
    NewPassword,
    ResetRequest,
    SignUp,
)
from talentcrew.config import Platform
from talentcrew.models import InterviewSession, User
from talentcrew.sessions import list_sessions

TAG = Tag(name="accounts", description="Recruiter accounts and bearer tokens")


def blueprint(platform: Platform) -> APIBlueprint:
    bp = APIBlueprint("accounts", __name__, abp_tags=[TAG])
    store = platform.store

    enrolment = Enrolment(
        store=store,
        passwords=platform.passwords,
        tokens=platform.tokens,
        throttle=platform.throttle,
        mail=platform.mail,
        web_url=platform.settings.web_base_url,
        verification_required=platform.settings.verification_required,
    )

    def client_address() -> str:
        return request.remote_addr or "unknown"

    @bp.post("/api/users/", responses={202: CheckInbox, 413: Problem, 422: Problem, 429: Problem})
    def sign_up(body: SignUp) -> tuple[dict[str, Any], int]:
        """Asks for a recruiter account. The answer is the same whether or not the email has one: the next
        step (a link to confirm the email, or a notice that it is registered) arrives by email."""
        platform.signups.hit(client_address())
        return enrolment.sign_up(body).model_dump(mode="json"), 202

    @bp.post("/api/auth/verify/", responses={200: AccessToken, 401: Problem, 413: Problem, 422: Problem, 429: Problem})
    def verify_email(body: Confirmation) -> dict[str, Any]:
        """Confirms a sign-up with the token from its emailed link and the password chosen at sign-up: creates the
        account and logs it in. The link alone is not enough (whoever signed up with someone's email must not get
        the account its owner confirms). A wrong password is the same 401 as a used, unknown or expired link and
        counts as a failed login for the email and the client address (429 once too many); the link keeps working
        for the right password until it expires."""
        return enrolment.verify(body, client_address()).model_dump(mode="json")

    @bp.post("/api/auth/password-reset/", responses={202: CheckInbox, 413: Problem, 422: Problem, 429: Problem})
    def request_password_reset(body: ResetRequest) -> tuple[dict[str, Any], int]:
        """Emails a password reset link if the email has an account; the answer is the same either way."""
        platform.signups.hit(client_address())
        return enrolment.request_reset(body).model_dump(mode="json"), 202

    @bp.post(
        "/api/auth/password-reset/confirm/",
        responses={204: None, 401: Problem, 413: Problem, 422: Problem, 429: Problem},
    )
    def reset_password(body: NewPassword) -> tuple[str, int]:
        """Sets a new password with the token from a reset link (once); every bearer token issued before stops
        working. 429: the server is busy hashing passwords."""
        enrolment.reset(body)
        return "", 204

    @bp.post("/api/auth/login/", responses={200: AccessToken, 401: Problem, 413: Problem, 422: Problem, 429: Problem})
    def log_in(body: Login) -> dict[str, Any]:
        """Exchanges email and password for a bearer token. Failed attempts are rate-limited."""
        return accounts.log_in(
            store, platform.tokens, platform.passwords, platform.throttle, body, client_address()
        ).model_dump(mode="json")

    @bp.post("/api/auth/logout/", responses={204: None, **ERRORS}, security=BEARER)
    def log_out() -> tuple[str, int]:
        """Revokes the bearer token used for this request."""
        account(platform)
        platform.tokens.revoke(caller_claims())
        return "", 204

    @bp.get("/api/auth/me/", responses={200: User, **ERRORS}, security=BEARER)
    def me() -> dict[str, Any]:
        """The calling recruiter."""
        return account(platform).model_dump(mode="json")

    @bp.patch("/api/auth/me/", responses={200: User, **ERRORS}, security=BEARER)
    def change_me(body: AccountChanges) -> dict[str, Any]:
        """Changes the caller's name (the workspace's name and retention period are set at /api/workspace/)."""
        return accounts.change_account(store, account(platform), body).model_dump(mode="json")

    @bp.get("/api/auth/sessions/", responses={200: Paged[InterviewSession], **ERRORS}, security=BEARER)
    def my_sessions(query: PageQuery) -> dict[str, Any]:
        """The interview sessions of the caller's workspace, newest first."""
        return paged(list_sessions(store, caller(platform), query.after, query.limit))

    return bp
