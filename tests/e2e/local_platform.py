"""The local platform as `make dev` starts it (infra/run.py), on free ports with its own data folder."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from tests.servers import free_ports

ROOT = Path(__file__).resolve().parents[2]


@dataclass
class LocalPlatform:
    """The platform as `make dev` starts it, on four free ports, with its own data folder."""

    port: int
    process: subprocess.Popen[str]
    data_dir: Path
    output: list[str] = field(default_factory=list)

    @property
    def web(self) -> str:
        return f"http://127.0.0.1:{self.port + 3}"

    @property
    def api(self) -> str:
        return f"http://127.0.0.1:{self.port}/api"

    def command(self, *arguments: str) -> str:
        """`python -m talentcrew ...` against this platform's data, as a developer runs it beside `make dev`."""
        env = {**os.environ, "TALENTCREW_PORT": str(self.port), "TALENTCREW_DATA_DIR": str(self.data_dir)}
        env["PYTHONPATH"] = str(ROOT / "functions")
        done = subprocess.run(
            [sys.executable, "-m", "talentcrew", *arguments], env=env, capture_output=True, text=True, check=True
        )
        return done.stdout


def start_platform(data_dir: Path, port: int, **settings: str) -> subprocess.Popen[str]:
    env = {**os.environ, "TALENTCREW_PORT": str(port), "TALENTCREW_DATA_DIR": str(data_dir), **settings}
    return subprocess.Popen(
        [sys.executable, str(ROOT / "infra" / "run.py")],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def read_until_ready(process: subprocess.Popen[str], timeout: float = 120) -> list[str]:
    assert process.stdout is not None
    lines: list[str] = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line:
            break
        lines.append(line)
        if "press Ctrl-C to stop" in line:  # after "ready" and the addresses
            return lines
    raise AssertionError("platform never said it was ready:\n" + "".join(lines))


@contextmanager
def local_platform(data_dir: Path, **settings: str) -> Iterator[LocalPlatform]:
    port = free_ports(4)
    process = start_platform(data_dir, port, **settings)
    try:
        yield LocalPlatform(port, process, data_dir, read_until_ready(process))
    finally:
        process.send_signal(signal.SIGINT)
        process.communicate(timeout=30)


def emailed_link(platform: LocalPlatform, page: str) -> str:
    """The newest link to the web app's `page` in the local mailbox."""
    links = re.findall(rf"^\s+(\S+/{page}#t=\S+)$", platform.command("mail"), flags=re.MULTILINE)
    assert links, f"no /{page} link in the mailbox"
    return str(links[0])
