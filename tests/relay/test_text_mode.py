"""The relay in text mode, over real sockets: admission, a whole interview, takeover, resume, limits.

The relay runs under uvicorn and calls the real turn function over HTTP (functions-framework's app
on a werkzeug server), with the offline brain; the candidate is the `websockets` client library.
"""

from __future__ import annotations

import contextlib
import io
import json
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

import pytest
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import ClientConnection, connect

import talentcrew.config
from relay.conversation import BURST
from relay.protocol import Close
from talentcrew.models import Answer, Job
from tests.relay.conftest import World, closed, receive

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment


def _answer(ws: ClientConnection, text: str, **extra: Any) -> dict[str, Any]:
    ws.send(json.dumps({"type": "text_message", "text": text, **extra}))
    return receive(ws)


def test_a_whole_text_interview_over_the_socket(world: World) -> None:
    session_id, token = world.session()
    with world.connect(session_id, world.ticket(session_id, token)) as ws:
        question = receive(ws)
        assert question["type"] == "question" and question["turn"] == 1 and question["text"]
        for turn in range(1, 7):
            reply = _answer(ws, "An index on the filtered columns and a cache with a TTL.", pause_seconds=1.5)
            if turn < 6:
                assert (reply["type"], reply["turn"]) == ("question", turn + 1)
        assert reply["type"] == "closing" and reply["turn"] == 7 and "Thank you" in reply["text"]
        assert receive(ws) == {"type": "interview_complete"}  # text mode: no audio between them
        assert closed(ws)[0] == Close.FINISHED
        store = talentcrew.config.platform().store
        answers = store.query(Answer, where={"session_id": session_id}, order_by="turn_index").items
        assert [a.turn_index for a in answers] == [1, 2, 3, 4, 5, 6]
        assert all(a.pause_seconds == 1.5 and "index" in a.candidate_answer for a in answers)


def test_the_ticket_may_come_in_a_start_message(world: World) -> None:
    session_id, token = world.session()
    with world.connect(session_id) as ws:
        ws.send(json.dumps({"type": "start", "mode": "text", "ticket": world.ticket(session_id, token)}))
        assert receive(ws)["type"] == "question"


def test_a_ticket_in_the_url_admits_nothing(world: World) -> None:
    """URLs land in proxies' and Cloud Run's request logs, so the relay takes the ticket from `start` only."""
    session_id, token = world.session()
    url = f"{world.relay_url}/ws/interview/{session_id}?ticket={world.ticket(session_id, token)}"
    with connect(url, open_timeout=10) as ws:
        ws.send(json.dumps({"type": "start", "mode": "text"}))
        assert closed(ws)[0] == Close.BAD_TICKET


@pytest.mark.parametrize("ticket", ["", "not-a-jwt", "eyJhbGciOiJIUzI1NiJ9.e30.forged"])
def test_a_bad_ticket_is_refused_with_4401(world: World, ticket: str) -> None:
    session_id, _ = world.session()
    with world.connect(session_id) as ws:
        ws.send(json.dumps({"type": "start", "ticket": ticket}))
        assert closed(ws)[0] == Close.BAD_TICKET


def test_a_ticket_for_another_session_is_refused_with_4403(world: World) -> None:
    mine, token = world.session()
    other, _ = world.session()
    with world.connect(other, world.ticket(mine, token)) as ws:
        assert closed(ws) == (Close.WRONG_SESSION, "the ticket is for another session")


def test_no_start_message_in_time_is_refused(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("relay.app.START_TIMEOUT_SECONDS", 0.3)
    session_id, _ = world.session()
    with world.connect(session_id) as ws:
        assert closed(ws)[0] == Close.BAD_TICKET


def test_a_second_connection_takes_over_and_resumes_at_the_same_question(world: World) -> None:
    session_id, token = world.session()
    with world.connect(session_id, world.ticket(session_id, token)) as first:
        opening = receive(first)
        after_one = _answer(first, "Eager loading with joins avoids the N+1 problem.")
        with world.connect(session_id, world.ticket(session_id, token)) as second:
            assert receive(second) == after_one  # the same question, the same turn
            assert closed(first)[0] == Close.TAKEN_OVER
    assert after_one["turn"] == opening["turn"] + 1


def test_a_dropped_connection_resumes_and_records_each_answer_once(world: World) -> None:
    session_id, token = world.session()
    with world.connect(session_id, world.ticket(session_id, token)) as ws:
        receive(ws)
        _answer(ws, "First answer about indexes.")
    with world.connect(session_id, world.ticket(session_id, token)) as again:
        assert receive(again)["turn"] == 2
        _answer(again, "Second answer about caches.")
    store = talentcrew.config.platform().store
    assert [a.turn_index for a in store.query(Answer, where={"session_id": session_id}).items] == [1, 2]


def test_bad_messages_get_errors_then_the_connection_isclosed(world: World) -> None:
    session_id, token = world.session()
    with world.connect(session_id, world.ticket(session_id, token)) as ws:
        receive(ws)
        ws.send("{not json")
        assert receive(ws)["code"] == "malformed"
        ws.send(json.dumps({"type": "text_message", "text": "x" * 20_001}))
        assert receive(ws)["code"] == "malformed"  # over the text limit
        ws.send(b"\x00\x01")
        assert receive(ws)["code"] == "malformed"  # audio in text mode
        ws.send("y" * (64 * 1024 + 1))
        assert receive(ws)["code"] == "too_long"
        ws.send(json.dumps({"type": "nonsense"}))
        assert receive(ws)["code"] == "malformed"
        assert closed(ws) == (Close.ABUSE, "too many refused messages")
        store = talentcrew.config.platform().store
        assert store.count(Answer, where={"session_id": session_id}) == 0  # nothing bad was recorded


def test_a_message_flood_is_refused(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("relay.conversation.MESSAGES_PER_SECOND", 0.001)  # no refill during the test: deterministic
    session_id, token = world.session()
    with world.connect(session_id, world.ticket(session_id, token)) as ws:
        receive(ws)
        for _ in range(BURST + 5):
            ws.send(json.dumps({"type": "client_event", "event": "focus_lost"}))
        codes = [receive(ws)["code"] for _ in range(5)]
        assert codes == ["too_fast"] * 5
        assert closed(ws)[0] == Close.ABUSE


def test_health(world: World) -> None:
    import urllib.request

    with urllib.request.urlopen(world.relay_url.replace("ws://", "http://") + "/healthz", timeout=5) as response:
        assert json.load(response) == {"status": "ok"}


def test_an_abusive_connection_does_not_touch_another(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("relay.conversation.MESSAGES_PER_SECOND", 0.001)
    calm_id, calm_token = world.session()
    rough_id, rough_token = world.session()
    with (
        world.connect(calm_id, world.ticket(calm_id, calm_token)) as calm,
        world.connect(rough_id, world.ticket(rough_id, rough_token)) as rough,
    ):
        receive(calm)
        receive(rough)
        with contextlib.suppress(ConnectionClosed):  # the relay may close it mid-flood
            for _ in range(BURST + 5):
                rough.send("{not json")
        assert closed(rough)[0] == Close.ABUSE
        assert _answer(calm, "Partition the table by month and index the foreign key.")["turn"] == 2


def test_an_unreachable_turn_function_is_a_typed_error_then_1011(world: World) -> None:
    session_id, token = world.session()
    ticket = world.ticket(session_id, token)
    world.turn_server.shutdown()
    world.turn_server.server_close()
    with world.connect(session_id, ticket) as ws:
        error = receive(ws)
        assert (error["type"], error["code"]) == ("error", "turn_failed")
        assert closed(ws)[0] == Close.UNAVAILABLE


def test_an_interview_no_skill_of_which_can_be_asked_ends_with_a_final_typed_error(world: World) -> None:
    """A job saved while another brain could write its questions: the candidate is told, once, not to retry."""
    store = talentcrew.config.platform().store
    job = store.get(Job, world.job_id)
    assert job is not None
    rubric = job.rubric_template.model_copy(update={"core_skills": ["Origami"]})
    store.update(Job, world.job_id, {"rubric_template": rubric.model_dump(mode="json")})
    session_id, token = world.session()
    with world.connect(session_id, world.ticket(session_id, token)) as ws:
        error = receive(ws)
        assert (error["type"], error["code"]) == ("error", "interview_unavailable")
        assert "contact the recruiter" in error["message"]
        assert closed(ws)[0] == Close.CANNOT_RUN


SECRET = "sk_live_4eC39HqLyjWDarjtT1zdp7dc"  # what a turn function's error might carry: never for the candidate


def _refusing_from(turn: int, app: WSGIApplication) -> WSGIApplication:
    """The turn function, answering 400 with a secret in its body from turn `turn` on."""

    def refusing(environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        body = environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
        if json.loads(body)["turn_index"] >= turn:
            start_response("400 Bad Request", [("Content-Type", "application/problem+json")])
            return [json.dumps({"title": "Bad Request", "detail": f"upstream key {SECRET} rejected"}).encode()]
        environ["wsgi.input"] = io.BytesIO(body)
        return app(environ, start_response)

    return refusing


def _everything(ws: ClientConnection) -> list[str]:
    """Every text frame until the relay closes the connection (or stops sending for a while)."""
    frames = []
    with contextlib.suppress(ConnectionClosed, TimeoutError):
        while True:
            frame = ws.recv(timeout=3)
            if isinstance(frame, str):
                frames.append(frame)
    return frames


@pytest.mark.parametrize("turn", [0, 1], ids=["opening", "an answer"])
def test_the_turn_functions_error_text_reaches_the_log_not_the_candidate(
    world: World, caplog: pytest.LogCaptureFixture, turn: int
) -> None:
    world.turn_server.app = _refusing_from(turn, world.turn_server.app)
    session_id, token = world.session()
    with world.connect(session_id, world.ticket(session_id, token)) as ws:
        if turn:
            assert receive(ws)["type"] == "question"
            ws.send(json.dumps({"type": "text_message", "text": "An index on the filtered columns."}))
        sent = _everything(ws)
    errors = [json.loads(frame) for frame in sent if json.loads(frame)["type"] == "error"]
    assert [error["code"] for error in errors] == ["turn_failed"]
    assert not any(SECRET in frame or "upstream" in frame for frame in sent)
    assert SECRET in caplog.text
