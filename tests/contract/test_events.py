"""The Events contract: a published event reaches the CloudEvent function that handles its type.

Outbox: the worker calls the function directly, as the local platform does. Pub/Sub: the message
is pulled from drongo's Pub/Sub server and posted to the function over functions-framework's HTTP
front door as a push subscription posts it (terraform/pubsub.tf), so `decode` is proven against the
real envelope.
"""

from __future__ import annotations

import base64
import sys
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import functions_framework
import pytest
from cloudevents.abstract import CloudEvent
from flask import Flask
from google.cloud.pubsub_v1 import PublisherClient, SubscriberClient

from talentcrew.adapters.outbox_events import OutboxEvent, OutboxEvents, OutboxStatus, OutboxWorker
from talentcrew.adapters.pubsub_events import PubSubEvents, topic_id
from talentcrew.adapters.sqlite_store import SqliteStore
from talentcrew.events import SESSION_COMPLETED, Event
from talentcrew.models import utcnow
from talentcrew.ports import Events

SINK = Path(__file__).with_name("event_sink.py")


@dataclass
class Sink:
    """The sink function as functions-framework serves it, and what it received."""

    app: Flask
    handler: Callable[[CloudEvent], None]
    received: list[Event]


@pytest.fixture
def sink() -> Sink:
    app = functions_framework.create_app("sink", str(SINK), "cloudevent")
    module = sys.modules["event_sink"]  # the module instance functions-framework loaded
    module.RECEIVED.clear()
    return Sink(app, module.sink, module.RECEIVED)


Transport = tuple[Events, Callable[[], None]]


@pytest.fixture(params=["outbox", "pubsub"])
def transport(request: pytest.FixtureRequest, sink: Sink, tmp_path: Path) -> Transport:
    """An Events adapter and a `deliver()` that moves what it published to the sink."""
    if request.param == "outbox":
        store = SqliteStore(tmp_path / "talentcrew.db")
        worker = OutboxWorker(store, {SESSION_COMPLETED: sink.handler})

        def deliver_outbox() -> None:
            worker.deliver_due()

        return OutboxEvents(store), deliver_outbox

    request.getfixturevalue("pubsub_host")
    project: str = request.getfixturevalue("project")
    publisher = PublisherClient()
    subscriber = SubscriberClient()
    topic = publisher.create_topic(name=publisher.topic_path(project, topic_id(SESSION_COMPLETED))).name
    subscription = subscriber.create_subscription(
        name=subscriber.subscription_path(project, "report-trigger"), topic=topic
    ).name

    def deliver() -> None:
        pulled = subscriber.pull(subscription=subscription, max_messages=10, timeout=10)
        client = sink.app.test_client()
        for received in pulled.received_messages:
            message = received.message
            envelope = {
                "message": {
                    "data": base64.b64encode(message.data).decode(),
                    "attributes": dict(message.attributes),
                    "messageId": message.message_id,
                    "publishTime": message.publish_time.isoformat(),
                },
                "subscription": subscription,
            }
            response = client.post("/", json=envelope)  # Pub/Sub's own body: no CloudEvent headers
            assert response.status_code == 200, response.data
            subscriber.acknowledge(subscription=subscription, ack_ids=[received.ack_id])

    return PubSubEvents(project), deliver


def test_published_event_reaches_its_handler(transport: Transport, sink: Sink) -> None:
    events, deliver = transport
    events.publish(SESSION_COMPLETED, {"session_id": "s-1", "score": 72}, key="session.completed-s-1")
    deliver()
    assert sink.received == [
        Event(id="session.completed-s-1", type=SESSION_COMPLETED, data={"session_id": "s-1", "score": 72})
    ]


def test_each_published_event_is_delivered(transport: Transport, sink: Sink) -> None:
    events, deliver = transport
    for n in range(3):
        events.publish(SESSION_COMPLETED, {"session_id": f"s-{n}"}, key=f"session.completed-s-{n}")
    deliver()
    assert sorted(event.data["session_id"] for event in sink.received) == ["s-0", "s-1", "s-2"]


# The outbox's own promises: Pub/Sub's push subscriptions keep these on Google Cloud.


@pytest.fixture
def store(tmp_path: Path) -> SqliteStore:
    return SqliteStore(tmp_path / "talentcrew.db")


def test_outbox_publish_is_idempotent_by_key(store: SqliteStore) -> None:
    received: list[str] = []
    OutboxEvents(store).publish(SESSION_COMPLETED, {"n": 1}, key="k-1")
    OutboxEvents(store).publish(SESSION_COMPLETED, {"n": 2}, key="k-1")
    OutboxWorker(store, {SESSION_COMPLETED: lambda event: received.append(event["id"])}).deliver_due()
    assert received == ["k-1"]


def test_outbox_retries_a_failing_handler_with_backoff_then_delivers(store: SqliteStore) -> None:
    calls: list[str] = []

    def flaky(event: object) -> None:
        calls.append("call")
        if len(calls) < 3:
            raise RuntimeError("storage briefly unavailable")

    worker = OutboxWorker(store, {SESSION_COMPLETED: flaky}, first_retry=timedelta(seconds=10))
    OutboxEvents(store).publish(SESSION_COMPLETED, {}, key="k-2")
    start = utcnow()
    assert worker.deliver_due(start) == 0
    assert worker.deliver_due(start + timedelta(seconds=5)) == 0  # not yet due again
    assert len(calls) == 1
    assert worker.deliver_due(start + timedelta(seconds=11)) == 0  # second try fails, next in 20 s
    assert worker.deliver_due(start + timedelta(seconds=40)) == 1
    stored = store.get(OutboxEvent, "k-2")
    assert stored is not None
    assert (stored.status, stored.attempts, len(calls)) == (OutboxStatus.DELIVERED, 3, 3)


def test_outbox_dead_letters_after_max_attempts_with_the_last_error(store: SqliteStore) -> None:
    def broken(event: object) -> None:
        raise ValueError("template missing")

    worker = OutboxWorker(store, {SESSION_COMPLETED: broken}, max_attempts=2, first_retry=timedelta(0))
    OutboxEvents(store).publish(SESSION_COMPLETED, {}, key="k-3")
    for _ in range(4):
        worker.deliver_due(utcnow() + timedelta(hours=1))
    stored = store.get(OutboxEvent, "k-3")
    assert stored is not None
    assert (stored.status, stored.attempts) == (OutboxStatus.DEAD, 2)
    assert stored.last_error == "ValueError: template missing"


def test_outbox_dead_letters_an_event_nobody_handles(store: SqliteStore) -> None:
    OutboxEvents(store).publish("talentcrew.unknown", {}, key="k-4")
    assert OutboxWorker(store, {}).deliver_due() == 0
    stored = store.get(OutboxEvent, "k-4")
    assert stored is not None and stored.status == OutboxStatus.DEAD
    assert "no handler" in stored.last_error
