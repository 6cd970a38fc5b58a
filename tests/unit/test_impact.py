"""Impact ratios: selection and scoring rates per group, the four-fifths rule, suppression."""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from talentcrew.analytics.impact import GroupRates, ImpactTable, Outcome, impact_table, intersection


def _group(name: str, scores: Sequence[int], selected: int) -> list[Outcome]:
    """One outcome per score; the first `selected` of them were recommended HIRE."""
    return [Outcome(group=name, score=score, selected=i < selected) for i, score in enumerate(scores)]


def _by_name(table: ImpactTable) -> dict[str, GroupRates]:
    return {group.group: group for group in table.groups}


def test_a_hand_computed_table() -> None:
    # A: 40 candidates, 20 selected: selection rate 20/40 = 0.5
    # B: 30 candidates,  9 selected: selection rate  9/30 = 0.3; impact ratio 0.3 / 0.5 = 0.6 < 0.8: adverse
    # Scores, all 70 in order: 12 x 40, 10 x 50, 16 x 60, 32 x 80. The 35th and 36th are both 60,
    # so the median is 60, and the 16 candidates tied at 60 are not "above" it (strictly greater).
    # A: 20 above (the 80s) of 40 = 0.5; B: 12 above of 30 = 0.4; scoring ratio 0.4 / 0.5 = 0.8,
    # which is not below four fifths.
    a = _group("A", [80] * 20 + [60] * 10 + [50] * 10, selected=20)
    b = _group("B", [80] * 12 + [60] * 6 + [40] * 12, selected=9)
    table = impact_table("sex", b + a, job_id="job-1")
    assert (table.category, table.job_id, table.candidates) == ("sex", "job-1", 70)
    assert table.median_score == 60.0
    assert [group.group for group in table.groups] == ["A", "B"]
    groups = _by_name(table)
    assert groups["A"].model_dump() == dict(
        group="A",
        candidates=40,
        suppressed=False,
        selected=20,
        selection_rate=pytest.approx(0.5),
        above_median=20,
        scoring_rate=pytest.approx(0.5),
        selection_impact_ratio=pytest.approx(1.0),
        scoring_impact_ratio=pytest.approx(1.0),
        adverse=False,
        p_value=None,
        significant=False,
    )
    assert groups["B"].model_dump() == dict(
        group="B",
        candidates=30,
        suppressed=False,
        selected=9,
        selection_rate=pytest.approx(0.3),
        above_median=12,
        scoring_rate=pytest.approx(0.4),
        selection_impact_ratio=pytest.approx(0.6),
        scoring_impact_ratio=pytest.approx(0.8),
        adverse=True,
        # One-sided Fisher exact test, B's 9 of 30 against A's 20 of 40: [[9, 21], [20, 20]].
        p_value=pytest.approx(0.0749, abs=1e-4),
        significant=False,
    )
    assert table.most_selected == "A"
    assert not table.alert  # below four fifths, but 30 candidates could show that by chance
    assert table.notes == []


def test_the_same_shortfall_in_ten_times_the_candidates_alerts() -> None:
    # A: 200 of 400 selected (0.5); B: 90 of 300 (0.3): ratio 0.6, and p = 6.6e-08 < 0.01.
    table = impact_table("sex", _group("A", [50] * 400, selected=200) + _group("B", [50] * 300, selected=90))
    b = _by_name(table)["B"]
    assert b.adverse and b.significant and b.p_value == pytest.approx(6.59e-08, rel=0.01)
    assert table.alert


def test_a_ratio_of_exactly_four_fifths_is_not_adverse() -> None:
    # A: 10 of 24 = 5/12; B: 5 of 15 = 1/3; 1/3 / 5/12 = 4/5 exactly (0.7999999999999999 in floats)
    table = impact_table("sex", _group("A", [50] * 24, selected=10) + _group("B", [50] * 15, selected=5))
    b = _by_name(table)["B"]
    assert b.selection_impact_ratio == 0.8
    assert not b.adverse
    assert not table.alert


def test_everyone_tied_at_the_median_has_no_scoring_ratio() -> None:
    # Every score is 70, the median: nobody is strictly above it, so no scoring rate is above 0.
    table = impact_table("sex", _group("A", [70] * 10, selected=5) + _group("B", [70] * 10, selected=5))
    assert table.median_score == 70.0
    assert all(group.scoring_rate == 0.0 and group.scoring_impact_ratio is None for group in table.groups)
    assert all(group.selection_impact_ratio == 1.0 for group in table.groups)
    assert table.notes == ["no reported group has a scoring rate above 0: no scoring impact ratios"]


def test_a_small_group_is_suppressed_and_not_the_reference() -> None:
    # C (4 candidates, all selected) would be the most selected; suppressed, A at 0.5 is the reference.
    # D (2 candidates) is suppressed too: with two groups hidden, the total does not give either away.
    # The median is over all 76, C and D included: 37 x 50, 2 x 60, then 33 x 70 and 4 x 90; the 38th
    # and 39th are both 60 (without C and D it would be 50).
    outcomes = _group("A", [70] * 20 + [50] * 20, selected=20) + _group("B", [70] * 13 + [50] * 17, selected=9)
    small = _group("C", [90] * 4, selected=4) + _group("D", [60] * 2, selected=0)
    table = impact_table("race_ethnicity", outcomes + small)
    groups = _by_name(table)
    assert groups["C"] == GroupRates(
        group="C",
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
    assert groups["A"].selection_impact_ratio == pytest.approx(1.0)
    assert groups["B"].selection_impact_ratio == pytest.approx(0.6)
    assert table.most_selected == "A"
    assert table.candidates == 76  # the table still counts everyone, and the median is over everyone
    assert table.median_score == 60.0
    assert groups["A"].scoring_rate == pytest.approx(0.5)  # 20 of 40 above 60
    assert groups["B"].scoring_rate == pytest.approx(13 / 30)
    assert groups["D"].suppressed
    assert len(table.notes) == 2
    assert table.notes[0].startswith("C: suppressed, fewer than 5 candidates")
    assert table.notes[1].startswith("D: suppressed, fewer than 5 candidates")


def test_one_suppressed_group_hides_the_smallest_reported_one_too() -> None:
    # Without it, 74 candidates - A's 40 - B's 30 would give C's 4 away.
    outcomes = _group("A", [70] * 20 + [50] * 20, selected=20) + _group("B", [70] * 13 + [50] * 17, selected=9)
    table = impact_table("race_ethnicity", outcomes + _group("C", [90] * 4, selected=4))
    groups = _by_name(table)
    assert (groups["A"].candidates, groups["B"].candidates, groups["C"].candidates) == (40, None, None)
    assert groups["B"].suppressed and groups["B"].selection_rate is None
    assert table.notes[:2] == [
        "C: suppressed, fewer than 5 candidates (too few to report without identifying people); left out of the "
        "impact ratios",
        "B: suppressed as well, so that the table's total does not reveal the other suppressed group's size; left "
        "out of the impact ratios",
    ]
    assert table.notes[2] == "fewer than two groups large enough to report: no impact ratios"
    assert table.most_selected is None


def test_a_group_under_two_percent_is_suppressed() -> None:
    # C: 6 candidates (enough on its own) of 356 = 1.7% < 2%
    outcomes = _group("A", [80] * 100 + [40] * 100, selected=100) + _group("B", [80] * 75 + [40] * 75, selected=75)
    table = impact_table("race_ethnicity", outcomes + _group("C", [40] * 6, selected=0) + _group("D", [40], 0))
    c = _by_name(table)["C"]
    assert c.suppressed and c.candidates is None and not c.adverse
    assert not table.alert  # C's rates of 0 would have been adverse
    assert table.notes == [
        "C: suppressed, under 2% of the 357 candidates (NYC's LL144 rules let an auditor exclude such a "
        "category); left out of the impact ratios",
        "D: suppressed, fewer than 5 candidates (too few to report without identifying people); left out of the "
        "impact ratios",
    ]


def test_one_group_left_gives_no_ratios() -> None:
    outcomes = _group("A", [60] * 40, selected=20) + _group("B", [60] * 3, selected=0) + _group("C", [60], 0)
    table = impact_table("sex", outcomes)
    a = _by_name(table)["A"]
    assert (a.candidates, a.selected, a.selection_rate) == (40, 20, 0.5)
    assert (a.selection_impact_ratio, a.scoring_impact_ratio, a.adverse) == (None, None, False)
    assert table.most_selected is None
    assert not table.alert
    assert table.notes[-1] == "fewer than two groups large enough to report: no impact ratios"


def test_nobody_selected_gives_no_selection_ratios() -> None:
    # Scores split around the median so that the scoring ratios still exist: A 5/10 above, B 2/10.
    a = _group("A", [80] * 5 + [40] * 5, selected=0)
    b = _group("B", [80] * 2 + [40] * 8, selected=0)
    table = impact_table("sex", a + b)
    groups = _by_name(table)
    assert all(group.selection_rate == 0.0 and group.selection_impact_ratio is None for group in table.groups)
    assert groups["B"].scoring_impact_ratio == pytest.approx(0.4)  # 0.2 / 0.5
    assert groups["B"].adverse and groups["B"].p_value == pytest.approx(0.1749, abs=1e-4)  # scoring: 2/10 vs 5/10
    assert not table.alert  # ten candidates a group: not beyond chance
    assert table.most_selected is None
    assert table.notes == ["no reported group has a selection rate above 0: no selection impact ratios"]


def test_no_candidates() -> None:
    table = impact_table("sex", [])
    assert (table.candidates, table.median_score, table.groups, table.alert) == (0, None, [], False)


def test_intersections_are_groups_named_by_the_caller() -> None:
    people = [("female", "Hispanic", 10, 5), ("male", "Hispanic", 10, 5), ("female", "White", 10, 2)]
    outcomes = [
        outcome for sex, race, n, hired in people for outcome in _group(intersection(sex, race), [60] * n, hired)
    ]
    table = impact_table(intersection("sex", "race_ethnicity"), outcomes)
    assert table.category == "sex \u00d7 race_ethnicity"
    assert [group.group for group in table.groups] == [
        "female \u00d7 Hispanic",
        "female \u00d7 White",
        "male \u00d7 Hispanic",
    ]
    assert _by_name(table)["female \u00d7 White"].selection_impact_ratio == pytest.approx(0.4)


def test_an_outcome_score_is_an_overall_score() -> None:
    with pytest.raises(ValueError, match="less than or equal to 100"):
        Outcome(group="A", score=101, selected=True)
