"""Request plumbing shared by the routes: the verified caller, pagination, candidate headers."""

from __future__ import annotations

from typing import Annotated, Any, Generic, TypeVar

from flask import g, request
from pydantic import BaseModel, ConfigDict, Field

from talentcrew import api_keys
from talentcrew.accounts import authenticate
from talentcrew.api_keys import Scope
from talentcrew.auth import AccessClaims
from talentcrew.config import Platform
from talentcrew.errors import Forbidden, Unauthorized
from talentcrew.models import User
from talentcrew.ports import Page
from talentcrew.workspaces import Caller, Role, member_of

T = TypeVar("T")
BEARER: list[dict[str, list[str]]] = [{"bearer": []}]


def _bearer() -> str:
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized("a bearer token is required")
    return token.strip()


def account(platform: Platform) -> User:
    """The account the bearer token names, verified (signature, expiry, revocation, account)."""
    bearer = _bearer()
    if api_keys.is_key(bearer):
        raise Forbidden("an API key cannot do this: sign in as a member")
    user, claims = authenticate(platform.store, platform.tokens, bearer)
    g.claims = claims
    return user


def caller(platform: Platform, role: Role = Role.VIEWER, scope: Scope | None = None) -> Caller:
    """The verified account in its current workspace, or a workspace API key; Forbidden (403) unless the role is at
    least `role` (reads need a viewer, changes a recruiter, members and settings an owner) and, for a key, the
    operation's `scope` is one of the key's (an operation without a scope refuses keys)."""
    bearer = _bearer()
    if api_keys.is_key(bearer):
        key = api_keys.authenticate(platform.store, bearer)
        if scope is None or key.scopes is None or scope not in key.scopes:
            needed = f"the {scope.value} scope" if scope else "a member's sign-in"
            raise Forbidden(f"this API key cannot do this: it needs {needed}")
        return key.require(role)
    return member_of(platform.store, account(platform)).require(role)


def caller_claims() -> AccessClaims:
    claims: AccessClaims = g.claims
    return claims


class PageQuery(BaseModel):
    model_config = ConfigDict(extra="ignore")  # the prototype's `email` parameter is ignored

    limit: Annotated[int, Field(ge=1, le=100)] = 20
    after: Annotated[str, Field(max_length=100)] | None = Field(
        default=None, description="The `next_after` of the previous page."
    )


class Paged(BaseModel, Generic[T]):
    """One page of a list, newest first unless said otherwise."""

    items: list[T]
    next_after: str | None = Field(description="Pass as `after` for the next page; null on the last page.")


def paged(page: Page[Any]) -> dict[str, Any]:
    after = page.next_after
    return {
        "items": [item.model_dump(mode="json") for item in page.items],
        "next_after": None if after is None else str(after),
    }


Token = Annotated[str, Field(min_length=16, max_length=128, pattern=r"^[A-Za-z0-9_-]+$")]


class InviteHeader(BaseModel):
    x_invite_token: Annotated[Token, Field(alias="X-Invite-Token")]


class IdPath(BaseModel):
    id: Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_-]+$")]
