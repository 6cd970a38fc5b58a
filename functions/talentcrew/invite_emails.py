"""Interview invitations that reach the candidate: the emailed link, the reminder, and what became of each.

When a recruiter asks (`send_invite`), the session's link is emailed through the Mail port with the job, the
deadline, the consent summary and how to ask for an accommodation (by writing to the recruiter who sent it).
Each message is recorded (`InviteEmail`: sent, or failed with the reason) and shown with the session, so a
recruiter sees whether it went and can send a new link.

A reminder goes 48 hours before the emailed link expires, if the candidate has not started, the interview still
stands and a link of the session is still live (`remind`, run hourly by `talentcrew.reminders.tick`). Only a
token's hash is stored, so the reminder carries a new link of the session that expires when the first does
(the first keeps working). An invite is reminded at most once: it is marked before the message goes.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from enum import StrEnum
from typing import ClassVar

from pydantic import EmailStr, Field

from talentcrew import auth, emails
from talentcrew.events import REMINDERS_TICK, announcement
from talentcrew.models import Document, InterviewSession, Job, Timestamp, sortable_id, timestamp_text, utcnow
from talentcrew.ports import Between, Mail, Store, every

log = logging.getLogger(__name__)

REMINDER_LEAD = timedelta(hours=48)
REMINDER_GAP = timedelta(hours=24)
"""No reminder comes sooner than this after the invite itself (a short-lived link gets none)."""
CONSENT_SUMMARY = (
    "an AI interviewer asks the questions; your answers are transcribed and graded, and a recruiter reviews the "
    "results. Pauses, pasted text and leaving the page are recorded for that review; nothing is decided "
    "automatically."
)
RECORDING_SUMMARY = (
    "Spoken answers are also recorded as audio; only the recruiting team can listen to them, and they are erased "
    "with the interview."
)


class Kind(StrEnum):
    INVITE = "invite"
    REMINDER = "reminder"


class Delivery(StrEnum):
    SENT = "sent"
    FAILED = "failed"


class InviteEmail(Document):
    """One invitation or reminder emailed to a candidate, and whether the mail server took it."""

    collection: ClassVar[str] = "invite_emails"

    id: str = Field(default_factory=sortable_id)
    session_id: str
    owner_id: str
    kind: Kind
    to: EmailStr
    contact: EmailStr = Field(description="The member who sent the invite: the candidate's contact.")
    status: Delivery
    error: str = Field(default="", description="Why the mail server refused it, when it did.")
    sent_at: Timestamp = Field(default_factory=utcnow)
    link_expires_at: Timestamp
    remind_at: Timestamp | None = Field(
        default=None, description="When this invite's reminder is due; null once reminded, or for none."
    )


def link(web_url: str, token: str) -> str:
    """A candidate's link: the token rides in the fragment, which browsers never send, so no server log sees it."""
    return f"{web_url}/interview#t={token}"


def _deadline(expires_at: datetime) -> str:
    return expires_at.strftime("%A %d %B %Y, %H:%M UTC")


def send(
    store: Store, mail: Mail, session: InterviewSession, link: str, expires_at: datetime, contact: str
) -> InviteEmail:
    """Emails the session's invite link; records and returns what happened. Earlier invites get no reminder: the
    newest link is the one to remind of."""
    for earlier in for_session(store, session.id):
        if earlier.remind_at is not None:
            store.update(InviteEmail, earlier.id, {"remind_at": None})
    remind_at = max(expires_at - REMINDER_LEAD, utcnow() + REMINDER_GAP)
    record = _compose(session, Kind.INVITE, expires_at, contact, remind_at if remind_at < expires_at else None)
    store.create(record)
    return _deliver(store, mail, session, record, link)


def _compose(
    session: InterviewSession, kind: Kind, expires_at: datetime, contact: str, remind_at: datetime | None
) -> InviteEmail:
    return InviteEmail(
        session_id=session.id,
        owner_id=session.owner_id,
        kind=kind,
        to=session.candidate_email,
        contact=contact,
        status=Delivery.SENT,
        link_expires_at=expires_at,
        remind_at=remind_at,
    )


def _deliver(store: Store, mail: Mail, session: InterviewSession, record: InviteEmail, link: str) -> InviteEmail:
    """Sends the recorded message; a refusal is written on the record (and logged), not raised."""
    job = store.get(Job, session.job_id)
    message = emails.candidate_invite(
        record.to,
        session.candidate_name,
        job.title if job else "the role",
        link,
        _deadline(record.link_expires_at),
        f"{CONSENT_SUMMARY} {RECORDING_SUMMARY}" if session.record_answers else CONSENT_SUMMARY,
        record.contact,
        reminder=record.kind is Kind.REMINDER,
    )
    try:
        mail.send(message)
    except Exception as failure:  # whatever the mail server says is a status to show, not a crash
        error = f"{type(failure).__name__}: {failure}"[:500]
        log.warning("the %s email of session %s was not sent: %s", record.kind.value, record.session_id, error)
        return store.update(InviteEmail, record.id, {"status": Delivery.FAILED, "error": error, "remind_at": None})
    return record


def for_session(store: Store, session_id: str) -> list[InviteEmail]:
    """Oldest first."""
    return list(every(store, InviteEmail, where={"session_id": session_id}, order_by="id"))


def _waiting(store: Store, session: InterviewSession | None, now: datetime) -> bool:
    """The interview stands, has not started, and one of its links still works."""
    if session is None or session.is_completed or session.started_at is not None:
        return False
    invites = every(store, auth.Invite, where={"session_id": session.id})
    return any(not invite.revoked and invite.expires_at > now for invite in invites)


def remind(store: Store, mail: Mail, web_url: str, now: datetime) -> int:
    """Sends every reminder due at `now`; returns how many the mail server took. The reminder's record is
    created first, under an id that follows from its invite's: a racing or repeated tick finds it taken."""
    due = store.group_count(
        InviteEmail,
        ("id",),
        where={"kind": Kind.INVITE.value, "status": Delivery.SENT.value},
        between=Between("remind_at", "", timestamp_text(now)),
    )
    sent = 0
    for invite_email_id in sorted(str(row[0]) for row in due):
        invite = store.get(InviteEmail, invite_email_id)
        if invite is None or invite.remind_at is None:
            continue
        store.update(InviteEmail, invite.id, {"remind_at": None})
        session = store.get(InterviewSession, invite.session_id)
        if session is None or not _waiting(store, session, now) or invite.link_expires_at <= now:
            continue
        reminder = _compose(session, Kind.REMINDER, invite.link_expires_at, invite.contact, None)
        reminder = reminder.model_copy(update={"id": f"{invite.id}.r"})
        if not store.create(reminder):
            continue
        token, _ = auth.new_invite(store, session.id, session.owner_id, invite.link_expires_at - now)
        delivered = _deliver(store, mail, session, reminder, link(web_url, token))
        sent += delivered.status is Delivery.SENT
    if sent:
        log.info("reminders: %d candidates reminded of their interview", sent)
    return sent


def announce_tick(store: Store) -> None:
    """Announces this hour's reminders tick through the outbox: a second in the same hour is a no-op."""
    hour = utcnow().strftime("%Y-%m-%dT%H")
    store.commit(announcement(REMINDERS_TICK, {}, f"reminders-tick-{hour}"))
