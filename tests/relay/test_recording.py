"""Recordings of spoken answers, on the relay's side: each answer's audio, encoded as Ogg/Opus while it arrives,
sent to the turn service only after its turn is taken, and only for interviews that record.

The protocol's cases run on the fakes (tests/relay/fakes.py); the last test sends a recording through the
real turn function into the embedded Blobs. A reconnection waits for the work an earlier connection left
(`Relay.settle`), which is how the tests know a recording in flight has landed.
"""

from __future__ import annotations

import asyncio
import contextlib
import io

import pytest
import soundfile  # type: ignore[import-untyped]

import talentcrew.config
from relay import recording
from relay.protocol import Close
from relay.recording import Recording
from relay.speech.ports import BYTES_PER_SECOND
from talentcrew.interview.calls import RecordingRequest
from talentcrew.models import Answer, answer_id
from tests.relay.conftest import World
from tests.relay.fakes import FakeRelay, closed, heard, receive, silence
from tests.relay.test_voice import Candidate
from tests.speech_audio import speech


def decoded_seconds(request: RecordingRequest) -> float:
    samples, rate = soundfile.read(io.BytesIO(request.audio))
    assert rate == 16_000
    return float(len(samples) / rate)


def reconnected(fake_relay: FakeRelay) -> None:
    """A reconnection after the interview ended: it settles what the last connection left in flight."""
    with fake_relay.connect(mode="voice") as ws:
        assert receive(ws) == {"type": "interview_complete"}


def speak(fake_relay: FakeRelay, length: int, record: bool) -> list[bytes]:
    """A voice interview of `length` answers, each one second of silence and a few words; what each sent."""
    fake_relay.turns.length, fake_relay.turns.records = length, record
    sent = []
    with fake_relay.connect(mode="voice") as ws:
        for turn in range(1, length + 1):
            while receive(ws)["type"] != "question":
                pass
            audio = [silence(0.5), silence(0.5), heard(f"answer {turn}")]
            for frame in audio:
                ws.send_bytes(frame)
            ws.send_json({"type": "user_finished_speaking"})
            sent.append(b"".join(audio))
        assert closed(ws)[0] == Close.FINISHED
    reconnected(fake_relay)
    return sent


def test_each_spoken_answer_is_recorded_and_sent_after_its_turn(fake_relay: FakeRelay) -> None:
    sent = speak(fake_relay, 2, record=True)
    kept = fake_relay.turns.interview("s1").recordings  # the fake refuses a recording before its answer
    assert sorted(kept) == [1, 2]
    for turn, audio in enumerate(sent, start=1):
        assert kept[turn].session_id == "s1" and kept[turn].audio.startswith(b"OggS")
        assert kept[turn].seconds == len(audio) / BYTES_PER_SECOND
        assert decoded_seconds(kept[turn]) == pytest.approx(len(audio) / BYTES_PER_SECOND, abs=0.03)


def test_an_interview_that_does_not_record_sends_no_recording(fake_relay: FakeRelay) -> None:
    speak(fake_relay, 2, record=False)
    assert fake_relay.turns.interview("s1").answers and fake_relay.turns.interview("s1").recordings == {}


def test_a_recording_spans_a_failed_turn_and_a_dropped_answer_sends_none(fake_relay: FakeRelay) -> None:
    fake_relay.turns.records = True
    with fake_relay.connect(mode="voice") as ws:
        receive(ws)
        first = [silence(0.4), heard("an index")]
        for frame in first:
            ws.send_bytes(frame)
        receive(ws)
        fake_relay.turns.refuse = "unreachable"
        ws.send_json({"type": "user_finished_speaking"})
        while (message := receive(ws))["type"] != "error":
            pass
        assert message["code"] == "turn_failed"
        fake_relay.turns.refuse = None
        ws.send_bytes(second := silence(0.6))
        ws.send_json({"type": "user_finished_speaking"})  # sent again: the audio before the failure is kept
        while receive(ws)["type"] != "question":
            pass
        ws.send_bytes(heard("a cache"))  # answer 2, then the connection drops
        receive(ws)
    with fake_relay.connect(mode="voice") as ws:  # settles what the dropped connection left
        assert receive(ws)["turn"] == 2
    kept = fake_relay.turns.interview("s1").recordings
    assert list(kept) == [1], "answer 2 was never taken"
    assert kept[1].seconds == len(b"".join(first) + second) / BYTES_PER_SECOND


def test_a_recording_keeps_its_first_minutes_only(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(recording, "MAX_BYTES", 2 * BYTES_PER_SECOND)  # 15 minutes in production

    async def record() -> tuple[float, bytes]:
        kept = Recording()
        for _ in range(3):
            kept.feed(silence(1.5))
        return kept.seconds, await kept.finish()

    seconds, audio = asyncio.run(record())
    assert seconds == 2.0
    samples, rate = soundfile.read(io.BytesIO(audio))
    assert len(samples) / rate == pytest.approx(2.0, abs=0.03)


@pytest.fixture
def interview_length() -> int:
    return 3


def test_the_turn_function_keeps_what_the_relay_recorded(world: World) -> None:
    job = world.api.get(f"/api/jobs/{world.job_id}/", headers=world.headers).get_json()
    fields = {key: job[key] for key in ("title", "rubric_template", "interview_length")}
    world.api.put(f"/api/jobs/{world.job_id}/", json={**fields, "record_answers": True}, headers=world.headers)
    session_id, token = world.session()
    audio = speech("I would add an index on the customer column.") + silence(0.5)
    with contextlib.ExitStack() as connections:
        ws = connections.enter_context(world.connect(session_id, world.ticket(session_id, token), mode="voice"))
        candidate = Candidate(ws)
        candidate.expect("question")
        candidate.stream(audio)
        candidate.send(type="user_finished_speaking")
        assert candidate.expect("question")["turn"] == 2
    with world.connect(session_id, world.ticket(session_id, token), mode="voice") as ws:  # settles the upload
        again = Candidate(ws)
        assert again.expect("question")["turn"] == 2
    store, blobs = talentcrew.config.platform().store, talentcrew.config.platform().blobs
    answer = store.get(Answer, answer_id(session_id, 1))
    assert answer is not None and answer.recording_object is not None
    assert answer.recording_seconds == pytest.approx(len(audio) / BYTES_PER_SECOND, abs=0.01)
    samples, rate = soundfile.read(io.BytesIO(blobs.get(answer.recording_object)))
    assert len(samples) / rate == pytest.approx(len(audio) / BYTES_PER_SECOND, abs=0.03)
