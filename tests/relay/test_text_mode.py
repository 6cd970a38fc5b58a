"""The relay in text mode, over real sockets: admission, a whole interview, takeover, resume, limits.

The relay runs under uvicorn and calls the real turn function over HTTP (functions-framework's app
on a werkzeug server), with the offline brain; the candidate is the `websockets` client library.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import functions_framework
import pytest
import uvicorn
from flask.testing import FlaskClient
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import ClientConnection, connect
from werkzeug.serving import make_server

import talentcrew.config
from relay.app import BURST, create_app
from relay.protocol import Close
from relay.turns import TurnClient
from talentcrew.models import Answer
from tests.api.helpers import RUBRIC, auth_headers, create_session
from tests.conftest import FUNCTIONS, SECRET, _fresh_api_client
from tests.servers import free_port


@dataclass
class World:
    api: FlaskClient
    relay_url: str
    headers: dict[str, str]
    job_id: str

    def session(self) -> tuple[str, str]:
        """A new session: its id and the candidate's invite token."""
        session, token = create_session(self.api, self.headers, self.job_id)
        return str(session["id"]), token

    def ticket(self, session_id: str, token: str) -> str:
        response = self.api.get(f"/api/sessions/{session_id}/connect/", headers={"X-Invite-Token": token})
        assert response.status_code == 200, response.get_data(as_text=True)
        return str(response.get_json()["ticket"])

    def connect(self, session_id: str, ticket: str | None = None) -> ClientConnection:
        query = f"?ticket={ticket}" if ticket else ""
        return connect(f"{self.relay_url}/ws/interview/{session_id}{query}", open_timeout=10)


def _serve_uvicorn(app: Any, port: int) -> uvicorn.Server:
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", ws="websockets-sansio")
    )
    threading.Thread(target=server.run, daemon=True).start()
    deadline = time.monotonic() + 10
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    assert server.started
    return server


@pytest.fixture
def world(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[World]:
    monkeypatch.setenv("TALENTCREW_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("TALENTCREW_SECRET_KEY", SECRET)
    for api in _fresh_api_client():
        turn_port, relay_port = free_port(), free_port()
        turn_app = functions_framework.create_app("turn", str(FUNCTIONS / "main.py"))
        turn_server = make_server("127.0.0.1", turn_port, turn_app, threaded=True)
        threading.Thread(target=turn_server.serve_forever, daemon=True).start()
        built = talentcrew.config.platform()
        turns = TurnClient(f"http://127.0.0.1:{turn_port}/", built.settings.turn_bearer())
        relay = _serve_uvicorn(create_app(built, turns), relay_port)
        headers = auth_headers(api, "relay.recruiter@example.com")
        job = api.post("/api/jobs/", json={"title": "Backend", "rubric_template": RUBRIC}, headers=headers)
        yield World(api, f"ws://127.0.0.1:{relay_port}", headers, str(job.get_json()["id"]))
        relay.should_exit = True
        turn_server.shutdown()


def _receive(ws: ClientConnection) -> dict[str, Any]:
    message: dict[str, Any] = json.loads(ws.recv(timeout=30))
    return message


def _closed(ws: ClientConnection) -> tuple[int | None, str]:
    with pytest.raises(ConnectionClosed) as closed:
        while True:
            ws.recv(timeout=10)
    rcvd = closed.value.rcvd
    return (rcvd.code if rcvd else None), (rcvd.reason if rcvd else "")


def _answer(ws: ClientConnection, text: str, **extra: Any) -> dict[str, Any]:
    ws.send(json.dumps({"type": "text_message", "text": text, **extra}))
    return _receive(ws)


def test_a_whole_text_interview_over_the_socket(world: World) -> None:
    session_id, token = world.session()
    with world.connect(session_id, world.ticket(session_id, token)) as ws:
        question = _receive(ws)
        assert question["type"] == "question" and question["turn"] == 1 and question["text"]
        for turn in range(1, 7):
            reply = _answer(ws, "An index on the filtered columns and a cache with a TTL.", pause_seconds=1.5)
            if turn < 6:
                assert (reply["type"], reply["turn"]) == ("question", turn + 1)
        assert reply == {"type": "interview_complete"}
        assert _closed(ws)[0] == Close.FINISHED
        store = talentcrew.config.platform().store
        answers = store.query(Answer, where={"session_id": session_id}, order_by="turn_index").items
        assert [a.turn_index for a in answers] == [1, 2, 3, 4, 5, 6]
        assert all(a.pause_seconds == 1.5 and "index" in a.candidate_answer for a in answers)


def test_the_ticket_may_come_in_a_start_message(world: World) -> None:
    session_id, token = world.session()
    with world.connect(session_id) as ws:
        ws.send(json.dumps({"type": "start", "mode": "text", "ticket": world.ticket(session_id, token)}))
        assert _receive(ws)["type"] == "question"


@pytest.mark.parametrize("ticket", ["", "not-a-jwt", "eyJhbGciOiJIUzI1NiJ9.e30.forged"])
def test_a_bad_ticket_is_refused_with_4401(world: World, ticket: str) -> None:
    session_id, _ = world.session()
    with world.connect(session_id) as ws:
        ws.send(json.dumps({"type": "start", "ticket": ticket}))
        assert _closed(ws)[0] == Close.BAD_TICKET


def test_a_ticket_for_another_session_is_refused_with_4403(world: World) -> None:
    mine, token = world.session()
    other, _ = world.session()
    with world.connect(other, world.ticket(mine, token)) as ws:
        assert _closed(ws) == (Close.WRONG_SESSION, "the ticket is for another session")


def test_no_start_message_in_time_is_refused(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("relay.app.START_TIMEOUT_SECONDS", 0.3)
    session_id, _ = world.session()
    with world.connect(session_id) as ws:
        assert _closed(ws)[0] == Close.BAD_TICKET


def test_a_second_connection_takes_over_and_resumes_at_the_same_question(world: World) -> None:
    session_id, token = world.session()
    with world.connect(session_id, world.ticket(session_id, token)) as first:
        opening = _receive(first)
        after_one = _answer(first, "Eager loading with joins avoids the N+1 problem.")
        with world.connect(session_id, world.ticket(session_id, token)) as second:
            assert _receive(second) == after_one  # the same question, the same turn
            assert _closed(first)[0] == Close.TAKEN_OVER
    assert after_one["turn"] == opening["turn"] + 1


def test_a_dropped_connection_resumes_and_records_each_answer_once(world: World) -> None:
    session_id, token = world.session()
    with world.connect(session_id, world.ticket(session_id, token)) as ws:
        _receive(ws)
        _answer(ws, "First answer about indexes.")
    with world.connect(session_id, world.ticket(session_id, token)) as again:
        assert _receive(again)["turn"] == 2
        _answer(again, "Second answer about caches.")
    store = talentcrew.config.platform().store
    assert [a.turn_index for a in store.query(Answer, where={"session_id": session_id}).items] == [1, 2]


def test_bad_messages_get_errors_then_the_connection_is_closed(world: World) -> None:
    session_id, token = world.session()
    with world.connect(session_id, world.ticket(session_id, token)) as ws:
        _receive(ws)
        ws.send("{not json")
        assert _receive(ws)["code"] == "malformed"
        ws.send(json.dumps({"type": "text_message", "text": "x" * 20_001}))
        assert _receive(ws)["code"] == "malformed"  # over the text limit
        ws.send(b"\x00\x01")
        assert _receive(ws)["code"] == "malformed"  # audio in text mode
        ws.send("y" * (64 * 1024 + 1))
        assert _receive(ws)["code"] == "too_long"
        ws.send(json.dumps({"type": "nonsense"}))
        assert _receive(ws)["code"] == "malformed"
        assert _closed(ws) == (Close.ABUSE, "too many bad messages")
        store = talentcrew.config.platform().store
        assert store.count(Answer, where={"session_id": session_id}) == 0  # nothing bad was recorded


def test_a_message_flood_is_refused(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("relay.app.MESSAGES_PER_SECOND", 0.001)  # no refill during the test: deterministic
    session_id, token = world.session()
    with world.connect(session_id, world.ticket(session_id, token)) as ws:
        _receive(ws)
        for _ in range(BURST + 5):
            ws.send(json.dumps({"type": "client_event", "event": "focus_lost"}))
        codes = [_receive(ws)["code"] for _ in range(5)]
        assert codes == ["too_fast"] * 5
        assert _closed(ws)[0] == Close.ABUSE


def test_health(world: World) -> None:
    import urllib.request

    with urllib.request.urlopen(world.relay_url.replace("ws://", "http://") + "/healthz", timeout=5) as response:
        assert json.load(response) == {"status": "ok"}
