"""The web app's way in when emails are verified, in headless Chromium against the local platform.

A recruiter signs up and is told to check their inbox; the emailed link (read with `python -m talentcrew
mail`, as a developer would) opens a page that takes its token out of the address bar and asks for the
password chosen at sign-up: a wrong one is refused and the link keeps working; the right one opens the
app signed in. They forget their password, ask for a link from the login page, choose a new one and log
in with it. A used link says so. Any console error (a CSP violation included) fails the test.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright

from tests.e2e.browser import PASSWORD, launch, watch
from tests.e2e.local_platform import LocalPlatform, emailed_link, local_platform

EMAIL = "vera@acme.example"
NEW_PASSWORD = "a brand new passphrase"
SIGN_UP_PASSWORD = "Enter the password you chose when signing up"
pytestmark = pytest.mark.timeout(600)


@pytest.fixture(scope="module")
def platform(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalPlatform]:
    # Three failed logins below (a wrong password at the link counts as one) stay within the free ones.
    settings = {"TALENTCREW_VERIFY_EMAIL": "true", "TALENTCREW_LOGIN_FREE_FAILURES": "5"}
    with local_platform(tmp_path_factory.mktemp("platform"), **settings) as running:
        yield running


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Browser]:
    with sync_playwright() as playwright:
        browser = launch(playwright, Path(__file__))  # no microphone needed: any file will do
        yield browser
        browser.close()


def log_in(page: Page, web: str, password: str) -> None:
    page.goto(f"{web}/login")
    page.get_by_label("Email").fill(EMAIL)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()


def test_sign_up_confirm_forget_and_reset(platform: LocalPlatform, browser: Browser) -> None:
    assert any("/api/dev/mail" in line for line in platform.output)  # make dev says where the mail is
    page = browser.new_context().new_page()
    errors = watch(page)
    web = platform.web

    page.goto(f"{web}/signup")
    page.get_by_label("Full name").fill("Vera Verified")
    page.get_by_label("Work email").fill(EMAIL)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Create account").click()
    expect(page.get_by_role("status")).to_have_text("Check your inbox: we sent a link to confirm your email.")
    log_in(page, web, PASSWORD)  # not an account until the email is confirmed
    expect(page.get_by_role("alert")).to_have_text("Email or password is not right.")

    confirm = emailed_link(platform, "verify")
    page.goto(confirm)
    expect(page.get_by_role("heading", name="Confirm your email")).to_be_visible()
    expect(page).to_have_url(f"{web}/verify")  # the token left the address bar
    page.get_by_label(SIGN_UP_PASSWORD).fill("not the one I chose")
    page.get_by_role("button", name="Confirm and log in").click()
    expect(page.get_by_role("alert")).to_contain_text("This is not the password you chose when signing up")
    page.get_by_label(SIGN_UP_PASSWORD).fill(PASSWORD)  # the link still works
    page.get_by_role("button", name="Confirm and log in").click()
    expect(page.get_by_role("heading", name="Jobs", exact=True)).to_be_visible()
    page.get_by_role("button", name="Log out").click()
    expect(page.get_by_role("heading", name="Log in")).to_be_visible()

    page.get_by_role("link", name="Forgot your password?").click()
    page.get_by_label("Email").fill(EMAIL)
    page.get_by_role("button", name="Email me a link").click()
    expect(page.get_by_role("status")).to_contain_text("Check your inbox")
    page.goto(emailed_link(platform, "reset"))  # in the same tab: only the fragment changes
    expect(page.get_by_role("heading", name="Choose a new password")).to_be_visible()
    expect(page).to_have_url(f"{web}/reset")  # the token left the address bar
    page.get_by_label("New password").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Set the new password").click()
    expect(page.get_by_role("status")).to_have_text("Your password is changed. Log in with it.")

    # (The old password stopping is tested in tests/api; the failed logins so far are the sign-up form's own try,
    # the one above, and the wrong password at the link.)
    log_in(page, web, NEW_PASSWORD)
    expect(page.get_by_role("heading", name="Jobs", exact=True)).to_be_visible()

    page.goto(confirm)  # a used link: no password makes it work again
    page.get_by_label(SIGN_UP_PASSWORD).fill(PASSWORD)
    page.get_by_role("button", name="Confirm and log in").click()
    expect(page.get_by_role("alert")).to_contain_text("this link has expired or was used already")
    assert errors == []
