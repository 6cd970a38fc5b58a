"""Keyterms from the turn service to the speech engine, and the engine's confidence back to the answer.

In-process on the fakes (tests/relay/fakes.py) for the relay's own rules; then end to end with the
Deepgram stand-in as the engine, through the official SDK, and the real turn function.
"""

from __future__ import annotations

import pytest

import talentcrew.config
from talentcrew.models import Answer, Question, answer_id
from tests.api.helpers import RUBRIC, said_concept_terms
from tests.deepgram_standin import DeepgramStandin
from tests.relay import deepgram_world
from tests.relay.conftest import World
from tests.relay.deepgram_world import say, voice_interview
from tests.relay.fakes import FakeRelay, heard, keyterms, receive

standin, speech = deepgram_world.standin, deepgram_world.speech  # fixtures: the world hears through Deepgram

# -- the relay's rules, on the fakes ---------------------------------------------------------------


def test_each_answer_is_recognised_with_the_keyterms_its_question_came_with(fake_relay: FakeRelay) -> None:
    with fake_relay.connect(mode="voice", tts=False) as ws:
        receive(ws)
        ws.send_bytes(heard("an index"))
        ws.send_json({"type": "user_finished_speaking"})
        receive(ws)  # the transcript
        assert receive(ws)["turn"] == 2  # the next question
        ws.send_bytes(heard("a cache"))
        ws.send_json({"type": "user_finished_speaking"})
        fake_relay.turns.taken(2)
    assert fake_relay.speech.keyterms == [tuple(keyterms(1)), tuple(keyterms(2))]  # resume's, then the reply's


def test_the_answers_confidence_weighs_every_word_the_same_whichever_way_the_engine_scores(
    fake_relay: FakeRelay,
) -> None:
    with fake_relay.connect(mode="voice", tts=False) as ws:
        receive(ws)
        ws.send_bytes(heard("an index", word_confidences=[0.9, 0.3]))  # word by word, as Deepgram
        ws.send_bytes(heard("on the column", confidence=0.6))  # a whole stretch, as Whisper
        ws.send_bytes(heard("maybe", final=False, word_confidences=[0.1]))  # a partial, replaced: never counts
        ws.send_json({"type": "user_finished_speaking"})
        taken = fake_relay.turns.taken(1)
    assert taken.transcript_confidence == pytest.approx((0.9 + 0.3 + 3 * 0.6) / 5)
    assert [(w.text, w.confidence) for w in taken.words] == [("an", 0.9), ("index", 0.3)]


def test_a_typed_answer_keeps_the_confidence_of_what_was_said_before_it(fake_relay: FakeRelay) -> None:
    with fake_relay.connect(mode="voice", tts=False) as ws:
        receive(ws)
        ws.send_bytes(heard("an index", word_confidences=[0.8, 0.4]))
        assert receive(ws)["final"] is True  # heard before the typing
        ws.send_json({"type": "text_message", "text": "on the customer column"})
        assert receive(ws)["turn"] == 2
        ws.send_json({"type": "text_message", "text": "A cache, typed."})
        typed_only = fake_relay.turns.taken(2)
    spoken_then_typed = fake_relay.turns.taken(1)
    assert spoken_then_typed.answer_text == "an index on the customer column"
    assert spoken_then_typed.transcript_confidence == pytest.approx(0.6)
    assert [w.text for w in spoken_then_typed.words] == ["an", "index"]
    assert (typed_only.transcript_confidence, typed_only.words) == (None, [])


def test_an_answer_sent_again_after_a_failed_turn_keeps_the_confidence_of_its_words(fake_relay: FakeRelay) -> None:
    turns = fake_relay.turns
    with fake_relay.connect(mode="voice", tts=False) as ws:
        receive(ws)
        ws.send_bytes(heard("an index", word_confidences=[0.9, 0.3]))
        receive(ws)  # the transcript
        turns.refuse = "unreachable"
        ws.send_json({"type": "user_finished_speaking"})
        assert receive(ws)["code"] == "turn_failed"
        turns.refuse = None
        ws.send_bytes(heard("on the column", confidence=0.6))  # said after the failure, as a new stretch
        receive(ws)
        ws.send_json({"type": "user_finished_speaking"})  # the kept words go again, with the new ones
        assert receive(ws)["turn"] == 2
    taken = turns.taken(1)
    assert taken.answer_text == "an index on the column"
    assert taken.transcript_confidence == pytest.approx((0.9 + 0.3 + 3 * 0.6) / 5)
    assert [(w.text, w.confidence) for w in taken.words] == [("an", 0.9), ("index", 0.3)]


def test_an_answer_resumed_after_a_dropped_connection_keeps_the_confidence_of_its_words(
    fake_relay: FakeRelay,
) -> None:
    turns = fake_relay.turns
    with fake_relay.connect(mode="voice", tts=False) as ws:
        receive(ws)
        ws.send_bytes(heard("an index", word_confidences=[0.9, 0.3]))
        turns.wait_for(lambda: 1 in turns.interview("s1").drafts)
    with fake_relay.connect(mode="voice", tts=False) as again:
        assert receive(again)["turn"] == 1
        assert receive(again)["text"] == "an index"  # the words kept
        again.send_bytes(heard("on the column", confidence=0.6))
        receive(again)
        again.send_json({"type": "user_finished_speaking"})
        assert receive(again)["turn"] == 2
    taken = turns.taken(1)
    assert taken.answer_text == "an index on the column"
    assert taken.transcript_confidence == pytest.approx((0.9 + 0.3 + 3 * 0.6) / 5)
    assert [(w.text, w.confidence) for w in taken.words] == [("an", 0.9), ("index", 0.3)]


# -- end to end: the Deepgram stand-in and the real turn function ------------------------------------


def _expected_keyterms(session_id: str, turn: int) -> set[str]:
    question = talentcrew.config.platform().store.get(Question, answer_id(session_id, turn))
    assert question is not None and question.reference is not None
    return {*said_concept_terms(question.reference), *RUBRIC["languages"], *RUBRIC["core_skills"]}


def test_a_mumbled_spoken_answer_is_marked_for_a_person_with_its_words(world: World, standin: DeepgramStandin) -> None:
    with voice_interview(world) as (session_id, ws):
        standin.script = "Shard orders by tenant id."
        standin.unsure = {"shard": 0.31, "orders": 0.5, "tenant": 0.42}
        say(ws, standin, 1)
        standin.script, standin.unsure = "An index helps.", {}
        say(ws, standin, 2)

    store = talentcrew.config.platform().store
    mumbled, clear = (store.get(Answer, answer_id(session_id, turn)) for turn in (1, 2))
    assert mumbled is not None and clear is not None
    assert mumbled.candidate_answer == "Shard orders by tenant id."
    assert [(w.text, w.confidence) for w in mumbled.heard_words] == [
        ("Shard", 0.31),
        ("orders", 0.5),
        ("by", 0.98),
        ("tenant", 0.42),
        ("id.", 0.98),
    ]
    assert mumbled.transcript_confidence == pytest.approx((2 * 0.98 + 0.31 + 0.5 + 0.42) / 5, abs=0.001)
    assert mumbled.transcript_check
    assert clear.transcript_confidence == pytest.approx(0.98) and not clear.transcript_check

    first, second = standin.listen_requests[:2]
    assert set(first.keyterms) >= _expected_keyterms(session_id, 0)  # the opening question's, from resume
    assert set(second.keyterms) >= _expected_keyterms(session_id, 1)  # the next one's, from the turn's reply
    assert first.keyterms != second.keyterms
