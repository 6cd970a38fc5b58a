"""Accounts: sign-up, login, logout, the caller, the caller's sessions."""

from __future__ import annotations

from typing import Any

from flask import request
from flask_openapi3 import APIBlueprint, Tag

from api.http import BEARER, Paged, PageQuery, caller, caller_claims, paged
from api.problems import ERRORS, Problem
from talentcrew import accounts
from talentcrew.accounts import AccessToken, AccountChanges, Login, SignUp
from talentcrew.config import Platform
from talentcrew.models import InterviewSession, User
from talentcrew.sessions import list_sessions

TAG = Tag(name="accounts", description="Recruiter accounts and bearer tokens")


def blueprint(platform: Platform) -> APIBlueprint:
    bp = APIBlueprint("accounts", __name__, abp_tags=[TAG])
    store = platform.store

    @bp.post("/api/users/", responses={201: User, 409: Problem, 422: Problem})
    def sign_up(body: SignUp) -> tuple[dict[str, Any], int]:
        """Creates a recruiter account."""
        return accounts.sign_up(store, body).model_dump(mode="json"), 201

    @bp.post("/api/auth/login/", responses={200: AccessToken, 401: Problem, 422: Problem, 429: Problem})
    def log_in(body: Login) -> dict[str, Any]:
        """Exchanges email and password for a bearer token. Failed attempts are rate-limited."""
        address = request.remote_addr or "unknown"
        return accounts.log_in(store, platform.tokens, platform.throttle, body, address).model_dump(mode="json")

    @bp.post("/api/auth/logout/", responses={204: None, **ERRORS}, security=BEARER)
    def log_out() -> tuple[str, int]:
        """Revokes the bearer token used for this request."""
        caller(platform)
        platform.tokens.revoke(caller_claims())
        return "", 204

    @bp.get("/api/auth/me/", responses={200: User, **ERRORS}, security=BEARER)
    def me() -> dict[str, Any]:
        """The calling recruiter."""
        return caller(platform).model_dump(mode="json")

    @bp.patch("/api/auth/me/", responses={200: User, **ERRORS}, security=BEARER)
    def change_me(body: AccountChanges) -> dict[str, Any]:
        """Changes the caller's name, company or retention period (days; null keeps interviews)."""
        return accounts.change_account(store, caller(platform), body).model_dump(mode="json")

    @bp.get("/api/auth/sessions/", responses={200: Paged[InterviewSession], **ERRORS}, security=BEARER)
    def my_sessions(query: PageQuery) -> dict[str, Any]:
        """The caller's interview sessions, newest first."""
        return paged(list_sessions(store, caller(platform), query.after, query.limit))

    return bp
