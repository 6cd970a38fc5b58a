"""Integrity rules: each fires on its case, stays silent on the near miss, and says what it measured."""

from __future__ import annotations

import math
import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from talentcrew.interview import integrity
from talentcrew.interview.integrity import (
    REVIEW_THRESHOLD,
    Earlier,
    Finding,
    Telemetry,
    assess,
    fluency,
    overlap_with_ideal,
    suspected,
)
from talentcrew.models import IntegritySignal, SignalKind

IDEAL = (
    "A database index is a separate data structure, usually a B-tree, that keeps column values sorted with "
    "pointers to rows, so lookups avoid scanning the whole table; it speeds up reads but slows writes and takes "
    "extra storage."
)
TEXTBOOK = (
    "A database index is a separate data structure, usually a balanced B-tree, that keeps the column values sorted "
    "together with pointers to the rows. Lookups therefore avoid scanning the whole table, which speeds up reads "
    "considerably, although every write must also update the index and it takes extra storage."
)
ORDINARY = (
    "Um, so an index is, like, a thing that makes queries faster. I think you look things up quicker. "
    "Uh, you know, it's like the index at the back of a book."
)
UNRELATED = "My cat enjoys long sunny afternoons in the garden, chasing butterflies between the roses."
DISFLUENT = [
    "Um, I worked, uh, mostly with Python. Like, small services. I think, um, some Go too, you know, a bit.",
    "Uh, caching, I think, um, you keep stuff. In memory, like. You know, so it is, uh, quicker the next time.",
    "So, um, a queue, I guess. Uh, like, jobs go in. Workers, um, take them, you know, one by one, I think.",
]


def kinds(findings: list[Finding]) -> set[SignalKind]:
    return {finding.kind for finding in findings}


def only(findings: list[Finding], kind: SignalKind) -> Finding:
    matching = [finding for finding in findings if finding.kind == kind]
    assert len(matching) == 1, findings
    return matching[0]


def earlier_answers(
    *pauses: float | None, overlap: float | None = None, texts: list[str] | None = None
) -> list[Earlier]:
    texts = texts or [ORDINARY] * len(pauses)
    return [
        Earlier(text=text, pause_seconds=pause, ideal_overlap=overlap)
        for text, pause in zip(texts, pauses, strict=True)
    ]


# --- overlap_with_ideal ---------------------------------------------------------------------------


def test_the_ideal_overlaps_itself_fully() -> None:
    assert overlap_with_ideal(IDEAL, IDEAL) == 1.0


def test_unrelated_text_overlaps_almost_nothing() -> None:
    assert overlap_with_ideal(UNRELATED, IDEAL) < 0.1


def test_overlap_ignores_word_order_case_and_repetition() -> None:
    words = IDEAL.split()
    shuffled = words[:]
    random.Random(7).shuffle(shuffled)
    assert overlap_with_ideal(" ".join(shuffled).upper(), IDEAL) == 1.0
    assert overlap_with_ideal(" ".join(reversed(words)) + " " + IDEAL, IDEAL) == 1.0


def test_overlap_strips_light_suffixes_and_ignores_stop_words() -> None:
    assert overlap_with_ideal("indexes cached", "the index caches") == 1.0
    assert overlap_with_ideal("scan the tables", "scanning a table") == 1.0
    assert overlap_with_ideal("the and of it is", "the index") == 0.0


def test_overlap_is_a_share_between_zero_and_one() -> None:
    partial = overlap_with_ideal("An index is a B-tree keeping column values sorted.", IDEAL)
    assert 0.0 < partial < 1.0
    assert overlap_with_ideal(IDEAL, "") == 0.0
    assert overlap_with_ideal(IDEAL, "the of and") == 0.0


def test_textbook_answer_overlaps_highly_and_ordinary_does_not() -> None:
    assert overlap_with_ideal(TEXTBOOK, IDEAL) > 0.9
    assert overlap_with_ideal(ORDINARY, IDEAL) < 0.2


# --- fluency ---------------------------------------------------------------------------------------


def test_fillers_lower_fluency_and_like_as_a_preposition_is_not_one() -> None:
    assert fluency(TEXTBOOK).filler_rate == 0.0
    assert fluency(ORDINARY).filler_rate > 0.1
    assert fluency("Languages like Python and Go, like Rust, feel alike.").filler_rate == 0.0
    assert fluency("Like, it is, um like, fast.").filler_rate == pytest.approx(3 / 6)
    assert fluency(TEXTBOOK).score > fluency(ORDINARY).score
    assert 0.0 <= fluency(ORDINARY).score <= 1.0
    assert fluency("").score == 0.0


# --- LONG_PAUSE / TEXTBOOK_ANSWER ------------------------------------------------------------------


def test_long_pause_with_a_textbook_answer_is_flagged_with_its_numbers() -> None:
    finding = only(assess(TEXTBOOK, 14.2, IDEAL, [], None), SignalKind.TEXTBOOK_ANSWER)
    assert finding.strength >= REVIEW_THRESHOLD
    assert "14.2 s" in finding.reason
    assert f"{overlap_with_ideal(TEXTBOOK, IDEAL):.0%}" in finding.reason
    assert finding.detail["pause_seconds"] == 14.2
    assert SignalKind.LONG_PAUSE not in kinds(assess(TEXTBOOK, 14.2, IDEAL, [], None))


def test_long_pause_with_an_ordinary_answer_is_only_a_weak_long_pause() -> None:
    findings = assess(ORDINARY, 14.2, IDEAL, [], None)
    assert kinds(findings) == {SignalKind.LONG_PAUSE}
    finding = findings[0]
    assert 0 < finding.strength <= 0.3
    assert "14.2 s" in finding.reason
    assert not suspected(findings)[0]


def test_a_textbook_answer_with_fillers_is_not_polished() -> None:
    spoken = "Um, " + TEXTBOOK.replace(". ", ", uh, you know. ").replace("which", "which, like, I think,")
    assert overlap_with_ideal(spoken, IDEAL) >= integrity.TEXTBOOK_MIN_OVERLAP
    assert kinds(assess(spoken, 14.2, IDEAL, [], None)) == {SignalKind.LONG_PAUSE}


def test_a_long_pause_without_a_reference_cannot_make_a_textbook_answer() -> None:
    finding = only(assess(TEXTBOOK, 14.2, None, [], None), SignalKind.LONG_PAUSE)
    assert finding.strength <= 0.3
    assert "no reference answer" in finding.reason


@pytest.mark.parametrize("pause", [None, 0.0, 3.5, 8.0])
def test_no_long_pause_no_pause_finding(pause: float | None) -> None:
    assert assess(TEXTBOOK, pause, IDEAL, [], None) == []


def test_textbook_strength_grows_with_the_pause_and_the_overlap() -> None:
    def strength(answer: str, pause: float) -> float:
        return only(assess(answer, pause, IDEAL, [], None), SignalKind.TEXTBOOK_ANSWER).strength

    assert strength(TEXTBOOK, 9.0) < strength(TEXTBOOK, 14.0) < strength(TEXTBOOK, 25.0) <= 1.0
    closer = TEXTBOOK
    farther = TEXTBOOK.replace("separate ", "").replace("extra storage", "more space").replace("speeds up", "helps")
    assert strength(farther, 14.0) < strength(closer, 14.0)


def test_long_pause_strength_grows_and_never_passes_its_cap() -> None:
    strengths = [
        only(assess(ORDINARY, pause, IDEAL, [], None), SignalKind.LONG_PAUSE).strength for pause in (9, 20, 600)
    ]
    assert strengths == sorted(strengths)
    assert strengths[0] < strengths[1]
    assert strengths[-1] == integrity.LONG_PAUSE_MAX_STRENGTH


def test_textbook_answer_compares_with_the_candidates_earlier_overlap() -> None:
    irregular = [2.0, 11.0, 5.5]
    above = only(
        assess(TEXTBOOK, 14.2, IDEAL, earlier_answers(*irregular, overlap=0.22), None), SignalKind.TEXTBOOK_ANSWER
    )
    assert "more than the 22% average" in above.reason
    usual = only(
        assess(TEXTBOOK, 14.2, IDEAL, earlier_answers(*irregular, overlap=0.9), None), SignalKind.TEXTBOOK_ANSWER
    )
    assert "in line with the 90% average" in usual.reason
    assert usual.strength < REVIEW_THRESHOLD <= above.strength


# --- UNIFORM_PAUSES ------------------------------------------------------------------------------


def test_four_regular_moderate_pauses_are_uniform() -> None:
    finding = only(assess(ORDINARY, 4.2, None, earlier_answers(4.1, 4.3, 4.0), None), SignalKind.UNIFORM_PAUSES)
    assert "4 answers" in finding.reason
    assert "4.2 s" in finding.reason
    assert float(finding.detail["coefficient_of_variation"]) < integrity.UNIFORM_MAX_CV


@pytest.mark.parametrize(
    ("earlier", "pause"),
    [
        ((2.0, 9.0, 5.0), 4.5),  # irregular
        ((4.1, 4.3), 4.2),  # only three answers
        ((2.0, 2.1, 1.9), 2.0),  # regular but quick: natural replies
        ((4.1, 4.3, 4.0), None),  # text mode: no pause now
        ((4.1, None, 4.3), 4.2),  # one earlier pause unknown: three known
    ],
)
def test_irregular_few_or_quick_pauses_are_not_uniform(earlier: tuple[float | None, ...], pause: float | None) -> None:
    assert SignalKind.UNIFORM_PAUSES not in kinds(assess(ORDINARY, pause, None, earlier_answers(*earlier), None))


def test_uniform_strength_grows_with_regularity_and_count() -> None:
    def strength(pauses: list[float]) -> float:
        finding = only(
            assess(ORDINARY, pauses[-1], None, earlier_answers(*pauses[:-1]), None), SignalKind.UNIFORM_PAUSES
        )
        return finding.strength

    loose = strength([4.0, 5.0, 4.5, 5.3])
    tight = strength([4.5, 4.6, 4.5, 4.4])
    longer = strength([4.5, 4.6, 4.5, 4.4, 4.5, 4.6, 4.5, 4.4])
    assert 0 < loose < tight < longer <= 1


# --- FLUENCY_SPIKE -------------------------------------------------------------------------------


def test_a_fluency_jump_over_three_earlier_answers_is_a_spike() -> None:
    finding = only(
        assess(TEXTBOOK, None, None, earlier_answers(None, None, None, texts=DISFLUENT), None), SignalKind.FLUENCY_SPIKE
    )
    assert finding.detail["earlier_answers"] == 3
    assert float(finding.detail["z"]) >= integrity.FLUENCY_MIN_Z
    assert f"{fluency(TEXTBOOK).score:.2f}" in finding.reason
    assert "3 earlier answers" in finding.reason


def test_one_earlier_answer_is_no_baseline() -> None:
    assert assess(TEXTBOOK, None, None, earlier_answers(None, texts=DISFLUENT[:1]), None) == []


def test_a_consistently_fluent_candidate_shows_no_spike() -> None:
    fluent = [TEXTBOOK.replace("index", "cache"), IDEAL, TEXTBOOK.replace("database", "search engine")]
    assert assess(TEXTBOOK, None, None, earlier_answers(None, None, None, texts=fluent), None) == []


def test_short_answers_are_left_out_of_the_fluency_baseline() -> None:
    short = ["Um, no idea.", "Uh, I don't know, sorry.", "Um, pass."]
    assert assess(TEXTBOOK, None, None, earlier_answers(None, None, None, texts=short), None) == []
    # ...and a short answer now is not judged either.
    assert assess("A B-tree index, sorted.", None, None, earlier_answers(None, None, None, texts=DISFLUENT), None) == []


def test_fluency_spike_strength_grows_with_the_jump() -> None:
    earlier = earlier_answers(None, None, None, texts=DISFLUENT)
    moderate = "Um, " + TEXTBOOK.replace("which", "which, uh, you know,")
    big = only(assess(TEXTBOOK, None, None, earlier, None), SignalKind.FLUENCY_SPIKE)
    small = only(assess(moderate, None, None, earlier, None), SignalKind.FLUENCY_SPIKE)
    assert small.strength < big.strength <= 1


# --- IDEAL_SIMILARITY ----------------------------------------------------------------------------


def test_far_closer_to_the_reference_than_before_is_flagged() -> None:
    earlier = earlier_answers(None, None, overlap=0.2)
    finding = only(assess(TEXTBOOK, None, IDEAL, earlier, None), SignalKind.IDEAL_SIMILARITY)
    assert finding.strength >= REVIEW_THRESHOLD
    assert f"{overlap_with_ideal(TEXTBOOK, IDEAL):.0%}" in finding.reason
    assert "20%" in finding.reason


@pytest.mark.parametrize(
    ("answer", "earlier"),
    [
        (TEXTBOOK, [Earlier(text=ORDINARY, pause_seconds=None, ideal_overlap=0.2)]),  # one earlier overlap
        (TEXTBOOK, earlier_answers(None, None, None)),  # earlier overlaps unknown
        (TEXTBOOK, earlier_answers(None, None, overlap=0.7)),  # no jump: a strong candidate
        ("An index is a B-tree keeping column values sorted for reads.", earlier_answers(None, None, overlap=0.0)),
    ],
)
def test_no_ideal_similarity_without_a_baseline_or_a_jump(answer: str, earlier: list[Earlier]) -> None:
    assert SignalKind.IDEAL_SIMILARITY not in kinds(assess(answer, None, IDEAL, earlier, None))


def test_ideal_similarity_strength_grows_with_the_jump() -> None:
    def strength(usual: float) -> float:
        return only(
            assess(TEXTBOOK, None, IDEAL, earlier_answers(None, None, overlap=usual), None), SignalKind.IDEAL_SIMILARITY
        ).strength

    assert strength(0.6) < strength(0.45) < strength(0.3) <= strength(0.0) == 1.0


# --- PASTE, FOCUS_LOST, TYPING_CADENCE -----------------------------------------------------------


def paste(chars: int, events: int = 1) -> Finding:
    return only(assess(TEXTBOOK, None, None, [], Telemetry(paste_events=events, pasted_chars=chars)), SignalKind.PASTE)


def test_pasting_the_whole_answer_is_full_strength() -> None:
    finding = paste(len(TEXTBOOK))
    assert finding.strength == 1.0
    assert f"{len(TEXTBOOK)} characters" in finding.reason
    assert "100%" in finding.reason


def test_paste_strength_grows_with_its_share_of_the_answer() -> None:
    strengths = [paste(chars).strength for chars in (0, 20, 100, 200)]
    assert strengths == sorted(strengths)
    assert strengths[0] < strengths[1] < strengths[2] < strengths[3] < 1
    assert strengths[1] < REVIEW_THRESHOLD  # a pasted word or two is not enough to flag


def test_no_paste_no_finding_and_chars_without_events_still_count() -> None:
    assert assess(TEXTBOOK, None, None, [], Telemetry()) == []
    assert paste(50, events=0).detail["pasted_chars"] == 50


def test_focus_lost_grows_with_count_and_seconds() -> None:
    def strength(times: int, seconds: float) -> float:
        telemetry = Telemetry(focus_lost=times, focus_lost_seconds=seconds)
        return only(assess(ORDINARY, None, None, [], telemetry), SignalKind.FOCUS_LOST).strength

    assert strength(1, 2) < strength(3, 2) < strength(3, 30) < strength(3, 90) == 1.0
    assert strength(1, 2) < REVIEW_THRESHOLD
    assert strength(10_000, 0) == 1.0
    finding = only(
        assess(ORDINARY, None, None, [], Telemetry(focus_lost=2, focus_lost_seconds=20.5)), SignalKind.FOCUS_LOST
    )
    assert "2 times" in finding.reason
    assert "20.5 s" in finding.reason


def typing(**fields: object) -> list[Finding]:
    return [
        f
        for f in assess(ORDINARY, None, None, [], Telemetry.model_validate(fields))
        if f.kind == SignalKind.TYPING_CADENCE
    ]


def test_superhuman_sustained_typing_rate_is_flagged() -> None:
    (finding,) = typing(typed_chars=300, typing_seconds=15)
    assert "20.0 per second" in finding.reason
    assert "300 characters" in finding.reason
    assert finding.strength >= REVIEW_THRESHOLD


@pytest.mark.parametrize(
    "fields",
    [
        {"typed_chars": 300, "typing_seconds": 30},  # 10 a second: a fast typist
        {"typed_chars": 39, "typing_seconds": 1},  # a short burst
        {"typed_chars": 300, "typing_seconds": 0},  # no duration measured
    ],
)
def test_plausible_or_unmeasurable_typing_is_not_flagged(fields: dict[str, float]) -> None:
    assert typing(**fields) == []


def test_typing_strength_grows_with_the_rate() -> None:
    rates = [typing(typed_chars=600, typing_seconds=600 / rate)[0].strength for rate in (13, 18, 30)]
    assert rates[0] < rates[1] < rates[2] == 1.0


def test_machine_regular_keystrokes_are_flagged() -> None:
    intervals = [100.0 + (i % 3) for i in range(30)]
    (finding,) = typing(keystroke_intervals_ms=intervals)
    assert "30 keystrokes" in finding.reason
    assert finding.strength >= REVIEW_THRESHOLD


def test_human_or_too_few_keystrokes_are_not_flagged() -> None:
    rng = random.Random(3)
    human = [rng.lognormvariate(math.log(180), 0.5) for _ in range(200)]
    assert typing(keystroke_intervals_ms=human) == []
    assert typing(keystroke_intervals_ms=[100.0] * 29) == []


# --- Telemetry validation ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "fields",
    [
        {"paste_events": -1},
        {"pasted_chars": -5},
        {"focus_lost": -1},
        {"focus_lost_seconds": -0.1},
        {"typed_chars": -1},
        {"typing_seconds": -3},
        {"keystroke_intervals_ms": [100, -1]},
        {"keystroke_intervals_ms": [float("nan")]},
        {"typing_seconds": float("inf")},
        {"keystroke_intervals_ms": [1.0] * 5001},
        {"clipboard_text": "secret"},
    ],
)
def test_telemetry_rejects_negative_absurd_and_unknown_values(fields: dict[str, object]) -> None:
    with pytest.raises(ValidationError):
        Telemetry.model_validate(fields)


def test_telemetry_defaults_to_nothing_observed() -> None:
    assert Telemetry() == Telemetry(paste_events=0, focus_lost=0, keystroke_intervals_ms=[])


# --- suspected -----------------------------------------------------------------------------------


def finding(strength: float, reason: str = "r") -> Finding:
    return Finding(kind=SignalKind.PASTE, strength=strength, reason=reason, detail={})


def test_suspected_flags_at_the_review_threshold_and_gives_the_strong_reasons_first() -> None:
    assert suspected([]) == (False, [])
    assert suspected([finding(0.49, "weak")]) == (False, [])
    assert suspected([finding(0.5, "half")]) == (True, ["half"])
    assert suspected([finding(0.2, "weak"), finding(0.6, "some"), finding(0.9, "strong")]) == (True, ["strong", "some"])


def test_finding_strength_is_bounded() -> None:
    with pytest.raises(ValidationError):
        finding(1.01)
    with pytest.raises(ValidationError):
        finding(-0.01)


# --- Whole assessments ---------------------------------------------------------------------------


def test_an_honest_answer_in_text_mode_gives_nothing() -> None:
    telemetry = Telemetry(typed_chars=len(ORDINARY), typing_seconds=60)
    assert assess(ORDINARY, None, IDEAL, earlier_answers(None, None, overlap=0.1, texts=DISFLUENT[:2]), telemetry) == []


def test_findings_become_integrity_signals() -> None:
    telemetry = Telemetry(
        paste_events=2, pasted_chars=200, focus_lost=1, focus_lost_seconds=12, typed_chars=400, typing_seconds=10
    )
    earlier = [Earlier(text=text, pause_seconds=4.5, ideal_overlap=0.1) for text in DISFLUENT]
    findings = assess(TEXTBOOK, 14.5, IDEAL, earlier, telemetry)
    assert kinds(findings) == {
        SignalKind.TEXTBOOK_ANSWER,
        SignalKind.FLUENCY_SPIKE,
        SignalKind.IDEAL_SIMILARITY,
        SignalKind.PASTE,
        SignalKind.FOCUS_LOST,
        SignalKind.TYPING_CADENCE,
    }
    for index, item in enumerate(findings):
        IntegritySignal(
            session_id="s",
            owner_id="o",
            turn_index=index,
            kind=item.kind,
            strength=item.strength,
            reason=item.reason,
            detail=item.detail,
        )
    assert assess(TEXTBOOK, 14.5, IDEAL, earlier, telemetry) == findings  # deterministic


texts = st.text(alphabet=st.characters(codec="utf-8"), max_size=400) | st.sampled_from(
    [TEXTBOOK, ORDINARY, IDEAL, *DISFLUENT]
)
pauses = st.none() | st.floats(min_value=0, max_value=600)


@settings(max_examples=150, deadline=None)
@given(
    answer=texts,
    pause=pauses,
    ideal=st.none() | texts,
    earlier=st.lists(
        st.builds(
            Earlier, text=texts, pause_seconds=pauses, ideal_overlap=st.none() | st.floats(min_value=0, max_value=1)
        ),
        max_size=6,
    ),
    telemetry=st.none()
    | st.builds(
        Telemetry,
        paste_events=st.integers(0, 10_000),
        pasted_chars=st.integers(0, 1_000_000),
        focus_lost=st.integers(0, 10_000),
        focus_lost_seconds=st.floats(0, 86_400),
        typed_chars=st.integers(0, 1_000_000),
        typing_seconds=st.floats(0, 86_400),
        keystroke_intervals_ms=st.lists(st.floats(0, 5_000), max_size=60),
    ),
)
def test_any_input_gives_bounded_specific_findings(
    answer: str, pause: float | None, ideal: str | None, earlier: list[Earlier], telemetry: Telemetry | None
) -> None:
    findings = assess(answer, pause, ideal, earlier, telemetry)
    assert len(kinds(findings)) == len(findings)  # at most one finding of each kind
    for item in findings:
        assert 0.0 <= item.strength <= 1.0
        assert 0 < len(item.reason) <= 1000
        assert any(ch.isdigit() for ch in item.reason)
    if ideal is not None:
        assert 0.0 <= overlap_with_ideal(answer, ideal) <= 1.0
