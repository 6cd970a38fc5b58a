"""SIGTERM with a turn in flight: the relay, started by its Dockerfile's own command, finishes it.

The Dockerfile cannot be built here (no registry for the base image), so the test runs the image's
command line itself, with the image's environment, and checks what Cloud Run relies on: the
socket is closed with 1012 (the client reconnects elsewhere), the answer whose turn was in flight
is still recorded, and the process exits once it is done.
"""

from __future__ import annotations

import io
import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

import functions_framework
import pytest
from websockets.sync.client import connect
from werkzeug.serving import make_server

import talentcrew.config
from talentcrew.auth import public_half
from talentcrew.models import Answer
from tests.api.helpers import RUBRIC, auth_headers, create_session
from tests.conftest import FUNCTIONS, KEYS, _fresh_api_client, use_keys
from tests.relay.conftest import closed, receive
from tests.servers import free_port

ROOT = Path(__file__).resolve().parents[2]
DOCKERFILE = ROOT / "realtime-relay" / "Dockerfile"
TURN_DELAY_SECONDS = 2.0


def _image() -> tuple[list[str], dict[str, str]]:
    """The Dockerfile's CMD and ENV."""
    text = DOCKERFILE.read_text().replace("\\\n", " ")
    cmd = re.search(r"^CMD (\[.*\])$", text, re.MULTILINE)
    assert cmd is not None
    env: dict[str, str] = {}
    for line in re.findall(r"^ENV (.*)$", text, re.MULTILINE):
        env.update(dict(pair.split("=", 1) for pair in line.split()))
    command: list[str] = json.loads(cmd.group(1))
    return command, env


ANSWER_ARRIVED = threading.Event()
"""Set when the slowed turn function has an answer in hand: the turn is in flight."""


def _slow(app: Any) -> Callable[[dict[str, Any], Any], Iterable[bytes]]:
    """The turn function, slowed down for answers (not for the opening question)."""

    def slowed(environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        body = environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
        if json.loads(body or b"{}").get("turn_index", 0) > 0:
            ANSWER_ARRIVED.set()
            time.sleep(TURN_DELAY_SECONDS)  # grading that takes a while, not a wait for the test
        environ["wsgi.input"] = io.BytesIO(body)
        result: Iterable[bytes] = app(environ, start_response)
        return result

    return slowed


@pytest.fixture
def relay_process(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[subprocess.Popen[bytes], Any]]:
    monkeypatch.setenv("TALENTCREW_DATA_DIR", str(tmp_path))
    use_keys(monkeypatch)
    ANSWER_ARRIVED.clear()
    for api in _fresh_api_client():
        turn_port, relay_port = free_port(), free_port()
        turn_app = functions_framework.create_app("turn", str(FUNCTIONS / "main.py"))
        turn_server = make_server("127.0.0.1", turn_port, _slow(turn_app), threaded=True)
        threading.Thread(target=turn_server.serve_forever, daemon=True).start()
        command, image_env = _image()
        env = {
            **os.environ,
            **image_env,
            "PYTHONPATH": f"{ROOT / 'functions'}{os.pathsep}{ROOT / 'realtime-relay'}",
            "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
            "PORT": str(relay_port),
            "TALENTCREW_TICKET_PUBLIC_KEY": public_half(KEYS["TALENTCREW_TICKET_KEY"]),
            "TALENTCREW_TURN_URL": f"http://127.0.0.1:{turn_port}",
            "DEEPGRAM_API_KEY": "test-key-never-used-in-text-mode",
            "TALENTCREW_DEEPGRAM_URL": "http://127.0.0.1:9",
        }
        log = (tmp_path / "relay.log").open("wb")
        process = subprocess.Popen(command, env=env, stderr=log)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and process.poll() is None:
            try:
                with connect(f"ws://127.0.0.1:{relay_port}/ws/interview/probe", open_timeout=1):
                    break
            except OSError:
                time.sleep(0.2)
        assert process.poll() is None, (tmp_path / "relay.log").read_text()
        yield process, (api, relay_port)
        if process.poll() is None:
            process.kill()
        process.wait()
        log.close()
        turn_server.shutdown()


def test_sigterm_finishes_the_turn_in_flight_and_exits(
    relay_process: tuple[subprocess.Popen[bytes], Any], tmp_path: Path
) -> None:
    process, (api, relay_port) = relay_process
    headers = auth_headers(api, "shutdown.recruiter@example.com")
    job = api.post("/api/jobs/", json={"title": "Backend", "rubric_template": RUBRIC}, headers=headers).get_json()
    session, token = create_session(api, headers, str(job["id"]))
    ticket = api.get(f"/api/sessions/{session['id']}/connect/", headers={"X-Invite-Token": token}).get_json()
    with connect(f"ws://127.0.0.1:{relay_port}/ws/interview/{session['id']}", open_timeout=10) as ws:
        ws.send(json.dumps({"type": "start", "ticket": ticket["ticket"]}))
        assert receive(ws)["turn"] == 1
        ws.send(json.dumps({"type": "text_message", "text": "A B-tree index on the timestamp column."}))
        assert ANSWER_ARRIVED.wait(10)  # the turn is now in flight (the turn function takes 2 s)
        process.send_signal(signal.SIGTERM)
        assert closed(ws)[0] == 1012  # service restart: reconnect
    assert process.wait(timeout=20) == -signal.SIGTERM  # uvicorn re-raises the signal once it has shut down
    log = [json.loads(line)["message"] for line in (tmp_path / "relay.log").read_text().splitlines() if "{" in line]
    assert log.index("turn 1 taken") > log.index("shutting down: finishing the interview work in flight")
    store = talentcrew.config.platform().store
    answers = store.query(Answer, where={"session_id": str(session["id"])}).items
    assert [a.candidate_answer for a in answers] == ["A B-tree index on the timestamp column."]
