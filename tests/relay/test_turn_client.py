"""The relay's client of the turn service over HTTP: paths, authorization, retries, and what each refusal means.

A small local server answers as the turn function would, status by status.
"""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from relay.turns import TurnClient, TurnFailed, Withdrawn
from talentcrew.interview.calls import DraftRequest, TurnRequest
from tests.servers import free_port

SECRET = "sk_live_4eC39HqLyjWDarjtT1zdp7dc"  # what a turn function's error might carry: never for the candidate
RESUMED = {"turn_index": 2, "question": "Why?", "skill": "Caching", "finished": False, "said": "an index"}
REPLY = {"turn_index": 2, "question": "Why?", "skill": "Caching", "finished": False}


class TurnServer(ThreadingHTTPServer):
    answers: list[tuple[int, dict[str, object] | None]]
    """What to answer, one per call (the last repeats)."""
    calls: list[tuple[str, str, dict[str, object]]]


class _Handler(BaseHTTPRequestHandler):
    server: TurnServer

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        self.server.calls.append((self.path, self.headers["Authorization"], body))
        status, answer = self.server.answers.pop(0) if len(self.server.answers) > 1 else self.server.answers[0]
        payload = json.dumps(answer).encode() if answer is not None else b""
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, *_: object) -> None:
        pass


@pytest.fixture
def server() -> Iterator[TurnServer]:
    server = TurnServer(("127.0.0.1", free_port()), _Handler)
    server.calls = []
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True).start()
    yield server
    server.shutdown()
    server.server_close()


def _client(server: TurnServer) -> TurnClient:
    return TurnClient(f"http://127.0.0.1:{server.server_address[1]}/", lambda: "Bearer s3cret", backoff_seconds=0)


def test_each_call_has_its_path_body_and_authorization(server: TurnServer) -> None:
    client = _client(server)
    server.answers = [(200, RESUMED)]
    resumed = asyncio.run(client.resume("s1"))
    assert (resumed.turn_index, resumed.said) == (2, "an index")
    server.answers = [(204, None)]
    asyncio.run(client.draft(DraftRequest(session_id="s1", turn_index=2, text="an index", pause_seconds=0.5)))
    server.answers = [(200, REPLY)]
    reply = asyncio.run(client.take(TurnRequest(session_id="s1", turn_index=1, answer_text="An index.")))
    assert reply.question == "Why?"
    assert [(path, auth) for path, auth, _ in server.calls] == [
        ("/resume", "Bearer s3cret"),
        ("/draft", "Bearer s3cret"),
        ("/", "Bearer s3cret"),
    ]
    assert [body for _, _, body in server.calls][:2] == [
        {"session_id": "s1"},
        {
            "session_id": "s1",
            "turn_index": 2,
            "text": "an index",
            "pause_seconds": 0.5,
            "thinking": False,
            "heard": {"confidence": None, "scored_words": 0, "words": []},
        },
    ]


def test_a_5xx_is_retried_and_then_answered(server: TurnServer) -> None:
    server.answers = [(503, None), (500, None), (200, RESUMED)]
    assert asyncio.run(_client(server).resume("s1")).turn_index == 2
    assert len(server.calls) == 3


def test_a_service_down_after_every_attempt_is_a_failed_turn(server: TurnServer) -> None:
    server.answers = [(503, None)]
    with pytest.raises(TurnFailed) as failed:
        asyncio.run(_client(server).resume("s1"))
    assert failed.value.status is None and not failed.value.final
    assert len(server.calls) == 3


def test_410_means_withdrawn_at_once(server: TurnServer) -> None:
    server.answers = [(410, {"type": "interview-withdrawn", "title": "Gone"})]
    with pytest.raises(Withdrawn):
        asyncio.run(_client(server).draft(DraftRequest(session_id="s1", turn_index=1, text="an index")))
    assert len(server.calls) == 1  # a refusal is not retried


def test_422_is_final(server: TurnServer) -> None:
    server.answers = [(422, {"type": "unaskable"})]
    with pytest.raises(TurnFailed) as failed:
        asyncio.run(_client(server).take(TurnRequest(session_id="s1", turn_index=0)))
    assert failed.value.final


def test_the_services_error_text_reaches_the_log_not_the_error(
    server: TurnServer, caplog: pytest.LogCaptureFixture
) -> None:
    server.answers = [(400, {"title": "Bad Request", "detail": f"upstream key {SECRET} rejected"})]
    with pytest.raises(TurnFailed) as failed:
        asyncio.run(_client(server).take(TurnRequest(session_id="s1", turn_index=1, answer_text="An index.")))
    assert failed.value.status == 400 and not failed.value.final
    assert SECRET not in str(failed.value)
    assert SECRET in caplog.text
