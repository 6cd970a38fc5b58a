"""The relay's speech ports: audio in → words, words → audio out.

Audio in is always 16 kHz mono PCM16 (the WebSocket's binary frames). Audio out is mono PCM16 at
the engine's own rate, which the relay announces to the client before the first frame.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from typing import Literal, Protocol

SAMPLE_RATE = 16_000  # of the candidate's audio
BYTES_PER_SECOND = SAMPLE_RATE * 2
WhisperModelName = Literal["tiny.en", "base"]  # the offline recogniser's models: the settings pick one


class SpeechUnavailable(RuntimeError):
    """The speech engine could not be reached or failed mid-stream; the candidate may type instead."""


@dataclass(frozen=True)
class Word:
    """One word as the engine heard it, with its confidence (0-1)."""

    text: str
    confidence: float


@dataclass(frozen=True)
class Transcript:
    """Words heard in one stretch of the candidate's audio.

    Times are seconds of audio from the start of the recognition (not wall-clock time), so the
    relay can map them onto the moments it received the audio. A partial (`is_final=False`) may
    still change and is replaced by the next transcript of the same stretch; a final never changes.
    `pause_detected` is the engine's endpointing: it heard the speaker stop. That only *proposes*
    the end of the answer; the relay decides, with patience. `confidence` is the engine's mean
    confidence in the words (0-1; None when it gives none) and `words` each word's, where the engine
    scores words one by one (Deepgram); Whisper scores a stretch as a whole, so its `words` are empty.
    """

    text: str
    is_final: bool
    start_seconds: float
    end_seconds: float
    pause_detected: bool = False
    confidence: float | None = None
    words: tuple[Word, ...] = ()


class Recognition(Protocol):
    """One live recognition of one answer's audio."""

    async def send(self, pcm: bytes) -> None:
        """Feeds audio: 16 kHz mono PCM16, any whole number of samples. Must not block for long."""
        ...

    async def finish(self) -> None:
        """No more audio is coming: transcribe what is left; `transcripts()` ends after the last final."""
        ...

    def transcripts(self) -> AsyncIterator[Transcript]:
        """Partials and finals as they come; ends after `finish()` once everything is final."""
        ...


class SpeechToText(Protocol):
    name: str

    def recognize(self, keyterms: Sequence[str] = ()) -> AbstractAsyncContextManager[Recognition]:
        """Opens a recognition; leaving the context releases it (closing any connection).

        `keyterms` are words this answer is likely to hold (the rubric's skills, the question's
        concepts): the engine is told to expect them, so "Kubernetes" is not heard as "cooper nettis".
        """
        ...


class TextToSpeech(Protocol):
    name: str
    sample_rate: int

    def speak(self, text: str) -> AsyncIterator[bytes]:
        """The spoken text as mono PCM16 chunks at `sample_rate`, the first as soon as it is ready."""
        ...
