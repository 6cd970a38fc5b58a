"""One candidate connection: the interview's messages in, questions, transcripts and speech out.

The receive loop never waits on the speech engine or the turn function: audio goes to the
answer's bounded buffer, and ending an answer (the candidate's "done", a typed answer, or a long
enough silence after the engine heard a pause) runs as a task the relay tracks per session, so a
reconnection, a takeover or a shutdown waits for it instead of losing it. Words heard are saved
as an `AnswerDraft` as they become final, so a dropped connection resumes with them.

A recruiter may erase the interview or revoke its invite while the candidate is connected: before
each draft and each turn the relay checks the interview still stands, and if not it closes the
connection (`interview_withdrawn`, 4410) without writing. The candidate never sees the turn
function's own error text; it goes to the log.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ValidationError
from starlette.types import Message
from starlette.websockets import WebSocket, WebSocketDisconnect

from relay import protocol
from relay.audio import RateLimit, loud
from relay.protocol import Close
from relay.settings import RelaySettings
from relay.speech.ports import BYTES_PER_SECOND, SpeechToText, SpeechUnavailable, TextToSpeech, Transcript
from relay.spoken import SpokenAnswer
from relay.turns import TurnClient, TurnFailed
from talentcrew.auth import Invite
from talentcrew.interview.calls import TurnReply, TurnRequest
from talentcrew.interview.integrity import Telemetry
from talentcrew.models import Answer, AnswerDraft, InterviewSession, Question, answer_id
from talentcrew.ports import Store
from talentcrew.sessions import all_of

log = logging.getLogger(__name__)

MESSAGES_PER_SECOND = 10.0  # JSON messages: a person answers; anything faster is a script or a bug
BURST = 20
AUDIO_RATE = 1.5 * BYTES_PER_SECOND  # audio may catch up after a network stall, not run far ahead
AUDIO_BURST = 5 * BYTES_PER_SECOND
MAX_STRIKES = 5  # refused messages tolerated before the connection is closed
SEND_TIMEOUT_SECONDS = 10.0
FINALIZE_TIMEOUT_SECONDS = 10.0

Spawn = Callable[[Coroutine[Any, Any, None]], None]


@dataclass(frozen=True)
class Services:
    store: Store
    turns: TurnClient
    stt: SpeechToText
    tts: TextToSpeech
    settings: RelaySettings


class SlowClient(Exception):
    """The client did not read what was sent within SEND_TIMEOUT_SECONDS."""


class Outbox:
    """Sends to the client one frame at a time; a partial transcript is dropped rather than queued."""

    def __init__(self, websocket: WebSocket) -> None:
        self._websocket = websocket
        self._lock = asyncio.Lock()
        self.open = True

    async def json(self, message: BaseModel, droppable: bool = False) -> None:
        if droppable and self._lock.locked():
            return
        await self._send({"type": "websocket.send", "text": message.model_dump_json()})

    async def audio(self, chunk: bytes) -> None:
        await self._send({"type": "websocket.send", "bytes": chunk})

    async def close(self, code: int, reason: str) -> None:
        await self._send({"type": "websocket.close", "code": code, "reason": reason})
        self.open = False

    async def _send(self, message: Message) -> None:
        async with self._lock:
            if not self.open:
                return
            try:
                await asyncio.wait_for(self._websocket.send(message), SEND_TIMEOUT_SECONDS)
            except TimeoutError:
                self.open = False
                raise SlowClient from None
            except (WebSocketDisconnect, RuntimeError, OSError):
                self.open = False  # gone: what was left to send no longer matters


def current_turn(store: Store, session_id: str) -> tuple[Question | None, int]:
    """The question the candidate should answer now and the turn its answer will be; None when done."""
    session = store.get(InterviewSession, session_id)
    questions = list(all_of(store, Question, session_id, "turn_index"))
    if session is None or session.is_completed or not questions:
        return None, 0
    latest = questions[-1]
    if store.get(Answer, answer_id(session_id, latest.turn_index + 1)) is not None:
        return None, latest.turn_index + 1  # the last answer is in: the interview ended
    return latest, latest.turn_index + 1


def interview_stands(store: Store, session_id: str) -> bool:
    """The session exists and an invite of it is not revoked: the recruiter has neither erased nor withdrawn it."""
    if store.get(InterviewSession, session_id) is None:
        return False
    return any(not invite.revoked for invite in all_of(store, Invite, session_id, "id"))


class Conversation:
    def __init__(
        self, websocket: WebSocket, session_id: str, services: Services, start: protocol.Start, spawn: Spawn
    ) -> None:
        self._websocket = websocket
        self._session_id = session_id
        self._services = services
        self._spawn = spawn
        self._out = Outbox(websocket)
        self._mode = start.mode
        self._tts = start.tts if start.tts is not None else start.mode == "voice"
        self._messages = RateLimit(MESSAGES_PER_SECOND, BURST)
        self._audio_rate = RateLimit(AUDIO_RATE, AUDIO_BURST)
        self._strikes = 0
        self._turn: int | None = None  # the turn the next answer will be; None once the interview is over
        self._busy = False  # an answer is being taken
        self._answer: SpokenAnswer | None = None
        self._said = ""  # words of this answer kept from before (a draft, an answer whose turn failed)
        self._draft_pause: float | None = None
        self._told_dropped = False
        self._shown_at: float | None = None
        self._focus = _Focus()
        self._patience: asyncio.TimerHandle | None = None
        self._thinking = False  # asked for time: only "done" ends this answer, never silence
        self._unmeasured = False  # ...and asked before the first word: no pause before answering
        self._withdrawn = False  # erased or revoked: this connection records nothing more

    # -- the loop -------------------------------------------------------------------------------

    async def run(self) -> None:
        try:
            if not await self._stands():
                return
            if not await self._greet():
                await self._out.json(protocol.InterviewComplete())
                await self._out.close(Close.FINISHED, "the interview is complete")
                return
            while self._turn is not None and self._out.open:
                raw = await self._websocket.receive()
                if raw["type"] == "websocket.disconnect":
                    return
                if raw.get("bytes") is not None:
                    await self._on_audio(raw["bytes"])
                else:
                    await self._on_text(raw.get("text") or "")
        except SlowClient:
            log.warning("client too slow to read; dropping the connection", extra={"session_id": self._session_id})
        except TurnFailed as failed:  # only the opening question can fail here; answers keep the socket
            log.error("the interview could not start: %s", failed, extra={"session_id": self._session_id})
            if failed.final:
                await self._error(
                    "interview_unavailable",
                    "This interview cannot take place as it was set up: none of its skills can be asked. "
                    "Please contact the recruiter; reconnecting will not help.",
                )
                await self._out.close(Close.CANNOT_RUN, "the interview cannot take place as set up")
            else:
                await self._error("turn_failed", "the interview could not start; reconnect in a moment")
                await self._out.close(Close.UNAVAILABLE, "the interview could not start")
        finally:
            self._cancel_patience()
            if self._answer is not None and self._turn is not None and not self._busy:
                self._spawn(self._keep_on_drop(self._answer, self._turn))

    async def _on_text(self, text: str) -> None:
        if len(text) > protocol.MAX_FRAME_BYTES:
            return await self._refuse("too_long", f"messages are limited to {protocol.MAX_FRAME_BYTES} bytes")
        if not self._messages.take():
            return await self._refuse("too_fast", "too many messages; slow down")
        try:
            message = protocol.client_message.validate_json(text)
        except ValidationError as invalid:
            return await self._refuse("malformed", str(invalid.errors(include_url=False)[0]["msg"]))
        if isinstance(message, protocol.Start):
            self._mode = message.mode
            self._tts = message.tts if message.tts is not None else message.mode == "voice"
        elif isinstance(message, protocol.PlaybackFinished):
            if message.turn in (None, self._turn):
                self._shown_at = time.monotonic()
        elif isinstance(message, protocol.ClientEvent):
            self._focus.event(message.event)
        elif isinstance(message, protocol.Thinking):
            self._think()
        elif self._busy:
            await self._error("busy", "the last answer is still being taken")
        elif isinstance(message, protocol.TextMessage):
            self._begin_answer(self._typed(message))
        elif self._answer is not None or self._said:
            self._begin_answer(self._spoken())
        else:
            await self._error("nothing_heard", "no words were heard; answer again, or type the answer")

    async def _on_audio(self, frame: bytes) -> None:
        if len(frame) > protocol.MAX_FRAME_BYTES:
            return await self._refuse("too_long", f"frames are limited to {protocol.MAX_FRAME_BYTES} bytes")
        if self._mode != "voice":
            return await self._refuse("malformed", "audio is accepted in voice mode only (send start, mode voice)")
        if len(frame) % 2:
            return await self._refuse("malformed", "audio frames are 16 kHz mono PCM16: whole 2-byte samples")
        if not self._audio_rate.take(len(frame)):
            return await self._refuse("too_fast", "audio is arriving faster than real time")
        if self._busy:
            return  # between answers: nobody is listening
        if self._patience is not None and loud(frame):
            self._cancel_patience()  # speaking again: the engine's pause was a breath, not the end
        if self._answer is None:
            self._answer = SpokenAnswer(
                self._services.stt, self._heard, buffer_seconds=self._services.settings.audio_buffer_seconds
            )
            self._told_dropped = False
        if not self._answer.feed(frame, time.monotonic()) and not self._told_dropped:
            self._told_dropped = True
            if self._answer.failure is not None:
                await self._error("speech_unavailable", "speech recognition failed; please type your answer")
            else:
                await self._error("audio_dropped", "speech recognition fell behind; some audio was lost")

    async def _refuse(self, code: str, message: str) -> None:
        self._strikes += 1
        await self._error(code, message)
        if self._strikes >= MAX_STRIKES:
            await self._out.close(Close.ABUSE, "too many refused messages")

    async def _error(self, code: str, message: str) -> None:
        await self._out.json(protocol.Error.model_validate({"code": code, "message": message}))

    async def _stands(self) -> bool:
        """Whether the interview still stands; once it does not, the candidate is told and the socket closes."""
        if not self._withdrawn and await asyncio.to_thread(interview_stands, self._services.store, self._session_id):
            return True
        if not self._withdrawn:
            self._withdrawn, self._turn = True, None  # ends the loop; nothing more is heard or kept
            self._cancel_patience()
            log.warning("interview erased or its invite revoked: closing", extra={"session_id": self._session_id})
            await self._error(
                "interview_withdrawn", "This interview is no longer available. Please contact the recruiter."
            )
            await self._out.close(Close.WITHDRAWN, "the interview is no longer available")
        return False

    # -- asking -----------------------------------------------------------------------------------

    async def _greet(self) -> bool:
        """Asks the question to answer now (turn 0 of a new interview) with any words already said."""
        store = self._services.store
        current, turn = await asyncio.to_thread(current_turn, store, self._session_id)
        if current is None:
            session = await asyncio.to_thread(store.get, InterviewSession, self._session_id)
            if turn != 0 or session is None or session.is_completed:
                return False
            reply = await self._services.turns.take(TurnRequest(session_id=self._session_id, turn_index=0))
            self._turn = 1
            await self._ask(reply.question or "", 1, reply.skill, reply.notice)
            return True
        self._turn = turn
        draft = await asyncio.to_thread(store.get, AnswerDraft, answer_id(self._session_id, turn))
        if draft is None or not draft.text:
            await self._ask(current.text, turn, current.skill, current.notice)
            return True
        self._said, self._draft_pause = draft.text, draft.pause_seconds
        message = protocol.Question(text=current.text, turn=turn, skill=current.skill, notice=current.notice)
        await self._out.json(message)
        await self._out.json(protocol.Transcript(text=draft.text, final=True, turn=turn))
        return True

    async def _ask(self, text: str, turn: int, skill: str | None, notice: str) -> None:
        await self._out.json(protocol.Question(text=text, turn=turn, skill=skill, notice=notice))
        if self._tts and self._out.open:
            await self._speak(text, turn)

    async def _speak(self, text: str, turn: int) -> None:
        tts = self._services.tts
        await self._out.json(protocol.TtsAudio(turn=turn, sample_rate=tts.sample_rate))
        try:
            async for chunk in tts.speak(text):
                for start in range(0, len(chunk), protocol.TTS_FRAME_BYTES):
                    await self._out.audio(chunk[start : start + protocol.TTS_FRAME_BYTES])
        except SpeechUnavailable as failure:
            log.warning("text-to-speech failed: %s", failure)
            await self._error("speech_unavailable", "the question could not be spoken; it is shown as text")
        await self._out.json(protocol.TtsAudioComplete(turn=turn))

    # -- hearing ----------------------------------------------------------------------------------

    async def _heard(self, answer: SpokenAnswer, transcript: Transcript) -> None:
        """A transcript from the engine: to the client, to the draft, and to the patience timer."""
        if self._turn is None:
            return
        if transcript.text:
            self._cancel_patience()
            message = protocol.Transcript(text=transcript.text, final=transcript.is_final, turn=self._turn)
            await self._out.json(message, droppable=not transcript.is_final)
        if transcript.is_final and transcript.text:
            await self._save_draft(self._turn, _join(self._said, answer.text), self._pause(answer))
        if transcript.pause_detected and answer is self._answer and not self._busy:
            self._start_patience(answer)

    def _think(self) -> None:
        self._thinking = True
        self._cancel_patience()
        if self._draft_pause is None and (self._answer is None or self._answer.first_word_at is None):
            self._unmeasured = True

    def _start_patience(self, answer: SpokenAnswer) -> None:
        silence = self._services.settings.end_of_turn_silence_seconds
        if silence > 0 and answer.text and not self._thinking:
            self._cancel_patience()
            self._patience = asyncio.get_running_loop().call_later(silence, self._patience_ran_out)

    def _patience_ran_out(self) -> None:
        self._patience = None
        if not self._busy and self._answer is not None and self._answer.text:
            log.info("answer ended by silence", extra={"session_id": self._session_id})
            self._begin_answer(self._spoken())

    def _cancel_patience(self) -> None:
        if self._patience is not None:
            self._patience.cancel()
            self._patience = None

    def _pause(self, answer: SpokenAnswer | None) -> float | None:
        """From the end of the question's playback to the first word; None if either is unknown."""
        if self._draft_pause is not None:
            return self._draft_pause
        if self._unmeasured or answer is None or answer.first_word_at is None or self._shown_at is None:
            return None
        return round(max(0.0, answer.first_word_at - self._shown_at), 3)

    async def _save_draft(self, turn: int, text: str, pause: float | None) -> None:
        if not await self._stands():
            return
        draft = AnswerDraft(
            id=answer_id(self._session_id, turn),
            session_id=self._session_id,
            turn_index=turn,
            text=text[: protocol.MAX_TEXT],
            pause_seconds=pause,
        )
        await asyncio.to_thread(self._services.store.put, draft)

    async def _keep_on_drop(self, answer: SpokenAnswer, turn: int) -> None:
        """The connection dropped mid-answer: the words still being recognised go to the draft."""
        pause = self._pause(answer)
        await answer.complete(FINALIZE_TIMEOUT_SECONDS)
        if answer.text:
            await self._save_draft(turn, _join(self._said, answer.text), pause)

    # -- answering --------------------------------------------------------------------------------

    def _begin_answer(self, work: Coroutine[Any, Any, None]) -> None:
        self._busy = True
        self._cancel_patience()
        self._spawn(work)

    async def _spoken(self) -> None:
        answer, self._answer = self._answer, None
        if answer is not None:
            await answer.complete(FINALIZE_TIMEOUT_SECONDS)
        text = _join(self._said, answer.text if answer else "")
        if not text:
            self._busy = False
            failed = answer is not None and answer.failure is not None
            code = "speech_unavailable" if failed else "nothing_heard"
            return await self._error(code, "no words were heard; answer again, or type the answer")
        await self._take(text, self._pause(answer), self._focus.telemetry())

    async def _typed(self, message: protocol.TextMessage) -> None:
        answer, self._answer = self._answer, None
        if answer is not None:  # typed after speaking: the answer is both
            await answer.complete(FINALIZE_TIMEOUT_SECONDS)
        text = _join(self._said, answer.text if answer else "", message.text)
        telemetry = message.telemetry or self._focus.telemetry()
        pause = message.pause_seconds if message.pause_seconds is not None else self._pause(answer)
        await self._take(text, pause, telemetry)

    async def _take(self, text: str, pause: float | None, telemetry: Telemetry | None) -> None:
        if not await self._stands():
            return
        assert self._turn is not None
        request = TurnRequest(
            session_id=self._session_id,
            turn_index=self._turn,
            answer_text=text[: protocol.MAX_TEXT],
            pause_seconds=pause,
            telemetry=telemetry,
        )
        try:
            reply = await self._services.turns.take(request)
        except TurnFailed as failed:
            log.warning("turn %d failed: %s", request.turn_index, failed, extra={"session_id": self._session_id})
            self._said, self._busy = text, False  # kept: "done" or a typed answer sends it again
            return await self._error("turn_failed", "your answer could not be recorded just now; send it again")
        log.info("turn %d taken", request.turn_index, extra={"session_id": self._session_id, "pause": pause})
        await self._advance(reply)

    async def _advance(self, reply: TurnReply) -> None:
        assert self._turn is not None
        self._said, self._draft_pause, self._shown_at = "", None, None
        self._thinking = self._unmeasured = False
        self._focus = _Focus()
        if reply.finished:
            last, self._turn = self._turn, None
            if reply.closing:
                await self._out.json(protocol.Closing(text=reply.closing, turn=last + 1))
                if self._tts and self._out.open:
                    await self._speak(reply.closing, last + 1)
            await self._out.json(protocol.InterviewComplete())
            await self._out.close(Close.FINISHED, "the interview is complete")
            return
        self._turn += 1
        self._busy = False  # before the question goes out: the client may answer the moment it arrives
        await self._ask(reply.question or "", self._turn, reply.skill, reply.notice)


class _Focus:
    """Focus lost and regained during one answer, as the relay's telemetry for voice answers."""

    def __init__(self) -> None:
        self.lost = 0
        self.lost_seconds = 0.0
        self._since: float | None = None

    def event(self, event: str) -> None:
        now = time.monotonic()
        if event == "focus_lost" and self._since is None:
            self.lost += 1
            self._since = now
        elif event == "focus_regained" and self._since is not None:
            self.lost_seconds += now - self._since
            self._since = None

    def telemetry(self) -> Telemetry | None:
        if not self.lost:
            return None
        away = self.lost_seconds + (time.monotonic() - self._since if self._since is not None else 0.0)
        return Telemetry(focus_lost=self.lost, focus_lost_seconds=round(away, 3))


def _join(*parts: str) -> str:
    return " ".join(part.strip() for part in parts if part.strip())
