"""The local stand-in for Pub/Sub: the outbox's dispatcher, delivering events to the CloudEvent functions."""

from __future__ import annotations

import signal
import threading

from talentcrew.config import platform
from talentcrew.events import Dispatcher


def run() -> None:
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    built = platform()
    Dispatcher(built.store, built.events).run(stop)


if __name__ == "__main__":
    run()
