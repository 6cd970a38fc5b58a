"""Passwords, access tokens, candidate invite links, relay tickets, and login throttling.

- Passwords: argon2id (argon2-cffi), stored apart from the user as a `Credential`.
- Access tokens: HS256 JWTs (PyJWT) naming the recruiter, with an id (`jti`) so logout can
  revoke one; a revoked id is kept until the token would have expired anyway.
- Invite links: 32 random bytes; only their SHA-256 is stored (as the `Invite` document's id), so
  a copy of the database cannot be used to join an interview. They expire and can be revoked.
- Relay tickets: JWTs for one session, minutes long, for the relay's WebSocket.
- Login throttling: every failed login is a small document; too many for an account or a client
  address within the window and logins are refused until the oldest one ages out.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, ClassVar

import jwt
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from talentcrew.errors import RateLimited, Unauthorized
from talentcrew.models import Document, Timestamp, new_id, timestamp_text, utcnow
from talentcrew.ports import Store

ISSUER = "talentcrew"
API_AUDIENCE = "talentcrew-api"
RELAY_AUDIENCE = "talentcrew-relay"

_hasher = PasswordHasher()
# Verified against when an email is unknown, so both failures cost the same time.
_DUMMY_HASH = _hasher.hash(secrets.token_urlsafe(16))


class Credential(Document):
    """A recruiter's password hash; its id is the user's id."""

    collection: ClassVar[str] = "credentials"

    password_hash: str


class RevokedToken(Document):
    """A logged-out access token's `jti`, kept until the token's own expiry."""

    collection: ClassVar[str] = "revoked_tokens"

    expires_at: Timestamp


class Invite(Document):
    """A candidate's invite link; the id is the SHA-256 of the token in the link."""

    collection: ClassVar[str] = "invites"

    session_id: str
    owner_id: str
    expires_at: Timestamp
    revoked: bool = False
    created_at: Timestamp


class LoginFailure(Document):
    collection: ClassVar[str] = "login_failures"

    key: str
    at: Timestamp
    expires_at: Timestamp


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """Constant-effort check: an unknown account still pays for one argon2 verification."""
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True)
class AccessClaims:
    user_id: str
    token_id: str
    expires_at: datetime


class Tokens:
    """Issues and checks the signed tokens; the secret comes from configuration."""

    def __init__(self, secret: bytes, store: Store, access_ttl: timedelta, ticket_ttl: timedelta) -> None:
        self._secret = secret
        self._store = store
        self._access_ttl = access_ttl
        self._ticket_ttl = ticket_ttl

    def _encode(self, subject: str, audience: str, ttl: timedelta) -> tuple[str, datetime]:
        now = utcnow()
        expires = now + ttl
        claims = {"iss": ISSUER, "aud": audience, "sub": subject, "iat": now, "exp": expires, "jti": new_id()}
        return jwt.encode(claims, self._secret, algorithm="HS256"), expires

    def _decode(self, token: str, audience: str) -> dict[str, Any]:
        try:
            claims: dict[str, Any] = jwt.decode(
                token,
                self._secret,
                algorithms=["HS256"],
                audience=audience,
                issuer=ISSUER,
                options={"require": ["exp", "iat", "sub", "jti", "aud", "iss"]},
            )
        except jwt.ExpiredSignatureError as error:
            raise Unauthorized("the token has expired") from error
        except jwt.InvalidTokenError as error:
            raise Unauthorized("the token is not valid") from error
        return claims

    def issue_access(self, user_id: str) -> tuple[str, datetime]:
        return self._encode(user_id, API_AUDIENCE, self._access_ttl)

    def verify_access(self, token: str) -> AccessClaims:
        claims = self._decode(token, API_AUDIENCE)
        if self._store.get(RevokedToken, claims["jti"]) is not None:
            raise Unauthorized("the token has been revoked")
        return AccessClaims(claims["sub"], claims["jti"], datetime.fromtimestamp(claims["exp"], UTC))

    def revoke(self, claims: AccessClaims) -> None:
        self._store.create(RevokedToken(id=claims.token_id, expires_at=claims.expires_at))

    def issue_relay_ticket(self, session_id: str) -> tuple[str, datetime]:
        return self._encode(session_id, RELAY_AUDIENCE, self._ticket_ttl)

    def verify_relay_ticket(self, ticket: str, session_id: str) -> None:
        """The relay's check: the ticket is ours, unexpired, and names this session."""
        if self._decode(ticket, RELAY_AUDIENCE)["sub"] != session_id:
            raise Unauthorized("the ticket is for another session")


def check_service_call(authorization: str | None, expected_bearer: str) -> None:
    """The turn function's gate when no Cloud IAM stands in front of it: the relay's shared secret."""
    scheme, _, token = (authorization or "").partition(" ")
    if scheme.lower() != "bearer" or not hmac.compare_digest(token.strip().encode(), expected_bearer.encode()):
        raise Unauthorized("this function accepts calls from the relay only")


def new_invite(store: Store, session_id: str, owner_id: str, ttl: timedelta) -> tuple[str, Invite]:
    """A fresh invite token (returned once, never stored) and its stored record."""
    token = secrets.token_urlsafe(32)
    now = utcnow()
    invite = Invite(
        id=hash_token(token), session_id=session_id, owner_id=owner_id, expires_at=now + ttl, created_at=now
    )
    store.create(invite)
    return token, invite


def open_invite(store: Store, token: str) -> Invite:
    """The live invite behind a token, or Unauthorized (unknown, revoked or expired alike)."""
    invite = store.get(Invite, hash_token(token)) if 16 <= len(token) <= 128 else None
    if invite is None or invite.revoked or invite.expires_at <= utcnow():
        raise Unauthorized("the invite link is not valid")
    return invite


class LoginThrottle:
    """Counts recent failed logins per key (an account, a client address)."""

    def __init__(self, store: Store, window: timedelta, limits: dict[str, int]) -> None:
        self._store = store
        self._window = window
        self._limits = limits  # key kind ("account", "address") -> failures allowed per window

    @staticmethod
    def _key(kind: str, value: str) -> str:
        return hash_token(f"{kind}:{value.strip().lower()}")

    def check(self, **subjects: str) -> None:
        """Raises RateLimited if any subject (account=..., address=...) is over its limit."""
        now = utcnow()
        since = now - self._window
        for kind, value in subjects.items():
            limit = self._limits[kind]
            recent = self._store.query(
                LoginFailure,
                where={"key": self._key(kind, value)},
                order_by="at",
                after=timestamp_text(since),
                limit=limit,
            ).items
            if len(recent) >= limit:
                retry_after = int((recent[0].at + self._window - now).total_seconds()) + 1
                raise RateLimited(f"too many failed logins for this {kind}", retry_after=max(retry_after, 1))

    def record_failure(self, **subjects: str) -> None:
        now = utcnow()
        for kind, value in subjects.items():
            self._store.create(LoginFailure(key=self._key(kind, value), at=now, expires_at=now + self._window))
