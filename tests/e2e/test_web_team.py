"""A workspace's team in the web app, in headless Chromium against the local platform.

An owner signs up, has a job, and invites Tess as a recruiter from the Team page (a mistyped email is refused
beside its field); the invitation is listed. The emailed link opens /join, where Tess creates her account and
lands in the app, among the owner's jobs. The owner's Team page lists her as a recruiter (and refuses to leave
the workspace without an owner); the owner makes her a viewer, and after a reload Tess is offered no "New job"
nor a job's editor, and the API refuses her writes (403). Any console error fails the test.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, expect

from tests.api.helpers import RUBRIC
from tests.e2e.browser import PASSWORD, sign_up, signed_in, watch
from tests.e2e.local_platform import LocalPlatform, emailed_link

OWNER = "olive@acme.example"
OWNER_NAME = "Rita Recruiter"  # browser.sign_up's
TESS = "tess@acme.example"
JOB = "Platform Engineer"
VIEW_ONLY = "View only: ask an owner for the recruiter role."
pytestmark = pytest.mark.timeout(600)


def test_an_owner_invites_a_recruiter_then_makes_her_a_viewer(platform: LocalPlatform, browser: Browser) -> None:
    web, api = platform.web, platform.api
    owner = browser.new_context().new_page()
    owner_errors = watch(owner)
    sign_up(owner, web, OWNER)
    job = owner.request.post(f"{api}/jobs/", data={"title": JOB, "rubric_template": RUBRIC}, headers=signed_in(owner))
    assert job.status == 201, job.text()

    owner.get_by_role("link", name="Team").click()
    expect(owner.get_by_role("heading", name="Team", exact=True)).to_be_visible()
    owner.get_by_label("Email").fill("tess at acme")
    owner.get_by_role("button", name="Send invitation").click()
    expect(owner.get_by_label("Email")).to_have_attribute("aria-invalid", "true")
    expect(owner.locator('[data-field="email"] .field-error')).to_be_visible()
    owner.get_by_label("Email").fill(TESS)
    owner.get_by_label("Role", exact=True).select_option("recruiter")
    owner.get_by_role("button", name="Send invitation").click()
    expect(owner.get_by_text(f"Invitation sent to {TESS}.")).to_be_visible()
    invitations = owner.get_by_role("region", name="Open invitations")
    expect(invitations.get_by_role("row").filter(has_text=TESS)).to_contain_text("Recruiter")

    tess = browser.new_context().new_page()
    tess_errors = watch(tess)
    tess.goto(emailed_link(platform, "join"))
    expect(tess.get_by_role("heading", name="Join a workspace")).to_be_visible()
    expect(tess).to_have_url(f"{web}/join")  # the token left the address bar
    tess.get_by_label("Full name").fill("Tess Tester")
    tess.get_by_label("Password").fill(PASSWORD)
    tess.get_by_role("button", name="Create your account and join").click()
    expect(tess.get_by_role("heading", name="Jobs", exact=True)).to_be_visible()
    expect(tess.get_by_role("link", name=JOB)).to_be_visible()  # the owner's job: she is in the workspace
    expect(tess.get_by_role("link", name="New job")).to_be_visible()

    owner.reload()
    members = owner.get_by_role("region", name="Members")
    expect(members.get_by_role("row").filter(has_text=TESS)).to_contain_text("Tess Tester")
    expect(owner.get_by_label("Role of Tess Tester")).to_have_value("recruiter")
    expect(invitations).to_contain_text("No open invitations.")  # accepted
    owner.get_by_label(f"Role of {OWNER_NAME}").select_option("viewer")  # the last owner
    expect(members.get_by_role("alert")).to_contain_text("A workspace keeps at least one owner")
    expect(owner.get_by_label(f"Role of {OWNER_NAME}")).to_have_value("owner")
    owner.get_by_label("Role of Tess Tester").select_option("viewer")
    expect(members.get_by_text("Tess Tester is now a viewer.")).to_be_visible()

    tess.reload()
    expect(tess.get_by_text(VIEW_ONLY)).to_be_visible()
    expect(tess.get_by_role("link", name="New job")).to_have_count(0)
    tess.get_by_role("link", name=JOB).click()
    expect(tess.get_by_label("Job title")).to_be_disabled()
    expect(tess.get_by_role("heading", name="Invite a candidate")).to_have_count(0)
    refused = tess.request.post(
        f"{api}/jobs/", data={"title": "Sneaky", "rubric_template": RUBRIC}, headers=signed_in(tess)
    )
    assert refused.status == 403, refused.text()
    assert owner_errors == []
    assert tess_errors == []
