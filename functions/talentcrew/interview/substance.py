"""Substance, not vocabulary: what an answer's words say about whether it claims and explains anything.

Pure text rules (no model), shared by every brain's safety checks and the offline grader:

- `evasive`: hedges and generalities ("it depends on the team and the context", "there are trade-offs")
  with next to none of the reference's own content;
- `buzzwords`: terms strung together (a list, or terms in empty sentences) with nothing relating them;
- `explainability`: how well the answer explains, from its own evidence (reasoning made explicit, an
  example, a definition, an order of steps, enough words to explain), not from how right it is.

Grammar and fluency are never judged: a transcript of non-native speech must not lose points for them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from talentcrew.interview.words import STOPWORDS, content_words, stem, tokens

_HEDGE = re.compile(
    r"\b(?:it (?:really |all |just )?depends|depends (?:on|a lot)|(?:great|good|interesting|fair) question|"
    r"trade-?offs?|context|use cases?|requirements|the team|best practices?|at the end of the day|case[- ]by[- ]case|"
    r"one size|it varies|comes down to|(?:many|several|various|lots of|a lot of|different) (?:ways|approaches|"
    r"factors|things|options|considerations|aspects)|i'?d (?:want to|need to|have to|look|check|talk|consult)|"
    r"it'?s important to|important to (?:consider|think|keep)|in general|generally speaking|holistic(?:ally)?|"
    r"judgment call|business needs|stakeholders|the documentation|the situation|circumstances)\b",
    re.IGNORECASE,
)
"""Phrases that hedge or defer instead of claiming something."""

_RELATION = re.compile(
    r"\b(?:because|since|so that|so|therefore|thus|hence|which|that|when|if|then|means|unless|until|while|"
    r"whereas|instead|otherwise|but|by|before|after|until|each|every|only)\b",
    re.IGNORECASE,
)
"""Words that relate one thing to another: a buzzword list has almost none."""

_REASONING = re.compile(
    r"\b(?:because|since|so|therefore|thus|hence|which means|that means|this means|that'?s why|the reason|"
    r"as a result|otherwise|in order to|that way|if|when|unless|until|whereas|which is why)\b",
    re.IGNORECASE,
)
"""Reasoning made explicit: causes, consequences, conditions."""
_EXAMPLE = re.compile(
    r"\b(?:for example|for instance|e\.g\.?|such as|say you|say we|let'?s say|say,|imagine|suppose|"
    r"like (?:a|an|the|when|if|my|our)|in my (?:last|previous|current)|at my (?:last|previous|current)|we had|"
    r"i had|once had|in one project|on one project|in production|last year|a case where)\b",
    re.IGNORECASE,
)
_DEFINITION = re.compile(
    r"\b(?:is|are|means|refers to|is basically|is essentially|is when|is where|is just)\b",
    re.IGNORECASE,
)
_SEQUENCE = re.compile(r"\b(?:first(?:ly)?|second(?:ly)?|then|next|finally|after that|step)\b", re.IGNORECASE)
_SYMBOLS = re.compile(r"[{}()\[\];=<>*/+|&^%$#@`\\]")
_CONTRAST = re.compile(
    r"\b(?:whereas|while|but|instead|unlike|either|on the other hand|the trade-?off|versus|vs)\b", re.I
)

EVASIVE_REFERENCE_SHARE = 0.12
"""An answer whose content words are at most this share the reference's own (beyond the question's) says nothing
checkable about it: the interview set's evasive answers have a median of 0.05, its partial answers 0.47."""
EVASIVE_HEDGES = 1
EVASIVE_WORDS = 12
BUZZ_STOPWORD_SHARE = 0.20
"""Sentences relate their words with function words (about half of an explanation's words); a term list has few.
At 0.30 terse but right written answers ("gives the function access to the caller's data directly") were
taken for lists: 44 of Mohler's answers, their human mean 4.1 of 5."""
BUZZ_LIST_ITEMS = 5
BUZZ_WORDS = 10
"""Fewer words may be a right answer to a question that asks for a list ("push, pop and peek")."""
CODE_SYMBOL_SHARE = 0.12
FOREIGN_STOPWORD_SHARE = 0.15
"""Comma- or semicolon-separated items of one to three words: a list read aloud."""


@dataclass(frozen=True)
class Substance:
    """What the answer's words show, beside what the grader's model measures."""

    words: int
    reference_share: float
    """Share of the answer's content words that are the reference's (ideal answer, concept terms) and not the
    question's own: what it says about the subject, beyond echoing the question."""
    hedges: int
    stopword_share: float
    list_items: int
    relations: int
    reasoning: int
    example: bool
    definition: bool
    sequence: bool
    contrast: bool
    symbol_share: float
    """Share of the answer's non-space characters that are code punctuation: brackets, operators, quotes."""

    @property
    def unreadable(self) -> str:
        """Why the answer cannot be read as English prose, or "": code alone, or another language (almost no
        English function words and none of the reference's words, which a list of its terms would have)."""
        if self.symbol_share >= CODE_SYMBOL_SHARE:
            return "code rather than a spoken explanation"
        if self.words >= 8 and self.stopword_share < FOREIGN_STOPWORD_SHARE and self.reference_share < 0.15:
            return "not in English (or not prose)"
        return ""

    @property
    def evasive(self) -> bool:
        """Hedges or generalities with next to nothing of the subject's own content."""
        return (
            self.words >= EVASIVE_WORDS
            and self.reference_share <= EVASIVE_REFERENCE_SHARE
            and self.hedges >= EVASIVE_HEDGES
        )

    @property
    def buzzwords(self) -> bool:
        """Terms strung together: a list read aloud, or words with almost nothing relating them."""
        listed = self.list_items >= BUZZ_LIST_ITEMS and self.list_items * 3 >= self.words / 4
        bare = self.stopword_share < BUZZ_STOPWORD_SHARE and self.reasoning == 0
        return self.words >= BUZZ_WORDS and (listed or bare) and not self.example


def measure(answer: str, question: str, reference_words: str) -> Substance:
    """`reference_words`: the ideal answer and the key concepts' names and terms, as one text."""
    words = tokens(answer)
    asked = {stem(w) for w in content_words(question)}
    reference = {stem(w) for w in content_words(reference_words)} - asked
    stems = [stem(w) for w in content_words(answer)]
    items = [part.strip() for part in re.split(r"[,;\n]", answer)]
    return Substance(
        words=len(words),
        reference_share=sum(1 for s in stems if s in reference) / max(1, len(stems)),
        hedges=len(_HEDGE.findall(answer)),
        stopword_share=sum(1 for w in words if w in STOPWORDS) / max(1, len(words)),
        list_items=sum(1 for item in items if 1 <= len(item.split()) <= 3),
        relations=len(_RELATION.findall(answer)),
        reasoning=len(_REASONING.findall(answer)),
        example=bool(_EXAMPLE.search(answer)),
        definition=bool(_DEFINITION.search(answer)),
        sequence=len(_SEQUENCE.findall(answer)) >= 2,
        contrast=bool(_CONTRAST.search(answer)),
        symbol_share=len(_SYMBOLS.findall(answer)) / max(1, len("".join(answer.split()))),
    )


def explainability(substance: Substance) -> int:
    """1-10 from the answer's own evidence of explaining: reasoning made explicit (up to 4 points), an example
    (2), a contrast or trade-off named (1), a definition (1), an order of steps (1), and enough words to explain
    (1 from 40 words, 2 from 90); a fragment of under 5 words explains nothing."""
    if substance.words < 5:
        return 1
    points = 1 + min(4, substance.reasoning)
    points += 2 * substance.example + substance.contrast + substance.definition + substance.sequence
    points += (substance.words >= 40) + (substance.words >= 90)
    return max(1, min(10, points))
