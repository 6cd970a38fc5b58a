"""Domain events: announced through the outbox, sent by its dispatcher, decoded at a function's edge.

A state change and the event announcing it are written in one `Store.commit`: the change's writes
and `announcement(...)`, an `OutboxEvent` document whose id is the event's idempotency key. So a
change is never left unannounced, and announcing twice is a no-op. The `Dispatcher` then sends
what is due through the Events transport, at least once: locally to the CloudEvent functions in
this process, on Google Cloud to Pub/Sub. A send that fails is retried with exponential backoff;
after `max_attempts` the event is parked as `dead` with its last error, for a human to look at.

An event reaches a handler in one of two shapes: directly, from the local transport (type
`talentcrew.*`, JSON data), or wrapped by Pub/Sub's push (type `...messagePublished`, the
event's type and id in the message attributes, its JSON data base64-encoded). `decode` turns
either into one `Event`, so handlers never see the difference.
"""

from __future__ import annotations

import base64
import json
import logging
import threading
from collections.abc import Mapping
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any, ClassVar

from cloudevents.abstract import CloudEvent
from pydantic import BaseModel, ValidationError

from talentcrew.models import Document, Timestamp, utcnow
from talentcrew.ports import Create, Events, Store, Undeliverable

log = logging.getLogger(__name__)

SESSION_COMPLETED = "talentcrew.session.completed"
SCORECARD_READY = "talentcrew.scorecard.ready"  # to the job's webhook, if it has one
SCORECARD_OUTDATED = "talentcrew.scorecard.outdated"  # a review or decision changed what the card shows
ANALYTICS_TICK = "talentcrew.analytics.tick"
RETENTION_TICK = "talentcrew.retention.tick"
REMINDERS_TICK = "talentcrew.reminders.tick"
PUBSUB_MESSAGE_PUBLISHED = "google.cloud.pubsub.topic.v1.messagePublished"


class MalformedEvent(ValueError):
    """An event no retry can fix: handlers log it and return (drop), never raise."""


class Event(BaseModel):
    id: str
    type: str
    data: dict[str, Any]


def decode(cloud_event: CloudEvent) -> Event:
    try:
        if cloud_event["type"] != PUBSUB_MESSAGE_PUBLISHED:
            return Event(id=cloud_event["id"], type=cloud_event["type"], data=cloud_event.get_data())
        message = (cloud_event.get_data() or {})["message"]
        attributes = message.get("attributes") or {}
        return Event(
            id=attributes.get("event_id") or message["messageId"],
            type=attributes["type"],
            data=json.loads(base64.b64decode(message["data"])),
        )
    except (AttributeError, KeyError, TypeError, ValueError, ValidationError) as error:
        raise MalformedEvent(f"cannot decode event {cloud_event['id']}: {error}") from error


class OutboxStatus(StrEnum):
    PENDING = "pending"
    DELIVERED = "delivered"
    DEAD = "dead"


class OutboxEvent(Document):
    """An announced event, until the dispatcher has sent it (and after, as the record that it did)."""

    collection: ClassVar[str] = "outbox"

    type: str
    data: dict[str, Any]
    status: OutboxStatus = OutboxStatus.PENDING
    attempts: int = 0
    last_error: str = ""
    created_at: Timestamp
    due_at: Timestamp
    delivered_at: Timestamp | None = None


def announcement(event_type: str, data: Mapping[str, Any], key: str) -> Create:
    """The write that announces an event: commit it with the change it announces.

    `key` is the event's id, so the same change announced twice commits once.
    """
    now = utcnow()
    return Create(OutboxEvent(id=key, type=event_type, data=dict(data), created_at=now, due_at=now))


class Dispatcher:
    """Sends the outbox's due events through the Events transport and records how each went."""

    def __init__(
        self,
        store: Store,
        events: Events,
        *,
        max_attempts: int = 8,
        first_retry: timedelta = timedelta(seconds=2),
        batch: int = 50,
    ) -> None:
        self._store = store
        self._events = events
        self._max_attempts = max_attempts
        self._first_retry = first_retry
        self._batch = batch

    def deliver_due(self, now: datetime | None = None) -> int:
        """Sends the events due by `now` (a page of them, oldest first); returns how many were sent."""
        now = now or utcnow()
        page = self._store.query(
            OutboxEvent, where={"status": OutboxStatus.PENDING.value}, order_by="due_at", limit=self._batch
        )
        delivered = 0
        for event in page.items:
            if event.due_at > now:
                break
            delivered += self._deliver(event, now)
        return delivered

    def _deliver(self, event: OutboxEvent, now: datetime) -> int:
        try:
            self._events.publish(event.type, event.data, key=event.id)
        except Undeliverable as error:
            self._fail(event, now, str(error), final=True)
            return 0
        except Exception as error:  # the transport or the handler asked for a retry
            self._fail(event, now, f"{type(error).__name__}: {error}", final=False)
            return 0
        self._store.update(
            OutboxEvent,
            event.id,
            {"status": OutboxStatus.DELIVERED, "attempts": event.attempts + 1, "delivered_at": utcnow()},
        )
        return 1

    def _fail(self, event: OutboxEvent, now: datetime, error: str, *, final: bool) -> None:
        attempts = event.attempts + 1
        dead = final or attempts >= self._max_attempts
        due = now + self._first_retry * 2 ** (attempts - 1)
        self._store.update(
            OutboxEvent,
            event.id,
            {
                "status": OutboxStatus.DEAD if dead else OutboxStatus.PENDING,
                "attempts": attempts,
                "last_error": error[:2000],
                "due_at": due,
            },
        )
        log.warning(
            "event %s: %s (%s)",
            "dead-lettered" if dead else "will be retried",
            event.id,
            error,
            extra={"event_id": event.id, "event_type": event.type, "attempts": attempts},
        )

    def run(self, stop: threading.Event, poll_seconds: float = 0.5) -> None:
        """Sends until `stop` is set (the local platform's worker); one bad poll is logged, not fatal."""
        log.info("outbox dispatcher started", extra={"transport": self._events.name})
        while not stop.is_set():
            try:
                self.deliver_due()
            except Exception:
                log.exception("outbox poll failed")
            stop.wait(poll_seconds)
