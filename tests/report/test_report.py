"""The `report` function on the event path: completion → scorecard PDF in Blobs → signed download,
repeated and racing deliveries, a dispatcher that dies mid-send, bad events, and the job's webhook.
Real store (SQLite and the Firestore emulator), real rendering, the outbox's dispatcher delivering
real CloudEvents through the local transport."""

from __future__ import annotations

import hashlib
import hmac
import io
import json
import threading
from collections.abc import Iterator, Mapping
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import requests
from cloudevents.http import CloudEvent
from flask.testing import FlaskClient
from google.api_core.exceptions import NotFound as CloudNotFound
from google.auth.credentials import AnonymousCredentials
from google.cloud.storage import Client as StorageClient
from pypdf import PdfReader
from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

from main import report
from talentcrew import sessions
from talentcrew.adapters.gcs_blobs import GcsBlobs
from talentcrew.audit import AuditEntry
from talentcrew.config import platform
from talentcrew.events import SCORECARD_OUTDATED, SESSION_COMPLETED, Dispatcher, OutboxEvent, OutboxStatus
from talentcrew.models import Answer, InterviewSession, answer_id, utcnow
from talentcrew.ports import Events
from talentcrew.scorecard.produce import NothingToReport, produce
from tests.api.helpers import RUBRIC, auth_headers, create_session, seed_answer
from tests.contract.test_blobs import _signer
from tests.servers import free_port


def _pdf_text(pdf: bytes) -> str:
    return " ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


def _completed(api: FlaskClient, answers: int = 3, **job: Any) -> tuple[dict[str, str], str]:
    headers = auth_headers(api, "rita@example.com")
    created = api.post(
        "/api/jobs/", json={"title": "Backend Engineer", "rubric_template": RUBRIC, **job}, headers=headers
    )
    assert created.status_code == 201, created.get_data(as_text=True)
    session, _ = create_session(api, headers, created.get_json()["id"], "Casey Candidate")
    for turn in range(1, answers + 1):
        seed_answer(session["id"], session["owner_id"], turn, 5 + turn)
    assert api.post(f"/api/sessions/{session['id']}/end/", headers=headers).status_code == 200
    return headers, str(session["id"])


def _event(session_id: str, event_id: str = "evt-1") -> CloudEvent:
    return CloudEvent({"id": event_id, "type": SESSION_COMPLETED, "source": "//test"}, {"session_id": session_id})


def _pdfs(session_id: str) -> list[Path]:
    return sorted((platform().settings.data_dir / "blobs" / "scorecards" / session_id).glob("*.pdf"))


def _dispatcher() -> Dispatcher:
    """The outbox's dispatcher of the local platform, sending to the CloudEvent functions."""
    return Dispatcher(platform().store, platform().events)


def test_a_completed_interview_gets_a_scorecard_the_recruiter_downloads(api_client: FlaskClient) -> None:
    headers, session_id = _completed(api_client)
    assert _dispatcher().deliver_due() >= 1  # the dispatcher calls `report`

    link = api_client.get(f"/api/sessions/{session_id}/download-pdf/", headers=headers)
    assert link.status_code == 302
    pdf = api_client.get(link.headers["Location"].removeprefix(platform().settings.base_url))
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    text = _pdf_text(pdf.data)
    session = platform().store.get(InterviewSession, session_id)
    assert session is not None and session.overall_score == 70  # mean of 6, 7, 8 → 7.0 → 70
    for expected in ("Casey Candidate", "Backend Engineer", "70", "HIRE", "Question 1?", "Question 2?", "Question 3?"):
        assert expected in text, expected


def test_three_deliveries_leave_one_pdf_and_one_result(api_client: FlaskClient) -> None:
    _, session_id = _completed(api_client)
    for attempt in range(3):
        report(_event(session_id, f"evt-{attempt}"))
    session = platform().store.get(InterviewSession, session_id)
    assert session is not None and session.report_object is not None
    assert [p.name for p in _pdfs(session_id)] == [Path(session.report_object).name]


def test_racing_deliveries_leave_one_pdf(api_client: FlaskClient) -> None:
    _, session_id = _completed(api_client)
    errors: list[BaseException] = []

    def deliver(index: int) -> None:
        try:
            report(_event(session_id, f"race-{index}"))
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=deliver, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    session = platform().store.get(InterviewSession, session_id)
    assert session is not None and len(_pdfs(session_id)) == 1
    assert session.overall_score == 70 and session.recommendation == "HIRE"


def _download(api: FlaskClient, headers: dict[str, str], session_id: str) -> str:
    link = api.get(f"/api/sessions/{session_id}/download-pdf/", headers=headers)
    assert link.status_code == 302, link.get_data(as_text=True)
    return _pdf_text(api.get(link.headers["Location"].removeprefix(platform().settings.base_url)).data)


def test_a_review_and_a_decision_after_the_end_render_the_scorecard_again(api_client: FlaskClient) -> None:
    headers = auth_headers(api_client, "rita@example.com")
    job = api_client.post("/api/jobs/", json={"title": "Backend Engineer", "rubric_template": RUBRIC}, headers=headers)
    session, _ = create_session(api_client, headers, job.get_json()["id"], "Casey Candidate")
    session_id = str(session["id"])
    seed_answer(session_id, session["owner_id"], 1, 8)
    flagged = seed_answer(session_id, session["owner_id"], 2, 7, cheating=True)
    assert api_client.post(f"/api/sessions/{session_id}/end/", headers=headers).status_code == 200
    _dispatcher().deliver_due()
    first = _download(api_client, headers, session_id)
    assert "Recruiter's decision: not yet recorded." in first and "Not yet reviewed" in first
    [before] = _pdfs(session_id)

    review = {"subject_id": flagged.id, "kind": "integrity", "outcome": "dismissed", "note": "typed, not pasted"}
    assert api_client.post(f"/api/sessions/{session_id}/reviews/", json=review, headers=headers).status_code == 200
    decision = {"decision": "REJECT", "note": "another candidate fits the team better"}
    assert api_client.put(f"/api/sessions/{session_id}/decision/", json=decision, headers=headers).status_code == 200
    assert _dispatcher().deliver_due() == 2  # each change announced that the card is out of date

    text = " ".join(_download(api_client, headers, session_id).split())  # as read, not as wrapped
    assert "Recruiter's decision: REJECT by Rita Recruiter" in text
    assert "Dismissed" in text and "Not yet reviewed" not in text
    [after] = _pdfs(session_id)  # a new object for the new content; the old card is gone
    assert after != before and not before.exists()
    stored = platform().store.get(InterviewSession, session_id)
    assert stored is not None and stored.report_object is not None and stored.report_object.endswith(after.name)
    assert (stored.overall_score, stored.recommendation) == (75, "HIRE")  # the score is the one the end stored

    report(CloudEvent({"id": "again", "type": SCORECARD_OUTDATED, "source": "//test"}, {"session_id": session_id}))
    assert _pdfs(session_id) == [after]  # nothing changed since: the same card, not written again


def test_a_decision_before_the_end_announces_nothing(api_client: FlaskClient) -> None:
    """Until the interview ends there is no card to render again; the end's own card shows the decision."""
    headers = auth_headers(api_client, "rita@example.com")
    job = api_client.post("/api/jobs/", json={"title": "Backend Engineer", "rubric_template": RUBRIC}, headers=headers)
    session, _ = create_session(api_client, headers, job.get_json()["id"], "Casey Candidate")
    decision = {"decision": "REJECT"}
    assert api_client.put(f"/api/sessions/{session['id']}/decision/", json=decision, headers=headers).status_code == 200
    assert platform().store.count(OutboxEvent, where={"type": SCORECARD_OUTDATED}) == 0


class _DiesOnce:
    """A dispatcher's transport whose first send dies midway (the process is killed while publishing);
    the dispatcher started after it sends through the real one."""

    name = "dies-once"

    def __init__(self, real: Events) -> None:
        self.real = real
        self.died = False

    def publish(self, event_type: str, data: Mapping[str, Any], key: str) -> None:
        if not self.died:
            self.died = True
            raise ConnectionError("killed while publishing")
        self.real.publish(event_type, data, key)


def test_a_publish_killed_after_the_completion_still_gives_exactly_one_scorecard(api_client: FlaskClient) -> None:
    _, session_id = _completed(api_client)  # the completion and its announcement: one commit
    store = platform().store
    ended = store.get(InterviewSession, session_id)
    assert ended is not None and (ended.overall_score, ended.recommendation) == (70, "HIRE")
    # A grade corrected after the end: the scorecard shows the score the ending stored, it does not score again.
    store.update(Answer, answer_id(session_id, 1), {"confidence_score": 1})

    dying = _DiesOnce(platform().events)
    assert Dispatcher(store, dying).deliver_due() == 0  # killed: nothing was sent
    assert _pdfs(session_id) == []
    assert Dispatcher(store, dying).deliver_due(now=utcnow() + timedelta(minutes=1)) == 1  # the next run
    report(_event(session_id, "session-completed-again"))  # at least once: a second delivery changes nothing
    assert _dispatcher().deliver_due(now=utcnow() + timedelta(hours=1)) == 0  # nothing left to send

    session = store.get(InterviewSession, session_id)
    assert session is not None and session.report_object is not None
    assert (session.overall_score, session.recommendation) == (ended.overall_score, ended.recommendation)
    assert [p.name for p in _pdfs(session_id)] == [Path(session.report_object).name]
    written = {"session_id": session_id, "action": "scorecard.written"}
    assert store.count(AuditEntry, where=written) == 1


def test_an_ending_whose_announcement_cannot_be_written_does_not_end(api_client: FlaskClient) -> None:
    """Completion and announcement are one commit: when the event's write fails, the session stays open."""
    headers = auth_headers(api_client, "rita@example.com")
    job = api_client.post("/api/jobs/", json={"title": "Backend Engineer", "rubric_template": RUBRIC}, headers=headers)
    created, _ = create_session(api_client, headers, job.get_json()["id"], "Casey Candidate")
    seed_answer(created["id"], created["owner_id"], 1, 8)
    store = platform().store
    now = utcnow()
    blocking = OutboxEvent(id=f"session-completed-{created['id']}", type="x", data={}, created_at=now, due_at=now)
    store.create(blocking)  # the announcement's id is taken: its create fails the commit
    session = store.get(InterviewSession, created["id"])
    assert session is not None
    sessions.end_session(store, session, sessions.candidate(session))
    stored = store.get(InterviewSession, created["id"])
    assert stored is not None and not stored.is_completed
    assert (stored.overall_score, stored.recommendation, stored.ended_at) == (None, None, None)


def test_a_completed_session_without_its_recommendation_is_a_bug_not_a_card(api_client: FlaskClient) -> None:
    _, session_id = _completed(api_client)
    built = platform()
    built.store.update(InterviewSession, session_id, {"recommendation": None})
    with pytest.raises(NothingToReport, match="score without a recommendation"):
        produce(built.store, built.blobs, session_id)
    assert _pdfs(session_id) == []


@pytest.mark.parametrize(
    "data",
    [{}, {"session_id": "no-such-session"}, {"other": 1}],
    ids=["empty", "unknown-session", "no-session-id"],
)
def test_a_malformed_or_unknown_event_is_dropped(api_client: FlaskClient, data: dict[str, Any]) -> None:
    report(CloudEvent({"id": "bad", "type": SESSION_COMPLETED, "source": "//test"}, data))  # does not raise


def test_a_session_with_no_answers_still_gets_a_sensible_scorecard(api_client: FlaskClient) -> None:
    _, session_id = _completed(api_client, answers=0)
    report(_event(session_id))
    session = platform().store.get(InterviewSession, session_id)
    assert session is not None and session.report_object is not None and session.overall_score is None
    text = _pdf_text(platform().blobs.get(session.report_object))
    assert "Casey Candidate" in text and "Not scored" in text


def test_the_jobs_threshold_decides_the_recommendation(api_client: FlaskClient) -> None:
    _, session_id = _completed(api_client, hire_threshold=75)  # 70 is below this job's bar
    report(_event(session_id))
    session = platform().store.get(InterviewSession, session_id)
    assert session is not None and (session.overall_score, session.recommendation) == (70, "REJECT")


def test_a_storage_failure_raises_so_the_event_is_retried(api_client: FlaskClient, gcs_url: str, project: str) -> None:
    _, session_id = _completed(api_client)
    built = platform()
    missing_bucket = GcsBlobs(f"{project}-missing", project, signer=_signer(project))
    with pytest.raises(CloudNotFound):
        produce(built.store, missing_bucket, session_id)
    session = built.store.get(InterviewSession, session_id)
    assert session is not None and session.report_object is None  # nothing half-done is recorded


def test_on_cloud_storage_the_scorecard_is_fetched_through_a_signed_url(
    api_client: FlaskClient, gcs_url: str, project: str
) -> None:
    _, session_id = _completed(api_client)
    StorageClient(project=project, credentials=AnonymousCredentials()).create_bucket(f"{project}-reports")
    blobs = GcsBlobs(f"{project}-reports", project, signer=_signer(project))
    built = platform()
    name = produce(built.store, blobs, session_id)
    assert produce(built.store, blobs, session_id) == name  # again: the same object
    response = requests.get(blobs.signed_url(name, timedelta(minutes=5), "card.pdf"), timeout=10)
    assert response.status_code == 200
    assert "Casey Candidate" in _pdf_text(response.content)


class _Receiver:
    """An applicant-tracking system's endpoint: answers 500 first, then 200; keeps what it got."""

    def __init__(self) -> None:
        self.calls: list[tuple[dict[str, str], bytes]] = []
        port = free_port()
        self.url = f"http://127.0.0.1:{port}/hooks/talentcrew"
        self._server = make_server("127.0.0.1", port, Request.application(self._answer), threaded=True)
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def _answer(self, request: Request) -> Response:
        self.calls.append((dict(request.headers), request.get_data()))
        return Response(status=500 if len(self.calls) == 1 else 204)

    def close(self) -> None:
        self._server.shutdown()


@pytest.fixture
def receiver() -> Iterator[_Receiver]:
    server = _Receiver()
    yield server
    server.close()


def test_the_jobs_webhook_is_told_signed_and_retried(
    api_client: FlaskClient, receiver: _Receiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TALENTCREW_ALLOW_PRIVATE_WEBHOOKS", "true")  # the receiver is on this machine, over http
    headers, session_id = _completed(api_client, webhook_url=receiver.url)
    job_id = api_client.get("/api/jobs/", headers=headers).get_json()["items"][0]["id"]
    rotated = api_client.post(f"/api/jobs/{job_id}/webhook-secret/", headers=headers)
    secret = rotated.get_json()["webhook_secret"]  # notifications from now on are signed with the new one
    worker = _dispatcher()
    worker.deliver_due()  # the report, which announces the scorecard
    worker.deliver_due()  # the notification, which meets a 500
    assert len(receiver.calls) == 1
    worker.deliver_due(now=utcnow() + timedelta(minutes=1))  # the retry, after its back-off
    assert len(receiver.calls) == 2
    (first_headers, _), (second_headers, body) = receiver.calls
    assert first_headers["X-Talentcrew-Delivery"] == second_headers["X-Talentcrew-Delivery"]
    parts = dict(part.split("=", 1) for part in second_headers["X-Talentcrew-Signature"].split(","))
    expected = hmac.new(secret.encode(), f"{parts['t']}.".encode() + body, hashlib.sha256).hexdigest()
    assert hmac.compare_digest(parts["v1"], expected)
    notice = json.loads(body)
    assert notice["session_id"] == session_id and notice["overall_score"] == 70
    assert notice["recommendation"] == "HIRE" and notice["scorecard_url"].endswith(f"/{session_id}/download-pdf/")
    delivered = {"status": OutboxStatus.DELIVERED.value}
    events = platform().store.query(OutboxEvent, where=delivered, order_by="due_at").items
    assert {e.type for e in events} == {SESSION_COMPLETED, "talentcrew.scorecard.ready"}


def test_a_webhook_that_now_points_inside_the_network_is_not_told(
    api_client: FlaskClient, receiver: _Receiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Saved while private destinations were allowed, sent after they no longer are: refused, and not retried."""
    monkeypatch.setenv("TALENTCREW_ALLOW_PRIVATE_WEBHOOKS", "true")
    _completed(api_client, webhook_url=receiver.url)
    monkeypatch.setenv("TALENTCREW_ALLOW_PRIVATE_WEBHOOKS", "false")
    platform.cache_clear()  # the report function starts with the operator's new setting
    worker = _dispatcher()
    worker.deliver_due()  # the report
    worker.deliver_due()  # the notification: dropped
    worker.deliver_due(now=utcnow() + timedelta(hours=1))
    assert receiver.calls == []
    delivered = {"status": OutboxStatus.DELIVERED.value}
    assert len(platform().store.query(OutboxEvent, where=delivered, order_by="due_at").items) == 2
