"""Workspace API keys, for server-to-server reads (an applicant tracking system fetching results)."""

from __future__ import annotations

from typing import Any

from flask_openapi3 import APIBlueprint, Tag
from http_problems import ERRORS
from pydantic import BaseModel

from api.http import BEARER, IdPath, caller
from talentcrew import api_keys
from talentcrew.api_keys import KeyDraft, KeyView, NewKey
from talentcrew.config import Platform
from talentcrew.workspaces import Role

TAG = Tag(name="api-keys", description="The workspace's API keys (owners)")


class KeyList(BaseModel):
    items: list[KeyView]


def blueprint(platform: Platform) -> APIBlueprint:
    bp = APIBlueprint("api_keys", __name__, abp_tags=[TAG])
    store = platform.store

    @bp.post("/api/api-keys/", responses={201: NewKey, **ERRORS}, security=BEARER)
    def create(body: KeyDraft) -> tuple[dict[str, Any], int]:
        """Creates a key with the scopes named; the answer holds the whole key, shown this once. Send it as
        `Authorization: Bearer tc_…`. Owners only."""
        return api_keys.create(store, caller(platform, Role.OWNER), body).model_dump(mode="json"), 201

    @bp.get("/api/api-keys/", responses={200: KeyList, **ERRORS}, security=BEARER)
    def listed() -> dict[str, Any]:
        """The workspace's keys (never their secrets) with when each was last used, revoked ones too. Owners only."""
        return KeyList(items=api_keys.listed(store, caller(platform, Role.OWNER))).model_dump(mode="json")

    @bp.delete("/api/api-keys/<id>/", responses={204: None, **ERRORS}, security=BEARER)
    def revoke(path: IdPath) -> tuple[str, int]:
        """Revokes a key: its next call answers 401. Owners only."""
        api_keys.revoke(store, caller(platform, Role.OWNER), path.id)
        return "", 204

    return bp
