"""The Brain port: grades one answer and words the candidate next questions, in one call.

The brain never decides the interview's structure. The policy (`interview.policy`) tells it what
may come next (a drill-down on the same topic, a pivot to a named skill, or the same question
rephrased); the brain words each of those, and the policy picks one from the grade. Candidate
text is data: adapters fence it and label it so, and nothing in it can raise a score.
"""

from __future__ import annotations

from typing import Annotated, Protocol

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from talentcrew.interview.bank import Prompt
from talentcrew.models import Rubric, Score

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


class TurnResult(BaseModel):
    """The brain's whole answer for one turn: the grade, and the wording of each possible next question.

    This model is also the JSON schema the Gemini brain must answer in.
    """

    model_config = ConfigDict(extra="ignore")

    understanding_score: Score = Field(description="Technical correctness and depth, 1-10.")
    explainability_score: Score = Field(description="Clarity of the explanation, 1-10.")
    evidence: Line = Field(description="An exact quote from the answer that supports the scores.")
    critique: Line = Field(description="What was missing or wrong, addressed to the recruiter.")
    ideal_answer: Line = Field(description="What a strong answer would have said.")
    concepts_missed: Annotated[list[Annotated[str, StringConstraints(max_length=200)]], Field(max_length=10)] = []
    off_topic: bool = Field(description="The answer does not address the question.")
    needs_clarification: bool = Field(description="The candidate asked for, or clearly needs, the question rephrased.")
    cheating_suspected: bool = Field(description="Signs of reading a prepared or generated answer.")
    cheating_reason: Line = ""
    bias_flag: bool = Field(description="The question or this grading may disadvantage the candidate unfairly.")
    bias_reason: Line = ""
    needs_human_grade: bool = Field(
        default=False, description="The answer could not be graded automatically; a person must grade it."
    )
    drill_question: Line = Field(default="", description="The deeper follow-up question, if a drill target was given.")
    pivot_question: Line = Field(default="", description="The next skill's question, if a pivot target was given.")
    rephrased_question: Line = Field(default="", description="The current question, asked another way.")

    @property
    def confidence_score(self) -> int:
        """The prototype's per-answer score: the mean of the two, rounded half up."""
        return (self.understanding_score + self.explainability_score + 1) // 2


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
