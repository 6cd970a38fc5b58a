"""Recordings of spoken answers: the job's option, the consent that says so, the turn service keeping each
recording, the recruiter's signed link (played as `<audio>` plays it: Range requests, from the web app's
origin), and erasure with the interview, by a recruiter and by retention.

The api and the turn function run through functions-framework's test clients over one SQLite file and
the embedded Blobs (tests/api/test_turn_service.py's fixtures); the audio is a real Ogg/Opus stream.
"""

from __future__ import annotations

import base64
import io
from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

import numpy as np
import pytest
import soundfile  # type: ignore[import-untyped]
from flask.testing import FlaskClient

from talentcrew import audit, recordings, retention, sessions
from talentcrew.adapters.local_blobs import LocalBlobs
from talentcrew.audit import AuditEntry
from talentcrew.config import platform
from talentcrew.errors import NotFound
from talentcrew.interview.calls import MAX_RECORDING_BYTES, RecordingRequest
from talentcrew.invite_emails import RECORDING_SUMMARY
from talentcrew.models import Answer, InterviewSession, answer_id, recording_name, utcnow
from talentcrew.sessions import CONSENT_NOTICE, RECORDING_NOTICE
from tests.api.helpers import auth_headers, candidate_view, create_session
from tests.api.test_turn_service import RUBRIC, WITHDRAWN, call, clients, ok, store

__all__ = ["clients"]  # the fixture, used by name
SECONDS = 2.0


def ogg(seconds: float = SECONDS) -> bytes:
    """A tone as the relay sends a recording: Ogg/Opus, 16 kHz mono."""
    times = np.arange(int(seconds * 16_000)) / 16_000
    out = io.BytesIO()
    soundfile.write(out, 0.3 * np.sin(2 * np.pi * 440 * times), 16_000, format="OGG", subtype="OPUS")
    return out.getvalue()


def recording(session_id: str, turn: int, audio: bytes | None = None) -> dict[str, Any]:
    data = ogg() if audio is None else audio
    return {"session_id": session_id, "turn_index": turn, "audio": base64.b64encode(data).decode(), "seconds": SECONDS}


def new_job(api: FlaskClient, headers: dict[str, str], **fields: Any) -> dict[str, Any]:
    body = {"title": "Backend Engineer", "rubric_template": RUBRIC, **fields}
    job: dict[str, Any] = ok(api.post("/api/jobs/", json=body, headers=headers), 201)
    return job


def answered(api: FlaskClient, turn: FlaskClient, headers: dict[str, str], job_id: str) -> str:
    """A session of the job whose first answer is in; its id."""
    session_id = str(create_session(api, headers, job_id)[0]["id"])
    ok(call(turn, "/resume", {"session_id": session_id}))
    ok(call(turn, "/", {"session_id": session_id, "turn_index": 1, "answer_text": "An index on the key."}))
    return session_id


def link_path(api: FlaskClient, headers: dict[str, str], session_id: str, turn: int = 1) -> Any:
    return api.get(f"/api/sessions/{session_id}/answers/{turn}/recording/", headers=headers)


def blob_file(name: str) -> Any:
    blobs = platform().blobs
    assert isinstance(blobs, LocalBlobs)
    return blobs.root / name


def test_recording_is_off_by_default_and_the_consent_says_so_only_when_on(
    clients: tuple[FlaskClient, FlaskClient],
) -> None:
    api, _ = clients
    headers = auth_headers(api, "recruiter@example.com")
    job = new_job(api, headers)
    assert job["record_answers"] is False
    before, before_token = create_session(api, headers, job["id"])
    assert before["record_answers"] is False
    assert ok(candidate_view(api, before_token))["consent_notice"] == CONSENT_NOTICE

    update = {"title": job["title"], "rubric_template": RUBRIC, "record_answers": True}
    assert ok(api.put(f"/api/jobs/{job['id']}/", json=update, headers=headers))["record_answers"] is True
    after, after_token = create_session(api, headers, job["id"])
    notice = ok(candidate_view(api, after_token))["consent_notice"]
    assert after["record_answers"] is True and RECORDING_NOTICE in notice
    assert notice.endswith("you may stop at any time.")  # agreeing comes after what is agreed to
    # A candidate invited before keeps what their notice said: nothing of theirs is recorded.
    assert ok(candidate_view(api, before_token))["consent_notice"] == CONSENT_NOTICE
    assert store().get(InterviewSession, before["id"]).record_answers is False


def test_the_emailed_invitation_says_answers_are_recorded_only_when_they_are(
    clients: tuple[FlaskClient, FlaskClient],
) -> None:
    api, _ = clients
    headers = auth_headers(api, "recruiter@example.com")
    for record, email in ((False, "plain@example.com"), (True, "recorded@example.com")):
        job = new_job(api, headers, record_answers=record)
        body = {"job": job["id"], "candidate_name": "Casey", "candidate_email": email, "send_invite": True}
        ok(api.post("/api/sessions/", json=body, headers=headers), 201)
    letters = {letter.to: " ".join(letter.text.split()) for letter in platform().mail.letters()}  # type: ignore[attr-defined]
    assert RECORDING_SUMMARY not in letters["plain@example.com"]
    assert RECORDING_SUMMARY in letters["recorded@example.com"]


def test_a_recording_is_kept_once_played_through_a_signed_link_and_erased_with_the_session(
    clients: tuple[FlaskClient, FlaskClient],
) -> None:
    api, turn = clients
    headers = auth_headers(api, "recruiter@example.com")
    session_id = answered(api, turn, headers, new_job(api, headers, record_answers=True)["id"])
    assert ok(call(turn, "/resume", {"session_id": session_id}))["record"] is True
    audio = ogg()

    ok(call(turn, "/recording", recording(session_id, 1, audio)), 204)
    ok(call(turn, "/recording", recording(session_id, 1, ogg(seconds=1.0))), 204)  # a retry changes nothing

    answer = store().get(Answer, answer_id(session_id, 1))
    assert answer is not None and answer.recording_object == recording_name(session_id, 1)
    assert answer.recording_seconds == SECONDS
    assert blob_file(answer.recording_object).read_bytes() == audio
    linked = ok(link_path(api, headers, session_id))
    assert set(linked) == {"url", "expires_at"}
    url = urlsplit(linked["url"])
    played = api.get(f"{url.path}?{url.query}")
    assert played.status_code == 200 and played.mimetype == "audio/ogg"
    assert played.headers["Cross-Origin-Resource-Policy"] == "cross-origin"  # the web app's origin plays it
    assert played.headers["Accept-Ranges"] == "bytes"
    decoded, rate = soundfile.read(io.BytesIO(played.data))
    assert rate == 16_000 and len(decoded) / rate == pytest.approx(SECONDS, abs=0.05)
    part = api.get(f"{url.path}?{url.query}", headers={"Range": "bytes=0-99"})  # how <audio> asks
    assert part.status_code == 206 and part.data == audio[:100]
    assert part.headers["Content-Range"] == f"bytes 0-99/{len(audio)}"
    actions = [entry.action for entry in store().query(AuditEntry, where={"session_id": session_id}, limit=50).items]
    assert "session.recording_played" in actions

    assert api.delete(f"/api/sessions/{session_id}/", headers=headers).status_code == 204
    assert not blob_file(answer.recording_object).exists()
    assert link_path(api, headers, session_id).status_code == 404
    assert api.get(f"{url.path}?{url.query}").status_code == 403  # the link names no object any more


def test_retention_erases_the_recordings_of_the_interviews_it_erases(
    clients: tuple[FlaskClient, FlaskClient],
) -> None:
    api, turn = clients
    headers = auth_headers(api, "recruiter@example.com")
    ok(api.patch("/api/workspace/", json={"retention_days": 30}, headers=headers))
    session_id = answered(api, turn, headers, new_job(api, headers, record_answers=True)["id"])
    ok(call(turn, "/recording", recording(session_id, 1)), 204)
    ended = utcnow() - timedelta(days=31)
    store().update(InterviewSession, session_id, {"is_completed": True, "ended_at": ended})
    assert blob_file(recording_name(session_id, 1)).exists()

    [run] = retention.run(store(), platform().blobs, utcnow().date())
    assert run.sessions_erased == 1
    assert not blob_file(recording_name(session_id, 1)).exists()
    assert link_path(api, headers, session_id).status_code == 404


def test_recordings_are_refused_where_they_do_not_belong(clients: tuple[FlaskClient, FlaskClient]) -> None:
    api, turn = clients
    headers = auth_headers(api, "recruiter@example.com")
    plain = answered(api, turn, headers, new_job(api, headers)["id"])
    recorded = answered(api, turn, headers, new_job(api, headers, record_answers=True)["id"])

    assert call(turn, "/recording", recording(plain, 1)).status_code == 409  # its job does not record
    assert call(turn, "/recording", recording(recorded, 2)).status_code == 409  # answer 2 is not in
    assert call(turn, "/recording", recording(recorded, 1, b"RIFF....WAVEfmt ")).status_code == 422
    too_long = {**recording(recorded, 1), "seconds": 15 * 60 + 1}
    assert call(turn, "/recording", too_long).status_code == 422
    too_big = recording(recorded, 1, b"OggS" + bytes(MAX_RECORDING_BYTES))
    assert call(turn, "/recording", too_big).status_code == 422
    assert call(turn, "/recording", recording(recorded, 1), bearer="not-the-secret").status_code == 401
    assert link_path(api, headers, plain).status_code == 404  # no recording
    assert store().get(Answer, answer_id(recorded, 1)).recording_object is None
    assert link_path(api, headers, recorded).status_code == 404

    assert api.delete(f"/api/sessions/{recorded}/invite/", headers=headers).status_code == 204
    refused = call(turn, "/recording", recording(recorded, 1))
    assert refused.status_code == 410 and refused.get_json()["type"] == WITHDRAWN
    other = auth_headers(api, "someone.else@example.com")
    assert link_path(api, other, recorded).status_code == 404  # another workspace's looks like none


class Meanwhile:
    """A real adapter, with `then` done once just before (or after) its first call of `method`: the
    interleavings of a recording the relay is storing and an erasure."""

    def __init__(self, adapter: Any, method: str, then: Any, *, after: bool = False) -> None:
        self._adapter, self._method, self._then, self._after = adapter, method, then, after
        self.done = False

    def __getattr__(self, name: str) -> Any:
        call = getattr(self._adapter, name)
        if name != self._method or self.done:
            return call

        def meanwhile(*args: Any, **kwargs: Any) -> Any:
            self.done = True
            if not self._after:
                self._then()
            result = call(*args, **kwargs)
            if self._after:
                self._then()
            return result

        return meanwhile


def retention_actor(session: InterviewSession) -> audit.Actor:
    return audit.Actor(session.owner_id, "retention", "retention")


def erased_while_recorded(clients: tuple[FlaskClient, FlaskClient]) -> tuple[str, InterviewSession]:
    api, turn = clients
    headers = auth_headers(api, "recruiter@example.com")
    session_id = answered(api, turn, headers, new_job(api, headers, record_answers=True)["id"])
    session = store().get(InterviewSession, session_id)
    assert session is not None
    return session_id, session


def test_a_recording_stored_while_the_interview_is_erased_goes_with_it(
    clients: tuple[FlaskClient, FlaskClient],
) -> None:
    session_id, session = erased_while_recorded(clients)
    blobs = platform().blobs
    erasing = Meanwhile(
        blobs, "put", lambda: sessions.erase(store(), blobs, session, retention_actor(session)), after=True
    )

    with pytest.raises(NotFound):  # the turn service answers 404: the relay logs the recording as not kept
        recordings.keep(store(), erasing, RecordingRequest.model_validate(recording(session_id, 1)))

    assert erasing.done
    assert store().get(InterviewSession, session_id) is None
    assert not blob_file(recording_name(session_id, 1)).exists()


def test_a_recording_that_lands_during_the_erasure_is_erased_too(clients: tuple[FlaskClient, FlaskClient]) -> None:
    session_id, session = erased_while_recorded(clients)
    blobs = platform().blobs
    request = RecordingRequest.model_validate(recording(session_id, 1))
    landing = Meanwhile(store(), "delete", lambda: recordings.keep(store(), blobs, request))  # of the answer

    sessions.erase(landing, blobs, session, retention_actor(session))

    assert landing.done
    assert store().get(Answer, answer_id(session_id, 1)) is None
    assert not blob_file(recording_name(session_id, 1)).exists()
