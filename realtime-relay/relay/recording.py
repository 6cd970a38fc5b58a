"""One spoken answer's recording, for an interview that records them (`Resumed.record`): Ogg/Opus, 16 kHz mono.

The candidate's audio is encoded while it arrives, a second at a time in a worker thread, so ending
the answer waits for none of it: the relay takes the turn first, and only then does a tracked task
encode the last second, close the stream and send it to the turn service (`deliver`). A recording
that fails to encode or to arrive is logged and lost; the interview goes on. A recording keeps the
answer's first MAX_RECORDING_SECONDS (15 minutes, about 2.6 MiB); later audio of that answer is not kept.

soundfile (libsndfile inside its wheel; it brings numpy) is imported by the worker on first use, so
a relay whose interviews never record never loads it.
"""

from __future__ import annotations

import asyncio
import base64
import io
import logging
from typing import Any

from relay.speech.ports import BYTES_PER_SECOND, SAMPLE_RATE
from relay.turns import TurnFailed, TurnService, Withdrawn
from talentcrew.interview.calls import MAX_RECORDING_SECONDS, RecordingRequest

log = logging.getLogger(__name__)

CHUNK_BYTES = BYTES_PER_SECOND  # encoded a second at a time
MAX_BYTES = MAX_RECORDING_SECONDS * BYTES_PER_SECOND


class Recording:
    """The PCM16 audio of one answer, fed frame by frame, encoded as it comes."""

    def __init__(self) -> None:
        self._pending = bytearray()
        self._kept = 0
        self._chunks: asyncio.Queue[bytes | None] = asyncio.Queue()
        self._out = io.BytesIO()
        self._file: Any = None  # a soundfile.SoundFile, opened by the worker with the first chunk
        self._encoder = asyncio.create_task(self._encode())

    @property
    def seconds(self) -> float:
        return self._kept / BYTES_PER_SECOND

    def feed(self, pcm: bytes) -> None:
        """Keeps `pcm` (whole samples) unless the recording is full."""
        kept = pcm[: MAX_BYTES - self._kept]
        if not kept:
            return
        if self._kept + len(kept) == MAX_BYTES:
            log.info("recording full at %d s: the rest of the answer is not recorded", MAX_RECORDING_SECONDS)
        self._kept += len(kept)
        self._pending += kept
        if len(self._pending) >= CHUNK_BYTES:
            self._chunks.put_nowait(bytes(self._pending))
            self._pending.clear()

    async def finish(self) -> bytes:
        """The whole Ogg stream once the last audio is encoded; empty if there was none, or encoding failed."""
        if self._pending:
            self._chunks.put_nowait(bytes(self._pending))
            self._pending.clear()
        self._chunks.put_nowait(None)
        return await self._encoder

    def abandon(self) -> None:
        """The answer was never taken: nothing is sent."""
        self._encoder.cancel()

    async def _encode(self) -> bytes:
        try:
            while (chunk := await self._chunks.get()) is not None:
                await asyncio.to_thread(self._write, chunk)
            return await asyncio.to_thread(self._close)
        except Exception:  # a recording is a review aid: losing one must never touch the interview
            log.exception("the answer's recording could not be encoded")
            return b""

    def _write(self, pcm: bytes) -> None:
        if self._file is None:
            import soundfile  # type: ignore[import-untyped]

            self._file = soundfile.SoundFile(
                self._out, "w", samplerate=SAMPLE_RATE, channels=1, format="OGG", subtype="OPUS"
            )
        self._file.buffer_write(pcm, dtype="int16")

    def _close(self) -> bytes:
        if self._file is None:
            return b""
        self._file.close()
        return self._out.getvalue()


async def deliver(recording: Recording, turns: TurnService, session_id: str, turn_index: int) -> None:
    """Encodes what is left and sends the recording of answer `turn_index`, whose turn was taken."""
    audio = await recording.finish()
    if not audio:
        return
    request = RecordingRequest(
        session_id=session_id, turn_index=turn_index, audio=base64.b64encode(audio), seconds=recording.seconds
    )
    try:
        await turns.record(request)
    except (TurnFailed, Withdrawn) as failed:
        log.warning("recording of answer %d not kept: %s", turn_index, failed, extra={"session_id": session_id})
        return
    log.info("recording of answer %d kept (%d bytes)", turn_index, len(audio), extra={"session_id": session_id})
