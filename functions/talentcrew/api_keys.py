"""Workspace API keys: how another system (an applicant tracking system, say) reads results without a person's login.

A key is `tc_<id>_<secret>`, shown once when an owner creates it. Only the SHA-256 of the secret is stored (it
is 32 random bytes, so a fast hash is enough, as for invite tokens). A key acts as a viewer of its workspace,
and only on the operations its scopes name; every other operation answers 403 to it. Its last use is kept (to
the minute) so owners can see which keys are alive before revoking one.
"""

from __future__ import annotations

import hmac
import secrets
from datetime import timedelta
from enum import StrEnum
from typing import Annotated, ClassVar

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from talentcrew import audit
from talentcrew.auth import hash_token
from talentcrew.errors import NotFound, Unauthorized
from talentcrew.models import Document, Timestamp, new_id, utcnow
from talentcrew.ports import Store, every
from talentcrew.workspaces import Caller, Role

PREFIX = "tc_"
LAST_USED_PRECISION = timedelta(minutes=1)
"""A key's last use is written at most once a minute: reads stay reads."""


class Scope(StrEnum):
    RESULTS_READ = "results:read"
    """Results (list, export, comparison), one interview with its answers, the scorecard's signed link (the
    webhook's `scorecard_url`)."""
    JOBS_READ = "jobs:read"
    """Jobs and their rubrics."""


class ApiKey(Document):
    collection: ClassVar[str] = "api_keys"

    workspace_id: str
    name: str
    scopes: list[Scope]
    secret_hash: str = Field(description="SHA-256 of the key's secret part.")
    created_by: str
    created_at: Timestamp = Field(default_factory=utcnow)
    last_used_at: Timestamp | None = None
    revoked_at: Timestamp | None = None


class KeyDraft(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)] = Field(
        examples=["Greenhouse"]
    )
    scopes: list[Scope] = Field(min_length=1, examples=[["results:read"]])


class KeyView(BaseModel):
    """A key as listed: never its secret."""

    id: str
    name: str
    scopes: list[Scope]
    created_by: str
    created_at: Timestamp
    last_used_at: Timestamp | None
    revoked_at: Timestamp | None


class NewKey(KeyView):
    key: str = Field(description="The whole key, `tc_<id>_<secret>`: shown this once, stored only as a hash.")


def _view(key: ApiKey) -> KeyView:
    return KeyView(**key.model_dump(include=set(KeyView.model_fields)))


def is_key(bearer: str) -> bool:
    return bearer.startswith(PREFIX)


def create(store: Store, caller: Caller, draft: KeyDraft) -> NewKey:
    caller.require(Role.OWNER)
    key_id, secret = new_id().replace("-", ""), secrets.token_urlsafe(32)
    scopes = sorted(set(draft.scopes))
    key = ApiKey(
        id=key_id,
        workspace_id=caller.workspace_id,
        name=draft.name,
        scopes=scopes,
        secret_hash=hash_token(secret),
        created_by=caller.id,
    )
    store.create(key)
    audit.record(store, caller.actor, "api_key.created", key_id=key.id, scopes=",".join(scopes))
    return NewKey(key=f"{PREFIX}{key_id}_{secret}", **_view(key).model_dump())


def listed(store: Store, caller: Caller) -> list[KeyView]:
    """The workspace's keys, oldest first, revoked ones included."""
    keys = every(store, ApiKey, where={"workspace_id": caller.workspace_id}, order_by="created_at")
    return [_view(key) for key in keys]


def revoke(store: Store, caller: Caller, key_id: str) -> None:
    caller.require(Role.OWNER)
    key = store.get(ApiKey, key_id)
    if key is None or key.workspace_id != caller.workspace_id:
        raise NotFound("no such API key")
    if key.revoked_at is None:
        store.update(ApiKey, key.id, {"revoked_at": utcnow()})
        audit.record(store, caller.actor, "api_key.revoked", key_id=key.id)


def authenticate(store: Store, bearer: str) -> Caller:
    """The workspace's key behind `tc_<id>_<secret>`, as a viewer with the key's scopes; Unauthorized if unknown,
    wrong or revoked (the same answer for each)."""
    key_id, _, secret = bearer.removeprefix(PREFIX).partition("_")
    key = store.get(ApiKey, key_id) if key_id.isalnum() else None
    if key is None or key.revoked_at is not None or not hmac.compare_digest(key.secret_hash, hash_token(secret)):
        raise Unauthorized("the API key is not valid: it may have been revoked")
    now = utcnow()
    if key.last_used_at is None or now - key.last_used_at >= LAST_USED_PRECISION:
        store.update(ApiKey, key.id, {"last_used_at": now})
    actor = audit.Actor(key.workspace_id, f"api-key:{key.id}", key.name)
    return Caller(key.workspace_id, Role.VIEWER, actor, scopes=frozenset(key.scopes))
