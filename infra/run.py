"""Starts every process of the local platform, prints where to open it, stops them on Ctrl-C.

Each process is the same code Google Cloud runs, served by its embedded adapters: the `api`
function (on PORT) and the `turn` function (on PORT + 1) under functions-framework, the relay
(on PORT + 2, uvicorn), the outbox worker that stands in for Pub/Sub, and the web app's
files (on PORT + 3) that stand in for its static hosting.
If one process dies, the others are stopped too, so a broken platform never looks half alive.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FUNCTIONS = ROOT / "functions"
RELAY = ROOT / "realtime-relay"


def _environment() -> dict[str, str]:
    env = dict(os.environ)
    env.setdefault("TALENTCREW_DATA_DIR", str(ROOT / ".talentcrew"))
    env.setdefault("TALENTCREW_LOG_FORMAT", "text")
    port = int(env.get("TALENTCREW_PORT", "8080"))
    env.setdefault("TALENTCREW_CORS_ORIGINS", f"http://127.0.0.1:{port + 3}")  # the web app calls the api
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(FUNCTIONS), str(RELAY), env.get("PYTHONPATH")]))
    env["PYTHONUNBUFFERED"] = "1"
    return env


def _processes(port: int) -> dict[str, list[str]]:
    return {
        "api": [
            sys.executable, "-m", "functions_framework",
            "--source", str(FUNCTIONS / "main.py"), "--target", "api",
            "--host", "127.0.0.1", "--port", str(port),
        ],
        "turn": [
            sys.executable, "-m", "functions_framework",
            "--source", str(FUNCTIONS / "main.py"), "--target", "turn",
            "--host", "127.0.0.1", "--port", str(port + 1),
        ],
        "relay": [
            sys.executable, "-m", "uvicorn", "--factory", "relay.app:app",
            "--host", "127.0.0.1", "--port", str(port + 2), "--ws", "websockets-sansio",
            "--ws-max-size", "1048576", "--timeout-graceful-shutdown", "8",
            "--no-access-log",  # its lines would carry the candidate's ticket from the URL
        ],
        "outbox-worker": [sys.executable, str(ROOT / "infra" / "outbox_worker.py")],
        "web": [sys.executable, str(ROOT / "infra" / "web_server.py")],
    }  # fmt: skip


def _wait_healthy(url: str, children: dict[str, subprocess.Popen[bytes]], timeout: float = 60) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if any(child.poll() is not None for child in children.values()):
            return False
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return True
        except OSError:
            pass
        time.sleep(0.2)
    return False


def _stop(children: dict[str, subprocess.Popen[bytes]]) -> None:
    for child in children.values():
        if child.poll() is None:
            child.terminate()
    for name, child in children.items():
        try:
            child.wait(timeout=10)
        except subprocess.TimeoutExpired:
            print(f"[talentcrew] {name} did not stop in 10 s; killing it", flush=True)
            child.kill()


def main() -> int:
    env = _environment()
    port = int(env.get("TALENTCREW_PORT", "8080"))
    base = f"http://127.0.0.1:{port}"
    stopping = False

    def request_stop(signum: int, _frame: object) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, request_stop)
    signal.signal(signal.SIGTERM, request_stop)
    print(f"[talentcrew] data in {env['TALENTCREW_DATA_DIR']}; starting processes...", flush=True)
    children = {
        name: subprocess.Popen(command, cwd=ROOT, env=env, start_new_session=True)
        for name, command in _processes(port).items()
    }
    relay = f"http://127.0.0.1:{port + 2}"
    # The relay loads its speech models before it listens: "ready" waits for it too.
    web = f"http://127.0.0.1:{port + 3}"
    ready = (f"{base}/api/health", f"{relay}/healthz", f"{web}/config.json")
    if not all(_wait_healthy(url, children) for url in ready):
        print(f"[talentcrew] the platform did not come up on ports {port}-{port + 3} (are they free?)", flush=True)
        _stop(children)
        return 1
    print(
        f"\n[talentcrew] ready: open {web}/ in a browser (recruiters sign up there; invite links open there too)"
        f"\n[talentcrew]        API at {base}/api/  (health {base}/api/health, OpenAPI {base}/api/openapi.json)"
        f"\n[talentcrew]        interview relay at ws://127.0.0.1:{port + 2}/ws/interview/{{session_id}}",
        flush=True,
    )
    if env.get("TALENTCREW_MAIL", "local") == "local":  # the dev mailbox: the links a recruiter needs
        mailbox = Path(env["TALENTCREW_DATA_DIR"]) / "mail"
        print(
            f"[talentcrew]        emails (sign-up and password reset links) at {base}/api/dev/mail"
            f"\n[talentcrew]        or `PYTHONPATH=functions python -m talentcrew mail` (files in {mailbox})",
            flush=True,
        )
    print("[talentcrew] press Ctrl-C to stop\n", flush=True)
    while not stopping:
        dead = [name for name, child in children.items() if child.poll() is not None]
        if dead:
            print(f"[talentcrew] {', '.join(dead)} exited; stopping the platform", flush=True)
            _stop(children)
            return 1
        time.sleep(0.5)
    print("\n[talentcrew] stopping...", flush=True)
    _stop(children)
    print("[talentcrew] stopped", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
