"""One answer by voice: the candidate's audio to the recogniser, and the words that come back.

The audio waits in a bounded buffer while a task feeds the recogniser, so a slow engine never
blocks the socket; what does not fit is dropped by `AudioBuffer`'s rule. Finals are kept in order,
with the engine's confidence in their words; the first word's audio time, mapped onto the moment the
relay received it, dates the start of the answer for the candidate's pause.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass

from relay.audio import AudioBuffer, AudioClock
from relay.speech.ports import BYTES_PER_SECOND, Recognition, SpeechToText, SpeechUnavailable, Transcript, Word
from talentcrew.models import MAX_HEARD_WORDS, HeardSoFar, HeardWord

log = logging.getLogger(__name__)

Listener = Callable[["SpokenAnswer", Transcript], Awaitable[None]]


@dataclass(frozen=True)
class Heard:
    """The words the engine heard in an answer and its confidence in them: the answer's own, and those kept
    from before it (a draft across a reconnection, an answer whose turn failed), added together."""

    words: tuple[Word, ...] = ()
    """Where the engine scores words one by one."""
    total: float = 0.0
    """The sum of the confidences of the `scored_words` words scored."""
    scored_words: int = 0

    @property
    def confidence(self) -> float | None:
        """The engine's mean confidence in the words (0-1), each word weighing the same: an engine that
        scores a whole final (Whisper) counts its confidence once per word. None if no final had one."""
        return self.total / self.scored_words if self.scored_words else None

    def __add__(self, later: Heard) -> Heard:
        return Heard(self.words + later.words, self.total + later.total, self.scored_words + later.scored_words)

    def so_far(self) -> HeardSoFar:
        """As the turn service keeps it (with a draft) and takes it (with the answer)."""
        confidence = self.confidence
        return HeardSoFar(
            confidence=round(confidence, 3) if confidence is not None else None,
            scored_words=self.scored_words,
            words=[
                HeardWord(text=word.text[:100], confidence=round(word.confidence, 3))
                for word in self.words[:MAX_HEARD_WORDS]
            ],
        )

    @classmethod
    def kept(cls, so_far: HeardSoFar) -> Heard:
        """What a draft kept, to go on from after a reconnection."""
        words = tuple(Word(word.text, word.confidence) for word in so_far.words)
        if so_far.confidence is None:
            return cls(words)
        return cls(words, so_far.confidence * so_far.scored_words, so_far.scored_words)


class SpokenAnswer:
    def __init__(
        self,
        stt: SpeechToText,
        listener: Listener,
        *,
        buffer_seconds: float,
        keyterms: Sequence[str] = (),
    ) -> None:
        self._stt = stt
        self._listener = listener
        self._keyterms = keyterms
        self._buffer = AudioBuffer(int(buffer_seconds * BYTES_PER_SECOND))
        self._clock = AudioClock(BYTES_PER_SECOND)
        self.finals: list[str] = []
        self.heard = Heard()
        self.first_word_at: float | None = None
        self.failure: SpeechUnavailable | None = None
        self._task = asyncio.create_task(self._run())

    @property
    def text(self) -> str:
        return " ".join(self.finals)

    @property
    def dropped_frames(self) -> int:
        return self._buffer.dropped

    def feed(self, pcm: bytes, received_at: float) -> bool:
        """Queues a frame received at `received_at` (time.monotonic()); False when it was dropped."""
        if self.failure is not None or not self._buffer.put(pcm):
            return False
        self._clock.record(len(pcm), received_at)
        return True

    async def complete(self, timeout: float) -> None:
        """No more audio: waits, at most `timeout` seconds, for the last words to become final."""
        self._buffer.close()
        try:
            await asyncio.wait_for(asyncio.shield(self._task), timeout)
        except TimeoutError:
            log.warning("the recogniser did not finish in %.0f s; the answer keeps the words heard so far", timeout)
            self._task.cancel()

    def abandon(self) -> None:
        self._buffer.close()
        self._task.cancel()

    async def _run(self) -> None:
        try:
            async with self._stt.recognize(self._keyterms) as recognition:
                reader = asyncio.create_task(self._read(recognition))
                try:
                    while (frame := await self._buffer.get()) is not None:
                        await recognition.send(frame)
                    await recognition.finish()
                    await reader
                finally:
                    reader.cancel()
        except SpeechUnavailable as failure:
            log.warning("speech-to-text failed: %s", failure)
            self.failure = failure
            self._buffer.close()

    async def _read(self, recognition: Recognition) -> None:
        async for transcript in recognition.transcripts():
            if transcript.text and self.first_word_at is None:
                self.first_word_at = self._clock.wall_time(transcript.start_seconds)
            if transcript.is_final and transcript.text:
                self._keep(transcript)
            await self._listener(self, transcript)

    def _keep(self, final: Transcript) -> None:
        self.finals.append(final.text)
        if final.words:
            self.heard += Heard(final.words, sum(word.confidence for word in final.words), len(final.words))
        elif final.confidence is not None:
            count = len(final.text.split())
            self.heard += Heard(total=final.confidence * count, scored_words=count)
