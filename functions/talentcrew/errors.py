"""The domain's errors. Each has a stable `slug`; the HTTP layer maps it to a problem type."""

from __future__ import annotations


class DomainError(Exception):
    slug = "error"


class NotFound(DomainError, LookupError):
    """No such resource, or not the caller's: the two are indistinguishable on purpose."""

    slug = "not-found"


class Unauthorized(DomainError):
    """Missing, malformed, expired, forged or revoked credentials."""

    slug = "unauthorized"


class Forbidden(DomainError):
    """The caller is known and may see the resource, but their role in the workspace does not allow this."""

    slug = "forbidden"


class Conflict(DomainError):
    """The request contradicts the resource's state (an email already registered, say)."""

    slug = "conflict"


class Unaskable(DomainError):
    """The thing asked for could be stored, but could never be used (a job no interviewer can ask about)."""

    slug = "unaskable"


class NotReady(DomainError):
    """The thing asked for will exist later (a scorecard still being rendered)."""

    slug = "not-ready"


class RateLimited(DomainError):
    """Too many attempts; `retry_after` seconds until the next one may succeed."""

    slug = "rate-limited"

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class Withdrawn(DomainError):
    """The interview no longer stands: the recruiter erased it or revoked its invite. Nothing more is recorded."""

    slug = "interview-withdrawn"
