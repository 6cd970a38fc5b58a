"""The local stand-in for Pub/Sub: delivers outbox events to the CloudEvent functions."""

from __future__ import annotations

import signal
import threading

from main import EVENT_HANDLERS
from talentcrew.adapters.outbox_events import OutboxWorker
from talentcrew.config import platform


def run() -> None:
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    OutboxWorker(platform().store, EVENT_HANDLERS).run(stop)


if __name__ == "__main__":
    run()
