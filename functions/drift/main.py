"""CloudEvent function `drift` (talentcrew.analytics.tick): the day's analytics report per account.

Cloud Scheduler publishes the tick daily (Pub/Sub, pushed to this function); locally `python -m talentcrew
analytics-tick` publishes one through the outbox. The report's day is the tick's `day` (to re-run a
day) or the date the tick was sent, so a redelivery after midnight still reports the same day.
Raise to retry, return to drop: a store failure raises; a malformed tick is logged and dropped.
"""

from __future__ import annotations

import logging
from datetime import date, datetime

import functions_framework
from cloudevents.http import CloudEvent

from talentcrew.analytics import daily
from talentcrew.config import brain, platform
from talentcrew.events import MalformedEvent, decode

log = logging.getLogger(__name__)


def _day(cloud_event: CloudEvent) -> date | None:
    try:
        day = decode(cloud_event).data.get("day")
        return date.fromisoformat(day) if day else datetime.fromisoformat(cloud_event["time"]).date()
    except (MalformedEvent, KeyError, TypeError, ValueError) as error:
        log.error("dropped a malformed tick: %s", error, extra={"event_id": cloud_event["id"]})
        return None


@functions_framework.cloud_event
def drift(cloud_event: CloudEvent) -> None:
    day = _day(cloud_event)
    if day is None:
        return
    built = platform()
    written = daily.produce(built.store, built.blobs, brain, day)
    alerts = sum(len(one.alerts) for one in written)
    log.info("analytics for %s: %d reports written, %d alerts", day, len(written), alerts, extra={"day": str(day)})
