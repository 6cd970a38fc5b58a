"""Storage and encoding cost of recorded spoken answers.

    PYTHONPATH=functions:realtime-relay:. python bench/recording_bench.py [--minutes 3]

(`make bench-recording`.) Figures go to stdout; nothing passes or fails.

The candidate's voice is Piper's (tests/speech_audio.py) reading varied interview answers at 16 kHz,
with a short pause between answers, repeated to `--minutes` of audio. Ogg/Opus is encoded by the
relay's own `relay.recording.Recording` (a second at a time in a worker thread, as during an
interview); FLAC, for comparison, through soundfile in the same one-second chunks. For each it prints
KiB per minute of speech, kbit/s, the size of the longest recording kept (15 minutes), the CPU time
spent encoding one minute of audio (the process's CPU time, worker threads included) and the share
of one core that is in real time. The Opus file is decoded back to check its length.
"""

from __future__ import annotations

import argparse
import asyncio
import io
import time
from collections.abc import Callable

import soundfile  # type: ignore[import-untyped]

from relay.recording import CHUNK_BYTES, Recording
from relay.speech.ports import BYTES_PER_SECOND, SAMPLE_RATE
from talentcrew.interview.calls import MAX_RECORDING_BYTES, MAX_RECORDING_SECONDS
from tests.speech_audio import silence, speech

ANSWERS = (
    "I would start with the query plan: explain analyze shows whether the database scans the whole table.",
    "If it does, an index on the filtered columns usually fixes it, and I would check the plan again after.",
    "For caching I would put the hot reads behind a short time to live, and invalidate entries on every write.",
    "Retries need exponential backoff with jitter, and the handler must be idempotent so a repeat is harmless.",
    "Under load I measure first: profile the slow endpoints, batch the queries that run once per row, "
    "and size the connection pool to what the database can serve.",
)


def voice(minutes: float) -> bytes:
    """Piper reading the answers, with a pause after each, repeated to `minutes` of audio."""
    one_pass = b"".join(speech(text) + silence(0.8) for text in ANSWERS)
    wanted = int(minutes * 60 * BYTES_PER_SECOND)
    return (one_pass * (wanted // len(one_pass) + 1))[:wanted]


def opus(pcm: bytes) -> bytes:
    async def record() -> bytes:
        recording = Recording()
        for start in range(0, len(pcm), 640):  # the client's 20 ms frames
            recording.feed(pcm[start : start + 640])
        return await recording.finish()

    return asyncio.run(record())


def flac(pcm: bytes) -> bytes:
    out = io.BytesIO()
    with soundfile.SoundFile(out, "w", samplerate=SAMPLE_RATE, channels=1, format="FLAC", subtype="PCM_16") as file:
        for start in range(0, len(pcm), CHUNK_BYTES):
            file.buffer_write(pcm[start : start + CHUNK_BYTES], dtype="int16")
    return out.getvalue()


def measure(name: str, encode: Callable[[bytes], bytes], pcm: bytes) -> bytes:
    minutes = len(pcm) / BYTES_PER_SECOND / 60
    encode(pcm[: 5 * BYTES_PER_SECOND])  # warm-up: the library's first load
    cpu, wall = time.process_time(), time.perf_counter()
    encoded = encode(pcm)
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    per_minute = len(encoded) / minutes
    longest = per_minute * MAX_RECORDING_SECONDS / 60
    print(
        f"{name:<10} {per_minute / 1024:8.0f} KiB/min {per_minute * 8 / 60 / 1000:7.1f} kbit/s "
        f"{longest / 2**20:7.2f} MiB per {MAX_RECORDING_SECONDS // 60} min "
        f"{cpu / minutes * 1000:8.0f} ms CPU per min ({cpu / minutes / 60:.1%} of a core; wall {wall:.2f} s)"
    )
    return encoded


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--minutes", type=float, default=3.0, help="minutes of speech to encode")
    args = parser.parse_args()
    pcm = voice(args.minutes)
    seconds = len(pcm) / BYTES_PER_SECOND
    raw = BYTES_PER_SECOND * 60
    print(f"{seconds / 60:.1f} min of Piper speech at {SAMPLE_RATE} Hz mono; raw PCM16 is {raw / 1024:.0f} KiB/min")
    encoded = measure("Ogg/Opus", opus, pcm)
    measure("FLAC", flac, pcm)
    samples, rate = soundfile.read(io.BytesIO(encoded))
    print(f"Ogg/Opus decodes to {len(samples) / rate:.2f} s of {seconds:.2f} s at {rate} Hz")
    print(f"the turn service takes recordings up to {MAX_RECORDING_BYTES / 2**20:.0f} MiB")


if __name__ == "__main__":
    main()
