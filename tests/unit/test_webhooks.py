"""Where webhooks may go, and how they are sent: public https destinations only, checked again against the
address actually connected to; no redirects followed, no body read. Real sockets on this machine."""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import logging
import socket
import ssl
import threading
import time
from collections.abc import Iterator
from ipaddress import IPv4Address, ip_address
from pathlib import Path

import pytest

from talentcrew import webhooks
from talentcrew.models import ExperienceLevel, InterviewSession, Job, Rubric
from tests.certificates import self_signed
from tests.servers import free_port

SECRET = "s" * 43
RUBRIC = Rubric(
    languages=["Python"], core_skills=["APIs"], experience_level=ExperienceLevel.SENIOR, evaluation_focus=["Depth"]
)


@pytest.mark.parametrize(
    "address",
    [
        "10.0.0.5",
        "172.16.0.1",
        "192.168.1.10",
        "127.0.0.1",
        "169.254.169.254",
        "100.64.0.1",  # CGNAT
        "0.0.0.0",
        "224.0.0.1",  # multicast
        "240.0.0.1",  # reserved
        "255.255.255.255",
        "192.0.2.1",  # documentation
        "::1",
        "::",
        "fe80::1",
        "fc00::1",
        "fec0::1",  # site-local
        "ff0e::1",  # global-scope multicast
        "::ffff:127.0.0.1",  # IPv4-mapped
        "::ffff:10.0.0.5",
        "::127.0.0.1",  # IPv4-compatible
        "2002:7f00:1::1",  # 6to4 of 127.0.0.1
        "2002:a9fe:a9fe::1",  # 6to4 of 169.254.169.254
        "64:ff9b::a00:5",  # NAT64 of 10.0.0.5
        "2001:0:4136:e378:8000:63bf:3fff:fdd2",  # Teredo
    ],
)
def test_addresses_inside_a_network_are_not_public(address: str) -> None:
    assert not webhooks.is_public(ip_address(address))


@pytest.mark.parametrize(
    "address", ["93.184.215.14", "8.8.8.8", "2606:4700:4700::1111", "::ffff:93.184.215.14", "2002:5db8:d70e::1"]
)
def test_internet_addresses_are_public(address: str) -> None:
    assert webhooks.is_public(ip_address(address))


def test_a_private_destination_is_allowed_only_when_the_operator_says_so() -> None:
    with pytest.raises(webhooks.Refused, match="not a public internet address"):
        webhooks.check_destination("https://localhost/hook", allow_private=False)
    with pytest.raises(webhooks.Refused, match="https"):
        webhooks.check_destination("http://93.184.215.14/hook", allow_private=False)
    webhooks.check_destination("http://localhost/hook", allow_private=True)
    webhooks.check_destination("https://93.184.215.14/hook", allow_private=False)  # a literal: no DNS asked


def _job(url: str) -> Job:
    return Job(
        owner_id="owner-1", title="Backend Engineer", rubric_template=RUBRIC, webhook_url=url, webhook_secret=SECRET
    )


def _session(job: Job) -> InterviewSession:
    return InterviewSession(
        job_id=job.id,
        owner_id=job.owner_id,
        candidate_name="Casey",
        candidate_email="casey@example.com",
        max_questions=6,
    )


def _notify(url: str, allow_private: bool) -> None:
    job = _job(url)
    webhooks.notify(_session(job), job, "https://talentcrew.example.com", "delivery-1", allow_private=allow_private)


class _Listener:
    """A TCP server that answers with `answer` (bytes, or a callable writing to the socket) and keeps what each
    connection sent before it closed."""

    def __init__(self, answer: bytes = b"HTTP/1.1 204 No Content\r\nContent-Length: 0\r\n\r\n") -> None:
        self.answer = answer
        self.received: list[bytes] = []
        self.stop = threading.Event()
        self._server = socket.create_server(("127.0.0.1", 0))
        self._server.settimeout(0.2)
        self.port = self._server.getsockname()[1]
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while not self.stop.is_set():
            try:
                conn, _ = self._server.accept()
            except TimeoutError:
                continue
            with conn:
                self.received.append(self._request(conn))
                if self.received[-1]:
                    self._reply(conn)

    def _request(self, conn: socket.socket) -> bytes:
        conn.settimeout(2)
        data = b""
        try:
            while not self._complete(data):
                chunk = conn.recv(65536)
                if not chunk:
                    break
                data += chunk
        except (TimeoutError, ConnectionError):
            pass
        return data

    @staticmethod
    def _complete(data: bytes) -> bool:
        head, found, body = data.partition(b"\r\n\r\n")
        lengths = [
            line.split(b":", 1)[1] for line in head.split(b"\r\n") if line.lower().startswith(b"content-length:")
        ]
        return bool(found) and len(body) >= int(lengths[0]) if lengths else bool(found)

    def _reply(self, conn: socket.socket) -> None:
        with contextlib.suppress(OSError):
            conn.sendall(self.answer)

    def close(self) -> None:
        self.stop.set()
        self._thread.join(5)
        self._server.close()


class _EndlessBody(_Listener):
    """Answers 200 with a body that never ends (64 KiB every 10 ms, until the client goes or the test ends)."""

    def _reply(self, conn: socket.socket) -> None:
        try:
            conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 100000000000\r\n\r\n")
            while not self.stop.is_set():
                conn.sendall(b"x" * 65536)
                time.sleep(0.01)
        except OSError:
            pass  # the sender hung up: what it should do


@pytest.fixture
def listener() -> Iterator[_Listener]:
    server = _Listener()
    yield server
    server.close()


def test_a_name_for_this_machine_gets_nothing(listener: _Listener, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="talentcrew.webhooks"):
        _notify(f"https://localhost:{listener.port}/hook", allow_private=False)  # final: it does not raise
    assert listener.received == []
    assert "not a public internet address" in caplog.text


def test_a_name_that_turns_private_after_the_check_gets_no_request(
    listener: _Listener, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """DNS rebinding: public when checked, this machine when connected to. The connection is closed before TLS
    begins: not one byte reaches the receiver."""
    monkeypatch.setattr(webhooks, "resolve", lambda host, port: [IPv4Address("93.184.215.14")])
    with caplog.at_level(logging.WARNING, logger="talentcrew.webhooks"):
        _notify(f"https://localhost:{listener.port}/hook", allow_private=False)  # final: it does not raise
    assert listener.received in ([], [b""])  # connected (perhaps), then hung up on before a byte was sent
    assert "now resolves to 127.0.0.1" in caplog.text


def test_a_host_that_does_not_resolve_is_tried_again_later() -> None:
    with pytest.raises(webhooks.WebhookFailed):
        _notify("https://no-such-host.invalid/hook", allow_private=False)


def test_the_receivers_body_is_never_read() -> None:
    receiver = _EndlessBody()
    sender = threading.Thread(target=_notify, args=(f"http://127.0.0.1:{receiver.port}/hook", True), daemon=True)
    try:
        started = time.monotonic()
        sender.start()
        sender.join(5)
        assert not sender.is_alive(), "the sender is still reading the receiver's endless body"
        assert time.monotonic() - started < 5
    finally:
        receiver.close()
    assert len(receiver.received) == 1


def test_a_redirect_is_not_followed() -> None:
    elsewhere = _Listener()
    redirect = (
        f"HTTP/1.1 307 Temporary Redirect\r\nLocation: http://127.0.0.1:{elsewhere.port}/\r\nContent-Length: 0\r\n\r\n"
    )
    receiver = _Listener(redirect.encode())
    try:
        _notify(f"http://127.0.0.1:{receiver.port}/hook", allow_private=True)  # a 3xx is final
    finally:
        receiver.close()
        elsewhere.close()
    assert len(receiver.received) == 1 and elsewhere.received == []


def test_with_private_destinations_allowed_a_local_receiver_gets_the_signed_notice(listener: _Listener) -> None:
    _notify(f"http://127.0.0.1:{listener.port}/hook", allow_private=True)
    (request,) = listener.received
    head, _, body = request.partition(b"\r\n\r\n")
    signature = next(line for line in head.decode().split("\r\n") if line.lower().startswith("x-talentcrew-signature"))
    parts = dict(part.split("=", 1) for part in signature.split(": ", 1)[1].split(","))
    expected = hmac.new(SECRET.encode(), f"{parts['t']}.".encode() + body, hashlib.sha256).hexdigest()
    assert hmac.compare_digest(parts["v1"], expected)


def test_a_proxy_from_the_environment_is_not_used(listener: _Listener, monkeypatch: pytest.MonkeyPatch) -> None:
    """The checked peer is the receiver itself (and no .netrc password goes to a recruiter's host)."""
    proxy = _Listener()
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY"):
        monkeypatch.setenv(name, f"http://127.0.0.1:{proxy.port}")
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    try:
        _notify(f"http://127.0.0.1:{listener.port}/hook", allow_private=True)
    finally:
        proxy.close()
    assert len(listener.received) == 1 and proxy.received == []


def test_a_public_peer_still_has_its_certificate_checked(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The peer check comes before TLS and changes nothing of it: an untrusted certificate is refused."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(*self_signed(tmp_path))
    port = free_port()
    handshakes: list[str] = []

    def serve(server: socket.socket) -> None:
        conn, _ = server.accept()
        try:
            with context.wrap_socket(conn, server_side=True):
                handshakes.append("done")
        except (ssl.SSLError, OSError) as error:
            handshakes.append(type(error).__name__)

    server = socket.create_server(("127.0.0.1", port))
    thread = threading.Thread(target=serve, args=(server,), daemon=True)
    thread.start()
    monkeypatch.setattr(webhooks, "is_public", lambda address: True)  # as if this machine were on the internet
    try:
        with pytest.raises(webhooks.WebhookFailed, match="SSLError"):
            _notify(f"https://localhost:{port}/hook", allow_private=False)
        thread.join(5)
    finally:
        server.close()
    assert handshakes and handshakes != ["done"]
