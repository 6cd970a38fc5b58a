"""How the relay proves itself to the turn function on Google Cloud (TALENTCREW_TURN_AUTH=iam): google-auth
fetches an ID token for the turn URL from the metadata server, here a local stand-in of it, and the relay
keeps it until it is near expiry. google-auth reads the metadata address when it is imported, so each case
runs in a fresh interpreter."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import jwt
import pytest
from pydantic import ValidationError

from relay.settings import RelaySettings
from relay.turns import authorization
from talentcrew.auth import public_half
from talentcrew.config import Settings
from tests.conftest import FUNCTIONS
from tests.relay.fakes import TICKET_PUBLIC_KEY
from tests.servers import free_port

TURN_URL = "https://turn-123456789.europe-west1.run.app"
ACCOUNT = "/computeMetadata/v1/instance/service-accounts/default/"
IDENTITY = ACCOUNT + "identity"
RELAY_ACCOUNT = "talentcrew-relay@project.iam.gserviceaccount.com"
KEY = "the metadata stand-in signs with this key"  # google-auth reads the token, never checks it


class MetadataServer(ThreadingHTTPServer):
    lifetime_seconds = 3600
    minted: list[str]


class _Handler(BaseHTTPRequestHandler):
    server: MetadataServer

    def do_GET(self) -> None:
        url = urlsplit(self.path)
        if self.headers.get("Metadata-Flavor") != "Google":
            self._send(403, b"missing Metadata-Flavor")
        elif url.path == "/":
            self._send(200, b"")  # google-auth's ping: "am I on Google Cloud?"
        elif url.path == ACCOUNT:  # who the runtime is
            account = {"email": RELAY_ACCOUNT, "aliases": ["default"], "scopes": []}
            self._send(200, json.dumps(account).encode(), "application/json")
        elif url.path == IDENTITY:
            audience = parse_qs(url.query)["audience"][0]
            now = int(time.time())
            claims = {
                "aud": audience,
                "iat": now,
                "exp": now + self.server.lifetime_seconds,
                "jti": str(len(self.server.minted)),  # every token differs, even within a second
            }
            token = jwt.encode(claims, KEY, algorithm="HS256")
            self.server.minted.append(token)
            self._send(200, token.encode())
        else:
            self._send(404, b"")

    def _send(self, status: int, body: bytes, content_type: str = "text/plain") -> None:
        self.send_response(status)
        self.send_header("Metadata-Flavor", "Google")
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *_: object) -> None:
        pass


@pytest.fixture
def metadata() -> Iterator[MetadataServer]:
    server = MetadataServer(("127.0.0.1", free_port()), _Handler)
    server.minted = []
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server
    server.shutdown()


def _relay_headers(metadata: MetadataServer, calls: int) -> list[str]:
    """The Authorization values a relay configured for IAM sends on `calls` turns."""
    host = f"127.0.0.1:{metadata.server_address[1]}"
    env = {
        key: value for key, value in os.environ.items() if key not in ("GOOGLE_APPLICATION_CREDENTIALS", "NO_GCE_CHECK")
    }
    env |= {
        "GCE_METADATA_HOST": host,
        "GCE_METADATA_IP": host,
        "TALENTCREW_TURN_AUTH": "iam",
        "TALENTCREW_TURN_URL": TURN_URL,
        "TALENTCREW_TICKET_PUBLIC_KEY": TICKET_PUBLIC_KEY,
        "PYTHONPATH": os.pathsep.join([str(FUNCTIONS), str(FUNCTIONS.parent / "realtime-relay")]),
    }
    probe = (
        "import json; from relay.turns import authorization; from relay.settings import RelaySettings; "
        f"header = authorization(RelaySettings()); print(json.dumps([header() for _ in range({calls})]))"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], env=env, capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 0, done.stderr
    headers: list[str] = json.loads(done.stdout)
    return headers


def test_the_relay_sends_an_id_token_for_the_turn_url_and_reuses_it(metadata: MetadataServer) -> None:
    headers = _relay_headers(metadata, calls=3)
    assert len(metadata.minted) == 1
    assert headers == [f"Bearer {metadata.minted[0]}"] * 3
    claims = jwt.decode(metadata.minted[0], KEY, algorithms=["HS256"], audience=TURN_URL)
    assert claims["aud"] == TURN_URL


def test_a_token_near_its_expiry_is_renewed_before_it_is_sent(metadata: MetadataServer) -> None:
    metadata.lifetime_seconds = 60  # inside google-auth's refresh margin: never sent as it is
    headers = _relay_headers(metadata, calls=2)
    assert len(metadata.minted) == 2  # a fresh one for each call
    assert headers == [f"Bearer {token}" for token in metadata.minted]


def test_locally_the_relay_reads_the_platforms_secret_and_ticket_key(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No key configured: the relay and the platform read the same files in DATA_DIR/keys, whoever made them."""
    monkeypatch.setenv("TALENTCREW_DATA_DIR", str(tmp_path))
    relay = RelaySettings()
    assert authorization(relay)() == f"Bearer {(tmp_path / 'keys' / 'turn_secret').read_text()}"
    platform = Settings()
    assert relay.turn_bearer() == platform.turn_bearer()
    assert relay.turn_base_url == platform.turn_base_url == "http://127.0.0.1:8081"
    assert relay.ticket_public_pem() == public_half(platform.ticket_private_key())


def test_on_google_cloud_the_relay_needs_the_tickets_public_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TALENTCREW_TURN_AUTH", "iam")
    with pytest.raises(ValidationError, match="TALENTCREW_TICKET_PUBLIC_KEY is required"):
        RelaySettings()
    monkeypatch.setenv("TALENTCREW_TICKET_PUBLIC_KEY", TICKET_PUBLIC_KEY)
    assert RelaySettings().ticket_public_pem() == TICKET_PUBLIC_KEY
