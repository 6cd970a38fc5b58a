"""Unit tests for decoding direct and Pub/Sub-wrapped CloudEvents into domain events."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest
from cloudevents.http import CloudEvent

from talentcrew.events import PUBSUB_MESSAGE_PUBLISHED, SESSION_COMPLETED, MalformedEvent, decode

SOURCE = "//pubsub.googleapis.com/projects/p/topics/talentcrew"


def pubsub_event(message: dict[str, Any]) -> CloudEvent:
    data = {"message": message, "subscription": "projects/p/subscriptions/eventarc-sub"}
    return CloudEvent({"type": PUBSUB_MESSAGE_PUBLISHED, "source": SOURCE, "id": "outer-1"}, data)


def encoded(payload: Any) -> str:
    return base64.b64encode(json.dumps(payload).encode()).decode()


def test_direct_event_decodes_unchanged() -> None:
    data = {"session_id": "s1", "owner_id": "o1"}
    event = CloudEvent({"type": SESSION_COMPLETED, "source": "talentcrew/outbox", "id": "evt-42"}, data)
    decoded = decode(event)
    assert (decoded.id, decoded.type, decoded.data) == ("evt-42", SESSION_COMPLETED, data)


def test_pubsub_event_decodes_inner_type_id_and_data() -> None:
    data = {"session_id": "s1", "nested": {"n": [1, 2]}}
    message = {
        "data": encoded(data),
        "attributes": {"type": SESSION_COMPLETED, "event_id": "evt-7"},
        "messageId": "123",
    }
    decoded = decode(pubsub_event(message))
    assert (decoded.id, decoded.type, decoded.data) == ("evt-7", SESSION_COMPLETED, data)


def test_pubsub_event_without_event_id_falls_back_to_message_id() -> None:
    message = {"data": encoded({"a": 1}), "attributes": {"type": SESSION_COMPLETED}, "messageId": "123"}
    decoded = decode(pubsub_event(message))
    assert decoded.id == "123"
    assert decoded.data == {"a": 1}


@pytest.mark.parametrize(
    "message",
    [
        pytest.param({"data": encoded({"a": 1}), "attributes": {}, "messageId": "1"}, id="no-type"),
        pytest.param({"data": encoded({"a": 1}), "messageId": "1"}, id="no-attributes"),
        pytest.param({"data": "%%% not base64", "attributes": {"type": "t"}, "messageId": "1"}, id="not-base64"),
        pytest.param(
            {"data": base64.b64encode(b"not json").decode(), "attributes": {"type": "t"}, "messageId": "1"},
            id="not-json",
        ),
        pytest.param({"data": encoded([1, 2]), "attributes": {"type": "t"}, "messageId": "1"}, id="list-data"),
        pytest.param({"data": encoded("text"), "attributes": {"type": "t"}, "messageId": "1"}, id="string-data"),
        pytest.param({"attributes": {"type": "t"}, "messageId": "1"}, id="no-data"),
        pytest.param({"data": encoded({"a": 1}), "attributes": {"type": "t"}}, id="no-id-at-all"),
    ],
)
def test_malformed_pubsub_event_raises(message: dict[str, Any]) -> None:
    with pytest.raises(MalformedEvent):
        decode(pubsub_event(message))


def test_pubsub_event_without_message_raises() -> None:
    event = CloudEvent({"type": PUBSUB_MESSAGE_PUBLISHED, "source": SOURCE, "id": "outer-1"}, {"subscription": "s"})
    with pytest.raises(MalformedEvent, match="outer-1"):
        decode(event)


def test_direct_event_with_non_dict_data_raises() -> None:
    event = CloudEvent({"type": SESSION_COMPLETED, "source": "talentcrew/outbox", "id": "evt-1"}, ["not", "a", "dict"])
    with pytest.raises(MalformedEvent):
        decode(event)


@pytest.mark.parametrize(
    "data",
    [
        pytest.param({"message": "text"}, id="message-not-dict"),
        pytest.param({"message": None}, id="message-null"),
        pytest.param({"message": {"data": encoded({}), "attributes": ["type"], "messageId": "1"}}, id="attrs-list"),
    ],
)
def test_pubsub_event_with_wrong_shapes_raises_malformed(data: dict[str, Any]) -> None:
    event = CloudEvent({"type": PUBSUB_MESSAGE_PUBLISHED, "source": SOURCE, "id": "outer-1"}, data)
    with pytest.raises(MalformedEvent):
        decode(event)
