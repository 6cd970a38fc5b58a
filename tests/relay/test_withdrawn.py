"""End to end: a recruiter erases an interview, or revokes its invite, through the api while the candidate
is connected; the turn service refuses the next draft (410), nothing more is recorded, and the relay
closes with 4410. The other withdrawal cases run on fakes in test_protocol.py.

Voice runs on a scripted engine that hears one word per audio frame, final at once, so a draft is
written for every frame without waiting on a real recogniser.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Callable, Iterator, Sequence

import pytest
from websockets.sync.client import ClientConnection

import talentcrew.config
from relay.protocol import Close
from relay.speech.ports import SpeechToText, TextToSpeech, Transcript
from talentcrew.models import Answer, AnswerDraft
from tests.relay.conftest import World, closed, receive

FRAME = b"\x00\x00" * 1600  # 100 ms of audio


class _WordPerFrame:
    """A recognition that hears "word" in every frame, final at once."""

    def __init__(self) -> None:
        self._heard: asyncio.Queue[Transcript | None] = asyncio.Queue()

    async def send(self, pcm: bytes) -> None:
        await self._heard.put(Transcript("word", is_final=True, start_seconds=0.0, end_seconds=0.1))

    async def finish(self) -> None:
        await self._heard.put(None)

    async def transcripts(self) -> AsyncIterator[Transcript]:
        while (transcript := await self._heard.get()) is not None:
            yield transcript


class _Scripted:
    name = "scripted"
    sample_rate = 16_000

    @contextlib.asynccontextmanager
    async def recognize(self, keyterms: Sequence[str] = ()) -> AsyncIterator[_WordPerFrame]:
        yield _WordPerFrame()

    async def speak(self, text: str) -> AsyncIterator[bytes]:
        yield FRAME


@pytest.fixture
def speech() -> tuple[SpeechToText, TextToSpeech]:
    return _Scripted(), _Scripted()


def _drafts(session_id: str) -> list[AnswerDraft]:
    return talentcrew.config.platform().store.query(AnswerDraft, where={"session_id": session_id}).items


def _eventually(condition: Callable[[], bool], timeout: float = 10) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def _withdrawn(ws: ClientConnection) -> None:
    """The relay's last words: the typed error, then 4410."""
    error = receive(ws)
    while error["type"] != "error":  # a transcript may still have been on its way
        error = receive(ws)
    assert error["code"] == "interview_withdrawn"
    assert closed(ws)[0] == Close.WITHDRAWN


@pytest.fixture
def voice(world: World) -> Iterator[tuple[str, ClientConnection]]:
    """A voice connection whose first words are already kept as a draft."""
    session_id, token = world.session()
    with world.connect(session_id, world.ticket(session_id, token), mode="voice") as ws:
        assert receive(ws)["type"] == "question"
        ws.send(FRAME)
        _eventually(lambda: bool(_drafts(session_id)))
        yield session_id, ws


@pytest.mark.parametrize("withdraw", ["erase", "revoke"])
def test_withdrawing_mid_answer_stops_its_drafts_and_closes_with_4410(
    world: World, voice: tuple[str, ClientConnection], withdraw: str
) -> None:
    session_id, ws = voice
    path = f"/api/sessions/{session_id}/" if withdraw == "erase" else f"/api/sessions/{session_id}/invite/"
    assert world.api.delete(path, headers=world.headers).status_code == 204
    kept = _drafts(session_id)
    ws.send(FRAME)  # more words: the turn service refuses their draft
    _withdrawn(ws)
    assert _drafts(session_id) == ([] if withdraw == "erase" else kept)  # nothing more was written
    store = talentcrew.config.platform().store
    assert store.count(Answer, where={"session_id": session_id}) == 0
