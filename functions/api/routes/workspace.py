"""The caller's workspace: its settings, its members and their roles, invitations, and joining one."""

from __future__ import annotations

from typing import Any

from flask import request
from flask_openapi3 import APIBlueprint, Tag
from http_problems import ERRORS, Problem
from pydantic import BaseModel, Field

from api.http import BEARER, IdPath, account, caller
from talentcrew import accounts, workspaces
from talentcrew.accounts import Acceptance, AccessToken
from talentcrew.config import Platform
from talentcrew.workspaces import (
    MemberDraft,
    Members,
    Membership,
    MemberView,
    PendingInvitation,
    Role,
    RoleChange,
    WorkspaceChanges,
    WorkspaceChoice,
    WorkspaceView,
)

TAG = Tag(name="workspace", description="The caller's workspace, its members and their roles")


class Memberships(BaseModel):
    items: list[Membership] = Field(description="The current workspace first.")


def blueprint(platform: Platform) -> APIBlueprint:
    bp = APIBlueprint("workspace", __name__, abp_tags=[TAG])
    store = platform.store
    owner_errors: dict[int | str, type[BaseModel]] = {**ERRORS, "409": Problem}

    @bp.get("/api/workspace/", responses={200: WorkspaceView, **ERRORS}, security=BEARER)
    def current() -> dict[str, Any]:
        """The caller's current workspace and their role in it."""
        return workspaces.view(store, caller(platform)).model_dump(mode="json")

    @bp.patch("/api/workspace/", responses={200: WorkspaceView, **ERRORS}, security=BEARER)
    def change(body: WorkspaceChanges) -> dict[str, Any]:
        """Renames the workspace or sets its retention period (days; null keeps interviews). Owners only."""
        return workspaces.change(store, caller(platform, Role.OWNER), body).model_dump(mode="json")

    @bp.get("/api/workspace/members/", responses={200: Members, **ERRORS}, security=BEARER)
    def members() -> dict[str, Any]:
        """The members with their roles, and the invitations not yet accepted."""
        return workspaces.members(store, caller(platform)).model_dump(mode="json")

    @bp.post("/api/workspace/members/", responses={201: PendingInvitation, **owner_errors}, security=BEARER)
    def invite(body: MemberDraft) -> tuple[dict[str, Any], int]:
        """Emails the address a link to join with the role (an earlier invitation of it stops working); it works
        once, for 7 days, for an account with that email. 409: it is a member already. Owners only."""
        invited = workspaces.invite(
            store, platform.mail, caller(platform, Role.OWNER), body, platform.settings.web_base_url
        )
        return invited.model_dump(mode="json"), 201

    @bp.patch("/api/workspace/members/<id>/", responses={200: MemberView, **owner_errors}, security=BEARER)
    def change_role(path: IdPath, body: RoleChange) -> dict[str, Any]:
        """Changes a member's role. 409: the workspace would have no owner left. Owners only."""
        return workspaces.change_role(store, caller(platform, Role.OWNER), path.id, body).model_dump(mode="json")

    @bp.delete("/api/workspace/members/<id>/", responses={204: None, **owner_errors}, security=BEARER)
    def remove(path: IdPath) -> tuple[str, int]:
        """Removes a member, who loses access at once. 409: the workspace would have no owner left. Owners only."""
        workspaces.remove(store, caller(platform, Role.OWNER), path.id)
        return "", 204

    @bp.delete("/api/workspace/invitations/<id>/", responses={204: None, **ERRORS}, security=BEARER)
    def revoke_invitation(path: IdPath) -> tuple[str, int]:
        """Withdraws an invitation: its link stops working. Owners only."""
        workspaces.revoke_invitation(store, caller(platform, Role.OWNER), path.id)
        return "", 204

    @bp.post(
        "/api/workspace/join/",
        responses={
            200: AccessToken,
            401: Problem,
            403: Problem,
            409: Problem,
            413: Problem,
            422: Problem,
            429: Problem,
        },
        security=[{}, *BEARER],
    )
    def join(body: Acceptance) -> dict[str, Any]:
        """Accepts an emailed invitation. With a bearer token: the caller joins, if the invitation was sent to
        their email (403 otherwise). Without one: creates the invited email's account with `full_name` and
        `password` (409 if it has one already: log in first). Either way the workspace becomes the current one,
        and the answer is a fresh bearer token. 401: the link is used, unknown or expired."""
        user = account(platform) if request.headers.get("Authorization") else None
        if user is None:
            platform.signups.hit(request.remote_addr or "unknown")
        joined = accounts.join(store, platform.passwords, platform.tokens, body, user)
        return joined.model_dump(mode="json")

    @bp.get("/api/workspaces/", responses={200: Memberships, **ERRORS}, security=BEARER)
    def mine() -> dict[str, Any]:
        """Every workspace the caller belongs to, with their role in each; the current one first."""
        return Memberships(items=workspaces.memberships(store, caller(platform))).model_dump(mode="json")

    @bp.put("/api/workspaces/current/", responses={200: WorkspaceView, **ERRORS}, security=BEARER)
    def switch(body: WorkspaceChoice) -> dict[str, Any]:
        """Makes another of the caller's workspaces their current one (404 if they are not a member of it)."""
        return workspaces.switch(store, caller(platform), body).model_dump(mode="json")

    return bp
