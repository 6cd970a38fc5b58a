"""The relay's protocol, in-process: admission, a whole interview, takeover, limits, voice answers, drafts and
resume, refusals of the turn service. Fakes stand in for the turn service and the speech engines
(tests/relay/fakes.py); the end-of-answer patience fires when the test says so.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator

import pytest
from starlette.testclient import WebSocketTestSession

from relay.conversation import BURST
from relay.protocol import TTS_FRAME_BYTES, Close
from relay.settings import RelaySettings
from tests.relay.fakes import CLOSING, FakeRelay, FakeSpeech, FakeTurns, closed, heard, question, receive, silence


def _answer(ws: WebSocketTestSession, text: str, **extra: object) -> dict[str, object]:
    ws.send_json({"type": "text_message", "text": text, **extra})
    return receive(ws)


@contextlib.contextmanager
def _held(turns: FakeTurns) -> Iterator[threading.Event]:
    """Turns wait until the block ends (or the event is set): an answer stays in flight."""
    gate = threading.Event()
    turns.gate = gate
    try:
        yield gate
    finally:
        gate.set()


# -- admission ------------------------------------------------------------------------------------


def test_a_whole_text_interview(fake_relay: FakeRelay) -> None:
    with fake_relay.connect() as ws:
        assert receive(ws) == {
            "type": "question",
            "text": question(1),
            "turn": 1,
            "skill": "Databases",
            "notice": "",
            "thinking": False,
        }
        assert _answer(ws, "An index.", pause_seconds=1.5)["turn"] == 2
        assert _answer(ws, "A cache.")["turn"] == 3
        assert _answer(ws, "Retries.") == {"type": "closing", "text": CLOSING, "turn": 4}
        assert receive(ws) == {"type": "interview_complete"}  # text mode: no audio between them
        assert closed(ws) == (Close.FINISHED, "the interview is complete")
    answers = fake_relay.turns.interview("s1").answers
    assert [(turn, a.answer_text) for turn, a in answers.items()] == [
        (1, "An index."),
        (2, "A cache."),
        (3, "Retries."),
    ]
    assert answers[1].pause_seconds == 1.5


def test_a_finished_interview_says_so_and_closes(fake_relay: FakeRelay) -> None:
    with fake_relay.connect() as ws:
        receive(ws)
        for text in ("one", "two", "three"):
            _answer(ws, text)
    with fake_relay.connect() as again:
        assert receive(again) == {"type": "interview_complete"}
        assert closed(again)[0] == Close.FINISHED


@pytest.mark.parametrize("ticket", [None, "", "not-a-jwt", "eyJhbGciOiJIUzI1NiJ9.e30.forged"])
def test_a_missing_or_bad_ticket_is_refused_with_4401(fake_relay: FakeRelay, ticket: str | None) -> None:
    with fake_relay.connect(ticket=ticket) as ws:
        assert closed(ws)[0] == Close.BAD_TICKET


def test_a_ticket_in_the_url_admits_nothing(fake_relay: FakeRelay) -> None:
    """URLs land in proxies' and Cloud Run's request logs, so the relay takes the ticket from `start` only."""
    from tests.relay.fakes import ticket

    with fake_relay.client.websocket_connect(f"/ws/interview/s1?ticket={ticket('s1')}") as ws:
        ws.send_json({"type": "start", "mode": "text"})
        assert closed(ws)[0] == Close.BAD_TICKET


def test_a_first_message_that_is_not_start_is_refused(fake_relay: FakeRelay) -> None:
    with fake_relay.client.websocket_connect("/ws/interview/s1") as ws:
        ws.send_text("{not json")
        assert closed(ws)[0] == Close.BAD_TICKET


def test_a_ticket_for_another_session_is_refused_with_4403(fake_relay: FakeRelay) -> None:
    from tests.relay.fakes import ticket

    with fake_relay.connect("other", ticket=ticket("mine")) as ws:
        assert closed(ws) == (Close.WRONG_SESSION, "the ticket is for another session")


def test_no_start_message_in_time_is_refused(fake_relay: FakeRelay, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("relay.app.START_TIMEOUT_SECONDS", 0.01)
    with fake_relay.client.websocket_connect("/ws/interview/s1") as ws:
        assert closed(ws)[0] == Close.BAD_TICKET


def test_health(fake_relay: FakeRelay) -> None:
    assert fake_relay.client.get("/healthz").json() == {"status": "ok"}


def test_a_second_connection_takes_over_and_resumes_at_the_same_question(fake_relay: FakeRelay) -> None:
    with contextlib.ExitStack() as stack:
        first = stack.enter_context(fake_relay.connect())
        receive(first)
        after_one = _answer(first, "Eager loading avoids the N+1 problem.")
        second = stack.enter_context(fake_relay.connect())
        assert closed(first)[0] == Close.TAKEN_OVER
        first.close()  # the client answers the close; the relay hands over
        assert receive(second) == after_one  # the same question, the same turn
    assert list(fake_relay.turns.interview("s1").answers) == [1]


# -- limits -----------------------------------------------------------------------------------------


def test_bad_messages_get_errors_then_the_connection_is_closed(fake_relay: FakeRelay) -> None:
    with fake_relay.connect() as ws:
        receive(ws)
        ws.send_text("{not json")
        assert receive(ws)["code"] == "malformed"
        ws.send_json({"type": "text_message", "text": "x" * 20_001})
        assert receive(ws)["code"] == "malformed"  # over the text limit
        ws.send_bytes(b"\x00\x01")
        assert receive(ws)["code"] == "malformed"  # audio in text mode
        ws.send_text("y" * (64 * 1024 + 1))
        assert receive(ws)["code"] == "too_long"
        ws.send_json({"type": "nonsense"})
        assert receive(ws)["code"] == "malformed"
        assert closed(ws) == (Close.ABUSE, "too many refused messages")
    assert fake_relay.turns.interview("s1").answers == {}  # nothing bad was recorded


def test_a_message_flood_is_refused(fake_relay: FakeRelay, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("relay.conversation.MESSAGES_PER_SECOND", 0.001)  # no refill during the test
    with fake_relay.connect() as ws:
        receive(ws)
        for _ in range(BURST + 5):
            ws.send_json({"type": "client_event", "event": "focus_lost"})
        assert [receive(ws)["code"] for _ in range(5)] == ["too_fast"] * 5
        assert closed(ws)[0] == Close.ABUSE


def test_an_abusive_connection_does_not_touch_another(fake_relay: FakeRelay, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("relay.conversation.MESSAGES_PER_SECOND", 0.001)
    with fake_relay.connect("calm") as calm, fake_relay.connect("rough") as rough:
        receive(calm)
        receive(rough)
        for _ in range(BURST + 5):
            rough.send_text("{not json")
        assert closed(rough)[0] == Close.ABUSE
        assert _answer(calm, "Partition the table by month.")["turn"] == 2


def test_audio_limits(fake_relay: FakeRelay) -> None:
    with fake_relay.connect(mode="voice", tts=False) as ws:
        receive(ws)
        ws.send_bytes(b"\x00" * 641)
        assert receive(ws)["code"] == "malformed"  # half a sample
        ws.send_bytes(b"\x00" * (64 * 1024 + 2))
        assert receive(ws)["code"] == "too_long"
        for _ in range(12):  # 12 s of audio at once: far faster than real time
            ws.send_bytes(silence(1.0))
        assert receive(ws)["code"] == "too_fast"
        assert closed(ws)[0] == Close.ABUSE


# -- voice ------------------------------------------------------------------------------------------


def test_the_question_is_spoken_in_frames_then_completed(fake_relay: FakeRelay) -> None:
    with fake_relay.connect(mode="voice") as ws:
        assert receive(ws)["type"] == "question"
        assert ws.receive_json() == {"type": "tts_audio", "turn": 1, "sample_rate": 24_000, "encoding": "linear16"}
        audio = FakeSpeech.AUDIO
        frames = [ws.receive_bytes() for _ in range(0, len(audio), TTS_FRAME_BYTES)]
        assert [len(frame) for frame in frames] == [TTS_FRAME_BYTES, TTS_FRAME_BYTES, len(audio) - 2 * TTS_FRAME_BYTES]
        assert b"".join(frames) == audio
        assert ws.receive_json() == {"type": "tts_audio_complete", "turn": 1}


def test_a_voice_answer_ends_with_done_and_the_closing_words_are_spoken(fake_relay: FakeRelay) -> None:
    fake_relay.turns.length = 1
    with fake_relay.connect(mode="voice") as ws:
        receive(ws)
        ws.send_json({"type": "playback_finished", "turn": 1})
        ws.send_bytes(silence())
        ws.send_bytes(heard("an index", final=False))
        assert receive(ws)["type"] == "tts_audio"
        assert receive(ws) == {"type": "tts_audio_complete", "turn": 1}
        assert receive(ws) == {"type": "transcript", "text": "an index", "final": False, "turn": 1}
        ws.send_bytes(heard("an index on the column"))
        assert receive(ws) == {"type": "transcript", "text": "an index on the column", "final": True, "turn": 1}
        ws.send_json({"type": "user_finished_speaking"})
        assert receive(ws) == {"type": "closing", "text": CLOSING, "turn": 2}
        assert receive(ws) == {"type": "tts_audio", "turn": 2, "sample_rate": 24_000, "encoding": "linear16"}
        assert receive(ws) == {"type": "tts_audio_complete", "turn": 2}
        assert receive(ws) == {"type": "interview_complete"}
        assert closed(ws)[0] == Close.FINISHED
    (answer,) = fake_relay.turns.interview("s1").answers.values()
    assert answer.answer_text == "an index on the column"
    assert answer.pause_seconds is not None  # measured: the question had been played


def _voice(fake_relay: FakeRelay, session_id: str = "s1") -> contextlib.AbstractContextManager[WebSocketTestSession]:
    """A voice connection that does not speak the questions (their audio is tested above)."""
    return fake_relay.connect(session_id, mode="voice", tts=False)


def test_a_long_silence_after_a_pause_ends_the_answer(fake_relay: FakeRelay) -> None:
    with _voice(fake_relay) as ws:
        receive(ws)
        ws.send_bytes(heard("an index", pause=True))
        receive(ws)  # its transcript: the patience is running
        ws.send_bytes(heard("and a cache", pause=True))  # more words: the patience starts again
        receive(ws)
        assert len(fake_relay.timer.scheduled) == 2 and len(fake_relay.timer.waiting) == 1
        fake_relay.timer.fire()
        assert receive(ws)["turn"] == 2
    assert fake_relay.turns.interview("s1").answers[1].answer_text == "an index and a cache"


def test_asking_for_time_is_never_counted_and_only_done_ends_the_answer(fake_relay: FakeRelay) -> None:
    with _voice(fake_relay) as ws:
        receive(ws)
        ws.send_json({"type": "thinking"})  # before a word is said
        ws.send_json({"type": "playback_finished", "turn": 1})
        ws.send_bytes(silence())
        ws.send_bytes(heard("an index", pause=True))
        receive(ws)
        assert fake_relay.timer.waiting == []  # silence will not end this answer
        ws.send_json({"type": "user_finished_speaking"})
        assert receive(ws)["turn"] == 2
        assert fake_relay.turns.interview("s1").answers[1].pause_seconds is None  # time asked for is no pause

        ws.send_json({"type": "playback_finished", "turn": 2})
        ws.send_bytes(heard("a cache"))
        receive(ws)
        ws.send_json({"type": "thinking"})  # mid-answer: the pause already measured stands
        ws.send_bytes(heard("with a TTL", pause=True))
        receive(ws)
        assert fake_relay.timer.waiting == []
        ws.send_json({"type": "user_finished_speaking"})
        assert receive(ws)["turn"] == 3
    assert fake_relay.turns.interview("s1").answers[2].pause_seconds is not None


def test_done_with_nothing_heard_is_not_an_answer(fake_relay: FakeRelay) -> None:
    with _voice(fake_relay) as ws:
        receive(ws)
        ws.send_json({"type": "user_finished_speaking"})
        assert receive(ws)["code"] == "nothing_heard"  # not a word yet
        ws.send_bytes(silence())
        ws.send_json({"type": "user_finished_speaking"})
        assert receive(ws)["code"] == "nothing_heard"  # silence only
        ws.send_bytes(heard("an index"))
        receive(ws)
        ws.send_json({"type": "user_finished_speaking"})
        assert receive(ws)["turn"] == 2  # it listens again after nothing was heard
    assert list(fake_relay.turns.interview("s1").answers) == [1]


def test_a_recogniser_that_fails_is_told_to_the_candidate(fake_relay: FakeRelay) -> None:
    fake_relay.speech.broken = True
    with _voice(fake_relay) as ws:
        receive(ws)
        ws.send_bytes(silence())
        ws.send_json({"type": "user_finished_speaking"})
        assert receive(ws)["code"] == "speech_unavailable"


class TestASlowRecogniser:
    @pytest.fixture
    def relay_settings(self) -> RelaySettings:
        return RelaySettings(audio_buffer_seconds=0.2)

    def test_drops_audio_beyond_the_buffer(self, fake_relay: FakeRelay) -> None:
        opening = threading.Event()
        fake_relay.speech.opening = opening  # the recogniser takes its time to open; the buffer holds 0.2 s
        with _voice(fake_relay) as ws:
            receive(ws)
            ws.send_bytes(silence(0.1))
            ws.send_bytes(silence(0.2))  # does not fit
            assert receive(ws)["code"] == "audio_dropped"
            opening.set()
            ws.send_bytes(heard("an index"))  # fits beside the first
            assert receive(ws)["text"] == "an index"  # the connection stays; only the audio beyond is lost


def test_an_answer_being_taken_makes_the_next_one_wait(fake_relay: FakeRelay) -> None:
    with _voice(fake_relay) as ws, _held(fake_relay.turns) as gate:
        receive(ws)
        ws.send_json({"type": "text_message", "text": "An index."})
        ws.send_json({"type": "text_message", "text": "Again."})
        assert receive(ws)["code"] == "busy"
        ws.send_bytes(heard("not heard: nobody listens between answers"))
        gate.set()
        assert receive(ws) == {
            "type": "question",
            "text": question(2),
            "turn": 2,
            "skill": "Databases",
            "notice": "",
            "thinking": False,
        }
    assert fake_relay.turns.interview("s1").answers[1].answer_text == "An index."


# -- drafts and resume ------------------------------------------------------------------------------


def test_words_become_a_draft_and_a_new_connection_resumes_with_them(fake_relay: FakeRelay) -> None:
    turns = fake_relay.turns
    with _voice(fake_relay) as ws:
        receive(ws)
        ws.send_json({"type": "playback_finished", "turn": 1})
        ws.send_bytes(silence())
        ws.send_bytes(heard("an index"))
        ws.send_bytes(heard("on the column", final=False))  # still being recognised when the connection drops
        turns.wait_for(lambda: 1 in turns.interview("s1").drafts)
    # Dropped: the partial's words never became final; the finals' draft is all that is kept.
    kept = turns.interview("s1").drafts[1]
    assert kept.text == "an index" and kept.pause_seconds is not None
    with _voice(fake_relay) as again:
        assert receive(again)["turn"] == 1
        assert receive(again) == {"type": "transcript", "text": "an index", "final": True, "turn": 1}
        again.send_bytes(heard("and a cache"))
        receive(again)
        again.send_json({"type": "user_finished_speaking"})
        assert receive(again)["turn"] == 2
    answer = turns.interview("s1").answers[1]
    assert answer.answer_text == "an index and a cache"
    assert answer.pause_seconds == kept.pause_seconds  # kept from the first connection
    assert turns.interview("s1").drafts == {}  # the draft became the answer


def test_the_last_words_of_a_dropped_answer_are_kept(fake_relay: FakeRelay) -> None:
    turns = fake_relay.turns
    opening = threading.Event()
    fake_relay.speech.opening = opening  # nothing is recognised before the connection drops
    with _voice(fake_relay) as ws:
        receive(ws)
        ws.send_bytes(heard("an index on the column"))
    opening.set()  # the recogniser finishes after the drop
    turns.wait_for(lambda: 1 in turns.interview("s1").drafts)
    assert turns.interview("s1").drafts[1].text == "an index on the column"


def test_drafts_go_out_one_at_a_time_and_the_latest_wins(fake_relay: FakeRelay) -> None:
    turns = fake_relay.turns
    slow = threading.Event()
    turns.draft_gate = slow  # the first draft stays in flight while more words are heard
    with _voice(fake_relay) as ws:
        receive(ws)
        for word in ("one", "two", "three", "four"):
            ws.send_bytes(heard(word))
            assert receive(ws)["text"] == word  # a slow draft never holds up the transcripts
        slow.set()
        turns.wait_for(lambda: len(turns.draft_calls) == 2)
        assert turns.draft_calls[-1].text == "one two three four"  # the ones between were replaced, not queued
        ws.send_json({"type": "user_finished_speaking"})
        assert receive(ws)["turn"] == 2
    assert turns.interview("s1").drafts == {}
    assert len(turns.draft_calls) == 2


def test_done_then_dropped_records_the_answer_once(fake_relay: FakeRelay) -> None:
    with _voice(fake_relay) as ws, _held(fake_relay.turns) as gate:
        receive(ws)
        ws.send_bytes(heard("retries with backoff"))
        receive(ws)
        ws.send_json({"type": "user_finished_speaking"})
        ws.close()  # gone while the turn is in flight
        gate.set()
    with _voice(fake_relay) as again:  # waits for the turn in flight, then resumes after it
        assert receive(again)["turn"] == 2
    assert list(fake_relay.turns.interview("s1").answers) == [1]


# -- refusals of the turn service -------------------------------------------------------------------


def test_a_failed_turn_keeps_the_words_for_the_next_try(fake_relay: FakeRelay) -> None:
    turns = fake_relay.turns
    with _voice(fake_relay) as ws:
        receive(ws)
        ws.send_bytes(heard("an index"))
        receive(ws)
        turns.refuse = "unreachable"
        ws.send_json({"type": "user_finished_speaking"})
        error = receive(ws)
        assert error == {
            "type": "error",
            "code": "turn_failed",
            "message": "your answer could not be recorded just now; send it again",
        }
        turns.refuse = None
        ws.send_json({"type": "text_message", "text": "and a cache"})
        assert receive(ws)["turn"] == 2
    assert turns.interview("s1").answers[1].answer_text == "an index and a cache"


def test_an_unreachable_turn_service_is_a_typed_error_then_1011(fake_relay: FakeRelay) -> None:
    fake_relay.turns.refuse = "unreachable"
    with fake_relay.connect() as ws:
        assert receive(ws) == {
            "type": "error",
            "code": "turn_failed",
            "message": "the interview could not start; reconnect in a moment",
        }
        assert closed(ws)[0] == Close.UNAVAILABLE


def test_an_interview_no_skill_of_which_can_be_asked_ends_with_a_final_typed_error(fake_relay: FakeRelay) -> None:
    fake_relay.turns.refuse = "unaskable"
    with fake_relay.connect() as ws:
        error = receive(ws)
        assert (error["type"], error["code"]) == ("error", "interview_unavailable")
        assert "contact the recruiter" in error["message"]
        assert closed(ws)[0] == Close.CANNOT_RUN


def _withdrawn(ws: WebSocketTestSession) -> None:
    """The relay's last words: the typed error, then 4410."""
    message = receive(ws)
    while message["type"] != "error":  # a transcript may still have been on its way
        message = receive(ws)
    assert message["code"] == "interview_withdrawn"
    assert closed(ws) == (Close.WITHDRAWN, "the interview is no longer available")


def test_a_withdrawn_interview_opens_nothing(fake_relay: FakeRelay) -> None:
    fake_relay.turns.refuse = "withdrawn"
    with fake_relay.connect() as ws:
        _withdrawn(ws)


def test_a_typed_answer_after_the_interview_was_withdrawn_closes_with_4410(fake_relay: FakeRelay) -> None:
    with fake_relay.connect() as ws:
        receive(ws)
        fake_relay.turns.refuse = "withdrawn"
        ws.send_json({"type": "text_message", "text": "An index."})
        _withdrawn(ws)
    assert fake_relay.turns.interview("s1").answers == {}


def test_a_draft_refused_as_withdrawn_closes_with_4410_and_stops_listening(fake_relay: FakeRelay) -> None:
    with _voice(fake_relay) as ws:
        receive(ws)
        fake_relay.turns.refuse = "withdrawn"
        ws.send_bytes(heard("an index", pause=True))
        _withdrawn(ws)
    assert fake_relay.turns.draft_calls == []
    assert fake_relay.timer.waiting == []  # no answer ends by silence after that
