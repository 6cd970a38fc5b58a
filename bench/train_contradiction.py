"""Train the offline grader's contradiction classifier on Beetle and write its weights.

    PYTHONPATH=functions python bench/train_contradiction.py [CSV] [--folds 5] [--c 0.002] [--check]

Beetle (SemEval-2013 Task 7, `../shared/data/grading/beetle-dev.csv`, read at run time, never copied) labels
student answers against one reference each; its `correct` and `contradictory` answers use the same words and
differ in what they claim. The features are the brain's own `pair_features` of (reference, answer), measured
by the real `LocalBrain` (so training and grading read pairs the same way), and the model is a standardised
L2 logistic regression (scikit-learn, deterministic solver). It prints the AUC cross-validated by question
(no question in both the fitted and the scored part), then fits on every row and writes
`functions/talentcrew/adapters/contradiction.json`; `--check` only prints.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from grading import question_folds
from sklearn.linear_model import LogisticRegression  # type: ignore[import-untyped]
from sklearn.preprocessing import StandardScaler  # type: ignore[import-untyped]

from talentcrew.adapters.local_brain import CONTRADICTION_WEIGHTS, Contradiction, LocalBrain
from talentcrew.interview.evaluation import BEETLE_CSV, read_beetle, roc_auc

LABELS = ("correct", "contradictory")


def fit(x: np.ndarray, y: np.ndarray, c: float) -> tuple[StandardScaler, LogisticRegression]:
    scaler = StandardScaler().fit(x)
    model = LogisticRegression(C=c, max_iter=5000, solver="lbfgs").fit(scaler.transform(x), y)
    return scaler, model


def _digits(value: float) -> float:
    """Eight significant digits: float32's precision, and no tiny scale rounded to zero."""
    return float(f"{float(value):.8g}")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("csv", nargs="?", type=Path, default=BEETLE_CSV)
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--c", type=float, default=0.002, help="inverse L2 strength (on standardised features)")
    parser.add_argument("--check", action="store_true", help="print the cross-validated figures only")
    args = parser.parse_args(argv)

    rows = [row for row in read_beetle(args.csv) if row.label in LABELS]
    brain = LocalBrain(contradiction=Contradiction.untrained())
    features = []
    for n, row in enumerate(rows, 1):
        measures = brain.assess(row.context()).measures
        features.append(measures.pair if measures is not None and len(measures.pair) else np.zeros(1))
        if n % 500 == 0 or n == len(rows):
            print(f"measured {n}/{len(rows)}", file=sys.stderr, flush=True)
    keep = [i for i, f in enumerate(features) if len(f) > 1]
    x = np.stack([features[i] for i in keep])
    y = np.array([rows[i].label == "contradictory" for i in keep], dtype=int)
    groups = [rows[i].question_id for i in keep]

    predicted = np.zeros(len(y))
    for k, (train, test) in enumerate(question_folds(groups, args.folds), 1):
        scaler, model = fit(x[train], y[train], args.c)
        predicted[test] = model.predict_proba(scaler.transform(x[test]))[:, 1]
        print(f"fold {k}: AUC {roc_auc(y[test] == 1, predicted[test]):.3f} ({len(test)} answers)")
    auc = roc_auc(y == 1, predicted)
    print(f"contradiction classifier, {len(y)} Beetle answers, CV by question: AUC {auc:.3f}")
    if args.check:
        return 0
    scaler, model = fit(x, y, args.c)
    CONTRADICTION_WEIGHTS.write_text(
        json.dumps(
            {
                "trained_on": f"{args.csv.name}: {int(y.sum())} contradictory, {int(len(y) - y.sum())} correct",
                "c": args.c,
                "cv_auc_by_question": round(auc, 4),
                "mean": [_digits(v) for v in scaler.mean_],
                "scale": [_digits(v) for v in scaler.scale_],
                "coef": [_digits(v) for v in model.coef_[0]],
                "intercept": _digits(model.intercept_[0]),
            }
        )
        + "\n"
    )
    print(f"wrote {CONTRADICTION_WEIGHTS}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
