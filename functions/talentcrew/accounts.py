"""Recruiter accounts: sign-up, login, logout, and who is calling."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, EmailStr, Field, StringConstraints, field_validator

from talentcrew import audit
from talentcrew.auth import AccessClaims, Credential, LoginThrottle, Tokens, hash_password, verify_password
from talentcrew.errors import Conflict, Unauthorized
from talentcrew.models import ShortText, User, user_id_for
from talentcrew.ports import Store

Password = Annotated[str, StringConstraints(min_length=10, max_length=128)]


class SignUp(BaseModel):
    model_config = ConfigDict(extra="forbid")

    email: EmailStr
    password: Password
    full_name: ShortText
    company_name: Annotated[str, StringConstraints(strip_whitespace=True, max_length=200)] = ""


class Login(BaseModel):
    model_config = ConfigDict(extra="forbid")

    email: EmailStr
    password: Annotated[str, StringConstraints(min_length=1, max_length=128)]


class AccountChanges(BaseModel):
    """What a recruiter may change about their own account."""

    model_config = ConfigDict(extra="forbid")

    full_name: ShortText | None = None
    company_name: Annotated[str, StringConstraints(strip_whitespace=True, max_length=200)] | None = None
    retention_days: Annotated[int, Field(ge=30, le=3650)] | None = None

    @field_validator("full_name", "company_name")
    @classmethod
    def _present_if_given(cls, value: str | None) -> str:
        """Absent means unchanged; only retention_days may be set to null (keep forever)."""
        if value is None:
            raise ValueError("may be left out, but not null")
        return value


class AccessToken(BaseModel):
    access_token: str
    token_type: str = "Bearer"
    expires_at: datetime
    user: User


def sign_up(store: Store, body: SignUp) -> User:
    user = User(id=user_id_for(body.email), email=body.email, full_name=body.full_name, company_name=body.company_name)
    if not store.create(user):
        raise Conflict("an account with this email already exists")
    store.create(Credential(id=user.id, password_hash=hash_password(body.password)))
    return user


def log_in(store: Store, tokens: Tokens, throttle: LoginThrottle, body: Login, address: str) -> AccessToken:
    """The same Unauthorized for an unknown email and a wrong password."""
    throttle.check(account=body.email, address=address)
    user_id = user_id_for(body.email)
    credential = store.get(Credential, user_id)
    user = store.get(User, user_id)
    if not verify_password(credential.password_hash if credential else None, body.password) or user is None:
        throttle.record_failure(account=body.email, address=address)
        raise Unauthorized("email or password is not correct")
    token, expires_at = tokens.issue_access(user.id)
    return AccessToken(access_token=token, expires_at=expires_at, user=user)


def authenticate(store: Store, tokens: Tokens, bearer: str) -> tuple[User, AccessClaims]:
    claims = tokens.verify_access(bearer)
    user = store.get(User, claims.user_id)
    if user is None:
        raise Unauthorized("the account no longer exists")
    return user, claims


def change_account(store: Store, caller: User, changes: AccountChanges) -> User:
    fields = changes.model_dump(exclude_unset=True)
    updated = store.update(User, caller.id, fields)
    audit.record(store, owner_id=caller.id, actor=caller.id, action="account.updated", fields=",".join(sorted(fields)))
    return updated
