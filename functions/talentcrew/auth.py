"""Passwords, access tokens, candidate invite links, relay tickets, and throttling.

- Passwords: argon2id (argon2-cffi), stored apart from the user as a `Credential`; at most a few
  hashes run at once per process, since each takes 64 MiB.
- Access tokens: ES256 JWTs (PyJWT) naming the recruiter, with an id (`jti`) so logout can
  revoke one; a revoked id is kept until the token would have expired anyway. Only the api holds
  the private key.
- Relay tickets: ES256 JWTs for one session, minutes long, for the relay's WebSocket, signed with a
  key pair of their own: the relay holds only the public half, so it can mint nothing.
- Invite links: 32 random bytes; only their SHA-256 is stored (as the `Invite` document's id), so
  a copy of the database cannot be used to join an interview. They expire and can be revoked.
- Throttling: every counted attempt is a small document that expires. Failed logins of an account
  make the next attempt wait longer each time (never a lock); failed logins from one client address,
  and sign-ups from one, are capped per window.
"""

from __future__ import annotations

import hashlib
import hmac
import math
import secrets
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cache, cached_property
from typing import Any, ClassVar

import jwt
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from talentcrew.errors import RateLimited, Unauthorized
from talentcrew.models import Document, Timestamp, new_id, timestamp_text, utcnow
from talentcrew.ports import Store

ISSUER = "talentcrew"
API_AUDIENCE = "talentcrew-api"
RELAY_AUDIENCE = "talentcrew-relay"

_hasher = PasswordHasher()


@cache
def _dummy_hash() -> str:
    """Verified against when an email is unknown, so both failures cost the same time; made on first use,
    not at import, so a process that only checks tokens (the relay) never pays for an argon2 hash."""
    return _hasher.hash(secrets.token_urlsafe(16))


class Credential(Document):
    """A recruiter's password hash; its id is the user's id."""

    collection: ClassVar[str] = "credentials"

    password_hash: str
    changed_at: Timestamp | None = None
    """When the password was last reset: access tokens issued before then no longer work."""


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


class Attempt(Document):
    """One counted attempt (a failed login, a sign-up) under a hashed key; gone once it expires."""

    collection: ClassVar[str] = "attempts"

    key: str
    at: Timestamp
    expires_at: Timestamp


class Passwords:
    """argon2id hashing, at most `concurrency` at once in this process (each hash takes 64 MiB)."""

    def __init__(self, concurrency: int, wait: timedelta = timedelta(seconds=20)) -> None:
        self._slots = threading.BoundedSemaphore(concurrency)
        self._wait = wait.total_seconds()

    @contextmanager
    def _slot(self) -> Iterator[None]:
        if not self._slots.acquire(timeout=self._wait):
            raise RateLimited("the server is busy checking passwords", retry_after=5)
        try:
            yield
        finally:
            self._slots.release()

    def hash(self, password: str) -> str:
        with self._slot():
            return _hasher.hash(password)

    def verify(self, password_hash: str | None, password: str) -> bool:
        """Constant-effort check: an unknown account still pays for one argon2 verification."""
        with self._slot():
            try:
                return _hasher.verify(password_hash or _dummy_hash(), password) and password_hash is not None
            except (VerificationError, InvalidHashError):
                return False


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True)
class AccessClaims:
    user_id: str
    token_id: str
    issued_at: datetime
    expires_at: datetime


def new_signing_key() -> str:
    """A fresh ES256 private key, PEM."""
    key = ec.generate_private_key(ec.SECP256R1())
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    return pem.decode()


def public_half(private_pem: str) -> str:
    """The PEM public key of an ES256 private key: what a service that only verifies holds."""
    key = serialization.load_pem_private_key(private_pem.encode(), password=None)
    pem = key.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    return pem.decode()


def _decode(token: str, key: Any, audience: str) -> dict[str, Any]:
    """The claims of one of our tokens for `audience`, checked against `key`; Unauthorized otherwise."""
    try:
        claims: dict[str, Any] = jwt.decode(
            token,
            key,
            algorithms=["ES256"],
            audience=audience,
            issuer=ISSUER,
            options={"require": ["exp", "iat", "sub", "jti", "aud", "iss"]},
        )
    except jwt.ExpiredSignatureError as error:
        raise Unauthorized("the token has expired") from error
    except jwt.InvalidTokenError as error:
        raise Unauthorized("the token is not valid") from error
    return claims


class TicketCheck:
    """The relay's check of a ticket, with the public half of the ticket key alone: no Store, no private key."""

    def __init__(self, public_pem: str) -> None:
        self._key = serialization.load_pem_public_key(public_pem.encode())

    def verify(self, ticket: str, session_id: str) -> None:
        """The ticket is ours, unexpired, and names this session; Unauthorized otherwise."""
        if _decode(ticket, self._key, RELAY_AUDIENCE)["sub"] != session_id:
            raise Unauthorized("the ticket is for another session")


@dataclass(frozen=True)
class TokenKeys:
    """Where the api's signing keys come from, read on first use (the relay holds neither: it checks
    tickets with the public half alone, `TicketCheck`)."""

    access_private: Callable[[], str]
    ticket_private: Callable[[], str]


class Tokens:
    """Issues and checks the signed tokens, each kind with a key pair of its own."""

    def __init__(self, keys: TokenKeys, store: Store, access_ttl: timedelta, ticket_ttl: timedelta) -> None:
        self._keys = keys
        self._store = store
        self._access_ttl = access_ttl
        self._ticket_ttl = ticket_ttl

    @cached_property
    def _access_signing(self) -> Any:
        return serialization.load_pem_private_key(self._keys.access_private().encode(), password=None)

    @cached_property
    def _access_checking(self) -> Any:
        return self._access_signing.public_key()

    @cached_property
    def _ticket_signing(self) -> Any:
        return serialization.load_pem_private_key(self._keys.ticket_private().encode(), password=None)

    def load_signing_keys(self) -> None:
        """Reads the api's keys now, so a deployment missing one fails at start, not at the first login."""
        _ = self._access_signing, self._ticket_signing

    def _encode(self, subject: str, audience: str, ttl: timedelta) -> tuple[str, datetime]:
        now = utcnow()
        expires = now + ttl
        # `iat` keeps its fraction of a second (JWT allows it), so a token issued just before a password reset
        # is told apart from one issued just after.
        claims = {
            "iss": ISSUER,
            "aud": audience,
            "sub": subject,
            "iat": now.timestamp(),
            "exp": expires,
            "jti": new_id(),
        }
        key = self._access_signing if audience == API_AUDIENCE else self._ticket_signing
        return jwt.encode(claims, key, algorithm="ES256"), expires

    def issue_access(self, user_id: str) -> tuple[str, datetime]:
        return self._encode(user_id, API_AUDIENCE, self._access_ttl)

    def verify_access(self, token: str) -> AccessClaims:
        claims = _decode(token, self._access_checking, API_AUDIENCE)
        if self._store.get(RevokedToken, claims["jti"]) is not None:
            raise Unauthorized("the token has been revoked")
        return AccessClaims(
            claims["sub"],
            claims["jti"],
            datetime.fromtimestamp(claims["iat"], UTC),
            datetime.fromtimestamp(claims["exp"], UTC),
        )

    def revoke(self, claims: AccessClaims) -> None:
        self._store.create(RevokedToken(id=claims.token_id, expires_at=claims.expires_at))

    def issue_relay_ticket(self, session_id: str) -> tuple[str, datetime]:
        return self._encode(session_id, RELAY_AUDIENCE, self._ticket_ttl)


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


def _attempt_key(kind: str, value: str) -> str:
    return hash_token(f"{kind}:{value.strip().lower()}")


def _retry_after(until: datetime, now: datetime) -> int:
    return max(math.ceil((until - now).total_seconds()), 1)


class RateLimit:
    """At most `limit` attempts of one purpose (sign-ups, say) per value (a client address) in a sliding window."""

    def __init__(self, store: Store, purpose: str, limit: int, window: timedelta) -> None:
        self._store = store
        self._purpose = purpose
        self._limit = limit
        self._window = window

    def hit(self, value: str) -> None:
        """Counts one attempt, or raises RateLimited (counting nothing) when the window is full."""
        now = utcnow()
        key = _attempt_key(self._purpose, value)
        recent = self._store.query(
            Attempt, where={"key": key}, order_by="at", after=timestamp_text(now - self._window), limit=self._limit
        ).items
        if len(recent) >= self._limit:
            retry = _retry_after(recent[0].at + self._window, now)
            raise RateLimited(f"too many {self._purpose} attempts; try again later", retry)
        self._store.create(Attempt(key=key, at=now, expires_at=now + self._window))


class LoginThrottle:
    """Failed logins: per account a delay that doubles with each failure beyond the free ones, up to a ceiling
    (so nobody can lock an account for long, while guessing stays slow); per client address a cap per window."""

    def __init__(
        self, store: Store, window: timedelta, free_failures: int, max_delay: timedelta, per_address: int
    ) -> None:
        self._store = store
        self._window = window
        self._free = free_failures
        self._max_delay = max_delay
        self._per_address = per_address
        # Enough failures to reach the ceiling: more do not lengthen the wait.
        self._counted = free_failures + max(math.ceil(math.log2(max_delay.total_seconds())), 0) + 1

    def delay(self, failures: int) -> timedelta:
        """How long after the latest failure the next attempt must wait."""
        if failures < self._free:
            return timedelta(0)
        return min(timedelta(seconds=2 ** (failures - self._free)), self._max_delay)

    def _failures(self, kind: str, value: str, since: datetime, limit: int) -> list[Attempt]:
        """The newest failures since `since`, newest first."""
        items = self._store.query(
            Attempt, where={"key": _attempt_key(kind, value)}, order_by="at", descending=True, limit=limit
        ).items
        return [item for item in items if item.at > since]

    def check(self, *, account: str, address: str) -> None:
        """Raises RateLimited while the account must wait or the address has used up its window."""
        now = utcnow()
        since = now - self._window
        by_address = self._failures("address", address, since, self._per_address)
        if len(by_address) >= self._per_address:
            raise RateLimited(
                "too many failed logins from this address", _retry_after(by_address[-1].at + self._window, now)
            )
        by_account = self._failures("account", account, since, self._counted)
        if by_account:
            until = by_account[0].at + self.delay(len(by_account))
            if now < until:
                raise RateLimited(
                    "too many failed logins for this account; try again shortly", _retry_after(until, now)
                )

    def record_failure(self, *, account: str, address: str) -> None:
        now = utcnow()
        for kind, value in (("account", account), ("address", address)):
            self._store.create(Attempt(key=_attempt_key(kind, value), at=now, expires_at=now + self._window))
