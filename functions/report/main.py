"""CloudEvent functions of the scorecard.

`report` (talentcrew.session.completed; talentcrew.scorecard.outdated after a review or decision):
renders the scorecard, with the score the ending stored, into Blobs (new content, a new object) and
announces it. `scorecard_webhook` (talentcrew.scorecard.ready): tells the job's webhook.

Raise to retry, return to drop: what another delivery may mend (storage, the network, a receiver's
5xx) raises, and is delivered again with back-off; what no retry can mend is logged and dropped.
"""

from __future__ import annotations

import logging

import functions_framework
from cloudevents.http import CloudEvent

from talentcrew import webhooks
from talentcrew.config import platform
from talentcrew.events import MalformedEvent, decode
from talentcrew.models import InterviewSession, Job
from talentcrew.scorecard import produce

log = logging.getLogger(__name__)


def _session_id(cloud_event: CloudEvent) -> str | None:
    try:
        session_id = decode(cloud_event).data["session_id"]
    except (MalformedEvent, KeyError) as error:
        log.error("dropped a malformed event: %s", error, extra={"event_id": cloud_event["id"]})
        return None
    return str(session_id)


@functions_framework.cloud_event
def report(cloud_event: CloudEvent) -> None:
    session_id = _session_id(cloud_event)
    if session_id is None:
        return
    built = platform()
    try:
        produce.produce(built.store, built.blobs, session_id)
    except produce.NothingToReport as nothing:
        log.warning("no scorecard: %s", nothing, extra={"session_id": session_id})


@functions_framework.cloud_event
def scorecard_webhook(cloud_event: CloudEvent) -> None:
    session_id = _session_id(cloud_event)
    if session_id is None:
        return
    built = platform()
    session = built.store.get(InterviewSession, session_id)
    job = built.store.get(Job, session.job_id) if session else None
    if session is None or job is None:
        log.warning("no webhook: the session or its job is gone", extra={"session_id": session_id})
        return
    settings = built.settings
    webhooks.notify(session, job, settings.base_url, cloud_event["id"], allow_private=settings.allow_private_webhooks)
