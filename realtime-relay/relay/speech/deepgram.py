"""Deepgram behind the speech ports: live `/v1/listen` for the candidate, `/v1/speak` for the questions.

Both go through the official SDK (`deepgram-sdk`), one client per adapter. Every failure the relay
can act on (unreachable, refused key, a stream that dies) becomes `SpeechUnavailable`, whose
message says what went wrong without the API key: the SDK already redacts it from its own errors.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator, Sequence
from contextlib import AsyncExitStack, asynccontextmanager

import httpx
from deepgram import AsyncDeepgramClient, DeepgramClientEnvironment
from deepgram.core.api_error import ApiError
from deepgram.listen.v1.client import AsyncV1Client
from deepgram.listen.v1.socket_client import AsyncV1SocketClient
from deepgram.listen.v1.types.listen_v1error import ListenV1Error
from deepgram.listen.v1.types.listen_v1results import ListenV1Results
from deepgram.speak.v1.audio.client import AsyncAudioClient
from websockets.exceptions import ConnectionClosed, ConnectionClosedOK, WebSocketException

from relay.speech.ports import SAMPLE_RATE, Recognition, SpeechUnavailable, Transcript, Word

log = logging.getLogger(__name__)

KEEPALIVE_SECONDS = 5.0  # Deepgram closes a stream that hears nothing for about 10 s


def _environment(base_url: str | None) -> DeepgramClientEnvironment:
    """Deepgram's own hosts, or one local base (http[s]://host:port) for both HTTP and WebSocket."""
    if base_url is None:
        return DeepgramClientEnvironment.PRODUCTION
    base = base_url.rstrip("/")
    if not base.startswith(("http://", "https://")):
        raise ValueError(f"base_url must start with http:// or https://, not {base_url!r}")
    socket = "ws" + base.removeprefix("http")  # http → ws, https → wss
    return DeepgramClientEnvironment(base=base, production=socket, agent=socket, agent_rest=base)


def _describe(error: Exception) -> str:
    """What failed, for the log and the relay, never the key (the SDK redacts it from ApiError)."""
    if isinstance(error, ApiError):
        detail = ""
        if isinstance(error.body, dict):
            detail = str(error.body.get("err_msg") or error.body.get("err_code") or "")
        elif isinstance(error.body, str):
            detail = error.body[:200]
        return f"HTTP {error.status_code}" + (f": {detail}" if detail else "")
    return f"{type(error).__name__}: {error}"


def _unavailable(message: str) -> SpeechUnavailable:
    log.warning("%s", message)
    return SpeechUnavailable(message)


def _transcript(results: ListenV1Results) -> Transcript:
    """Deepgram's words carry their own times and confidences; a result without words spans its whole window.
    The transcript's confidence is its words' mean (the alternative's own is not documented as one)."""
    alternative = results.channel.alternatives[0] if results.channel.alternatives else None
    words = alternative.words if alternative else []
    start = words[0].start if words else results.start
    end = words[-1].end if words else results.start + results.duration
    heard = tuple(Word(text=word.punctuated_word or word.word, confidence=word.confidence) for word in words)
    return Transcript(
        text=alternative.transcript.strip() if alternative else "",
        is_final=bool(results.is_final),
        start_seconds=start,
        end_seconds=end,
        pause_detected=bool(results.speech_final),
        confidence=sum(word.confidence for word in heard) / len(heard) if heard else None,
        words=heard,
    )


class _DeepgramRecognition:
    """One open `/v1/listen` socket: audio out, results in, KeepAlive while the relay is quiet."""

    def __init__(self, socket: AsyncV1SocketClient) -> None:
        self._socket = socket
        self._last_sent = time.monotonic()
        self._finished = False
        self._partial_pending = False

    async def send(self, pcm: bytes) -> None:
        try:
            await self._socket.send_media(pcm)
        except WebSocketException as error:
            raise _unavailable(f"Deepgram stream failed while sending audio ({_describe(error)})") from error
        self._last_sent = time.monotonic()

    async def finish(self) -> None:
        """Finalize flushes the words still pending; CloseStream then makes Deepgram close when done."""
        if self._finished:
            return
        self._finished = True
        try:
            await self._socket.send_finalize()
            await self._socket.send_close_stream()
        except WebSocketException as error:
            raise _unavailable(f"Deepgram stream failed while finishing ({_describe(error)})") from error

    async def transcripts(self) -> AsyncIterator[Transcript]:
        while True:
            try:
                message = await self._socket.recv()
            except ConnectionClosedOK as error:
                if self._finished:
                    return
                raise _unavailable(f"Deepgram closed the stream early ({_describe(error)})") from error
            except ConnectionClosed as error:
                raise _unavailable(f"Deepgram stream broke ({_describe(error)})") from error
            if isinstance(message, ListenV1Error):
                raise _unavailable(f"Deepgram stream error: {message.variant}: {message.description}")
            if not isinstance(message, ListenV1Results):
                continue  # Metadata, SpeechStarted, UtteranceEnd: nothing the relay needs
            transcript = self._relevant(_transcript(message))
            if transcript is not None:
                yield transcript

    def _relevant(self, transcript: Transcript) -> Transcript | None:
        """Drops empty partials. An empty final still matters when it ends a pending partial (the
        words turned out to be nothing) or carries a pause (the speaker stopped)."""
        if transcript.text:
            self._partial_pending = not transcript.is_final
            return transcript
        if transcript.is_final and (transcript.pause_detected or self._partial_pending):
            self._partial_pending = False
            return transcript
        return None

    async def keep_alive(self, interval_seconds: float) -> None:
        """Sends KeepAlive whenever no audio went out for `interval_seconds`, until finish()."""
        while not self._finished:
            idle = time.monotonic() - self._last_sent
            if idle < interval_seconds:
                await asyncio.sleep(interval_seconds - idle)
                continue
            try:
                await self._socket.send_keep_alive()
            except WebSocketException:
                return  # the stream is gone; transcripts() reports it
            self._last_sent = time.monotonic()


class DeepgramSpeechToText:
    """Live recognition of the candidate's 16 kHz PCM16 audio, with interim results, endpointing and the
    answer's keyterms (nova-3 keyterm prompting: one `keyterm` query parameter per term)."""

    name = "deepgram"

    def __init__(
        self,
        api_key: str,
        *,
        base_url: str | None = None,
        model: str = "nova-3",
        endpointing_ms: int = 300,
        keepalive_seconds: float = KEEPALIVE_SECONDS,
    ) -> None:
        client = AsyncDeepgramClient(api_key=api_key, environment=_environment(base_url))
        self._listen: AsyncV1Client = client.listen.v1
        self._model = model
        self._endpointing_ms = endpointing_ms
        self._keepalive_seconds = keepalive_seconds

    @asynccontextmanager
    async def recognize(self, keyterms: Sequence[str] = ()) -> AsyncIterator[Recognition]:
        async with AsyncExitStack() as stack:
            socket = await self._connect(stack, keyterms)
            recognition = _DeepgramRecognition(socket)
            keepalive = asyncio.create_task(recognition.keep_alive(self._keepalive_seconds))
            try:
                yield recognition
            finally:
                keepalive.cancel()
                await asyncio.wait([keepalive])

    async def _connect(self, stack: AsyncExitStack, keyterms: Sequence[str]) -> AsyncV1SocketClient:
        connection = self._listen.connect(
            model=self._model,
            encoding="linear16",
            sample_rate=SAMPLE_RATE,
            channels=1,
            interim_results="true",
            endpointing=self._endpointing_ms,
            smart_format="true",
            punctuate="true",
            keyterm=list(keyterms) or None,  # the SDK repeats the parameter for each term of a list
        )
        try:
            return await stack.enter_async_context(connection)
        except ApiError as error:
            raise _unavailable(f"Deepgram refused the listen stream ({_describe(error)})") from error
        except (OSError, WebSocketException) as error:
            raise _unavailable(f"Deepgram listen is unreachable ({_describe(error)})") from error


class DeepgramTextToSpeech:
    """Streamed synthesis of one question as raw PCM16 (no WAV header) at `sample_rate`."""

    name = "deepgram"

    def __init__(
        self,
        api_key: str,
        *,
        base_url: str | None = None,
        model: str = "aura-2-thalia-en",
        sample_rate: int = 24_000,
    ) -> None:
        client = AsyncDeepgramClient(api_key=api_key, environment=_environment(base_url))
        self._audio: AsyncAudioClient = client.speak.v1.audio
        self._model = model
        self.sample_rate = sample_rate

    async def speak(self, text: str) -> AsyncIterator[bytes]:
        """Yields audio as the response streams in, in whole samples: an odd byte waits for the next chunk."""
        leftover = b""
        try:
            async with self._audio.with_raw_response.generate(
                text=text, model=self._model, encoding="linear16", sample_rate=self.sample_rate, container="none"
            ) as response:
                async for chunk in response.data:
                    audio = leftover + chunk
                    whole = len(audio) - len(audio) % 2
                    leftover = audio[whole:]
                    if whole:
                        yield audio[:whole]
        except ApiError as error:
            raise _unavailable(f"Deepgram refused to speak ({_describe(error)})") from error
        except httpx.HTTPError as error:
            raise _unavailable(f"Deepgram speak is unreachable or broke off ({_describe(error)})") from error
