"""What a question is: the prompt, the concepts a strong answer shows, the wrong claims candidates make.

The bank's questions and a recruiter's own are both `Askable`; the base models hold them (`Answer`,
`JobQuestion`) and the bank reads its files into them, so this module imports neither.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=3, max_length=4000)]


class Concept(BaseModel):
    """A key concept of an ideal answer, and the words that show an answer touched it."""

    model_config = ConfigDict(extra="forbid")

    name: Text
    terms: Annotated[list[Text], Field(min_length=1)]


Claim = Annotated[str, StringConstraints(strip_whitespace=True, min_length=10, max_length=300)]


class Misconception(BaseModel):
    """A wrong claim candidates really make about a question, what is true instead, and the words that show it.

    The grader compares an answer's sentences with `claim` (by meaning and by `terms`); a match caps the grade
    and the critique says "claims <claim>; in fact <correction>"."""

    model_config = ConfigDict(extra="forbid")

    claim: Claim
    correction: Claim
    terms: Annotated[list[Text], Field(min_length=1)]


class Prompt(BaseModel):
    """A question with what a strong answer says, and the wrong claims candidates make about it."""

    model_config = ConfigDict(extra="forbid")

    question: Text
    rewording: Text | None = Field(
        default=None, description="The same question in other words, for a candidate who asks for it rephrased."
    )
    ideal_answer: Text
    key_concepts: Annotated[list[Concept], Field(min_length=2)]
    misconceptions: list[Misconception] = []


Level = Annotated[int, Field(ge=1, le=3, description="1 junior, 2 mid-level, 3 senior")]


class Askable(Prompt):
    """A question the interview can open a topic with: the bank's, or a recruiter's own for one job."""

    id: Annotated[str, StringConstraints(pattern=r"^[a-z0-9-]+$", max_length=64)]
    level: Level
    follow_ups: list[Prompt] = Field(default=[], max_length=2, description="Drill-down questions, depth 1 and 2.")
