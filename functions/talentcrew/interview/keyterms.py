"""The words an answer is likely to hold, for the speech engine to expect (Deepgram's keyterm prompting).

A general speech model hears "Kubernetes" as "cooper nettis" and "idempotent" as "I'm potent"; told
the terms beforehand, it gets them right. The turn service knows them: the key concepts of the
question being answered (the bank's, or the recruiter's own), whose terms are the very words a strong
answer uses, and the rubric's languages and skills and the job's stack.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from talentcrew.models import Job
from talentcrew.questions import Prompt

MAX_TERMS = 50  # nova-3 takes up to 100 keyterms; fewer, sharper ones help recognition more
MAX_TERM_CHARS = 50  # a keyterm is a name or a short phrase; anything longer is a sentence
MAX_TOTAL_CHARS = 1000
"""Deepgram caps keyterms at 500 tokens per stream, and a stream over the cap stops transcribing. A token of
technical text is 2-4 characters, so 1000 characters stay under it with room to spare."""


def _as_said(term: str, ideal_answer: str) -> str | None:
    """The term as the ideal answer writes it ("b-tree" -> "B-tree"); None if it never says it as a whole word.

    Concept terms are written for matching answers, so some are stems ("selectiv", "durab"): told to expect
    a stem, an engine would spell it so. A term the ideal answer says whole is a word people say.
    """
    found = re.search(rf"(?<!\w){re.escape(term)}(?!\w)", ideal_answer, re.IGNORECASE)
    return found.group(0) if found else None


def _terms(job: Job, reference: Prompt | None) -> Iterable[str]:
    """Most telling first: the question's concept terms, then the rubric's languages and skills, then the stack."""
    if reference is not None:
        said = (_as_said(term, reference.ideal_answer) for concept in reference.key_concepts for term in concept.terms)
        yield from (term for term in said if term)
    rubric = job.rubric_template
    yield from (*rubric.languages, *rubric.core_skills, *job.stack)


def for_answer(job: Job, reference: Prompt | None) -> list[str]:
    """The keyterms of an answer to a question on `reference` (None: a question the brain wrote), each once
    whatever its case, within Deepgram's limits."""
    chosen: list[str] = []
    seen: set[str] = set()
    total = 0
    for raw in _terms(job, reference):
        term = " ".join(raw.split())
        key = term.casefold()
        if not term or len(term) > MAX_TERM_CHARS or key in seen or total + len(term) > MAX_TOTAL_CHARS:
            continue
        chosen.append(term)
        seen.add(key)
        total += len(term)
        if len(chosen) == MAX_TERMS:
            break
    return chosen
