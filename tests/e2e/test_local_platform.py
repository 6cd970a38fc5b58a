"""The README's run command: the local platform starts, answers, keeps its data, stops on Ctrl-C."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import urllib.request
from pathlib import Path

from tests.e2e.local_platform import ROOT, read_until_ready, start_platform
from tests.servers import free_ports


def _health(port: int) -> dict[str, object]:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/health", timeout=5) as response:
        body: dict[str, object] = json.load(response)
        return body


def test_run_command_serves_health_persists_data_and_stops_cleanly(tmp_path: Path) -> None:
    port = free_ports(4)
    platform = start_platform(tmp_path, port)
    try:
        output = "".join(read_until_ready(platform))
        assert f"open http://127.0.0.1:{port + 3}/ in a browser" in output
        assert f"http://127.0.0.1:{port}/api/" in output
        assert "adapters: {'store': 'sqlite', 'blobs': 'local', 'events': 'outbox', 'mail': 'local'}" in output
        assert _health(port)["adapters"] == {"store": "sqlite", "blobs": "local", "events": "outbox", "mail": "local"}
        keys = {path.name: path.read_bytes() for path in (tmp_path / "keys").iterdir()}
        assert {"access_token_key", "ticket_key", "link_key", "turn_secret"} <= set(keys)
        assert (tmp_path / "talentcrew.db").exists()
    finally:
        platform.send_signal(signal.SIGINT)
        rest, _ = platform.communicate(timeout=30)
    assert platform.returncode == 0, rest
    assert "stopped" in rest

    again = start_platform(tmp_path, port)  # a restart keeps the same data folder and keys
    try:
        read_until_ready(again)
        assert _health(port)["status"] == "ok"
        assert {path.name: path.read_bytes() for path in (tmp_path / "keys").iterdir()} == keys
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
    port = free_ports(4)
    platform = start_platform(tmp_path, port)
    try:
        read_until_ready(platform)
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
    # The invite link opens the web app, which the platform serves on the port after the relay.
    assert re.fullmatch(rf"http://127\.0\.0\.1:{port + 3}/interview#t=[A-Za-z0-9_-]{{43}}", invite_url), result.stdout
