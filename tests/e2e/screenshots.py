"""`make screenshots`: every page of the web app at desktop and phone widths, with real data.

Starts the local platform in a temporary folder, walks the same flows as the end-to-end test (a
recruiter, a typed interview, a spoken one through Chromium's fake microphone) and saves a PNG of
each page as it goes: `<folder>/<page>-desktop.png` and `<folder>/<page>-phone.png`.
"""

from __future__ import annotations

import re
import sys
import tempfile
from pathlib import Path

from playwright.sync_api import Page, ViewportSize, expect, sync_playwright

from tests.e2e.browser import (
    TYPED_ANSWERS,
    answer_wav,
    create_job,
    invite,
    launch,
    open_invite,
    sign_up,
    take_text_interview,
    take_voice_interview,
)
from tests.e2e.local_platform import local_platform

SIZES: dict[str, ViewportSize] = {"desktop": {"width": 1280, "height": 800}, "phone": {"width": 390, "height": 844}}
QUESTIONS = 3  # the shortest interview a job may have


def shoot(page: Page, folder: Path, name: str) -> None:
    for size, viewport in SIZES.items():
        page.set_viewport_size(viewport)
        page.wait_for_timeout(150)
        path = folder / f"{name}-{size}.png"
        page.screenshot(path=str(path), full_page=True)
        print(f"  {path}", flush=True)
    page.set_viewport_size(SIZES["desktop"])


def main(folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as scratch, sync_playwright() as playwright:
        print("starting the local platform...", flush=True)
        with local_platform(Path(scratch) / "data") as platform:
            browser = launch(playwright, answer_wav(Path(scratch) / "answer.wav"))
            context = browser.new_context(viewport=SIZES["desktop"], permissions=["microphone"])
            recruiter = context.new_page()
            typed, spoken = recruiter_pages(recruiter, platform.web, folder)
            typed_interview(context.new_page(), typed, folder)
            spoken_interview(context.new_page(), spoken, folder)
            platform.command("analytics-tick")  # the daily audit, for the analytics page
            results(recruiter, platform.web, folder)
            browser.close()
    print(f"screenshots in {folder}/", flush=True)


def recruiter_pages(page: Page, web: str, folder: Path) -> tuple[str, str]:
    """Signs up, writes a job and invites three candidates; returns two of their links."""
    print("recruiter pages...", flush=True)
    page.goto(f"{web}/signup")
    shoot(page, folder, "signup")
    sign_up(page, web, "rita@acme.example")
    create_job(page, "Backend Engineer", QUESTIONS)
    typed = invite(page, "Tess Typist", "tess@example.com")
    spoken = invite(page, "Vic Voice", "vic@example.com")
    invite(page, "Nia Newcomer", "nia@example.com")
    shoot(page, folder, "job")
    return typed, spoken


def typed_interview(page: Page, link: str, folder: Path) -> None:
    print("a typed interview...", flush=True)
    page.goto(link)
    shoot(page, folder, "candidate-intro")
    open_invite(page, link, "text")
    shoot(page, folder, "candidate-setup")
    page.get_by_role("button", name="Start interview").click()
    expect(page.get_by_text(f"Question 1 of {QUESTIONS}")).to_be_visible(timeout=60_000)
    page.get_by_label("Your answer").fill(TYPED_ANSWERS[0])
    shoot(page, folder, "candidate-text")
    page.get_by_role("button", name="Submit answer").click()
    take_text_interview(page, QUESTIONS, first=2)
    shoot(page, folder, "candidate-finished")


def spoken_interview(page: Page, link: str, folder: Path) -> None:
    print("a spoken interview...", flush=True)
    open_invite(page, link, "voice")
    page.get_by_role("button", name="Test my microphone").click()
    expect(page.get_by_text("We can hear you.")).to_be_visible(timeout=20_000)
    shoot(page, folder, "candidate-microphone")
    page.get_by_role("button", name="Start interview").click()
    expect(page.locator(".transcript")).to_contain_text("index", timeout=60_000)
    shoot(page, folder, "candidate-voice")
    page.get_by_role("button", name="I'm done").click()
    take_voice_interview(page, QUESTIONS, first=2)


def results(page: Page, web: str, folder: Path) -> None:
    print("results...", flush=True)
    page.goto(f"{web}/jobs")
    shoot(page, folder, "jobs")
    page.goto(f"{web}/jobs/new")
    shoot(page, folder, "job-new")
    page.goto(f"{web}/sessions")
    expect(page.get_by_role("link", name="Vic Voice")).to_be_visible()
    shoot(page, folder, "interviews")
    page.get_by_role("link", name="Vic Voice").click()
    expect(page.locator("article.answer").first).to_be_visible()
    shoot(page, folder, "interview-detail")
    page.goto(f"{web}/analytics")
    for _ in range(30):  # the outbox worker hands the tick to `drift`, which loads the grader first
        if page.get_by_role("heading", name=re.compile(r"^Daily audit · ")).count():
            break
        page.wait_for_timeout(2000)
        page.reload()
    expect(page.locator("figure svg").first).to_be_visible()
    shoot(page, folder, "analytics")
    page.get_by_role("button", name="Log out").click()
    expect(page.get_by_role("heading", name="Log in")).to_be_visible()
    shoot(page, folder, "login")


if __name__ == "__main__":
    main(Path(sys.argv[1] if len(sys.argv) > 1 else "screenshots"))
