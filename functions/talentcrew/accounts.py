"""Recruiter accounts: sign-up, email verification, password reset, login, and who is calling.

Sign-up and reset requests answer the same whether or not the email has an account, and do the
same work (one argon2 hash for a sign-up, one store read, one email): only the mailbox's owner
learns which it was. When verification is required, a sign-up creates no account: it keeps a
pending sign-up whose id is the hash of the emailed token, and the account is created when the
link comes back with the password typed at sign-up. The link proves the mailbox; the password
proves that whoever confirms is whoever signed up (anyone can sign up with a stranger's email, and
would otherwise own the account its owner confirms by clicking). Reset links work the same way,
without a password. Both tokens are single use and expire.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Annotated, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, EmailStr, StringConstraints

from talentcrew import audit, emails, workspaces
from talentcrew.auth import AccessClaims, Credential, LoginThrottle, Passwords, Tokens, hash_token
from talentcrew.errors import Conflict, Forbidden, Unauthorized
from talentcrew.models import Document, ShortText, Timestamp, User, user_id_for, utcnow
from talentcrew.ports import Email, Mail, Store

SIGN_UP_TTL = timedelta(hours=24)
RESET_TTL = timedelta(hours=1)
BAD_LINK = "the link is not valid: it may have expired or been used already"
BAD_CONFIRMATION = (
    "the link is not valid (it may have expired or been used already), or the password is not the one chosen at sign-up"
)

Password = Annotated[str, StringConstraints(min_length=10, max_length=128)]
TypedPassword = Annotated[str, StringConstraints(min_length=1, max_length=128)]
"""A password being checked: any length a stored one may have had (a short one is just wrong)."""


CompanyName = Annotated[str, StringConstraints(strip_whitespace=True, max_length=200)]


class SignUp(BaseModel):
    model_config = ConfigDict(extra="forbid")

    email: EmailStr
    password: Password
    full_name: ShortText
    company_name: CompanyName = ""


LinkToken = Annotated[str, StringConstraints(min_length=16, max_length=128, pattern=r"^[A-Za-z0-9_-]+$")]


class Confirmation(BaseModel):
    """The token of an emailed sign-up link (the `t` in its fragment) and the password chosen at sign-up."""

    model_config = ConfigDict(extra="forbid")

    token: LinkToken
    password: TypedPassword


class ResetRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    email: EmailStr


class NewPassword(BaseModel):
    model_config = ConfigDict(extra="forbid")

    token: LinkToken
    password: Password


class CheckInbox(BaseModel):
    """The one answer to a sign-up or a reset request, whether or not the email has an account."""

    status: Literal["check-inbox"] = "check-inbox"
    detail: str = "If this email can be used, we sent it a message with the next step."


class PendingSignUp(Document):
    """A sign-up waiting for its email to be confirmed; the id is the SHA-256 of the emailed token."""

    collection: ClassVar[str] = "pending_signups"

    email: EmailStr
    full_name: ShortText
    company_name: CompanyName = ""
    password_hash: str
    expires_at: Timestamp


class PasswordReset(Document):
    """A password reset link; the id is the SHA-256 of the emailed token."""

    collection: ClassVar[str] = "password_resets"

    user_id: str
    expires_at: Timestamp


class Login(BaseModel):
    model_config = ConfigDict(extra="forbid")

    email: EmailStr
    password: TypedPassword


class AccountChanges(BaseModel):
    """What a recruiter may change about their own account (the workspace's name and retention are its owners')."""

    model_config = ConfigDict(extra="forbid")

    full_name: ShortText


class Acceptance(BaseModel):
    """The token of an emailed workspace invitation (the `t` in its fragment). Without a bearer token, the
    invited email must have no account yet, and a name and a password create it."""

    model_config = ConfigDict(extra="forbid")

    token: LinkToken
    full_name: ShortText | None = None
    password: Password | None = None


class AccessToken(BaseModel):
    access_token: str
    token_type: str = "Bearer"
    expires_at: datetime
    user: User


def _user(email: str, full_name: str, company_name: str) -> User:
    return User(id=user_id_for(email), email=email, full_name=full_name, company_name=company_name)


def _create(store: Store, user: User, password_hash: str) -> bool:
    """Creates the account if its email is free (the id follows from it, so `create` decides)."""
    if not store.create(user):
        return False
    store.create(Credential(id=user.id, password_hash=password_hash))
    return True


def open_account(store: Store, passwords: Passwords, body: SignUp) -> User | None:
    """Creates the account at once, without an email; None if the email is taken (the password is hashed
    either way). For the embedded default without verification, and the CLI's demo recruiter."""
    password_hash = passwords.hash(body.password)
    user = _user(body.email, body.full_name, body.company_name)
    return user if _create(store, user, password_hash) else None


def _access(tokens: Tokens, user: User) -> AccessToken:
    token, expires_at = tokens.issue_access(user.id)
    return AccessToken(access_token=token, expires_at=expires_at, user=user)


@dataclass(frozen=True)
class Enrolment:
    """Sign-up, email verification and password reset: what reaches a person through their mailbox.

    `web_url` is the web app, which the links open; their token is in the fragment. `throttle` counts
    wrong passwords at a sign-up link as failed logins.
    """

    store: Store
    passwords: Passwords
    tokens: Tokens
    throttle: LoginThrottle
    mail: Mail
    web_url: str
    verification_required: bool

    def sign_up(self, body: SignUp) -> CheckInbox:
        """A new email gets a link to confirm it (or, without verification, the account at once and a welcome);
        a registered one gets a notice and nothing else changes."""
        email = body.email.strip().lower()
        if not self.verification_required:
            created = open_account(self.store, self.passwords, body)
            self.mail.send(emails.welcome(email, f"{self.web_url}/login") if created else self._notice(email))
            return CheckInbox()
        password_hash = self.passwords.hash(body.password)
        if self.store.get(User, user_id_for(email)) is not None:
            self.mail.send(self._notice(email))
            return CheckInbox()
        token = secrets.token_urlsafe(32)
        pending = PendingSignUp(
            id=hash_token(token),
            email=email,
            full_name=body.full_name,
            company_name=body.company_name,
            password_hash=password_hash,
            expires_at=utcnow() + SIGN_UP_TTL,
        )
        self.store.create(pending)
        hours = int(SIGN_UP_TTL.total_seconds() // 3600)
        self.mail.send(emails.confirm_sign_up(email, f"{self.web_url}/verify#t={token}", hours))
        return CheckInbox()

    def _notice(self, email: str) -> Email:
        return emails.already_registered(email, f"{self.web_url}/reset")

    def verify(self, body: Confirmation, address: str) -> AccessToken:
        """Creates the account of a pending sign-up, once, if its email is still free, and logs it in: only with
        the password typed at sign-up. A wrong one is the same Unauthorized as a bad link, counts as a failed
        login for the email and the address, and leaves the link usable until it expires."""
        pending = self.store.get(PendingSignUp, hash_token(body.token))
        if pending is None or pending.expires_at <= utcnow():
            raise Unauthorized(BAD_CONFIRMATION)
        self.throttle.check(account=pending.email, address=address)
        if not self.passwords.verify(pending.password_hash, body.password):
            self.throttle.record_failure(account=pending.email, address=address)
            raise Unauthorized(BAD_CONFIRMATION)
        self.store.delete(PendingSignUp, pending.id)
        user = _user(pending.email, pending.full_name, pending.company_name)
        if not _create(self.store, user, pending.password_hash):  # confirmed through another link meanwhile
            raise Unauthorized(BAD_CONFIRMATION)
        return _access(self.tokens, user)

    def request_reset(self, body: ResetRequest) -> CheckInbox:
        """An account's email gets a reset link; any other gets a note that no account uses it."""
        email = body.email.strip().lower()
        user = self.store.get(User, user_id_for(email))
        if user is None:
            self.mail.send(emails.no_account(email, f"{self.web_url}/signup"))
            return CheckInbox()
        token = secrets.token_urlsafe(32)
        self.store.create(PasswordReset(id=hash_token(token), user_id=user.id, expires_at=utcnow() + RESET_TTL))
        minutes = int(RESET_TTL.total_seconds() // 60)
        self.mail.send(emails.reset_password(user.email, f"{self.web_url}/reset#t={token}", minutes))
        return CheckInbox()

    def reset(self, body: NewPassword) -> None:
        """Sets the password behind a live reset link, which then stops working, as does every access token
        issued before (whoever knew the old password may hold one)."""
        reset = self.store.get(PasswordReset, hash_token(body.token))
        if reset is None or reset.expires_at <= utcnow() or self.store.get(User, reset.user_id) is None:
            raise Unauthorized(BAD_LINK)
        self.store.delete(PasswordReset, reset.id)
        password_hash = self.passwords.hash(body.password)
        self.store.put(Credential(id=reset.user_id, password_hash=password_hash, changed_at=utcnow()))
        user = self.store.get(User, reset.user_id)
        if user is not None:
            audit.record(self.store, _self(user), "account.password_reset")


def log_in(
    store: Store, tokens: Tokens, passwords: Passwords, throttle: LoginThrottle, body: Login, address: str
) -> AccessToken:
    """The same Unauthorized for an unknown email (or a sign-up not yet confirmed) and a wrong password."""
    throttle.check(account=body.email, address=address)
    user_id = user_id_for(body.email)
    credential = store.get(Credential, user_id)
    user = store.get(User, user_id)
    if not passwords.verify(credential.password_hash if credential else None, body.password) or user is None:
        throttle.record_failure(account=body.email, address=address)
        raise Unauthorized("email or password is not correct")
    return _access(tokens, user)


def authenticate(store: Store, tokens: Tokens, bearer: str) -> tuple[User, AccessClaims]:
    claims = tokens.verify_access(bearer)
    user = store.get(User, claims.user_id)
    if user is None:
        raise Unauthorized("the account no longer exists")
    credential = store.get(Credential, user.id)
    if credential is not None and credential.changed_at is not None and claims.issued_at < credential.changed_at:
        raise Unauthorized("the password was reset after this token was issued")
    return user, claims


def _self(user: User) -> audit.Actor:
    """The account acting on itself, recorded in its current workspace."""
    return audit.Actor(user.workspace_id or user.id, user.id, user.full_name)


def change_account(store: Store, caller: User, changes: AccountChanges) -> User:
    updated = store.update(User, caller.id, changes.model_dump())
    audit.record(store, _self(updated), "account.updated", fields="full_name")
    return updated


def join(store: Store, passwords: Passwords, tokens: Tokens, body: Acceptance, caller: User | None) -> AccessToken:
    """Accepts a workspace invitation: for the logged-in caller if the invitation is theirs, or by creating the
    invited email's account (the emailed link proves the mailbox, as a confirmed sign-up does). Either way the
    invitation is spent and the workspace becomes the account's current one."""
    invitation = workspaces.live_invitation(store, body.token)
    if invitation is None:
        raise Unauthorized(BAD_LINK)
    user = caller
    if user is None:
        if store.get(User, user_id_for(invitation.email)) is not None:
            raise Conflict("this email has an account: log in with it, then open the invitation again")
        if body.full_name is None or body.password is None:
            raise Conflict("no account has this email yet: give a full name and a password to create it")
        user = _user(invitation.email, body.full_name, "")
        if not _create(store, user, passwords.hash(body.password)):
            raise Conflict("this email has an account: log in with it, then open the invitation again")
    elif user.email != invitation.email:
        raise Forbidden("this invitation was sent to another email address: log in with that one to accept it")
    return _access(tokens, workspaces.join(store, user, invitation))
