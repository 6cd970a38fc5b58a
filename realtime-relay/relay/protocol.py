"""The WebSocket's JSON messages, both ways, and the close codes (see README.md)."""

from __future__ import annotations

from enum import IntEnum
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter

from talentcrew.interview.integrity import Telemetry

MAX_TEXT = 20_000
MAX_FRAME_BYTES = 64 * 1024  # any frame, text or audio (2 s of audio)
TTS_FRAME_BYTES = 16 * 1024  # the relay's audio frames to the client


class Close(IntEnum):
    """Close codes: 4xxx, each with a human reason in the close frame."""

    BAD_TICKET = 4401  # missing, malformed, expired or forged ticket
    WRONG_SESSION = 4403  # a valid ticket, for another session
    TAKEN_OVER = 4409  # a newer connection for the same session took over
    ABUSE = 4429  # too many malformed messages, or too many messages too fast
    FINISHED = 4000  # the interview is complete (normal end, after interview_complete)
    UNAVAILABLE = 1011  # the turn function could not be reached to open the interview: reconnect later
    CANNOT_RUN = 4422  # the interview cannot take place as set up (no skill of the job can be asked): final
    WITHDRAWN = 4410  # the recruiter erased the interview or revoked its invite while connected: final


class _Client(BaseModel):
    model_config = ConfigDict(extra="forbid")


Mode = Literal["voice", "text"]


class Start(_Client):
    """Admission (with the ticket, when not in the URL) and the mode; later ones change the mode."""

    type: Literal["start"]
    mode: Mode = "text"
    tts: bool | None = Field(default=None, description="Speak the questions; default: in voice mode only.")
    ticket: str | None = Field(default=None, max_length=2000)


class UserFinishedSpeaking(_Client):
    """The candidate's "done": it always ends the spoken answer."""

    type: Literal["user_finished_speaking"]


class TextMessage(_Client):
    type: Literal["text_message"]
    text: Annotated[str, Field(max_length=MAX_TEXT)]
    pause_seconds: Annotated[float, Field(ge=0, le=3600)] | None = None
    telemetry: Telemetry | None = None


class PlaybackFinished(_Client):
    """The question has been played (or shown): the candidate's pause before answering starts now."""

    type: Literal["playback_finished"]
    turn: int | None = Field(default=None, description="The question's turn; a stale one is ignored.")


class Thinking(_Client):
    """The candidate asked for time ("let me think"), which never counts against them.

    Silence no longer ends this answer (only "done" does), and, if no word of it has been heard
    yet, its pause before answering is not measured. The answer is sent with `thinking`, so the
    recruiter sees that time was asked for (a request before a dropped connection is not kept).
    """

    type: Literal["thinking"]


class ClientEvent(_Client):
    type: Literal["client_event"]
    event: Literal["focus_lost", "focus_regained"]


ClientMessage = Annotated[
    Start | UserFinishedSpeaking | TextMessage | PlaybackFinished | Thinking | ClientEvent, Field(discriminator="type")
]
client_message: TypeAdapter[ClientMessage] = TypeAdapter(ClientMessage)


class Question(BaseModel):
    """The question to answer now. `thinking`: the candidate already asked for time on this answer (a
    question repeated after a reconnection or a reload of the page), so the page shows it still asked for."""

    type: Literal["question"] = "question"
    text: str
    turn: int
    skill: str | None
    notice: str = ""
    thinking: bool = False


class Transcript(BaseModel):
    """What the relay heard: a partial (may still change) or a final stretch of the answer to `turn`."""

    type: Literal["transcript"] = "transcript"
    text: str
    final: bool
    turn: int


class TtsAudio(BaseModel):
    """The question's audio follows as binary frames (mono PCM16 at `sample_rate`) until tts_audio_complete."""

    type: Literal["tts_audio"] = "tts_audio"
    turn: int
    sample_rate: int
    encoding: Literal["linear16"] = "linear16"


class TtsAudioComplete(BaseModel):
    type: Literal["tts_audio_complete"] = "tts_audio_complete"
    turn: int


class Closing(BaseModel):
    """The interviewer's last words, before interview_complete; in voice mode their audio follows (tts_audio with
    `turn`, the one after the last question's)."""

    type: Literal["closing"] = "closing"
    text: str
    turn: int


class InterviewComplete(BaseModel):
    type: Literal["interview_complete"] = "interview_complete"


class Error(BaseModel):
    type: Literal["error"] = "error"
    code: Literal[
        "malformed",  # not a message of the protocol (or audio in text mode)
        "too_long",  # a frame over MAX_FRAME_BYTES
        "too_fast",  # messages or audio faster than the limits
        "busy",  # an answer came while the last one is still being taken
        "nothing_heard",  # "done" with no words heard: answer again, or type
        "audio_dropped",  # the speech engine fell behind: audio beyond the buffer was dropped
        "speech_unavailable",  # speech in or out failed: type the answer / read the question
        "turn_failed",  # the turn could not be taken: send the answer again
        "interview_unavailable",  # the interview cannot take place as set up: reconnecting will not help
        "interview_withdrawn",  # erased, or its invite revoked: nothing more is recorded; reconnecting will not help
    ]
    message: str = Field(description="For the candidate: fixed wording per case, never the server's own error text.")
