"""Domain events as CloudEvents 1.0, and decoding them at a function's edge.

An event reaches a handler in one of two shapes: directly, from the local outbox worker (type
`talentcrew.*`, JSON data), or wrapped by Pub/Sub's push (type `...messagePublished`, the
event's type and id in the message attributes, its JSON data base64-encoded). `decode` turns
either into one `Event`, so handlers never see the difference.
"""

from __future__ import annotations

import base64
import json
from typing import Any

from cloudevents.abstract import CloudEvent
from pydantic import BaseModel, ValidationError

SESSION_COMPLETED = "talentcrew.session.completed"
SCORECARD_READY = "talentcrew.scorecard.ready"  # to the job's webhook, if it has one
ANALYTICS_TICK = "talentcrew.analytics.tick"
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
