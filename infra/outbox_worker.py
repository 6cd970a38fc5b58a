"""The local stand-in for Pub/Sub and, for the hourly reminders, Cloud Scheduler: the outbox's dispatcher,
delivering events to the CloudEvent functions, and an hourly reminders tick (the daily ticks stay manual:
`python -m talentcrew analytics-tick`, `retention-tick`)."""

from __future__ import annotations

import signal
import threading

from talentcrew import invite_emails
from talentcrew.config import platform
from talentcrew.events import Dispatcher
from talentcrew.ports import Store

REMINDERS_EVERY_SECONDS = 3600


def run() -> None:
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    built = platform()
    threading.Thread(target=_hourly_reminders, args=(built.store, stop), daemon=True).start()
    Dispatcher(built.store, built.events).run(stop)


def _hourly_reminders(store: Store, stop: threading.Event) -> None:
    while not stop.is_set():
        invite_emails.announce_tick(store)
        stop.wait(REMINDERS_EVERY_SECONDS)


if __name__ == "__main__":
    run()
