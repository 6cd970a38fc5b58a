"""The daily scheduled steps, CloudEvent functions: `drift` (talentcrew.analytics.tick), the day's
analytics report per workspace, and `retention` (talentcrew.retention.tick), the day's erasure of what
each workspace's retention period has run out on.

Cloud Scheduler publishes each tick daily (Pub/Sub, pushed to its function), retention's first;
locally `python -m talentcrew retention-tick` and `analytics-tick` publish one through the outbox. A
step's day is the tick's `day` (to re-run a day) or the date the tick was sent, so a redelivery after
midnight still handles the same day. Raise to retry, return to drop: a store failure raises; a
malformed tick is logged and dropped.
"""

from __future__ import annotations

import logging
from datetime import date, datetime

import functions_framework
from cloudevents.http import CloudEvent

from talentcrew import retention as retention_step
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
    written = daily.produce(platform().store, brain, day)
    alerts = sum(len(one.alerts) for one in written)
    log.info("analytics for %s: %d reports written, %d alerts", day, len(written), alerts, extra={"day": str(day)})


@functions_framework.cloud_event
def retention(cloud_event: CloudEvent) -> None:
    day = _day(cloud_event)
    if day is None:
        return
    built = platform()
    written = retention_step.run(built.store, built.blobs, day)
    erased = sum(one.sessions_erased for one in written)
    log.info(
        "retention for %s: %d workspaces done, %d interviews erased", day, len(written), erased, extra={"day": str(day)}
    )
