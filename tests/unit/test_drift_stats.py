"""Score drift between two windows of answer scores: PSI and a two-sample KS test."""

from __future__ import annotations

import math

import numpy as np
import pytest

from talentcrew.analytics.stats import MIN_SAMPLES, score_drift

# A realistic spread of answer scores over 1-9 (10 left empty, so a +1 shift stays inside 1-10).
WEIGHTS = np.array([1, 2, 4, 8, 14, 20, 22, 15, 9], dtype=float)


def _draw(seed: int, n: int = 400, shift: int = 0) -> dict[int, int]:
    """A seeded histogram of n scores from WEIGHTS, moved up by `shift` points."""
    scores = np.random.default_rng(seed).choice(np.arange(1, 10), size=n, p=WEIGHTS / WEIGHTS.sum()) + shift
    values, counts = np.unique(scores, return_counts=True)
    return dict(zip(values.tolist(), counts.tolist(), strict=True))


def test_a_one_point_shift_alerts() -> None:
    drift = score_drift(_draw(seed=1), _draw(seed=2, shift=1))
    assert drift.enough_data
    assert drift.alert
    assert drift.psi is not None and drift.ks_p_value is not None
    assert drift.psi > 0.25 or drift.ks_p_value < 0.01
    assert drift.mean_shift == pytest.approx(1.0, abs=0.25)
    assert drift.reason.startswith("PSI ")
    assert "over 400 recent and 400 baseline answers" in drift.reason


def test_two_samples_of_one_distribution_do_not_alert() -> None:
    drift = score_drift(_draw(seed=3), _draw(seed=4))
    assert drift.enough_data
    assert not drift.alert
    assert drift.psi is not None and drift.psi < 0.1
    assert drift.ks_p_value is not None and drift.ks_p_value >= 0.01
    assert "(stable)" in drift.reason


def test_too_little_data_runs_no_test_and_says_so() -> None:
    drift = score_drift(_draw(seed=5), {4: 2, 9: 10})  # 12 recent answers, all far from the baseline
    assert not drift.enough_data
    assert not drift.alert
    assert (drift.psi, drift.ks_statistic, drift.ks_p_value) == (None, None, None)
    assert drift.reason == f"too little data: 12 recent answers (need {MIN_SAMPLES} in each window) — no test run"
    # the means are reported all the same
    assert drift.recent_mean == pytest.approx((4 * 2 + 9 * 10) / 12)
    assert drift.baseline_mean is not None and drift.mean_shift is not None


def test_an_empty_window_has_no_mean() -> None:
    drift = score_drift({}, {7: 3})
    assert (drift.baseline_n, drift.recent_n) == (0, 3)
    assert (drift.baseline_mean, drift.recent_mean, drift.mean_shift) == (None, 7.0, None)
    assert "3 recent and 0 baseline answers" in drift.reason


def test_the_minimum_is_enough() -> None:
    assert score_drift({5: MIN_SAMPLES}, {5: MIN_SAMPLES}).enough_data
    assert not score_drift({5: MIN_SAMPLES}, {5: MIN_SAMPLES - 1}).enough_data


def test_an_empty_bin_gives_a_finite_psi() -> None:
    # Nobody scored 1 or 10 in the baseline; 40 of the recent answers did.
    drift = score_drift({5: 100, 6: 100}, {1: 20, 5: 80, 6: 80, 10: 20})
    assert drift.psi is not None and math.isfinite(drift.psi)
    assert drift.ks_p_value is not None and math.isfinite(drift.ks_p_value)
    assert "Infinity" not in drift.model_dump_json() and "NaN" not in drift.model_dump_json()


def test_psi_by_hand() -> None:
    # 100 answers each; 20 move from score 5 to score 6. Every count gets 0.5 (10 bins: 105 in all):
    #   bins 5 and 6: baseline 50.5/105 each; recent 30.5/105 and 70.5/105
    #   the eight other bins: 0.5/105 in both windows, so (r - b) = 0 and they add nothing
    #   PSI = (-20/105) ln(30.5/50.5) + (20/105) ln(70.5/50.5) = (20/105) ln(70.5/30.5) = 0.1596
    drift = score_drift({5: 50, 6: 50}, {5: 30, 6: 70})
    assert drift.psi == pytest.approx(20 / 105 * math.log(70.5 / 30.5))
    assert drift.psi == pytest.approx(0.1596, abs=1e-4)
    # KS D: the cumulative shares at 5 are 0.5 and 0.3; p = 0.031 is not below 0.01
    assert drift.ks_statistic == pytest.approx(0.2)
    assert drift.ks_p_value is not None and 0.01 < drift.ks_p_value < 0.05
    assert not drift.alert
    # means 5.5 -> 5.7
    assert drift.baseline_mean == pytest.approx(5.5)
    assert drift.recent_mean == pytest.approx(5.7)
    assert drift.mean_shift == pytest.approx(0.2)
    assert drift.reason.startswith("PSI 0.16 ≤ 0.25 (moderate shift); KS p = 0.031 ≥ 0.01; mean 5.5 -> 5.7 (+0.2)")


def test_a_significant_shift_is_named_in_the_reason() -> None:
    # 40 answers each, all at 5 before and all at 6 after: the PSI band is named.
    drift = score_drift({5: 40}, {6: 40})
    assert drift.alert
    assert drift.psi is not None and drift.psi > 0.25
    assert "(significant shift)" in drift.reason


def test_psi_alone_alerts() -> None:
    # 40 answers each; half of them spread from 5 and 6 out to 4 and 7: the distribution's shape
    # changed but its cumulative shares barely moved (KS D = 0.25, p > 0.01). Smoothed (45 in all):
    # bins 4 and 7 go from 0.5/45 to 10.5/45, bins 5 and 6 from 20.5/45 to 10.5/45, so
    # PSI = 2 x (10/45) (ln(10.5/0.5) + ln(20.5/10.5)) = 1.65.
    drift = score_drift({5: 20, 6: 20}, {4: 10, 5: 10, 6: 10, 7: 10})
    assert drift.ks_p_value is not None and drift.ks_p_value >= 0.01
    assert drift.psi == pytest.approx(2 * 10 / 45 * (math.log(21) + math.log(20.5 / 10.5)))
    assert drift.alert


def test_ks_alone_alerts() -> None:
    # 5,000 answers each; 200 move from 5 to 6: PSI = (200/5005) ln(2700.5/2300.5) = 0.0064, stable,
    # but with this many answers KS (D = 0.04) finds the shift.
    drift = score_drift({5: 2500, 6: 2500}, {5: 2300, 6: 2700})
    assert drift.psi == pytest.approx(200 / 5005 * math.log(2700.5 / 2300.5))
    assert drift.ks_p_value is not None and drift.ks_p_value < 0.01
    assert drift.alert
    assert "(stable)" in drift.reason


def test_small_windows_of_one_distribution_rarely_alert() -> None:
    # 200 pairs of 30 answers each, both from WEIGHTS: PSI > 0.25 alone would alert on most of them
    # (its noise is about 9 x (1/30 + 1/30) = 0.6); the test is built to alert on about 1 in 100.
    rng = np.random.default_rng(9)
    share = np.append(WEIGHTS, 0) / WEIGHTS.sum()
    pairs = [[dict(enumerate(rng.multinomial(30, share).tolist(), start=1)) for _ in "ab"] for _ in range(200)]
    drifts = [score_drift(a, b) for a, b in pairs]
    assert sum(drift.psi is not None and drift.psi > 0.25 for drift in drifts) > 100
    assert sum(drift.alert for drift in drifts) <= 4


def test_a_psi_over_the_band_within_chance_does_not_alert() -> None:
    # 30 answers each; PSI 0.26 > 0.25, but chance reaches chi2(9) at 99% / (30 x 30 / 60) = 21.67 / 15 = 1.44.
    drift = score_drift({3: 2, 4: 3, 5: 6, 6: 9, 7: 6, 8: 4}, {4: 5, 5: 4, 6: 7, 7: 8, 8: 4, 9: 2})
    assert drift.psi is not None and drift.psi > 0.25
    assert not drift.alert
    assert drift.reason.startswith("PSI 0.26 > 0.25 but within chance for these counts (up to 1.44); KS p = 0.92")


@pytest.mark.parametrize("histogram", [{0: 5}, {11: 5}, {5: -1}])
def test_a_histogram_outside_the_scores_is_refused(histogram: dict[int, int]) -> None:
    with pytest.raises(ValueError, match="score histogram"):
        score_drift(histogram, {5: 40})
