"""The relay's world (tests/relay/conftest.py) hearing and speaking through Deepgram: the stand-in, reached by the
official SDK, as on Cloud Run. A test module takes it by importing `standin` and `speech` (which overrides the
offline engines of conftest's `speech`)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from websockets.sync.client import ClientConnection

from relay.speech.deepgram import DeepgramSpeechToText, DeepgramTextToSpeech
from relay.speech.ports import BYTES_PER_SECOND, SpeechToText, TextToSpeech
from tests.deepgram_standin import DeepgramStandin, deepgram_standin
from tests.relay.conftest import World, receive
from tests.relay.test_deepgram_speech import silence, voice


@pytest.fixture
def standin() -> Iterator[DeepgramStandin]:
    with deepgram_standin() as server:
        yield server


@pytest.fixture
def speech(standin: DeepgramStandin) -> tuple[SpeechToText, TextToSpeech]:
    """The world's relay hears and speaks through Deepgram (the stand-in), as on Cloud Run."""
    return (
        DeepgramSpeechToText(standin.api_key, base_url=standin.base_url),
        DeepgramTextToSpeech(standin.api_key, base_url=standin.base_url),
    )


@contextmanager
def voice_interview(world: World) -> Iterator[tuple[str, ClientConnection]]:
    """A new session's voice interview at its opening question: the session's id and the candidate's socket."""
    session_id, token = world.session()
    with world.connect(session_id, world.ticket(session_id, token), mode="voice") as ws:
        while receive(ws)["type"] != "question":
            pass
        yield session_id, ws


def say(ws: ClientConnection, standin: DeepgramStandin, turn: int) -> dict[str, object]:
    """Speaks the stand-in's script (speech-loud noise, 0.4 s a word) at once, presses "done", and returns
    the next question. Both answers' audio fits in the relay's 5 s burst."""
    step = BYTES_PER_SECOND // 10
    audio = voice(0.4 * len(standin.script.split())) + silence(0.4)
    for offset in range(0, len(audio), step):
        ws.send(audio[offset : offset + step])
    ws.send('{"type": "user_finished_speaking"}')
    while (message := receive(ws))["type"] != "question":
        pass
    assert message["turn"] == turn + 1
    return message
