"""How a brain grades interview answers of every kind: the figures `make bench-grading` and
`python -m talentcrew grader-check` print.

The interview set (`bench/data/interview/`, one file per skill) holds, for bank questions and follow-ups, six
answers each as candidates speak them: strong, partial, confidently wrong, off-topic (a good answer to another
question), evasive and buzzwords, each with a person's grade on the 1-10 scale. A brain is judged by the
score it gives each kind, whether it orders them, how often it credits a bad answer or misses a strong one,
and how often it hands the answer to a person instead.
"""

from __future__ import annotations

import csv
import json
import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Annotated, TextIO

import numpy as np
import numpy.typing as npt
from pydantic import BaseModel, ConfigDict, Field
from scipy.stats import pearsonr, rankdata, spearmanr  # type: ignore[import-untyped]

from talentcrew.interview.bank import QuestionBank, bank
from talentcrew.interview.brain import Brain, TurnContext, TurnResult
from talentcrew.interview.words import content_words, stem
from talentcrew.models import ExperienceLevel, Rubric
from talentcrew.questions import Concept, Prompt

ROOT = Path(__file__).resolve().parents[3]
INTERVIEW_SET = ROOT / "bench" / "data" / "interview"
"""Where the repository keeps the set (it is not deployed with the functions)."""
GRADING_DATA = ROOT.parent / "shared" / "data" / "grading"
"""Human-graded data sets from other fields, beside the repository (never copied into it)."""
MOHLER_CSV = GRADING_DATA / "mohler-dev.csv"
BEETLE_CSV = GRADING_DATA / "beetle-dev.csv"
MAX_CONCEPTS = 10
RUBRIC = Rubric(
    languages=["C++"],
    core_skills=["Data structures"],
    experience_level=ExperienceLevel.JUNIOR,
    evaluation_focus=["Correctness"],
)
"""The rubric the other fields' questions are asked under."""

FALSE_CREDIT = 5
"""A bad answer scored at least this is credited."""
MISSED_TALENT = 7
"""A strong answer scored below this is missed."""


class Kind(StrEnum):
    STRONG = "strong"
    PARTIAL = "partial"
    WRONG = "wrong"
    OFF_TOPIC = "off_topic"
    EVASIVE = "evasive"
    BUZZWORDS = "buzzwords"


BAD = (Kind.WRONG, Kind.OFF_TOPIC, Kind.EVASIVE, Kind.BUZZWORDS)
LEVELS = {1: ExperienceLevel.JUNIOR, 2: ExperienceLevel.MID, 3: ExperienceLevel.SENIOR}


class InterviewItem(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str
    question_id: str
    follow_up: Annotated[int, Field(ge=1, le=2)] | None
    kind: Kind
    grade: Annotated[int, Field(ge=1, le=10)]
    answer: Annotated[str, Field(min_length=1)]
    answers: str | None = Field(description="For an off-topic answer, the bank question it answers.")
    note: str

    @property
    def prompt_key(self) -> str:
        return self.question_id if self.follow_up is None else f"{self.question_id}/f{self.follow_up}"


class SkillFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    skill: str
    items: list[InterviewItem]


def load_interview_set(folder: Path = INTERVIEW_SET) -> list[InterviewItem]:
    return [
        item
        for path in sorted(folder.glob("*.json"))
        for item in SkillFile.model_validate(json.loads(path.read_text())).items
    ]


def prompt_for(item: InterviewItem, questions: QuestionBank) -> Prompt:
    question = questions.question(item.question_id)
    return question if item.follow_up is None else question.follow_ups[item.follow_up - 1]


def context_for(item: InterviewItem, questions: QuestionBank) -> TurnContext:
    """The turn as an interview asks it: the bank's wording and reference, a rubric at the question's level."""
    question = questions.question(item.question_id)
    prompt = prompt_for(item, questions)
    skill = item.question_id.rsplit("-", 1)[0]
    rubric = Rubric(
        languages=["English"],
        core_skills=[questions.skills[skill].title],
        experience_level=LEVELS[question.level],
        evaluation_focus=["Technical depth"],
    )
    return TurnContext(rubric=rubric, skill=skill, question=prompt.question, reference=prompt, answer=item.answer)


# ---------------------------------------------------------------------------------------------------------
# Other fields' human-graded answers: Mohler (0-5 scores) and Beetle (labels)


@dataclass(frozen=True)
class Row:
    question_id: str
    question: str
    reference: str
    answer: str
    gold: float


def read_mohler(path: Path = MOHLER_CSV) -> list[Row]:
    with path.open(newline="", encoding="utf-8") as handle:
        return [
            Row(r["question_id"], r["question"], r["reference_answer"], r["student_answer"], float(r["score_avg"]))
            for r in csv.DictReader(handle)
        ]


@dataclass(frozen=True)
class BeetleRow:
    question_id: str
    question: str
    reference: str
    answer: str
    label: str

    def context(self) -> TurnContext:
        return context_for_row(Row(self.question_id, self.question, self.reference, self.answer, 0.0))


def read_beetle(path: Path = BEETLE_CSV) -> list[BeetleRow]:
    with path.open(newline="", encoding="utf-8") as handle:
        return [
            BeetleRow(r["question_id"], r["question"], r["reference_answer"], r["student_answer"], r["label"])
            for r in csv.DictReader(handle)
        ]


def derive_concepts(question: str, reference: str) -> list[Concept]:
    """Key concepts from the reference answer alone: each distinct content word (stopwords out, three letters
    or more), first the ones the question does not already say, in order of appearance, at most ten; its
    term is its stem, so any inflection counts. When fewer than two exist, the whole reference is a concept
    too (a Prompt needs two)."""
    asked = {stem(w) for w in content_words(question)}
    seen: set[str] = set()
    fresh: list[Concept] = []
    given: list[Concept] = []
    for word in content_words(reference):
        root = stem(word)
        if len(word) < 3 or root in seen:
            continue
        seen.add(root)
        concept = Concept(name=word, terms=[root if len(root) >= 3 else word])
        (given if root in asked else fresh).append(concept)
    concepts = (fresh + given)[:MAX_CONCEPTS]
    if len(concepts) < 2:
        concepts.append(Concept(name=reference.strip()[:200], terms=[reference.strip().lower()]))
    if len(concepts) < 2:
        concepts.append(Concept(name=question.strip()[:200], terms=[reference.strip().lower()]))
    return concepts


def context_for_row(row: Row) -> TurnContext:
    prompt = Prompt(
        question=row.question, ideal_answer=row.reference, key_concepts=derive_concepts(row.question, row.reference)
    )
    return TurnContext(
        rubric=RUBRIC, skill="data structures", question=row.question, reference=prompt, answer=row.answer
    )


@dataclass(frozen=True)
class Graded:
    item: InterviewItem
    score: int
    """The product's per-answer score (confidence: the mean of understanding and explainability)."""
    needs_human: bool


def graded(item: InterviewItem, result: TurnResult) -> Graded:
    return Graded(item, result.confidence_score, result.needs_human_grade)


@dataclass(frozen=True)
class Figures:
    means: dict[Kind, float]
    ordered: float
    """Share of prompts where strong > partial > every bad kind."""
    false_credit: float
    missed_talent: float
    spearman: float
    human: float
    """Share of answers handed to a person."""
    answers: int
    prompts: int


def figures(results: Sequence[Graded]) -> Figures:
    """Over the answers a brain scored (those it handed to a person count only in `human`)."""
    scored = [r for r in results if not r.needs_human]
    by_prompt: dict[str, dict[Kind, int]] = {}
    for r in scored:
        by_prompt.setdefault(r.item.prompt_key, {})[r.item.kind] = r.score
    complete = [kinds for kinds in by_prompt.values() if len(kinds) == len(Kind)]
    ordered = sum(
        1 for k in complete if k[Kind.STRONG] > k[Kind.PARTIAL] and all(k[Kind.PARTIAL] > k[bad] for bad in BAD)
    )
    bad = [r for r in scored if r.item.kind in BAD]
    strong = [r for r in scored if r.item.kind is Kind.STRONG]
    return Figures(
        means={
            kind: statistics.fmean([r.score for r in scored if r.item.kind is kind] or [float("nan")]) for kind in Kind
        },
        ordered=ordered / max(1, len(complete)),
        false_credit=sum(r.score >= FALSE_CREDIT for r in bad) / max(1, len(bad)),
        missed_talent=sum(r.score < MISSED_TALENT for r in strong) / max(1, len(strong)),
        spearman=float(spearmanr([r.score for r in scored], [r.item.grade for r in scored]).statistic),
        human=sum(r.needs_human for r in results) / max(1, len(results)),
        answers=len(results),
        prompts=len(by_prompt),
    )


TARGETS = (
    "targets: strong >= 8, partial 4-7, bad kinds <= 3; ordered >= 80%; false credit <= 5%; missed talent <= 10%; "
    "Spearman >= 0.8; to a person < 10%"
)


def report(f: Figures, label: str) -> list[str]:
    means = "  ".join(f"{kind.value} {f.means[kind]:.1f}" for kind in Kind)
    return [
        f"{label}: {f.answers} answers to {f.prompts} prompts",
        f"  mean score by kind: {means}",
        f"  ordered strong > partial > bad on {f.ordered:.0%} of prompts; false credit (bad >= {FALSE_CREDIT}) "
        f"{f.false_credit:.1%}; missed talent (strong < {MISSED_TALENT}) {f.missed_talent:.1%}",
        f"  Spearman vs the grades {f.spearman:.3f}; handed to a person {f.human:.1%}",
    ]


# ---------------------------------------------------------------------------------------------------------
# The grader check a deploying team runs on its configured brain


def _progress(label: str, n: int, total: int, err: TextIO) -> None:
    if n % 50 == 0 or n == total:
        print(f"{label}: graded {n}/{total}", file=err, flush=True)


def check(
    brain: Brain,
    out: TextIO,
    err: TextIO,
    interview: Path = INTERVIEW_SET,
    mohler: Path | None = None,
    beetle: Path | None = None,
    limit: int | None = None,
) -> Figures:
    """Grade the evaluation sets with `brain` (as the turn function would: behind the safety layer) and print
    the figures beside the targets. Nothing is fitted here: it shows how this brain, as configured, grades.
    `limit` caps the answers taken from each set (a Gemini check costs one call per answer)."""
    questions = bank()
    print(
        f"grader check: brain {brain.name} ({brain.model}, prompt {brain.prompt_version}), bank {questions.version}",
        file=out,
    )
    items = load_interview_set(interview)[:limit]
    results = []
    for n, item in enumerate(items, 1):
        results.append(graded(item, brain.grade(context_for(item, questions))))
        _progress("interview set", n, len(items), err)
    found = figures(results)
    print("\n".join(report(found, "interview set")), file=out)
    print(TARGETS, file=out)
    if mohler is not None and mohler.exists():
        rows = read_mohler(mohler)[:limit]
        scores = []
        for n, row in enumerate(rows, 1):
            scores.append(brain.grade(context_for_row(row)).understanding_score)
            _progress("mohler", n, len(rows), err)
        gold = np.array([row.gold for row in rows])
        line = np.poly1d(np.polyfit(scores, gold, 1))(scores)
        print(
            f"Mohler ({len(rows)} answers): understanding vs the human score, Pearson "
            f"{pearsonr(scores, gold).statistic:.3f}; RMSE {float(np.sqrt(np.mean((line - gold) ** 2))):.3f} on "
            "0-5 after the best line (fitted on these answers)",
            file=out,
        )
    if beetle is not None and beetle.exists():
        labelled = [row for row in read_beetle(beetle) if row.label in ("correct", "contradictory")][:limit]
        beetle_scores = []
        for n, labelled_row in enumerate(labelled, 1):
            beetle_scores.append(brain.grade(labelled_row.context()).confidence_score)
            _progress("beetle", n, len(labelled), err)
        correct = np.array([labelled_row.label == "correct" for labelled_row in labelled])
        scored = np.array(beetle_scores)
        print(
            f"Beetle ({len(labelled)} answers): AUC correct vs contradictory {roc_auc(correct, scored):.3f}; "
            f"contradictory scored >= {FALSE_CREDIT}: {np.mean(scored[~correct] >= FALSE_CREDIT):.1%}",
            file=out,
        )
    return found


def roc_auc(positive: npt.NDArray[np.bool_], scores: npt.NDArray[np.float64]) -> float:
    """The probability that a positive outscores a negative (ties count half): the Mann-Whitney U statistic."""
    ranks = rankdata(scores)
    count = int(positive.sum())
    return float((ranks[positive].sum() - count * (count + 1) / 2) / (count * (len(scores) - count)))
