"""Grading quality bench: how closely a brain's scores follow human graders on the Mohler dataset.

    PYTHONPATH=functions python bench/grading.py [CSV] [--brain local] [--limit N] [--folds 5] [--fit]

The data set stays outside the repository (../shared/data/grading/, read at run time only). Each row
becomes one turn: the reference answer is the ideal answer and its key concepts are derived by a general
rule (`derive_concepts`), since the data set has none. The 1-10 confidence score (the mean of understanding
and explainability, as the product stores it) is mapped linearly onto the data set's 0-5 scale.

For the local brain the bench also reports the figures cross-validated by question: its calibration
(four global parameters) is refitted on the other questions' answers and scored on each held-out
question group, which is what to expect on questions it was never fitted on. `--fit` prints the
calibration fitted on every row, the one to hard-code in local_brain.py.
"""

from __future__ import annotations

import argparse
import csv
import math
import statistics
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from scipy.optimize import minimize  # type: ignore[import-untyped]
from scipy.stats import pearsonr, spearmanr  # type: ignore[import-untyped]

from talentcrew.adapters.local_brain import (
    Assessment,
    Calibration,
    LocalBrain,
    Measures,
    understanding,
)
from talentcrew.interview.bank import Concept, Prompt
from talentcrew.interview.brain import Brain, TurnContext, TurnResult
from talentcrew.interview.words import content_words, stem
from talentcrew.models import ExperienceLevel, Rubric

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_CSV = ROOT.parent / "shared" / "data" / "grading" / "mohler-dev.csv"
MAX_CONCEPTS = 10
BOUNDS = [(0.0, 2.0), (0.0, 2.0), (0.1, 50.0), (-1.0, 2.0)]
"""cosine_weight, coverage_weight, slope, centre."""
RUBRIC = Rubric(
    languages=["C++"],
    core_skills=["Data structures"],
    experience_level=ExperienceLevel.JUNIOR,
    evaluation_focus=["Correctness"],
)


@dataclass(frozen=True)
class Row:
    question_id: str
    question: str
    reference: str
    answer: str
    gold: float


def read_rows(path: Path, limit: int | None) -> list[Row]:
    with path.open(newline="", encoding="utf-8") as handle:
        rows = [
            Row(r["question_id"], r["question"], r["reference_answer"], r["student_answer"], float(r["score_avg"]))
            for r in csv.DictReader(handle)
        ]
    return rows[:limit] if limit else rows


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


def context_for(row: Row) -> TurnContext:
    prompt = Prompt(
        question=row.question, ideal_answer=row.reference, key_concepts=derive_concepts(row.question, row.reference)
    )
    return TurnContext(
        rubric=RUBRIC, skill="data structures", question=row.question, reference=prompt, answer=row.answer
    )


def to_five(score: float) -> float:
    """The brain's 1-10 onto the data set's 0-5: s -> (s - 1) * 5 / 9."""
    return (score - 1.0) * 5.0 / 9.0


@dataclass(frozen=True)
class Figures:
    pearson: float
    spearman: float
    rmse: float


def figures(predicted: Sequence[float], gold: Sequence[float]) -> Figures:
    p, g = np.asarray(predicted, dtype=float), np.asarray(gold, dtype=float)
    return Figures(
        float(pearsonr(p, g).statistic), float(spearmanr(p, g).statistic), float(np.sqrt(np.mean((p - g) ** 2)))
    )


def line(label: str, f: Figures) -> str:
    return f"{label:<34} Pearson r={f.pearson:.3f}  Spearman rho={f.spearman:.3f}  RMSE={f.rmse:.3f}"


def fit_calibration(measures: Sequence[Measures], gold: Sequence[float]) -> Calibration:
    """Least squares between the calibrated understanding (1-10) and the human score mapped onto 1-10;
    Nelder-Mead from fixed starting points, so the same rows always give the same parameters. The weights
    stay non-negative: more similarity or coverage must never lower a score."""
    target = np.array([1.0 + g * 9.0 / 5.0 for g in gold])

    def loss(x: np.ndarray) -> float:
        calibration = Calibration(float(x[0]), float(x[1]), float(x[2]), float(x[3]))
        predicted = np.array([understanding(m, calibration) for m in measures])
        return float(np.mean((predicted - target) ** 2))

    best: tuple[float, np.ndarray] | None = None
    for start in ([0.2, 0.2, 5.0, 0.2], [0.5, 0.0, 3.0, 0.3], [0.0, 0.5, 8.0, 0.1]):
        result = minimize(
            loss, np.array(start), method="Nelder-Mead", bounds=BOUNDS, options={"maxiter": 4000, "xatol": 1e-5}
        )
        if best is None or result.fun < best[0]:
            best = (float(result.fun), result.x)
    assert best is not None
    x = best[1]
    return Calibration(float(x[0]), float(x[1]), float(x[2]), float(x[3]))


def question_folds(groups: Sequence[str], folds: int) -> list[tuple[list[int], list[int]]]:
    """Folds by question: the questions in order of first appearance, dealt round-robin; every answer to
    a question lands in the same fold, so a fold's questions are never seen by its fit."""
    order = {q: i % folds for i, q in enumerate(dict.fromkeys(groups))}
    return [
        ([i for i, q in enumerate(groups) if order[q] != k], [i for i, q in enumerate(groups) if order[q] == k])
        for k in range(folds)
    ]


def cross_validate(
    brain: LocalBrain,
    rows: Sequence[Row],
    contexts: Sequence[TurnContext],
    assessments: Sequence[Assessment],
    folds: int,
) -> tuple[Figures, Figures, list[Calibration]]:
    """Refit the calibration without each group of questions, and score that group with it."""
    groups = [row.question_id for row in rows]
    confidence = [0.0] * len(rows)
    understood = [0.0] * len(rows)
    fitted: list[Calibration] = []
    for train, test in question_folds(groups, folds):
        graded = [i for i in train if assessments[i].clean is not None and assessments[i].kind == "graded"]
        calibration = fit_calibration(
            [m for i in graded if (m := assessments[i].clean) is not None], [rows[i].gold for i in graded]
        )
        fitted.append(calibration)
        for i in test:
            result = brain.verdict(contexts[i], assessments[i], calibration)
            confidence[i] = to_five(result.confidence_score)
            understood[i] = to_five(result.understanding_score)
    gold = [row.gold for row in rows]
    return figures(confidence, gold), figures(understood, gold), fitted


def build(name: str) -> Brain:
    if name == "local":
        return LocalBrain()
    raise SystemExit(f"unknown brain {name!r}: only 'local' runs offline")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("csv", nargs="?", type=Path, default=DEFAULT_CSV)
    parser.add_argument("--brain", default="local")
    parser.add_argument("--limit", type=int, default=None)
    parser.add_argument("--folds", type=int, default=5, help="question groups for cross-validation (local brain)")
    parser.add_argument("--fit", action="store_true", help="print the calibration fitted on every row")
    args = parser.parse_args(argv)

    rows = read_rows(args.csv, args.limit)
    started = time.perf_counter()
    brain = build(args.brain)
    load_s = time.perf_counter() - started
    contexts = [context_for(row) for row in rows]
    results: list[TurnResult] = []
    assessments: list[Assessment] = []
    latencies: list[float] = []
    run_started = time.perf_counter()
    for n, context in enumerate(contexts, 1):
        t0 = time.perf_counter()
        if isinstance(brain, LocalBrain):
            assessment = brain.assess(context)
            result = brain.verdict(context, assessment)
            assessments.append(assessment)
        else:
            result = brain.grade(context)
        latencies.append(time.perf_counter() - t0)
        results.append(result)
        if n % 200 == 0 or n == len(contexts):
            print(f"graded {n}/{len(contexts)}", file=sys.stderr, flush=True)
    run_s = time.perf_counter() - run_started

    gold = [row.gold for row in rows]
    questions = len({row.question_id for row in rows})
    mean = statistics.fmean(gold)
    print(f"brain: {brain.name} ({brain.model}, {brain.prompt_version})")
    print(f"data: {args.csv.name}  n={len(rows)} answers to {questions} questions, gold mean {mean:.2f} of 5")
    print(line("confidence (1-10 -> 0-5):", figures([to_five(r.confidence_score) for r in results], gold)))
    print(line("understanding (1-10 -> 0-5):", figures([to_five(r.understanding_score) for r in results], gold)))
    baseline = math.sqrt(statistics.fmean((g - mean) ** 2 for g in gold))
    print(f"{'baseline, always the mean:':<34} RMSE={baseline:.3f}")
    ms = sorted(1000 * s for s in latencies)
    print(
        f"speed: {len(rows) / run_s:.1f} answers/s; per answer median {statistics.median(ms):.1f} ms, "
        f"p95 {ms[min(len(ms) - 1, math.ceil(0.95 * len(ms)) - 1)]:.1f} ms (load {load_s:.1f} s)"
    )
    if isinstance(brain, LocalBrain) and questions >= args.folds >= 2:
        cv_confidence, cv_understanding, fitted = cross_validate(brain, rows, contexts, assessments, args.folds)
        print(f"cross-validated by question ({args.folds} folds; calibration refitted without the held-out questions):")
        print(line("  confidence (1-10 -> 0-5):", cv_confidence))
        print(line("  understanding (1-10 -> 0-5):", cv_understanding))
        for i, c in enumerate(fitted, 1):
            print(
                f"  fold {i}: cosine_weight={c.cosine_weight:.3f} coverage_weight={c.coverage_weight:.3f} "
                f"slope={c.slope:.3f} centre={c.centre:.3f}"
            )
    if args.fit and isinstance(brain, LocalBrain):
        graded = [i for i, a in enumerate(assessments) if a.kind == "graded" and a.clean is not None]
        c = fit_calibration([m for i in graded if (m := assessments[i].clean) is not None], [gold[i] for i in graded])
        print(
            f"fitted on all rows: Calibration(cosine_weight={c.cosine_weight:.3f}, "
            f"coverage_weight={c.coverage_weight:.3f}, slope={c.slope:.3f}, centre={c.centre:.3f})"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
