"""The README's run command: the local platform starts, answers, keeps its data, stops on Ctrl-C."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from tests.servers import free_port

ROOT = Path(__file__).resolve().parents[2]


def _start(data_dir: Path, port: int) -> subprocess.Popen[str]:
    env = {**os.environ, "TALENTCREW_PORT": str(port), "TALENTCREW_DATA_DIR": str(data_dir)}
    return subprocess.Popen(
        [sys.executable, str(ROOT / "infra" / "run.py")],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def _read_until_ready(process: subprocess.Popen[str], timeout: float = 90) -> list[str]:
    assert process.stdout is not None
    lines: list[str] = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line:
            break
        lines.append(line)
        if "ready:" in line:
            return lines
    raise AssertionError("platform never said it was ready:\n" + "".join(lines))


def _health(port: int) -> dict[str, object]:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/health", timeout=5) as response:
        body: dict[str, object] = json.load(response)
        return body


def test_run_command_serves_health_persists_data_and_stops_cleanly(tmp_path: Path) -> None:
    port = free_port()
    platform = _start(tmp_path, port)
    try:
        output = "".join(_read_until_ready(platform))
        assert f"http://127.0.0.1:{port}/api/" in output
        assert "adapters: {'store': 'sqlite', 'blobs': 'local', 'events': 'outbox'}" in output
        assert _health(port)["adapters"] == {"store": "sqlite", "blobs": "local", "events": "outbox"}
        secret = (tmp_path / "secret.key").read_bytes()
        assert (tmp_path / "talentcrew.db").exists()
    finally:
        platform.send_signal(signal.SIGINT)
        rest, _ = platform.communicate(timeout=30)
    assert platform.returncode == 0, rest
    assert "stopped" in rest

    again = _start(tmp_path, port)  # a restart keeps the same data folder and key
    try:
        _read_until_ready(again)
        assert _health(port)["status"] == "ok"
        assert (tmp_path / "secret.key").read_bytes() == secret
    finally:
        again.send_signal(signal.SIGINT)
        again.communicate(timeout=30)
    assert again.returncode == 0


def _walkthrough() -> str:
    readme = (ROOT / "README.md").read_text()
    match = re.search(r"<!-- walkthrough:start -->\n```sh\n(.*?)```\n<!-- walkthrough:end -->", readme, re.S)
    assert match, "README.md lost its curl walk-through"
    return match.group(1)


def test_readme_walkthrough_works_against_the_local_platform(tmp_path: Path) -> None:
    port = free_port()
    platform = _start(tmp_path, port)
    try:
        _read_until_ready(platform)
        result = subprocess.run(
            ["bash", "-euo", "pipefail", "-c", _walkthrough()],
            env={**os.environ, "API": f"http://127.0.0.1:{port}/api"},
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
    finally:
        platform.send_signal(signal.SIGINT)
        platform.communicate(timeout=30)
    assert result.returncode == 0, result.stderr
    invite_url = result.stdout.strip().splitlines()[-1]
    assert re.fullmatch(rf"http://127\.0\.0\.1:{port}/interview/[A-Za-z0-9_-]{{43}}", invite_url), result.stdout
