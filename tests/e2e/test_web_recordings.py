"""Recordings of spoken answers in the browser, against the local platform as `make dev` runs it.

A recruiter turns recording on for a job; the candidate's page says so before they agree; they answer by
voice through Chromium's fake microphone; the recruiter plays the first answer's recording beside its
transcript (the `<audio>` element must decode it and play), then erases the interview, and the
recording is gone from Blobs with it. Any console error fails the test.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, Dialog, expect

from talentcrew.recordings import object_name
from tests.e2e.browser import create_job, invite, open_invite, sign_up, take_voice_interview, watch
from tests.e2e.local_platform import LocalPlatform

QUESTIONS = 3  # the shortest interview a job may have
pytestmark = pytest.mark.timeout(600)


def accept(dialog: Dialog) -> None:
    dialog.accept()


def test_a_recorded_answer_plays_beside_its_transcript_and_is_erased_with_the_interview(
    platform: LocalPlatform, speaking_browser: Browser
) -> None:
    browser = speaking_browser
    recruiter = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    errors = watch(recruiter)
    sign_up(recruiter, platform.web, "rita@acme.example")
    create_job(recruiter, "Backend Engineer", QUESTIONS)
    record = recruiter.get_by_label("Record spoken answers for review")
    expect(record).not_to_be_checked()  # off by default
    record.check()
    recruiter.once("dialog", accept)  # the job's skill nobody can ask, warned again
    recruiter.get_by_role("button", name="Save changes").click()
    expect(recruiter.get_by_text("Changes saved.")).to_be_visible()
    expect(recruiter.get_by_label("Record spoken answers for review")).to_be_checked()
    link = invite(recruiter, "Vic Voice", "vic@example.com")

    candidate = browser.new_context(permissions=["microphone"]).new_page()
    errors += watch(candidate)
    candidate.goto(link)
    expect(candidate.get_by_text("each one is also recorded as audio", exact=False)).to_be_visible()
    open_invite(candidate, link, "voice")
    take_voice_interview(candidate, QUESTIONS)

    recruiter.get_by_role("link", name="Interviews").click()
    recruiter.get_by_role("link", name="Vic Voice").click()
    first = recruiter.locator("article.answer").first
    expect(first).to_contain_text("index")  # the transcript, beside which the recording plays
    first.get_by_role("button", name="Play recording").click()
    audio = first.get_by_label("Recording of the answer to question 1")
    expect(audio).to_be_visible()
    decoded = "audio => !audio.error && audio.readyState >= 2 && audio.duration > 1 && audio.currentTime > 0.2"
    recruiter.wait_for_function(decoded, arg=audio.element_handle(), timeout=20_000)  # decoded, and playing

    session_id = recruiter.url.rsplit("/", 1)[-1]
    stored = platform.data_dir / "blobs" / object_name(session_id, 1)
    assert stored.read_bytes().startswith(b"OggS")
    recruiter.once("dialog", accept)
    recruiter.get_by_role("button", name="Erase interview").click()
    expect(recruiter.get_by_role("heading", name="Interviews")).to_be_visible()
    assert not stored.exists()
    assert errors == []
