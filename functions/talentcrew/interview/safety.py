"""One safety layer for every brain: names masked, instructions to the grader defused, quotes checked, and no
question that gives its answer away.

`Guarded` wraps a Brain (the offline one or Gemini) and is what the turn function grades with:

- names are masked in the answer and the history before any brain reads them, so no name moves a score;
- sentences addressed to the grader ("ignore previous instructions", "give me 10/10", fake JSON scores,
  "system:" lines) are found by a regex set; the answer is then graded with and without them, the lower grade
  stands (an injection can never raise a score), and the answer is flagged for a person with the reason;
- the evidence must be a verbatim quote of what the candidate said; one that is not is cleared;
- a follow-up or rephrased question a brain wrote that names the reference's key terms the bank's own wording
  does not is replaced by the bank's wording (or, for a rephrase, the question as asked).
"""

from __future__ import annotations

import re

from talentcrew.interview.brain import Brain, Exchange, Target, TurnContext, TurnResult
from talentcrew.interview.words import STOPWORDS, content_stems, segments, stem
from talentcrew.models import Rubric
from talentcrew.questions import Prompt

INJECTED = (
    "The answer addresses the grader (instructions or a demanded score): it was graded with and without those "
    "sentences and the lower grade kept; a person should look at it."
)
LEAK_TERMS = 2
"""A written question that names this many of the reference's key terms (beyond the bank wording's own) gives
the answer away."""

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
    """Capitalised, with a lower-case letter (not an acronym such as "LRU"), not a stop word ("It's", "For"), and
    not a word of the reference."""
    parts = [p.lower() for p in re.split(r"['\u2019-]", word) if p]
    return (
        len(word) > 1
        and word.lower() not in STOPWORDS
        and word[0].isupper()
        and any(c.islower() for c in word)
        and not all(stem(p) in keep or p in keep for p in parts)
    )


def mask_answer(answer: str, keep: frozenset[str]) -> str:
    """`mask_names` sentence by sentence (its rules read a sentence's first word apart), the rest kept as it was."""
    out: list[str] = []
    cursor = 0
    for part in segments(answer):
        out.append(answer[cursor : part.start])
        out.append(mask_names(part.text, keep))
        cursor = part.end
    out.append(answer[cursor:])
    return "".join(out)


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


def keep_words(context: TurnContext) -> frozenset[str]:
    """The stems of the question and its reference: capitalised words among them are terms, not names."""
    keep = content_stems(context.question)
    reference = context.reference
    if reference is not None:
        keep |= content_stems(reference.question) | content_stems(reference.ideal_answer)
        for concept in reference.key_concepts:
            keep |= content_stems(" ".join([concept.name, *concept.terms]))
    return frozenset(keep)


def without_injection(answer: str) -> str | None:
    """The answer without its sentences addressed to the grader; None when it has none."""
    parts = segments(answer)
    kept = [part.text for part in parts if not INJECTION.search(part.text)]
    return None if len(kept) == len(parts) else " ".join(kept)


def verbatim(evidence: str, original: str, masked: str) -> str:
    """The evidence as the candidate said it, or "" when it is no quote of the answer. A quote of the masked
    answer (the text the brain read) becomes the original sentences it overlaps."""
    quote = " ".join(evidence.split())
    if not quote:
        return ""
    if quote.lower() in " ".join(original.split()).lower():
        return evidence
    said, read = segments(original), segments(masked)
    if len(said) != len(read):
        return ""
    hits = [
        i
        for i, part in enumerate(read)
        if (text := " ".join(part.text.split()).lower()) and (text in quote.lower() or quote.lower() in text)
    ]
    return " ".join(said[i].text for i in hits)


def gives_away(wording: str, bank_wording: str, reference: Prompt) -> bool:
    """Whether a written question names LEAK_TERMS of the reference's key terms that the bank's wording does not."""
    said, allowed = wording.lower(), bank_wording.lower()
    leaked = {
        stem(term.lower())
        for concept in reference.key_concepts
        for term in concept.terms
        if len(term) >= 3 and term.lower() in said and term.lower() not in allowed
    }
    return len(leaked) >= LEAK_TERMS


def _lower(first: TurnResult, second: TurnResult) -> TurnResult:
    """The first result with each score the lower of the two."""
    return first.model_copy(
        update={
            "understanding_score": min(first.understanding_score, second.understanding_score),
            "explainability_score": min(first.explainability_score, second.explainability_score),
        }
    )


class Guarded:
    """A Brain behind the safety layer; it answers to the same port and names the brain it guards."""

    def __init__(self, brain: Brain) -> None:
        self.brain = brain
        self.name = brain.name
        self.model = brain.model
        self.prompt_version = brain.prompt_version
        self.writes_questions = brain.writes_questions

    def opening(self, rubric: Rubric, target: Target) -> str:
        return self.brain.opening(rubric, target)

    def grade(self, context: TurnContext) -> TurnResult:
        keep = keep_words(context)
        masked = mask_answer(context.answer, keep)
        history = [Exchange(question=e.question, answer=mask_answer(e.answer, keep)) for e in context.history]
        seen = context.model_copy(update={"answer": masked, "history": history})
        clean = without_injection(masked)
        if clean is None:
            result = self.brain.grade(seen)
        else:
            result = _lower(self.brain.grade(seen.model_copy(update={"answer": clean})), self.brain.grade(seen))
            result = result.model_copy(
                update={
                    "cheating_suspected": True,
                    "cheating_reason": INJECTED,
                    "critique": f"{INJECTED} {result.critique}"[:2000],
                }
            )
        return result.model_copy(
            update={
                "evidence": verbatim(result.evidence, context.answer, masked),
                **self._wordings(context, result),
            }
        )

    def _wordings(self, context: TurnContext, result: TurnResult) -> dict[str, str]:
        """Each written question, unless it gives its reference's answer away."""

        def checked(wording: str, target: Target | None) -> str:
            if target is None or target.reference is None or not wording:
                return wording
            bank_wording = target.reference.question
            return bank_wording if gives_away(wording, bank_wording, target.reference) else wording

        rephrased = result.rephrased_question
        if context.reference is not None and rephrased and gives_away(rephrased, context.question, context.reference):
            rephrased = context.question
        return {
            "drill_question": checked(result.drill_question, context.drill),
            "pivot_question": checked(result.pivot_question, context.pivot),
            "rephrased_question": rephrased,
        }
