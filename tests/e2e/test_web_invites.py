"""Emailed interview invitations and API keys in the web app, in headless Chromium against the local platform.

A recruiter (the owner of their workspace) invites a candidate with "Email the invitation" ticked: the page says
it was emailed and still shows the link. The local mailbox (`python -m talentcrew mail`) holds the message, whose
link opens the candidate's interview. The interview page lists the invitation as sent; "Email a new link" sends a
second one, whose link works where the first stopped. Then the owner makes an API key on the Team page, sees it
once, uses it, and revokes it: the list says so and the key is refused. Any console error fails the test.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser, Dialog, Page, expect

from tests.api.helpers import RUBRIC, bearer
from tests.e2e.browser import INVITE_LINK, sign_up, signed_in, watch
from tests.e2e.local_platform import LocalPlatform, emailed_link

OWNER = "rita@acme.example"
CANDIDATE, CANDIDATE_EMAIL = "Cara Candidate", "cara@example.com"
JOB = "Site Reliability Engineer"
API_KEY = re.compile(r"^tc_[A-Za-z0-9]+_[A-Za-z0-9_-]{43}$")
pytestmark = pytest.mark.timeout(600)


def invitations_in_mailbox(platform: LocalPlatform) -> int:
    """How many interview invitations to the candidate the local mailbox holds."""
    return platform.command("mail").count(f"  to {CANDIDATE_EMAIL}  Your interview for {JOB}")


def opens_the_interview(browser: Browser, link: str) -> Page:
    """The candidate's page at `link`, showing its first screen (or why the link does not work)."""
    page = browser.new_context().new_page()
    page.goto(link)
    return page


def accept_confirm(page: Page) -> list[str]:
    """Accepts the next confirm() and keeps its question."""
    asked: list[str] = []

    def accept(dialog: Dialog) -> None:
        asked.append(dialog.message)
        dialog.accept()

    page.once("dialog", accept)
    return asked


def test_an_emailed_invite_a_resend_and_an_api_key(platform: LocalPlatform, browser: Browser) -> None:
    web, api = platform.web, platform.api
    owner = browser.new_context().new_page()
    errors = watch(owner)
    sign_up(owner, web, OWNER)
    job = owner.request.post(f"{api}/jobs/", data={"title": JOB, "rubric_template": RUBRIC}, headers=signed_in(owner))
    assert job.status == 201, job.text()
    owner.goto(f"{web}/jobs/{job.json()['id']}")
    first = _invite_by_email(owner, platform, browser)
    owner.get_by_role("link", name="View interview").click()
    _email_a_new_link(owner, platform, browser, first)
    owner.get_by_role("link", name="Team").click()
    _make_use_and_revoke_a_key(owner, api)
    assert errors == []


def _invite_by_email(owner: Page, platform: LocalPlatform, browser: Browser) -> str:
    """On the job's page: the invitation is emailed, and its link shown too. Returns the emailed link."""
    expect(owner.get_by_label("Email the invitation to the candidate")).to_be_checked()  # the default
    owner.get_by_label("Candidate name").fill(CANDIDATE)
    owner.get_by_label("Candidate email").fill(CANDIDATE_EMAIL)
    owner.get_by_role("button", name="Create invite link").click()
    expect(owner.get_by_text(f"Invitation emailed to {CANDIDATE_EMAIL}.")).to_be_visible()
    link = owner.get_by_label("Invite link")
    expect(link).to_have_value(INVITE_LINK)  # still shown, to copy
    emailed = emailed_link(platform, "interview")
    assert emailed == link.input_value()
    assert invitations_in_mailbox(platform) == 1
    expect(opens_the_interview(browser, emailed).get_by_role("heading", name=f"Interview for {JOB}")).to_be_visible()
    return emailed


def _email_a_new_link(owner: Page, platform: LocalPlatform, browser: Browser, first: str) -> None:
    """On the interview's page: the invitation is listed; a resend lists and mails a second, whose link replaces
    the first."""
    emails = owner.get_by_role("region", name="Emails to the candidate").locator("tbody tr")
    expect(emails).to_have_count(1)
    for said in ("Invitation", CANDIDATE_EMAIL, "Sent"):
        expect(emails.first).to_contain_text(said)
    asked = accept_confirm(owner)
    owner.get_by_role("button", name="Email a new link").click()
    expect(emails).to_have_count(2)
    assert asked and "stop working" in asked[0], asked
    expect(owner.get_by_text(f"Invitation emailed to {CANDIDATE_EMAIL}.")).to_be_visible()
    owner.reload()  # the list is the api's, not only the page's
    expect(emails).to_have_count(2)
    expect(emails.nth(1)).to_contain_text("Sent")
    assert invitations_in_mailbox(platform) == 2
    second = emailed_link(platform, "interview")
    assert second != first
    stale = opens_the_interview(browser, first)
    expect(stale.get_by_role("heading", name="This interview link does not work")).to_be_visible()
    expect(opens_the_interview(browser, second).get_by_role("heading", name=f"Interview for {JOB}")).to_be_visible()


def _make_use_and_revoke_a_key(owner: Page, api: str) -> None:
    """On the Team page: a key is shown once, works, and once revoked is listed so and refused."""
    keys = owner.get_by_role("region", name="API keys")
    expect(keys).to_contain_text("No API keys yet.")
    owner.get_by_label("Key name").fill("Greenhouse")
    keys.get_by_label("Results").check()
    owner.get_by_role("button", name="Create key").click()
    shown = owner.get_by_label('API key "Greenhouse"')
    expect(shown).to_have_value(API_KEY)
    expect(keys).to_contain_text("Copy it now: it will not be shown again")
    key = shown.input_value()
    row = keys.locator("tbody tr").filter(has_text="Greenhouse")
    expect(row).to_contain_text("results:read")
    expect(row).to_contain_text("Active")
    assert owner.request.get(f"{api}/results/", headers=bearer(key)).status == 200
    asked = accept_confirm(owner)
    owner.get_by_role("button", name="Revoke Greenhouse").click()
    expect(row).to_contain_text("Revoked")
    assert asked and "Greenhouse" in asked[0], asked
    expect(row).not_to_contain_text("Never")  # its use above is listed
    assert owner.request.get(f"{api}/results/", headers=bearer(key)).status == 401
    owner.reload()
    expect(row).to_contain_text("Revoked")
    expect(keys.get_by_role("button", name="Revoke Greenhouse")).to_have_count(0)
    expect(shown).to_have_count(0)  # the key itself is never shown again
