"""CloudEvent function `dispatch_outbox`: the outbox's dispatcher on Google Cloud.

Two Eventarc triggers start it (terraform/outbox.tf): a document created in `outbox/`, so a new
event goes out at once, and a Cloud Scheduler sweep every minute, which sends what is due for a
retry. What started it says only "look now": its payload is not read, and each run sends every due
event through Pub/Sub (`talentcrew.events.Dispatcher`), recording each send on its event.

Raise to retry, return to drop: this one always returns. A failed send is already recorded on its
event, with its next try; a run that could not read the outbox leaves every event pending, and the
next sweep reads it again, so a retry of the trigger would only pile up behind it.
"""

from __future__ import annotations

import logging

import functions_framework
from cloudevents.http import CloudEvent

from talentcrew.config import platform
from talentcrew.events import Dispatcher

log = logging.getLogger(__name__)


@functions_framework.cloud_event
def dispatch_outbox(cloud_event: CloudEvent) -> None:
    built = platform()
    try:
        sent = Dispatcher(built.store, built.events).deliver_due()
    except Exception:
        log.exception("outbox dispatch failed; the next sweep tries again", extra={"trigger": cloud_event["type"]})
        return
    log.info("outbox: %d events sent", sent, extra={"sent": sent, "trigger": cloud_event["type"]})
