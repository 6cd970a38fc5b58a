"""Unit tests for settings validation, adapter selection and the local signing secret."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest
from pydantic import ValidationError

from talentcrew.config import Settings, build


def make(data_dir: Path) -> Settings:
    """Settings over `data_dir`, the rest from the environment."""
    return Settings(data_dir=data_dir)


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(os.environ):
        if name.startswith("TALENTCREW_"):
            monkeypatch.delenv(name)
    monkeypatch.delenv("GOOGLE_CLOUD_PROJECT", raising=False)


def test_defaults_pick_embedded_adapters(tmp_path: Path) -> None:
    settings = make(tmp_path)
    assert (settings.store, settings.blobs, settings.events) == ("sqlite", "local", "outbox")
    assert build(settings).adapters() == {"store": "sqlite", "blobs": "local", "events": "outbox"}
    assert (tmp_path / "talentcrew.db").exists()


@pytest.mark.parametrize("field, value", [("store", "firestore"), ("blobs", "gcs"), ("events", "pubsub")])
def test_cloud_adapter_without_project_raises(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, field: str, value: str
) -> None:
    monkeypatch.setenv(f"TALENTCREW_{field.upper()}", value)
    monkeypatch.setenv("TALENTCREW_BUCKET", "scorecards")
    with pytest.raises(ValidationError, match="TALENTCREW_GCP_PROJECT is required"):
        make(tmp_path)


CLOUD_SECRET = "k" * 40


def test_gcs_without_bucket_raises(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("TALENTCREW_BLOBS", "gcs")
    monkeypatch.setenv("TALENTCREW_GCP_PROJECT", "proj")
    monkeypatch.setenv("TALENTCREW_SECRET_KEY", CLOUD_SECRET)
    with pytest.raises(ValidationError, match="TALENTCREW_BUCKET is required"):
        make(tmp_path)


def test_unknown_adapter_name_raises(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("TALENTCREW_STORE", "postgres")
    with pytest.raises(ValidationError):
        make(tmp_path)


@pytest.mark.parametrize("variable", ["GOOGLE_CLOUD_PROJECT", "TALENTCREW_GCP_PROJECT"])
def test_project_from_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, variable: str) -> None:
    monkeypatch.setenv(variable, "my-proj")
    monkeypatch.setenv("TALENTCREW_EVENTS", "pubsub")
    monkeypatch.setenv("TALENTCREW_SECRET_KEY", CLOUD_SECRET)
    settings = make(tmp_path)
    assert settings.gcp_project == "my-proj"
    assert settings.events == "pubsub"


def test_cloud_adapters_need_a_configured_secret(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("TALENTCREW_STORE", "firestore")
    monkeypatch.setenv("TALENTCREW_GCP_PROJECT", "my-proj")
    with pytest.raises(ValidationError, match="TALENTCREW_SECRET_KEY is required"):
        make(tmp_path)
    assert not (tmp_path / "secret.key").exists()


def test_secret_is_created_once_with_private_mode(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    first = make(data_dir).secret()
    path = data_dir / "secret.key"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert len(first) == 64
    assert make(data_dir).secret() == first
    assert make(data_dir).secret() == first
    assert [p.name for p in data_dir.iterdir()] == ["secret.key"]


def test_secret_differs_between_data_dirs(tmp_path: Path) -> None:
    assert make(tmp_path / "a").secret() != make(tmp_path / "b").secret()


def test_explicit_secret_key_wins(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    (tmp_path / "secret.key").write_text("from-file")
    monkeypatch.setenv("TALENTCREW_SECRET_KEY", "from-env-" + "x" * 32)
    assert make(tmp_path).secret() == ("from-env-" + "x" * 32).encode()


def test_base_url_defaults_to_local_port(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    assert make(tmp_path).base_url == "http://127.0.0.1:8080"
    monkeypatch.setenv("TALENTCREW_PORT", "9123")
    assert make(tmp_path).base_url == "http://127.0.0.1:9123"


def test_web_url_defaults_to_the_port_after_the_relay(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    assert make(tmp_path).web_base_url == "http://127.0.0.1:8083"
    monkeypatch.setenv("TALENTCREW_WEB_URL", "https://jobs.example.com/")
    assert make(tmp_path).web_base_url == "https://jobs.example.com"


def test_base_url_honours_public_url(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("TALENTCREW_PUBLIC_URL", "https://talentcrew.example.com/")
    assert make(tmp_path).base_url == "https://talentcrew.example.com"


@pytest.mark.parametrize("weak", ["", "short"])
def test_a_weak_secret_key_is_refused(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, weak: str) -> None:
    monkeypatch.setenv("TALENTCREW_SECRET_KEY", weak)
    with pytest.raises(ValidationError, match="secret_key"):
        make(tmp_path)
