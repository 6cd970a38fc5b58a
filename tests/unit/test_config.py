"""Unit tests for settings validation, adapter selection and the keys of each purpose."""

from __future__ import annotations

import os
import stat
from collections.abc import Callable
from pathlib import Path

import pytest
from pydantic import ValidationError

from talentcrew.auth import TicketCheck, new_signing_key, public_half
from talentcrew.config import MissingKey, Settings, build


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
    assert build(settings).adapters() == {"store": "sqlite", "blobs": "local", "events": "outbox", "mail": "local"}
    assert (tmp_path / "talentcrew.db").exists()


@pytest.mark.parametrize("field, value", [("store", "firestore"), ("blobs", "gcs"), ("events", "pubsub")])
def test_cloud_adapter_without_project_raises(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, field: str, value: str
) -> None:
    monkeypatch.setenv(f"TALENTCREW_{field.upper()}", value)
    monkeypatch.setenv("TALENTCREW_BUCKET", "scorecards")
    with pytest.raises(ValidationError, match="TALENTCREW_GCP_PROJECT is required"):
        make(tmp_path)


def test_gcs_without_bucket_raises(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("TALENTCREW_BLOBS", "gcs")
    monkeypatch.setenv("TALENTCREW_GCP_PROJECT", "proj")
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
    settings = make(tmp_path)
    assert settings.gcp_project == "my-proj"
    assert settings.events == "pubsub"


def cloud(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Settings:
    """Settings with a Cloud adapter (Firestore, whose client connects to nothing until a query)."""
    monkeypatch.setenv("TALENTCREW_STORE", "firestore")
    monkeypatch.setenv("TALENTCREW_GCP_PROJECT", "my-proj")
    monkeypatch.setenv("TALENTCREW_LINK_KEY", "l" * 40)  # the embedded Blobs sign with it
    monkeypatch.setenv("FIRESTORE_EMULATOR_HOST", "127.0.0.1:9")
    return make(tmp_path)


@pytest.mark.parametrize(
    "use, variable",
    [
        (Settings.access_token_private_key, "TALENTCREW_ACCESS_TOKEN_KEY"),
        (Settings.ticket_private_key, "TALENTCREW_TICKET_KEY"),
        (Settings.link_secret, "TALENTCREW_LINK_KEY"),
        (Settings.turn_bearer, "TALENTCREW_TURN_SECRET"),
    ],
)
def test_cloud_adapters_need_each_key_configured_where_it_is_used(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, use: Callable[[Settings], object], variable: str
) -> None:
    """Instances share nothing but configuration: a key generated per instance would be useless to the next."""
    settings = cloud(monkeypatch, tmp_path).model_copy(update={"link_key": None})
    with pytest.raises(MissingKey, match=f"{variable} is required"):
        use(settings)
    assert not (tmp_path / "keys").exists()


def test_the_api_refuses_to_start_without_its_signing_keys(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    tokens = build(cloud(monkeypatch, tmp_path)).tokens
    with pytest.raises(MissingKey, match="TALENTCREW_ACCESS_TOKEN_KEY"):
        tokens.load_signing_keys()


def test_local_keys_are_created_once_each_with_private_modes(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    settings = make(data_dir)
    keys = {
        "access_token_key": settings.access_token_private_key(),
        "ticket_key": settings.ticket_private_key(),
        "link_key": settings.link_secret().decode(),
        "turn_secret": settings.turn_bearer(),
    }
    assert len(set(keys.values())) == 4  # one key per purpose
    assert stat.S_IMODE((data_dir / "keys").stat().st_mode) == 0o700
    for name, value in keys.items():
        assert stat.S_IMODE((data_dir / "keys" / name).stat().st_mode) == 0o600
        assert (data_dir / "keys" / name).read_text() == value
    again = make(data_dir)
    assert again.access_token_private_key() == keys["access_token_key"]
    assert again.turn_bearer() == keys["turn_secret"]
    assert sorted(p.name for p in (data_dir / "keys").iterdir()) == sorted(keys)
    assert make(tmp_path / "other").access_token_private_key() != keys["access_token_key"]


def test_a_configured_key_wins_over_the_local_file(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    (tmp_path / "keys").mkdir()
    (tmp_path / "keys" / "link_key").write_text("from-file")
    monkeypatch.setenv("TALENTCREW_LINK_KEY", "from-env-" + "x" * 32)
    assert make(tmp_path).link_secret() == ("from-env-" + "x" * 32).encode()


def test_the_relay_checks_tickets_with_the_public_half_alone(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """A service that only verifies holds only the public key: it can check tickets but mint none, nor tokens."""
    private = new_signing_key()
    monkeypatch.setenv("TALENTCREW_TICKET_KEY", private)
    api = build(cloud(monkeypatch, tmp_path / "api")).tokens
    monkeypatch.delenv("TALENTCREW_TICKET_KEY")
    monkeypatch.setenv("TALENTCREW_TICKET_PUBLIC_KEY", public_half(private))
    relay = build(cloud(monkeypatch, tmp_path / "relay")).tokens
    ticket, _ = api.issue_relay_ticket("session-1")
    TicketCheck(public_half(private)).verify(ticket, "session-1")
    with pytest.raises(MissingKey):
        relay.issue_relay_ticket("session-2")
    with pytest.raises(MissingKey):
        relay.issue_access("user-1")


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


@pytest.mark.parametrize("variable", ["TALENTCREW_LINK_KEY", "TALENTCREW_TURN_SECRET"])
@pytest.mark.parametrize("weak", ["", "short"])
def test_a_weak_shared_secret_is_refused(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, variable: str, weak: str
) -> None:
    monkeypatch.setenv(variable, weak)
    with pytest.raises(ValidationError, match=variable.removeprefix("TALENTCREW_").lower()):
        make(tmp_path)
