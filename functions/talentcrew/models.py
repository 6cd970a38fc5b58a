"""The domain's models: one pydantic model per concept.

The same classes are API bodies, stored documents and (for `Grade`-like parts of `Answer`) the
LLM's response schema. A stored model subclasses `Document`, which names its collection and
carries its id; adapters persist `model_dump(mode="json")` and read back with `model_validate`.
"""

from __future__ import annotations

import time
import uuid
from datetime import UTC, datetime
from enum import StrEnum
from typing import Annotated, Any, ClassVar

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    EmailStr,
    Field,
    HttpUrl,
    PlainSerializer,
    StringConstraints,
    field_validator,
    model_validator,
)

from talentcrew.questions import Askable, Level, Prompt


def utcnow() -> datetime:
    """The server's clock, in UTC: every stored timestamp comes from here."""
    return datetime.now(UTC)


def new_id() -> str:
    return str(uuid.uuid4())


def sortable_id() -> str:
    """Ids that sort by creation time (nanoseconds, then randomness): keyset order for logs."""
    return f"{time.time_ns():020d}-{uuid.uuid4().hex[:12]}"


_USER_IDS = uuid.UUID("5f0c7a52-8d7e-4a43-9a51-2f3d7c1f0e11")


def user_id_for(email: str) -> str:
    """A recruiter's id follows from the email: sign-up is create-if-absent, login a direct get."""
    return str(uuid.uuid5(_USER_IDS, email.strip().lower()))


def _to_utc(value: datetime) -> datetime:
    if value.tzinfo is None:
        raise ValueError("timestamp must carry a timezone")
    return value.astimezone(UTC)


def timestamp_text(value: datetime) -> str:
    """Fixed-width ISO 8601 with microseconds: stored timestamps sort as strings in every Store,
    and this is the form to compare them with (a keyset `after`, say)."""
    return _to_utc(value).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


Timestamp = Annotated[
    datetime,
    AfterValidator(_to_utc),
    PlainSerializer(timestamp_text, return_type=str, when_used="json"),
]

ShortText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
LongText = Annotated[str, StringConstraints(max_length=20_000)]
Score = Annotated[int, Field(ge=1, le=10)]


class Document(BaseModel):
    """A stored model: `collection` is its top-level collection, `id` its document id."""

    model_config = ConfigDict(extra="forbid")

    collection: ClassVar[str]
    id: str = Field(default_factory=new_id, pattern=r"^[^/]{1,1500}$")  # Firestore: no "/" in a document id


class User(Document):
    """A recruiter account (its password lives apart, as a `talentcrew.auth.Credential`)."""

    collection: ClassVar[str] = "users"

    email: EmailStr
    full_name: ShortText
    company_name: Annotated[str, StringConstraints(strip_whitespace=True, max_length=200)] = Field(
        default="", description="As typed at sign-up: the name of the account's first workspace."
    )
    retention_days: Annotated[int, Field(ge=30, le=3650)] | None = Field(
        default=None,
        description="Set before workspaces, and moved into the account's workspace of one; the workspace's own "
        "`retention_days` is the one that counts.",
    )
    workspace_id: str | None = Field(default=None, description="The workspace the account is working in.")
    created_at: Timestamp = Field(default_factory=utcnow)

    @field_validator("email")
    @classmethod
    def _lower_email(cls, value: str) -> str:
        return value.lower()


class ExperienceLevel(StrEnum):
    JUNIOR = "Junior"
    MID = "Mid-Level"
    SENIOR = "Senior"
    STAFF = "Staff"


def _distinct(values: list[str]) -> list[str]:
    seen = {v.casefold() for v in values}
    if len(seen) != len(values):
        raise ValueError("entries must be distinct")
    return values


SkillList = Annotated[list[ShortText], AfterValidator(_distinct)]


class Rubric(BaseModel):
    """What the interview must cover and how it is judged (the prototype's rubric_template)."""

    model_config = ConfigDict(extra="forbid")

    languages: Annotated[SkillList, Field(min_length=1, max_length=10)]
    core_skills: Annotated[SkillList, Field(min_length=1, max_length=12)]
    experience_level: ExperienceLevel
    evaluation_focus: Annotated[SkillList, Field(min_length=1, max_length=8)]


def _http_url(value: str) -> str:
    """A webhook URL is an http(s) URL; where webhooks may go (https, public addresses) depends on the deployment
    and is `talentcrew.webhooks.check_destination`'s to say, when a job is saved and when one is sent.

    The URL is checked as an http URL but kept as written, so what is stored is what was given.
    """
    HttpUrl(value)
    return value


WebhookUrl = Annotated[str, StringConstraints(max_length=2000), AfterValidator(_http_url)]
HireThreshold = Annotated[int, Field(ge=0, le=100, description="Score (0-100) at or above which HIRE is recommended.")]


def _gradable(prompt: Prompt, where: str) -> list[str]:
    """What would make a recruiter's question ungradable: a key concept no correct answer could be credited with
    (none of its terms in the ideal answer), or a misconception whose words the ideal answer itself uses."""
    ideal = prompt.ideal_answer.casefold()
    problems = [
        f"{where}: key concept {concept.name!r} has no term that occurs in the ideal answer"
        for concept in prompt.key_concepts
        if not any(term.casefold() in ideal for term in concept.terms)
    ]
    problems += [
        f"{where}: misconception term {term!r} occurs in the ideal answer"
        for wrong in prompt.misconceptions
        for term in wrong.terms
        if term.casefold() in ideal
    ]
    if len(prompt.ideal_answer.split()) < MIN_IDEAL_WORDS:
        problems.append(f"{where}: the ideal answer needs at least {MIN_IDEAL_WORDS} words to grade against")
    return problems


MIN_IDEAL_WORDS = 10


class QuestionDraft(Prompt):
    """A recruiter's own question for one of the job's skills, asked and graded exactly like the bank's."""

    skill: ShortText = Field(description="The rubric's core skill it is asked for, as the rubric names it.")
    level: Level
    follow_ups: list[Prompt] = Field(default=[], max_length=2, description="Drill-down questions, depth 1 and 2.")

    @model_validator(mode="after")
    def _can_be_graded(self) -> QuestionDraft:
        problems = _gradable(self, "question")
        for depth, follow_up in enumerate(self.follow_ups, start=1):
            problems += _gradable(follow_up, f"follow-up {depth}")
        if problems:
            raise ValueError("; ".join(problems))
        return self


def custom_question_id() -> str:
    return f"custom-{uuid.uuid4().hex[:12]}"


class JobQuestion(Askable):
    """A recruiter's question as the job keeps it (with its id, the same field names as the bank's)."""

    id: str = Field(default_factory=custom_question_id, pattern=r"^custom-[a-z0-9]+$")
    skill: ShortText


MAX_OWN_QUESTIONS = 60
InterviewLength = Annotated[int, Field(ge=3, le=12, description="Graded answers per interview.")]
DEFAULT_INTERVIEW_LENGTH = 6


def check_questions(rubric: Rubric, questions: list[JobQuestion] | list[QuestionDraft]) -> None:
    """Each of a job's own questions names one of its rubric's core skills."""
    skills = {skill.casefold() for skill in rubric.core_skills}
    strays = sorted({q.skill for q in questions if q.skill.casefold() not in skills})
    if strays:
        raise ValueError(
            f"a question must be for one of the job's core skills ({', '.join(rubric.core_skills)}), "
            f"not {', '.join(strays)}"
        )


class Job(Document):
    collection: ClassVar[str] = "jobs"

    owner_id: str
    title: ShortText
    stack: Annotated[SkillList, Field(max_length=20)] = []
    rubric_template: Rubric
    rubric_version: Annotated[int, Field(ge=1)] = 1
    hire_threshold: HireThreshold = 70
    webhook_url: WebhookUrl | None = Field(default=None, description="Told when a scorecard is ready.")
    webhook_secret: str | None = Field(
        default=None,
        description="Signs the webhook's notifications (HMAC-SHA256); made when a webhook URL is set, shown to the "
        "owner only when the job is created and when the secret is rotated.",
    )
    interview_length: InterviewLength = DEFAULT_INTERVIEW_LENGTH
    record_answers: bool = Field(
        default=False,
        description="Record each spoken answer (Ogg/Opus) for review beside its transcript; candidates invited while "
        "it is on are told so.",
    )
    questions: Annotated[list[JobQuestion], Field(max_length=MAX_OWN_QUESTIONS)] = Field(
        default=[], description="The recruiter's own questions; a change is a new rubric version."
    )
    created_at: Timestamp = Field(default_factory=utcnow)

    @model_validator(mode="after")
    def _questions_fit(self) -> Job:
        check_questions(self.rubric_template, self.questions)
        return self


class Stage(StrEnum):
    INVITED = "invited"
    INTRO = "intro"
    TECHNICAL = "technical"
    COMPLETED = "completed"


class Recommendation(StrEnum):
    HIRE = "HIRE"
    REJECT = "REJECT"


class Provenance(BaseModel):
    """What produced a score, so any score can be traced and re-audited."""

    model_config = ConfigDict(extra="forbid")

    rubric_version: int
    question_bank_version: str
    brain: str
    model: str
    prompt_version: str


class InterviewSession(Document):
    collection: ClassVar[str] = "sessions"

    job_id: str
    owner_id: str
    candidate_name: ShortText
    candidate_email: EmailStr
    stage: Stage = Stage.INVITED
    is_completed: bool = False
    overall_score: Annotated[int, Field(ge=0, le=100)] | None = None
    recommendation: Recommendation | None = None
    max_questions: Annotated[int, Field(ge=1, le=50)]
    record_answers: bool = Field(
        default=False,
        description="Its job's setting when the candidate was invited: what the consent notice said, and so whether "
        "spoken answers are recorded.",
    )
    report_object: str | None = None
    provenance: Provenance | None = None
    final_decision: Recommendation | None = Field(
        default=None, description="The recruiter's decision, which may differ from the recommendation."
    )
    decision_note: Annotated[str, StringConstraints(max_length=2000)] = ""
    decided_by: str | None = None
    decided_at: Timestamp | None = None
    created_at: Timestamp = Field(default_factory=utcnow)
    started_at: Timestamp | None = None
    ended_at: Timestamp | None = None


class Question(Document):
    """A question as asked at one turn: what was said, and what the policy knew about it."""

    collection: ClassVar[str] = "questions"

    session_id: str
    owner_id: str
    turn_index: int
    skill: str
    depth: int
    bank_question_id: str | None = Field(description="The bank's question, or the job's own (custom-...).")
    reference: Prompt | None
    wording: str = Field(description="The question itself, as the bank or the brain worded it.")
    text: str = Field(description="What the candidate is told: the wording in its phrase (a pivot, a drill...).")
    rephrased: bool = False
    notice: str = ""
    asked_at: Timestamp = Field(default_factory=utcnow)


def answer_id(session_id: str, turn_index: int) -> str:
    """Deterministic: a repeated turn message writes the same answer, never a second one."""
    return f"{session_id}-{turn_index:03d}"


def recording_name(session_id: str, turn_index: int) -> str:
    """Where the recording of an answer is kept in Blobs: known from the answer alone, so an erasure finds it."""
    return f"recordings/{session_id}/{turn_index:03d}.ogg"


GradeLine = Annotated[str, StringConstraints(max_length=2000)]
ConceptName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]


class Grade(BaseModel):
    """One answer's grade, one field per concept: what every brain returns (`TurnResult`, the Gemini response
    schema, is built on it) and what an `Answer` stores."""

    understanding_score: Score = Field(description="Technical correctness and depth, 1-10.")
    explainability_score: Score = Field(description="Clarity of the explanation, 1-10.")
    evidence: GradeLine = Field(default="", description="An exact quote from the answer that supports the scores.")
    critique: GradeLine = Field(default="", description="What was missing or wrong, addressed to the recruiter.")
    ideal_answer: GradeLine = Field(default="", description="What a strong answer would have said.")
    concepts_missed: Annotated[list[ConceptName], Field(max_length=10)] = []
    off_topic: bool = Field(default=False, description="The answer does not address the question.")
    needs_clarification: bool = Field(
        default=False, description="The candidate asked for, or clearly needs, the question rephrased: not scored."
    )
    needs_human_grade: bool = Field(
        default=False, description="The answer could not be graded automatically: not scored until a person does."
    )
    bias_flag: bool = Field(
        default=False, description="The question or this grading may disadvantage the candidate unfairly."
    )
    bias_reason: GradeLine = ""


def confidence(grade: Grade) -> int:
    """The prototype's per-answer score: the mean of understanding and explainability, rounded half up."""
    return (grade.understanding_score + grade.explainability_score + 1) // 2


Likelihood = Annotated[float, Field(ge=0, le=1)]
MAX_HEARD_WORDS = 5000  # an answer of 20,000 characters (LongText) holds no more words than this

TRANSCRIPT_CHECK_BELOW = 0.7
"""A spoken answer heard with a mean confidence below this is marked for a person to check its transcript. Clear
speech scores about 0.9 or more on Deepgram (and in Whisper's exp(mean log-probability), a similar 0-1 scale); a
mean under 0.7 means many words were guesses, enough that the grade may rest on words never said."""


class HeardWord(BaseModel):
    """One word of a spoken answer as the speech engine heard it, and how sure it was (0-1)."""

    model_config = ConfigDict(extra="forbid")

    text: Annotated[str, StringConstraints(max_length=100)]
    confidence: Likelihood


class HeardSoFar(BaseModel):
    """The speech engine's confidence in the words of an answer not yet given, kept with its draft so that a
    reconnection still knows how sure the engine was of the words said before it."""

    model_config = ConfigDict(extra="forbid")

    confidence: Likelihood | None = Field(default=None, description="The mean over `scored_words` words.")
    scored_words: Annotated[int, Field(ge=0)] = 0
    words: Annotated[list[HeardWord], Field(max_length=MAX_HEARD_WORDS)] = Field(
        default=[], description="The words the engine scored one by one (Deepgram's)."
    )


class Answer(Document, Grade):
    """One graded exchange (the prototype's PerAnswerMetric): the grade, and what it grades."""

    collection: ClassVar[str] = "answers"

    session_id: str
    owner_id: str
    job_id: str | None = Field(
        default=None, description="The session's job, so drift and analytics group answers by job without a join."
    )
    turn_index: Annotated[int, Field(ge=0, le=999)]
    skill: ShortText
    drill_depth: Annotated[int, Field(ge=0)] = 0
    question_asked: LongText
    candidate_answer: LongText
    confidence_score: Score
    is_cheating_suspected: bool = False
    cheating_reasons: list[str] = []
    pause_seconds: Annotated[float, Field(ge=0)] | None = None
    asked_for_time: bool = Field(
        default=False,
        description='The candidate asked for time ("Let me think"), which is never counted as a pause: asked '
        "before the first word, no pause was measured and no pause rule judged the answer.",
    )
    recording_object: str | None = Field(
        default=None, description="The spoken answer's recording in Blobs (audio/ogg), when its session records."
    )
    recording_seconds: Annotated[float, Field(ge=0)] | None = None
    transcript_confidence: Likelihood | None = Field(
        default=None, description="The speech engine's mean confidence in the spoken words (0-1); null if typed."
    )
    heard_words: Annotated[list[HeardWord], Field(max_length=MAX_HEARD_WORDS)] = Field(
        default=[], description="The spoken words with the engine's confidence in each, where it scores words."
    )
    transcript_check: bool = Field(
        default=False,
        description=f"Heard with a mean confidence below {TRANSCRIPT_CHECK_BELOW}: a person should check the "
        "transcript against what was said before trusting the grade.",
    )
    provenance: Provenance
    asked_at: Timestamp
    answered_at: Timestamp = Field(default_factory=utcnow)


class AnswerDraft(Document):
    """What the candidate has said so far in an answer not yet given, kept by the turn service (POST /draft).

    A dropped connection loses nothing: the reconnection picks up these words (id = the answer's
    id). The turn that records the answer deletes its draft.
    """

    collection: ClassVar[str] = "answer_drafts"

    session_id: str
    turn_index: Annotated[int, Field(ge=0, le=999)]
    text: LongText = ""
    pause_seconds: Annotated[float, Field(ge=0)] | None = None
    thinking: bool = False  # the candidate asked for time ("Let me think") during this answer
    heard: HeardSoFar = Field(default_factory=HeardSoFar)
    updated_at: Timestamp = Field(default_factory=utcnow)


class SignalKind(StrEnum):
    LONG_PAUSE = "long_pause"
    UNIFORM_PAUSES = "uniform_pauses"
    FLUENCY_SPIKE = "fluency_spike"
    TEXTBOOK_ANSWER = "textbook_answer"
    IDEAL_SIMILARITY = "ideal_similarity"
    PASTE = "paste"
    FOCUS_LOST = "focus_lost"
    TYPING_CADENCE = "typing_cadence"


class IntegritySignal(Document):
    """An observation for a human to review; it never rejects anyone by itself."""

    collection: ClassVar[str] = "integrity_signals"

    session_id: str
    owner_id: str
    turn_index: Annotated[int, Field(ge=0)]
    kind: SignalKind
    strength: Annotated[float, Field(ge=0, le=1, description="How strongly it points at outside help, 0-1.")] = 0.5
    reason: Annotated[str, StringConstraints(min_length=1, max_length=1000)]
    detail: dict[str, Any] = {}
    observed_at: Timestamp = Field(default_factory=utcnow)


class Sex(StrEnum):
    """The categories of NYC Local Law 144's bias audits (and the EEO-1 report)."""

    FEMALE = "female"
    MALE = "male"


class RaceEthnicity(StrEnum):
    """The EEO-1 race/ethnicity categories that LL144 audits use."""

    HISPANIC_OR_LATINO = "Hispanic or Latino"
    WHITE = "White"
    BLACK = "Black or African American"
    NATIVE_HAWAIIAN_OR_PACIFIC_ISLANDER = "Native Hawaiian or Other Pacific Islander"
    ASIAN = "Asian"
    AMERICAN_INDIAN_OR_ALASKA_NATIVE = "American Indian or Alaska Native"
    TWO_OR_MORE = "Two or More Races"


class SelfIdentification(Document):
    """What a candidate chose to say about themselves, for the bias audit only (id = the session's).

    Optional and separate: nothing that grades or decides reads it (an architecture test keeps the
    interview package from importing it), recruiters never see one person's record, and the audit
    reports only groups large enough not to single anyone out. Leaving a field out is declining.
    """

    collection: ClassVar[str] = "self_identifications"

    session_id: str
    owner_id: str
    job_id: str
    sex: Sex | None = None
    race_ethnicity: RaceEthnicity | None = None
    recorded_at: Timestamp = Field(default_factory=utcnow)


class FlagKind(StrEnum):
    INTEGRITY = "integrity"
    BIAS = "bias"


class ReviewOutcome(StrEnum):
    UPHELD = "upheld"
    DISMISSED = "dismissed"


class Review(Document):
    """A recruiter's verdict on one flag: an answer's integrity or bias flag, or a signal.

    One per flag (the id names it); reviewing again replaces the verdict, and the audit trail
    keeps every change.
    """

    collection: ClassVar[str] = "reviews"

    session_id: str
    owner_id: str
    subject_id: str = Field(description="The flagged answer's or integrity signal's id.")
    kind: FlagKind
    outcome: ReviewOutcome
    note: Annotated[str, StringConstraints(max_length=2000)] = ""
    reviewer_id: str
    reviewed_at: Timestamp = Field(default_factory=utcnow)


def review_id(kind: FlagKind, subject_id: str) -> str:
    return f"{kind.value}-{subject_id}"
