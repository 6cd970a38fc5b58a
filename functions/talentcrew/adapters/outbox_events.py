"""The Events transport of the local platform (the embedded default): the CloudEvent functions, called here.

The outbox's dispatcher (`talentcrew.events.Dispatcher`, run by infra/outbox_worker.py) sends each
due event through `publish`, which hands it, as a CloudEvent, to the function Pub/Sub pushes that
type to on Google Cloud. A function that raises asks for a retry, as it does there.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from cloudevents.http import CloudEvent

from talentcrew.models import utcnow
from talentcrew.ports import Undeliverable

Handler = Callable[[CloudEvent], None]


class HandlerEvents:
    name = "outbox"

    def __init__(self, handlers: Callable[[], Mapping[str, Handler]]) -> None:
        """`handlers`: the functions by event type, asked for at each send (functions/main.py's, which
        import the platform this transport is part of, so they cannot be there when it is built)."""
        self._handlers = handlers

    def publish(self, event_type: str, data: Mapping[str, Any], key: str) -> None:
        handler = self._handlers().get(event_type)
        if handler is None:
            raise Undeliverable(f"no handler for {event_type}")
        attributes = {"id": key, "type": event_type, "source": "//talentcrew/outbox", "time": utcnow().isoformat()}
        handler(CloudEvent(attributes, dict(data)))
