"""The audio path's small parts: the bounded buffer's drop rule, the audio-to-wall clock, loudness,
and the sender that never waits forever on a client that does not read."""

from __future__ import annotations

import asyncio
from typing import Any

import numpy as np
import pytest

from relay import conversation
from relay.audio import AudioBuffer, AudioClock, RateLimit, loud
from relay.conversation import Sender, SlowClient
from relay.protocol import InterviewComplete, Transcript
from tests.speech_audio import frames, silence, speech

SECOND = 32_000  # bytes of 16 kHz PCM16


def test_the_buffer_drops_what_does_not_fit_and_never_grows() -> None:
    async def scenario() -> tuple[list[bool], list[bytes | None], int]:
        buffer = AudioBuffer(max_bytes=1000)
        accepted = [buffer.put(b"x" * 400) for _ in range(4)]  # the third and fourth do not fit
        got = [await buffer.get(), await buffer.get()]
        accepted.append(buffer.put(b"y" * 400))  # room again
        buffer.close()
        got += [await buffer.get(), await buffer.get()]
        return accepted, got, buffer.dropped

    accepted, got, dropped = asyncio.run(scenario())
    assert accepted == [True, True, False, False, True]
    assert got == [b"x" * 400, b"x" * 400, b"y" * 400, None]
    assert dropped == 2


def test_the_clock_follows_gaps_and_bursts_in_the_stream() -> None:
    clock = AudioClock(SECOND)
    frame = SECOND // 50  # 20 ms
    for i in range(50):  # one second, steadily from t = 100
        clock.record(frame, 100 + i * 0.02)
    for _ in range(50):  # a stall of 2 s, then the next second arrives in one burst at t = 103
        clock.record(frame, 103.0)
    assert clock.wall_time(0.5) == pytest.approx(100.5)
    assert clock.wall_time(1.0) == pytest.approx(103.0)
    assert clock.wall_time(1.5) == pytest.approx(103.0, abs=0.06)


def test_loudness_tells_speech_from_silence() -> None:
    voice = frames(speech("An index on the column."))  # Piper's voice varies run to run: count frames
    assert sum(loud(frame) for frame in voice) > len(voice) / 3
    assert not loud(silence(0.02))
    noise = (np.random.default_rng(1).normal(0, 100, 320)).astype("<i2").tobytes()  # quiet room noise
    assert not loud(noise)


def test_the_rate_limit_allows_a_burst_then_the_rate() -> None:
    limit = RateLimit(rate=0.001, burst=3)
    assert [limit.take() for _ in range(4)] == [True, True, True, False]


class _StuckSocket:
    """A WebSocket whose client stopped reading: every send waits forever."""

    def __init__(self) -> None:
        self.sent: list[Any] = []
        self.stuck = asyncio.Event()

    async def send(self, message: Any) -> None:
        self.sent.append(message)
        self.stuck.set()
        await asyncio.Event().wait()


def test_a_client_that_does_not_read_is_dropped_and_partials_are_not_queued(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(conversation, "SEND_TIMEOUT_SECONDS", 0.2)
    socket = _StuckSocket()
    sender = Sender(socket)  # type: ignore[arg-type]

    async def scenario() -> None:
        final = asyncio.create_task(sender.json(InterviewComplete()))
        await socket.stuck.wait()  # the first frame is being sent and holds the lock
        await sender.json(Transcript(text="partial", final=False, turn=1), droppable=True)  # dropped at once
        with pytest.raises(SlowClient):
            await final
        await sender.json(InterviewComplete())  # after the drop: nothing more is sent

    asyncio.run(scenario())
    assert len(socket.sent) == 1 and not sender.open
