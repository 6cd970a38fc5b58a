"""Grading quality bench: does the offline grader's score mean competence?

    PYTHONPATH=functions python bench/grading.py [--interview DIR] [--mohler CSV] [--beetle CSV] [--folds 5] [--fit]

Three sets, each measured once by the real brain (the folds only re-judge the measures):
- the interview set (`bench/data/interview/`): six kinds of answer per bank question, graded 1-10;
- Mohler (`../shared/data/grading/mohler-dev.csv`): human 0-5 scores of short answers;
- Beetle (`../shared/data/grading/beetle-dev.csv`): answers labelled correct, contradictory, ...
The other fields' data sets stay outside the repository (read at run time only); their questions become
turns with reference-derived key concepts (`evaluation.derive_concepts`).

It prints the figures as shipped, then cross-validated by question: the questions of each set dealt into
folds; per fold the calibration (four global parameters) refitted on the other folds of the interview set
and Mohler, the contradiction classifier on the other folds of Beetle, and the held-out questions scored.
Mohler's scores are mapped onto its 0-5 by a line fitted on the other folds (its graders' scale is its own).
`--fit` prints the calibration fitted on every row, the one to hard-code in local_brain.py.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
from scipy.optimize import minimize  # type: ignore[import-untyped]
from scipy.stats import pearsonr, spearmanr  # type: ignore[import-untyped]

from talentcrew.adapters.local_brain import (
    Assessment,
    Calibration,
    Contradiction,
    LocalBrain,
    Measures,
    understanding,
)
from talentcrew.interview.bank import bank
from talentcrew.interview.brain import TurnContext
from talentcrew.interview.evaluation import (
    BEETLE_CSV,
    INTERVIEW_SET,
    MOHLER_CSV,
    TARGETS,
    BeetleRow,
    Graded,
    InterviewItem,
    Kind,
    Row,
    context_for,
    context_for_row,
    figures,
    graded,
    load_interview_set,
    read_beetle,
    read_mohler,
    report,
    roc_auc,
)

BOUNDS = [(0.0, 2.0), (0.0, 2.0), (0.1, 50.0), (-1.0, 2.0)]
"""cosine_weight, coverage_weight, slope, centre."""
C_DEFAULT = 0.002
"""The contradiction classifier's inverse L2 strength (`train_contradiction.py --c`)."""


def to_five(score: float) -> float:
    """The brain's 1-10 onto the data set's 0-5: s -> (s - 1) * 5 / 9."""
    return (score - 1.0) * 5.0 / 9.0


@dataclass(frozen=True)
class Figures:
    pearson: float
    spearman: float
    rmse: float


def score_figures(predicted: Sequence[float], gold: Sequence[float]) -> Figures:
    p, g = np.asarray(predicted, dtype=float), np.asarray(gold, dtype=float)
    return Figures(
        float(pearsonr(p, g).statistic), float(spearmanr(p, g).statistic), float(np.sqrt(np.mean((p - g) ** 2)))
    )


def line(label: str, f: Figures) -> str:
    return f"{label:<34} Pearson r={f.pearson:.3f}  Spearman rho={f.spearman:.3f}  RMSE={f.rmse:.3f}"


def _curve(measures: Sequence[Measures], calibration: Calibration) -> np.ndarray:
    return np.array([understanding(m, calibration) for m in measures])


def mohler_map(predicted: np.ndarray, gold: np.ndarray) -> tuple[float, float]:
    """The least-squares line from the grader's 1-10 onto Mohler's 0-5: the data set's own scale (its graders
    give half the answers full marks), fitted per source as a calibration of that source's labels."""
    slope, intercept = np.polyfit(predicted, gold, 1)
    return float(slope), float(intercept)


def fit_calibration(
    interview: Sequence[Measures], grades: Sequence[float], mohler: Sequence[Measures], gold: Sequence[float]
) -> Calibration:
    """Jointly on both sources: least squares between the curve and the interview set's grades (the scale:
    strong 8-10, correct but shallow 5-7), plus the least squares between the curve mapped linearly onto
    Mohler's 0-5 (`mohler_map`, refitted at each step) and Mohler's human scores, rescaled to the 1-10 range.
    Nelder-Mead from fixed starting points, so the same rows always give the same parameters. The weights stay
    non-negative: more similarity or coverage must never lower a score."""
    target = np.asarray(grades, dtype=float)
    mohler_gold = np.asarray(gold, dtype=float)

    def loss(x: np.ndarray) -> float:
        calibration = Calibration(float(x[0]), float(x[1]), float(x[2]), float(x[3]))
        own = float(np.mean((_curve(interview, calibration) - target) ** 2)) if len(target) else 0.0
        if not len(mohler_gold):
            return own
        predicted = _curve(mohler, calibration)
        slope, intercept = mohler_map(predicted, mohler_gold)
        other = float(np.mean((slope * predicted + intercept - mohler_gold) ** 2)) * (9.0 / 5.0) ** 2
        return own + other

    best: tuple[float, np.ndarray] | None = None
    for start in ([0.2, 0.2, 5.0, 0.2], [0.5, 0.0, 3.0, 0.3], [0.0, 0.5, 8.0, 0.1], [0.0, 0.1, 10.0, 0.5]):
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


def _graded_measures(assessments: Sequence[Assessment], indices: Sequence[int]) -> list[int]:
    return [i for i in indices if assessments[i].kind == "graded" and assessments[i].measures is not None]


def _clean(assessments: Sequence[Assessment], indices: Sequence[int]) -> list[Measures]:
    return [m for i in indices if (m := assessments[i].measures) is not None]


@dataclass
class Source:
    """One evaluation set as the brain measured it."""

    groups: list[str]
    contexts: list[TurnContext]
    assessments: list[Assessment]


def measure(brain: LocalBrain, label: str, groups: list[str], contexts: list[TurnContext]) -> Source:
    assessments = []
    for n, context in enumerate(contexts, 1):
        assessments.append(brain.assess(context))
        if n % 500 == 0 or n == len(contexts):
            print(f"{label}: measured {n}/{len(contexts)}", file=sys.stderr, flush=True)
    return Source(groups, contexts, assessments)


def with_contradiction(assessment: Assessment, classifier: Contradiction) -> Assessment:
    """The same measures, read by another contradiction classifier (a fold's, in cross-validation)."""

    def again(m: Measures | None) -> Measures | None:
        return None if m is None else replace(m, contradiction=classifier.probability(m.pair))

    return replace(assessment, measures=again(assessment.measures))


@dataclass
class Sets:
    """The three evaluation sets, measured once: the folds only re-judge."""

    items: list[InterviewItem]
    interview: Source
    mohler_rows: list[Row]
    mohler: Source
    beetle_rows: list[BeetleRow]
    beetle: Source

    def calibration(self, interview: Sequence[int], mohler: Sequence[int]) -> Calibration:
        """Fitted on these rows: the interview set's strong and partial answers (the others are capped by rule,
        whatever the curve says) and Mohler's graded answers."""
        own = [
            i
            for i in _graded_measures(self.interview.assessments, interview)
            if self.items[i].kind in (Kind.STRONG, Kind.PARTIAL)
        ]
        other = _graded_measures(self.mohler.assessments, mohler)
        return fit_calibration(
            _clean(self.interview.assessments, own),
            [self.items[i].grade for i in own],
            _clean(self.mohler.assessments, other),
            [self.mohler_rows[i].gold for i in other],
        )


@dataclass
class CrossValidated:
    interview: list[Graded]
    mohler: np.ndarray
    """Mohler's confidence scores, mapped onto 0-5 by the line fitted on the other folds."""
    mohler_understanding: np.ndarray
    """The same for the understanding score alone."""
    beetle: np.ndarray
    beetle_human: np.ndarray


def cross_validate(brain: LocalBrain, sets: Sets, folds: int) -> CrossValidated:
    """Every source's questions dealt into folds; for each fold, the calibration refitted on the other folds of
    the interview set and Mohler, the contradiction classifier on the other folds of Beetle."""
    interview: dict[int, Graded] = {}
    mohler = np.zeros(len(sets.mohler_rows))
    mohler_understanding = np.zeros(len(sets.mohler_rows))
    beetle = np.zeros(len(sets.beetle_rows))
    human = np.zeros(len(sets.beetle_rows), dtype=bool)
    splits = zip(
        question_folds(sets.interview.groups, folds),
        question_folds(sets.mohler.groups, folds),
        question_folds(sets.beetle.groups, folds),
        strict=True,
    )
    for (i_train, i_test), (m_train, m_test), (b_train, b_test) in splits:
        calibration = sets.calibration(i_train, m_train)
        classifier = train_contradiction(sets.beetle, sets.beetle_rows, b_train)
        for i in i_test:
            measured = with_contradiction(sets.interview.assessments[i], classifier)
            interview[i] = graded(sets.items[i], brain.verdict(sets.interview.contexts[i], measured, calibration))

        def mohler_scores(i: int, calibration: Calibration = calibration) -> tuple[float, float]:
            result = brain.verdict(sets.mohler.contexts[i], sets.mohler.assessments[i], calibration)
            return result.confidence_score, result.understanding_score

        train = np.array([mohler_scores(i) for i in m_train])
        gold = np.array([sets.mohler_rows[i].gold for i in m_train])
        maps = [mohler_map(train[:, 0], gold), mohler_map(train[:, 1], gold)]
        for i in m_test:
            scores = mohler_scores(i)
            mohler[i] = maps[0][0] * scores[0] + maps[0][1]
            mohler_understanding[i] = maps[1][0] * scores[1] + maps[1][1]
        for i in b_test:
            measured = with_contradiction(sets.beetle.assessments[i], classifier)
            result = brain.verdict(sets.beetle.contexts[i], measured, calibration)
            beetle[i], human[i] = result.confidence_score, result.needs_human_grade
    return CrossValidated([interview[i] for i in sorted(interview)], mohler, mohler_understanding, beetle, human)


def beetle_line(rows: Sequence[BeetleRow], scores: np.ndarray, human: np.ndarray) -> str:
    labels = np.array([r.label for r in rows])
    correct, contradictory = labels == "correct", labels == "contradictory"
    pair = correct | contradictory
    auc = roc_auc(correct[pair], scores[pair].astype(float))
    return (
        f"  Beetle: AUC correct vs contradictory {auc:.3f}; contradictory "
        f"scored >= 5: {np.mean(scores[contradictory & ~human] >= 5):.1%} (to a person: "
        f"{np.mean(human[contradictory]):.1%}); correct scored >= 5: {np.mean(scores[correct & ~human] >= 5):.1%}"
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--mohler", type=Path, default=MOHLER_CSV)
    parser.add_argument("--beetle", type=Path, default=BEETLE_CSV)
    parser.add_argument("--interview", type=Path, default=INTERVIEW_SET)
    parser.add_argument("--folds", type=int, default=5, help="question groups for cross-validation")
    parser.add_argument("--fit", action="store_true", help="print the calibration fitted on every row")
    args = parser.parse_args(argv)

    started = time.perf_counter()
    brain = LocalBrain()
    questions = bank()
    print(f"brain: {brain.name} ({brain.model}, {brain.prompt_version}); load {time.perf_counter() - started:.1f} s")
    items = load_interview_set(args.interview)
    t0 = time.perf_counter()
    interview = measure(brain, "interview", [i.question_id for i in items], [context_for(i, questions) for i in items])
    per_answer = (time.perf_counter() - t0) / max(1, len(items))
    mohler_rows = read_mohler(args.mohler)
    beetle_rows = read_beetle(args.beetle)
    sets = Sets(
        items,
        interview,
        mohler_rows,
        measure(brain, "mohler", [r.question_id for r in mohler_rows], [context_for_row(r) for r in mohler_rows]),
        beetle_rows,
        measure(brain, "beetle", [r.question_id for r in beetle_rows], [r.context() for r in beetle_rows]),
    )

    latencies = []
    for context in interview.contexts[:100]:  # again, now that every reference is encoded: the per-answer cost
        t0 = time.perf_counter()
        brain.grade(context)
        latencies.append(1000 * (time.perf_counter() - t0))
    shipped = [
        graded(i, brain.verdict(c, a)) for i, c, a in zip(items, interview.contexts, interview.assessments, strict=True)
    ]
    print("\n".join(report(figures(shipped), "interview set, as shipped (its calibration saw this set: in-sample)")))
    ms = sorted(latencies)
    print(
        f"  speed: per answer median {statistics.median(ms):.1f} ms, p95 {ms[int(0.95 * len(ms)) - 1]:.1f} ms "
        f"(references encoded; the first pass, encoding each reference and the bank once, took "
        f"{1000 * per_answer:.0f} ms per answer)"
    )
    cv = cross_validate(brain, sets, args.folds)
    print(f"cross-validated by question ({args.folds} folds; calibration and contradiction classifier refitted):")
    print("\n".join(report(figures(cv.interview), "  interview set")))
    gold = [r.gold for r in mohler_rows]
    print(line("  Mohler, confidence (0-5 per fold):", score_figures(list(cv.mohler), gold)))
    print(line("  Mohler, understanding (the same):", score_figures(list(cv.mohler_understanding), gold)))
    print("  (Mohler's two human graders against each other: Pearson 0.586, RMSE 0.659)")
    print(beetle_line(beetle_rows, cv.beetle, cv.beetle_human))
    print(TARGETS)
    print("  Mohler Pearson >= 0.65, RMSE <= 0.85; Beetle contradictory >= 5 in <= 10%, AUC >= 0.85; <= 30 ms/answer")
    if args.fit:
        c = sets.calibration(range(len(items)), range(len(mohler_rows)))
        print(
            f"fitted on all rows: Calibration(cosine_weight={c.cosine_weight:.3f}, "
            f"coverage_weight={c.coverage_weight:.3f}, slope={c.slope:.3f}, centre={c.centre:.3f})"
        )
    return 0


def train_contradiction(beetle: Source, rows: Sequence[BeetleRow], indices: Sequence[int]) -> Contradiction:
    """The classifier as `train_contradiction.py` fits it, on these rows only."""
    from train_contradiction import LABELS, fit

    keep = [
        i
        for i in indices
        if rows[i].label in LABELS and (m := beetle.assessments[i].measures) is not None and len(m.pair)
    ]
    x = np.stack([m.pair for i in keep if (m := beetle.assessments[i].measures) is not None])
    y = np.array([rows[i].label == "contradictory" for i in keep], dtype=int)
    scaler, model = fit(x, y, C_DEFAULT)
    return Contradiction(
        scaler.mean_.astype(np.float32),
        scaler.scale_.astype(np.float32),
        model.coef_[0].astype(np.float32),
        float(model.intercept_[0]),
    )


if __name__ == "__main__":
    sys.exit(main())
