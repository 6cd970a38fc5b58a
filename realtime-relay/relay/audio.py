"""Small pieces of the audio path: a rate limit, a bounded audio buffer, and the audio-to-wall clock."""

from __future__ import annotations

import array
import asyncio
import math
import sys
import time
from collections import deque

LOUD_RMS = 0.02  # of full scale: speech near a microphone is well above, room noise well below


class RateLimit:
    """Token bucket: refills `rate` units a second and holds at most `burst`."""

    def __init__(self, rate: float, burst: float) -> None:
        self._rate, self._burst = rate, burst
        self._tokens = burst
        self._last = time.monotonic()

    def take(self, amount: float = 1.0) -> bool:
        now = time.monotonic()
        self._tokens = min(self._burst, self._tokens + (now - self._last) * self._rate)
        self._last = now
        if self._tokens < amount:
            return False
        self._tokens -= amount
        return True


class AudioBuffer:
    """Frames waiting for the speech engine, bounded in bytes.

    The rule when the engine falls behind: a frame that does not fit is dropped (and counted), so
    memory never grows with a slow engine; the relay tells the candidate once per answer.
    """

    def __init__(self, max_bytes: int) -> None:
        self._frames: deque[bytes] = deque()
        self._bytes = 0
        self._max = max_bytes
        self._ready = asyncio.Event()
        self._closed = False
        self.dropped = 0

    def put(self, frame: bytes) -> bool:
        if self._closed or self._bytes + len(frame) > self._max:
            self.dropped += 1
            return False
        self._frames.append(frame)
        self._bytes += len(frame)
        self._ready.set()
        return True

    def close(self) -> None:
        """No more frames: `get` returns what is left, then None."""
        self._closed = True
        self._ready.set()

    async def get(self) -> bytes | None:
        while not self._frames:
            if self._closed:
                return None
            self._ready.clear()
            await self._ready.wait()
        frame = self._frames.popleft()
        self._bytes -= len(frame)
        return frame


class AudioClock:
    """Maps seconds of received audio onto the moments the relay received them.

    Engines time words in audio seconds; the candidate's pause is wall-clock time. A client
    streaming steadily needs one checkpoint; each gap or burst in its stream adds one, up to a cap.
    """

    MAX_CHECKPOINTS = 1000
    TOLERANCE_SECONDS = 0.05

    def __init__(self, bytes_per_second: int) -> None:
        self._rate = bytes_per_second
        self._received = 0
        self._checkpoints: list[tuple[float, float]] = []  # (audio seconds, monotonic time)

    def record(self, nbytes: int, received_at: float) -> None:
        """A frame of `nbytes` arrived at `received_at` (time.monotonic())."""
        offset = self._received / self._rate
        self._received += nbytes
        if self._checkpoints:
            last_offset, last_at = self._checkpoints[-1]
            steady = abs(last_at + (offset - last_offset) - received_at) <= self.TOLERANCE_SECONDS
            if steady or len(self._checkpoints) >= self.MAX_CHECKPOINTS:
                return
        self._checkpoints.append((offset, received_at))

    def wall_time(self, audio_seconds: float) -> float:
        """When the relay received the audio at `audio_seconds` (monotonic time)."""
        offset, at = self._checkpoints[0] if self._checkpoints else (0.0, time.monotonic())
        for checkpoint in self._checkpoints:
            if checkpoint[0] > audio_seconds:
                break
            offset, at = checkpoint
        return at + (audio_seconds - offset)


def loud(pcm: bytes) -> bool:
    """Whether a frame of PCM16 holds sound louder than room noise (only asked while a pause lasts)."""
    samples = array.array("h", pcm)  # the standard library's: the relay's image carries no numpy
    if sys.byteorder == "big":
        samples.byteswap()
    return bool(samples) and math.sqrt(sum(s * s for s in samples) / len(samples)) / 32768 > LOUD_RMS
