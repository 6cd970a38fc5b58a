"""One whole voice interview end to end: real sockets, the real turn function, the real offline engines
(Whisper and Piper). The protocol's cases run fast on fakes in test_protocol.py.

The candidate is the `websockets` client library streaming speech made by a TTS engine in
real-time 20 ms frames, while a thread collects everything the relay sends back.
"""

from __future__ import annotations

import contextlib
import json
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import ClientConnection

import talentcrew.config
from relay.protocol import Close
from talentcrew.models import Answer
from tests.relay.conftest import World
from tests.speech_audio import frames, onset_seconds, silence, speech

ANSWERS = [
    "I would add a database index on the customer column, so the query stops scanning the whole table.",
    "A cache in front of the service keeps hot results in memory, with a time to live for freshness.",
    "Each request gets a retry with exponential backoff, and the handler is idempotent.",
]
FRAME_SECONDS = 0.02


class Candidate:
    """A candidate's browser: sends audio on a real-time schedule; a thread keeps what the relay sends."""

    def __init__(self, ws: ClientConnection) -> None:
        self.ws = ws
        self.received: list[tuple[float, dict[str, Any] | bytes]] = []
        self.close_code: int | None = None
        self._cursor = 0
        self._arrived = threading.Condition()
        threading.Thread(target=self._collect, daemon=True).start()

    def _collect(self) -> None:
        try:
            while True:
                frame = self.ws.recv()
                message = json.loads(frame) if isinstance(frame, str) else frame
                with self._arrived:
                    self.received.append((time.monotonic(), message))
                    self._arrived.notify_all()
        except ConnectionClosed as closed:
            with self._arrived:
                self.close_code = closed.rcvd.code if closed.rcvd else None
                self._arrived.notify_all()

    def expect(self, kind: str, timeout: float = 60) -> dict[str, Any]:
        """The next message of `kind` after the last one expected (others are skipped, still kept)."""
        deadline = time.monotonic() + timeout
        with self._arrived:
            while True:
                for index in range(self._cursor, len(self.received)):
                    message = self.received[index][1]
                    if isinstance(message, dict) and message["type"] == kind:
                        self._cursor = index + 1
                        return message
                self._cursor = len(self.received)
                assert self.close_code is None, f"closed ({self.close_code}) while waiting for {kind}"
                assert self._arrived.wait(deadline - time.monotonic()), f"no {kind} in {timeout} s"

    def closed(self, timeout: float = 10) -> int | None:
        """The close code, once the relay has closed the connection."""
        with self._arrived:
            self._arrived.wait_for(lambda: self.close_code is not None, timeout)
            return self.close_code

    def since(self, kind: str, start: int = 0) -> list[dict[str, Any]]:
        with self._arrived:
            found = [m for _, m in self.received[start:] if isinstance(m, dict) and m["type"] == kind]
        return found

    def send(self, **message: Any) -> None:
        self.ws.send(json.dumps(message))

    def stream(self, pcm: bytes, until: str | None = None) -> None:
        """Streams `pcm` in real time (20 ms frames on an absolute schedule); stops early on `until`."""
        start, seen = time.monotonic(), len(self.received)
        for index, frame in enumerate(frames(pcm)):
            if until is not None and self.since(until, seen):
                return
            time.sleep(max(0.0, start + index * FRAME_SECONDS - time.monotonic()))
            self.ws.send(frame)

    def question_audio(self, turn: int) -> bytes:
        """The question's speech: the binary frames between its tts_audio and tts_audio_complete."""
        self.expect("tts_audio")
        complete = self.expect("tts_audio_complete")
        assert complete["turn"] == turn
        with self._arrived:
            messages = [m for _, m in self.received]
        begin = max(i for i, m in enumerate(messages) if isinstance(m, dict) and m.get("type") == "tts_audio")
        end = max(i for i, m in enumerate(messages) if isinstance(m, dict) and m.get("type") == "tts_audio_complete")
        return b"".join(m for m in messages[begin:end] if isinstance(m, bytes))


@pytest.fixture
def connections() -> Iterator[contextlib.ExitStack]:
    with contextlib.ExitStack() as stack:
        yield stack


def _voice(world: World, connections: contextlib.ExitStack, session_id: str, token: str) -> Candidate:
    ws = connections.enter_context(world.connect(session_id, world.ticket(session_id, token), mode="voice"))
    return Candidate(ws)


def _answers(session_id: str) -> list[Answer]:
    store = talentcrew.config.platform().store
    return store.query(Answer, where={"session_id": session_id}, order_by="turn_index").items


@pytest.fixture
def interview_length() -> int:
    return 3


def test_a_whole_voice_interview(world: World, connections: contextlib.ExitStack) -> None:
    session_id, token = world.session()
    candidate = _voice(world, connections, session_id, token)
    lead = 0.7  # the candidate thinks this long after the question has played
    for turn, text in enumerate(ANSWERS, start=1):
        question = candidate.expect("question")
        assert question["turn"] == turn and question["text"]
        audio = candidate.question_audio(turn)
        assert len(audio) / 2 / 22_050 > 1.0  # seconds of Piper speech at its own rate
        audio = silence(lead) + speech(text) + silence(0.8)  # made before: synthesis takes time
        candidate.send(type="playback_finished", turn=turn)
        candidate.stream(audio)
        candidate.send(type="user_finished_speaking")
    closing = candidate.expect("closing")
    assert closing["turn"] == len(ANSWERS) + 1 and "Thank you" in closing["text"]
    assert len(candidate.question_audio(closing["turn"])) / 2 / 22_050 > 1.0  # the last words, spoken
    assert candidate.expect("interview_complete") == {"type": "interview_complete"}
    for turn in range(1, len(ANSWERS) + 1):
        heard = [t for t in candidate.since("transcript") if t["turn"] == turn]
        assert any(not t["final"] for t in heard), "partials come while the candidate speaks"
        assert any(t["final"] for t in heard)
    assert candidate.closed() == Close.FINISHED
    answers = _answers(session_id)
    assert [a.turn_index for a in answers] == [1, 2, 3]
    for answer, text in zip(answers, ANSWERS, strict=True):
        said = answer.candidate_answer.lower()
        assert sum(word in said for word in ("index", "cache", "retry", "memory", "database", "backoff")) >= 1, said
        expected_pause = lead + onset_seconds(speech(text))
        assert answer.pause_seconds is not None
        assert abs(answer.pause_seconds - expected_pause) < 0.3, (answer.pause_seconds, expected_pause)
