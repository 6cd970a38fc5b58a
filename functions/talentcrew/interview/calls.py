"""What the relay and the turn service say to each other: the turn service's three calls.

The turn service alone writes interview state; the relay holds none. It asks where an interview
stands when a candidate connects (`resume`), keeps the words heard so far (`draft`) and sends each
finished answer (`turn`). Every call is idempotent: a retried one records nothing twice. A call
about an interview that no longer stands (erased, its invite revoked) is refused with 410
`interview-withdrawn`, and the relay closes the connection.

An interview that records spoken answers (`Resumed.record`) also gets each answer's audio once its
turn is taken (`recording`, Ogg/Opus): idempotent too, and its failure never stops the interview.

Paths on the turn function: `POST /` (a turn), `POST /resume`, `POST /draft`, `POST /recording`.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import Base64Bytes, BaseModel, ConfigDict, Field, field_validator

from talentcrew.interview.integrity import Telemetry
from talentcrew.models import MAX_HEARD_WORDS, HeardSoFar, HeardWord, Likelihood, LongText

SessionId = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_-]+$")]
Pause = Annotated[float, Field(ge=0, le=3600)]


class TurnRequest(BaseModel):
    """Turn 0 carries no answer and asks for the opening question; turn n carries the answer to question n - 1."""

    model_config = ConfigDict(extra="forbid")

    session_id: SessionId
    turn_index: Annotated[int, Field(ge=0, le=100)]
    answer_text: LongText = ""
    pause_seconds: Pause | None = None
    telemetry: Telemetry | None = None
    transcript_confidence: Likelihood | None = Field(
        default=None, description="A spoken answer: the speech engine's mean confidence in its words (0-1)."
    )
    words: Annotated[list[HeardWord], Field(max_length=MAX_HEARD_WORDS)] = Field(
        default=[], description="A spoken answer's words with the engine's confidence in each (Deepgram's)."
    )
    thinking: bool = Field(
        default=False, description='The candidate asked for time ("Let me think") during this answer.'
    )


Keyterms = Annotated[
    list[str],
    Field(description="Words the next answer is likely to hold, for the speech engine to expect."),
]


class TurnReply(BaseModel):
    turn_index: int
    question: str | None = Field(description="What to ask next; null once the interview is finished.")
    skill: str | None
    finished: bool
    notice: str = Field(default="", description="Something the candidate should be told, e.g. a skill not covered.")
    closing: str = Field(default="", description="Once finished: the interviewer's last words, to say before ending.")
    keyterms: Keyterms = []


class ResumeRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    session_id: SessionId


class Resumed(BaseModel):
    """Where the interview stands: the question to answer now (the opening one is asked on the first
    resume), the turn its answer will be, and the words of that answer kept from an earlier connection."""

    turn_index: int = Field(description="The turn the next answer will be; 0 once finished.")
    question: str | None = Field(description="The question to answer now; null once the interview is finished.")
    skill: str | None = None
    notice: str = ""
    finished: bool
    said: str = Field(default="", description="Words of this answer heard before the candidate reconnected.")
    pause_seconds: Pause | None = Field(default=None, description="The kept answer's pause before its first word.")
    thinking: bool = Field(
        default=False, description='The candidate asked for time ("Let me think") in the kept answer.'
    )
    heard: HeardSoFar = Field(default=HeardSoFar(), description="The engine's confidence in the kept answer's words.")
    keyterms: Keyterms = []
    record: bool = Field(default=False, description="Record each spoken answer and send it (`RecordingRequest`).")


class DraftRequest(BaseModel):
    """The words of answer `turn_index` heard so far; the latest draft replaces the one before."""

    model_config = ConfigDict(extra="forbid")

    session_id: SessionId
    turn_index: Annotated[int, Field(ge=1, le=100)]
    text: LongText
    pause_seconds: Pause | None = None
    thinking: bool = Field(default=False, description='The candidate asked for time ("Let me think") in this answer.')
    heard: HeardSoFar = Field(default=HeardSoFar(), description="The engine's confidence in these words.")


MAX_RECORDING_SECONDS = 15 * 60
"""The longest recording kept of one answer: longer answers keep their first 15 minutes."""
MAX_RECORDING_BYTES = 8 * 1024 * 1024
"""Ogg/Opus as the relay encodes it holds 15 minutes of speech in about 2.6 MiB (bench/recording_bench.py)."""


class RecordingRequest(BaseModel):
    """The recording of answer `turn_index` (Ogg/Opus, 16 kHz mono), sent once its turn is taken."""

    model_config = ConfigDict(extra="forbid")

    session_id: SessionId
    turn_index: Annotated[int, Field(ge=1, le=100)]
    audio: Annotated[Base64Bytes, Field(min_length=1, max_length=MAX_RECORDING_BYTES, description="Base64 Ogg/Opus.")]
    seconds: Annotated[float, Field(gt=0, le=MAX_RECORDING_SECONDS)]

    @field_validator("audio")
    @classmethod
    def _ogg(cls, audio: bytes) -> bytes:
        if not audio.startswith(b"OggS"):
            raise ValueError("the audio must be an Ogg stream")
        return audio
