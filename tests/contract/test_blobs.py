"""The Blobs contract, run against a local folder and Cloud Storage (fake-gcs-server)."""

from __future__ import annotations

import stat
import threading
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from urllib.parse import parse_qs, quote, urlencode, urlsplit

import pytest
import requests
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from google.auth.credentials import AnonymousCredentials
from google.cloud.storage import Client as StorageClient
from google.oauth2 import service_account
from werkzeug.serving import make_server

from api.app import create_app
from talentcrew.adapters.gcs_blobs import GcsBlobs
from talentcrew.adapters.local_blobs import LocalBlobs
from talentcrew.config import Platform, Settings, build
from talentcrew.errors import NotFound
from talentcrew.ports import Blobs
from tests import servers

PDF = b"%PDF-1.7\n" + bytes(range(256)) * 40


def _signer(project: str) -> service_account.Credentials:
    """A throwaway service-account key, standing in for IAM signBlob (which needs Google Cloud)."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    info = {
        "type": "service_account",
        "client_email": f"functions@{project}.iam.gserviceaccount.com",
        "private_key": pem,
        "token_uri": "https://oauth2.invalid/token",
        "project_id": project,
    }
    signer: service_account.Credentials = service_account.Credentials.from_service_account_info(info)
    return signer


@pytest.fixture(scope="module")
def local_platform(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Platform]:
    """The api served for real on a loopback port, so local signed links are fetched over HTTP."""
    port = servers.free_port()
    platform = build(Settings(data_dir=tmp_path_factory.mktemp("platform"), port=port))
    server = make_server("127.0.0.1", port, create_app(platform), threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield platform
    server.shutdown()


@pytest.fixture(params=["local", "gcs"])
def blobs(request: pytest.FixtureRequest) -> Blobs:
    if request.param == "local":
        platform: Platform = request.getfixturevalue("local_platform")
        return platform.blobs
    request.getfixturevalue("gcs_url")
    project = request.getfixturevalue("project")
    StorageClient(project=project, credentials=AnonymousCredentials()).create_bucket(f"{project}-reports")
    return GcsBlobs(f"{project}-reports", project, signer=_signer(project))


def test_upload_then_download_returns_the_same_bytes(blobs: Blobs) -> None:
    blobs.put("scorecards/s-1/card.pdf", PDF, "application/pdf")
    assert blobs.get("scorecards/s-1/card.pdf") == PDF


def test_upload_replaces_an_object(blobs: Blobs) -> None:
    blobs.put("scorecards/s-2/card.pdf", b"first", "application/pdf")
    blobs.put("scorecards/s-2/card.pdf", PDF, "application/pdf")
    assert blobs.get("scorecards/s-2/card.pdf") == PDF


def test_delete_erases_the_object_and_is_idempotent(blobs: Blobs) -> None:
    blobs.put("scorecards/s-9/card.pdf", PDF, "application/pdf")
    blobs.delete("scorecards/s-9/card.pdf")
    blobs.delete("scorecards/s-9/card.pdf")
    with pytest.raises(NotFound):
        blobs.get("scorecards/s-9/card.pdf")


def test_download_of_a_missing_object_raises_not_found(blobs: Blobs) -> None:
    with pytest.raises(NotFound):
        blobs.get("scorecards/none/card.pdf")


@pytest.mark.parametrize("name", ["../secret.key", "/etc/passwd", "a//b", "a/../../b", ""])
def test_object_names_cannot_escape(blobs: Blobs, name: str) -> None:
    with pytest.raises(ValueError):
        blobs.put(name, b"x", "text/plain")


def test_signed_link_downloads_the_object_before_expiry(blobs: Blobs) -> None:
    blobs.put("scorecards/s-3/card.pdf", PDF, "application/pdf")
    url = blobs.signed_url("scorecards/s-3/card.pdf", timedelta(minutes=15), "Scorecard Jane Doe.pdf")
    response = requests.get(url, timeout=10)
    assert response.status_code == 200
    assert response.content == PDF


def test_signed_link_carries_the_requested_lifetime(blobs: Blobs) -> None:
    blobs.put("scorecards/s-4/card.pdf", PDF, "application/pdf")
    before = time.time()
    query = parse_qs(urlsplit(blobs.signed_url("scorecards/s-4/card.pdf", timedelta(minutes=15), "c.pdf")).query)
    if "X-Goog-Expires" in query:  # Cloud Storage V4: lifetime in seconds, signed
        assert query["X-Goog-Expires"] == ["900"]
        assert query["X-Goog-Algorithm"] == ["GOOG4-RSA-SHA256"]
    else:  # local: absolute expiry in Unix seconds
        assert before + 899 <= int(query["expires"][0]) <= time.time() + 900


# Refusal is the embedded adapter's own job: fake-gcs-server does not check V4 signatures, and
# on Google Cloud the storage service itself refuses altered or expired links.


def test_local_link_is_refused_after_expiry(local_platform: Platform) -> None:
    blobs = local_platform.blobs
    blobs.put("scorecards/s-5/card.pdf", PDF, "application/pdf")
    url = blobs.signed_url("scorecards/s-5/card.pdf", timedelta(seconds=1), "card.pdf")
    assert requests.get(url, timeout=10).status_code == 200
    time.sleep(1.1)
    refused = requests.get(url, timeout=10)
    assert refused.status_code == 403
    assert refused.headers["Content-Type"] == "application/problem+json"
    assert "expired" in refused.json()["detail"]


@pytest.mark.parametrize("field", ["expires", "filename", "signature"])
def test_local_link_is_refused_when_altered(local_platform: Platform, field: str) -> None:
    blobs = local_platform.blobs
    blobs.put("scorecards/s-6/card.pdf", PDF, "application/pdf")
    url = blobs.signed_url("scorecards/s-6/card.pdf", timedelta(minutes=5), "card.pdf")
    parts = urlsplit(url)
    query = {key: values[0] for key, values in parse_qs(parts.query).items()}
    query[field] = {"expires": str(int(query["expires"]) + 3600), "filename": "other.pdf", "signature": "0" * 64}[field]
    altered = requests.get(f"{parts.scheme}://{parts.netloc}{parts.path}", params=query, timeout=10)
    assert altered.status_code == 403


def test_local_link_to_another_object_is_refused(local_platform: Platform) -> None:
    blobs = local_platform.blobs
    blobs.put("scorecards/s-7/card.pdf", PDF, "application/pdf")
    blobs.put("scorecards/s-8/card.pdf", b"someone else", "application/pdf")
    url = blobs.signed_url("scorecards/s-7/card.pdf", timedelta(minutes=5), "card.pdf")
    assert requests.get(url.replace("s-7", "s-8"), timeout=10).status_code == 403


def _altered(url: str, **fields: str | bytes) -> requests.Response:
    """The link with some of its query fields replaced by any text or bytes (percent-encoded, as sent)."""
    parts = urlsplit(url)
    query: dict[str, str | bytes] = {key: values[0] for key, values in parse_qs(parts.query).items()}
    return requests.get(f"{parts.scheme}://{parts.netloc}{parts.path}?{urlencode(query | fields)}", timeout=10)


@pytest.mark.parametrize(
    "fields",
    [
        {"signature": "é" * 64},  # hmac.compare_digest cannot compare non-ASCII text: it raised, a 500
        {"signature": "\uff41" * 64},  # fullwidth a
        {"signature": "0" * 63 + "\n"},
        {"expires": "٩" * 10},  # Arabic-Indic digits, which int() reads
        {"expires": "9" * 5000},
        {"expires": "-1"},
        {"expires": " 99999999999"},
        {"signature": b"\xff" * 64},  # not UTF-8 at all
        {"filename": b"card\xed\xa0\x80.pdf"},  # a surrogate, encoded
        {"filename": "card.pdf\r\nSet-Cookie: x=1"},
        {"filename": "card.pdf\n"},
    ],
    ids=repr,
)
def test_local_link_with_odd_fields_is_refused_with_a_problem(
    local_platform: Platform, fields: dict[str, str | bytes]
) -> None:
    blobs = local_platform.blobs
    blobs.put("scorecards/s-10/card.pdf", PDF, "application/pdf")
    refused = _altered(blobs.signed_url("scorecards/s-10/card.pdf", timedelta(minutes=5), "card.pdf"), **fields)
    assert refused.status_code == 403
    assert refused.headers["Content-Type"] == "application/problem+json"
    assert refused.json()["type"].endswith("/link-refused")


def test_local_link_names_the_download_in_any_script(local_platform: Platform) -> None:
    """A candidate's name need not be Latin: the header carries it as RFC 6266 says (it broke the response)."""
    blobs = local_platform.blobs
    blobs.put("scorecards/s-11/card.pdf", PDF, "application/pdf")
    name = "Interview_Scorecard_李小龙 José.pdf"
    response = requests.get(blobs.signed_url("scorecards/s-11/card.pdf", timedelta(minutes=5), name), timeout=10)
    assert response.status_code == 200 and response.content == PDF
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert f"filename*=UTF-8''{quote(name)}" in disposition
    assert response.headers["Cache-Control"] == "private, no-store"


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_local_blobs_are_the_owners_alone(tmp_path: Path) -> None:
    root = tmp_path / "blobs"
    blobs = LocalBlobs(root, b"k" * 32, "http://127.0.0.1")
    blobs.put("scorecards/s-12.pdf", PDF, "application/pdf")
    assert (_mode(root), _mode(root / "scorecards"), _mode(root / "scorecards" / "s-12.pdf")) == (0o700, 0o700, 0o600)

    root.chmod(0o755)  # as an earlier version left it
    LocalBlobs(root, b"k" * 32, "http://127.0.0.1")
    assert _mode(root) == 0o700
