"""The hourly reminders step, a CloudEvent function: `reminders` (talentcrew.reminders.tick) emails the
candidates whose emailed interview link expires within 48 hours and who have not started
(`talentcrew.invite_emails.remind`).

Cloud Scheduler publishes the tick every hour (Pub/Sub, pushed here); locally the outbox worker of
`make dev` announces one every hour, and `python -m talentcrew reminders-tick` one at once. A tick
reminds as of the moment it runs, whatever its time: a late, retried or repeated tick sends each
reminder once. A store failure raises (the tick is delivered again).
"""

from __future__ import annotations

import logging

import functions_framework
from cloudevents.http import CloudEvent

from talentcrew import invite_emails
from talentcrew.config import platform
from talentcrew.models import utcnow

log = logging.getLogger(__name__)


@functions_framework.cloud_event
def reminders(cloud_event: CloudEvent) -> None:
    built = platform()
    sent = invite_emails.remind(built.store, built.mail, built.settings.web_base_url, utcnow())
    log.info("reminders: %d sent", sent, extra={"event_id": cloud_event["id"]})
