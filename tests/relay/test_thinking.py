"""'Let me think' leaves a trace: the relay tells the turn service the candidate asked for time, and the
answer records it.

In-process on the fakes (tests/relay/fakes.py) for the relay's rule, in voice and text mode and across a
failed turn; then end to end with the Deepgram stand-in as the engine and the real turn function.
"""

from __future__ import annotations

import pytest

import talentcrew.config
from talentcrew.models import Answer, IntegritySignal, SignalKind, answer_id
from talentcrew.sessions import all_of
from tests.deepgram_standin import DeepgramStandin
from tests.relay import deepgram_world
from tests.relay.conftest import World
from tests.relay.deepgram_world import say, voice_interview
from tests.relay.fakes import FakeRelay, heard, receive

PAUSE_KINDS = {SignalKind.LONG_PAUSE, SignalKind.TEXTBOOK_ANSWER, SignalKind.UNIFORM_PAUSES}

standin, speech = deepgram_world.standin, deepgram_world.speech  # fixtures: the world hears through Deepgram

# -- the relay's rule, on the fakes ------------------------------------------------------------------


def test_a_spoken_answer_says_whether_the_candidate_asked_for_time(fake_relay: FakeRelay) -> None:
    with fake_relay.connect(mode="voice", tts=False) as ws:
        receive(ws)
        ws.send_json({"type": "thinking"})
        ws.send_bytes(heard("an index"))
        ws.send_json({"type": "user_finished_speaking"})
        receive(ws)  # the transcript
        assert receive(ws)["turn"] == 2
        ws.send_bytes(heard("a cache"))  # the next answer starts without the request
        ws.send_json({"type": "user_finished_speaking"})
        second = fake_relay.turns.taken(2)
    first = fake_relay.turns.taken(1)
    assert (first.thinking, first.pause_seconds) == (True, None)
    assert second.thinking is False


def test_a_typed_answer_says_so_too(fake_relay: FakeRelay) -> None:
    with fake_relay.connect(mode="text") as ws:
        receive(ws)
        ws.send_json({"type": "thinking"})  # the candidate page sends it in text mode as in voice mode
        ws.send_json({"type": "text_message", "text": "An index on the customer column."})
        assert receive(ws)["turn"] == 2
        ws.send_json({"type": "text_message", "text": "A cache."})
        assert fake_relay.turns.taken(2).thinking is False
    assert fake_relay.turns.taken(1).thinking is True


def test_the_request_for_time_survives_a_failed_turn(fake_relay: FakeRelay) -> None:
    turns = fake_relay.turns
    with fake_relay.connect(mode="voice", tts=False) as ws:
        receive(ws)
        ws.send_json({"type": "thinking"})
        ws.send_bytes(heard("an index"))
        receive(ws)
        turns.refuse = "unreachable"
        ws.send_json({"type": "user_finished_speaking"})
        assert receive(ws)["code"] == "turn_failed"
        turns.refuse = None
        ws.send_json({"type": "user_finished_speaking"})  # sent again, with the words kept
        assert receive(ws)["turn"] == 2
    assert fake_relay.turns.taken(1).thinking is True


def test_the_request_for_time_survives_a_dropped_connection(fake_relay: FakeRelay) -> None:
    turns = fake_relay.turns
    with fake_relay.connect(mode="voice", tts=False) as ws:
        assert receive(ws)["thinking"] is False
        ws.send_json({"type": "playback_finished", "turn": 1})
        ws.send_json({"type": "thinking"})  # before a word is said: kept as a draft at once
        turns.wait_for(lambda: 1 in turns.interview("s1").drafts)
    with fake_relay.connect(mode="voice", tts=False) as again:
        question = receive(again)
        assert (question["turn"], question["thinking"]) == (1, True)  # the page shows it still asked for
        again.send_json({"type": "playback_finished", "turn": 1})
        again.send_bytes(heard("an index"))
        receive(again)  # the transcript
        again.send_json({"type": "user_finished_speaking"})
        assert receive(again)["thinking"] is False  # the next question: not asked for yet
    answer = turns.taken(1)
    assert (answer.thinking, answer.pause_seconds) == (True, None)  # still asked for; no pause measured


# -- end to end: the Deepgram stand-in and the real turn function ------------------------------------


def _pause_signals(session_id: str, turn: int) -> set[SignalKind]:
    signals = all_of(talentcrew.config.platform().store, IntegritySignal, session_id, "id")
    return {signal.kind for signal in signals if signal.turn_index == turn} & PAUSE_KINDS


def test_the_answer_records_the_request_and_its_pause_is_not_judged(world: World, standin: DeepgramStandin) -> None:
    with voice_interview(world) as (session_id, ws):
        standin.script = "An index."
        ws.send('{"type": "thinking"}')
        say(ws, standin, 1)
        ws.send('{"type": "playback_finished", "turn": 2}')  # the question was heard: its pause counts
        standin.script = "A cache."  # both answers fit in the relay's audio burst
        say(ws, standin, 2)

    store = talentcrew.config.platform().store
    thought, answered = (store.get(Answer, answer_id(session_id, turn)) for turn in (1, 2))
    assert thought is not None and answered is not None
    assert (thought.asked_for_time, thought.pause_seconds) == (True, None)
    assert _pause_signals(session_id, 1) == set()
    assert answered.asked_for_time is False
    assert answered.pause_seconds == pytest.approx(0, abs=5)  # measured: spoken at once
