"""Workspaces: a company's jobs, interviews, results, analytics and audit trail, shared by its members.

Every stored resource names its workspace in `owner_id`; a request sees only the caller's current workspace
(`tenancy.owned`: another workspace's resource is a 404, as if it did not exist). A member's role decides what
they may change: an `owner` also manages members and the workspace's settings (retention), a `recruiter` manages
jobs, invites, reviews and decisions, a `viewer` only reads (a write is a 403).

An account from before workspaces owned its resources itself (`owner_id` was its user id). Its workspace of
one gets that same id, so its data belongs to the workspace without being rewritten: `member_of` creates it
when the account next calls, and the daily steps (`migrate_accounts`) for accounts that do not.

Members are invited by email. The invitation's id is the SHA-256 of the emailed token, as for sign-ups; it
names the address it was sent to, and only an account with that address can accept it (`accounts.join`).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum
from typing import Annotated, ClassVar

from pydantic import BaseModel, ConfigDict, EmailStr, Field, StringConstraints, field_validator

from talentcrew import audit, emails
from talentcrew.auth import hash_token
from talentcrew.errors import Conflict, Forbidden, NotFound
from talentcrew.models import Document, Timestamp, User, user_id_for, utcnow
from talentcrew.ports import Create, Mail, Store, every

INVITATION_TTL = timedelta(days=7)
PENDING_INVITATIONS = 50
"""At most this many open invitations per workspace: invitations are email, and email must not become spam."""

WorkspaceName = Annotated[str, StringConstraints(strip_whitespace=True, max_length=200)]
RetentionDays = Annotated[int, Field(ge=30, le=3650)]


class Role(StrEnum):
    OWNER = "owner"
    RECRUITER = "recruiter"
    VIEWER = "viewer"

    @property
    def rank(self) -> int:
        return (Role.VIEWER, Role.RECRUITER, Role.OWNER).index(self)


class Workspace(Document):
    collection: ClassVar[str] = "workspaces"

    name: WorkspaceName = ""
    retention_days: RetentionDays | None = Field(
        default=None, description="Erase candidates' interviews this many days after they end; null keeps them."
    )
    created_at: Timestamp = Field(default_factory=utcnow)


class Member(Document):
    """A user's membership of a workspace (id `<workspace id>.<user id>`)."""

    collection: ClassVar[str] = "members"

    workspace_id: str
    user_id: str
    email: EmailStr
    role: Role
    joined_at: Timestamp = Field(default_factory=utcnow)


def member_id(workspace_id: str, user_id: str) -> str:
    return f"{workspace_id}.{user_id}"


class Invitation(Document):
    """An emailed invitation to join a workspace; the id is the SHA-256 of the emailed token."""

    collection: ClassVar[str] = "member_invitations"

    workspace_id: str
    email: EmailStr
    role: Role
    invited_by: str = Field(description="The inviting owner's user id.")
    created_at: Timestamp = Field(default_factory=utcnow)
    expires_at: Timestamp


@dataclass(frozen=True)
class Caller:
    """Who acts in a workspace: a member (a signed-in user, with their role there), or one of the workspace's API
    keys (a viewer limited to its `scopes`, for another system such as an applicant tracking system)."""

    workspace_id: str
    role: Role
    actor: audit.Actor
    user: User | None = None
    scopes: frozenset[str] | None = None
    """A key's scopes; None for a member, whose role alone decides."""

    @classmethod
    def of(cls, user: User, member: Member) -> Caller:
        actor = audit.Actor(member.workspace_id, user.id, user.full_name)
        return cls(member.workspace_id, member.role, actor, user)

    @property
    def id(self) -> str:
        """The member's user id, or `api-key:<id>`."""
        return self.actor.id

    def require(self, role: Role) -> Caller:
        """The caller, if their role is at least `role`; Forbidden otherwise."""
        if self.role.rank < role.rank:
            raise Forbidden(f"this needs the {role.value} role in the workspace; yours is {self.role.value}")
        return self

    def person(self) -> User:
        """The signed-in user; Forbidden for an API key (what only a person may do)."""
        if self.user is None:
            raise Forbidden("an API key cannot do this: sign in as a member")
        return self.user


def member_of(store: Store, user: User) -> Caller:
    """The user in their current workspace. One who has none (an account from before workspaces, or one removed
    from the workspace it was in) gets a workspace of its own, with the id of the account; if that workspace
    stands without them (its owners removed its founder), the oldest other workspace they belong to."""
    current = store.get(Member, member_id(user.workspace_id or user.id, user.id))
    if current is not None:
        return Caller.of(user, current)
    workspace = Workspace(id=user.id, name=user.company_name, retention_days=user.retention_days)
    founder = Member(
        id=member_id(user.id, user.id), workspace_id=user.id, user_id=user.id, email=user.email, role=Role.OWNER
    )
    member: Member | None = founder
    if not store.commit(Create(workspace), Create(founder)):  # both, or neither: a concurrent call made them first
        member = store.get(Member, founder.id) or next(
            every(store, Member, where={"user_id": user.id}, order_by="joined_at"), None
        )
    if member is None:
        raise Forbidden("you are no longer a member of a workspace: ask an owner to invite you again")
    moved = store.update(User, user.id, {"workspace_id": member.workspace_id})
    return Caller.of(moved, member)


def an_owner(store: Store, workspace_id: str) -> Caller | None:
    """One of the workspace's owners, acting in it: for the command line, which acts without a login."""
    for member in every(store, Member, where={"workspace_id": workspace_id, "role": Role.OWNER.value}):
        user = store.get(User, member.user_id)
        if user is not None:
            return Caller.of(user, member)
    return None


def migrate_accounts(store: Store) -> int:
    """Gives every account without a current workspace its workspace of one; returns how many it gave."""
    moved = 0
    for user in every(store, User, where={}):
        if user.workspace_id is None:
            member_of(store, user)
            moved += 1
    return moved


def join(store: Store, user: User, invitation: Invitation) -> User:
    """Makes the user a member with the invitation's role (an existing membership keeps its role) and makes the
    workspace their current one. The caller has checked that the invitation is live and is the user's."""
    store.delete(Invitation, invitation.id)
    member = Member(
        id=member_id(invitation.workspace_id, user.id),
        workspace_id=invitation.workspace_id,
        user_id=user.id,
        email=user.email,
        role=invitation.role,
    )
    if store.create(member):
        audit.record(
            store, audit.Actor(member.workspace_id, user.id, user.full_name), "member.joined", role=member.role
        )
    return store.update(User, user.id, {"workspace_id": invitation.workspace_id})


def live_invitation(store: Store, token: str) -> Invitation | None:
    invitation = store.get(Invitation, hash_token(token))
    if invitation is None or invitation.expires_at <= utcnow():
        return None
    return invitation


# -- the workspace and its members, as its members see and manage them --------------------------------------


class WorkspaceView(BaseModel):
    """The caller's current workspace and their role in it."""

    id: str
    name: str
    retention_days: int | None
    role: Role


class WorkspaceChanges(BaseModel):
    """What an owner may change about the workspace."""

    model_config = ConfigDict(extra="forbid")

    name: WorkspaceName | None = None
    retention_days: RetentionDays | None = None

    @field_validator("name")
    @classmethod
    def _present_if_given(cls, value: str | None) -> str:
        """Absent means unchanged; only retention_days may be set to null (keep forever)."""
        if value is None:
            raise ValueError("may be left out, but not null")
        return value


class MemberDraft(BaseModel):
    model_config = ConfigDict(extra="forbid")

    email: EmailStr
    role: Role = Role.RECRUITER


class RoleChange(BaseModel):
    model_config = ConfigDict(extra="forbid")

    role: Role


class PendingInvitation(BaseModel):
    id: str
    email: EmailStr
    role: Role
    created_at: Timestamp
    expires_at: Timestamp


class MemberView(BaseModel):
    user_id: str
    email: EmailStr
    full_name: str
    role: Role
    joined_at: Timestamp


class Members(BaseModel):
    members: list[MemberView] = Field(description="Oldest member first.")
    invitations: list[PendingInvitation] = Field(description="Invitations not yet accepted nor expired.")


def _workspace(store: Store, caller: Caller) -> Workspace:
    workspace = store.get(Workspace, caller.workspace_id)
    if workspace is None:
        raise NotFound("no such workspace")
    return workspace


def view(store: Store, caller: Caller) -> WorkspaceView:
    workspace = _workspace(store, caller)
    return WorkspaceView(
        id=workspace.id, name=workspace.name, retention_days=workspace.retention_days, role=caller.role
    )


def change(store: Store, caller: Caller, changes: WorkspaceChanges) -> WorkspaceView:
    caller.require(Role.OWNER)
    fields = changes.model_dump(exclude_unset=True)
    store.update(Workspace, _workspace(store, caller).id, fields)
    audit.record(store, caller.actor, "workspace.updated", fields=",".join(sorted(fields)))
    return view(store, caller)


def members(store: Store, caller: Caller) -> Members:
    now = utcnow()
    where = {"workspace_id": caller.workspace_id}
    invitations = [
        PendingInvitation(**invitation.model_dump(include=set(PendingInvitation.model_fields)))
        for invitation in every(store, Invitation, where=where, order_by="created_at")
        if invitation.expires_at > now
    ]
    found = []
    for member in every(store, Member, where=where, order_by="joined_at"):
        user = store.get(User, member.user_id)
        found.append(_member_view(member, user.full_name if user else ""))
    return Members(members=found, invitations=invitations)


def _member_view(member: Member, full_name: str) -> MemberView:
    return MemberView(full_name=full_name, **member.model_dump(include={"user_id", "email", "role", "joined_at"}))


def invite(store: Store, mail: Mail, caller: Caller, draft: MemberDraft, web_url: str) -> PendingInvitation:
    """Emails a link to join; an earlier invitation of the same address stops working."""
    caller.require(Role.OWNER)
    email = draft.email.strip().lower()
    if store.get(Member, member_id(caller.workspace_id, user_id_for(email))) is not None:
        raise Conflict("this email is already a member of the workspace")
    pending = list(every(store, Invitation, where={"workspace_id": caller.workspace_id}))
    for earlier in pending:
        if earlier.email == email:
            store.delete(Invitation, earlier.id)
    if len([p for p in pending if p.email != email and p.expires_at > utcnow()]) >= PENDING_INVITATIONS:
        raise Conflict(f"the workspace has {PENDING_INVITATIONS} open invitations: revoke some first")
    token = secrets.token_urlsafe(32)
    invitation = Invitation(
        id=hash_token(token),
        workspace_id=caller.workspace_id,
        email=email,
        role=draft.role,
        invited_by=caller.id,
        expires_at=utcnow() + INVITATION_TTL,
    )
    store.create(invitation)
    workspace = _workspace(store, caller)
    days = INVITATION_TTL.days
    link = f"{web_url}/join#t={token}"
    mail.send(emails.member_invitation(email, caller.person().email, workspace.name, draft.role.value, link, days))
    audit.record(store, caller.actor, "member.invited", email=email, role=draft.role.value)
    return PendingInvitation(**invitation.model_dump(include=set(PendingInvitation.model_fields)))


def revoke_invitation(store: Store, caller: Caller, invitation_id: str) -> None:
    caller.require(Role.OWNER)
    invitation = store.get(Invitation, invitation_id)
    if invitation is None or invitation.workspace_id != caller.workspace_id:
        raise NotFound("no such invitation")
    store.delete(Invitation, invitation.id)
    audit.record(store, caller.actor, "member.invitation_revoked", email=invitation.email)


def _member(store: Store, caller: Caller, user_id: str) -> Member:
    member = store.get(Member, member_id(caller.workspace_id, user_id))
    if member is None:
        raise NotFound("no such member")
    return member


def _keep_an_owner(store: Store, member: Member) -> None:
    if member.role is not Role.OWNER:
        return
    if store.count(Member, where={"workspace_id": member.workspace_id, "role": Role.OWNER.value}) <= 1:
        raise Conflict("a workspace keeps at least one owner: make another member an owner first")


def change_role(store: Store, caller: Caller, user_id: str, body: RoleChange) -> MemberView:
    caller.require(Role.OWNER)
    member = _member(store, caller, user_id)
    if body.role is not Role.OWNER:
        _keep_an_owner(store, member)
    changed = store.update(Member, member.id, {"role": body.role.value})
    audit.record(store, caller.actor, "member.role_changed", member=member.user_id, role=body.role.value)
    user = store.get(User, user_id)
    return _member_view(changed, user.full_name if user else "")


def remove(store: Store, caller: Caller, user_id: str) -> None:
    """The member loses access at once: their next request finds them outside this workspace."""
    caller.require(Role.OWNER)
    member = _member(store, caller, user_id)
    _keep_an_owner(store, member)
    store.delete(Member, member.id)
    user = store.get(User, user_id)
    if user is not None and user.workspace_id == caller.workspace_id:
        store.update(User, user_id, {"workspace_id": None})
    audit.record(store, caller.actor, "member.removed", member=member.user_id, email=member.email)


class Membership(BaseModel):
    workspace_id: str
    name: str
    role: Role
    current: bool


class WorkspaceChoice(BaseModel):
    model_config = ConfigDict(extra="forbid")

    workspace_id: Annotated[str, StringConstraints(min_length=1, max_length=200)]


def memberships(store: Store, caller: Caller) -> list[Membership]:
    """Every workspace the caller belongs to, the current one first."""
    found = []
    for member in every(store, Member, where={"user_id": caller.id}, order_by="joined_at"):
        workspace = store.get(Workspace, member.workspace_id)
        if workspace is not None:
            current = member.workspace_id == caller.workspace_id
            found.append(Membership(workspace_id=workspace.id, name=workspace.name, role=member.role, current=current))
    return sorted(found, key=lambda membership: not membership.current)


def switch(store: Store, caller: Caller, choice: WorkspaceChoice) -> WorkspaceView:
    """Makes another of the caller's workspaces their current one."""
    member = store.get(Member, member_id(choice.workspace_id, caller.id))
    if member is None:
        raise NotFound("no such workspace")
    user = store.update(User, caller.id, {"workspace_id": member.workspace_id})
    return view(store, Caller.of(user, member))
