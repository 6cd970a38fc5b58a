"""Interview sessions: invites, detail, the candidate's connect and end, reviews, decisions."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from flask import redirect, request
from flask_openapi3 import APIBlueprint, Tag
from http_problems import ERRORS, Problem
from pydantic import BaseModel, Field
from werkzeug.wrappers import Response

from api.http import BEARER, IdPath, InviteHeader, Paged, PageQuery, caller, paged
from talentcrew import audit, reviews, self_identification, sessions
from talentcrew.api_keys import Scope
from talentcrew.audit import AuditEntry
from talentcrew.config import Platform
from talentcrew.errors import Unauthorized
from talentcrew.models import InterviewSession, Review, utcnow
from talentcrew.reviews import DecisionDraft, ReviewDraft
from talentcrew.self_identification import SelfIdentificationDraft
from talentcrew.sessions import CandidateView, CreatedSession, RelayTicket, SessionDetail, SessionDraft
from talentcrew.workspaces import Role

TAG = Tag(name="sessions", description="Interview sessions (the caller's workspace) and the candidate's way in")
CANDIDATE_ERRORS: dict[int | str, type[BaseModel]] = {
    "401": Problem,
    "403": Problem,
    "404": Problem,
    "409": Problem,
    "422": Problem,
}


class SessionEnded(BaseModel):
    """What ending tells the caller (a candidate sees no score)."""

    session_id: str
    is_completed: bool
    ended_at: datetime | None


class Resend(BaseModel):
    send: bool = Field(default=False, description="Email the new link to the candidate.")


class ScorecardLink(BaseModel):
    """The signed link itself, for a page that cannot follow a redirect with its bearer token."""

    url: str
    expires_at: datetime


def blueprint(platform: Platform) -> APIBlueprint:
    bp = APIBlueprint("sessions", __name__, abp_tags=[TAG])
    store, settings = platform.store, platform.settings
    links = sessions.Links(settings.web_base_url, timedelta(days=settings.invite_days), platform.mail)

    @bp.post("/api/sessions/", responses={201: CreatedSession, **ERRORS}, security=BEARER)
    def create(body: SessionDraft) -> tuple[dict[str, Any], int]:
        """Creates a session for a candidate and returns their invite link (shown this once). With `send_invite` the
        link is also emailed to the candidate; `invite_email` says whether the mail server took it."""
        created = sessions.create_session(store, caller(platform, Role.RECRUITER), body, links)
        return created.model_dump(mode="json"), 201

    @bp.get("/api/sessions/<id>/", responses={200: SessionDetail, **ERRORS}, security=BEARER)
    def detail(path: IdPath) -> dict[str, Any]:
        """The session with every answer, integrity signal, flag count and review (audited read).
        API keys with `results:read` may call it."""
        return sessions.session_detail(store, caller(platform, scope=Scope.RESULTS_READ), path.id).model_dump(
            mode="json"
        )

    @bp.delete("/api/sessions/<id>/", responses={204: None, **ERRORS}, security=BEARER)
    def erase(path: IdPath) -> tuple[str, int]:
        """Erases the session, its answers, signals, reviews, invites and scorecard."""
        sessions.erase_session(store, platform.blobs, caller(platform, Role.RECRUITER), path.id)
        return "", 204

    @bp.post("/api/sessions/<id>/invite/", responses={201: CreatedSession, 409: Problem, **ERRORS}, security=BEARER)
    def reissue(path: IdPath, query: Resend) -> tuple[dict[str, Any], int]:
        """A new invite link; earlier links of the session stop working. `?send=true` emails it (a resend:
        only a hash of each link is stored, so a resent invitation carries a new link)."""
        created = sessions.reissue_invite(store, caller(platform, Role.RECRUITER), path.id, links, send=query.send)
        return created.model_dump(mode="json"), 201

    @bp.delete("/api/sessions/<id>/invite/", responses={204: None, **ERRORS}, security=BEARER)
    def revoke(path: IdPath) -> tuple[str, int]:
        """Revokes every invite link of the session."""
        sessions.revoke_invites(store, caller(platform, Role.RECRUITER), path.id)
        return "", 204

    @bp.get("/api/sessions/<id>/connect/", responses={200: RelayTicket, **CANDIDATE_ERRORS})
    def connect(path: IdPath, header: InviteHeader) -> dict[str, Any]:
        """The candidate trades their invite token for a short-lived relay ticket."""
        ticket = sessions.connect(store, platform.tokens, header.x_invite_token, path.id, settings.relay_base_url)
        return ticket.model_dump(mode="json")

    @bp.post("/api/sessions/<id>/end/", responses={200: SessionEnded, **CANDIDATE_ERRORS}, security=BEARER)
    def end(path: IdPath) -> dict[str, Any]:
        """Ends the interview (the recruiter's bearer token or the candidate's X-Invite-Token)."""
        invite_token = request.headers.get("X-Invite-Token")
        if request.headers.get("Authorization"):
            recruiter = caller(platform, Role.RECRUITER)
            ended = sessions.end_session(store, sessions.owned_session(store, recruiter, path.id), recruiter.actor)
        elif invite_token:
            session = sessions.candidate_session(store, invite_token, path.id)
            ended = sessions.end_session(store, session, sessions.candidate(session))
        else:
            raise Unauthorized("a bearer token or an invite token is required")
        return SessionEnded(session_id=ended.id, is_completed=True, ended_at=ended.ended_at).model_dump(mode="json")

    @bp.put("/api/sessions/<id>/self-identification/", responses={204: None, **CANDIDATE_ERRORS})
    def self_identify(path: IdPath, header: InviteHeader, body: SelfIdentificationDraft) -> tuple[str, int]:
        """The candidate's optional self-identification, for the bias audit only (never graded, never shown)."""
        self_identification.volunteer(store, header.x_invite_token, path.id, body)
        return "", 204

    @bp.get(
        "/api/sessions/<id>/download-pdf/",
        responses={302: None, 200: ScorecardLink, 409: Problem, **ERRORS},
        security=BEARER,
    )
    def download_pdf(path: IdPath) -> Response | dict[str, Any]:
        """Redirects to a signed, expiring link to the scorecard PDF, once it exists.

        With `Accept: application/json` the link comes back as JSON instead: a browser's fetch
        cannot read a cross-origin redirect, and a plain link cannot carry the bearer token. This is a job webhook's
        `scorecard_url`; API keys with `results:read` may call it.
        """
        ttl = timedelta(minutes=settings.scorecard_link_minutes)
        url = sessions.scorecard_link(store, platform.blobs, caller(platform, scope=Scope.RESULTS_READ), path.id, ttl)
        if request.accept_mimetypes.best_match(["text/html", "application/json"]) == "application/json":
            return ScorecardLink(url=url, expires_at=utcnow() + ttl).model_dump(mode="json")
        return redirect(url, code=302)

    @bp.post("/api/sessions/<id>/reviews/", responses={200: Review, **ERRORS}, security=BEARER)
    def review(path: IdPath, body: ReviewDraft) -> dict[str, Any]:
        """Upholds or dismisses one integrity or bias flag, with a note."""
        return reviews.review_flag(store, caller(platform, Role.RECRUITER), path.id, body).model_dump(mode="json")

    @bp.put("/api/sessions/<id>/decision/", responses={200: InterviewSession, **ERRORS}, security=BEARER)
    def decide(path: IdPath, body: DecisionDraft) -> dict[str, Any]:
        """Records the recruiter's final decision, which may differ from the recommendation."""
        return reviews.decide(store, caller(platform, Role.RECRUITER), path.id, body).model_dump(mode="json")

    @bp.get("/api/sessions/<id>/audit/", responses={200: Paged[AuditEntry], **ERRORS}, security=BEARER)
    def audit_trail(path: IdPath, query: PageQuery) -> dict[str, Any]:
        """Who changed or read what in this session, oldest first."""
        session = sessions.owned_session(store, caller(platform), path.id)
        return paged(audit.for_session(store, session.id, query.after, query.limit))

    @bp.get("/api/interview/", responses={200: CandidateView, 401: Problem, 404: Problem, 422: Problem})
    def candidate_view(header: InviteHeader) -> dict[str, Any]:
        """What the candidate's page shows before the interview: no scores, ever.

        The token comes in X-Invite-Token, never in the path, so no request log holds it.
        """
        return sessions.candidate_view(store, header.x_invite_token).model_dump(mode="json")

    return bp
