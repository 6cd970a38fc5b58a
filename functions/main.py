"""Every function's entry point, so one source archive deploys them all (`--entry-point NAME`)."""

from drift.main import drift, retention
from outbox.main import dispatch_outbox
from reminders.main import reminders
from report.main import report, scorecard_webhook
from turn.main import turn

from api.main import api
from talentcrew.adapters.outbox_events import Handler
from talentcrew.events import (
    ANALYTICS_TICK,
    REMINDERS_TICK,
    RETENTION_TICK,
    SCORECARD_OUTDATED,
    SCORECARD_READY,
    SESSION_COMPLETED,
)

# CloudEvent functions by the event type they handle: Pub/Sub pushes to them on Google Cloud,
# the local transport calls them directly (adapters/outbox_events.py).
EVENT_HANDLERS: dict[str, Handler] = {
    SESSION_COMPLETED: report,
    SCORECARD_OUTDATED: report,
    SCORECARD_READY: scorecard_webhook,
    ANALYTICS_TICK: drift,
    RETENTION_TICK: retention,
    REMINDERS_TICK: reminders,
}

__all__ = [
    "EVENT_HANDLERS",
    "api",
    "dispatch_outbox",
    "drift",
    "reminders",
    "report",
    "retention",
    "scorecard_webhook",
    "turn",
]
