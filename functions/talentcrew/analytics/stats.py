"""Score drift: has the grading of one skill moved between a baseline window and a recent one?

The store counts answers by score (`Store.count_by`), so both windows arrive as histograms (score ->
count) and answers are never loaded. Two tests, as in product-notes ("Bias and drift"): the population
stability index over the ten score bins, and a two-sample Kolmogorov-Smirnov test. An alert carries its
reason and goes to a person; it changes no score.

PSI's 0.25 is a band for large samples. Over ten bins, two windows of one and the same distribution give
a PSI near 9 (1/n1 + 1/n2): 0.6 at 30 answers each, where PSI > 0.25 alone alerted on 79% of such pairs
in a simulation. So PSI alerts only when it also exceeds what chance reaches once in a hundred at these counts;
KS needs no such guard, as its p-value already accounts for the counts.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import numpy.typing as npt
from pydantic import BaseModel, ConfigDict, Field
from scipy.stats import chi2, ks_2samp  # type: ignore[import-untyped]

SCORES = range(1, 11)  # Answer.confidence_score (models.Score) is an integer 1-10: one PSI bin per score
# Per window. Below it one answer moves a bin's share by more than three points and PSI is mostly
# sampling noise; 30 is also the usual rule of thumb for a sample mean to be roughly normal.
MIN_SAMPLES = 30
# Added to every bin's count before PSI (Jeffreys' prior): an empty bin would make ln(r / b)
# infinite. Unlike a fixed floor on proportions, its weight fades as the windows grow, and a bin
# empty in both windows of the same size still adds exactly nothing.
PSI_PSEUDOCOUNT = 0.5
PSI_MODERATE = 0.1  # product-notes, "Bias and drift": PSI < 0.1 stable, 0.1-0.25 moderate,
PSI_SIGNIFICANT = 0.25  # > 0.25 significant (issue 8: the alert threshold)
ALPHA = 0.01  # issue 8: alert when the KS test's p-value is below 0.01; the same level bounds PSI's noise
# With no change, n * PSI ~ chi-square with (bins - 1) degrees of freedom, n = n1 n2 / (n1 + n2) (PSI is
# Jeffreys' divergence, Pearson's chi-square / n to second order): PSI's noise bound is this over n.
# Bins empty in both windows make it conservative.
PSI_NOISE = float(chi2.isf(ALPHA, len(SCORES) - 1))

Counts = npt.NDArray[np.int64]  # a histogram's counts, in SCORES order


class ScoreDrift(BaseModel):
    """One skill's drift between two windows, with the sentence a reviewer reads."""

    model_config = ConfigDict(extra="forbid")

    baseline_n: int = Field(description="Answers in the baseline window.")
    recent_n: int = Field(description="Answers in the recent window.")
    baseline_mean: float | None = Field(description="Mean score of the baseline window; null when it is empty.")
    recent_mean: float | None = Field(description="Mean score of the recent window; null when it is empty.")
    mean_shift: float | None = Field(description="recent_mean - baseline_mean; null unless both windows have answers.")
    psi: float | None = Field(description="Population stability index; null with too little data.")
    ks_statistic: float | None = Field(description="Two-sample Kolmogorov-Smirnov D; null with too little data.")
    ks_p_value: float | None = Field(description="p-value of the KS test; null with too little data.")
    enough_data: bool = Field(description=f"Both windows hold the minimum of answers ({MIN_SAMPLES} unless set).")
    alert: bool = Field(
        description=f"Enough data and (PSI > {PSI_SIGNIFICANT} beyond sampling noise, or KS p < {ALPHA})."
    )
    reason: str = Field(description="Why alert is what it is, in one sentence.")


def score_drift(
    baseline: Mapping[int, int], recent: Mapping[int, int], *, min_samples: int = MIN_SAMPLES
) -> ScoreDrift:
    """Compare two score histograms. With too little data no test runs and nothing alerts: a
    verdict from a handful of answers would be noise, and the reason says so."""
    if min_samples < 1:
        raise ValueError("min_samples must be at least 1: neither test runs on an empty window")
    base, now = _counts(baseline), _counts(recent)
    baseline_n, recent_n = int(base.sum()), int(now.sum())
    baseline_mean, recent_mean = _mean(base), _mean(now)
    shift = recent_mean - baseline_mean if recent_mean is not None and baseline_mean is not None else None
    enough = min(baseline_n, recent_n) >= min_samples
    index = statistic = p_value = None
    alert = False
    if enough:
        index = _psi(base, now)
        noise = PSI_NOISE * (baseline_n + recent_n) / (baseline_n * recent_n)
        # ks_2samp assumes continuous scores; with ties (ten values) its p-value is conservative: an
        # alert from it can be trusted, a small shift may go unseen (PSI covers that side). "asymp" for
        # every size: on tied samples the exact method often gives up, warns, and falls back to it.
        ks = ks_2samp(np.repeat(SCORES, base), np.repeat(SCORES, now), method="asymp")
        statistic, p_value = float(ks.statistic), float(ks.pvalue)
        alert = index > max(PSI_SIGNIFICANT, noise) or p_value < ALPHA
        reason = "; ".join(
            (
                _psi_text(index, noise),
                f"KS p = {p_value:.2g} {'<' if p_value < ALPHA else '≥'} {ALPHA}",
                f"mean {baseline_mean:.1f} -> {recent_mean:.1f} ({shift:+.1f}) over {recent_n:,} recent and "
                f"{baseline_n:,} baseline answers",
            )
        )
    else:
        reason = f"too little data: {_short_of(recent_n, baseline_n, min_samples)} — no test run"
    return ScoreDrift(
        baseline_n=baseline_n,
        recent_n=recent_n,
        baseline_mean=baseline_mean,
        recent_mean=recent_mean,
        mean_shift=shift,
        psi=index,
        ks_statistic=statistic,
        ks_p_value=p_value,
        enough_data=enough,
        alert=alert,
        reason=reason,
    )


def _psi(baseline: Counts, recent: Counts) -> float:
    """sum((r - b) * ln(r / b)) over the bins' shares, each count smoothed by PSI_PSEUDOCOUNT."""
    b = (baseline + PSI_PSEUDOCOUNT) / (baseline.sum() + PSI_PSEUDOCOUNT * len(baseline))
    r = (recent + PSI_PSEUDOCOUNT) / (recent.sum() + PSI_PSEUDOCOUNT * len(recent))
    return float(np.sum((r - b) * np.log(r / b)))


def _counts(histogram: Mapping[int, int]) -> Counts:
    """Counts in SCORES order. A score outside 1-10 or a negative count is a bug upstream, not data."""
    unknown = sorted(set(histogram) - set(SCORES))
    if unknown or any(count < 0 for count in histogram.values()):
        raise ValueError(f"a score histogram maps scores {SCORES.start}-{SCORES.stop - 1} to counts ≥ 0: {histogram}")
    return np.array([histogram.get(score, 0) for score in SCORES], dtype=np.int64)


def _mean(counts: Counts) -> float | None:
    total = counts.sum()
    return float(np.dot(SCORES, counts) / total) if total else None


def _short_of(recent_n: int, baseline_n: int, needed: int) -> str:
    short = [f"{n:,} {window}" for n, window in ((recent_n, "recent"), (baseline_n, "baseline")) if n < needed]
    return f"{' and '.join(short)} answers (need {needed:,} in each window)"


def _psi_text(index: float, noise: float) -> str:
    if index > max(PSI_SIGNIFICANT, noise):
        return f"PSI {index:.2f} > {PSI_SIGNIFICANT} (significant shift)"
    if index > PSI_SIGNIFICANT:
        return f"PSI {index:.2f} > {PSI_SIGNIFICANT} but within chance for these counts (up to {noise:.2f})"
    if index >= PSI_MODERATE:
        return f"PSI {index:.2f} ≤ {PSI_SIGNIFICANT} (moderate shift)"
    return f"PSI {index:.2f} < {PSI_MODERATE} (stable)"
