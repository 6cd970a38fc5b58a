"""What the relay and the turn service say to each other: the turn service's three calls.

The turn service alone writes interview state; the relay holds none. It asks where an interview
stands when a candidate connects (`resume`), keeps the words heard so far (`draft`) and sends each
finished answer (`turn`). Every call is idempotent: a retried one records nothing twice. A call
about an interview that no longer stands (erased, its invite revoked) is refused with 410
`interview-withdrawn`, and the relay closes the connection.

Paths on the turn function: `POST /` (a turn), `POST /resume`, `POST /draft`.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from talentcrew.interview.integrity import Telemetry
from talentcrew.models import LongText

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


class TurnReply(BaseModel):
    turn_index: int
    question: str | None = Field(description="What to ask next; null once the interview is finished.")
    skill: str | None
    finished: bool
    notice: str = Field(default="", description="Something the candidate should be told, e.g. a skill not covered.")
    closing: str = Field(default="", description="Once finished: the interviewer's last words, to say before ending.")


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


class DraftRequest(BaseModel):
    """The words of answer `turn_index` heard so far; the latest draft replaces the one before."""

    model_config = ConfigDict(extra="forbid")

    session_id: SessionId
    turn_index: Annotated[int, Field(ge=1, le=100)]
    text: LongText
    pause_seconds: Pause | None = None
