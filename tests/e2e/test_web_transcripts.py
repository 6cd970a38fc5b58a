"""A spoken answer heard with low confidence, as the recruiter's timeline shows it, in headless Chromium.

The answer is written into the local platform's store as the turn function writes one (its words and
their confidences as Deepgram heard them); the page must say the transcript needs checking, give the
confidence and mark exactly the unsure words. Any console error fails the test.
"""

from __future__ import annotations

import pytest
import requests
from playwright.sync_api import Browser, expect

from talentcrew.adapters.sqlite_store import SqliteStore
from talentcrew.models import Answer, HeardWord, answer_id, utcnow
from tests.api.helpers import PROVENANCE, RUBRIC
from tests.e2e.browser import sign_up, signed_in, watch
from tests.e2e.local_platform import LocalPlatform

pytestmark = pytest.mark.timeout(300)
HEARD = [("Shard", 0.31), ("the", 0.97), ("orders", 0.55), ("by", 0.98), ("tenant.", 0.93)]


def test_the_timeline_marks_unsure_words_and_asks_for_a_check(platform: LocalPlatform, browser: Browser) -> None:
    page = browser.new_page()
    errors = watch(page)
    sign_up(page, platform.web, "tia@acme.example")
    recruiter = signed_in(page)
    job = requests.post(
        f"{platform.api}/jobs/", json={"title": "Backend", "rubric_template": RUBRIC}, headers=recruiter, timeout=10
    )
    draft = {"job": job.json()["id"], "candidate_name": "Sam Speaker", "candidate_email": "sam@example.com"}
    session = requests.post(f"{platform.api}/sessions/", json=draft, headers=recruiter, timeout=10).json()["session"]
    SqliteStore(platform.data_dir / "talentcrew.db").create(
        Answer(
            id=answer_id(session["id"], 1),
            session_id=session["id"],
            owner_id=session["owner_id"],
            turn_index=1,
            skill="Databases",
            question_asked="How would you scale the orders table?",
            candidate_answer="Early on: " + " ".join(text for text, _ in HEARD),  # typed, then spoken
            understanding_score=6,
            explainability_score=6,
            confidence_score=6,
            transcript_confidence=0.748,
            heard_words=[HeardWord(text=text, confidence=confidence) for text, confidence in HEARD],
            transcript_check=True,
            provenance=PROVENANCE,
            asked_at=utcnow(),
        )
    )

    page.goto(f"{platform.web}/sessions/{session['id']}")
    answer = page.locator("article.answer")
    expect(answer).to_contain_text("Transcript uncertain \N{EN DASH} listen/check")
    expect(answer).to_contain_text("Heard with 75% confidence by speech recognition")
    expect(answer.locator(".said")).to_have_text("Early on: Shard the orders by tenant.")
    unsure = answer.locator("mark.unsure")
    expect(unsure).to_have_text(["Shard", "orders"])
    expect(unsure.first).to_have_attribute("title", "confidence 0.31")
    assert errors == []
