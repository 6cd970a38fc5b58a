"""Reviewing many candidates: the results list sorted, filtered and paged, its CSV export, and the comparison."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from talentcrew.audit import AuditEntry
from talentcrew.config import platform
from talentcrew.models import Answer, InterviewSession
from talentcrew.ports import every
from talentcrew.results import spreadsheet_text
from tests.api.helpers import RUBRIC, auth_headers, create_job, create_session, json_of, seed_answer

Headers = dict[str, str]
START = datetime(2025, 3, 1, 9, 0, tzinfo=UTC)


def completed(client: FlaskClient, headers: Headers, job_id: str, name: str, score: int | None, ended: datetime) -> str:
    """A session of the job, ended at `ended` with `score` (as ending it would have recorded); its id."""
    session, _ = create_session(client, headers, job_id, name)
    recommendation = None if score is None else "HIRE" if score >= 70 else "REJECT"
    changes = {"is_completed": True, "stage": "completed", "ended_at": ended, "overall_score": score}
    platform().store.update(InterviewSession, session["id"], {**changes, "recommendation": recommendation})
    return str(session["id"])


def results(client: FlaskClient, headers: Headers, query: str = "") -> dict[str, Any]:
    response = client.get(f"/api/results/?{query}", headers=headers)
    assert response.status_code == 200, response.get_data(as_text=True)
    return json_of(response)


def ids(client: FlaskClient, headers: Headers, query: str = "") -> list[str]:
    return [item["id"] for item in results(client, headers, f"limit=100&{query}")["items"]]


def every_page(client: FlaskClient, headers: Headers, sort: str, limit: int) -> list[str]:
    """The ids of every page of the list, following `next_after` to the end."""
    seen: list[str] = []
    query = f"sort={sort}&limit={limit}"
    while True:
        page = results(client, headers, query)
        assert len(page["items"]) <= limit
        seen += [item["id"] for item in page["items"]]
        if page["next_after"] is None:
            return seen
        query = f"sort={sort}&limit={limit}&after={page['next_after']}"


def refused(response: TestResponse, status: int) -> list[str]:
    """The fields a problem+json answer names (asserting its status)."""
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == "application/problem+json"
    return [str(error["loc"][-1]) for error in json_of(response).get("errors") or []]


def decide(client: FlaskClient, headers: Headers, session_id: str, decision: str) -> None:
    response = client.put(f"/api/sessions/{session_id}/decision/", json={"decision": decision}, headers=headers)
    assert response.status_code == 200, response.get_data(as_text=True)


def answer(session_id: str, workspace: str, turn: int, score: int, skill: str = "APIs", **changes: Any) -> None:
    """A graded answer on `skill` (with `changes`: a request to rephrase, a flag...)."""
    seeded = seed_answer(session_id, workspace, turn, score)
    platform().store.update(Answer, seeded.id, {"skill": skill, **changes})


def audit_actions(session_id: str | None) -> list[AuditEntry]:
    return [e for e in every(platform().store, AuditEntry, where={}) if e.session_id == session_id]


def test_every_sort_pages_through_ties_exactly_once_in_order(api_client: FlaskClient) -> None:
    headers = auth_headers(api_client, "rita@example.com")
    job = create_job(api_client, headers)
    scores = [80, 60, 80, None, 80, 95, 60]
    made = {
        completed(api_client, headers, job["id"], f"Candidate {n}", score, START + timedelta(hours=n)): (score, n)
        for n, score in enumerate(scores)
    }
    by_score = sorted(made, key=lambda sid: (-1 if made[sid][0] is None else made[sid][0], sid))
    by_time = sorted(made, key=lambda sid: made[sid][1])
    expected = {"-score": by_score[::-1], "score": by_score, "-completed_at": by_time[::-1], "completed_at": by_time}

    for sort, order in expected.items():
        for limit in (1, 2, 3):
            assert every_page(api_client, headers, sort, limit) == order, (sort, limit)
    assert ids(api_client, headers) == expected["-completed_at"]  # the default
    assert [made[sid][0] for sid in expected["-score"]] == [95, 80, 80, 80, 60, 60, None]


def test_a_cursor_is_only_good_for_its_own_sort(api_client: FlaskClient) -> None:
    headers = auth_headers(api_client, "rita@example.com")
    job = create_job(api_client, headers)
    for n in range(3):
        completed(api_client, headers, job["id"], f"Candidate {n}", 50 + n, START + timedelta(hours=n))
    cursor = results(api_client, headers, "sort=-score&limit=1")["next_after"]
    assert cursor

    for query in (f"sort=score&after={cursor}", f"after={cursor}", "after=not-a-cursor", "after=W1tdXQ"):
        assert refused(api_client.get(f"/api/results/?{query}", headers=headers), 422) == ["after"], query
    for query, field in (
        ("sort=name", "sort"),
        ("limit=0", "limit"),
        ("limit=101", "limit"),
        ("flagged=maybe", "flagged"),
    ):
        assert refused(api_client.get(f"/api/results/?{query}", headers=headers), 422) == [field], query
    assert len(results(api_client, headers, f"sort=-score&limit=1&after={cursor}")["items"]) == 1


def test_each_filter_narrows_the_list_and_rows_carry_title_and_flags(api_client: FlaskClient) -> None:
    headers = auth_headers(api_client, "rita@example.com")
    backend = create_job(api_client, headers, "Backend Engineer")
    data = create_job(api_client, headers, "Data Engineer")
    hired = completed(api_client, headers, backend["id"], "Hired", 90, START)
    rejected = completed(api_client, headers, backend["id"], "Rejected", 40, START + timedelta(hours=1))
    pending = completed(api_client, headers, data["id"], "Pending", 75, START + timedelta(hours=2))
    unended, _ = create_session(api_client, headers, backend["id"], "Still talking")
    workspace = unended["owner_id"]
    decide(api_client, headers, hired, "HIRE")
    decide(api_client, headers, rejected, "REJECT")
    answer(hired, workspace, 0, 9, is_cheating_suspected=True)
    answer(hired, workspace, 1, 9, bias_flag=True)
    answer(hired, workspace, 2, 9, bias_flag=True)
    answer(rejected, workspace, 0, 4, bias_flag=True, needs_clarification=True)  # not an answer: no flag
    answer(pending, workspace, 0, 7)

    assert ids(api_client, headers) == [pending, rejected, hired]
    assert ids(api_client, headers, f"job={backend['id']}") == [rejected, hired]
    assert ids(api_client, headers, "job=no-such-job") == []
    assert ids(api_client, headers, "recommendation=HIRE") == [pending, hired]
    assert ids(api_client, headers, "recommendation=REJECT") == [rejected]
    assert ids(api_client, headers, "decision=HIRE") == [hired]
    assert ids(api_client, headers, "decision=REJECT") == [rejected]
    assert ids(api_client, headers, "decision=pending") == [pending]
    assert ids(api_client, headers, "flagged=true") == [hired]
    assert ids(api_client, headers, "flagged=false") == [pending, rejected]
    assert ids(api_client, headers, f"job={backend['id']}&recommendation=HIRE&flagged=true") == [hired]
    assert refused(api_client.get("/api/results/?decision=maybe", headers=headers), 422) == ["decision"]

    rows = {item["id"]: item for item in results(api_client, headers)["items"]}
    assert {sid: (r["job_title"], r["integrity_flags"], r["bias_flags"]) for sid, r in rows.items()} == {
        hired: ("Backend Engineer", 1, 2),
        rejected: ("Backend Engineer", 0, 0),
        pending: ("Data Engineer", 0, 0),
    }
    assert rows[hired]["final_decision"] == "HIRE" and rows[hired]["candidate_name"] == "Hired"
    assert rows[pending]["overall_score"] == 75 and rows[pending]["is_completed"] is True


def test_the_completion_dates_are_inclusive_utc_days(api_client: FlaskClient) -> None:
    headers = auth_headers(api_client, "rita@example.com")
    job = create_job(api_client, headers)
    day = datetime(2025, 3, 1, tzinfo=UTC)
    micro = timedelta(microseconds=1)
    before = completed(api_client, headers, job["id"], "Before", 50, day - micro)
    first = completed(api_client, headers, job["id"], "First", 50, day)
    last = completed(api_client, headers, job["id"], "Last", 50, day + timedelta(days=1) - micro)
    after = completed(api_client, headers, job["id"], "After", 50, day + timedelta(days=1))

    assert ids(api_client, headers, "completed_from=2025-03-01&completed_to=2025-03-01") == [last, first]
    assert ids(api_client, headers, "completed_from=2025-03-01") == [after, last, first]
    assert ids(api_client, headers, "completed_to=2025-03-01") == [last, first, before]
    assert ids(api_client, headers, "completed_from=2025-03-02&sort=completed_at") == [after]
    assert ids(api_client, headers, "completed_to=2025-02-28") == [before]
    response = api_client.get("/api/results/?completed_from=2025-03-02&completed_to=2025-03-01", headers=headers)
    assert refused(response, 422) == ["completed_to"]
    assert refused(api_client.get("/api/results/?completed_from=March", headers=headers), 422) == ["completed_from"]


def test_another_workspace_sees_none_of_it(api_client: FlaskClient) -> None:
    headers = auth_headers(api_client, "rita@example.com")
    job = create_job(api_client, headers)
    a = completed(api_client, headers, job["id"], "Alpha", 80, START)
    b = completed(api_client, headers, job["id"], "Beta", 60, START + timedelta(hours=1))
    other = auth_headers(api_client, "sam@example.com")
    theirs = create_job(api_client, other)
    c = completed(api_client, other, theirs["id"], "Gamma", 70, START)

    assert ids(api_client, other, f"job={job['id']}") == []
    assert ids(api_client, other) == [c]
    export = api_client.get("/api/results/export.csv", headers=other).get_data(as_text=True)
    assert "Alpha" not in export and a not in export and c in export
    for job_id, pair in ((job["id"], f"{a},{b}"), (theirs["id"], f"{a},{c}"), (job["id"], f"{a},{c}")):
        response = api_client.get(f"/api/jobs/{job_id}/compare/?sessions={pair}", headers=other)
        refused(response, 404)


FORMULAS = ['=HYPERLINK("http://x","y")', "+1", "-2", "@SUM(A1)"]


def test_the_export_has_a_row_per_interview_with_skill_means_and_no_formulas(api_client: FlaskClient) -> None:
    headers = auth_headers(api_client, "rita@example.com")
    job = create_job(api_client, headers, "=1+1")
    redis = api_client.post(
        "/api/jobs/",
        json={"title": "Cache Engineer", "rubric_template": {**RUBRIC, "core_skills": ["Redis", "APIs"]}},
        headers=headers,
    )
    assert redis.status_code == 201, redis.get_data(as_text=True)
    strong = completed(api_client, headers, job["id"], "Strong", 85, START + timedelta(hours=2))
    cached = completed(api_client, headers, json_of(redis)["id"], "Cached", 30, START + timedelta(hours=1))
    tricky = [completed(api_client, headers, job["id"], name, 50, START) for name in FORMULAS]
    workspace = platform().store.get(InterviewSession, strong)
    assert workspace is not None
    answer(strong, workspace.owner_id, 0, 7, is_cheating_suspected=True)
    answer(strong, workspace.owner_id, 1, 8)
    answer(strong, workspace.owner_id, 2, 9, "Databases")
    answer(strong, workspace.owner_id, 3, 1, "Databases", needs_clarification=True)  # not graded: not counted
    answer(strong, workspace.owner_id, 4, 2, "Databases", needs_human_grade=True)  # waits for a person
    answer(cached, workspace.owner_id, 0, 3, "redis", bias_flag=True)
    decide(api_client, headers, strong, "HIRE")

    response = api_client.get("/api/results/export.csv?sort=-score", headers=headers)

    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.content_type == "text/csv; charset=utf-8"
    today = datetime.now(UTC).date().isoformat()
    assert response.headers["Content-Disposition"] == f'attachment; filename="talentcrew-results-{today}.csv"'
    header, *rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    assert header == [
        "session_id",
        "candidate_name",
        "candidate_email",
        "job_id",
        "job_title",
        "completed_at",
        "overall_score",
        "recommendation",
        "decision",
        "decided_by",
        "integrity_flags",
        "bias_flags",
        "transcript_checks",
        "skill: APIs",
        "skill: Databases",
        "skill: Redis",
    ]
    assert [row[0] for row in rows] == [strong, *sorted(tricky, reverse=True), cached]
    by_id = {row[0]: dict(zip(header, row, strict=True)) for row in rows}
    assert by_id[strong] == {
        **by_id[strong],
        "candidate_name": "Strong",
        "job_title": "'=1+1",
        "completed_at": "2025-03-01T11:00:00.000000Z",
        "overall_score": "85",
        "recommendation": "HIRE",
        "decision": "HIRE",
        "decided_by": "Rita Recruiter",
        "integrity_flags": "1",
        "bias_flags": "0",
        "transcript_checks": "0",
        "skill: APIs": "7.5",
        "skill: Databases": "9.0",
        "skill: Redis": "",
    }
    assert (by_id[cached]["job_title"], by_id[cached]["decision"], by_id[cached]["decided_by"]) == (
        "Cache Engineer",
        "pending",
        "",
    )
    assert (by_id[cached]["bias_flags"], by_id[cached]["skill: Redis"], by_id[cached]["skill: APIs"]) == (
        "1",
        "3.0",
        "",
    )
    assert sorted(by_id[sid]["candidate_name"] for sid in tricky) == sorted(f"'{name}" for name in FORMULAS)
    exported = [e for e in audit_actions(None) if e.action == "results.exported"]
    assert [(e.detail["rows"], e.actor_name) for e in exported] == [(6, "Rita Recruiter")]

    filtered = api_client.get("/api/results/export.csv?recommendation=HIRE", headers=headers).get_data(as_text=True)
    assert [row[0] for row in list(csv.reader(io.StringIO(filtered)))[1:]] == [strong]


@pytest.mark.parametrize("text", ["\tx", "\rx", "=1", "+1", "-1", "@A1"])
def test_a_cell_that_would_start_a_formula_is_written_as_text(text: str) -> None:
    """Names are stored stripped, so a tab or carriage return cannot lead one today; the rule still covers them."""
    assert spreadsheet_text(text) == "'" + text
    assert spreadsheet_text("x" + text) == "x" + text


def test_compare_shows_the_interviews_side_by_side_and_audits_each_read(api_client: FlaskClient) -> None:
    headers = auth_headers(api_client, "rita@example.com")
    job = create_job(api_client, headers)
    other_job = create_job(api_client, headers, "Data Engineer")
    first = completed(api_client, headers, job["id"], "First", 80, START)
    second = completed(api_client, headers, job["id"], "Second", 40, START + timedelta(hours=1))
    elsewhere = completed(api_client, headers, other_job["id"], "Elsewhere", 60, START)
    talking, _ = create_session(api_client, headers, job["id"], "Still talking")
    workspace = talking["owner_id"]
    answer(first, workspace, 0, 8, bias_flag=True)
    answer(first, workspace, 1, 9, "Databases", is_cheating_suspected=True)
    answer(first, workspace, 2, 8, "Databases")
    answer(second, workspace, 0, 4, "Databases", needs_clarification=True, bias_flag=True)

    response = api_client.get(f"/api/jobs/{job['id']}/compare/?sessions={second},{first}", headers=headers)

    assert response.status_code == 200, response.get_data(as_text=True)
    body = json_of(response)
    assert (body["job_id"], body["job_title"], body["skills"]) == (job["id"], "Backend Engineer", ["APIs", "Databases"])
    assert [
        (i["session_id"], i["candidate_name"], i["overall_score"], i["recommendation"], i["final_decision"])
        for i in body["interviews"]
    ] == [(second, "Second", 40, "REJECT", None), (first, "First", 80, "HIRE", None)]
    assert [(i["integrity_flags"], i["bias_flags"], i["skills"]) for i in body["interviews"]] == [
        (0, 0, {"APIs": None, "Databases": None}),
        (1, 1, {"APIs": 8.0, "Databases": 8.5}),
    ]
    assert body["interviews"][1]["completed_at"] == "2025-03-01T09:00:00.000000Z"
    for sid in (first, second):
        trail = json_of(api_client.get(f"/api/sessions/{sid}/audit/", headers=headers))["items"]
        assert [(e["action"], e["actor_name"]) for e in trail][-1] == ("session.answers_read", "Rita Recruiter")

    compare = f"/api/jobs/{job['id']}/compare/?sessions="
    for wrong in (first, f"{first},{first}", "a,b,c,d,e", f"{first},a/b", ""):
        assert refused(api_client.get(compare + wrong, headers=headers), 422) == ["sessions"], wrong
    assert refused(api_client.get(f"/api/jobs/{job['id']}/compare/", headers=headers), 422) == ["sessions"]
    refused(api_client.get(compare + f"{first},{elsewhere}", headers=headers), 404)
    refused(api_client.get(compare + f"{first},no-such-session", headers=headers), 404)
    refused(api_client.get(f"/api/jobs/no-such-job/compare/?sessions={first},{second}", headers=headers), 404)
    unended = api_client.get(compare + f"{first},{talking['id']}", headers=headers)
    refused(unended, 409)
    assert talking["id"] in json_of(unended)["detail"]
