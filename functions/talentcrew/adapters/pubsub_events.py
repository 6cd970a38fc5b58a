"""The Events transport on Google Cloud: Pub/Sub, one topic per event type.

Only the outbox's dispatcher publishes (functions/outbox/main.py). A push subscription per topic
(terraform/pubsub.tf) posts each message to its function, which functions-framework turns into a
`messagePublished` CloudEvent; `talentcrew.events.decode` unwraps it. The event's type and
idempotency key travel as message attributes.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from google.cloud.pubsub_v1 import PublisherClient


def topic_id(event_type: str) -> str:
    """`talentcrew.session.completed` publishes to topic `talentcrew-session-completed`."""
    return event_type.replace(".", "-").replace("_", "-")


class PubSubEvents:
    name = "pubsub"

    def __init__(self, project: str, timeout_seconds: float = 30.0) -> None:
        self._project = project
        self._timeout = timeout_seconds
        self._publisher = PublisherClient()

    def publish(self, event_type: str, data: Mapping[str, Any], key: str) -> None:
        """Blocks until Pub/Sub has the message: the dispatcher then records the event as sent."""
        topic = self._publisher.topic_path(self._project, topic_id(event_type))
        body = json.dumps(dict(data), separators=(",", ":")).encode()
        self._publisher.publish(topic, body, type=event_type, event_id=key).result(timeout=self._timeout)
