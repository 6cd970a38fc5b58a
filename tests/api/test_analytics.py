"""GET /api/analytics/: figures checked against a small example worked by hand, over both Stores."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

import pytest
from flask.testing import FlaskClient

from talentcrew.adapters.local_brain import LocalBrain
from talentcrew.analytics import daily
from talentcrew.config import platform
from talentcrew.interview.safety import Guarded
from talentcrew.models import Answer, InterviewSession, SelfIdentification, Stage
from tests.api.helpers import auth_headers, bearer, create_job, create_session, seed_answer

PATH = "/api/analytics/"


def analytics(client: FlaskClient, headers: dict[str, str]) -> dict[str, Any]:
    response = client.get(PATH, headers=headers)
    assert response.status_code == 200, response.get_data(as_text=True)
    body: dict[str, Any] = response.get_json()
    return body


def answer(
    session: dict[str, Any],
    turn: int,
    concepts: list[str],
    *,
    cheating: bool = False,
    bias: bool = False,
    clarification: bool = False,
) -> None:
    seeded = seed_answer(session["id"], session["owner_id"], turn, 7, cheating=cheating, bias=bias)
    platform().store.update(Answer, seeded.id, {"concepts_missed": concepts, "needs_clarification": clarification})


def complete(session: dict[str, Any], score: int | None, ended_at: datetime) -> None:
    changes = {"is_completed": True, "stage": Stage.COMPLETED, "overall_score": score, "ended_at": ended_at}
    platform().store.update(InterviewSession, session["id"], changes)


def test_figures_match_a_small_example_worked_by_hand(api_client: FlaskClient) -> None:
    headers = auth_headers(api_client, "rita@example.com")
    backend = create_job(api_client, headers, "Backend Engineer")
    data = create_job(api_client, headers, "Data Engineer")
    empty = create_job(api_client, headers, "Empty Job")
    s1, _ = create_session(api_client, headers, backend["id"])
    s2, _ = create_session(api_client, headers, backend["id"])
    s3, _ = create_session(api_client, headers, backend["id"])
    s4, _ = create_session(api_client, headers, backend["id"])
    s5, _ = create_session(api_client, headers, data["id"])
    s6, _ = create_session(api_client, headers, data["id"])
    answer(s1, 0, ["Indexes", "locks"], cheating=True)
    answer(s1, 1, ["locks"], bias=True)
    answer(s1, 2, ["ignored"], cheating=True, bias=True, clarification=True)  # not an answer: never counted
    answer(s2, 0, ["caching"])
    answer(s2, 1, ["indexes"], cheating=True)  # the same concept as "Indexes"
    answer(s4, 0, ["zeta", "alpha"])  # s4 is still running
    complete(s1, 100, datetime(2026, 3, 4, 12, 0, tzinfo=UTC))  # a Wednesday: week of Monday 2 March
    complete(s2, 70, datetime(2026, 3, 9, 0, 30, tzinfo=timezone(timedelta(hours=2))))  # Sunday 8 March in UTC
    complete(s3, None, datetime(2026, 3, 9, 9, 0, tzinfo=UTC))  # ended with nothing scored
    complete(s5, 9, datetime(2026, 2, 23, 0, 0, tzinfo=UTC))  # a Monday, at midnight
    complete(s6, 10, datetime(2026, 2, 28, 23, 59, tzinfo=UTC))

    body = analytics(api_client, headers)

    assert body["jobs"] == [
        {
            "job_id": empty["id"],
            "title": "Empty Job",
            "sessions": 0,
            "completed": 0,
            "average_score": None,
            "answers": 0,
            "flagged_answers": 0,
            "integrity_flag_rate": None,
            "bias_flags": 0,
        },
        {
            "job_id": data["id"],
            "title": "Data Engineer",
            "sessions": 2,
            "completed": 2,
            "average_score": pytest.approx(9.5),
            "answers": 0,
            "flagged_answers": 0,
            "integrity_flag_rate": None,
            "bias_flags": 0,
        },
        {
            "job_id": backend["id"],
            "title": "Backend Engineer",
            "sessions": 4,
            "completed": 3,
            "average_score": pytest.approx(85.0),
            "answers": 5,
            "flagged_answers": 2,
            "integrity_flag_rate": pytest.approx(0.4),
            "bias_flags": 1,
        },
    ]
    assert body["missed_concepts"] == [
        {"concept": "Indexes", "count": 2},
        {"concept": "locks", "count": 2},
        {"concept": "alpha", "count": 1},
        {"concept": "caching", "count": 1},
        {"concept": "zeta", "count": 1},
    ]
    assert body["score_over_time"] == [
        {
            "week_start": "2026-02-23",
            "sessions": 2,
            "average_score": pytest.approx(9.5),
            "histogram": [1, 1, 0, 0, 0, 0, 0, 0, 0, 0],
        },
        {
            "week_start": "2026-03-02",
            "sessions": 2,
            "average_score": pytest.approx(85.0),
            "histogram": [0, 0, 0, 0, 0, 0, 0, 1, 0, 1],  # 70 in 70-79, 100 in 90-100
        },
    ]
    assert all(date.fromisoformat(week["week_start"]).weekday() == 0 for week in body["score_over_time"])
    generated = datetime.fromisoformat(body["generated_at"])
    assert abs(datetime.now(UTC) - generated) < timedelta(minutes=1)


def test_missed_concepts_keep_the_ten_most_missed_ties_by_name(api_client: FlaskClient) -> None:
    headers = auth_headers(api_client, "rita@example.com")
    session, _ = create_session(api_client, headers, create_job(api_client, headers)["id"])
    answer(session, 0, [f"concept {n:02d}" for n in reversed(range(6, 12))])  # a grade names ten at most
    answer(session, 1, [f"concept {n:02d}" for n in reversed(range(6))])
    answer(session, 2, ["concept 11"])

    missed = analytics(api_client, headers)["missed_concepts"]

    assert missed == [{"concept": "concept 11", "count": 2}] + [
        {"concept": f"concept {n:02d}", "count": 1} for n in range(9)
    ]


def test_another_recruiter_sees_nothing_of_yours(api_client: FlaskClient) -> None:
    rita = auth_headers(api_client, "rita@example.com")
    ritas_job = create_job(api_client, rita, "Rita's Job")
    ritas, _ = create_session(api_client, rita, ritas_job["id"])
    answer(ritas, 0, ["rita's concept"], cheating=True, bias=True)
    complete(ritas, 80, datetime(2026, 3, 4, tzinfo=UTC))
    bob = auth_headers(api_client, "bob@example.com")
    bobs_job = create_job(api_client, bob, "Bob's Job")
    bobs, _ = create_session(api_client, bob, bobs_job["id"])
    answer(bobs, 0, ["bob's concept"])

    for headers, job, concept in ((rita, ritas_job, "rita's concept"), (bob, bobs_job, "bob's concept")):
        body = analytics(api_client, headers)
        assert [figures["job_id"] for figures in body["jobs"]] == [job["id"]]
        assert body["jobs"][0]["answers"] == 1
        assert body["missed_concepts"] == [{"concept": concept, "count": 1}]
    assert analytics(api_client, bob)["score_over_time"] == []
    assert analytics(api_client, bob)["jobs"][0]["flagged_answers"] == 0


def test_an_empty_account_gets_empty_lists_and_a_job_without_interviews_gets_nulls(api_client: FlaskClient) -> None:
    headers = auth_headers(api_client, "rita@example.com")

    body = analytics(api_client, headers)
    assert (body["jobs"], body["missed_concepts"], body["score_over_time"]) == ([], [], [])

    create_job(api_client, headers)
    (figures,) = analytics(api_client, headers)["jobs"]
    assert (figures["sessions"], figures["average_score"], figures["integrity_flag_rate"]) == (0, None, None)


@pytest.mark.parametrize("headers", [{}, bearer("not-a-token")], ids=["no-token", "bad-token"])
def test_analytics_needs_a_recruiter(api_client: FlaskClient, headers: dict[str, str]) -> None:
    response = api_client.get(PATH, headers=headers)

    assert response.status_code == 401
    assert response.mimetype == "application/problem+json"
    assert response.get_json()["status"] == 401


def test_the_response_is_described_in_the_openapi_document(api_client: FlaskClient) -> None:
    document = api_client.get("/api/openapi.json").get_json()

    operation = document["paths"][PATH]["get"]
    assert operation["tags"] == ["analytics"]
    assert set(operation["responses"]) >= {"200", "401"}
    assert set(document["components"]["schemas"]["Analytics"]["properties"]) == {
        "jobs",
        "missed_concepts",
        "score_over_time",
        "generated_at",
    }


@pytest.fixture(scope="module")
def brain() -> Guarded:
    """The offline brain as the platform builds it: behind the safety layer, which masks names."""
    return Guarded(LocalBrain())


def test_the_latest_report_is_the_callers_own_and_missing_until_the_first_tick(
    api_client: FlaskClient, brain: Guarded
) -> None:
    rita, sam = auth_headers(api_client, "rita@example.com"), auth_headers(api_client, "sam@example.com")
    create_job(api_client, rita)
    latest = "/api/analytics/reports/latest/"
    missing = api_client.get(latest, headers=rita)
    assert missing.status_code == 404 and missing.mimetype == "application/problem+json"
    assert "next daily tick" in missing.get_json()["detail"]

    for day in (date(2026, 11, 24), date(2026, 11, 25)):
        daily.produce(platform().store, lambda: brain, day)
    mine = api_client.get(latest, headers=rita).get_json()
    theirs = api_client.get(latest, headers=sam).get_json()
    assert mine["day"] == theirs["day"] == "2026-11-25"
    assert mine["owner_id"] != theirs["owner_id"]
    assert mine["grader"]["golden_version"] and theirs["grader"] is None  # Sam has no job to grade for
    assert api_client.get(latest).status_code == 401


def test_a_candidate_may_volunteer_change_and_withdraw_self_identification(api_client: FlaskClient) -> None:
    headers = auth_headers(api_client, "rita@example.com")
    job = create_job(api_client, headers)
    session, token = create_session(api_client, headers, job["id"], "Casey Candidate")
    other, other_token = create_session(api_client, headers, job["id"], "Dana Candidate")
    url, candidate = f"/api/sessions/{session['id']}/self-identification/", {"X-Invite-Token": token}
    store = platform().store

    assert api_client.put(url, json={"sex": "female"}, headers=candidate).status_code == 204
    record = store.get(SelfIdentification, session["id"])
    assert record is not None and record.sex == "female" and record.race_ethnicity is None
    assert record.job_id == job["id"] and record.owner_id == session["owner_id"]
    changed = {"sex": "female", "race_ethnicity": "Hispanic or Latino"}
    assert api_client.put(url, json=changed, headers=candidate).status_code == 204
    assert store.get(SelfIdentification, session["id"]).race_ethnicity == "Hispanic or Latino"  # type: ignore[union-attr]

    detail = api_client.get(f"/api/sessions/{session['id']}/", headers=headers).get_data(as_text=True)
    assert "Hispanic" not in detail and "female" not in detail  # a recruiter never sees one person's answer

    refused = api_client.put(url, json={"sex": "unknown"}, headers=candidate)
    assert refused.status_code == 422 and refused.get_json()["errors"][0]["loc"][-1] == "sex"
    assert api_client.put(url, json={"sex": "male"}, headers={"X-Invite-Token": other_token}).status_code == 404
    assert api_client.put(url, json={"sex": "male"}).status_code == 422  # no invite token at all
    assert api_client.put(url, json={"sex": "male"}, headers=headers).status_code == 422  # a recruiter cannot
    assert store.get(SelfIdentification, session["id"]).sex == "female"  # type: ignore[union-attr]
    assert store.get(SelfIdentification, other["id"]) is None

    assert api_client.put(url, json={}, headers=candidate).status_code == 204  # declining everything withdraws
    assert store.get(SelfIdentification, session["id"]) is None
