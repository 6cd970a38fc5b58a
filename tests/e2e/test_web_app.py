"""The web app end to end, in headless Chromium against the local platform as `make dev` runs it.

A recruiter signs up, writes a job's rubric (meeting the API's validation on the way), turns on recordings
of spoken answers and invites two candidates; one answers by typing, the other by voice through Chromium's
fake microphone playing a recorded answer (the page says the answers are recorded before they agree); the
recruiter then finds both results, opens them, plays a spoken answer's recording beside its transcript,
downloads a scorecard, looks at the analytics, and finally erases the spoken interview, whose recordings
go with it. Any console error (a CSP violation included) fails the test.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Dialog, Page, expect
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

from talentcrew.models import recording_name
from tests.e2e.browser import (
    OWN_QUESTION,
    Network,
    create_job,
    invite,
    open_invite,
    sign_up,
    take_text_interview,
    take_voice_interview,
    watch,
)
from tests.e2e.local_platform import LocalPlatform

QUESTIONS = 3  # the shortest interview a job may have
PASTED = "The N+1 problem is one query for a list and then one more query for every row of it."
BEFORE_THE_DROP = "Cache-aside reads through the cache and fills it on a miss."
AFTER_THE_DROP = " Write-through updates the cache together with the database on every write."
pytestmark = pytest.mark.timeout(600)


def _page(browser: Browser, **options: object) -> tuple[Page, list[str]]:
    page = browser.new_context(viewport={"width": 1280, "height": 900}, **options).new_page()  # type: ignore[arg-type]
    return page, watch(page)


def _accept(dialog: Dialog) -> None:
    dialog.accept()


def _record_spoken_answers(recruiter: Page) -> None:
    """Turns recordings on for the job just created: off by default, and fixed at each invitation."""
    record = recruiter.get_by_label("Record spoken answers for review")
    expect(record).not_to_be_checked()
    record.check()
    recruiter.once("dialog", _accept)  # the job's skill nobody can ask, warned again
    recruiter.get_by_role("button", name="Save changes").click()
    expect(recruiter.get_by_text("Changes saved.")).to_be_visible()
    expect(recruiter.get_by_label("Record spoken answers for review")).to_be_checked()


def _play_first_recording(recruiter: Page) -> None:
    """Plays the first answer's recording beside its transcript: the `<audio>` element must decode it and play."""
    first = recruiter.locator("article.answer").first
    first.get_by_role("button", name="Play recording").click()
    audio = first.get_by_label("Recording of the answer to question 1")
    expect(audio).to_be_visible()
    decoded = "audio => !audio.error && audio.readyState >= 2 && audio.duration > 1 && audio.currentTime > 0.2"
    recruiter.wait_for_function(decoded, arg=audio.element_handle(), timeout=20_000)


def _download_scorecard(page: Page) -> bytes:
    """The report function renders the PDF a moment after the interview ends: until then, the page says so."""
    for _ in range(30):
        try:
            with page.expect_download(timeout=3000) as download:
                page.get_by_role("button", name="Download scorecard (PDF)").click()
            return Path(download.value.path()).read_bytes()
        except PlaywrightTimeoutError:
            expect(page.get_by_text("still being prepared", exact=False)).to_be_visible()
    raise AssertionError("the scorecard never became ready")


def _typed_interview(browser: Browser, link: str) -> list[str]:
    """Types every answer; asks for time and pastes in the first. The last is half typed when the network goes
    down; the candidate asks for time while it is down, and reloads the page once it is back: the request for
    time reaches the relay and outlives the reload, the words typed survive the drop (not the reload)."""
    typist, errors = _page(browser, permissions=["clipboard-read", "clipboard-write"])
    network = Network(typist)
    open_invite(typist, link, "text")
    typist.get_by_role("button", name="Start interview").click()
    expect(typist.get_by_text(f"Question 1 of {QUESTIONS}")).to_be_visible(
        timeout=60_000
    )  # the first turn loads the grader
    box = typist.get_by_label("Your answer")
    expect(box).to_be_focused()
    think = typist.get_by_role("button", name="Let me think")  # the text form's own
    think.click()
    expect(think).to_have_attribute("aria-pressed", "true")
    box.press_sequentially("From the docs: ", delay=2)
    typist.evaluate("text => navigator.clipboard.writeText(text)", PASTED)
    box.press("ControlOrMeta+V")  # a real paste event, which the page reports
    expect(box).to_have_value("From the docs: " + PASTED)
    typist.get_by_role("button", name="Submit answer").click()
    take_text_interview(typist, QUESTIONS, first=2, last=QUESTIONS - 1)
    expect(typist.get_by_text(f"Question {QUESTIONS} of {QUESTIONS}")).to_be_visible()
    expect(think).to_have_attribute("aria-pressed", "false")  # a new question: not asked for yet
    box.press_sequentially(BEFORE_THE_DROP, delay=2)
    with network.down():
        expect(typist.get_by_role("status")).to_contain_text("reconnecting", timeout=15_000)
        think.click()  # asked for while the network is down: sent once it is back
    expect(typist.get_by_role("status")).to_have_text("Reconnected.", timeout=15_000)
    expect(box).to_have_value(BEFORE_THE_DROP)  # nothing typed is lost
    expect(think).to_have_attribute("aria-pressed", "true")  # nor the request for time
    box.press_sequentially(AFTER_THE_DROP, delay=2)
    typist.reload()  # a fresh page knows only what the relay kept: the request for time, not the words typed
    open_invite(typist, link, "text")
    typist.get_by_role("button", name="Start interview").click()
    expect(typist.get_by_text(f"Question {QUESTIONS} of {QUESTIONS}")).to_be_visible(timeout=15_000)
    expect(think).to_have_attribute("aria-pressed", "true")
    expect(box).to_have_value("")
    box.press_sequentially(BEFORE_THE_DROP + AFTER_THE_DROP, delay=2)
    typist.get_by_role("button", name="Submit answer").click()
    expect(typist.get_by_role("heading", name="Thank you, Tess Typist!")).to_be_visible(timeout=30_000)
    typist.get_by_label("Sex").select_option("female")  # optional, for the bias audit only
    typist.get_by_role("button", name="Save").click()
    expect(typist.get_by_role("status").filter(has_text="Saved")).to_have_text("Saved. Thank you.")
    return errors


def _spoken_interview(browser: Browser, link: str) -> list[str]:
    """Opens the link in its old form (sent before the token moved to the fragment): it still works."""
    speaker, errors = _page(browser, permissions=["microphone"])
    old_form = link.replace("/interview#t=", "/interview/")
    speaker.goto(old_form)
    expect(speaker.get_by_text("each one is also recorded as audio", exact=False)).to_be_visible()  # consent
    open_invite(speaker, old_form, "voice")
    assert speaker.url == link  # the page took the token out of the path at once
    take_voice_interview(speaker, QUESTIONS)
    return errors


def _analytics_and_daily_audit(recruiter: Page, platform: LocalPlatform) -> None:
    """The charts, then the daily ticks as a developer sends them: the outbox's dispatcher hands the retention
    tick to `retention` and the analytics tick to `drift`; the page shows the report with what retention did."""
    recruiter.get_by_role("link", name="Analytics").click()
    for caption in ("Average score per job", "Integrity-flag rate per job", "Most-missed concepts", "Scores over time"):
        figure = recruiter.locator("figure", has=recruiter.get_by_text(caption, exact=True))
        expect(figure.locator("svg")).to_be_visible()
    expect(recruiter.locator("figure", has_text="Average score per job")).to_contain_text("Backend Engineer")
    expect(recruiter.get_by_text("The first daily audit", exact=False)).to_be_visible()

    assert "announced" in platform.command("retention-tick")
    assert "announced" in platform.command("analytics-tick")
    audit = recruiter.get_by_role("heading", name=re.compile(r"^Daily audit · "))
    for _ in range(30):
        recruiter.reload()
        if audit.count():
            break
        recruiter.wait_for_timeout(2000)
    expect(audit).to_be_visible()
    checks = recruiter.locator(".checks")
    expect(checks).to_contain_text("golden set")  # the grader re-graded its golden set
    expect(checks).to_contain_text("8 names")  # the name-swap audit re-graded the interviews' answers
    expect(checks).to_contain_text("Interviews are kept until you erase them.")  # retention ran first, erasing nothing


def test_recruiter_and_two_candidates(platform: LocalPlatform, speaking_browser: Browser) -> None:
    browser = speaking_browser
    recruiter, recruiter_errors = _page(browser, accept_downloads=True)
    sign_up(recruiter, platform.web, "rita@acme.example")
    create_job(recruiter, "Backend Engineer", QUESTIONS)
    _record_spoken_answers(recruiter)
    typed_link = invite(recruiter, "Tess Typist", "tess@example.com")
    spoken_link = invite(recruiter, "Vic Voice", "vic@example.com")
    candidate_errors = _typed_interview(browser, typed_link) + _spoken_interview(browser, spoken_link)

    recruiter.get_by_role("link", name="Interviews").click()
    rows = recruiter.locator("tbody tr")
    for name in ("Tess Typist", "Vic Voice"):
        row = rows.filter(has_text=name)
        expect(row).to_contain_text("Completed")
        expect(row).to_contain_text("Backend Engineer")
        expect(row.locator("td.num")).to_have_text(re.compile(r"^\d{1,3}$"))  # the score

    recruiter.get_by_role("link", name="Tess Typist").click()
    typed = recruiter.locator("article.answer")
    expect(typed.first).to_contain_text("Pasted text")  # the paste reached the integrity rules, with its reason
    expect(typed.first).to_contain_text(f"Pasted {len(PASTED)} characters in 1 paste")
    expect(typed.first).to_contain_text("Asked for time to think")  # recorded with the answer, and shown
    expect(typed.nth(1)).not_to_contain_text("Asked for time to think")
    flags = recruiter.locator(".flag h4", has_text="Possible outside help")  # the things shown as flags
    expect(flags.first).to_be_visible()
    expect(recruiter.locator(".session-head")).to_contain_text(re.compile(rf"(?<!\d){flags.count()} integrity flag"))
    expect(typed.last).to_contain_text(BEFORE_THE_DROP + AFTER_THE_DROP)
    expect(typed.last).to_contain_text("Asked for time to think")  # asked while the network was down, sent once back
    expect(typed.last).to_contain_text(OWN_QUESTION)  # the recruiter's own question, asked for its skill
    recruiter.go_back()

    recruiter.get_by_role("link", name="Vic Voice").click()
    expect(recruiter.get_by_role("heading", name="Vic Voice")).to_be_visible()
    answers = recruiter.locator("article.answer")
    expect(answers).to_have_count(QUESTIONS)
    expect(answers.first).to_contain_text("index")  # the transcript of what the fake microphone said
    _play_first_recording(recruiter)
    spoken_session = recruiter.url.rsplit("/", 1)[-1]
    recording = platform.data_dir / "blobs" / recording_name(spoken_session, 1)
    assert recording.read_bytes().startswith(b"OggS")
    assert _download_scorecard(recruiter).startswith(b"%PDF")

    _analytics_and_daily_audit(recruiter, platform)

    recruiter.get_by_role("link", name="Interviews").click()
    recruiter.get_by_role("link", name="Vic Voice").click()
    recruiter.once("dialog", _accept)
    recruiter.get_by_role("button", name="Erase interview").click()
    expect(recruiter.get_by_role("heading", name="Interviews")).to_be_visible()
    assert not recording.exists()  # erased with the interview

    assert recruiter_errors + candidate_errors == []
