"""The WebSocket's JSON messages, both ways, and the close codes (see README.md)."""

from __future__ import annotations

from enum import IntEnum
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter

from talentcrew.interview.integrity import Telemetry

MAX_TEXT = 20_000
MAX_FRAME_BYTES = 64 * 1024


class Close(IntEnum):
    """Close codes: 4xxx, each with a human reason in the close frame."""

    BAD_TICKET = 4401  # missing, malformed, expired or forged ticket
    WRONG_SESSION = 4403  # a valid ticket, for another session
    TAKEN_OVER = 4409  # a newer connection for the same session took over
    ABUSE = 4429  # too many malformed messages, or too many messages too fast
    FINISHED = 4000  # the interview is complete (normal end, after interview_complete)


class _Client(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Start(_Client):
    type: Literal["start"]
    mode: Literal["voice", "text"] = "text"
    ticket: str | None = Field(default=None, max_length=2000)


class TextMessage(_Client):
    type: Literal["text_message"]
    text: Annotated[str, Field(max_length=MAX_TEXT)]
    pause_seconds: Annotated[float, Field(ge=0, le=3600)] | None = None
    telemetry: Telemetry | None = None


class PlaybackFinished(_Client):
    type: Literal["playback_finished"]


class ClientEvent(_Client):
    type: Literal["client_event"]
    event: Literal["focus_lost", "focus_regained"]


ClientMessage = Annotated[Start | TextMessage | PlaybackFinished | ClientEvent, Field(discriminator="type")]
client_message: TypeAdapter[ClientMessage] = TypeAdapter(ClientMessage)


class Question(BaseModel):
    type: Literal["question"] = "question"
    text: str
    turn: int
    skill: str | None
    notice: str = ""


class InterviewComplete(BaseModel):
    type: Literal["interview_complete"] = "interview_complete"


class Error(BaseModel):
    type: Literal["error"] = "error"
    code: Literal["malformed", "too_long", "too_fast", "turn_failed"]
    message: str
