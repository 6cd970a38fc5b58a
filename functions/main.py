"""Every function's entry point, so one source archive deploys them all (`--entry-point NAME`)."""

from drift.main import drift
from report.main import report, scorecard_webhook
from turn.main import turn

from api.main import api
from talentcrew.adapters.outbox_events import Handler
from talentcrew.events import ANALYTICS_TICK, SCORECARD_READY, SESSION_COMPLETED

# CloudEvent functions by the event type they handle: Pub/Sub pushes to them on Google Cloud,
# the local outbox worker calls them directly.
EVENT_HANDLERS: dict[str, Handler] = {
    SESSION_COMPLETED: report,
    SCORECARD_READY: scorecard_webhook,
    ANALYTICS_TICK: drift,
}

__all__ = ["EVENT_HANDLERS", "api", "drift", "report", "scorecard_webhook", "turn"]
