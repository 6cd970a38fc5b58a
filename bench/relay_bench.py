"""Relay benchmarks: how many candidates one relay process carries, and how fast it answers a spoken answer.

    PYTHONPATH=functions:realtime-relay:. python bench/relay_bench.py capacity [--streams 100,500,1000] [--seconds 20]
    PYTHONPATH=functions:realtime-relay:. python bench/relay_bench.py turn-gap [--turns 20] [--think 0.0,0.3,1.0]

(`make bench-relay-capacity`, `make bench-relay-turn-gap`.) Progress goes to stderr, the figures to
stdout. Both print what they measured beside the targets of issue 5; neither passes or fails.

capacity: N simulated candidates stream real-time audio (a 640-byte frame, 20 ms of 16 kHz PCM16,
every 20 ms on an absolute schedule, the streams spread evenly over the 20 ms; `--frame-ms` sends
longer frames less often) into ONE relay process: uvicorn (uvloop, httptools, websockets-sansio)
serving `create_app` with a speech stand-in that implements the `SpeechToText` port and never hears
a word. Each frame carries its send time (CLOCK_MONOTONIC, shared by the processes) and the
stand-in histograms the time from the client's send to the moment the relay handed the frame to
speech. The levels add connections to the ones already open (100, then 400 more, then 500 more), so
the relay's RSS per connection is (RSS at the level - RSS before the first connection) / N. The
load generator is one uvloop process that does the WebSocket handshake itself and writes prebuilt
frames masked with the key 0 (legal, and it makes masking a no-op). On a 2-core machine it shares
the CPU with the relay, so its own lateness against the schedule is printed, and a level whose
generator did not keep the schedule is flagged. Sessions are made straight in the store; each one's
opening question comes from the real turn function (functions-framework on a werkzeug thread here)
before it connects, so admission is what a reconnection costs: a ticket check and the turn
function's `resume` call. `--profile` samples the relay with py-spy (not in the requirements) during the last level
and prints where its time goes, per frame.

turn-gap: the embedded defaults (Whisper tiny.en, or TALENTCREW_WHISPER_MODEL's, and Piper, the local
brain behind the real turn function, run as `make dev` runs it) and one candidate at a time, as on a
laptop. The candidate waits for the question's audio to end, sends `playback_finished`, streams
0.5 s of silence, a spoken technical answer and `--think` seconds of silence in real time, then says
"done" (`user_finished_speaking`): 0.0 s (the click on the last word), 0.3 s (how people click) and 1.0 s
(after a pause), `--turns` gaps each. The answers cycle through five voices (`bench/voices.py`:
Piper, Piper shifted with sox, two espeak-ng voices). The gap is from "done" to the first byte of
the next question's audio. The relay runs in this process with thin wrappers around its ports and
its turn client, which timestamp the parts of the gap: the recogniser's last words, the turn call,
and Piper's first chunk; the rest is the relay's own work and the socket. The wrapper also keeps
the words the recogniser heard, for the word accuracy per voice (1 - WER, jiwer) printed beside.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import collections
import contextlib
import functools
import gc
import itertools
import json
import math
import os
import shutil
import signal
import socket
import statistics
import struct
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections.abc import AsyncIterator, Callable, Iterator, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import uvloop

if TYPE_CHECKING:
    from talentcrew.models import Job

# How the relay is served in both benchmarks: as in production (uvloop, httptools), without logs.
UVICORN: dict[str, Any] = {
    "loop": "uvloop",
    "http": "httptools",
    "ws": "websockets-sansio",
    "log_level": "warning",
    "access_log": False,
}
ROOT = Path(__file__).resolve().parents[1]
FUNCTIONS = ROOT / "functions"
HOST = "127.0.0.1"

BYTES_PER_MS = 32  # 16 kHz mono PCM16
STAMP = struct.Struct("<qiii")  # send time (CLOCK_MONOTONIC ns), stream, sequence, phase
ZERO_MASK = b"\x00\x00\x00\x00"
HANDSHAKE_KEY = base64.b64encode(b"talentcrew-bench").decode()  # any 16 bytes
EARLY_NS = 300_000  # a frame due this soon is sent now rather than after a sleep
SCHEDULE_SLACK_MS = 5.0  # generator lateness p99 above this: the level's offered load was not the schedule

TARGET_STREAMS = 1000
TARGET_P99_MS = 50.0
TARGET_GAP_P50_MS = 250.0
TARGET_GAP_P95_MS = 500.0
TARGET_THINK = 0.3  # seconds from the last word to "done": how people click
TARGET_WORD_ACCURACY = 0.9

# The candidate's answers, each to a bank question on one of the bench job's skills (Python; databases,
# caching, concurrency): in the word-accuracy set each is heard with that question's keyterms, as the
# turn service sends them; in the turn-gap run each answers whichever question comes up on its skill.
ANSWERS: dict[str, tuple[tuple[str, str], ...]] = {
    "Databases": (
        (
            "databases-5",
            "I would add a composite index on the customer id and the created at columns, then check the query "
            "plan to confirm that the database uses an index scan instead of a sequential scan.",
        ),
        (
            "databases-5",
            "To find the slow query I would look at the database logs for statements over one second, run "
            "explain analyze on them, and compare the estimated rows with the actual rows.",
        ),
        (
            "databases-6",
            "A database transaction groups several statements so that they all commit or all roll back, and the "
            "isolation level decides which changes of other transactions it can see.",
        ),
    ),
    "Caching": (
        (
            "caching-3",
            "A cache aside pattern reads from Redis first, and on a miss it loads the row from the database and "
            "stores it with a time to live, so stale data expires on its own.",
        ),
        (
            "caching-4",
            "Cache invalidation is hard because every write must remove or update the cached copy, and if the "
            "write and the delete race, a reader can put the old value back.",
        ),
    ),
    "Concurrency": (
        (
            "concurrency-2",
            "Threads share memory, so two workers that update the same counter need a lock, otherwise one "
            "increment can overwrite the other and the count is lost.",
        ),
    ),
    "Python": (
        (
            "python-5",
            "An async event loop runs one task at a time and switches at every await, which suits network calls, "
            "but a long computation blocks every other request until it finishes.",
        ),
    ),
}


def log(message: str) -> None:
    print(f"[bench relay] {message}", file=sys.stderr, flush=True)


# ---------------------------------------------------------------------------------------------
# Figures: a bounded histogram of durations
# ---------------------------------------------------------------------------------------------


class Histogram:
    """Durations in nanoseconds: 0.1 ms buckets below 1 s, 10 ms buckets to 60 s, then one overflow bucket.

    Memory is fixed (16k counters), whatever the number of samples.
    """

    FINE_NS = 100_000
    FINE = 10_000
    COARSE_NS = 10_000_000
    SIZE = FINE + 5_900 + 1

    def __init__(self) -> None:
        self.counts = [0] * self.SIZE
        self.total = 0
        self.max_ns = 0

    def add(self, ns: int) -> None:
        index = ns // self.FINE_NS
        if index >= self.FINE:
            index = min(self.FINE + (ns - 1_000_000_000) // self.COARSE_NS, self.SIZE - 1)
        elif index < 0:
            index = 0
        self.counts[index] += 1
        self.total += 1
        self.max_ns = max(self.max_ns, ns)

    def _upper_ms(self, index: int) -> float:
        if index < self.FINE:
            return (index + 1) * self.FINE_NS / 1e6
        return (1_000_000_000 + (index - self.FINE + 1) * self.COARSE_NS) / 1e6

    def percentile_ms(self, q: float) -> float:
        """The upper edge of the bucket holding the q-th percentile (nan when empty)."""
        if not self.total:
            return float("nan")
        rank = max(1, round(q / 100 * self.total))
        seen = 0
        for index, count in enumerate(self.counts):
            seen += count
            if seen >= rank:
                return min(self._upper_ms(index), self.max_ns / 1e6)
        return self.max_ns / 1e6

    def merge(self, other: Histogram) -> None:
        for index, count in enumerate(other.counts):
            if count:
                self.counts[index] += count
        self.total += other.total
        self.max_ns = max(self.max_ns, other.max_ns)

    def to_json(self) -> dict[str, Any]:
        return {
            "total": self.total,
            "max_ns": self.max_ns,
            "buckets": [[index, count] for index, count in enumerate(self.counts) if count],
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Histogram:
        histogram = cls()
        for index, count in data["buckets"]:
            histogram.counts[int(index)] = int(count)
        histogram.total, histogram.max_ns = int(data["total"]), int(data["max_ns"])
        return histogram


# ---------------------------------------------------------------------------------------------
# The platform: a data folder of its own, sessions, the turn function
# ---------------------------------------------------------------------------------------------


def isolated_environment(log_level: str) -> Path:
    """A fresh data folder for this run (its keys are made there on first use), in the environment the children
    inherit."""
    data_dir = Path(tempfile.mkdtemp(prefix="talentcrew-bench-relay-"))
    os.environ["TALENTCREW_DATA_DIR"] = str(data_dir)
    os.environ["TALENTCREW_LOG_LEVEL"] = log_level
    os.environ["TALENTCREW_LOG_FORMAT"] = "text"
    os.environ["PYTHONPATH"] = os.pathsep.join(
        filter(None, [os.environ.get("PYTHONPATH"), str(FUNCTIONS), str(ROOT / "realtime-relay"), str(ROOT)])
    )
    return data_dir


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        port: int = probe.getsockname()[1]
        return port


def bench_job() -> Job:
    from talentcrew.models import ExperienceLevel, Job, Rubric

    rubric = Rubric(
        languages=["Python"],
        core_skills=["Databases", "Caching", "Concurrency"],
        experience_level=ExperienceLevel.SENIOR,
        evaluation_focus=["Depth"],
    )
    return Job(owner_id="bench-recruiter", title="Backend Engineer", rubric_template=rubric)


def make_job() -> str:
    from talentcrew.config import platform

    job = bench_job()
    platform().store.create(job)
    return job.id


def make_session(job_id: str) -> str:
    """A session with a live invite (the relay serves only interviews that still stand)."""
    from talentcrew import auth
    from talentcrew.config import platform
    from talentcrew.models import DEFAULT_INTERVIEW_LENGTH, InterviewSession

    built = platform()
    session = InterviewSession(
        job_id=job_id,
        owner_id="bench-recruiter",
        candidate_name="Bench Candidate",
        candidate_email="candidate@example.com",
        max_questions=DEFAULT_INTERVIEW_LENGTH,
    )
    built.store.create(session)
    auth.new_invite(built.store, session.id, session.owner_id, timedelta(hours=1))
    return session.id


def ticket(session_id: str) -> str:
    from talentcrew.config import platform

    return platform().tokens.issue_relay_ticket(session_id)[0]


def take_turn(turn_url: str, body: dict[str, Any]) -> dict[str, Any]:
    """One call to the turn function over HTTP, as the relay makes it."""
    from talentcrew.config import platform

    request = urllib.request.Request(
        turn_url + "/",
        data=json.dumps(body).encode(),
        headers={"Authorization": f"Bearer {platform().settings.turn_bearer()}", "Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=60) as response:
        reply: dict[str, Any] = json.loads(response.read())
        return reply


@contextlib.contextmanager
def turn_function_thread() -> Iterator[str]:
    """The real turn function (functions-framework's app) on a threaded werkzeug server in this process."""
    import functions_framework
    from werkzeug.serving import make_server

    port = free_port()
    app = functions_framework.create_app("turn", str(FUNCTIONS / "main.py"))
    server = make_server(HOST, port, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="turn-function", daemon=True)
    thread.start()
    try:
        yield f"http://{HOST}:{port}"
    finally:
        server.shutdown()


@contextlib.contextmanager
def turn_function_process(log_path: Path) -> Iterator[str]:
    """The real turn function as `make dev` runs it: its own process under functions-framework."""
    port = free_port()
    command = [
        sys.executable, "-m", "functions_framework", "--source", str(FUNCTIONS / "main.py"), "--target", "turn",
        "--host", HOST, "--port", str(port),
    ]  # fmt: skip
    with log_path.open("wb") as output, child_process(command, output) as child:
        wait_for_http(f"http://{HOST}:{port}/", child, log_path)
        yield f"http://{HOST}:{port}"


@contextlib.contextmanager
def child_process(command: list[str], output: Any) -> Iterator[subprocess.Popen[bytes]]:
    child = subprocess.Popen(command, cwd=ROOT, stdout=output, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        yield child
    finally:
        if child.poll() is None:
            child.send_signal(signal.SIGTERM)
            try:
                child.wait(timeout=15)
            except subprocess.TimeoutExpired:
                child.kill()
                child.wait()


def wait_for_http(url: str, child: subprocess.Popen[bytes], log_path: Path, timeout: float = 120) -> None:
    """Waits until `url` answers at all (any status), or fails with the child's log."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if child.poll() is not None:
            raise SystemExit(f"{child.args!r} exited with {child.returncode}:\n{log_path.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except urllib.error.HTTPError:
            return
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"{url} did not come up in {timeout:.0f} s; see {log_path}")


# ---------------------------------------------------------------------------------------------
# capacity, relay side: the speech stand-in and the relay process
# ---------------------------------------------------------------------------------------------


class FrameLatencies:
    """Per phase, the latency of every frame the stand-in received; preallocated, so RSS does not grow with it."""

    PHASES = 16

    def __init__(self) -> None:
        self.phases = [Histogram() for _ in range(self.PHASES)]
        self.foreign = 0  # frames without our stamp

    def frame(self, pcm: bytes) -> None:
        now = time.monotonic_ns()
        if len(pcm) < STAMP.size:
            self.foreign += 1
            return
        sent, _stream, _sequence, phase = STAMP.unpack_from(pcm)
        if 0 <= phase < self.PHASES:
            self.phases[phase].add(now - sent)
        else:
            self.foreign += 1

    def to_json(self) -> dict[str, Any]:
        return {"phases": [phase.to_json() for phase in self.phases], "foreign": self.foreign}


NO_WORDS: tuple[Any, ...] = ()
NO_AUDIO: tuple[bytes, ...] = ()


class StandInRecognition:
    """Hears nothing: every frame is timed and let go; the transcripts end after `finish()`."""

    def __init__(self, latencies: FrameLatencies) -> None:
        self._latencies = latencies
        self._finished = asyncio.Event()

    async def send(self, pcm: bytes) -> None:
        self._latencies.frame(pcm)

    async def finish(self) -> None:
        self._finished.set()

    async def transcripts(self) -> AsyncIterator[Any]:
        await self._finished.wait()
        for transcript in NO_WORDS:  # the bench measures the audio path alone
            yield transcript


class StandInSpeechToText:
    name = "bench stand-in (times frames, hears nothing)"

    def __init__(self, latencies: FrameLatencies) -> None:
        self._latencies = latencies

    def recognize(self, keyterms: Sequence[str] = ()) -> AbstractAsyncContextManager[StandInRecognition]:
        return self._recognition()

    @asynccontextmanager
    async def _recognition(self) -> AsyncIterator[StandInRecognition]:
        yield StandInRecognition(self._latencies)


class SilentTextToSpeech:
    """Never called in capacity (connections start with `tts: false`); speaks nothing if it were."""

    name = "bench silence"
    sample_rate = 22_050

    async def speak(self, text: str) -> AsyncIterator[bytes]:
        for chunk in NO_AUDIO:
            yield chunk


def serve_relay(port: int, turn_url: str) -> None:
    """The relay process of `capacity` (the hidden `_relay` command): the relay app plus GET /bench/stats."""
    import uvicorn
    from starlette.types import Receive, Scope, Send

    from relay.app import create_app
    from relay.conversation import Services
    from relay.settings import RelaySettings
    from relay.turns import TurnClient, authorization
    from talentcrew.auth import TicketCheck

    settings = RelaySettings()
    latencies = FrameLatencies()
    turns = TurnClient(turn_url, authorization(settings))
    stt, tts = StandInSpeechToText(latencies), SilentTextToSpeech()
    services = Services(turns, stt, tts, settings)
    relay = create_app(TicketCheck(settings.ticket_public_pem()), services)

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"] == "/bench/stats":
            body = json.dumps(latencies.to_json()).encode()
            headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
            await send({"type": "http.response.start", "status": 200, "headers": headers})
            await send({"type": "http.response.body", "body": body})
            return
        await relay(scope, receive, send)

    uvicorn.run(
        app,
        host=HOST,
        port=port,
        **UVICORN,
        backlog=4096,
        timeout_graceful_shutdown=5,
    )


def fetch_stats(port: int) -> tuple[list[Histogram], int]:
    with urllib.request.urlopen(f"http://{HOST}:{port}/bench/stats", timeout=30) as response:
        data = json.loads(response.read())
    return [Histogram.from_json(phase) for phase in data["phases"]], int(data["foreign"])


@dataclass(frozen=True)
class ProcessSample:
    at: float  # time.monotonic()
    cpu_seconds: float  # utime + stime, all threads
    rss_kib: int


def sample_process(pid: int) -> ProcessSample:
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    ticks = os.sysconf("SC_CLK_TCK")
    cpu = (int(fields[11]) + int(fields[12])) / ticks  # utime and stime: fields 14 and 15 of proc(5)
    rss = 0
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                rss = int(line.split()[1])
    return ProcessSample(time.monotonic(), cpu, rss)


def cpu_percent(before: ProcessSample, after: ProcessSample) -> float:
    return 100 * (after.cpu_seconds - before.cpu_seconds) / max(1e-9, after.at - before.at)


# ---------------------------------------------------------------------------------------------
# capacity, client side: a lean WebSocket client and the load generator
# ---------------------------------------------------------------------------------------------


def client_frame(opcode: int, payload: bytes) -> bytes:
    """A final client frame, masked with the key 0 (RFC 6455 requires a mask, not a random one)."""
    size = len(payload)
    if size < 126:
        head = bytes([0x80 | opcode, 0x80 | size])
    elif size < 1 << 16:
        head = bytes([0x80 | opcode, 0x80 | 126]) + size.to_bytes(2, "big")
    else:
        head = bytes([0x80 | opcode, 0x80 | 127]) + size.to_bytes(8, "big")
    return head + ZERO_MASK + payload


@dataclass
class Tally:
    """What the generator saw come back, over all connections."""

    errors: collections.Counter[str] = field(default_factory=collections.Counter)
    closes: collections.Counter[int] = field(default_factory=collections.Counter)
    write_pauses: int = 0  # the socket's send buffer filled up: the relay was not reading


class Candidate(asyncio.Protocol):
    """One simulated candidate's connection: handshake, `start` (voice, no speech out), then audio."""

    def __init__(self, port: int, session_id: str, ticket: str, tally: Tally) -> None:
        self._request = (
            f"GET /ws/interview/{session_id} HTTP/1.1\r\nHost: {HOST}:{port}\r\nUpgrade: websocket\r\n"
            f"Connection: Upgrade\r\nSec-WebSocket-Key: {HANDSHAKE_KEY}\r\nSec-WebSocket-Version: 13\r\n\r\n"
        ).encode()
        start = {"type": "start", "mode": "voice", "tts": False, "ticket": ticket}
        self._start = client_frame(0x1, json.dumps(start).encode())
        self._tally = tally
        self._buffer = bytearray()
        self._upgraded = False
        self.transport: asyncio.Transport | None = None
        self.asked: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self.open = False

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.Transport, transport)  # uvloop's transports do not subclass asyncio's
        self.transport.write(self._request)

    def connection_lost(self, exc: Exception | None) -> None:
        self.open = False
        if not self.asked.done():
            self.asked.set_exception(ConnectionError(f"closed before the question: {exc}"))

    def pause_writing(self) -> None:
        self._tally.write_pauses += 1

    def data_received(self, data: bytes) -> None:
        self._buffer += data
        if not self._upgraded:
            end = self._buffer.find(b"\r\n\r\n")
            if end < 0:
                return
            status = bytes(self._buffer[: self._buffer.find(b"\r\n")])
            del self._buffer[: end + 4]
            if not status.startswith(b"HTTP/1.1 101"):
                self._fail(f"handshake refused: {status.decode(errors='replace')}")
                return
            self._upgraded = self.open = True
            self._write(self._start)
        self._frames()

    def _frames(self) -> None:
        buffer = self._buffer
        while len(buffer) >= 2:
            size, offset = buffer[1] & 0x7F, 2
            if size == 126:
                if len(buffer) < 4:
                    return
                size, offset = int.from_bytes(buffer[2:4], "big"), 4
            elif size == 127:
                if len(buffer) < 10:
                    return
                size, offset = int.from_bytes(buffer[2:10], "big"), 10
            if len(buffer) < offset + size:
                return
            opcode, payload = buffer[0] & 0x0F, bytes(buffer[offset : offset + size])
            del buffer[: offset + size]
            self._frame(opcode, payload)

    def _frame(self, opcode: int, payload: bytes) -> None:
        if opcode == 0x1:
            message = json.loads(payload)
            if message.get("type") == "question" and not self.asked.done():
                self.asked.set_result(None)
            elif message.get("type") == "error":
                self._tally.errors[str(message.get("code"))] += 1
        elif opcode == 0x9:  # uvicorn pings every 20 s and closes a connection that does not answer
            self._write(client_frame(0xA, payload))
        elif opcode == 0x8:
            code = int.from_bytes(payload[:2], "big") if len(payload) >= 2 else 1005
            self._tally.closes[code] += 1
            self._write(client_frame(0x8, payload[:2]))
            self.open = False
            if self.transport is not None:
                self.transport.close()
            if not self.asked.done():
                self.asked.set_exception(ConnectionError(f"closed with {code}: {payload[2:].decode(errors='replace')}"))

    def _write(self, data: bytes) -> None:
        if self.transport is not None and not self.transport.is_closing():
            self.transport.write(data)

    def _fail(self, reason: str) -> None:
        if not self.asked.done():
            self.asked.set_exception(ConnectionError(reason))
        if self.transport is not None:
            self.transport.close()

    def close(self) -> None:
        self.open = False
        if self.transport is not None and not self.transport.is_closing():
            self.transport.write(client_frame(0x8, (1000).to_bytes(2, "big")))
            self.transport.close()


async def connect_candidates(port: int, sessions: Sequence[str], tally: Tally, batch: int) -> list[Candidate]:
    """Opens one connection per session (`batch` at a time) and waits for each one's question."""
    loop = asyncio.get_running_loop()

    async def one(session_id: str) -> Candidate | None:
        candidate = Candidate(port, session_id, ticket(session_id), tally)
        try:
            await loop.create_connection(lambda: candidate, HOST, port)
            await asyncio.wait_for(candidate.asked, 60)
        except (OSError, TimeoutError) as failure:
            log(f"session {session_id}: not admitted ({failure!r})")
            candidate.close()
            return None
        return candidate

    connected: list[Candidate] = []
    for start in range(0, len(sessions), batch):
        results = await asyncio.gather(*(one(session_id) for session_id in sessions[start : start + batch]))
        connected += [candidate for candidate in results if candidate is not None]
        log(f"  connected {len(connected)}/{len(sessions)}")
    return connected


async def stream_audio(
    candidates: Sequence[Candidate], phases: tuple[int, int], warmup: float, seconds: float, frame_ms: int
) -> tuple[list[int], Histogram]:
    """Every candidate sends a frame of `frame_ms` audio every `frame_ms` for `seconds`, the streams spread evenly.

    Frame k of stream i is due at start + k * T + i * T / N (T: `frame_ms`), an absolute schedule, so a
    late wake-up never shifts the frames after it. The first `warmup` seconds go to `phases[0]`, the
    rest to `phases[1]`. Returns the frames sent per phase and the generator's lateness.
    """
    count, period = len(candidates), frame_ms * 1_000_000
    offsets = [index * period // count for index in range(count)]
    frames, warmup_frames = round(seconds * 1000 / frame_ms), round(warmup * 1000 / frame_ms)
    size = frame_ms * BYTES_PER_MS
    prefix = bytes([0x82, 0x80 | 126]) + size.to_bytes(2, "big") + ZERO_MASK
    padding = bytes(size - STAMP.size)
    sent = [0, 0]
    lateness = Histogram()
    pack, clock = STAMP.pack, time.monotonic_ns
    start = clock() + 50_000_000
    for frame in range(frames):
        phase = 0 if frame < warmup_frames else 1
        phase_id = phases[phase]
        base = start + frame * period
        for index in range(count):
            due = base + offsets[index]
            now = clock()
            if due - now > EARLY_NS:  # otherwise sent a little early: a wake-up costs more than it is worth
                await asyncio.sleep((due - now) / 1e9)
                now = clock()
            candidate = candidates[index]
            if not candidate.open:
                continue
            assert candidate.transport is not None
            candidate.transport.write(prefix + pack(now, index, frame, phase_id) + padding)
            lateness.add(now - due)
            sent[phase] += 1
    return sent, lateness


@dataclass
class LevelResult:
    streams: int
    connected: int
    sent: int
    forwarded: int
    errors: collections.Counter[str]
    closes: int
    latency: Histogram
    relay_cpu: float
    rss_per_connection_kib: float
    rss_per_added_kib: float  # (RSS at this level - RSS at the level before) / connections added
    generator_cpu: float
    lateness: Histogram
    write_pauses: int
    profile: list[str] = field(default_factory=list)

    @property
    def not_forwarded(self) -> int:
        return self.sent - self.forwarded

    @property
    def schedule_kept(self) -> bool:
        return self.lateness.percentile_ms(99) <= SCHEDULE_SLACK_MS

    @property
    def clean(self) -> bool:
        return not self.not_forwarded and not self.errors and not self.closes


async def capacity(args: argparse.Namespace) -> int:
    levels = sorted({int(level) for level in args.streams.split(",")})
    if not 10 <= args.frame_ms <= 2000:
        raise SystemExit("--frame-ms: from 10 to 2000 (the relay takes frames of at most 64 KiB)")
    if len(levels) * 2 > FrameLatencies.PHASES:
        raise SystemExit(f"at most {FrameLatencies.PHASES // 2} levels")
    data_dir = isolated_environment("WARNING")
    log(f"data in {data_dir}; levels {levels}, {args.seconds:.0f} s each (the first {args.warmup:.0f} s warm-up)")
    try:
        with turn_function_thread() as turn_url:
            sessions = prepare_sessions(turn_url, levels[-1])
            port = free_port()
            relay_log = data_dir / "relay.log"
            command = [
                args.relay_python or sys.executable,
                str(Path(__file__).resolve()),
                "_relay",
                str(port),
                turn_url,
            ]
            with relay_log.open("wb") as output, child_process(command, output) as relay:
                wait_for_http(f"http://{HOST}:{port}/healthz", relay, relay_log)
                log(f"relay pid {relay.pid} on port {port} (uvicorn: uvloop, httptools, websockets-sansio)")
                results = await run_levels(args, port, relay.pid, sessions, levels)
                if relay.poll() is not None:
                    log(f"the relay exited with {relay.returncode}; its log:\n{relay_log.read_text()[-3000:]}")
    finally:
        if not args.keep:
            shutil.rmtree(data_dir, ignore_errors=True)
    print_capacity(results, args)
    return 0


def prepare_sessions(turn_url: str, count: int) -> list[str]:
    """`count` sessions in the store, each with its opening question from the turn function."""
    log(f"creating {count} sessions and asking the turn function for each opening question...")
    job_id = make_job()
    sessions: list[str] = []
    started = time.monotonic()
    for index in range(count):
        session_id = make_session(job_id)
        take_turn(turn_url, {"session_id": session_id, "turn_index": 0})
        sessions.append(session_id)
        if (index + 1) % 100 == 0 or index + 1 == count:
            log(f"  {index + 1}/{count} sessions ({time.monotonic() - started:.1f} s)")
    return sessions


async def run_levels(
    args: argparse.Namespace, port: int, relay_pid: int, sessions: list[str], levels: list[int]
) -> list[LevelResult]:
    await asyncio.sleep(1.0)
    idle = sample_process(relay_pid)
    log(f"relay idle RSS {idle.rss_kib / 1024:.1f} MiB")
    candidates: list[Candidate] = []
    tally = Tally()
    results: list[LevelResult] = []
    previous_rss, previous_count, opened = idle.rss_kib, 0, 0
    for level_index, level in enumerate(levels):
        log(f"level {level}: connecting {level - opened} more candidates...")
        candidates += await connect_candidates(port, sessions[opened:level], tally, args.batch)
        opened = level  # a session that was not admitted is not tried again
        await asyncio.sleep(1.0)
        before_errors, before_closes = collections.Counter(tally.errors), sum(tally.closes.values())
        before_pauses = tally.write_pauses
        phases = (2 * level_index, 2 * level_index + 1)
        log(f"level {level}: {len(candidates)} streams for {args.seconds:.0f} s...")
        relay_before, generator_before = sample_process(relay_pid), sample_process(os.getpid())
        profiler = start_profiler(relay_pid, args) if args.profile and level_index == len(levels) - 1 else None
        gc.disable()  # the generator's own pauses would read as the relay's latency
        try:
            sent, lateness = await stream_audio(candidates, phases, args.warmup, args.seconds, args.frame_ms)
        finally:
            gc.enable()
        relay_after, generator_after = sample_process(relay_pid), sample_process(os.getpid())
        latencies = await drain(port, phases, sum(sent), args.drain)
        cpu_per_frame_us = 1e6 * (relay_after.cpu_seconds - relay_before.cpu_seconds) / max(1, sum(sent))
        profile = await finish_profiler(profiler, cpu_per_frame_us) if profiler is not None else []
        forwarded = latencies[0].total + latencies[1].total
        errors = tally.errors - before_errors
        result = LevelResult(
            streams=level,
            connected=len(candidates),
            sent=sum(sent),
            forwarded=forwarded,
            errors=errors,
            closes=sum(tally.closes.values()) - before_closes,
            latency=latencies[1],
            relay_cpu=cpu_percent(relay_before, relay_after),
            rss_per_connection_kib=(relay_after.rss_kib - idle.rss_kib) / max(1, len(candidates)),
            rss_per_added_kib=(relay_after.rss_kib - previous_rss) / max(1, len(candidates) - previous_count),
            generator_cpu=cpu_percent(generator_before, generator_after),
            lateness=lateness,
            write_pauses=tally.write_pauses - before_pauses,
            profile=profile,
        )
        results.append(result)
        previous_rss, previous_count = relay_after.rss_kib, len(candidates)
        log(
            f"level {level}: p50 {result.latency.percentile_ms(50):.1f} ms, p99 {result.latency.percentile_ms(99):.1f}"
            f" ms, not forwarded {result.not_forwarded}, relay CPU {result.relay_cpu:.0f}%"
        )
    for candidate in candidates:
        candidate.close()
    await asyncio.sleep(0.5)
    return results


async def drain(port: int, phases: tuple[int, int], sent: int, timeout: float) -> tuple[Histogram, Histogram]:
    """The level's latencies once every frame sent has reached the stand-in, or nothing moved for a while."""
    deadline = time.monotonic() + timeout
    last, still_since = -1, time.monotonic()
    while True:
        histograms, _ = await asyncio.to_thread(fetch_stats, port)
        latencies = histograms[phases[0]], histograms[phases[1]]
        forwarded = latencies[0].total + latencies[1].total
        now = time.monotonic()
        if forwarded != last:
            last, still_since = forwarded, now
        if forwarded >= sent or now > deadline or now - still_since > 3.0:
            return latencies
        await asyncio.sleep(0.25)


@dataclass
class Profiler:
    process: subprocess.Popen[bytes]
    path: Path
    rate: int


def start_profiler(relay_pid: int, args: argparse.Namespace) -> Profiler | None:
    """py-spy on the relay for the level's measured seconds: native frames too, so syscalls and GC show.

    It stops the relay for each sample (native stacks need that), which perturbs the level's latencies.
    """
    py_spy = shutil.which("py-spy") or str(Path(sys.executable).parent / "py-spy")
    if not Path(py_spy).exists():
        log("--profile needs py-spy (pip install py-spy into the venv); profiling skipped")
        return None
    path = Path(os.environ["TALENTCREW_DATA_DIR"]) / "relay-profile.txt"
    rate = 100
    duration = max(1, int(args.seconds - args.warmup))
    command = [py_spy, "record", "--pid", str(relay_pid), "--format", "raw", "--output", str(path),
               "--rate", str(rate), "--duration", str(duration), "--native"]  # fmt: skip
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    return Profiler(process, path, rate)


PROFILE_GROUPS = (  # (where the sampled frame's code is, the group it counts for); first match wins
    ("uvicorn/", "uvicorn's websockets-sansio protocol"),
    ("websockets/", "websockets' frame parser"),
    ("starlette/", "Starlette (WebSocket.receive, routing)"),
    ("relay/conversation.py", "relay: Conversation (run, _on_audio)"),
    ("relay/spoken.py", "relay: SpokenAnswer (feed, _run)"),
    ("relay/audio.py", "relay: RateLimit, AudioBuffer, AudioClock"),
    ("relay/", "relay: other"),
    ("asyncio/", "asyncio in Python (Queue, Event, Task glue)"),
    ("bench/relay_bench.py", "the bench's speech stand-in"),
)


def _profile_group(frame: str) -> str:
    name, _, where = frame.partition(" (")
    for marker, group in PROFILE_GROUPS:
        if marker in where:
            return group
    if "libc" in where:
        return f"system call / libc: {name}"
    if "gc_collect" in name:
        return "the garbage collector"
    if "uvloop" in where or "loop.c" in where or "libuv" in where or "uv__" in name:
        return "uvloop / libuv (native)"
    return "the interpreter and other native code"


async def finish_profiler(profiler: Profiler, cpu_per_frame_us: float) -> list[str]:
    """The relay's event-loop thread by group of code, as shares and as µs of the level's CPU per frame."""
    _, stderr = await asyncio.to_thread(profiler.process.communicate)
    if profiler.process.returncode != 0 or not profiler.path.exists():
        return [f"py-spy failed: {stderr.decode(errors='replace')[-500:]}"]
    groups: collections.Counter[str] = collections.Counter()
    own: collections.Counter[str] = collections.Counter()
    total = 0
    for line in profiler.path.read_text().splitlines():
        stack, _, count_text = line.rpartition(" ")
        if "Server.run" not in stack or not count_text.isdigit():
            continue  # not the event loop's thread (the store's worker threads, py-spy's own)
        count, leaf = int(count_text), stack.rsplit(";", 1)[-1]
        total += count
        groups[_profile_group(leaf)] += count
        own[_function_name(leaf)] += count
    if not total:
        return ["py-spy: no samples of the event loop's thread"]
    scale = cpu_per_frame_us / total
    lines = [
        f"py-spy (native, {profiler.rate} Hz): {total} samples of the event loop's thread; the level used"
        f" {cpu_per_frame_us:.1f} µs of relay CPU per frame (perturbed by the sampling), shared out as:"
    ]
    lines += [
        f"  {100 * count / total:5.1f}%  {count * scale:5.1f} µs  {group}" for group, count in groups.most_common(14)
    ]
    lines.append("  the functions themselves (own samples):")
    lines += [f"  {100 * count / total:5.1f}%  {count * scale:5.1f} µs  {name}" for name, count in own.most_common(15)]
    return lines


def _function_name(frame: str) -> str:
    """`send (relay/conversation.py:12)` -> `send (relay/conversation.py)`, with site-packages trimmed."""
    name, _, where = frame.partition(" (")
    where = where.rstrip(")").rsplit(":", 1)[0]
    for marker in ("site-packages/", "realtime-relay/", "python3.11/", "python3.12/"):
        if marker in where:
            where = where.split(marker, 1)[1]
    return f"{name} ({where})"


def print_capacity(results: list[LevelResult], args: argparse.Namespace) -> None:
    print()
    print(f"Relay capacity: one relay process, {args.seconds:.0f} s per level ({args.warmup:.0f} s warm-up not in")
    print(f"the latencies), {os.cpu_count()} CPU cores shared by the relay and one generator process.")
    print(f"Each stream: a {args.frame_ms} ms frame ({args.frame_ms * BYTES_PER_MS} bytes) every {args.frame_ms} ms.")
    print("Latency: client's send -> the speech stand-in receives the frame from the relay.")
    print()
    header = (
        f"{'streams':>7} {'conn':>5} {'sent':>8} {'fwd':>8} {'lost':>6} {'errors':>14} {'closed':>6} "
        f"{'p50 ms':>7} {'p99 ms':>7} {'max ms':>7} {'relay CPU':>9} {'RSS/conn':>9} {'added':>9} {'gen late p99':>12} "
        f"{'gen CPU':>7} {'schedule':>8}"
    )
    print(header)
    print("-" * len(header))
    for result in results:
        errors = ",".join(f"{code}:{count}" for code, count in sorted(result.errors.items())) or "0"
        print(
            f"{result.streams:>7} {result.connected:>5} {result.sent:>8} {result.forwarded:>8} "
            f"{result.not_forwarded:>6} {errors:>14} {result.closes:>6} "
            f"{result.latency.percentile_ms(50):>7.1f} {result.latency.percentile_ms(99):>7.1f} "
            f"{result.latency.max_ns / 1e6:>7.0f} {result.relay_cpu:>8.0f}% "
            f"{result.rss_per_connection_kib:>5.0f} KiB {result.rss_per_added_kib:>5.0f} KiB "
            f"{result.lateness.percentile_ms(99):>9.2f} ms "
            f"{result.generator_cpu:>6.0f}% {'kept' if result.schedule_kept else 'MISSED':>8}"
        )
    print()
    print("lost: frames sent but never received by the stand-in; errors: the relay's `error` messages by code;")
    print("closed: connections the relay closed; RSS/conn: (relay RSS at the level - idle RSS) / connections;")
    print("added: (relay RSS at the level - RSS at the level before) / connections added (without fixed costs);")
    print(f"schedule: the generator's lateness p99 <= {SCHEDULE_SLACK_MS:.0f} ms (else the level's figures are not")
    print("the offered load they claim); write pauses (the relay stopped reading):", end=" ")
    print(", ".join(f"{result.streams}: {result.write_pauses}" for result in results))
    print()
    at_target = [result for result in results if result.streams >= TARGET_STREAMS]
    print(f"Target (issue 5): {TARGET_STREAMS} streams, p99 <= {TARGET_P99_MS:.0f} ms, 0 dropped, on this machine.")
    if args.frame_ms != 20:
        print(f"  (measured with {args.frame_ms} ms frames; the issue's target is for 20 ms frames)")
    if not at_target:
        print(f"  not measured: no level reached {TARGET_STREAMS} streams.")
    for result in at_target:
        p99 = result.latency.percentile_ms(99)
        reasons = []
        if result.connected < result.streams:
            reasons.append(f"only {result.connected} of {result.streams} connected")
        if not p99 <= TARGET_P99_MS:
            reasons.append(f"p99 {p99:.1f} ms > {TARGET_P99_MS:.0f} ms")
        if not result.clean:
            reasons.append(
                f"{result.not_forwarded} frames lost, {sum(result.errors.values())} errors, {result.closes} closed"
            )
        if not result.schedule_kept:
            reasons.append("the generator missed its schedule, so the figure is not trustworthy")
        verdict = "MET" if not reasons else "NOT MET: " + "; ".join(reasons)
        print(f"  {result.streams} streams: {verdict}")
    for result in results:
        if result.profile:
            print()
            print(f"Where the relay's time goes at {result.streams} streams:")
            for line in result.profile:
                print(line)


# ---------------------------------------------------------------------------------------------
# turn gap: timed wrappers around the relay's ports and turn client
# ---------------------------------------------------------------------------------------------


class Timeline:
    """When the parts of one gap happened (time.monotonic()); each keeps its first time after `reset()`.
    Also the words the recogniser made final since `listen()`."""

    def __init__(self) -> None:
        self.marks: dict[str, float] = {}
        self.finals: list[str] = []

    def reset(self) -> None:
        self.marks = {}

    def listen(self) -> None:
        self.finals = []

    def mark(self, name: str) -> None:
        self.marks.setdefault(name, time.monotonic())


class TimedRecognition:
    def __init__(self, inner: Any, timeline: Timeline) -> None:
        self._inner, self._timeline = inner, timeline

    async def send(self, pcm: bytes) -> None:
        await self._inner.send(pcm)

    async def finish(self) -> None:
        self._timeline.mark("stt_finish")
        await self._inner.finish()

    async def transcripts(self) -> AsyncIterator[Any]:
        async for transcript in self._inner.transcripts():
            if transcript.is_final and transcript.text:
                self._timeline.finals.append(transcript.text)
            yield transcript
        self._timeline.mark("stt_done")


class TimedSpeechToText:
    def __init__(self, inner: Any, timeline: Timeline) -> None:
        self._inner, self._timeline = inner, timeline
        self.name = f"{inner.name}, timed"

    def recognize(self, keyterms: Sequence[str] = ()) -> AbstractAsyncContextManager[TimedRecognition]:
        return self._recognition(keyterms)

    @asynccontextmanager
    async def _recognition(self, keyterms: Sequence[str]) -> AsyncIterator[TimedRecognition]:
        async with self._inner.recognize(keyterms) as recognition:
            yield TimedRecognition(recognition, self._timeline)


class TimedTextToSpeech:
    def __init__(self, inner: Any, timeline: Timeline) -> None:
        self._inner, self._timeline = inner, timeline
        self.name = f"{inner.name}, timed"
        self.sample_rate: int = inner.sample_rate

    async def speak(self, text: str) -> AsyncIterator[bytes]:
        self._timeline.mark("tts_start")
        async for chunk in self._inner.speak(text):
            self._timeline.mark("tts_first_chunk")
            yield chunk


def timed_turn_client(url: str, settings: Any, timeline: Timeline) -> Any:
    """The relay's turn client, marking when each turn's call starts and ends."""
    from relay.turns import TurnClient, authorization
    from talentcrew.interview.calls import TurnReply, TurnRequest

    class TimedTurnClient(TurnClient):
        async def take(self, request: TurnRequest) -> TurnReply:
            timeline.mark("turn_start")
            reply = await super().take(request)
            timeline.mark("turn_done")
            return reply

    return TimedTurnClient(url, authorization(settings))


@dataclass
class Gap:
    total: float
    final_transcript: float  # "done" -> the recogniser's last words are in
    turn_call: float  # the turn function's call, HTTP included
    tts_first_chunk: float  # Piper's first chunk of the question
    rest: float  # the relay's own work and the socket


# ---------------------------------------------------------------------------------------------
# turn gap: the candidate
# ---------------------------------------------------------------------------------------------


class Inbox:
    """Everything the relay sends, with the time it arrived, read by a task of its own."""

    def __init__(self, websocket: Any) -> None:
        self._websocket = websocket
        self._queue: asyncio.Queue[tuple[float, str | bytes | None]] = asyncio.Queue()
        self._task = asyncio.create_task(self._read())

    async def _read(self) -> None:
        from websockets.exceptions import ConnectionClosed

        try:
            async for message in self._websocket:
                self._queue.put_nowait((time.monotonic(), message))
        except ConnectionClosed:
            pass
        self._queue.put_nowait((time.monotonic(), None))

    async def next(self, timeout: float = 120) -> tuple[float, dict[str, Any] | bytes | None]:
        at, message = await asyncio.wait_for(self._queue.get(), timeout)
        if isinstance(message, str):
            parsed: dict[str, Any] = json.loads(message)
            return at, parsed
        return at, message

    async def until(self, *types: str) -> tuple[float, dict[str, Any]]:
        """Skips audio and transcripts up to the first message of one of `types` (or an error)."""
        while True:
            at, message = await self.next()
            if message is None:
                raise ConnectionError("the relay closed the connection")
            if isinstance(message, dict) and (message["type"] in types or message["type"] == "error"):
                return at, message


async def stream_realtime(websocket: Any, pcm: bytes) -> None:
    """20 ms frames on an absolute schedule, as a browser's audio worklet sends them."""
    size = 2 * 16_000 // 50
    start = time.monotonic()
    for index, offset in enumerate(range(0, len(pcm), size)):
        delay = start + index * 0.02 - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)
        await websocket.send(pcm[offset : offset + size])


@dataclass(frozen=True)
class Recording:
    text: str
    voice: str
    pcm: bytes


class Speaker:
    """Answers each question with the next answer on its skill (any, for a skill the bench has none on),
    in the next voice, so consecutive answers differ in voice."""

    def __init__(self) -> None:
        from voices import VOICES

        self._voices = itertools.cycle(VOICES.items())
        self._answers = {skill: itertools.cycle(text for _, text in answers) for skill, answers in ANSWERS.items()}
        self._any = itertools.cycle([text for answers in ANSWERS.values() for _, text in answers])

    def answer(self, skill: str | None) -> Recording:
        answers = next(
            (cycle for name, cycle in self._answers.items() if skill and name.lower() in skill.lower()), None
        )
        text = next(answers or self._any)
        voice, speak = next(self._voices)
        return Recording(text, voice, _spoken(speak, text))


@functools.cache
def _spoken(speak: Callable[[str], bytes], text: str) -> bytes:
    return speak(text)


@dataclass(frozen=True)
class Heard:
    voice: str
    said: str
    heard: str


@dataclass
class TurnGapRun:
    gaps: list[Gap] = field(default_factory=list)
    heard: list[Heard] = field(default_factory=list)
    failures: collections.Counter[str] = field(default_factory=collections.Counter)
    answers: int = 0

    def add(self, other: TurnGapRun) -> None:
        self.gaps += other.gaps
        self.heard += other.heard
        self.failures += other.failures
        self.answers += other.answers


async def interview(
    relay_url: str, session_id: str, timeline: Timeline, speaker: Speaker, think: float, lead: float
) -> TurnGapRun:
    """One candidate through one whole interview; a gap per answer that brought another question."""
    from websockets.asyncio.client import connect

    from tests.speech_audio import silence

    run = TurnGapRun()
    async with connect(f"{relay_url}/ws/interview/{session_id}", max_size=None, open_timeout=30) as websocket:
        await websocket.send(json.dumps({"type": "start", "mode": "voice", "ticket": ticket(session_id)}))
        inbox = Inbox(websocket)
        _, message = await inbox.until("question")
        while message["type"] == "question":
            turn = message["turn"]
            await inbox.until("tts_audio_complete")
            await websocket.send(json.dumps({"type": "playback_finished", "turn": turn}))
            recording = speaker.answer(message.get("skill"))
            timeline.listen()
            await stream_realtime(websocket, silence(lead) + recording.pcm + silence(think))
            run.answers += 1
            timeline.reset()
            done_at = time.monotonic()
            await websocket.send(json.dumps({"type": "user_finished_speaking"}))
            _, message = await inbox.until("question", "interview_complete")
            if message["type"] == "error":
                run.failures[message["code"]] += 1
                log(f"  turn {turn}: error {message['code']}: {message['message']}")
                message = {"type": "question", "turn": turn}  # answer the same question again
                continue
            run.heard.append(Heard(recording.voice, recording.text, " ".join(timeline.finals)))
            if message["type"] != "question":
                break
            await inbox.until("tts_audio")
            while True:
                audio_at, chunk = await inbox.next()
                if isinstance(chunk, bytes) or chunk is None:
                    break
            if chunk is None:
                raise ConnectionError("the relay closed the connection before the question's audio")
            run.gaps.append(gap(done_at, audio_at, timeline.marks))
            latest = run.gaps[-1]
            log(
                f"  turn {turn}: gap {latest.total * 1000:.0f} ms (final {latest.final_transcript * 1000:.0f}, "
                f"turn call {latest.turn_call * 1000:.0f}, tts {latest.tts_first_chunk * 1000:.0f})"
            )
    return run


def gap(done_at: float, audio_at: float, marks: dict[str, float]) -> Gap:
    nan = float("nan")
    final = marks.get("stt_done", nan) - done_at
    turn_call = marks.get("turn_done", nan) - marks.get("turn_start", nan)
    tts = marks.get("tts_first_chunk", nan) - marks.get("tts_start", nan)
    total = audio_at - done_at
    return Gap(total, final, turn_call, tts, total - final - turn_call - tts)


async def turn_gap(args: argparse.Namespace) -> int:
    from voices import check_tools

    check_tools()
    data_dir = isolated_environment("WARNING")
    log(f"data in {data_dir}; loading Whisper and Piper...")
    try:
        with turn_function_process(data_dir / "turn.log") as turn_url:
            runs = await measure_turn_gaps(args, turn_url)
    finally:
        if not args.keep:
            shutil.rmtree(data_dir, ignore_errors=True)
    print_turn_gap(runs, args)
    return 0


async def measure_turn_gaps(args: argparse.Namespace, turn_url: str) -> dict[float, TurnGapRun]:
    import uvicorn

    from relay.app import create_app
    from relay.conversation import Services
    from relay.settings import RelaySettings
    from relay.speech.offline import PiperTextToSpeech, WhisperSpeechToText
    from talentcrew.auth import TicketCheck

    settings = RelaySettings()
    timeline = Timeline()
    stt, tts = WhisperSpeechToText(settings.whisper_model), PiperTextToSpeech()
    log("warming the engines and the turn function...")
    speaker = Speaker()
    await warm_up(stt, tts, speaker.answer(None).pcm, turn_url)
    turns = timed_turn_client(turn_url, settings, timeline)
    timed_stt, timed_tts = TimedSpeechToText(stt, timeline), TimedTextToSpeech(tts, timeline)
    services = Services(turns, timed_stt, timed_tts, settings)
    port = free_port()
    config = uvicorn.Config(
        create_app(TicketCheck(settings.ticket_public_pem()), services), host=HOST, port=port, **UVICORN
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name="relay", daemon=True)
    thread.start()
    while not server.started:
        await asyncio.sleep(0.05)
    job_id = make_job()
    runs: dict[float, TurnGapRun] = {}
    try:
        for think in args.think:
            total = runs[think] = TurnGapRun()
            while len(total.gaps) < args.turns:
                session_id = make_session(job_id)
                log(
                    f"'done' {think:.1f} s after the last word: interview {session_id} ({len(total.gaps)}/{args.turns})"
                )
                total.add(await interview(f"ws://{HOST}:{port}", session_id, timeline, speaker, think, args.lead))
    finally:
        server.should_exit = True
        await asyncio.to_thread(thread.join, 15)
    return runs


async def warm_up(stt: Any, tts: Any, pcm: bytes, turn_url: str) -> None:
    """First decodes, first synthesis and the turn function's first grading are slower: not measured."""
    await recognised(stt, pcm, (), speed=math.inf)
    async for _ in tts.speak("Let's start with databases. How do you find a slow query?"):
        pass
    session_id = make_session(make_job())
    await asyncio.to_thread(take_turn, turn_url, {"session_id": session_id, "turn_index": 0})
    body = {"session_id": session_id, "turn_index": 1, "answer_text": "I would look at the query plan first."}
    await asyncio.to_thread(take_turn, turn_url, body)


async def word_accuracy_set(args: argparse.Namespace) -> int:
    """Every answer in every voice through the offline recogniser, as the relay streams it, with the keyterms
    the turn service sends for the bank question it answers: the bench's own set, the same each run (but for
    Piper's own variation), unlike the turn-gap run's answers, which follow the interview."""
    from voices import VOICES, check_tools, word_accuracy

    from relay.settings import RelaySettings
    from relay.speech.offline import WhisperSpeechToText
    from talentcrew.interview.bank import bank
    from talentcrew.interview.keyterms import for_answer

    check_tools()
    log(f"{sum(map(len, ANSWERS.values()))} answers in {len(VOICES)} voices, {args.speed}x real time")
    model = RelaySettings().whisper_model
    stt, job = WhisperSpeechToText(model), bench_job()
    said: dict[str, list[str]] = {}
    heard: dict[str, list[str]] = {}
    started = time.process_time()
    for voice, speak in VOICES.items():
        for question_id, answer in (pair for answers in ANSWERS.values() for pair in answers):
            keyterms = for_answer(job, bank().question(question_id))
            said.setdefault(voice, []).append(answer)
            heard.setdefault(voice, []).append(await recognised(stt, speak(answer), keyterms, args.speed))
        log(f"  {voice}: {word_accuracy(said[voice], heard[voice]):.3f}")
    print()
    print(f"Word accuracy (1 - WER) of Whisper {model} (int8) on the bench's own set: each answer in each voice")
    print(f"(bench/voices.py), streamed at {args.speed}x real time with its keyterms; {os.cpu_count()} CPU cores.")
    for voice in VOICES:
        print(f"  {voice:<40} {word_accuracy(said[voice], heard[voice]):.3f}  ({len(said[voice])} answers)")
    everything = [text for voice in VOICES for text in said[voice]], [text for voice in VOICES for text in heard[voice]]
    overall = word_accuracy(*everything)
    print(f"  {'all voices':<40} {overall:.3f}")
    print(f"CPU time: {time.process_time() - started:.0f} s")
    met = "MET" if overall >= TARGET_WORD_ACCURACY else "NOT MET"
    print(f"Target (issue 20): word accuracy >= {TARGET_WORD_ACCURACY}; measured {overall:.3f}: {met}.")
    return 0


async def recognised(stt: Any, pcm: bytes, keyterms: Sequence[str], speed: float) -> str:
    """The finals' words for `pcm` streamed in 20 ms frames at `speed` times real time, then 1 s of silence."""
    pcm += bytes(1000 * BYTES_PER_MS)
    finals: list[str] = []
    async with stt.recognize(keyterms) as recognition:

        async def read() -> None:
            async for transcript in recognition.transcripts():
                if transcript.is_final and transcript.text:
                    finals.append(transcript.text)

        reader = asyncio.create_task(read())
        started = time.monotonic()
        for index, offset in enumerate(range(0, len(pcm), 640)):
            await recognition.send(pcm[offset : offset + 640])
            await asyncio.sleep(max(0.0, started + (index + 1) * 0.02 / speed - time.monotonic()))
        await recognition.finish()
        await reader
    return " ".join(finals)


def _percentile(values: Sequence[float], q: int) -> float:
    clean = sorted(value for value in values if not math.isnan(value))
    if not clean:
        return float("nan")
    if len(clean) == 1:
        return clean[0]
    return statistics.quantiles(clean, n=100, method="inclusive")[q - 1]


def print_turn_gap(runs: dict[float, TurnGapRun], args: argparse.Namespace) -> None:
    from voices import word_accuracy

    from relay.settings import RelaySettings

    print()
    print("Turn gap: 'done' -> the first byte of the next question's audio, one candidate at a time,")
    print(f"whole interviews until at least {args.turns} turns for each delay from the last word to 'done';")
    print("answers on each question's skill in five voices (bench/voices.py).")
    print(f"Engines: Whisper {RelaySettings().whisper_model} (int8) and Piper en_US-joe-medium in the relay; the local")
    print(f"brain in the turn function (functions-framework, its own process); {os.cpu_count()} CPU cores.")
    rows: list[tuple[str, Callable[[Gap], float]]] = [
        ("gap (done -> first audio byte)", lambda g: g.total),
        ("  1. final transcript (done -> recogniser done)", lambda g: g.final_transcript),
        ("  2. turn function call (HTTP, grading, next question)", lambda g: g.turn_call),
        ("  3. TTS first chunk (Piper)", lambda g: g.tts_first_chunk),
        ("  4. the rest (relay, socket)", lambda g: g.rest),
    ]
    for think, run in runs.items():
        gaps = run.gaps
        print()
        print(f"'done' {think:.1f} s after the last word ({len(gaps)} turns)")
        print(f"{'':<56} {'p50 ms':>8} {'p95 ms':>8} {'mean ms':>8} {'max ms':>8}")
        for label, part in rows:
            values = [part(g) * 1000 for g in gaps]
            clean = [value for value in values if not math.isnan(value)]
            mean = statistics.fmean(clean) if clean else float("nan")
            top = max(clean) if clean else float("nan")
            print(
                f"{label:<56} {_percentile(values, 50):>8.0f} {_percentile(values, 95):>8.0f} {mean:>8.0f} {top:>8.0f}"
            )
        decoding = sum(1 for g in gaps if g.final_transcript > 0.05)
        print(f"the recogniser was still decoding at 'done' (part 1 > 50 ms) in {decoding} of {len(gaps)} turns")
        if run.failures:
            failed = ", ".join(f"{code}: {count}" for code, count in run.failures.items())
            print(f"answers refused by the relay (answered again, not in the figures): {failed}")
    heard = [h for run in runs.values() for h in run.heard]
    print()
    print(f"Word accuracy (1 - WER) of what the relay heard, {len(heard)} answers:")
    for voice in sorted({h.voice for h in heard}):
        mine = [h for h in heard if h.voice == voice]
        accuracy = word_accuracy([h.said for h in mine], [h.heard for h in mine])
        print(f"  {voice:<40} {accuracy:.3f}  ({len(mine)} answers)")
    overall = word_accuracy([h.said for h in heard], [h.heard for h in heard]) if heard else float("nan")
    print(f"  {'all voices':<40} {overall:.3f}")
    print()
    target = runs.get(TARGET_THINK)
    if target is None:
        print(f"Target (issue 20) is for 'done' {TARGET_THINK} s after the last word: not measured in this run.")
        return
    totals = [g.total * 1000 for g in target.gaps]
    p50, p95 = _percentile(totals, 50), _percentile(totals, 95)
    met = p50 <= TARGET_GAP_P50_MS and p95 <= TARGET_GAP_P95_MS and overall >= TARGET_WORD_ACCURACY
    print(
        f"Target (issue 20), 'done' {TARGET_THINK} s after the last word: p50 <= {TARGET_GAP_P50_MS:.0f} ms, "
        f"p95 <= {TARGET_GAP_P95_MS:.0f} ms, word accuracy >= {TARGET_WORD_ACCURACY}; measured p50 {p50:.0f} ms, "
        f"p95 {p95:.0f} ms, word accuracy {overall:.3f}: {'MET' if met else 'NOT MET'}."
    )


# ---------------------------------------------------------------------------------------------
# The command line
# ---------------------------------------------------------------------------------------------


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)
    load = commands.add_parser("capacity", help="concurrent audio streams into one relay process")
    load.add_argument("--streams", default="100,500,1000", help="levels of concurrent streams (default %(default)s)")
    load.add_argument("--seconds", type=float, default=20.0, help="streaming time per level (default %(default)s)")
    load.add_argument("--warmup", type=float, default=2.0, help="seconds of each level not in the latencies")
    load.add_argument("--drain", type=float, default=15.0, help="seconds to wait for late frames after a level")
    load.add_argument("--frame-ms", type=int, default=20, help="audio per frame, ms (default %(default)s)")
    load.add_argument("--batch", type=int, default=50, help="connections opened at once (default %(default)s)")
    load.add_argument("--relay-python", help="the interpreter of the relay process (another venv, to compare)")
    load.add_argument("--profile", action="store_true", help="sample the relay with py-spy during the last level")
    load.add_argument("--keep", action="store_true", help="keep the data folder (logs, profile) afterwards")
    gap_parser = commands.add_parser("turn-gap", help="'done' to the next question's first audio, offline engines")
    gap_parser.add_argument("--turns", type=int, default=20, help="gaps per delay (default %(default)s)")
    gap_parser.add_argument(
        "--think",
        type=lambda text: [float(value) for value in text.split(",")],
        default=[0.0, 0.3, 1.0],
        help="delays from the last word to 'done', seconds (default 0.0,0.3,1.0)",
    )
    gap_parser.add_argument("--lead", type=float, default=0.5, help="silence before the answer")
    gap_parser.add_argument("--keep", action="store_true", help="keep the data folder (the turn function's log)")
    words_parser = commands.add_parser("word-accuracy", help="every answer in every voice through the recogniser")
    words_parser.add_argument("--speed", type=float, default=3.0, help="times real time (default %(default)s)")
    relay_parser = commands.add_parser("_relay", help=argparse.SUPPRESS)  # capacity's relay process
    relay_parser.add_argument("port", type=int)
    relay_parser.add_argument("turn_url")
    args = parser.parse_args(argv)
    if args.command == "_relay":
        serve_relay(args.port, args.turn_url)
        return 0
    commands_run = {"capacity": capacity, "turn-gap": turn_gap, "word-accuracy": word_accuracy_set}
    with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
        return runner.run(commands_run[args.command](args))


if __name__ == "__main__":
    sys.exit(main())
