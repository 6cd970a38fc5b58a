"""Every function's entry point, so one source archive deploys them all (`--entry-point NAME`)."""

from report.main import report, scorecard_webhook
from turn.main import turn

from api.main import api
from talentcrew.adapters.outbox_events import Handler
from talentcrew.events import SCORECARD_READY, SESSION_COMPLETED

# CloudEvent functions by the event type they handle: Eventarc routes to them on Google Cloud,
# the local outbox worker calls them directly. Drift registers here when it lands.
EVENT_HANDLERS: dict[str, Handler] = {SESSION_COMPLETED: report, SCORECARD_READY: scorecard_webhook}

__all__ = ["EVENT_HANDLERS", "api", "report", "scorecard_webhook", "turn"]
