"""Words and sentences of an answer, as the graders compare them: lower-cased, stop words out, light stemming.

No language data is downloaded (there is no nltk here): a fixed stop-word list and a small suffix
stripper, shared by the offline brain and the integrity rules so both read text the same way.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

WORD = re.compile(r"[a-z0-9+#]+(?:'[a-z]+)?")

STOP_TEXT = """
    a about above after again against all also am an and any are as at be because been before being below
    between both but by can could did do does doing down during each either else etc even ever every few
    for from further get gets got had has have having he her here hers herself him himself his how however
    i if in into is it its itself just let may me might more most much must my myself no nor not now of off
    often on once one only or other others otherwise our ours ourselves out over own per rather really same
    say says she should so some such than that the their theirs them themselves then there therefore these
    they thing things this those though through thus to too under until up upon us use used uses using very
    via was way we well were what when where whether which while who whom whose why will with within without
    would yes yet you your yours yourself yourselves
    um umm uh uhh uhm erm er ah ahh hmm hm mm eh like know mean think guess basically actually okay ok so
"""
STOPWORDS = frozenset(STOP_TEXT.split())
SUFFIXES = ("ations", "ation", "ments", "ment", "ness", "ingly", "edly", "ing", "ies", "ied", "ed", "es", "ly", "s")
MIN_STEM = 3


def tokens(text: str) -> list[str]:
    return WORD.findall(text.lower().replace("\u2019", "'"))


def stem(word: str) -> str:
    """Light suffix stripping, so "indexes", "indexed" and "indexing" all match "index"."""
    if word.endswith("'s"):
        word = word[:-2]
    for suffix in SUFFIXES:
        if not word.endswith(suffix) or len(word) - len(suffix) < MIN_STEM:
            continue
        if suffix == "s" and word.endswith(("ss", "us", "is")):
            break  # "class", "status", "analysis" are not plurals.
        stem = word[: -len(suffix)]
        if suffix in ("ies", "ied"):
            stem += "y"
        elif suffix in ("ing", "ed") and stem[-1] == stem[-2] and stem[-1] not in "lsz":
            stem = stem[:-1]  # "scanning" -> "scan", "stopped" -> "stop"; "installed" keeps its "ll".
        word = stem
        break
    if word.endswith("e") and len(word) > MIN_STEM:
        word = word[:-1]  # "cache", "caches", "cached", "caching" -> "cach".
    return word


def content_words(text: str) -> list[str]:
    """Words that carry meaning: no stop words, no single letters, no contractions."""
    return [w for w in tokens(text) if w not in STOPWORDS and "'" not in w.removesuffix("'s") and len(w) > 1]


def content_stems(text: str) -> set[str]:
    return {stem(word) for word in content_words(text)}


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
