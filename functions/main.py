"""Every function's entry point, so one source archive deploys them all (`--entry-point NAME`)."""

from turn.main import turn

from api.main import api
from talentcrew.adapters.outbox_events import Handler

# CloudEvent functions by the event type they handle: Eventarc routes to them on Google Cloud,
# the local outbox worker calls them directly. Report and drift register here when they land.
EVENT_HANDLERS: dict[str, Handler] = {}

__all__ = ["EVENT_HANDLERS", "api", "turn"]
