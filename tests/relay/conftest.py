"""Two ways to run the relay.

- `fake_relay`: in-process under Starlette's TestClient, with a fake turn service, fake speech and a
  patience timer the test fires (tests/relay/fakes.py): the protocol, fast.
- `world`: end to end, the relay under uvicorn on a real socket, the real turn function over HTTP and a
  fresh platform per test (the api makes sessions and tickets); the relay itself builds no platform.
"""

from __future__ import annotations

import functools
import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import functions_framework
import pytest
import uvicorn
from flask.testing import FlaskClient
from starlette.testclient import TestClient
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import ClientConnection, connect
from werkzeug.serving import BaseWSGIServer, make_server

from relay.app import create_app
from relay.conversation import Services
from relay.settings import RelaySettings
from relay.speech.offline import PiperTextToSpeech, WhisperSpeechToText
from relay.speech.ports import SpeechToText, TextToSpeech
from relay.turns import TurnClient, authorization
from talentcrew.auth import TicketCheck
from talentcrew.models import DEFAULT_INTERVIEW_LENGTH
from tests.api.helpers import RUBRIC, auth_headers, create_session
from tests.conftest import FUNCTIONS, _fresh_api_client, use_keys
from tests.relay.fakes import TICKET_PUBLIC_KEY, FakeRelay, FakeSpeech, FakeTimer, FakeTurns
from tests.servers import free_port


@dataclass
class World:
    api: FlaskClient
    relay_url: str
    headers: dict[str, str]
    job_id: str
    turn_server: BaseWSGIServer

    def session(self) -> tuple[str, str]:
        """A new session: its id and the candidate's invite token."""
        session, token = create_session(self.api, self.headers, self.job_id)
        return str(session["id"]), token

    def ticket(self, session_id: str, token: str) -> str:
        response = self.api.get(f"/api/sessions/{session_id}/connect/", headers={"X-Invite-Token": token})
        assert response.status_code == 200, response.get_data(as_text=True)
        return str(response.get_json()["ticket"])

    @contextmanager
    def connect(self, session_id: str, ticket: str | None = None, mode: str = "text") -> Iterator[ClientConnection]:
        """A WebSocket to the relay; with a ticket, already admitted (its `start` message sent)."""
        with connect(f"{self.relay_url}/ws/interview/{session_id}", open_timeout=10) as ws:
            if ticket is not None:
                ws.send(json.dumps({"type": "start", "mode": mode, "ticket": ticket}))
            yield ws


def serve_uvicorn(app: Any, port: int) -> uvicorn.Server:
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", ws="websockets-sansio")
    )
    threading.Thread(target=server.run, daemon=True).start()
    deadline = time.monotonic() + 10
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    assert server.started
    return server


@functools.cache
def offline_speech() -> tuple[SpeechToText, TextToSpeech]:
    """One pair of offline engines for the whole run: their models load once."""
    return WhisperSpeechToText(), PiperTextToSpeech()


@pytest.fixture
def speech() -> tuple[SpeechToText, TextToSpeech]:
    """The engines the relay gets: the offline ones, unless a test module overrides this fixture."""
    return offline_speech()


@pytest.fixture
def relay_settings() -> RelaySettings:
    return RelaySettings()


@pytest.fixture
def interview_length() -> int:
    """Answers per interview of the world's job, unless a test module overrides this fixture."""
    return DEFAULT_INTERVIEW_LENGTH


@pytest.fixture
def world(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    speech: tuple[SpeechToText, TextToSpeech],
    relay_settings: RelaySettings,
    interview_length: int,
) -> Iterator[World]:
    monkeypatch.setenv("TALENTCREW_DATA_DIR", str(tmp_path))
    use_keys(monkeypatch)
    for api in _fresh_api_client():
        turn_port, relay_port = free_port(), free_port()
        turn_app = functions_framework.create_app("turn", str(FUNCTIONS / "main.py"))
        turn_server = make_server("127.0.0.1", turn_port, turn_app, threaded=True)
        threading.Thread(target=turn_server.serve_forever, daemon=True).start()
        turns = TurnClient(f"http://127.0.0.1:{turn_port}", authorization(RelaySettings()))  # the DATA_DIR's secret
        services = Services(turns, *speech, relay_settings)
        relay = serve_uvicorn(create_app(TicketCheck(TICKET_PUBLIC_KEY), services), relay_port)
        headers = auth_headers(api, "relay.recruiter@example.com")
        draft = {"title": "Backend", "rubric_template": RUBRIC, "interview_length": interview_length}
        job = api.post("/api/jobs/", json=draft, headers=headers)
        yield World(api, f"ws://127.0.0.1:{relay_port}", headers, str(job.get_json()["id"]), turn_server)
        relay.should_exit = True
        turn_server.shutdown()


@pytest.fixture
def fake_turns() -> FakeTurns:
    return FakeTurns()


@pytest.fixture
def fake_relay(fake_turns: FakeTurns, relay_settings: RelaySettings) -> Iterator[FakeRelay]:
    speech, timer = FakeSpeech(), FakeTimer()
    services = Services(fake_turns, speech, speech, relay_settings, later=timer)
    with TestClient(create_app(TicketCheck(TICKET_PUBLIC_KEY), services)) as client:
        yield FakeRelay(client, fake_turns, speech, timer)


def receive(ws: ClientConnection) -> dict[str, Any]:
    """The next JSON message (binary audio frames are skipped)."""
    while True:
        frame = ws.recv(timeout=30)
        if isinstance(frame, str):
            message: dict[str, Any] = json.loads(frame)
            return message


def closed(ws: ClientConnection) -> tuple[int | None, str]:
    with pytest.raises(ConnectionClosed) as refused:
        while True:
            ws.recv(timeout=10)
    rcvd = refused.value.rcvd
    return (rcvd.code if rcvd else None), (rcvd.reason if rcvd else "")
