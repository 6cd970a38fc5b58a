"""Integrity signals: deterministic rules that flag an answer for a human to look at.

Nothing here rejects anyone. Each rule turns one observation (a pause, the wording of the answer,
the browser's telemetry) into a `Finding` with a strength between 0 and 1 and a reason a recruiter
can check against the transcript; `suspected` only decides whether an answer goes to human review.
The field's experience is the reason for that restraint: a single long pause is ordinary thinking
(an industry analysis that flagged long pauses caught 38.5% of interviews), and detectors of
"textbook" or AI-written text flag most essays by non-native writers (Liang et al. 2023). So the
rules compare a candidate with their own earlier answers where they can, ask for several pieces of
evidence together before a strong finding, and say what they measured.

The scale of `Finding.strength`:

- below 0.3: context for the reviewer (a long pause with an ordinary answer), never flagged;
- 0.3 to 0.5: weak evidence, shown but not flagged by itself;
- 0.5 and above (`REVIEW_THRESHOLD`): the answer is flagged for human review;
- 1.0: as strong as this rule's evidence gets (pasting the whole answer, say). It is still a
  reason to look, not a verdict.

`is_flag` is the one definition of "flag" that every count uses: a session's integrity flags are
its flagged answers (one per answer, however many strong findings it has), never its weaker signals,
which are kept and shown as context.

When the candidate asks for time ("Let me think") before the first word, the relay measures no
pause, so no pause rule judges that answer; the answer records that it asked (`Answer.asked_for_time`),
so a missing pause finding has a stated reason. A pause measured before a later request stands, and
its findings say that the time asked for afterwards was not counted.

Candidate text is data: no rule looks at names, and the only measure of language is the documented
fluency score (see `fluency`), used relative to the same candidate's own answers. Everything here is
pure: no I/O, no model, the same inputs always give the same findings in the same order.
"""

from __future__ import annotations

import itertools
import re
import statistics
from dataclasses import dataclass
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from talentcrew.interview.words import content_stems, tokens
from talentcrew.models import SignalKind

# --- Thresholds ---------------------------------------------------------------------------------

REVIEW_THRESHOLD = 0.5  # A finding this strong flags the answer for a human; weaker ones are context.
ASKED_FOR_TIME_NOTE = " (measured before the candidate asked for time to think; the time asked for is not counted)"

# Need a baseline of this many of the candidate's own earlier answers before calling anything a jump:
# one earlier answer is an anecdote, and its variance is unknown.
MIN_EARLIER_FOR_BASELINE = 2

LONG_PAUSE_SECONDS = 8.0  # The prototype's rule ("Pause > 8 seconds + robotic answer").
LONG_PAUSE_FULL_SECONDS = 30.0  # A pause this long gives LONG_PAUSE its (still low) maximum.
LONG_PAUSE_MAX_STRENGTH = 0.3  # A pause alone is thinking until something else says otherwise: never flagged.
LONG_PAUSE_MIN_STRENGTH = 0.1

TEXTBOOK_MIN_OVERLAP = 0.5  # Repeats at least half of the reference answer's key words.
TEXTBOOK_FULL_OVERLAP = 0.9  # Nearly every key word of the reference: the strongest wording evidence.
TEXTBOOK_FULL_PAUSE_SECONDS = 20.0  # Long enough to have looked the answer up and read it out.
TEXTBOOK_MIN_WORDS = 15  # Too short an answer cannot be judged polished or not.
POLISHED_MAX_FILLER_RATE = 0.02  # At most one "um"/"you know" per 50 words: read, not improvised, speech.
POLISHED_MIN_SENTENCE_WORDS = 12.0  # Long, complete sentences; improvised speech runs shorter.
# An answer no closer to the reference than this candidate's usual is their usual, not a lookup:
TEXTBOOK_CONSISTENT_MARGIN = 0.15
TEXTBOOK_CONSISTENT_FACTOR = 0.5  # ...so its strength is halved (below the review threshold).

UNIFORM_MIN_ANSWERS = 4  # Fewer pauses than this are regular by chance too often.
UNIFORM_MIN_MEAN_SECONDS = 4.0  # Assistants show a steady 3-5 s latency; quick natural replies are not it.
UNIFORM_MAX_CV = 0.15  # People's thinking time varies with the question far more than this.
UNIFORM_FULL_CV = 0.03  # Practically constant latency: the strongest regularity evidence.
UNIFORM_FULL_ANSWERS = 10  # The more answers keep the rhythm, the less it can be chance.

FLUENCY_MIN_WORDS = 15  # Shorter answers ("I don't know") say nothing about fluency; they are left out.
FLUENCY_WINDOW = 15  # Words per window of the moving type-token ratio (length-independent variety).
FLUENCY_FILLER_CEILING = 0.08  # A filler rate this high (1 word in 12.5) scores no fluency at all.
FLUENCY_SENTENCE_CEILING = 25.0  # Words per sentence at which that part of the score is full.
FLUENCY_WEIGHTS = (0.4, 0.3, 0.3)  # Fillers, sentence length, vocabulary variety.
FLUENCY_STDEV_FLOOR = 0.05  # Two or three earlier answers can agree by chance: never trust a tinier spread.
FLUENCY_MIN_Z = 3.0  # Three standard deviations above the candidate's own norm.
FLUENCY_FULL_Z = 8.0

IDEAL_MIN_OVERLAP = 0.6  # Most of the reference answer's key words.
IDEAL_MIN_JUMP = 0.3  # ...and far more of them than this candidate's earlier answers had.
IDEAL_FULL_JUMP = 0.6

PASTE_FULL_SHARE = 0.8  # Pasting this share of the answer (or more) is the strongest paste evidence.
PASTE_MIN_STRENGTH = 0.2  # A paste of unknown or tiny size: possibly the candidate's own notes.

FOCUS_PER_EVENT = 0.1  # Each time the candidate left the page.
FOCUS_FULL_SECONDS = 60.0  # A minute away during one answer is time enough to look anything up.

TYPING_MIN_CHARS = 40  # Short bursts can be fast; only a sustained rate means anything.
TYPING_MAX_CHARS_PER_SECOND = 12.0  # About 145 words a minute sustained: beyond nearly every typist.
TYPING_FULL_CHARS_PER_SECOND = 24.0
KEYSTROKE_MIN_INTERVALS = 30  # Enough keystrokes that regularity cannot be luck.
KEYSTROKE_MAX_CV = 0.1  # Human inter-key intervals vary by half their mean or more; scripts don't.
KEYSTROKE_FULL_CV = 0.02

# --- Inputs and output ---------------------------------------------------------------------------


class Telemetry(BaseModel):
    """What the browser (text mode) or the relay measured while the candidate answered; all optional."""

    model_config = ConfigDict(extra="forbid")

    paste_events: int = Field(0, ge=0, le=10_000)
    pasted_chars: int = Field(0, ge=0, le=1_000_000)
    focus_lost: int = Field(0, ge=0, le=10_000)
    focus_lost_seconds: float = Field(0, ge=0, le=86_400)
    typed_chars: int = Field(0, ge=0, le=1_000_000)
    typing_seconds: float = Field(0, ge=0, le=86_400)
    keystroke_intervals_ms: list[Annotated[float, Field(ge=0, le=3_600_000)]] = Field(
        default_factory=list, max_length=5000
    )


class Earlier(BaseModel):
    """One earlier answer of the same candidate in this interview."""

    model_config = ConfigDict(extra="forbid")

    text: str
    pause_seconds: Annotated[float, Field(ge=0)] | None = None
    ideal_overlap: Annotated[float, Field(ge=0, le=1)] | None = Field(
        default=None, description="overlap_with_ideal(text, that question's ideal answer), if known."
    )


class Finding(BaseModel):
    """One observation for a reviewer: what kind, how strong (see the module's scale), and why."""

    model_config = ConfigDict(extra="forbid")

    kind: SignalKind
    strength: Annotated[float, Field(ge=0, le=1)]
    reason: str
    detail: dict[str, float | int | str] = {}


# --- Text measures --------------------------------------------------------------------------------

_SENTENCE_END = re.compile(r"[.!?]+(?:\s|$)|\n+")
_FILLER_WORDS = frozenset({"um", "umm", "uh", "uhh", "uhm", "erm", "er", "ah", "ahh", "hmm", "hm", "mm", "eh"})
_FILLER_PHRASES = (("i", "think"), ("you", "know"), ("i", "mean"), ("i", "guess"))


def overlap_with_ideal(answer: str, ideal_answer: str) -> float:
    """The share of the ideal answer's content words that the answer contains, 0..1.

    Lexical on purpose: lower-cased words, stop words removed, light suffix stripping; a set, so word
    order and repetition do not count. An ideal answer with no content words gives 0.0.
    """
    ideal = content_stems(ideal_answer)
    if not ideal:
        return 0.0
    return len(ideal & content_stems(answer)) / len(ideal)


@dataclass(frozen=True)
class Fluency:
    """The parts of the fluency score of one text (see `fluency`)."""

    words: int
    filler_rate: float
    sentence_words: float
    variety: float
    score: float


def _filler_count(text: str, words: list[str]) -> int:
    count = sum(1 for word in words if word in _FILLER_WORDS)
    count += sum(1 for pair in itertools.pairwise(words) if pair in _FILLER_PHRASES)
    # "like" is a filler only where it is set off ("is, like, a", "Like, it") or follows another filler
    # ("um like"); "languages like Python" and "Go, like Rust" are not fillers.
    for match in re.finditer(r"\blike\b", text):
        previous = tokens(text[max(0, match.start() - 8) : match.start()])[-1:]
        if text[match.end() :].lstrip().startswith(",") or (previous and previous[0] in _FILLER_WORDS):
            count += 1
    return count


def _variety(words: list[str]) -> float:
    """Moving-average type-token ratio: distinct words per window, so length does not change it."""
    if len(words) <= FLUENCY_WINDOW:
        return len(set(words)) / len(words) if words else 0.0
    windows = [words[i : i + FLUENCY_WINDOW] for i in range(len(words) - FLUENCY_WINDOW + 1)]
    return statistics.fmean(len(set(window)) / FLUENCY_WINDOW for window in windows)


def fluency(text: str) -> Fluency:
    """A 0..1 score of how fluent, in the surface sense, a text reads.

    score = 0.4 * (1 - min(1, filler_rate / 0.08))      fewer "um", "uh", "I think", "you know", set-off "like"
          + 0.3 * min(1, words_per_sentence / 25)       longer sentences
          + 0.3 * moving type-token ratio (15 words)    more varied vocabulary

    Limitations, stated plainly: this measures surface form, not knowledge or honesty. It depends on
    the transcriber (many drop fillers, some add no punctuation, which makes one long "sentence"), on
    the topic (a candidate is more fluent on what they know), and on language background: speakers of
    English as a second language, people who stutter and people who hedge by habit score lower, and
    rehearsed phrases score higher. That is why it is only ever compared with the same candidate's own
    earlier answers (never with other candidates or a fixed norm) and why a spike flags for a human,
    who can listen, rather than deciding anything.
    """
    lowered = text.lower().replace("\u2019", "'")
    words = tokens(lowered)
    if not words:
        return Fluency(words=0, filler_rate=0.0, sentence_words=0.0, variety=0.0, score=0.0)
    filler_rate = _filler_count(lowered, words) / len(words)
    sentences = [len(tokens(part)) for part in _SENTENCE_END.split(lowered)]
    sentence_words = statistics.fmean(n for n in sentences if n) if any(sentences) else 0.0
    variety = _variety(words)
    w_fill, w_sentence, w_variety = FLUENCY_WEIGHTS
    score = (
        w_fill * (1 - min(1.0, filler_rate / FLUENCY_FILLER_CEILING))
        + w_sentence * min(1.0, sentence_words / FLUENCY_SENTENCE_CEILING)
        + w_variety * variety
    )
    return Fluency(
        words=len(words), filler_rate=filler_rate, sentence_words=sentence_words, variety=variety, score=score
    )


# --- Rules ------------------------------------------------------------------------------------------


def _ramp(value: float, start: float, full: float) -> float:
    """0 at `start`, 1 at `full` (either direction), linear between, clamped."""
    return min(1.0, max(0.0, (value - start) / (full - start)))


def _strength(value: float) -> float:
    return round(min(1.0, max(0.0, value)), 3)


def _cv(values: list[float]) -> float:
    mean = statistics.fmean(values)
    return statistics.pstdev(values) / mean if mean > 0 else float("inf")


def _earlier_overlaps(earlier: list[Earlier]) -> list[float]:
    return [item.ideal_overlap for item in earlier if item.ideal_overlap is not None]


def _pause_findings(
    answer: str, pause_seconds: float | None, overlap: float | None, earlier: list[Earlier]
) -> list[Finding]:
    """TEXTBOOK_ANSWER for a long pause followed by a polished answer close to the reference.

    A long pause with an ordinary answer (or no reference to compare with) gives a LONG_PAUSE of at
    most 0.3: never enough to flag, but kept so a reviewer reading the transcript sees the timing.
    """
    if pause_seconds is None or pause_seconds <= LONG_PAUSE_SECONDS:
        return []
    form = fluency(answer)
    polished = (
        form.words >= TEXTBOOK_MIN_WORDS
        and form.filler_rate <= POLISHED_MAX_FILLER_RATE
        and form.sentence_words >= POLISHED_MIN_SENTENCE_WORDS
    )
    if overlap is not None and overlap >= TEXTBOOK_MIN_OVERLAP and polished:
        strength = (
            0.4
            + 0.3 * _ramp(pause_seconds, LONG_PAUSE_SECONDS, TEXTBOOK_FULL_PAUSE_SECONDS)
            + 0.3 * _ramp(overlap, TEXTBOOK_MIN_OVERLAP, TEXTBOOK_FULL_OVERLAP)
        )
        reason = (
            f"Paused {pause_seconds:.1f} s, then gave a polished answer ({form.sentence_words:.1f} words per "
            f"sentence, {form.filler_rate:.0%} filler words) that repeats {overlap:.0%} of the reference "
            "answer's key words"
        )
        detail: dict[str, float | int | str] = {
            "pause_seconds": round(pause_seconds, 2),
            "ideal_overlap": round(overlap, 3),
            "filler_rate": round(form.filler_rate, 3),
            "words_per_sentence": round(form.sentence_words, 1),
        }
        baseline = _earlier_overlaps(earlier)
        if len(baseline) >= MIN_EARLIER_FOR_BASELINE:
            usual = statistics.fmean(baseline)
            detail["earlier_mean_overlap"] = round(usual, 3)
            if overlap <= usual + TEXTBOOK_CONSISTENT_MARGIN:
                strength *= TEXTBOOK_CONSISTENT_FACTOR
                reason += f", in line with the {usual:.0%} average of this candidate's earlier answers"
            else:
                reason += f" \u2014 more than the {usual:.0%} average of this candidate's earlier answers"
        return [Finding(kind=SignalKind.TEXTBOOK_ANSWER, strength=_strength(strength), reason=reason, detail=detail)]
    strength = LONG_PAUSE_MIN_STRENGTH + (LONG_PAUSE_MAX_STRENGTH - LONG_PAUSE_MIN_STRENGTH) * _ramp(
        pause_seconds, LONG_PAUSE_SECONDS, LONG_PAUSE_FULL_SECONDS
    )
    if overlap is None:
        why = "there is no reference answer to compare the answer with"
    elif overlap < TEXTBOOK_MIN_OVERLAP:
        why = f"the answer repeats only {overlap:.0%} of the reference answer's key words"
    else:
        why = (
            f"the answer reads as spoken, not read out ({form.words} words, {form.sentence_words:.1f} words per "
            f"sentence, {form.filler_rate:.0%} filler words)"
        )
    detail = {"pause_seconds": round(pause_seconds, 2)}
    if overlap is not None:
        detail["ideal_overlap"] = round(overlap, 3)
    return [
        Finding(
            kind=SignalKind.LONG_PAUSE,
            strength=_strength(strength),
            reason=(
                f"Paused {pause_seconds:.1f} s before answering (over {LONG_PAUSE_SECONDS:.0f} s), but {why}: "
                "most likely thinking time"
            ),
            detail=detail,
        )
    ]


def _uniform_pauses(pause_seconds: float | None, earlier: list[Earlier]) -> list[Finding]:
    """UNIFORM_PAUSES: the same moderately long latency before every answer, as an assistant gives."""
    if pause_seconds is None:
        return []
    pauses = [item.pause_seconds for item in earlier if item.pause_seconds is not None] + [pause_seconds]
    if len(pauses) < UNIFORM_MIN_ANSWERS:
        return []
    mean = statistics.fmean(pauses)
    cv = _cv(pauses)
    if mean <= UNIFORM_MIN_MEAN_SECONDS or cv >= UNIFORM_MAX_CV:
        return []
    strength = (
        0.3
        + 0.4 * _ramp(cv, UNIFORM_MAX_CV, UNIFORM_FULL_CV)
        + 0.3 * _ramp(len(pauses), UNIFORM_MIN_ANSWERS, UNIFORM_FULL_ANSWERS)
    )
    return [
        Finding(
            kind=SignalKind.UNIFORM_PAUSES,
            strength=_strength(strength),
            reason=(
                f"Paused {mean:.1f} s on average before each of {len(pauses)} answers, varying by only "
                f"{cv:.0%} (from {min(pauses):.1f} s to {max(pauses):.1f} s); people's thinking time usually "
                "varies with the question"
            ),
            detail={
                "answers": len(pauses),
                "mean_pause_seconds": round(mean, 2),
                "coefficient_of_variation": round(cv, 3),
            },
        )
    ]


def _fluency_spike(answer: str, earlier: list[Earlier]) -> list[Finding]:
    """FLUENCY_SPIKE: this answer far more fluent than the candidate's own earlier answers.

    Compared by z-score against the earlier answers' mean and standard deviation, the deviation
    floored at 0.05 so two similar earlier answers do not make any change look extreme. Answers under
    15 words are left out on both sides. See `fluency` for what the score can and cannot tell.
    """
    now = fluency(answer)
    if now.words < FLUENCY_MIN_WORDS:
        return []
    before = [form.score for form in (fluency(item.text) for item in earlier) if form.words >= FLUENCY_MIN_WORDS]
    if len(before) < MIN_EARLIER_FOR_BASELINE:
        return []
    mean = statistics.fmean(before)
    spread = max(statistics.stdev(before), FLUENCY_STDEV_FLOOR)
    z = (now.score - mean) / spread
    if z < FLUENCY_MIN_Z:
        return []
    strength = 0.3 + 0.7 * _ramp(z, FLUENCY_MIN_Z, FLUENCY_FULL_Z)
    return [
        Finding(
            kind=SignalKind.FLUENCY_SPIKE,
            strength=_strength(strength),
            reason=(
                f"Fluency score {now.score:.2f} ({now.filler_rate:.0%} filler words, {now.sentence_words:.1f} words "
                f"per sentence, vocabulary variety {now.variety:.2f}) against {mean:.2f} \u00b1 {spread:.2f} over this "
                f"candidate's {len(before)} earlier answers (z = {z:.1f})"
            ),
            detail={
                "fluency": round(now.score, 3),
                "earlier_mean": round(mean, 3),
                "earlier_stdev": round(spread, 3),
                "z": round(z, 2),
                "earlier_answers": len(before),
            },
        )
    ]


def _ideal_similarity(overlap: float | None, earlier: list[Earlier]) -> list[Finding]:
    """IDEAL_SIMILARITY: far closer to the reference answer than this candidate's earlier answers."""
    baseline = _earlier_overlaps(earlier)
    if overlap is None or len(baseline) < MIN_EARLIER_FOR_BASELINE:
        return []
    usual = statistics.fmean(baseline)
    jump = overlap - usual
    if overlap < IDEAL_MIN_OVERLAP or jump < IDEAL_MIN_JUMP:
        return []
    strength = 0.4 + 0.6 * _ramp(jump, IDEAL_MIN_JUMP, IDEAL_FULL_JUMP)
    return [
        Finding(
            kind=SignalKind.IDEAL_SIMILARITY,
            strength=_strength(strength),
            reason=(
                f"Repeats {overlap:.0%} of the reference answer's key words, against an average of {usual:.0%} "
                f"over this candidate's {len(baseline)} earlier answers"
            ),
            detail={"ideal_overlap": round(overlap, 3), "earlier_mean_overlap": round(usual, 3)},
        )
    ]


def _paste(answer: str, telemetry: Telemetry) -> list[Finding]:
    """PASTE: text pasted into the answer; the larger its share of the answer, the stronger."""
    if telemetry.paste_events == 0 and telemetry.pasted_chars == 0:
        return []
    share = min(1.0, telemetry.pasted_chars / max(len(answer.strip()), 1))
    strength = PASTE_MIN_STRENGTH + (1 - PASTE_MIN_STRENGTH) * _ramp(share, 0.0, PASTE_FULL_SHARE)
    events = max(telemetry.paste_events, 1)
    return [
        Finding(
            kind=SignalKind.PASTE,
            strength=_strength(strength),
            reason=(
                f"Pasted {telemetry.pasted_chars} characters in {events} paste{'s' if events > 1 else ''}, "
                f"{share:.0%} of the {len(answer.strip())}-character answer"
            ),
            detail={"paste_events": events, "pasted_chars": telemetry.pasted_chars, "share": round(share, 3)},
        )
    ]


def _focus_lost(telemetry: Telemetry) -> list[Finding]:
    """FOCUS_LOST: the candidate left the interview page while answering."""
    if telemetry.focus_lost == 0 and telemetry.focus_lost_seconds == 0:
        return []
    times = max(telemetry.focus_lost, 1)
    seconds = telemetry.focus_lost_seconds
    strength = FOCUS_PER_EVENT * times + (1 - FOCUS_PER_EVENT) * _ramp(seconds, 0.0, FOCUS_FULL_SECONDS)
    return [
        Finding(
            kind=SignalKind.FOCUS_LOST,
            strength=_strength(strength),
            reason=f"Left the interview page {times} time{'s' if times > 1 else ''} for {seconds:.1f} s in all",
            detail={"focus_lost": times, "focus_lost_seconds": round(seconds, 2)},
        )
    ]


def _typing_cadence(telemetry: Telemetry) -> list[Finding]:
    """TYPING_CADENCE: typing faster than people sustain, or keystrokes as regular as a machine's."""
    strength = 0.0
    reasons: list[str] = []
    detail: dict[str, float | int | str] = {}
    if telemetry.typed_chars >= TYPING_MIN_CHARS and telemetry.typing_seconds > 0:
        rate = telemetry.typed_chars / telemetry.typing_seconds
        if rate > TYPING_MAX_CHARS_PER_SECOND:
            strength = 0.4 + 0.6 * _ramp(rate, TYPING_MAX_CHARS_PER_SECOND, TYPING_FULL_CHARS_PER_SECOND)
            reasons.append(
                f"typed {telemetry.typed_chars} characters in {telemetry.typing_seconds:.1f} s ({rate:.1f} per "
                f"second, above the {TYPING_MAX_CHARS_PER_SECOND:.0f} people sustain)"
            )
            detail["chars_per_second"] = round(rate, 2)
    intervals = telemetry.keystroke_intervals_ms
    if len(intervals) >= KEYSTROKE_MIN_INTERVALS:
        cv = _cv(intervals)
        if cv < KEYSTROKE_MAX_CV:
            strength = max(strength, 0.5 + 0.5 * _ramp(cv, KEYSTROKE_MAX_CV, KEYSTROKE_FULL_CV))
            reasons.append(
                f"{len(intervals)} keystrokes {statistics.fmean(intervals):.0f} ms apart varying by only {cv:.0%} "
                "(people vary by half or more)"
            )
            detail["keystroke_cv"] = round(cv, 3)
            detail["keystrokes"] = len(intervals)
    if not reasons:
        return []
    reason = "; ".join(reasons)
    return [
        Finding(
            kind=SignalKind.TYPING_CADENCE,
            strength=_strength(strength),
            reason=reason[0].upper() + reason[1:],
            detail=detail,
        )
    ]


def assess(
    answer: str,
    pause_seconds: float | None,
    ideal_answer: str | None,
    earlier: list[Earlier],
    telemetry: Telemetry | None,
    asked_for_time: bool = False,
) -> list[Finding]:
    """Every rule that applies to this answer, in a fixed order; an empty list when none does.

    `pause_seconds` is the silence before the candidate began (voice mode; None in text mode),
    `ideal_answer` the question's reference answer if there is one, `earlier` this candidate's
    earlier answers in the same interview (oldest first), `telemetry` what the browser or relay saw,
    `asked_for_time` whether the candidate said "Let me think" during it (see the module's docstring).
    """
    overlap = overlap_with_ideal(answer, ideal_answer) if ideal_answer else None
    timed = [*_pause_findings(answer, pause_seconds, overlap, earlier), *_uniform_pauses(pause_seconds, earlier)]
    if asked_for_time:
        timed = [finding.model_copy(update={"reason": finding.reason + ASKED_FOR_TIME_NOTE}) for finding in timed]
    findings = [
        *timed,
        *_fluency_spike(answer, earlier),
        *_ideal_similarity(overlap, earlier),
    ]
    if telemetry is not None:
        findings += [*_paste(answer, telemetry), *_focus_lost(telemetry), *_typing_cadence(telemetry)]
    return findings


def is_flag(strength: float) -> bool:
    """Whether a finding (or the signal stored from it) this strong flags its answer for human review;
    a weaker one is context for the reviewer, shown but never counted as a flag."""
    return strength >= REVIEW_THRESHOLD


def suspected(findings: list[Finding]) -> tuple[bool, list[str]]:
    """Whether to flag the answer for human review (any finding that `is_flag`), and the reasons of
    those findings, strongest first. A flag asks a person to look; it rejects no one."""
    strong = sorted((f for f in findings if is_flag(f.strength)), key=lambda f: -f.strength)
    return bool(strong), [f.reason for f in strong]
