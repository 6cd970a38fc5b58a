"""The Events contract: the outbox's dispatcher sends an announced event through the transport, and
it reaches the CloudEvent function that handles its type.

Outbox (local): the transport calls the function directly, as the local platform does. Pub/Sub: the
dispatcher publishes to drongo's Pub/Sub server; the message is pulled and posted to the function
over functions-framework's HTTP front door as a push subscription posts it (terraform/pubsub.tf),
so `decode` is proven against the real envelope.
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

from talentcrew.adapters.outbox_events import HandlerEvents
from talentcrew.adapters.pubsub_events import PubSubEvents, topic_id
from talentcrew.adapters.sqlite_store import SqliteStore
from talentcrew.events import SESSION_COMPLETED, Dispatcher, Event, OutboxEvent, OutboxStatus, announcement
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


@pytest.fixture
def store(tmp_path: Path) -> SqliteStore:
    return SqliteStore(tmp_path / "talentcrew.db")


@pytest.fixture(params=["outbox", "pubsub"])
def transport(request: pytest.FixtureRequest, sink: Sink) -> Transport:
    """An Events transport and a `deliver()` that moves what it sent on to the sink (if it is not there yet)."""
    if request.param == "outbox":
        return HandlerEvents(lambda: {SESSION_COMPLETED: sink.handler}), lambda: None

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


def test_an_announced_event_reaches_its_handler(store: SqliteStore, transport: Transport, sink: Sink) -> None:
    events, deliver = transport
    store.commit(announcement(SESSION_COMPLETED, {"session_id": "s-1", "score": 72}, "session.completed-s-1"))
    assert Dispatcher(store, events).deliver_due() == 1
    deliver()
    assert sink.received == [
        Event(id="session.completed-s-1", type=SESSION_COMPLETED, data={"session_id": "s-1", "score": 72})
    ]
    sent = store.get(OutboxEvent, "session.completed-s-1")
    assert sent is not None and (sent.status, sent.attempts) == (OutboxStatus.DELIVERED, 1)


def test_each_announced_event_is_delivered(store: SqliteStore, transport: Transport, sink: Sink) -> None:
    events, deliver = transport
    for n in range(3):
        store.commit(announcement(SESSION_COMPLETED, {"session_id": f"s-{n}"}, f"session.completed-s-{n}"))
    assert Dispatcher(store, events).deliver_due() == 3
    deliver()
    assert sorted(event.data["session_id"] for event in sink.received) == ["s-0", "s-1", "s-2"]


def test_a_send_pubsub_refuses_stays_pending_for_a_retry(store: SqliteStore, pubsub_host: str, project: str) -> None:
    """No topic for the type (yet): Pub/Sub raises, and the event waits for its next try."""
    store.commit(announcement(SESSION_COMPLETED, {}, "k-0"))
    assert Dispatcher(store, PubSubEvents(project)).deliver_due() == 0
    stored = store.get(OutboxEvent, "k-0")
    assert stored is not None and (stored.status, stored.attempts) == (OutboxStatus.PENDING, 1)
    assert stored.last_error.startswith("NotFound") and stored.due_at > utcnow()


# The dispatcher's own promises: Pub/Sub's push subscriptions keep the same ones between Pub/Sub and a function.


def _handled_by(handler: Callable[[CloudEvent], None]) -> HandlerEvents:
    return HandlerEvents(lambda: {SESSION_COMPLETED: handler})


def test_an_event_announced_twice_is_sent_once(store: SqliteStore) -> None:
    received: list[str] = []
    assert store.commit(announcement(SESSION_COMPLETED, {"n": 1}, "k-1")) is True
    assert store.commit(announcement(SESSION_COMPLETED, {"n": 2}, "k-1")) is False
    Dispatcher(store, _handled_by(lambda event: received.append(event["id"]))).deliver_due()
    assert received == ["k-1"]


def test_a_failing_send_is_retried_with_backoff_then_delivered(store: SqliteStore) -> None:
    calls: list[str] = []

    def flaky(event: object) -> None:
        calls.append("call")
        if len(calls) < 3:
            raise RuntimeError("storage briefly unavailable")

    dispatcher = Dispatcher(store, _handled_by(flaky), first_retry=timedelta(seconds=10))
    store.commit(announcement(SESSION_COMPLETED, {}, "k-2"))
    start = utcnow()
    assert dispatcher.deliver_due(start) == 0
    assert dispatcher.deliver_due(start + timedelta(seconds=5)) == 0  # not yet due again
    assert len(calls) == 1
    assert dispatcher.deliver_due(start + timedelta(seconds=11)) == 0  # second try fails, next in 20 s
    assert dispatcher.deliver_due(start + timedelta(seconds=40)) == 1
    stored = store.get(OutboxEvent, "k-2")
    assert stored is not None
    assert (stored.status, stored.attempts, len(calls)) == (OutboxStatus.DELIVERED, 3, 3)


def test_an_event_is_dead_lettered_after_max_attempts_with_the_last_error(store: SqliteStore) -> None:
    def broken(event: object) -> None:
        raise ValueError("template missing")

    dispatcher = Dispatcher(store, _handled_by(broken), max_attempts=2, first_retry=timedelta(0))
    store.commit(announcement(SESSION_COMPLETED, {}, "k-3"))
    for _ in range(4):
        dispatcher.deliver_due(utcnow() + timedelta(hours=1))
    stored = store.get(OutboxEvent, "k-3")
    assert stored is not None
    assert (stored.status, stored.attempts) == (OutboxStatus.DEAD, 2)
    assert stored.last_error == "ValueError: template missing"


def test_an_event_nobody_handles_is_dead_lettered_at_once(store: SqliteStore) -> None:
    store.commit(announcement("talentcrew.unknown", {}, "k-4"))
    assert Dispatcher(store, HandlerEvents(lambda: {})).deliver_due() == 0
    stored = store.get(OutboxEvent, "k-4")
    assert stored is not None and (stored.status, stored.attempts) == (OutboxStatus.DEAD, 1)
    assert "no handler" in stored.last_error
