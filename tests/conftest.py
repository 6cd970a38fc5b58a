"""Shared fixtures: the local Google Cloud servers and a fresh platform per test."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import functions_framework
import pytest
from flask.testing import FlaskClient

from talentcrew.auth import new_signing_key
from tests import servers

FUNCTIONS = Path(__file__).resolve().parents[1] / "functions"
# The composite indexes Terraform creates: the Firestore adapter refuses queries that need another.
FIRESTORE_INDEXES = FUNCTIONS.parent / "terraform" / "firestore.indexes.json"


@pytest.fixture(scope="session")
def firestore_host() -> Iterator[str]:
    with servers.firestore_emulator() as host:
        yield host


@pytest.fixture(scope="session")
def gcs_url() -> Iterator[str]:
    with servers.gcs_emulator() as url:
        yield url


@pytest.fixture(scope="session")
def pubsub_host() -> Iterator[str]:
    with servers.pubsub_emulator() as host:
        yield host


@pytest.fixture
def project() -> str:
    """A Google Cloud project id of its own per test: the emulators keep data per project."""
    return f"test-{uuid.uuid4().hex[:12]}"


# One key of each purpose for the whole test run (as a deployment configures them; generating ES256 keys per
# test would cost more than the tests).
KEYS = {
    "TALENTCREW_ACCESS_TOKEN_KEY": new_signing_key(),
    "TALENTCREW_TICKET_KEY": new_signing_key(),
    "TALENTCREW_LINK_KEY": "test-link-key-" + "l" * 40,
}


def use_keys(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in KEYS.items():
        monkeypatch.setenv(name, value)


@pytest.fixture(params=["sqlite", "firestore"])
def api_client(
    request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[FlaskClient]:
    """The real `api` function through functions-framework's test client, over each Store adapter.

    Firestore runs on the local emulator (a project of its own per test), checked against Terraform's
    composite indexes; the other ports stay embedded. The platform is built on the first request, so
    a test may still set TALENTCREW_* variables (login limits, say) before it makes one.
    """
    monkeypatch.setenv("TALENTCREW_DATA_DIR", str(tmp_path))
    use_keys(monkeypatch)
    monkeypatch.setenv("TALENTCREW_LOG_FORMAT", "text")
    if request.param == "firestore":
        request.getfixturevalue("firestore_host")
        monkeypatch.setenv("TALENTCREW_STORE", "firestore")
        monkeypatch.setenv("TALENTCREW_GCP_PROJECT", request.getfixturevalue("project"))
        monkeypatch.setenv("TALENTCREW_FIRESTORE_INDEXES", str(FIRESTORE_INDEXES))
        # A Cloud adapter turns email verification on by default; the tests that check it turn it on themselves.
        monkeypatch.setenv("TALENTCREW_VERIFY_EMAIL", "false")
    yield from _fresh_api_client()


def _fresh_api_client() -> Iterator[FlaskClient]:
    import api.main
    import talentcrew.config

    def forget() -> None:  # everything built from the environment, but the (heavy, settings-free) brain
        talentcrew.config.platform.cache_clear()
        talentcrew.config.interviewer.cache_clear()
        api.main._app.cache_clear()

    forget()
    yield functions_framework.create_app("api", str(FUNCTIONS / "main.py")).test_client()
    forget()
