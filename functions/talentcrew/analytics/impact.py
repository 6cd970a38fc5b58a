"""Impact ratios for a bias audit: NYC Local Law 144 and the EEOC four-fifths rule.

Outcomes come only from candidates who chose to self-identify (a record never used in grading). Per
group: the selection rate (recommended HIRE) and the scoring rate (LL144's measure for scores: the share
above the median of everyone in the table), each divided by the highest rate among the groups large enough
to report. A ratio below four fifths is evidence to look into, for a person; nothing is decided here.
Rates are compared as exact fractions: in floating point, 1/3 against 5/12 (exactly 0.8) falls below 0.8.

Intersectional categories (LL144 asks for sex, race/ethnicity and their intersections) are plain tables
whose category and group names the caller builds with `intersection`.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from statistics import median
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field
from scipy.stats import fisher_exact  # type: ignore[import-untyped]

FOUR_FIFTHS = Fraction(4, 5)  # 29 CFR 1607.4(D): an impact ratio below four fifths is evidence of adverse impact
# The usual small-cell threshold of published statistics: below it a rate says more about one person
# than about the tool (one candidate moves it by over 20 points), and the people may be identifiable.
# The four-fifths rule alone flags chance: with low selection rates or small groups, ratios under 0.8
# come and go by luck (the Uniform Guidelines themselves ask whether a difference is significant).
# A group alerts only when its shortfall is also unlikely by chance: a one-sided Fisher exact test
# against the reference group, at 1% over the table's comparisons.
SIGNIFICANCE = 0.01

MIN_GROUP = 5
# NYC DCWP rules for LL144 (6 RCNY 5-301): an auditor may exclude a category under 2% of the data from
# the impact ratios, with the reason given; here it is also suppressed, like a group under MIN_GROUP.
MIN_SHARE = Fraction(2, 100)
# Joins the names of an intersection with a multiplication sign, as the issue names them (category
# "sex" times "race_ethnicity", group "female" times "Hispanic"); an escape, since the sign looks like an x.
INTERSECTION = " \N{MULTIPLICATION SIGN} "


class Outcome(BaseModel):
    """One candidate's result, under the group they chose to identify with."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    group: str = Field(min_length=1)
    score: Annotated[int, Field(ge=0, le=100, description="Overall score, as InterviewSession.overall_score.")]
    selected: bool = Field(description="Recommended HIRE.")


class GroupRates(BaseModel):
    """One group's rates; a suppressed group shows only its name."""

    model_config = ConfigDict(extra="forbid")

    group: str
    candidates: int | None = Field(description="Null when suppressed.")
    suppressed: bool = Field(description="Too small to report: counts hidden, left out of the reference rate.")
    selected: int | None
    selection_rate: float | None = Field(description="selected / candidates.")
    above_median: int | None = Field(description="Candidates scoring strictly above the table's median score.")
    scoring_rate: float | None = Field(description="above_median / candidates (LL144's scoring rate).")
    selection_impact_ratio: float | None = Field(description="selection_rate / the highest reported selection rate.")
    scoring_impact_ratio: float | None = Field(description="scoring_rate / the highest reported scoring rate.")
    adverse: bool = Field(description="An impact ratio below four fifths (29 CFR 1607.4(D)).")
    p_value: float | None = Field(
        description="One-sided Fisher exact test of an adverse rate against the reference group's (the smaller p)."
    )
    significant: bool = Field(description="Adverse, and p below 1% over the table's comparisons (Bonferroni).")


class ImpactTable(BaseModel):
    """One category's impact ratios, over one job or all of them."""

    model_config = ConfigDict(extra="forbid")

    category: str = Field(
        description=f'"sex", "race_ethnicity", or an intersection: "sex{INTERSECTION}race_ethnicity".'
    )
    job_id: str | None = Field(description="Null: every job.")
    candidates: int
    not_identified: int = Field(
        default=0,
        description="Scored candidates in scope who gave no answer for this category (LL144 summaries state it).",
    )
    median_score: float | None = Field(description="Median overall score of every candidate in the table.")
    groups: list[GroupRates] = Field(description="By name.")
    most_selected: str | None = Field(description="The reference group of the selection impact ratios.")
    alert: bool = Field(description="Some reported group is adverse.")
    notes: list[str] = Field(description="Suppressions and missing ratios, in words.")


def intersection(*names: str) -> str:
    """The name of an intersectional category or group: intersection("female", "Hispanic")."""
    return INTERSECTION.join(names)


@dataclass
class _Tally:
    candidates: int = 0
    selected: int = 0
    above_median: int = 0


def impact_table(category: str, outcomes: Sequence[Outcome], *, job_id: str | None = None) -> ImpactTable:
    """Rates and impact ratios per group. "Above the median" is strictly above: candidates tied at
    the median are not counted, so a table of equal scores has no scoring rate above 0."""
    middle = median(outcome.score for outcome in outcomes) if outcomes else None
    tallies: defaultdict[str, _Tally] = defaultdict(_Tally)
    for outcome in outcomes:
        tally = tallies[outcome.group]
        tally.candidates += 1
        tally.selected += outcome.selected
        tally.above_median += middle is not None and outcome.score > middle
    hidden = {name: note for name in sorted(tallies) if (note := _suppression(name, tallies[name], len(outcomes)))}
    if len(hidden) == 1 and len(tallies) > 1:
        # The table's total minus the reported groups would give the one suppressed group's size away:
        # the smallest reported group is suppressed too (secondary suppression).
        shown = min((name for name in tallies if name not in hidden), key=lambda name: (tallies[name].candidates, name))
        hidden[shown] = (
            f"{shown}: suppressed as well, so that the table's total does not reveal the other suppressed group's "
            "size; left out of the impact ratios"
        )
    notes = list(hidden.values())
    reported = {name: tally for name, tally in tallies.items() if name not in hidden}
    if len(reported) < 2:
        notes.append("fewer than two groups large enough to report: no impact ratios")
        selection_ratios: dict[str, Fraction] = {}
        scoring_ratios: dict[str, Fraction] = {}
    else:
        selection_ratios = _ratios(
            {name: Fraction(tally.selected, tally.candidates) for name, tally in reported.items()}
        )
        scoring_ratios = _ratios(
            {name: Fraction(tally.above_median, tally.candidates) for name, tally in reported.items()}
        )
        notes.extend(
            f"no reported group has a {kind} rate above 0: no {kind} impact ratios"
            for kind, ratios in (("selection", selection_ratios), ("scoring", scoring_ratios))
            if not ratios
        )
    tops = {
        "selection": _top(reported, selection_ratios),
        "scoring": _top(reported, scoring_ratios),
    }
    alpha = SIGNIFICANCE / max(1, len(reported) - 1)  # Bonferroni: each group is compared once
    groups = [
        _rates(name, tally, selection_ratios.get(name), scoring_ratios.get(name), tops, alpha)
        if name in reported
        else _suppressed(name)
        for name, tally in sorted(tallies.items())
    ]
    return ImpactTable(
        category=category,
        job_id=job_id,
        candidates=len(outcomes),
        median_score=float(middle) if middle is not None else None,
        groups=groups,
        most_selected=min(selection_ratios, key=lambda name: (-selection_ratios[name], name), default=None),
        alert=any(group.significant for group in groups),
        notes=notes,
    )


def _suppression(name: str, tally: _Tally, total: int) -> str | None:
    """Why the group is suppressed, or None when it is reported."""
    if tally.candidates < MIN_GROUP:
        return (
            f"{name}: suppressed, fewer than {MIN_GROUP} candidates (too few to report without identifying "
            "people); left out of the impact ratios"
        )
    if Fraction(tally.candidates, total) < MIN_SHARE:
        return (
            f"{name}: suppressed, under {float(MIN_SHARE):.0%} of the {total:,} candidates (NYC's LL144 rules let an "
            "auditor exclude such a category); left out of the impact ratios"
        )
    return None


def _ratios(rates: dict[str, Fraction]) -> dict[str, Fraction]:
    """Each rate over the highest; none when the highest is 0, since nothing compares to nothing."""
    top = max(rates.values())
    return {name: rate / top for name, rate in rates.items()} if top else {}


def _top(reported: dict[str, _Tally], ratios: dict[str, Fraction]) -> _Tally | None:
    """The reference group of a rate: the one whose ratio is 1 (the highest rate)."""
    return reported[min(ratios, key=lambda name: (-ratios[name], name))] if ratios else None


def _p_value(tally: _Tally, top: _Tally | None, attribute: str) -> float | None:
    if top is None or top is tally:
        return None
    hits, top_hits = getattr(tally, attribute), getattr(top, attribute)
    table = [[hits, tally.candidates - hits], [top_hits, top.candidates - top_hits]]
    return float(fisher_exact(table, alternative="less").pvalue)


def _rates(
    name: str,
    tally: _Tally,
    selection_ratio: Fraction | None,
    scoring_ratio: Fraction | None,
    tops: dict[str, _Tally | None],
    alpha: float,
) -> GroupRates:
    tests = [
        _p_value(tally, tops[kind], attribute)
        for kind, attribute, ratio in (
            ("selection", "selected", selection_ratio),
            ("scoring", "above_median", scoring_ratio),
        )
        if ratio is not None and ratio < FOUR_FIFTHS
    ]
    p_values = [p for p in tests if p is not None]
    p_value = min(p_values) if p_values else None
    return GroupRates(
        group=name,
        candidates=tally.candidates,
        suppressed=False,
        selected=tally.selected,
        selection_rate=tally.selected / tally.candidates,
        above_median=tally.above_median,
        scoring_rate=tally.above_median / tally.candidates,
        selection_impact_ratio=float(selection_ratio) if selection_ratio is not None else None,
        scoring_impact_ratio=float(scoring_ratio) if scoring_ratio is not None else None,
        adverse=any(ratio is not None and ratio < FOUR_FIFTHS for ratio in (selection_ratio, scoring_ratio)),
        p_value=p_value,
        significant=p_value is not None and p_value < alpha,
    )


def _suppressed(name: str) -> GroupRates:
    return GroupRates(
        group=name,
        candidates=None,
        suppressed=True,
        selected=None,
        selection_rate=None,
        above_median=None,
        scoring_rate=None,
        selection_impact_ratio=None,
        scoring_impact_ratio=None,
        adverse=False,
        p_value=None,
        significant=False,
    )
