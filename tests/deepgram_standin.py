"""A local stand-in for Deepgram's speech API, close enough to its wire format for the real SDK.

`/v1/listen` is a WebSocket that *pretends* to recognise: it is given the words to hear (`script`)
and reveals them as audio with speech energy arrives, in audio time (not wall-clock time), so tests
may send audio as fast as they like and still get deterministic partials, finals and word times.
Each word is heard with confidence 0.98 unless `DeepgramStandin.unsure` gives it another (a mumbled
word). `/v1/speak` streams raw PCM16 in several chunks: a tone per word, its length proportional to
the word's. Both check `Authorization: Token <key>` and record what they were sent.
"""

from __future__ import annotations

import asyncio
import json
import threading
import time
import uuid
from collections import deque
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import numpy as np
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route, WebSocketRoute
from starlette.websockets import WebSocket

from tests.servers import free_port

FRAME_SECONDS = 0.02  # speech is detected per 20 ms of audio
CLEAR = 0.98  # the confidence of a word heard clearly
FRAME_BYTES = int(16_000 * FRAME_SECONDS) * 2
SPEECH_RMS = 500.0  # of int16 samples; louder frames are speech
WORD_FRAMES = 20  # 0.4 s of speech per word: 2.5 words per second
INTERIM_FRAMES = 25  # an interim result every 0.5 s of speech
SPEAK_CHUNK_BYTES = 4801  # odd on purpose: a client must not split samples across chunks
SPEAK_CHUNK_PAUSE = 0.005
MODEL_INFO = {"name": "general-nova-3", "version": "2025-01-01.0", "arch": "nova-3"}
MODEL_UUID = "40bd3654-e622-47c4-a111-63a61b23bd5e"


def _json_error(status: int, code: str, message: str) -> JSONResponse:
    """Deepgram's error body."""
    return JSONResponse({"err_code": code, "err_msg": message, "request_id": str(uuid.uuid4())}, status_code=status)


@dataclass
class ListenConnection:
    """One `/v1/listen` connection as the stand-in saw it."""

    query: dict[str, str]  # the last value of each parameter
    authorization: str
    keyterms: list[str] = field(default_factory=list)  # every `keyterm` parameter, in order
    frame_times: list[float] = field(default_factory=list)  # time.perf_counter() at each binary frame
    audio_bytes: int = 0
    controls: list[str] = field(default_factory=list)  # the text messages' types, in order
    sent: list[dict[str, Any]] = field(default_factory=list)  # every JSON message sent back
    close_code: int | None = None

    @property
    def frames(self) -> int:
        return len(self.frame_times)


@dataclass
class SpeakRequest:
    """One `/v1/speak` request and how its audio went out."""

    query: dict[str, str]
    authorization: str
    text: str = ""
    chunk_sizes: list[int] = field(default_factory=list)
    finished_at: float | None = None  # time.perf_counter() after the last chunk was sent


def bare(word: str) -> str:
    """A word as Deepgram's `word` gives it: no punctuation, lower case (`punctuated_word` keeps both)."""
    return word.strip(".,;:!?\"'").lower()


@dataclass
class _Word:
    text: str
    start: float
    end: float
    confidence: float

    def as_json(self) -> dict[str, Any]:
        return {
            "word": bare(self.text),
            "start": round(self.start, 3),
            "end": round(self.end, 3),
            "confidence": self.confidence,
            "punctuated_word": self.text,
        }


class ScriptedRecognizer:
    """Reveals the script's words as speech audio arrives, with Deepgram's interim/final rhythm.

    A word takes 0.4 s of speech audio and spans it; every 0.5 s of speech an interim result lists
    the words completed since the last final; `endpointing_ms` of silence after speech makes a
    final with `speech_final`. The result windows are contiguous in audio time, as Deepgram's are.
    """

    def __init__(self, script: str, endpointing_ms: int | None, unsure: dict[str, float] | None = None) -> None:
        self._script = deque(script.split())
        self._unsure = unsure or {}
        self._endpointing_ms = endpointing_ms
        self._request_id = str(uuid.uuid4())
        self._frames = 0
        self._pending = b""
        self._window_start = 0.0
        self._heard: list[_Word] = []
        self._word: str | None = None
        self._word_start = 0.0
        self._word_frames = 0
        self._last_speech_end = 0.0
        self._speech_in_window = False
        self._speech_since_interim = 0
        self._silence_frames = 0

    @property
    def seconds(self) -> float:
        return self._frames * FRAME_SECONDS

    def feed(self, pcm: bytes) -> list[dict[str, Any]]:
        """Takes audio; returns the results it causes."""
        out: list[dict[str, Any]] = []
        audio = self._pending + pcm
        whole = len(audio) - len(audio) % FRAME_BYTES
        self._pending = audio[whole:]
        for offset in range(0, whole, FRAME_BYTES):
            samples = np.frombuffer(audio[offset : offset + FRAME_BYTES], dtype="<i2").astype(np.float64)
            out.extend(self._frame(float(np.sqrt(np.mean(samples**2)))))
        return out

    def _frame(self, rms: float) -> list[dict[str, Any]]:
        start = self.seconds
        self._frames += 1
        if rms > SPEECH_RMS:
            self._speech(start)
            self._speech_since_interim += 1
            if self._speech_since_interim >= INTERIM_FRAMES:
                self._speech_since_interim = 0
                return [self._results(self._heard, is_final=False)]
            return []
        if self._speech_in_window and self._endpointing_ms is not None:
            self._silence_frames += 1
            if self._silence_frames * FRAME_SECONDS * 1000 >= self._endpointing_ms:
                return [self.final(speech_final=True)]
        return []

    def _speech(self, start: float) -> None:
        self._speech_in_window = True
        self._silence_frames = 0
        self._last_speech_end = start + FRAME_SECONDS
        if self._word is None and self._script:
            self._word, self._word_start, self._word_frames = self._script.popleft(), start, 0
        if self._word is not None:
            self._word_frames += 1
            if self._word_frames >= WORD_FRAMES:
                self._hear(self._word)

    def final(self, *, speech_final: bool = False, from_finalize: bool = False) -> dict[str, Any]:
        """Finalizes the window: the words heard so far, a word still being spoken included."""
        if self._word is not None:
            self._hear(self._word)
        message = self._results(self._heard, is_final=True, speech_final=speech_final, from_finalize=from_finalize)
        self._window_start = self.seconds
        self._heard = []
        self._speech_in_window = False
        self._speech_since_interim = 0
        self._silence_frames = 0
        return message

    def _hear(self, word: str) -> None:
        confidence = self._unsure.get(bare(word), CLEAR)
        self._heard.append(_Word(word, self._word_start, self._last_speech_end, confidence))
        self._word = None

    def has_pending(self) -> bool:
        return bool(self._heard) or self._word is not None or self._speech_in_window

    def _results(
        self, words: list[_Word], *, is_final: bool, speech_final: bool = False, from_finalize: bool = False
    ) -> dict[str, Any]:
        return {
            "type": "Results",
            "channel_index": [0, 1],
            "duration": round(self.seconds - self._window_start, 3),
            "start": round(self._window_start, 3),
            "is_final": is_final,
            "speech_final": speech_final,
            "from_finalize": from_finalize,
            "channel": {
                "alternatives": [
                    {
                        "transcript": " ".join(word.text for word in words),
                        "confidence": round(sum(w.confidence for w in words) / len(words), 3) if words else 0.0,
                        "words": [word.as_json() for word in words],
                    }
                ]
            },
            "metadata": {"request_id": self._request_id, "model_info": MODEL_INFO, "model_uuid": MODEL_UUID},
        }

    def metadata(self) -> dict[str, Any]:
        return {
            "type": "Metadata",
            "transaction_key": "deprecated",
            "request_id": self._request_id,
            "sha256": "0" * 64,
            "created": datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
            "duration": round(self.seconds, 3),
            "channels": 1,
            "models": [MODEL_UUID],
            "model_info": {MODEL_UUID: MODEL_INFO},
        }


def speech_seconds(text: str) -> float:
    """How long the stand-in speaks `text`: 70 ms per letter and 50 ms after each word."""
    return sum(0.07 * len(word) + 0.05 for word in text.split())


def synthesize(text: str, sample_rate: int) -> bytes:
    """A deterministic tone per word under a smooth envelope, then a short silence."""
    pieces: list[np.ndarray[Any, np.dtype[np.int16]]] = []
    for word in text.split():
        samples = round(0.07 * len(word) * sample_rate)
        t = np.arange(samples) / sample_rate
        tone = np.sin(2 * np.pi * (140 + 15 * (len(word) % 7)) * t) * np.hanning(samples) * 8000
        pieces.append(tone.astype("<i2"))
        pieces.append(np.zeros(round(0.05 * sample_rate), dtype="<i2"))
    return b"".join(piece.tobytes() for piece in pieces)


class DeepgramStandin:
    """The server's state: what to hear next, what to refuse next, and what it was sent."""

    def __init__(self, api_key: str = "standin-key") -> None:
        self.api_key = api_key
        self.base_url = ""
        self.script = ""  # the words /v1/listen will hear, read when a connection opens
        self.unsure: dict[str, float] = {}  # bare words (see `bare`) heard with this confidence, not CLEAR
        self.idle_timeout_seconds = 10.0  # Deepgram closes (1011) a stream that gets nothing for ~10 s
        self.fail_next_listen: int | None = None  # an HTTP status to refuse the next upgrade with
        self.fail_next_speak: int | None = None  # an HTTP status to answer the next /v1/speak with
        self.accept_delay_seconds = 0.0  # a slow service: how long the /v1/listen upgrade takes
        self.listen_requests: list[ListenConnection] = []
        self.speak_requests: list[SpeakRequest] = []

    def app(self) -> Starlette:
        return Starlette(
            routes=[WebSocketRoute("/v1/listen", self._listen), Route("/v1/speak", self._speak, methods=["POST"])]
        )

    def _authorized(self, authorization: str | None) -> bool:
        return authorization == f"Token {self.api_key}"

    async def _listen(self, websocket: WebSocket) -> None:
        authorization = websocket.headers.get("authorization", "")
        if not self._authorized(authorization):
            await websocket.send_denial_response(_json_error(401, "INVALID_AUTH", "Invalid credentials."))
            return
        failure, self.fail_next_listen = self.fail_next_listen, None
        if failure is not None:
            await websocket.send_denial_response(_json_error(failure, "UNAVAILABLE", "Stand-in refused."))
            return
        query = websocket.query_params
        connection = ListenConnection(dict(query), authorization, keyterms=query.getlist("keyterm"))
        self.listen_requests.append(connection)
        endpointing = connection.query.get("endpointing", "10")
        recognizer = ScriptedRecognizer(
            self.script, None if endpointing == "false" else int(endpointing), dict(self.unsure)
        )
        await asyncio.sleep(self.accept_delay_seconds)
        await websocket.accept()

        async def send(messages: list[dict[str, Any]]) -> None:
            for message in messages:
                connection.sent.append(message)
                await websocket.send_text(json.dumps(message))

        while True:
            try:
                message = await asyncio.wait_for(websocket.receive(), self.idle_timeout_seconds)
            except TimeoutError:
                connection.close_code = 1011
                await websocket.close(code=1011, reason="NET-0001: no audio received within the timeout")
                return
            if message["type"] == "websocket.disconnect":
                connection.close_code = int(message.get("code", 1000))
                return
            if message.get("bytes") is not None:
                connection.frame_times.append(time.perf_counter())
                connection.audio_bytes += len(message["bytes"])
                await send(recognizer.feed(message["bytes"]))
                continue
            control = json.loads(message.get("text") or "{}").get("type", "")
            connection.controls.append(control)
            if control == "Finalize":
                await send([recognizer.final(from_finalize=True)])
            elif control == "CloseStream":
                await send(([recognizer.final()] if recognizer.has_pending() else []) + [recognizer.metadata()])
                connection.close_code = 1000
                await websocket.close(code=1000)
                return

    async def _speak(self, request: Request) -> Response:
        authorization = request.headers.get("authorization", "")
        record = SpeakRequest(dict(request.query_params), authorization)
        self.speak_requests.append(record)
        if not self._authorized(authorization):
            return _json_error(401, "INVALID_AUTH", "Invalid credentials.")
        record.text = str((await request.json())["text"])
        failure, self.fail_next_speak = self.fail_next_speak, None
        if failure is not None:
            return _json_error(failure, "INTERNAL_SERVER_ERROR", "Stand-in failed on purpose.")
        if record.query.get("encoding") != "linear16" or record.query.get("container") != "none":
            return _json_error(400, "UNSUPPORTED", "The stand-in speaks only linear16 without a container.")
        sample_rate = int(float(record.query.get("sample_rate", "24000")))
        audio = synthesize(record.text, sample_rate)

        async def chunks() -> AsyncIterator[bytes]:
            for offset in range(0, len(audio), SPEAK_CHUNK_BYTES):
                chunk = audio[offset : offset + SPEAK_CHUNK_BYTES]
                record.chunk_sizes.append(len(chunk))
                yield chunk
                await asyncio.sleep(SPEAK_CHUNK_PAUSE)
            record.finished_at = time.perf_counter()

        return StreamingResponse(chunks(), media_type=f"audio/l16;rate={sample_rate};channels=1")


def _serve(app: Starlette, port: int) -> tuple[uvicorn.Server, threading.Thread]:
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", ws="websockets-sansio")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.02)
    assert server.started, "the Deepgram stand-in did not start"
    return server, thread


@contextmanager
def deepgram_standin(api_key: str = "standin-key") -> Iterator[DeepgramStandin]:
    """The stand-in on a free loopback port, for one test (or one benchmark)."""
    standin = DeepgramStandin(api_key)
    port = free_port()
    standin.base_url = f"http://127.0.0.1:{port}"
    server, thread = _serve(standin.app(), port)
    try:
        yield standin
    finally:
        server.should_exit = True
        thread.join(timeout=5)
