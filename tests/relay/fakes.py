"""Stand-ins for what the relay talks to, so its protocol is tested in-process, without models or sockets.

- `FakeTurns`: the turn service in memory (questions, answers, drafts, recordings per session), with a switch to
  refuse every call as the real one would (410, 422, unreachable) and a gate that holds turns in flight.
- `FakeSpeech`: speech in and out. The candidate's "audio" says what the engine hears: a frame made by
  `heard()` carries its transcript (and the engine's confidence); any other frame is silence. It records
  the keyterms each recognition was given. Speech out is a few bytes.
- `FakeTimer`: the end-of-answer patience, fired by the test instead of by the clock.

The relay runs on the event loop of Starlette's TestClient, in another thread: the fakes record under
a condition the test waits on (`FakeTurns.wait_for`), never a sleep.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import threading
from collections.abc import AsyncIterator, Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any, Literal, cast

from starlette.testclient import TestClient, WebSocketTestSession
from starlette.websockets import WebSocketDisconnect

from relay.speech.ports import BYTES_PER_SECOND, SpeechUnavailable, Transcript, Word
from relay.turns import TurnFailed, Withdrawn
from talentcrew.auth import TokenKeys, Tokens, public_half
from talentcrew.interview.calls import DraftRequest, RecordingRequest, Resumed, TurnReply, TurnRequest
from talentcrew.models import HeardSoFar
from talentcrew.ports import Store
from tests.conftest import KEYS

WAIT_SECONDS = 10.0
CLOSING = "Thank you for your time."
TICKET_KEY = KEYS["TALENTCREW_TICKET_KEY"]
TICKET_PUBLIC_KEY = public_half(TICKET_KEY)


def question(turn: int) -> str:
    return f"Question {turn}: how would you make this query fast?"


def keyterms(turn: int) -> list[str]:
    """What the fake turn service tells the relay to expect in answer `turn`."""
    return ["PostgreSQL", f"term {turn}"]


@dataclass
class _Interview:
    asked: int = 0  # the turn of the latest question asked
    answers: dict[int, TurnRequest] = field(default_factory=dict)
    drafts: dict[int, DraftRequest] = field(default_factory=dict)
    recordings: dict[int, RecordingRequest] = field(default_factory=dict)


class FakeTurns:
    def __init__(self, length: int = 3) -> None:
        self.length = length
        self.refuse: Literal["withdrawn", "unaskable", "unreachable"] | None = None
        self.gate: threading.Event | None = None
        """While set to an Event not yet set, turns wait for it: an answer stays in flight."""
        self.draft_gate: threading.Event | None = None
        """Likewise for drafts."""
        self.draft_calls: list[DraftRequest] = []
        self.records = False
        """Whether interviews record spoken answers (`Resumed.record`)."""
        self._interviews: dict[str, _Interview] = {}
        self._changed = threading.Condition()

    def interview(self, session_id: str) -> _Interview:
        with self._changed:
            return self._interviews.setdefault(session_id, _Interview())

    def wait_for(self, predicate: Callable[[], bool]) -> None:
        with self._changed:
            assert self._changed.wait_for(predicate, WAIT_SECONDS), "the fake turn service was never told"

    def taken(self, turn: int, session_id: str = "s1") -> TurnRequest:
        """The answer to turn `turn`, once the relay has sent it."""
        interview = self.interview(session_id)
        self.wait_for(lambda: turn in interview.answers)
        return interview.answers[turn]

    def _answer_refusal(self) -> None:
        if self.refuse == "withdrawn":
            raise Withdrawn("the interview no longer stands")
        if self.refuse == "unaskable":
            raise TurnFailed("the turn function answered 422", 422)
        if self.refuse == "unreachable":
            raise TurnFailed("the turn function did not answer")

    async def resume(self, session_id: str) -> Resumed:
        self._answer_refusal()
        with self._changed:
            interview = self._interviews.setdefault(session_id, _Interview())
            if len(interview.answers) >= self.length:
                return Resumed(turn_index=0, question=None, finished=True)
            interview.asked = interview.asked or 1  # the opening question, asked once
            kept = interview.drafts.get(interview.asked)
            return Resumed(
                turn_index=interview.asked,
                question=question(interview.asked),
                skill="Databases",
                finished=False,
                said=kept.text if kept else "",
                pause_seconds=kept.pause_seconds if kept else None,
                thinking=kept.thinking if kept else False,
                heard=kept.heard if kept else HeardSoFar(),
                keyterms=keyterms(interview.asked),
                record=self.records,
            )

    async def take(self, request: TurnRequest) -> TurnReply:
        if self.gate is not None:
            await asyncio.to_thread(self.gate.wait)
        self._answer_refusal()
        with self._changed:
            interview = self._interviews.setdefault(request.session_id, _Interview())
            interview.answers.setdefault(request.turn_index, request)  # idempotent by turn
            interview.drafts.pop(request.turn_index, None)
            finished = request.turn_index >= self.length
            if not finished:
                interview.asked = request.turn_index + 1
            self._changed.notify_all()
        if finished:
            return TurnReply(turn_index=request.turn_index, question=None, skill=None, finished=True, closing=CLOSING)
        next_turn = request.turn_index + 1
        return TurnReply(
            turn_index=next_turn,
            question=question(next_turn),
            skill="Databases",
            finished=False,
            keyterms=keyterms(next_turn),
        )

    async def record(self, request: RecordingRequest) -> None:
        self._answer_refusal()
        with self._changed:
            interview = self._interviews.setdefault(request.session_id, _Interview())
            assert request.turn_index in interview.answers, "a recording came before its answer"
            interview.recordings.setdefault(request.turn_index, request)
            self._changed.notify_all()

    async def draft(self, request: DraftRequest) -> None:
        if self.draft_gate is not None:
            await asyncio.to_thread(self.draft_gate.wait)
        self._answer_refusal()
        with self._changed:
            self.draft_calls.append(request)
            self._interviews.setdefault(request.session_id, _Interview()).drafts[request.turn_index] = request
            self._changed.notify_all()


def heard(
    text: str,
    *,
    final: bool = True,
    pause: bool = False,
    confidence: float | None = None,
    word_confidences: Sequence[float] = (),
) -> bytes:
    """A frame of the candidate's "audio" in which the fake engine hears `text`: scored as a whole
    (`confidence`, as Whisper does) or word by word (`word_confidences`, one per word, as Deepgram does)."""
    said = {"text": text, "final": final, "pause": pause, "confidence": confidence, "words": list(word_confidences)}
    frame = json.dumps(said).encode()
    return frame + b" " * (len(frame) % 2)  # whole PCM16 samples


def silence(seconds: float = 0.1) -> bytes:
    return b"\x00\x00" * int(seconds * BYTES_PER_SECOND / 2)


class _Recognition:
    def __init__(self) -> None:
        self._heard: asyncio.Queue[Transcript | None] = asyncio.Queue()
        self._seconds = 0.0

    async def send(self, pcm: bytes) -> None:
        start, self._seconds = self._seconds, self._seconds + len(pcm) / BYTES_PER_SECOND
        if pcm.startswith(b"{"):
            said = json.loads(pcm)
            scores = said["words"]
            words = tuple(Word(text, score) for text, score in zip(said["text"].split(), scores, strict=bool(scores)))
            confidence = sum(scores) / len(scores) if scores else said["confidence"]
            transcript = Transcript(
                said["text"], said["final"], start, self._seconds, said["pause"], confidence=confidence, words=words
            )
            await self._heard.put(transcript)

    async def finish(self) -> None:
        await self._heard.put(None)

    async def transcripts(self) -> AsyncIterator[Transcript]:
        while (transcript := await self._heard.get()) is not None:
            yield transcript


class FakeSpeech:
    """Both speech ports: hears what `heard()` frames say; speaks AUDIO for any text."""

    name = "fake"
    sample_rate = 24_000
    AUDIO = b"\x01\x00" * 20_000  # 40,000 bytes: two whole frames of 16 KiB to the client and a part

    def __init__(self) -> None:
        self.broken = False  # recognition fails as an engine that cannot be reached
        self.opening: threading.Event | None = None  # while unset, recognitions wait to open
        self.keyterms: list[tuple[str, ...]] = []  # each recognition's, in the order they opened

    @contextlib.asynccontextmanager
    async def recognize(self, keyterms: Sequence[str] = ()) -> AsyncIterator[_Recognition]:
        self.keyterms.append(tuple(keyterms))
        if self.opening is not None:
            await asyncio.to_thread(self.opening.wait)
        if self.broken:
            raise SpeechUnavailable("the fake engine is down")
        yield _Recognition()

    async def speak(self, text: str) -> AsyncIterator[bytes]:
        yield self.AUDIO


class _Pending:
    def __init__(self, callback: Callable[[], None], loop: asyncio.AbstractEventLoop) -> None:
        self.callback, self.loop = callback, loop
        self.cancelled = False

    def cancel(self) -> None:
        self.cancelled = True

    def run(self) -> None:
        if not self.cancelled:
            self.callback()


class FakeTimer:
    """`Services.later` whose delays pass only when the test says so."""

    def __init__(self) -> None:
        self.scheduled: list[_Pending] = []

    def __call__(self, delay: float, callback: Callable[[], None]) -> _Pending:
        pending = _Pending(callback, asyncio.get_running_loop())
        self.scheduled.append(pending)
        return pending

    @property
    def waiting(self) -> list[_Pending]:
        return [pending for pending in self.scheduled if not pending.cancelled]

    def fire(self) -> None:
        """The patience runs out: the one timer still waiting fires."""
        (pending,) = self.waiting
        pending.loop.call_soon_threadsafe(pending.run)


_tickets = Tokens(
    TokenKeys(lambda: "", lambda: TICKET_KEY),
    cast(Store, None),  # issuing a ticket reads no Store
    access_ttl=timedelta(minutes=5),
    ticket_ttl=timedelta(minutes=5),
)


def ticket(session_id: str) -> str:
    return _tickets.issue_relay_ticket(session_id)[0]


@dataclass
class FakeRelay:
    client: TestClient
    turns: FakeTurns
    speech: FakeSpeech
    timer: FakeTimer

    @contextlib.contextmanager
    def connect(self, session_id: str = "s1", mode: str = "text", **start: Any) -> Iterator[WebSocketTestSession]:
        """A connection, admitted with a ticket for `session_id` unless `start` says otherwise."""
        with self.client.websocket_connect(f"/ws/interview/{session_id}") as ws:
            ws.send_json({"type": "start", "mode": mode, "ticket": ticket(session_id), **start})
            yield ws


def receive(ws: WebSocketTestSession) -> dict[str, Any]:
    """The next JSON message (audio frames are skipped); WebSocketDisconnect once the relay closed."""
    while True:
        message = ws.receive()
        if message["type"] == "websocket.close":
            raise WebSocketDisconnect(message.get("code", 1000), message.get("reason", ""))
        if message.get("text") is not None:
            received: dict[str, Any] = json.loads(message["text"])
            return received


def closed(ws: WebSocketTestSession) -> tuple[int, str]:
    """The close code and reason, skipping what comes before the relay closes."""
    while True:
        try:
            receive(ws)
        except WebSocketDisconnect as gone:
            return gone.code, gone.reason or ""
