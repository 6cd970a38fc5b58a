"""Events through a durable outbox in the Store: the embedded default.

`publish` writes the event as a document (its key is the id, so publishing twice is a no-op);
`OutboxWorker` delivers due events as CloudEvents to the same handlers Pub/Sub pushes to, at
least once. A handler that raises is retried with exponential backoff; after `max_attempts` the
event is parked as `dead` with its last error, for a human to look at.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any, ClassVar

from cloudevents.http import CloudEvent

from talentcrew.models import Document, Timestamp, utcnow
from talentcrew.ports import Store

log = logging.getLogger(__name__)

Handler = Callable[[CloudEvent], None]


class OutboxStatus(StrEnum):
    PENDING = "pending"
    DELIVERED = "delivered"
    DEAD = "dead"


class OutboxEvent(Document):
    collection: ClassVar[str] = "outbox"

    type: str
    data: dict[str, Any]
    status: OutboxStatus = OutboxStatus.PENDING
    attempts: int = 0
    last_error: str = ""
    created_at: Timestamp
    due_at: Timestamp
    delivered_at: Timestamp | None = None


class OutboxEvents:
    name = "outbox"

    def __init__(self, store: Store) -> None:
        self._store = store

    def publish(self, event_type: str, data: Mapping[str, Any], key: str) -> None:
        now = utcnow()
        event = OutboxEvent(id=key, type=event_type, data=dict(data), created_at=now, due_at=now)
        if not self._store.create(event):
            log.info("event already published", extra={"event_id": key, "event_type": event_type})


class OutboxWorker:
    """Polls the outbox and hands each due event to the handler registered for its type."""

    def __init__(
        self,
        store: Store,
        handlers: Mapping[str, Handler],
        *,
        max_attempts: int = 8,
        first_retry: timedelta = timedelta(seconds=2),
        batch: int = 50,
    ) -> None:
        self._store = store
        self._handlers = handlers
        self._max_attempts = max_attempts
        self._first_retry = first_retry
        self._batch = batch

    def deliver_due(self, now: datetime | None = None) -> int:
        """Delivers every event due by `now`; returns how many were delivered."""
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
        handler = self._handlers.get(event.type)
        if handler is None:
            self._fail(event, now, f"no handler for {event.type}", final=True)
            return 0
        cloud_event = CloudEvent(
            {
                "id": event.id,
                "type": event.type,
                "source": "//talentcrew/outbox",
                "time": event.created_at.isoformat(),
            },
            event.data,
        )
        try:
            handler(cloud_event)
        except Exception as error:  # the handler asked for a retry
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
        """Delivers until `stop` is set; one bad poll is logged, not fatal."""
        log.info("outbox worker started", extra={"event_types": sorted(self._handlers)})
        while not stop.is_set():
            try:
                self.deliver_due()
            except Exception:
                log.exception("outbox poll failed")
            stop.wait(poll_seconds)
