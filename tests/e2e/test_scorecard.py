"""On the local platform (the README's run command): a whole interview over the relay, then the
scorecard the recruiter downloads through the API's signed link, read back as text."""

from __future__ import annotations

import io
import json
import time
from pathlib import Path

import requests
from pypdf import PdfReader
from websockets.sync.client import connect

from tests.api.helpers import invite_token
from tests.e2e.local_platform import local_platform

RUBRIC = {
    "languages": ["Python", "SQL"],
    "experience_level": "Mid-Level",
    "core_skills": ["Database Query Optimization", "Caching Strategies"],
    "evaluation_focus": ["Problem Solving"],
}
ANSWERS = [
    "I would add an index on the filtered column and check the query plan with EXPLAIN ANALYZE.",
    "A cache in front of the database with a TTL, invalidated on writes, keeps hot reads fast.",
    "Batch the lookups with a join instead of one query per row, which removes the N+1 problem.",
]


def test_an_interview_on_the_local_platform_yields_a_downloadable_scorecard(tmp_path: Path) -> None:
    with local_platform(tmp_path) as platform:
        api = platform.api
        account = {"email": "jane@acme.example", "password": "correct horse battery", "full_name": "Jane Doe"}
        assert requests.post(f"{api}/users/", json=account, timeout=10).status_code == 202
        login = {key: account[key] for key in ("email", "password")}
        token = requests.post(f"{api}/auth/login/", json=login, timeout=10).json()["access_token"]
        recruiter = {"Authorization": f"Bearer {token}"}
        job = requests.post(
            f"{api}/jobs/",
            json={"title": "Python Developer", "rubric_template": RUBRIC, "interview_length": len(ANSWERS)},
            headers=recruiter,
            timeout=10,
        ).json()
        created = requests.post(
            f"{api}/sessions/",
            json={"job": job["id"], "candidate_name": "John Smith", "candidate_email": "john@example.com"},
            headers=recruiter,
            timeout=10,
        ).json()
        session_id, invite = created["session"]["id"], invite_token(created["invite_url"])
        ticket = requests.get(
            f"{api}/sessions/{session_id}/connect/", headers={"X-Invite-Token": invite}, timeout=10
        ).json()

        questions = []
        with connect(ticket["relay_url"], open_timeout=10) as ws:
            ws.send(json.dumps({"type": "start", "mode": "text", "ticket": ticket["ticket"]}))
            for answer in ANSWERS:
                message = json.loads(ws.recv(timeout=60))
                assert message["type"] == "question", message
                questions.append(message["text"])
                ws.send(json.dumps({"type": "text_message", "text": answer, "pause_seconds": 1.0}))
            assert json.loads(ws.recv(timeout=60))["type"] == "closing"
            assert json.loads(ws.recv(timeout=60))["type"] == "interview_complete"

        deadline = time.monotonic() + 60  # the outbox worker runs `report` in the background
        while (link := requests.get(
            f"{api}/sessions/{session_id}/download-pdf/", headers=recruiter, allow_redirects=False, timeout=10
        )).status_code == 409 and time.monotonic() < deadline:  # fmt: skip
            time.sleep(0.5)
        assert link.status_code == 302, link.text
        pdf = requests.get(link.headers["Location"], timeout=10)
        assert pdf.status_code == 200 and pdf.headers["Content-Type"] == "application/pdf"
        text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.content)).pages)
        detail = requests.get(f"{api}/sessions/{session_id}/", headers=recruiter, timeout=10).json()["session"]

    flat = " ".join(text.split())
    assert "John Smith" in flat and "Python Developer" in flat
    assert str(detail["overall_score"]) in flat and detail["recommendation"] in flat
    for question in questions:  # every question, as asked (the PDF may wrap lines anywhere)
        assert " ".join(question.split())[:60] in flat, question
