"""The Deepgram speech adapters through the real SDK, over real sockets, against the local stand-in.

The stand-in "hears" a script in audio time (a word per 0.4 s of speech, an interim every 0.5 s of
speech, a final after the endpointing silence), so every expectation below is exact or nearly.
"""

from __future__ import annotations

import asyncio
import time
import traceback
import uuid
from collections.abc import AsyncIterator, Coroutine, Iterator
from typing import Any, TypeVar

import numpy as np
import pytest

from relay.speech.deepgram import DeepgramSpeechToText, DeepgramTextToSpeech
from relay.speech.ports import (
    BYTES_PER_SECOND,
    SAMPLE_RATE,
    Recognition,
    SpeechToText,
    SpeechUnavailable,
    TextToSpeech,
    Transcript,
    Word,
)
from tests.deepgram_standin import DeepgramStandin, deepgram_standin, speech_seconds, synthesize
from tests.servers import free_port

T = TypeVar("T")
SCRIPT = "Hello, I would add an index on the user column."
QUESTION = "How would you make this query faster under heavy load?"


@pytest.fixture
def standin() -> Iterator[DeepgramStandin]:
    with deepgram_standin() as server:
        server.script = SCRIPT
        yield server


def run(coroutine: Coroutine[Any, Any, T]) -> T:
    """Runs one test's coroutine with a deadline, so a hang fails fast instead of stalling the suite."""

    async def bounded() -> T:
        return await asyncio.wait_for(coroutine, timeout=8)

    return asyncio.run(bounded())


def voice(seconds: float) -> bytes:
    """Noise loud enough to count as speech (RMS ~3000)."""
    rng = np.random.default_rng(7)
    return (rng.normal(0, 3000, int(seconds * SAMPLE_RATE)).clip(-32768, 32767)).astype("<i2").tobytes()


def silence(seconds: float) -> bytes:
    return bytes(int(seconds * SAMPLE_RATE) * 2)


async def send(recognition: Recognition, pcm: bytes, chunk_seconds: float = 0.1) -> None:
    """Feeds audio in 100 ms frames, as the relay does."""
    step = int(chunk_seconds * BYTES_PER_SECOND)
    for offset in range(0, len(pcm), step):
        await recognition.send(pcm[offset : offset + step])


async def next_transcript(transcripts: AsyncIterator[Transcript]) -> Transcript:
    return await asyncio.wait_for(anext(transcripts), timeout=3)


async def rest(transcripts: AsyncIterator[Transcript]) -> list[Transcript]:
    return [transcript async for transcript in transcripts]


def stt(standin: DeepgramStandin, **options: Any) -> SpeechToText:
    """Typed as the port, so mypy checks that the adapter fits it."""
    return DeepgramSpeechToText(standin.api_key, base_url=standin.base_url, **options)


def test_partials_arrive_while_audio_streams_then_a_final_with_the_pause(standin: DeepgramStandin) -> None:
    async def scenario() -> list[Transcript]:
        async with stt(standin).recognize() as recognition:
            transcripts = recognition.transcripts()
            await send(recognition, voice(1.0))
            seen = [await next_transcript(transcripts), await next_transcript(transcripts)]  # before more audio
            await send(recognition, silence(0.5))
            seen.append(await next_transcript(transcripts))
            await recognition.finish()
            return seen + await rest(transcripts)

    partial_1, partial_2, final = run(scenario())[:3]
    assert (partial_1.text, partial_1.is_final, partial_1.pause_detected) == ("Hello,", False, False)
    assert (partial_2.text, partial_2.is_final) == ("Hello, I", False)
    # The word still being spoken when the pause came is final too.
    assert (final.text, final.is_final, final.pause_detected) == ("Hello, I would", True, True)
    assert final.start_seconds == pytest.approx(0.0, abs=0.03)
    assert final.end_seconds == pytest.approx(1.0, abs=0.03)


def test_word_times_map_onto_the_audio(standin: DeepgramStandin) -> None:
    async def scenario() -> list[Transcript]:
        async with stt(standin).recognize() as recognition:
            transcripts = recognition.transcripts()
            await send(recognition, silence(1.0) + voice(0.8) + silence(1.2) + voice(0.8) + silence(0.5))
            await recognition.finish()
            return await rest(transcripts)

    finals = [t for t in run(scenario()) if t.is_final]
    assert [t.text for t in finals] == ["Hello, I", "would add"]
    assert all(t.pause_detected for t in finals)
    assert finals[0].start_seconds == pytest.approx(1.0, abs=0.1)
    assert finals[0].end_seconds == pytest.approx(1.8, abs=0.1)
    assert finals[1].start_seconds == pytest.approx(3.0, abs=0.1)
    assert finals[1].end_seconds == pytest.approx(3.8, abs=0.1)


def test_finish_flushes_the_last_words_as_finals_and_ends_the_transcripts(standin: DeepgramStandin) -> None:
    async def scenario() -> list[Transcript]:
        async with stt(standin).recognize() as recognition:
            transcripts = recognition.transcripts()
            await send(recognition, voice(1.0))  # no pause: the candidate pressed "done" mid-sentence
            await recognition.finish()
            return await rest(transcripts)

    transcripts = run(scenario())
    assert [t.text for t in transcripts if not t.is_final] == ["Hello,", "Hello, I"]
    finals = [t for t in transcripts if t.is_final]
    assert [(t.text, t.pause_detected) for t in finals] == [("Hello, I would", False)]
    connection = standin.listen_requests[0]
    assert connection.controls == ["Finalize", "CloseStream"]
    assert connection.sent[-2]["from_finalize"] is True and connection.sent[-1]["type"] == "Metadata"
    assert connection.close_code == 1000


def test_the_request_carries_the_audio_format_options_and_the_token(standin: DeepgramStandin) -> None:
    async def scenario() -> None:
        async with stt(standin, endpointing_ms=450).recognize() as recognition:
            await send(recognition, voice(0.5))
            await recognition.finish()
            await rest(recognition.transcripts())

    started = time.perf_counter()
    run(scenario())
    connection = standin.listen_requests[0]
    assert connection.authorization == f"Token {standin.api_key}"
    expected = {"model": "nova-3", "encoding": "linear16", "sample_rate": "16000", "channels": "1"}
    assert expected.items() <= connection.query.items()
    assert (connection.query["interim_results"], connection.query["endpointing"]) == ("true", "450")
    assert (connection.query["smart_format"], connection.query["punctuate"]) == ("true", "true")
    assert connection.audio_bytes == int(0.5 * BYTES_PER_SECOND)
    assert connection.frames == 5 and all(started < t < time.perf_counter() for t in connection.frame_times)


def test_keyterms_go_out_as_one_keyterm_parameter_each(standin: DeepgramStandin) -> None:
    keyterms = ["PostgreSQL", "B-tree index", "read replica"]

    async def scenario(terms: list[str]) -> None:
        async with stt(standin).recognize(terms) as recognition:
            await recognition.finish()
            await rest(recognition.transcripts())

    run(scenario(keyterms))
    run(scenario([]))
    with_terms, without = standin.listen_requests
    assert with_terms.keyterms == keyterms  # repeated, in order, phrases whole (the SDK encodes the spaces)
    assert without.keyterms == [] and "keyterm" not in without.query


def test_each_word_comes_with_its_confidence_and_the_transcript_with_their_mean(standin: DeepgramStandin) -> None:
    standin.unsure = {"i": 0.41, "would": 0.55}

    async def scenario() -> list[Transcript]:
        async with stt(standin).recognize() as recognition:
            transcripts = recognition.transcripts()
            await send(recognition, voice(1.0) + silence(0.5))
            await recognition.finish()
            return await rest(transcripts)

    partial_1, partial_2, final = run(scenario())[:3]
    assert partial_1.words == (Word("Hello,", 0.98),) and partial_1.confidence == pytest.approx(0.98)
    assert final.words == (Word("Hello,", 0.98), Word("I", 0.41), Word("would", 0.55))  # as punctuated
    assert final.confidence == pytest.approx((0.98 + 0.41 + 0.55) / 3)
    assert partial_2.confidence == pytest.approx((0.98 + 0.41) / 2)


def test_silence_alone_yields_nothing_and_an_empty_pause_still_counts(standin: DeepgramStandin) -> None:
    standin.script = ""  # speech the recogniser cannot make out: empty interims, then an empty final

    async def scenario() -> list[Transcript]:
        async with stt(standin).recognize() as recognition:
            transcripts = recognition.transcripts()
            await send(recognition, silence(0.5) + voice(1.0) + silence(0.4))
            await recognition.finish()
            return await rest(transcripts)

    transcripts = run(scenario())
    sent = standin.listen_requests[0].sent
    assert [m["is_final"] for m in sent if m["type"] == "Results"] == [False, False, True, True]  # the stand-in
    assert [(t.text, t.is_final, t.pause_detected) for t in transcripts] == [("", True, True)]
    assert (transcripts[0].words, transcripts[0].confidence) == ((), None)  # no words, no confidence
    assert transcripts[0].start_seconds == pytest.approx(0.0) and transcripts[0].end_seconds == pytest.approx(1.8)


def test_keepalive_holds_a_quiet_stream_open(standin: DeepgramStandin) -> None:
    standin.idle_timeout_seconds = 0.5  # the stand-in closes a stream that gets nothing for 0.5 s

    async def scenario() -> list[Transcript]:
        async with stt(standin, keepalive_seconds=0.15).recognize() as recognition:
            transcripts = recognition.transcripts()
            await send(recognition, voice(0.4))
            await asyncio.sleep(1.2)  # the candidate thinks; the relay sends no audio
            await send(recognition, voice(0.4) + silence(0.5))
            await recognition.finish()
            return await rest(transcripts)

    finals = [t for t in run(scenario()) if t.is_final]
    assert [t.text for t in finals] == ["Hello, I"]
    controls = standin.listen_requests[0].controls
    assert controls.count("KeepAlive") >= 4 and controls[-2:] == ["Finalize", "CloseStream"]


def test_a_stream_closed_by_the_server_is_unavailable(standin: DeepgramStandin) -> None:
    standin.idle_timeout_seconds = 0.3

    async def scenario() -> None:
        async with stt(standin, keepalive_seconds=30).recognize() as recognition:
            await send(recognition, voice(0.2))
            await rest(recognition.transcripts())

    with pytest.raises(SpeechUnavailable, match="1011"):
        run(scenario())


def _assert_key_hidden(error: pytest.ExceptionInfo[SpeechUnavailable], key: str) -> None:
    """Neither the message nor anything chained to it (the SDK's own errors) shows the key."""
    assert key not in "".join(traceback.format_exception(error.value))


def test_a_wrong_api_key_is_unavailable_without_revealing_the_key(standin: DeepgramStandin) -> None:
    wrong_key = f"wrong-{uuid.uuid4().hex}"  # made at run time, so the traceback's source lines cannot show it

    async def scenario() -> None:
        async with DeepgramSpeechToText(wrong_key, base_url=standin.base_url).recognize():
            pass

    with pytest.raises(SpeechUnavailable, match="HTTP 401") as refused:
        run(scenario())
    _assert_key_hidden(refused, wrong_key)
    assert standin.listen_requests == []


def test_a_refused_upgrade_is_unavailable(standin: DeepgramStandin) -> None:
    standin.fail_next_listen = 503

    async def scenario() -> None:
        async with stt(standin).recognize():
            pass

    with pytest.raises(SpeechUnavailable, match="503"):
        run(scenario())


def test_an_unreachable_server_is_unavailable() -> None:
    base_url = f"http://127.0.0.1:{free_port()}"  # nothing listens there

    async def listen() -> None:
        async with DeepgramSpeechToText("key", base_url=base_url).recognize():
            pass

    async def speak() -> None:
        async for _ in DeepgramTextToSpeech("key", base_url=base_url).speak(QUESTION):
            pass

    with pytest.raises(SpeechUnavailable, match="unreachable"):
        run(listen())
    with pytest.raises(SpeechUnavailable, match="unreachable"):
        run(speak())


def test_speech_streams_in_whole_samples_at_the_requested_rate(standin: DeepgramStandin) -> None:
    tts: TextToSpeech = DeepgramTextToSpeech(standin.api_key, base_url=standin.base_url)

    async def scenario() -> list[tuple[float, bytes]]:
        return [(time.perf_counter(), chunk) async for chunk in tts.speak(QUESTION)]

    chunks = run(scenario())
    request = standin.speak_requests[0]
    assert request.text == QUESTION and request.authorization == f"Token {standin.api_key}"
    expected = {"model": "aura-2-thalia-en", "encoding": "linear16", "sample_rate": "24000", "container": "none"}
    assert expected.items() <= request.query.items()
    assert len(chunks) > 1 and any(size % 2 for size in request.chunk_sizes)  # odd chunks went out...
    assert all(len(chunk) % 2 == 0 for _, chunk in chunks)  # ...and came out whole samples
    assert request.finished_at is not None and chunks[0][0] < request.finished_at  # audio before the end
    audio = b"".join(chunk for _, chunk in chunks)
    assert audio == synthesize(QUESTION, 24_000)
    assert len(audio) / 2 / tts.sample_rate == pytest.approx(speech_seconds(QUESTION), abs=0.01)


def test_speech_length_follows_the_text_and_the_sample_rate(standin: DeepgramStandin) -> None:
    tts = DeepgramTextToSpeech(standin.api_key, base_url=standin.base_url, model="aura-2-zeus-en", sample_rate=16_000)

    async def seconds(text: str) -> float:
        return sum([len(chunk) async for chunk in tts.speak(text)]) / 2 / 16_000

    async def both() -> tuple[float, float]:  # one event loop: the adapter's HTTP pool belongs to it
        return await seconds("Tell me more."), await seconds("Tell me more. " * 4)

    short, long = run(both())
    assert long == pytest.approx(4 * short, rel=0.01) and 0.5 < short < 2
    assert [r.query["sample_rate"] for r in standin.speak_requests] == ["16000", "16000"]
    assert standin.speak_requests[0].query["model"] == "aura-2-zeus-en"


def test_a_speak_failure_is_unavailable(standin: DeepgramStandin) -> None:
    standin.fail_next_speak = 500

    async def speak(key: str) -> None:
        async for _ in DeepgramTextToSpeech(key, base_url=standin.base_url).speak(QUESTION):
            pass

    with pytest.raises(SpeechUnavailable, match="HTTP 500"):
        run(speak(standin.api_key))
    wrong_key = f"wrong-{uuid.uuid4().hex}"
    with pytest.raises(SpeechUnavailable, match="HTTP 401") as refused:
        run(speak(wrong_key))
    _assert_key_hidden(refused, wrong_key)
