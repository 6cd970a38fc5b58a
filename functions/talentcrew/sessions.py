"""Interview sessions: invites, the candidate's way in, ending, results, erasure."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TypeVar

from pydantic import BaseModel, ConfigDict, EmailStr, Field

from talentcrew import audit, auth, invite_emails, scoring
from talentcrew.errors import Conflict, NotFound, NotReady
from talentcrew.events import SESSION_COMPLETED, announcement
from talentcrew.interview.integrity import REVIEW_THRESHOLD
from talentcrew.invite_emails import InviteEmail
from talentcrew.jobs import owned_job
from talentcrew.models import (
    Answer,
    AnswerDraft,
    Document,
    IntegritySignal,
    InterviewSession,
    Job,
    Question,
    Review,
    SelfIdentification,
    ShortText,
    Stage,
    recording_name,
    utcnow,
)
from talentcrew.ports import Blobs, Mail, Page, Store, Update, every
from talentcrew.tenancy import owned
from talentcrew.workspaces import Caller

CANDIDATE = "candidate"
_TERMS = (
    "This interview is run by an AI interviewer. Your answers are transcribed and graded, and a "
    "recruiter reviews the results. Signals such as long pauses, pasted text or leaving the page "
    "are recorded for that human review; nothing is decided automatically."
)
_AGREEMENT = "By starting you agree to this; you may stop at any time."
CONSENT_NOTICE = f"{_TERMS} {_AGREEMENT}"
RECORDING_NOTICE = (
    "If you speak your answers, each one is also recorded as audio. Only the recruiting team that invited you "
    "can listen to the recordings, beside the transcript, and they are erased with the interview (when the "
    "team erases it, or its retention period ends)."
)
CONNECT_AUDIT_WINDOW = timedelta(minutes=10)
"""A session's connects are audited once per window: reconnections (or a script) add no rows past that."""
D = TypeVar("D", bound=Document)


class SessionDraft(BaseModel):
    model_config = ConfigDict(extra="forbid")

    job: str
    candidate_name: ShortText
    candidate_email: EmailStr
    send_invite: bool = Field(
        default=False, description="Email the link to the candidate (the job, deadline, consent, accommodations)."
    )


class CreatedSession(BaseModel):
    session: InterviewSession
    invite_url: str
    invite_expires_at: datetime
    invite_email: InviteEmail | None = Field(default=None, description="The emailed invite, when one was asked for.")


class SessionDetail(BaseModel):
    """The prototype's session_detail, with the human reviews beside the flags."""

    session: InterviewSession
    job_title: str
    answers: list[Answer]
    integrity_signals: list[IntegritySignal]
    reviews: list[Review]
    invite_emails: list[InviteEmail] = Field(description="Invitations and reminders emailed, oldest first.")
    flag_threshold: float = Field(
        description="A signal this strong or stronger flags its answer; weaker ones are context (`integrity.is_flag`)."
    )
    flagged_answers: list[str] = Field(
        description="The ids of the answers that are integrity flags (`is_integrity_flag`): what the timeline shows "
        "as flags."
    )
    cheating_incidents: int = Field(
        description="Answers flagged for integrity review (`is_integrity_flag`: a signal at the flag threshold, or the "
        "grader's suspicion), one per answer; weaker signals and requests to rephrase the question are not counted."
    )
    bias_incidents: int


class CandidateView(BaseModel):
    """What the candidate's page needs, and nothing about scores."""

    session_id: str
    job_title: str
    candidate_name: str
    questions: int
    consent_notice: str
    is_completed: bool


class RelayTicket(BaseModel):
    ticket: str
    expires_at: datetime
    relay_url: str


def owned_session(store: Store, caller: Caller, session_id: str) -> InterviewSession:
    return owned(store, InterviewSession, caller, session_id)


def all_of(store: Store, kind: type[D], session_id: str, order_by: str) -> Iterator[D]:
    """Every document of `kind` in the session, page by page."""
    return every(store, kind, where={"session_id": session_id}, order_by=order_by)


@dataclass(frozen=True)
class Links:
    """How invite links are made and sent: the web app's address (the link opens it), their lifetime, the mail."""

    base_url: str
    ttl: timedelta
    mail: Mail


def create_session(store: Store, caller: Caller, draft: SessionDraft, links: Links) -> CreatedSession:
    """The session and its link, emailed to the candidate when the draft asks (`send_invite`)."""
    job = owned_job(store, caller, draft.job)
    session = InterviewSession(
        job_id=job.id,
        owner_id=caller.workspace_id,
        candidate_name=draft.candidate_name,
        candidate_email=draft.candidate_email,
        max_questions=job.interview_length,
        record_answers=job.record_answers,
    )
    store.create(session)
    audit.record(store, caller.actor, "session.created", session_id=session.id)
    created = _invite(store, session, links)
    return _email_invite(store, links.mail, caller, created) if draft.send_invite else created


def _invite(store: Store, session: InterviewSession, links: Links) -> CreatedSession:
    """The token rides in the link's fragment, which browsers never send: no server or log sees it in a URL."""
    token, invite = auth.new_invite(store, session.id, session.owner_id, links.ttl)
    return CreatedSession(
        session=session, invite_url=invite_emails.link(links.base_url, token), invite_expires_at=invite.expires_at
    )


def reissue_invite(store: Store, caller: Caller, session_id: str, links: Links, *, send: bool) -> CreatedSession:
    """A new link, emailed to the candidate if `send`; every earlier link of the session stops working."""
    session = owned_session(store, caller, session_id)
    if session.is_completed:
        raise Conflict("the interview has ended")
    _revoke_invites(store, session.id)
    audit.record(store, caller.actor, "session.invite_reissued", session_id=session.id)
    created = _invite(store, session, links)
    return _email_invite(store, links.mail, caller, created) if send else created


def revoke_invites(store: Store, caller: Caller, session_id: str) -> None:
    session = owned_session(store, caller, session_id)
    _revoke_invites(store, session.id)
    audit.record(store, caller.actor, "session.invite_revoked", session_id=session.id)


def _email_invite(store: Store, mail: Mail, caller: Caller, created: CreatedSession) -> CreatedSession:
    """Emails the new link to the candidate; the answer carries whether it went."""
    session = created.session
    sent = invite_emails.send(
        store, mail, session, created.invite_url, created.invite_expires_at, caller.person().email
    )
    audit.record(store, caller.actor, "session.invite_emailed", session_id=session.id, status=sent.status.value)
    return created.model_copy(update={"invite_email": sent})


def _revoke_invites(store: Store, session_id: str) -> None:
    for invite in all_of(store, auth.Invite, session_id, "id"):
        if not invite.revoked:
            store.update(auth.Invite, invite.id, {"revoked": True})


def list_sessions(store: Store, caller: Caller, after: str | None, limit: int) -> Page[InterviewSession]:
    where = {"owner_id": caller.workspace_id}
    return store.query(InterviewSession, where=where, order_by="created_at", descending=True, after=after, limit=limit)


def session_detail(store: Store, caller: Caller, session_id: str) -> SessionDetail:
    """Reading a candidate's answers is itself recorded in the audit trail."""
    session = owned_session(store, caller, session_id)
    job = store.get(Job, session.job_id)
    answers = list(all_of(store, Answer, session.id, "turn_index"))
    signals = list(all_of(store, IntegritySignal, session.id, "id"))
    flagged = [answer.id for answer in answers if is_integrity_flag(answer)]
    audit.record(store, caller.actor, "session.answers_read", session_id=session.id)
    return SessionDetail(
        session=session,
        job_title=job.title if job else "",
        answers=answers,
        integrity_signals=signals,
        reviews=list(all_of(store, Review, session.id, "id")),
        invite_emails=invite_emails.for_session(store, session.id),
        flagged_answers=flagged,
        cheating_incidents=len(flagged),
        flag_threshold=REVIEW_THRESHOLD,
        bias_incidents=sum(a.bias_flag for a in answers),
    )


def is_integrity_flag(answer: Answer) -> bool:
    """The one definition of an integrity flag: an answer the turn service flagged (one of its signals reached the
    flag threshold, `integrity.is_flag`, or the grader suspected help), counted once however many signals it has.
    A request to rephrase the question is not an answer and carries no flag (as results and analytics count)."""
    return answer.is_cheating_suspected and not answer.needs_clarification


def integrity_flags(answers: Iterable[Answer]) -> int:
    """How many of the answers are integrity flags: what the timeline and the scorecard show as flags. Signals below
    the threshold are shown as context and never add to it."""
    return sum(is_integrity_flag(answer) for answer in answers)


def candidate_view(store: Store, invite_token: str) -> CandidateView:
    invite = auth.open_invite(store, invite_token)
    session = store.get(InterviewSession, invite.session_id)
    job = store.get(Job, session.job_id) if session else None
    if session is None or job is None:
        raise NotFound("no such interview")
    return CandidateView(
        session_id=session.id,
        job_title=job.title,
        candidate_name=session.candidate_name,
        questions=session.max_questions,
        consent_notice=consent_notice(session),
        is_completed=session.is_completed,
    )


def consent_notice(session: InterviewSession) -> str:
    """What the candidate agrees to by starting; an interview that records spoken answers says so."""
    return f"{_TERMS} {RECORDING_NOTICE} {_AGREEMENT}" if session.record_answers else CONSENT_NOTICE


def candidate_session(store: Store, invite_token: str, session_id: str) -> InterviewSession:
    """The session an invite token opens; a token for another session opens nothing."""
    invite = auth.open_invite(store, invite_token)
    session = store.get(InterviewSession, session_id)
    if invite.session_id != session_id or session is None:
        raise NotFound("no such session")
    return session


def connect(store: Store, tokens: auth.Tokens, invite_token: str, session_id: str, relay_url: str) -> RelayTicket:
    session = candidate_session(store, invite_token, session_id)
    if session.is_completed:
        raise Conflict("the interview has ended")
    ticket, expires_at = tokens.issue_relay_ticket(session.id)
    if _first_connect_in_window(store, session.id):
        audit.record(store, candidate(session), "session.connected", session_id=session.id)
    return RelayTicket(ticket=ticket, expires_at=expires_at, relay_url=f"{relay_url}/ws/interview/{session.id}")


def _first_connect_in_window(store: Store, session_id: str) -> bool:
    """True for a session's first connect in each CONNECT_AUDIT_WINDOW, however many race or follow.

    The window's mark has a deterministic id, so `create` decides atomically on every Store; marks
    are counted attempts (`auth.Attempt`), which expire with their window.
    """
    now = utcnow()
    seconds = int(CONNECT_AUDIT_WINDOW.total_seconds())
    window = int(now.timestamp()) // seconds
    key = f"session.connected:{session_id}"
    ends = datetime.fromtimestamp((window + 1) * seconds, UTC)
    return store.create(auth.Attempt(id=f"{key}:{window}", key=key, at=now, expires_at=ends))


def candidate(session: InterviewSession) -> audit.Actor:
    """The holder of the session's invite, as the audit trail names them."""
    return audit.Actor(session.owner_id, CANDIDATE, CANDIDATE)


def end_session(store: Store, session: InterviewSession, actor: audit.Actor) -> InterviewSession:
    """Scores the session - the one place a score is computed; the scorecard and the webhook read it -
    and ends it in one commit with its session.completed announcement, so no ended interview goes
    unannounced. Ending an ended session changes nothing."""
    if session.is_completed:
        return session
    answers = list(all_of(store, Answer, session.id, "turn_index"))
    job = store.get(Job, session.job_id)
    score, recommendation = scoring.result(answers, job.hire_threshold if job else scoring.HIRE_THRESHOLD)
    changes = {
        "is_completed": True,
        "stage": Stage.COMPLETED,
        "ended_at": utcnow(),
        "overall_score": score,
        "recommendation": recommendation,
        "provenance": answers[-1].provenance if answers else None,
    }
    key = f"session-completed-{session.id}"
    completed = Update(InterviewSession, session.id, changes)
    if not store.commit(completed, announcement(SESSION_COMPLETED, {"session_id": session.id}, key)):
        # A concurrent end committed first (the announcement's id is taken): its ending stands.
        ended = store.get(InterviewSession, session.id)
        if ended is None:
            raise NotFound("no such session")
        return ended
    audit.record(store, actor, "session.ended", session_id=session.id)
    return session.model_copy(update=changes)


def download_name(session: InterviewSession) -> str:
    name = re.sub(r"[^\w .()-]", "", session.candidate_name).strip()[:80] or "candidate"
    return f"Interview_Scorecard_{name}.pdf"


def scorecard_link(store: Store, blobs: Blobs, caller: Caller, session_id: str, ttl: timedelta) -> str:
    session = owned_session(store, caller, session_id)
    if session.report_object is None:
        raise NotReady("the scorecard is not ready yet")
    audit.record(store, caller.actor, "session.scorecard_read", session_id=session.id)
    return blobs.signed_url(session.report_object, ttl, download_name(session))


def erase_session(store: Store, blobs: Blobs, caller: Caller, session_id: str) -> None:
    erase(store, blobs, owned_session(store, caller, session_id), caller.actor)


def erase(store: Store, blobs: Blobs, session: InterviewSession, actor: audit.Actor) -> None:
    """Erases the candidate's data: answers (and their recordings) and drafts, questions, signals, reviews, invites,
    scorecard, the session.

    The session document goes last, so an erasure cut short can simply be run again. An answer's recording goes
    before the answer, and again after it: one the relay was storing meanwhile lands either before the second
    delete or after the answer is gone, when `recordings.keep` deletes it itself.
    """
    for answer in list(all_of(store, Answer, session.id, "turn_index")):
        recordings = [recording_name(session.id, answer.turn_index)] if session.record_answers else []
        for recording in recordings:
            blobs.delete(recording)
        store.delete(Answer, answer.id)
        for recording in recordings:
            blobs.delete(recording)
    kinds = (
        (AnswerDraft, "turn_index"),
        (Question, "turn_index"),
        (IntegritySignal, "id"),
        (Review, "id"),
        (auth.Invite, "id"),
        (InviteEmail, "id"),
    )
    for kind, order in kinds:
        for doc in list(all_of(store, kind, session.id, order)):
            store.delete(kind, doc.id)
    store.delete(SelfIdentification, session.id)
    if session.report_object:
        blobs.delete(session.report_object)
    store.delete(InterviewSession, session.id)
    audit.record(store, actor, "session.erased", session_id=session.id)
