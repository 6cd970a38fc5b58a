"""The relay's ASGI app: `GET /healthz` and the interview WebSocket `/ws/interview/{session_id}`.

A connection is admitted with the relay ticket from `/api/sessions/{id}/connect/`, sent in its first
`start` message (never in the URL, which proxies and Cloud Run's request log record), and checked
with the tickets' public key alone: the relay builds no platform and holds no Store. One live
connection per session: a newer one takes over and the older is closed with 4409. Work that
outlives a connection (a turn in flight, the last words of a dropped answer) is tracked per
session: a reconnection waits for it before it asks where the interview stands, and shutdown
(SIGTERM on Cloud Run) waits for all of it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Coroutine
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route, WebSocketRoute
from starlette.websockets import WebSocket, WebSocketDisconnect, WebSocketState

from relay import protocol
from relay.conversation import Conversation, Services, Spawn
from relay.protocol import Close
from relay.settings import RelaySettings, build_speech
from relay.turns import TurnClient, authorization
from talentcrew import logs
from talentcrew.auth import TicketCheck
from talentcrew.errors import Unauthorized

log = logging.getLogger(__name__)

START_TIMEOUT_SECONDS = 10.0
SETTLE_TIMEOUT_SECONDS = 60.0  # a turn in flight (Gemini grading, retries) finishes well within this
SHUTDOWN_TIMEOUT_SECONDS = 8.0  # Cloud Run kills 10 s after SIGTERM


@dataclass
class _Live:
    """The session's live connection, and when its handler is done with it."""

    websocket: WebSocket
    gone: asyncio.Event = field(default_factory=asyncio.Event)


class Relay:
    def __init__(self, tickets: TicketCheck, services: Services) -> None:
        self._tickets = tickets
        self._services = services
        self._live: dict[str, _Live] = {}
        self._work: dict[str, set[asyncio.Task[None]]] = {}

    async def _admit(self, live: _Live, session_id: str) -> protocol.Start | None:
        websocket = live.websocket
        try:
            raw = await asyncio.wait_for(websocket.receive_text(), START_TIMEOUT_SECONDS)
            message = protocol.client_message.validate_json(raw)
        except WebSocketDisconnect:
            return None
        except (TimeoutError, ValidationError, KeyError):
            await websocket.close(Close.BAD_TICKET, "send a start message with the ticket first")
            return None
        start = message if isinstance(message, protocol.Start) else protocol.Start(type="start")
        try:
            self._tickets.verify(start.ticket or "", session_id)
        except Unauthorized as refused:
            wrong = "another session" in str(refused)
            await websocket.close(Close.WRONG_SESSION if wrong else Close.BAD_TICKET, str(refused))
            return None
        previous = self._live.get(session_id)
        self._live[session_id] = live
        if previous is not None:
            if previous.websocket.client_state == WebSocketState.CONNECTED:
                with contextlib.suppress(RuntimeError, OSError):
                    await previous.websocket.close(Close.TAKEN_OVER, "the interview continued on another connection")
            # Its socket may be closed already while its handler has yet to hand over what it heard.
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(previous.gone.wait(), SETTLE_TIMEOUT_SECONDS)
        return start

    def _spawner(self, session_id: str) -> Spawn:
        def spawn(work: Coroutine[Any, Any, None]) -> None:
            task = asyncio.create_task(work)
            tasks = self._work.setdefault(session_id, set())
            tasks.add(task)
            task.add_done_callback(lambda done: self._finished(session_id, done))

        return spawn

    def _finished(self, session_id: str, task: asyncio.Task[None]) -> None:
        tasks = self._work.get(session_id, set())
        tasks.discard(task)
        if not tasks:
            self._work.pop(session_id, None)
        if not task.cancelled() and task.exception() is not None:
            log.error("interview work failed", exc_info=task.exception(), extra={"session_id": session_id})

    async def settle(self, session_id: str | None = None, timeout: float = SETTLE_TIMEOUT_SECONDS) -> None:
        """Waits for the work left by earlier connections (of one session, or all at shutdown)."""
        if session_id is None:
            tasks = {task for session in self._work.values() for task in session}
        else:
            tasks = set(self._work.get(session_id, ()))
        if tasks:
            await asyncio.wait(tasks, timeout=timeout)

    async def serve(self, websocket: WebSocket) -> None:
        session_id = websocket.path_params["session_id"]
        await websocket.accept()
        live = _Live(websocket)
        try:
            start = await self._admit(live, session_id)
            if start is None:
                return
            log.info("candidate connected (%s mode)", start.mode, extra={"session_id": session_id})
            await self.settle(session_id)
            await Conversation(websocket, session_id, self._services, start, self._spawner(session_id)).run()
        finally:
            live.gone.set()
            if self._live.get(session_id) is live:
                del self._live[session_id]


async def healthz(request: Request) -> JSONResponse:
    return JSONResponse({"status": "ok"})


def create_app(tickets: TicketCheck, services: Services) -> Starlette:
    relay = Relay(tickets, services)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        yield
        log.info("shutting down: finishing the interview work in flight")
        await relay.settle(timeout=SHUTDOWN_TIMEOUT_SECONDS)

    return Starlette(
        routes=[Route("/healthz", healthz), WebSocketRoute("/ws/interview/{session_id}", relay.serve)],
        lifespan=lifespan,
    )


def app() -> Starlette:
    """uvicorn's factory (`uvicorn --factory relay.app:app`): the relay from the environment."""
    settings = RelaySettings()
    logs.setup(settings.log_level, settings.log_format)
    tickets = TicketCheck(settings.ticket_public_pem())  # read now: a relay without the key fails at start
    stt, tts = build_speech(settings)
    log.info("speech: in %s, out %s", stt.name, tts.name, extra={"stt": stt.name, "tts": tts.name})
    turns = TurnClient(settings.turn_base_url, authorization(settings))
    return create_app(tickets, Services(turns, stt, tts, settings))
