"""Reviewing many candidates in the web app, in headless Chromium against the local platform.

A recruiter signs up and has two jobs. Four candidates finish text interviews over the relay, three for one job
answering three, two and none of the questions with the bank's own ideal answer (so their scores differ), one
for the other job. On the completed list the recruiter sees a transcript to check beside the flags (not as one),
picks interviews of both jobs and is told comparisons are within one job; filters to the job and sorts by
highest score, and the rows follow the scores; filters to HIRE; exports the CSV (fetched with the bearer token,
saved through a Blob URL), which holds a header and the rows shown; picks both HIRE interviews and compares
them: the chart and the table name both candidates and show their per-skill means; going back restores the
filters. Any console error fails the test.
"""

from __future__ import annotations

import csv
import json
import re
from typing import Any

import pytest
import requests
from playwright.sync_api import Browser, Locator, Page, expect
from websockets.sync.client import connect

from talentcrew.adapters.sqlite_store import SqliteStore
from talentcrew.models import Answer, Question, answer_id
from tests.api.helpers import RUBRIC, invite_token
from tests.e2e.browser import sign_up, signed_in, watch
from tests.e2e.local_platform import LocalPlatform

JOB = "Backend Engineer"
OTHER_JOB = "Data Engineer"
HIRE_AT = 50  # the job's threshold: two ideal answers of three clear it, none does not
DOES_NOT_KNOW = "I am not sure, I have never worked with that."
pytestmark = pytest.mark.timeout(600)


def _job(platform: LocalPlatform, recruiter: dict[str, str], title: str, hire_threshold: int) -> str:
    job = {"title": title, "rubric_template": RUBRIC, "interview_length": 3, "hire_threshold": hire_threshold}
    created = requests.post(f"{platform.api}/jobs/", json=job, headers=recruiter, timeout=10)
    assert created.status_code == 201, created.text
    return str(created.json()["id"])


def _interview(platform: LocalPlatform, recruiter: dict[str, str], job_id: str, name: str, ideal: int) -> str:
    """A text interview over the relay, to its end: the first `ideal` answers are the bank's ideal answer to the
    question asked (read from the platform's store), the others a candidate who does not know. Its session id."""
    api = platform.api
    email = f"{name.split(maxsplit=1)[0].lower()}@example.com"
    draft = {"job": job_id, "candidate_name": name, "candidate_email": email}
    created = requests.post(f"{api}/sessions/", json=draft, headers=recruiter, timeout=10).json()
    session_id = created["session"]["id"]
    invite = {"X-Invite-Token": invite_token(created["invite_url"])}
    ticket = requests.get(f"{api}/sessions/{session_id}/connect/", headers=invite, timeout=10).json()
    store = SqliteStore(platform.data_dir / "talentcrew.db")
    with connect(ticket["relay_url"], open_timeout=10) as ws:
        ws.send(json.dumps({"type": "start", "mode": "text", "ticket": ticket["ticket"]}))
        turn = 0
        while (message := json.loads(ws.recv(timeout=60)))["type"] != "interview_complete":
            if message["type"] != "question":
                continue
            asked = store.get(Question, answer_id(session_id, turn))
            assert asked is not None and asked.reference is not None
            text = asked.reference.ideal_answer if turn < ideal else DOES_NOT_KNOW
            ws.send(json.dumps({"type": "text_message", "text": text, "pause_seconds": 1.0}))
            turn += 1
    return str(session_id)


def _results(platform: LocalPlatform, recruiter: dict[str, str], query: str) -> list[dict[str, Any]]:
    listed = requests.get(f"{platform.api}/results/?{query}", headers=recruiter, timeout=10)
    assert listed.status_code == 200, listed.text
    items: list[dict[str, Any]] = listed.json()["items"]
    return items


def _names(page: Page) -> Locator:
    """The candidates' links of the listed rows, in order."""
    return page.locator("table.sessions tbody tr td a")


def _seed(platform: LocalPlatform, recruiter: dict[str, str]) -> tuple[str, list[dict[str, Any]]]:
    """Four finished interviews, Ada's the newest; returns the job of three and its rows, best score first."""
    job = _job(platform, recruiter, JOB, HIRE_AT)
    other_job = _job(platform, recruiter, OTHER_JOB, 70)
    for name, job_id, ideal in (("Ben Okafor", job, 2), ("Cy Young", job, 0)):
        _interview(platform, recruiter, job_id, name, ideal)
    dee = _interview(platform, recruiter, other_job, "Dee Data", 1)
    # As if Dee's first answer had been spoken and the speech engine were unsure of its words
    SqliteStore(platform.data_dir / "talentcrew.db").update(Answer, answer_id(dee, 1), {"transcript_check": True})
    _interview(platform, recruiter, job, "Ada Byron", 3)
    ranked = sorted(_results(platform, recruiter, f"job={job}"), key=lambda row: -row["overall_score"])
    scores = [row["overall_score"] for row in ranked]
    assert len(set(scores)) == 3, scores  # distinct, so the order by score is the scores' alone
    return job, ranked


def _sort_and_filter(page: Page, ranked: list[dict[str, Any]], hired: list[str]) -> None:
    page.get_by_role("link", name="Interviews").click()
    page.get_by_role("button", name="Completed").click()
    expect(page).to_have_url(re.compile(r"/sessions\?view=completed"))
    expect(_names(page)).to_have_text(["Ada Byron", "Dee Data", "Cy Young", "Ben Okafor"])  # newest completed first
    ada = page.locator("table.sessions tbody tr", has_text="Ada Byron")
    expect(ada).to_contain_text(JOB)
    expect(ada).to_contain_text("None")  # no integrity or bias flags
    dee = page.locator("table.sessions tbody tr", has_text="Dee Data")
    expect(dee).to_contain_text("None")  # a transcript to check is not a flag...
    expect(dee).to_contain_text("1 transcript to check")  # ...but shown beside them
    page.get_by_label("Select Ada Byron to compare").check()
    page.get_by_label("Select Dee Data to compare").check()
    expect(page.get_by_text("Comparisons are within one job")).to_be_visible()
    expect(page.get_by_role("button", name="Compare")).to_be_disabled()

    page.get_by_label("Job", exact=True).select_option(label=JOB)
    expect(_names(page)).to_have_count(3)
    page.get_by_label("Sort by").select_option(label="Highest score")
    expect(_names(page)).to_have_text([row["candidate_name"] for row in ranked])
    scores = page.locator("table.sessions tbody td.num")
    expect(scores).to_have_text([str(row["overall_score"]) for row in ranked])
    page.get_by_label("Recommendation").select_option("HIRE")
    expect(_names(page)).to_have_text(hired)
    expect(page).to_have_url(re.compile(r"sort=-score.*recommendation=HIRE"))


def _export(page: Page, ranked: list[dict[str, Any]], hired: list[str]) -> None:
    with page.expect_download() as download:
        page.get_by_role("button", name="Export CSV").click()
    assert re.fullmatch(r"talentcrew-results-\d{4}-\d{2}-\d{2}\.csv", download.value.suggested_filename)
    with open(download.value.path(), newline="", encoding="utf-8") as exported:
        header, *rows = list(csv.reader(exported))
    assert header[:3] == ["session_id", "candidate_name", "candidate_email"]
    assert header[-2:] == [f"skill: {skill}" for skill in RUBRIC["core_skills"]]
    shown = [row for row in ranked if row["candidate_name"] in hired]
    assert [row[:2] for row in rows] == [[row["id"], row["candidate_name"]] for row in shown]  # as listed, in order


def _compare(
    page: Page, platform: LocalPlatform, recruiter: dict[str, str], job: str, chosen: list[dict[str, Any]]
) -> None:
    names = [row["candidate_name"] for row in chosen]
    for name in names:
        page.get_by_label(f"Select {name} to compare").check()
    page.get_by_role("button", name="Compare").click()
    expect(page.get_by_role("heading", name="Compare candidates")).to_be_visible()
    expect(page).to_have_url(re.compile(rf"/jobs/{job}/compare\?sessions="))
    ids = ",".join(row["id"] for row in chosen)
    compared = requests.get(f"{platform.api}/jobs/{job}/compare/?sessions={ids}", headers=recruiter, timeout=10)
    assert compared.status_code == 200, compared.text
    interviews = compared.json()["interviews"]
    chart = page.get_by_role("img", name=re.compile(r"^Score per skill"))
    expect(chart).to_be_visible()
    for name in names:
        expect(chart.locator("text", has_text=name)).to_be_visible()  # the legend
    table = page.locator("table.compare")
    expect(table.locator("thead th a")).to_have_text(names)  # a column per candidate, linking to the interview
    for skill in RUBRIC["core_skills"]:
        means = [interview["skills"][skill] for interview in interviews]
        assert any(mean is not None for mean in means), interviews
        shown = ["—" if mean is None else f"{mean:.1f}" for mean in means]
        row = table.locator("tbody tr", has=page.get_by_role("rowheader", name=skill, exact=True))
        expect(row.locator("td")).to_have_text(shown)
        for name, said in zip(names, shown, strict=True):
            bar = chart.locator("title", has_text=f"{name}, {skill}: ")
            expect(bar).to_have_text(f"{name}, {skill}: {'no graded answer' if said == '—' else said}")


def test_sort_filter_export_and_compare(platform: LocalPlatform, browser: Browser) -> None:
    page = browser.new_context(viewport={"width": 1280, "height": 900}, accept_downloads=True).new_page()
    errors = watch(page)
    sign_up(page, platform.web, "rita@acme.example")
    recruiter = signed_in(page)
    job, ranked = _seed(platform, recruiter)
    hired = [row["candidate_name"] for row in ranked if row["recommendation"] == "HIRE"]
    assert len(hired) == 2, ranked  # Ada and Ben clear the threshold, Cy does not

    _sort_and_filter(page, ranked, hired)
    _export(page, ranked, hired)
    _compare(page, platform, recruiter, job, [row for row in ranked if row["candidate_name"] in hired])

    page.go_back()  # the list as it was left: the address kept its sort and filters
    expect(page.get_by_label("Sort by")).to_have_value("-score")
    expect(page.get_by_label("Recommendation")).to_have_value("HIRE")
    expect(_names(page)).to_have_text(hired)
    assert errors == []
