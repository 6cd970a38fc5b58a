"""A completed interview's scorecard: rendered and stored once, then announced.

The score and recommendation are the ones `sessions.end_session` stored; nothing here computes them.
Delivery is at least once (Pub/Sub, the outbox), so everything here is idempotent: the PDF's name
comes from the session id and the hash of what it shows, so a repeated or racing delivery writes
the same object and the same result; the announcement's key is that name.
"""

from __future__ import annotations

import logging

from talentcrew import audit
from talentcrew.events import SCORECARD_READY, announcement
from talentcrew.models import InterviewSession, Job
from talentcrew.ports import Blobs, Store, Update, Write
from talentcrew.scorecard.card import content_hash, gather

log = logging.getLogger(__name__)


class NothingToReport(Exception):
    """The session is gone (erased), not complete, or completed without its result: no retry can change that."""


def produce(store: Store, blobs: Blobs, session_id: str) -> str:
    """Writes the session's scorecard (unless this very card is there already); returns its name.

    Raises on any failure before the session points at the stored PDF, so the delivery is retried.
    """
    session = store.get(InterviewSession, session_id)
    if session is None or not session.is_completed:
        raise NothingToReport(f"session {session_id} is {'not complete' if session else 'gone'}")
    if (session.overall_score is None) != (session.recommendation is None):
        raise NothingToReport(f"session {session_id} holds a score without a recommendation or the reverse: a bug")
    job = store.get(Job, session.job_id)
    if job is None:  # jobs cannot be deleted while they have sessions
        raise NothingToReport(f"the job of session {session_id} is gone")
    card = gather(store, session, job, session.overall_score, session.recommendation, job.hire_threshold)
    digest = content_hash(card)[:16]
    name = f"scorecards/{session.id}/{digest}.pdf"
    if session.report_object == name:
        return name
    # WeasyPrint loads here, not at import: every function imports main.py, only `report` renders.
    from talentcrew.scorecard.render import render_pdf

    blobs.put(name, render_pdf(card), "application/pdf")
    writes: list[Write] = [Update(InterviewSession, session.id, {"report_object": name})]
    if job.webhook_url:
        key = f"scorecard-ready-{session.id}-{digest}"  # a document id: no slashes
        writes.append(announcement(SCORECARD_READY, {"session_id": session.id, "report_object": name}, key))
    if not store.commit(*writes):
        return name  # a racing delivery committed this very card and its announcement
    if session.report_object is not None:
        blobs.delete(session.report_object)  # the card of older data: one scorecard per session
    audit.record(store, audit.Actor(session.owner_id, "report", "report"), "scorecard.written", session_id=session.id)
    log.info("scorecard written", extra={"session_id": session.id, "object": name, "score": session.overall_score})
    return name
