"""A completed interview's scorecard: scored, rendered and stored once, then announced.

Delivery is at least once (Pub/Sub, the outbox), so everything here is idempotent: the PDF's
name comes from the session id and the hash of what it shows, so a repeated or racing delivery
writes the same object and the same result; the announcement's key is that name.
"""

from __future__ import annotations

import logging

from talentcrew import audit, scoring
from talentcrew.events import SCORECARD_READY
from talentcrew.models import Answer, InterviewSession, Job
from talentcrew.ports import Blobs, Events, Store
from talentcrew.scorecard.card import content_hash, gather
from talentcrew.sessions import all_of

log = logging.getLogger(__name__)


class NothingToReport(Exception):
    """The session is gone (erased) or not complete: no retry can change that."""


def produce(store: Store, blobs: Blobs, events: Events, session_id: str) -> str:
    """Writes the session's scorecard (unless this very card is there already); returns its name.

    Raises on any failure before the session points at the stored PDF, so the delivery is retried.
    """
    session = store.get(InterviewSession, session_id)
    if session is None or not session.is_completed:
        raise NothingToReport(f"session {session_id} is {'not complete' if session else 'gone'}")
    job = store.get(Job, session.job_id)
    if job is None:  # jobs cannot be deleted while they have sessions
        raise NothingToReport(f"the job of session {session_id} is gone")
    answers = list(all_of(store, Answer, session.id, "turn_index"))
    score, recommendation = scoring.result(answers, job.hire_threshold)
    card = gather(store, session, job, score, recommendation, job.hire_threshold)
    digest = content_hash(card)[:16]
    name = f"scorecards/{session.id}/{digest}.pdf"
    if session.report_object != name:
        # WeasyPrint loads here, not at import: every function imports main.py, only `report` renders.
        from talentcrew.scorecard.render import render_pdf

        blobs.put(name, render_pdf(card), "application/pdf")
        store.update(
            InterviewSession,
            session.id,
            {"report_object": name, "overall_score": score, "recommendation": recommendation},
        )
        if session.report_object is not None:
            blobs.delete(session.report_object)  # the card of older data: one scorecard per session
        audit.record(
            store, owner_id=session.owner_id, actor="report", action="scorecard.written", session_id=session.id
        )
        log.info("scorecard written", extra={"session_id": session.id, "object": name, "score": score})
    if job.webhook_url:
        key = f"scorecard-ready-{session.id}-{digest}"  # a document id: no slashes
        events.publish(SCORECARD_READY, {"session_id": session.id, "report_object": name}, key=key)
    return name
