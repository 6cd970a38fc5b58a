"""The relay's ASGI app: `GET /healthz` and the interview WebSocket `/ws/interview/{session_id}`.

A connection is admitted with the relay ticket from `/api/sessions/{id}/connect/` (query parameter
`ticket`, or a first `start` message). One live connection per session: a newer one takes over and
the older is closed with 4409. On (re)connection the candidate gets the current question, read from
the store, so a dropped connection resumes where it was. Text answers become turns of the turn
function; its replies go back as `question` messages, then `interview_complete`.
"""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass, field

from pydantic import ValidationError
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route, WebSocketRoute
from starlette.types import Message
from starlette.websockets import WebSocket, WebSocketDisconnect, WebSocketState

from relay import protocol
from relay.protocol import Close, TextMessage
from relay.turns import TurnClient, TurnFailed
from talentcrew.config import Platform, platform
from talentcrew.errors import Unauthorized
from talentcrew.interview.turn import TurnReply, TurnRequest
from talentcrew.models import Answer, InterviewSession, Question, answer_id
from talentcrew.sessions import all_of

log = logging.getLogger(__name__)

START_TIMEOUT_SECONDS = 10.0
MESSAGES_PER_SECOND = 10.0  # a person types answers; anything faster is a script or a bug
BURST = 20
MAX_STRIKES = 5  # malformed or too-fast messages tolerated before the connection is closed


@dataclass
class _Bucket:
    """Token bucket for the message rate: refills MESSAGES_PER_SECOND, holds at most BURST."""

    tokens: float = BURST
    last: float = field(default_factory=time.monotonic)

    def take(self) -> bool:
        now = time.monotonic()
        self.tokens = min(BURST, self.tokens + (now - self.last) * MESSAGES_PER_SECOND)
        self.last = now
        if self.tokens < 1:
            return False
        self.tokens -= 1
        return True


class Relay:
    def __init__(self, built: Platform, turns: TurnClient) -> None:
        self._platform = built
        self._turns = turns
        self._live: dict[str, WebSocket] = {}

    async def _admit(self, websocket: WebSocket, session_id: str) -> bool:
        ticket = websocket.query_params.get("ticket")
        if ticket is None:
            try:
                raw = await asyncio.wait_for(websocket.receive_text(), START_TIMEOUT_SECONDS)
                start = protocol.client_message.validate_json(raw)
            except (TimeoutError, ValidationError, KeyError):
                await websocket.close(Close.BAD_TICKET, "send a start message with the ticket first")
                return False
            ticket = start.ticket if isinstance(start, protocol.Start) else None
        try:
            self._platform.tokens.verify_relay_ticket(ticket or "", session_id)
        except Unauthorized as refused:
            wrong = "another session" in str(refused)
            await websocket.close(Close.WRONG_SESSION if wrong else Close.BAD_TICKET, str(refused))
            return False
        previous = self._live.get(session_id)
        self._live[session_id] = websocket
        if previous is not None and previous.client_state == WebSocketState.CONNECTED:
            await previous.close(Close.TAKEN_OVER, "the interview continued on another connection")
        return True

    def _current(self, session_id: str) -> tuple[Question | None, int]:
        """The question the candidate should answer now, and the turn that answer will be; None when done."""
        store = self._platform.store
        session = store.get(InterviewSession, session_id)
        questions = list(all_of(store, Question, session_id, "turn_index"))
        if session is None or session.is_completed or not questions:
            return None, 0
        latest = questions[-1]
        if store.get(Answer, answer_id(session_id, latest.turn_index + 1)) is not None:
            return None, latest.turn_index + 1  # answered last: the interview ended
        return latest, latest.turn_index + 1

    async def _send(self, websocket: WebSocket, reply: TurnReply | Question | None, turn: int) -> None:
        if reply is None or (isinstance(reply, TurnReply) and reply.finished):
            await websocket.send_text(protocol.InterviewComplete().model_dump_json())
            return
        if isinstance(reply, Question):
            message = protocol.Question(text=reply.text, turn=turn, skill=reply.skill, notice=reply.notice)
        else:
            message = protocol.Question(text=reply.question or "", turn=turn, skill=reply.skill, notice=reply.notice)
        await websocket.send_text(message.model_dump_json())

    async def _error(self, websocket: WebSocket, code: str, message: str) -> None:
        await websocket.send_text(protocol.Error.model_validate({"code": code, "message": message}).model_dump_json())

    async def serve(self, websocket: WebSocket) -> None:
        session_id = websocket.path_params["session_id"]
        await websocket.accept()
        if not await self._admit(websocket, session_id):
            return
        try:
            await self._converse(websocket, session_id)
        except WebSocketDisconnect:
            log.info("candidate disconnected", extra={"session_id": session_id})
        finally:
            if self._live.get(session_id) is websocket:
                del self._live[session_id]

    async def _greet(self, websocket: WebSocket, session_id: str) -> int | None:
        """Sends the question to answer now (asking turn 0 for a new interview); the answer's turn, or
        None when the interview is already complete."""
        current, turn = self._current(session_id)
        session = self._platform.store.get(InterviewSession, session_id)
        if current is None and turn == 0 and session is not None and not session.is_completed:
            reply = await self._turns.take(TurnRequest(session_id=session_id, turn_index=0))
            await self._send(websocket, reply, 1)
            return 1
        await self._send(websocket, current, turn)
        return turn if current is not None else None

    def _parse(self, raw: Message, bucket: _Bucket) -> protocol.ClientMessage | tuple[str, str]:
        """The client's message, or (error code, reason)."""
        text = raw.get("text")
        if not bucket.take():
            return ("too_fast", "too many messages; slow down")
        if text is None:
            return ("malformed", "audio is not accepted in text mode")
        if len(text) > protocol.MAX_FRAME_BYTES:
            return ("too_long", f"messages are limited to {protocol.MAX_FRAME_BYTES} bytes")
        try:
            return protocol.client_message.validate_json(text)
        except ValidationError as invalid:
            return ("malformed", str(invalid.errors(include_url=False)[0]["msg"]))

    async def _converse(self, websocket: WebSocket, session_id: str) -> None:
        turn = await self._greet(websocket, session_id)
        if turn is None:
            await websocket.close(Close.FINISHED, "the interview is complete")
            return
        bucket, strikes = _Bucket(), 0
        while True:
            raw = await websocket.receive()
            if raw["type"] == "websocket.disconnect":
                raise WebSocketDisconnect(raw.get("code", 1000))
            message = self._parse(raw, bucket)
            if isinstance(message, tuple):
                strikes += 1
                await self._error(websocket, *message)
                if strikes >= MAX_STRIKES:
                    await websocket.close(Close.ABUSE, "too many bad messages")
                    return
                continue
            if not isinstance(message, TextMessage):
                continue  # start, playback and focus events need no answer in text mode
            request = TurnRequest(
                session_id=session_id,
                turn_index=turn,
                answer_text=message.text,
                pause_seconds=message.pause_seconds,
                telemetry=message.telemetry,
            )
            try:
                reply = await self._turns.take(request)
            except TurnFailed as failed:
                await self._error(websocket, "turn_failed", str(failed))
                continue
            turn += 1
            await self._send(websocket, reply, turn)
            if reply.finished:
                await websocket.close(Close.FINISHED, "the interview is complete")
                return


async def healthz(request: Request) -> JSONResponse:
    return JSONResponse({"status": "ok"})


def create_app(built: Platform, turns: TurnClient) -> Starlette:
    relay = Relay(built, turns)
    return Starlette(
        routes=[Route("/healthz", healthz), WebSocketRoute("/ws/interview/{session_id}", relay.serve)],
    )


def app() -> Starlette:
    """uvicorn's factory (`uvicorn --factory relay.app:app`): the platform from the environment."""
    built = platform()
    settings = built.settings
    return create_app(built, TurnClient(f"{settings.turn_base_url}/", settings.turn_bearer()))
