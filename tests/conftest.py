"""Shared fixtures: the local Google Cloud servers and a fresh platform per test."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest

from tests import servers


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
