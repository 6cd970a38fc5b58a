"""The web app in a real browser: Debian's Chromium driven by Playwright, and the people who use
it (a recruiter, candidates by text and by voice) as flows that the end-to-end test and the
screenshots both follow.
"""

from __future__ import annotations

import re
import wave
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from playwright.sync_api import Browser, ConsoleMessage, Dialog, Page, Playwright, WebSocketRoute, expect

from tests.api.helpers import bearer
from tests.speech_audio import silence, speech

CHROMIUM = "/usr/bin/chromium"
# As root in a container, with no network: no sandbox, and none of Chromium's calls home.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
PASSWORD = "correct horse battery"
ANSWERED_4XX = re.compile(r"^Failed to load resource: the server responded with a status of 4\d\d ")
OFFLINE = "Failed to load resource: net::ERR_INTERNET_DISCONNECTED"  # asked while a test took the network down
FINISHED = re.compile(r"^Thank you, .+!$")  # a question may open with "Thank you." too
INVITE_LINK = re.compile(r"^http://127\.0\.0\.1:\d+/interview#t=[A-Za-z0-9_-]{43}$")  # the token in the fragment
SPOKEN_ANSWER = (
    "I would add an index on the customer column, so the query stops scanning the whole table, "
    "and I would check the plan with explain analyze."
)
TYPED_ANSWERS = [
    "I would look at the query plan with EXPLAIN ANALYZE first. A sequential scan over a large table "
    "means a missing index, so I would add a composite index on the filtered columns and check again.",
    "A cache in front of the database keeps hot results in memory. I would pick a time to live that "
    "matches how stale the data may be, and invalidate entries on writes to avoid serving old values.",
    "I would measure first, then fix the biggest cost: batch the queries to avoid N plus one, "
    "and keep the connection pool small enough for the database.",
]


OWN_SKILL = "Backend Performance Tuning"
OWN_QUESTION = "An API got slow under load last week. How would you find and fix the cause?"
OWN_CONCEPTS = "measuring first: measure, profile\nbatching: batch, n plus one\npooling: pool"
OWN_IDEAL = (
    "Measure first: profile the slow endpoints to see where the time goes before changing anything. Often it is "
    "the database, so batch queries that run once per row (the n plus one problem), size the connection pool to "
    "what the database can serve, and cache hot reads."
)


def answer_wav(path: Path) -> Path:
    """The voice candidate's microphone: Chromium plays this file in a loop as the fake device."""
    pcm = silence(1.0) + speech(SPOKEN_ANSWER) + silence(2.5)  # shorter than the relay's patience (5 s)
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(16_000)
        out.writeframes(pcm)
    return path


def launch(playwright: Playwright, microphone: Path) -> Browser:
    """Headless Chromium whose microphone is `microphone` and which asks no permission for it."""
    return playwright.chromium.launch(
        executable_path=CHROMIUM,
        args=[
            *CHROMIUM_ARGS,
            "--use-fake-device-for-media-stream",
            "--use-fake-ui-for-media-stream",
            f"--use-file-for-fake-audio-capture={microphone}",
            "--autoplay-policy=no-user-gesture-required",
        ],
    )


def watch(page: Page) -> list[str]:
    """Every console error and uncaught exception of the page (a CSP violation is one)."""
    problems: list[str] = []

    def console(message: ConsoleMessage) -> None:
        # Chromium logs every 4xx the app asked for (a 422 it shows inline, a 409 "not ready"):
        # those are answers the page handles; anything else is a problem.
        if message.type == "error" and not ANSWERED_4XX.match(message.text) and message.text != OFFLINE:
            problems.append(f"console: {message.text} at {message.location.get('url')}")

    page.on("console", console)
    page.on("pageerror", lambda error: problems.append(f"page error: {error}"))
    return problems


class Network:
    """The page's interview sockets pass through here, so the test can cut them like a dropped network."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.sockets: list[tuple[WebSocketRoute, WebSocketRoute]] = []
        page.route_web_socket(re.compile(r"/ws/interview/"), self._route)

    def _route(self, socket: WebSocketRoute) -> None:
        self.sockets.append((socket, socket.connect_to_server()))  # messages pass both ways as they are

    def drop(self) -> None:
        """Both ends see the connection go, as when a train enters a tunnel."""
        for page_side, server_side in self.sockets:
            server_side.close(code=1001, reason="network dropped")
            page_side.close(code=1001, reason="network dropped")
        self.sockets.clear()

    @contextmanager
    def down(self) -> Iterator[None]:
        """The connection drops and every try to reconnect fails until the block ends."""
        self.page.context.set_offline(True)
        self.drop()
        try:
            yield
        finally:
            self.page.context.set_offline(False)


# -- the recruiter -------------------------------------------------------------------------------------


def sign_up(page: Page, web: str, email: str) -> None:
    page.goto(f"{web}/signup")
    page.get_by_label("Full name").fill("Rita Recruiter")
    page.get_by_label("Company").fill("Acme")
    page.get_by_label("Work email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Create account").click()
    expect(page.get_by_role("heading", name="Jobs", exact=True)).to_be_visible()


def create_job(page: Page, title: str, answers: int) -> str:
    """Creates a job through the rubric editor, meeting its validation on the way, with a question of the
    recruiter's own and a skill nobody can ask (warned); returns its id."""
    page.get_by_role("link", name="New job").first.click()
    page.get_by_label("Job title").fill(title)
    page.get_by_label("Tech stack").fill("Python, Django, Postgres")
    page.get_by_label("Languages").fill("Python, SQL")
    page.get_by_label("Experience level").select_option("Mid-Level")
    page.get_by_label("Evaluation focus").fill("Problem Solving")
    page.get_by_role("button", name="Create job").click()  # no core skills yet: the API says so
    core_skills = page.get_by_label("Core skills")
    expect(core_skills).to_have_attribute("aria-invalid", "true")
    expect(page.locator('[data-field="rubric_template.core_skills"] .field-error')).to_be_visible()
    core_skills.fill(f"Database Query Optimization, Caching Strategies, {OWN_SKILL}, Origami")
    page.get_by_label("Answers per interview").fill(str(answers))
    coverage = page.locator(".coverage li")
    expect(coverage).to_have_count(4)  # where each skill's questions come from, as the recruiter types
    expect(coverage.nth(1)).to_contain_text("bank questions (Caching)")
    expect(coverage.nth(2)).to_contain_text("no interviewer can ask about it")
    page.get_by_label("For skill").select_option(OWN_SKILL)
    page.get_by_label("Your question").fill(OWN_QUESTION)
    page.get_by_label("Its ideal answer").fill(OWN_IDEAL)
    page.get_by_label("Key concepts").fill(
        "measuring first: measure, profile\nbatching: batch, n plus one\npooling: pool"
    )
    page.get_by_role("button", name="Add question").click()
    expect(page.locator(".own-questions li")).to_contain_text(f"{OWN_SKILL} · Mid-level — {OWN_QUESTION}")
    expect(coverage.nth(2)).to_contain_text("1 question of your own")
    expect(coverage.nth(3)).to_contain_text("no interviewer can ask about it")
    warned: list[str] = []

    def accept(dialog: Dialog) -> None:
        warned.append(dialog.message)
        dialog.accept()

    page.once("dialog", accept)
    page.get_by_role("button", name="Create job").click()
    page.wait_for_url("**/jobs/*-*")
    assert len(warned) == 1 and "Origami" in warned[0], warned
    expect(page.locator(".own-questions li")).to_have_count(1)  # stored with the job
    return page.url.rsplit("/", 1)[-1]


def invite(page: Page, name: str, email: str) -> str:
    """Creates a session on the open job's page; returns the candidate's invite link."""
    link = page.get_by_label("Invite link")
    before = link.input_value() if link.count() else ""  # the box shows the last link made
    page.get_by_label("Candidate name").fill(name)
    page.get_by_label("Candidate email").fill(email)
    page.get_by_role("button", name="Create invite link").click()
    expect(link).to_have_value(INVITE_LINK)
    expect(link).not_to_have_value(before)
    return link.input_value()


# -- the candidates ------------------------------------------------------------------------------------


def open_invite(page: Page, url: str, mode: str) -> None:
    page.goto(url)
    page.get_by_label("I have read this and agree to take part").check()
    page.get_by_role("button", name="Continue").click()
    page.get_by_label("Speak my answers" if mode == "voice" else "Type my answers").check()


def take_text_interview(page: Page, questions: int, first: int = 1, last: int | None = None) -> None:
    """Types the answers to questions `first`..`last` (default: all), then, if that was all, sees the end."""
    last = questions if last is None else last
    for number in range(first, last + 1):
        expect(page.get_by_text(f"Question {number} of {questions}")).to_be_visible(timeout=60_000)
        box = page.get_by_label("Your answer")
        expect(box).to_be_focused()
        box.press_sequentially(TYPED_ANSWERS[(number - 1) % len(TYPED_ANSWERS)], delay=2)
        page.get_by_role("button", name="Submit answer").click()
    if last == questions:
        expect(page.get_by_role("heading", name=FINISHED)).to_be_visible(timeout=30_000)


def take_voice_interview(page: Page, questions: int, first: int = 1) -> None:
    """Answers questions `first`..`questions` aloud (the fake microphone), each ended by "I'm done"."""
    if first == 1:
        page.get_by_role("button", name="Test my microphone").click()
        expect(page.get_by_text("We can hear you.")).to_be_visible(timeout=20_000)
        page.get_by_role("button", name="Start interview").click()
    for number in range(first, questions + 1):
        expect(page.get_by_text(f"Question {number} of {questions}")).to_be_visible(timeout=60_000)
        expect(page.get_by_text("Listening…", exact=False)).to_be_visible(timeout=60_000)
        expect(page.locator(".transcript")).to_contain_text("index", timeout=60_000)
        page.get_by_role("button", name="I'm done").click()
    expect(page.get_by_role("heading", name=FINISHED)).to_be_visible(timeout=60_000)


def signed_in(page: Page) -> dict[str, str]:
    """The Authorization header of the page's signed-in member, to call the API as them."""
    return bearer(page.evaluate("localStorage.getItem('talentcrew.token')"))
