"""The Brain port: grades one answer and words the candidate next questions, in one call.

The brain never decides the interview's structure. The policy (`interview.policy`) tells it what
may come next (a drill-down on the same topic, a pivot to a named skill, or the same question
rephrased); the brain words each of those, and the policy picks one from the grade. Candidate
text is data: adapters fence it and label it so, and nothing in it can raise a score.
"""

from __future__ import annotations

from typing import Annotated, Any, Protocol

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from talentcrew.models import Grade, Rubric, confidence
from talentcrew.questions import Prompt

Line = Annotated[str, StringConstraints(max_length=2000)]


class Exchange(BaseModel):
    """An earlier question and answer of the same interview (the brain sees the last three, without
    their scores, so an earlier grade cannot anchor the next)."""

    question: str
    answer: str


class Target(BaseModel):
    """A question the policy may ask next, for the brain to word.

    `reference` is the bank's question (and what a strong answer says); None means the bank has
    nothing for this skill and a brain that writes questions must write one.
    """

    skill: str
    reference: Prompt | None = None


class TurnContext(BaseModel):
    rubric: Rubric
    skill: str
    question: str
    reference: Prompt | None = Field(description="The bank entry behind the question, when there is one.")
    answer: str
    pause_seconds: float | None = None
    history: list[Exchange] = []
    drill: Target | None = Field(default=None, description="A deeper question on the same topic, if one may follow.")
    pivot: Target | None = Field(default=None, description="The next skill's question, if the interview goes on.")


SAID = (
    "understanding_score",
    "explainability_score",
    "evidence",
    "critique",
    "ideal_answer",
    "off_topic",
    "needs_clarification",
    "cheating_suspected",
    "bias_flag",
)
"""What every brain must say outright: required in the JSON schema, and a reply without one is malformed."""


def _require_said(schema: dict[str, Any]) -> None:
    schema["required"] = [name for name in schema.get("properties", {}) if name in SAID]


class TurnResult(Grade):
    """The brain's whole answer for one turn: the grade, its own integrity observation, and the wording of each
    possible next question. This model is also the JSON schema the Gemini brain must answer in.
    """

    model_config = ConfigDict(extra="ignore", json_schema_extra=_require_said)

    cheating_suspected: bool = Field(default=False, description="Signs of reading a prepared or generated answer.")
    cheating_reason: Line = ""
    drill_question: Line = Field(default="", description="The deeper follow-up question, if a drill target was given.")
    pivot_question: Line = Field(default="", description="The next skill's question, if a pivot target was given.")
    rephrased_question: Line = Field(default="", description="The current question, asked another way.")

    @model_validator(mode="before")
    @classmethod
    def _all_said(cls, data: Any) -> Any:
        missing = [name for name in SAID if isinstance(data, dict) and name not in data]
        if missing:
            raise ValueError(f"a brain's reply must say {', '.join(missing)}")
        return data

    @property
    def confidence_score(self) -> int:
        return confidence(self)

    def grade(self) -> Grade:
        """The grade alone, as an `Answer` stores it."""
        return Grade.model_validate(self.model_dump(include=set(Grade.model_fields)))


class Brain(Protocol):
    name: str
    model: str
    prompt_version: str
    writes_questions: bool
    """Whether it can word a question for a skill the bank lacks (the offline brain cannot)."""

    def grade(self, context: TurnContext) -> TurnResult: ...

    def opening(self, rubric: Rubric, target: Target) -> str:
        """The wording of a skill's first question (the bank's own, or one it writes)."""
        ...
