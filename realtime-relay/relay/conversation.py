"""One candidate connection: the interview's messages in, questions, transcripts and speech out.

The receive loop never waits on the speech engine or the turn service: audio goes to the answer's
bounded buffer, and ending an answer (the candidate's "done", a typed answer, or a long enough
silence after the engine heard a pause) runs as a task the relay tracks per session, so a
reconnection, a takeover or a shutdown waits for it instead of losing it. Words heard are sent to
the turn service as a draft as they become final, so a dropped connection resumes with them.

The relay holds no interview state of its own: it asks the turn service where the interview stands
(`resume`), and the turn service refuses any call about an interview the recruiter erased or whose
invite was revoked (410), at which the connection closes (`interview_withdrawn`, 4410). Where the
connection stands is a `State`, moved only by `relay.states.transition`. The candidate never sees
the turn service's own error text; it goes to the log.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass
from typing import Any, Protocol

from pydantic import BaseModel, ValidationError
from starlette.types import Message
from starlette.websockets import WebSocket, WebSocketDisconnect

from relay import protocol
from relay.audio import RateLimit, loud
from relay.protocol import Close
from relay.recording import Recording, deliver
from relay.settings import RelaySettings
from relay.speech.ports import BYTES_PER_SECOND, SpeechToText, SpeechUnavailable, TextToSpeech, Transcript
from relay.spoken import Heard, SpokenAnswer
from relay.states import Event, State, transition
from relay.turns import TurnFailed, TurnService, Withdrawn
from talentcrew.interview.calls import DraftRequest, TurnReply, TurnRequest
from talentcrew.interview.integrity import Telemetry

log = logging.getLogger(__name__)

MESSAGES_PER_SECOND = 10.0  # JSON messages: a person answers; anything faster is a script or a bug
BURST = 20
AUDIO_RATE = 1.5 * BYTES_PER_SECOND  # audio may catch up after a network stall, not run far ahead
AUDIO_BURST = 5 * BYTES_PER_SECOND
MAX_STRIKES = 5  # refused messages tolerated before the connection is closed
SEND_TIMEOUT_SECONDS = 10.0
FINALIZE_TIMEOUT_SECONDS = 10.0

Spawn = Callable[[Coroutine[Any, Any, None]], None]


class Cancellable(Protocol):
    def cancel(self) -> None: ...


Later = Callable[[float, Callable[[], None]], Cancellable]
"""Runs a callback after a delay (the end-of-answer patience); the tests pass one they fire themselves."""


def call_later(delay: float, callback: Callable[[], None]) -> Cancellable:
    return asyncio.get_running_loop().call_later(delay, callback)


@dataclass(frozen=True)
class Services:
    turns: TurnService
    stt: SpeechToText
    tts: TextToSpeech
    settings: RelaySettings
    later: Later = call_later


class SlowClient(Exception):
    """The client did not read what was sent within SEND_TIMEOUT_SECONDS."""


class Sender:
    """Sends to the client one frame at a time (a lock: frames of a question's audio never interleave with a
    message); a partial transcript is dropped rather than queued."""

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


class Drafts:
    """Sends the words heard so far to the turn service, one call at a time, the latest winning: a draft
    still waiting is replaced by a newer one, and none overtakes one sent before it."""

    def __init__(self, turns: TurnService, spawn: Spawn, withdrawn: Callable[[], Awaitable[None]]) -> None:
        self._turns = turns
        self._spawn = spawn
        self._withdrawn = withdrawn
        self._waiting: DraftRequest | None = None
        self._idle = asyncio.Event()
        self._idle.set()

    def keep(self, draft: DraftRequest) -> None:
        self._waiting = draft
        if self._idle.is_set():
            self._idle.clear()
            self._spawn(self._send())

    async def settled(self) -> None:
        """Returns once every draft kept so far has been sent (or refused)."""
        await self._idle.wait()

    async def superseded(self) -> None:
        """The answer carries these words now: a waiting draft is dropped, and the one being sent is waited
        for, so it cannot land after the answer."""
        self._waiting = None
        await self.settled()

    async def _send(self) -> None:
        try:
            while (draft := self._waiting) is not None:
                self._waiting = None
                try:
                    await self._turns.draft(draft)
                except TurnFailed as failed:  # the next draft, or the answer, carries these words
                    log.warning(
                        "draft %d not kept: %s", draft.turn_index, failed, extra={"session_id": draft.session_id}
                    )
                except Withdrawn:
                    self._waiting = None
                    await self._withdrawn()
        finally:
            self._idle.set()


_LIVE = (State.GREETING, State.LISTENING, State.TAKING)
_HEARING = (State.LISTENING, State.TAKING)


class Conversation:
    def __init__(
        self, websocket: WebSocket, session_id: str, services: Services, start: protocol.Start, spawn: Spawn
    ) -> None:
        self._websocket = websocket
        self._session_id = session_id
        self._services = services
        self._spawn = spawn
        self._out = Sender(websocket)
        self._state = State.GREETING
        self._mode = start.mode
        self._tts = start.tts if start.tts is not None else start.mode == "voice"
        self._messages = RateLimit(MESSAGES_PER_SECOND, BURST)
        self._audio_rate = RateLimit(AUDIO_RATE, AUDIO_BURST)
        self._strikes = 0
        self._turn = 0  # the turn the answer being given will be
        self._answer: SpokenAnswer | None = None
        self._said = ""  # words of this answer kept from before (a draft, an answer whose turn failed)
        self._said_heard = Heard()  # ...and the engine's confidence in them
        self._draft_pause: float | None = None
        self._drafts = Drafts(services.turns, spawn, self._withdraw)
        self._told_dropped = False
        self._shown_at: float | None = None
        self._focus = _Focus()
        self._patience: Cancellable | None = None
        self._thinking = False  # asked for time: only "done" ends this answer, never silence
        self._keyterms: list[str] = []  # words this answer is likely to hold, for the speech engine
        self._unmeasured = False  # ...and asked before the first word: no pause before answering
        self._record = False  # the interview records spoken answers (its consent notice said so)
        self._recording: Recording | None = None  # this turn's audio, from its first frame until it is taken

    def _to(self, event: Event) -> State:
        """Moves the connection on by `event`; returns the new state."""
        self._state = transition(self._state, event)
        return self._state

    # -- the loop -------------------------------------------------------------------------------

    async def run(self) -> None:
        try:
            await self._greet()
            while self._state in _HEARING and self._out.open:
                raw = await self._websocket.receive()
                if raw["type"] == "websocket.disconnect" or self._state not in _HEARING:
                    return
                if raw.get("bytes") is not None:
                    await self._on_audio(raw["bytes"])
                else:
                    await self._on_text(raw.get("text") or "")
        except SlowClient:
            log.warning("client too slow to read; dropping the connection", extra={"session_id": self._session_id})
        except Withdrawn:  # only the greeting's call can raise here; answers and drafts run as tasks
            await self._withdraw()
        except TurnFailed as failed:  # likewise
            await self._could_not_start(failed)
        finally:
            self._ended()

    async def _could_not_start(self, failed: TurnFailed) -> None:
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

    def _ended(self) -> None:
        """The handler is done with the socket: an answer being given keeps its last words as a draft."""
        self._cancel_patience()
        listening = self._state is State.LISTENING
        if self._state is not State.TAKING:  # an answer being taken sends its recording once it is
            self._drop_recording()
        self._to(Event.ENDED)
        if self._answer is not None:
            if listening:
                self._spawn(self._keep_on_drop(self._answer))
            else:
                self._answer.abandon()

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
        elif self._state is State.TAKING:
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
        if self._state is not State.LISTENING:
            return  # between answers: nobody is listening
        if self._patience is not None and loud(frame):
            self._cancel_patience()  # speaking again: the engine's pause was a breath, not the end
        if self._record:
            self._recording = self._recording or Recording()
            self._recording.feed(frame)
        if self._answer is None:
            self._answer = SpokenAnswer(
                self._services.stt,
                self._heard,
                buffer_seconds=self._services.settings.audio_buffer_seconds,
                keyterms=self._keyterms,
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

    async def _withdraw(self) -> None:
        """The turn service refused a call with 410: the candidate is told, once, and the socket closes."""
        live = self._state in _LIVE
        self._to(Event.WITHDRAWN)
        if not live:
            return
        self._cancel_patience()
        log.warning("interview erased or its invite revoked: closing", extra={"session_id": self._session_id})
        await self._error("interview_withdrawn", "This interview is no longer available. Please contact the recruiter.")
        await self._out.close(Close.WITHDRAWN, "the interview is no longer available")

    # -- asking -----------------------------------------------------------------------------------

    async def _greet(self) -> None:
        """Asks the question to answer now (the opening one of a new interview) with any words already said."""
        resumed = await self._services.turns.resume(self._session_id)
        if resumed.finished:
            self._to(Event.COMPLETED)
            await self._out.json(protocol.InterviewComplete())
            await self._out.close(Close.FINISHED, "the interview is complete")
            return
        self._turn = resumed.turn_index
        self._said, self._draft_pause = resumed.said, resumed.pause_seconds
        self._said_heard = Heard.kept(resumed.heard)
        self._thinking = resumed.thinking  # asked for before the connection dropped: still asked for
        self._unmeasured = resumed.thinking and resumed.pause_seconds is None
        self._record = resumed.record
        self._keyterms = resumed.keyterms
        self._to(Event.ASKED)
        question = protocol.Question(
            text=resumed.question or "",
            turn=self._turn,
            skill=resumed.skill,
            notice=resumed.notice,
            thinking=resumed.thinking,
        )
        if not resumed.said:
            return await self._ask(question)
        await self._out.json(question)
        await self._out.json(protocol.Transcript(text=resumed.said, final=True, turn=self._turn))

    async def _ask(self, question: protocol.Question) -> None:
        await self._out.json(question)
        if self._tts and self._out.open:
            await self._speak(question.text, question.turn)

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
        """A transcript from the engine: to the draft, to the patience timer, and to the client (last, so
        that when the client sees it the relay has already acted on it)."""
        if self._state is State.WITHDRAWN:
            return
        if transcript.text:
            self._cancel_patience()
        if transcript.is_final and transcript.text:
            self._keep_draft(answer)
        if transcript.pause_detected and answer is self._answer and self._state is State.LISTENING:
            self._start_patience(answer)
        if transcript.text and self._state is not State.CLOSED:
            message = protocol.Transcript(text=transcript.text, final=transcript.is_final, turn=self._turn)
            await self._out.json(message, droppable=not transcript.is_final)

    def _think(self) -> None:
        self._thinking = True
        self._cancel_patience()
        if self._draft_pause is None and (self._answer is None or self._answer.first_word_at is None):
            self._unmeasured = True
        if self._state is State.LISTENING:
            self._keep_draft(self._answer)  # so a reconnection still knows it was asked for

    def _keep_draft(self, answer: SpokenAnswer | None) -> None:
        """The answer so far to the turn service, so that a dropped connection resumes with it."""
        text = _join(self._said, answer.text if answer else "")[: protocol.MAX_TEXT]
        heard = self._said_heard + answer.heard if answer else self._said_heard
        self._drafts.keep(
            DraftRequest(
                session_id=self._session_id,
                turn_index=self._turn,
                text=text,
                pause_seconds=self._pause(answer),
                thinking=self._thinking,
                heard=heard.so_far(),
            )
        )

    def _start_patience(self, answer: SpokenAnswer) -> None:
        silence = self._services.settings.end_of_turn_silence_seconds
        if silence > 0 and answer.text and not self._thinking:
            self._cancel_patience()
            self._patience = self._services.later(silence, self._patience_ran_out)

    def _patience_ran_out(self) -> None:
        self._patience = None
        if self._state is State.LISTENING and self._answer is not None and self._answer.text:
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

    async def _keep_on_drop(self, answer: SpokenAnswer) -> None:
        """The connection dropped mid-answer: the words still being recognised go to the draft (each final
        does, as it comes) before a reconnection asks where the interview stands."""
        await answer.complete(FINALIZE_TIMEOUT_SECONDS)
        await self._drafts.settled()

    # -- answering --------------------------------------------------------------------------------

    def _begin_answer(self, work: Coroutine[Any, Any, None]) -> None:
        self._to(Event.ANSWERED)
        self._cancel_patience()
        self._spawn(work)

    async def _spoken(self) -> None:
        answer, self._answer = self._answer, None
        if answer is not None:
            await answer.complete(FINALIZE_TIMEOUT_SECONDS)
        text = _join(self._said, answer.text if answer else "")
        if not text:
            if self._to(Event.NOT_TAKEN) is State.LISTENING:
                failed = answer is not None and answer.failure is not None
                code = "speech_unavailable" if failed else "nothing_heard"
                await self._error(code, "no words were heard; answer again, or type the answer")
            return
        await self._take(text, self._pause(answer), self._focus.telemetry(), answer)

    async def _typed(self, message: protocol.TextMessage) -> None:
        answer, self._answer = self._answer, None
        if answer is not None:  # typed after speaking: the answer is both
            await answer.complete(FINALIZE_TIMEOUT_SECONDS)
        text = _join(self._said, answer.text if answer else "", message.text)
        telemetry = message.telemetry or self._focus.telemetry()
        pause = message.pause_seconds if message.pause_seconds is not None else self._pause(answer)
        await self._take(text, pause, telemetry, answer)

    async def _take(
        self, text: str, pause: float | None, telemetry: Telemetry | None, spoken: SpokenAnswer | None
    ) -> None:
        """Sends the answer, with the engine's confidence in the spoken part's words (none when typed)."""
        heard = self._said_heard + spoken.heard if spoken is not None else self._said_heard
        so_far = heard.so_far()
        await self._drafts.superseded()
        request = TurnRequest(
            session_id=self._session_id,
            turn_index=self._turn,
            answer_text=text[: protocol.MAX_TEXT],
            pause_seconds=pause,
            telemetry=telemetry,
            transcript_confidence=so_far.confidence,
            words=so_far.words,
            thinking=self._thinking,  # kept until the turn is taken, so a resent answer still says so
        )
        try:
            reply = await self._services.turns.take(request)
        except Withdrawn:
            self._drop_recording()
            return await self._withdraw()
        except TurnFailed as failed:
            log.warning("turn %d failed: %s", request.turn_index, failed, extra={"session_id": self._session_id})
            # kept, with the engine's confidence: "done" or a typed answer sends it again (its recording goes on too)
            self._said, self._said_heard = text, heard
            if self._to(Event.NOT_TAKEN) is State.LISTENING:
                await self._error("turn_failed", "your answer could not be recorded just now; send it again")
            else:
                self._drop_recording()
            return
        log.info("turn %d taken", request.turn_index, extra={"session_id": self._session_id, "pause": pause})
        if self._recording is not None:  # sent after the turn, beside the next question: never in the gap
            self._spawn(deliver(self._recording, self._services.turns, self._session_id, request.turn_index))
            self._recording = None
        await self._advance(reply)

    def _drop_recording(self) -> None:
        if self._recording is not None:
            self._recording.abandon()
            self._recording = None

    async def _advance(self, reply: TurnReply) -> None:
        self._said, self._said_heard, self._draft_pause, self._shown_at = "", Heard(), None, None
        self._keyterms = reply.keyterms
        self._thinking = self._unmeasured = False
        self._focus = _Focus()
        last, self._turn = self._turn, self._turn + 1
        if reply.finished:
            if self._to(Event.COMPLETED) is not State.FINISHED:
                return
            if reply.closing:
                await self._out.json(protocol.Closing(text=reply.closing, turn=last + 1))
                if self._tts and self._out.open:
                    await self._speak(reply.closing, last + 1)
            await self._out.json(protocol.InterviewComplete())
            await self._out.close(Close.FINISHED, "the interview is complete")
            return
        # Listening before the question goes out: the client may answer the moment it arrives.
        if self._to(Event.ASKED) is State.LISTENING:
            question = protocol.Question(
                text=reply.question or "", turn=self._turn, skill=reply.skill, notice=reply.notice
            )
            await self._ask(question)


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
