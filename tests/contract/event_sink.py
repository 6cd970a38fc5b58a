"""A CloudEvent function for the Events contract: it decodes what it is given and keeps it."""

from __future__ import annotations

import functions_framework
from cloudevents.abstract import CloudEvent

from talentcrew.events import Event, decode

RECEIVED: list[Event] = []


@functions_framework.cloud_event
def sink(cloud_event: CloudEvent) -> None:
    RECEIVED.append(decode(cloud_event))
