"""Settings from the environment, and the adapter each port gets.

With nothing set, every port is served by its embedded default, so the platform runs on one
machine offline. Google Cloud deployments set `TALENTCREW_STORE=firestore` and friends (the
Terraform does). Adapters are imported only when chosen, so the embedded platform never loads a
cloud SDK it does not use.
"""

from __future__ import annotations

import functools
import logging
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Literal, Self

from pydantic import AliasChoices, Field, SecretStr, model_validator
from pydantic_settings import SettingsConfigDict

from talentcrew import logs
from talentcrew.auth import LoginThrottle, Passwords, RateLimit, TokenKeys, Tokens, new_signing_key
from talentcrew.interview.bank import bank
from talentcrew.interview.brain import Brain
from talentcrew.interview.safety import Guarded
from talentcrew.interview.turn import Interviewer
from talentcrew.keys import TurnCallSettings
from talentcrew.ports import Blobs, Events, Mail, Store

log = logging.getLogger(__name__)


class Settings(TurnCallSettings):
    """Every setting of the platform; the turn call's (data folder, port, turn_*) come from TurnCallSettings."""

    model_config = SettingsConfigDict(env_prefix="TALENTCREW_", extra="ignore", populate_by_name=True)

    public_url: str = Field(default="", description="Base URL users reach the api at; default http://127.0.0.1:PORT.")
    store: Literal["sqlite", "firestore"] = "sqlite"
    blobs: Literal["local", "gcs"] = "local"
    events: Literal["outbox", "pubsub"] = "outbox"
    gcp_project: str = Field(
        default="",
        validation_alias=AliasChoices("TALENTCREW_GCP_PROJECT", "GOOGLE_CLOUD_PROJECT"),
        description="Google Cloud project of Firestore, the bucket and the topics.",
    )
    firestore_database: str = "(default)"
    firestore_indexes: Path | None = Field(
        default=None,
        description="A firestore.indexes.json: refuse queries needing a composite index it lacks, as Firestore does "
        "(the emulator checks none; the tests set it to terraform's file).",
    )
    bucket: str = Field(default="", description="Cloud Storage bucket for scorecards (blobs=gcs).")
    access_token_key: SecretStr | None = Field(
        default=None,
        description="PEM ES256 private key signing recruiters' tokens (the api alone holds it); generated into "
        "DATA_DIR/keys locally, required with Google Cloud adapters.",
    )
    ticket_key: SecretStr | None = Field(
        default=None, description="PEM ES256 private key signing relay tickets (the api); generated locally."
    )
    link_key: SecretStr | None = Field(
        default=None, min_length=32, description="Signs the embedded Blobs' download links; generated locally."
    )
    brain: Literal["local", "gemini"] = "local"
    gemini_model: str = Field(default="gemini-2.5-flash", description="Gemini model that grades (brain=gemini).")
    gemini_api_key: SecretStr | None = Field(default=None, description="Gemini API key; without one, Vertex AI.")
    gemini_location: str = Field(default="us-central1", description="Vertex AI region (brain=gemini, no key).")
    gemini_base_url: str = Field(default="", description="Another endpoint for the Gemini API (a proxy, a stand-in).")
    access_token_minutes: int = Field(default=480, ge=5, le=7 * 24 * 60, description="Recruiter token lifetime.")
    relay_ticket_seconds: int = Field(default=300, ge=30, le=3600, description="Candidate relay ticket lifetime.")
    invite_days: int = Field(default=7, ge=1, le=90, description="Candidate invite link lifetime.")
    scorecard_link_minutes: int = Field(default=15, ge=1, le=7 * 24 * 60, description="Signed PDF link lifetime.")
    relay_url: str = Field(default="", description="Base URL of the relay's WebSocket; default local port+2.")
    web_url: str = Field(
        default="", description="Where the web app is served (invite links open it); default local port+3."
    )
    cors_origins: str = Field(default="", description="Comma-separated origins allowed to call the api.")
    max_body_bytes: int = Field(default=64 * 1024, ge=1024, description="Larger request bodies get 413.")
    trusted_proxy_hops: int = Field(
        default=0, ge=0, le=5, description="Proxies in front of the api whose X-Forwarded-For is trusted."
    )
    login_window_minutes: int = Field(default=15, ge=1, description="Window for counting failed logins.")
    login_free_failures: int = Field(
        default=3, ge=1, description="Failed logins of one account before each further attempt must wait."
    )
    login_max_delay_seconds: int = Field(
        default=60, ge=1, le=3600, description="Longest wait the growing per-account delay reaches (never a lock)."
    )
    login_failures_per_address: int = Field(
        default=30, ge=1, description="Failed logins per client address per window."
    )
    signups_per_address: int = Field(
        default=10, ge=1, description="Sign-ups and reset requests per client address per hour."
    )
    password_hash_concurrency: int = Field(
        default=2, ge=1, le=16, description="argon2 hashes at once per process (each takes 64 MiB)."
    )
    verify_email: bool | None = Field(
        default=None,
        description="Accounts work only after their email is verified; default: on with Google Cloud adapters, off "
        "with the embedded ones.",
    )
    mail: Literal["local", "smtp"] = Field(default="local", description="local: a mailbox folder in DATA_DIR.")
    mail_from: str = Field(default="TalentCrew <no-reply@talentcrew.invalid>", description="The sender of every email.")
    smtp_host: str = ""
    smtp_port: int = Field(default=587, ge=1, le=65535)
    smtp_username: str = ""
    smtp_password: SecretStr | None = None
    smtp_starttls: bool = Field(default=True, description="Upgrade the SMTP connection with STARTTLS.")
    allow_private_webhooks: bool = Field(
        default=False,
        description="Let webhooks reach private, loopback and link-local addresses, and use plain http (tests, labs).",
    )
    log_level: str = "INFO"
    log_format: Literal["auto", "json", "text"] = "auto"

    @model_validator(mode="after")
    def _cloud_needs_project(self) -> Self:
        if self.cloud and not self.gcp_project:
            raise ValueError("TALENTCREW_GCP_PROJECT is required for firestore, gcs or pubsub adapters")
        if self.blobs == "gcs" and not self.bucket:
            raise ValueError("TALENTCREW_BUCKET is required when TALENTCREW_BLOBS=gcs")
        return self

    @property
    def cloud(self) -> bool:
        """Whether any Google Cloud adapter is in use: then instances share nothing but configuration."""
        return self.store == "firestore" or self.blobs == "gcs" or self.events == "pubsub"

    @property
    def verification_required(self) -> bool:
        """Accounts work only once their email is verified: by default with Google Cloud adapters."""
        return self.cloud if self.verify_email is None else self.verify_email

    @property
    def base_url(self) -> str:
        return (self.public_url or f"http://127.0.0.1:{self.port}").rstrip("/")

    @property
    def relay_base_url(self) -> str:
        return (self.relay_url or f"ws://127.0.0.1:{self.port + 2}").rstrip("/")

    @property
    def web_base_url(self) -> str:
        return (self.web_url or f"http://127.0.0.1:{self.port + 3}").rstrip("/")

    @property
    def allowed_origins(self) -> list[str]:
        return [origin.strip().rstrip("/") for origin in self.cors_origins.split(",") if origin.strip()]

    def access_token_private_key(self) -> str:
        return self._key("access_token_key", new_signing_key)

    def ticket_private_key(self) -> str:
        return self._key("ticket_key", new_signing_key)

    def link_secret(self) -> bytes:
        return self._key("link_key", lambda: secrets.token_hex(32)).encode()

    def _key(self, field: str, new: Callable[[], str]) -> str:
        """A key of one purpose: configured, or - with the embedded adapters only - made once in DATA_DIR/keys.
        Instances of a Cloud deployment share nothing but configuration, so a key made by one would be useless
        to the next: there it must be configured."""
        if self.cloud and getattr(self, field) is None:
            raise MissingKey(f"TALENTCREW_{field.upper()} is required with Google Cloud adapters")
        return super()._key(field, new)


class MissingKey(ValueError):
    """A key this service needs is not configured (Cloud deployments configure each service's own)."""


@dataclass(frozen=True)
class Platform:
    """The adapters serving each port in this process, and the services built on them."""

    settings: Settings
    store: Store
    blobs: Blobs
    events: Events
    mail: Mail
    tokens: Tokens
    passwords: Passwords
    throttle: LoginThrottle
    signups: RateLimit

    def adapters(self) -> dict[str, str]:
        return {"store": self.store.name, "blobs": self.blobs.name, "events": self.events.name, "mail": self.mail.name}


def build_store(settings: Settings) -> Store:
    if settings.store == "firestore":
        from talentcrew.adapters.firestore_store import FirestoreStore, load_indexes

        indexes = load_indexes(settings.firestore_indexes) if settings.firestore_indexes else None
        return FirestoreStore(settings.gcp_project, settings.firestore_database, indexes=indexes)
    from talentcrew.adapters.sqlite_store import SqliteStore

    return SqliteStore(settings.data_dir / "talentcrew.db")


def build_blobs(settings: Settings) -> Blobs:
    if settings.blobs == "gcs":
        from talentcrew.adapters.gcs_blobs import GcsBlobs

        return GcsBlobs(settings.bucket, settings.gcp_project)
    from talentcrew.adapters.local_blobs import LocalBlobs

    return LocalBlobs(settings.data_dir / "blobs", settings.link_secret(), settings.base_url)


def build_events(settings: Settings) -> Events:
    """The transport the outbox's dispatcher sends through (only the dispatcher sends)."""
    if settings.events == "pubsub":
        from talentcrew.adapters.pubsub_events import PubSubEvents

        return PubSubEvents(settings.gcp_project)
    from talentcrew.adapters.outbox_events import Handler, HandlerEvents

    def functions() -> Mapping[str, Handler]:
        from main import EVENT_HANDLERS

        return EVENT_HANDLERS

    return HandlerEvents(functions)


def build_mail(settings: Settings) -> Mail:
    if settings.mail == "smtp":
        from talentcrew.adapters.smtp_mail import SmtpMail

        password = settings.smtp_password.get_secret_value() if settings.smtp_password else None
        return SmtpMail(
            settings.smtp_host,
            settings.smtp_port,
            settings.mail_from,
            username=settings.smtp_username,
            password=password,
            starttls=settings.smtp_starttls,
        )
    from talentcrew.adapters.local_mail import LocalMail

    return LocalMail(settings.data_dir / "mail", settings.mail_from)


def build(settings: Settings) -> Platform:
    store = build_store(settings)
    keys = TokenKeys(settings.access_token_private_key, settings.ticket_private_key)
    tokens = Tokens(
        keys,
        store,
        access_ttl=timedelta(minutes=settings.access_token_minutes),
        ticket_ttl=timedelta(seconds=settings.relay_ticket_seconds),
    )
    throttle = LoginThrottle(
        store,
        window=timedelta(minutes=settings.login_window_minutes),
        free_failures=settings.login_free_failures,
        max_delay=timedelta(seconds=settings.login_max_delay_seconds),
        per_address=settings.login_failures_per_address,
    )
    return Platform(
        settings,
        store,
        build_blobs(settings),
        build_events(settings),
        build_mail(settings),
        tokens,
        Passwords(settings.password_hash_concurrency),
        throttle,
        RateLimit(store, "sign-up", settings.signups_per_address, timedelta(hours=1)),
    )


def brain_writes_questions(settings: Settings) -> bool:
    """Whether the configured brain writes questions for skills the bank lacks (Gemini does; the offline brain
    asks only the bank's), known without building it: the api tells recruiters, the turn asks."""
    return settings.brain == "gemini"


def build_brain(settings: Settings) -> Brain:
    """The configured brain behind the safety layer (names masked, injections defused, quotes checked)."""
    if settings.brain == "gemini":
        from talentcrew.adapters import gemini_brain

        return Guarded(gemini_brain.connect(settings))
    from talentcrew.adapters.local_brain import LocalBrain

    return Guarded(LocalBrain())


@functools.cache
def brain() -> Brain:
    """This process's brain, built on first use (the offline one loads a model): only the turn needs one."""
    built = build_brain(platform().settings)
    log.info("brain: %s (%s)", built.name, built.model, extra={"brain": built.name, "model": built.model})
    return built


@functools.cache
def interviewer() -> Interviewer:
    """This process's interviewer (the turn function's)."""
    built = platform()
    return Interviewer(built.store, brain(), bank())


@functools.cache
def platform() -> Platform:
    """This process's platform, built on first use from the environment; logs its adapters once."""
    settings = Settings()
    logs.setup(settings.log_level, settings.log_format)
    built = build(settings)
    log.info("adapters: %s", built.adapters(), extra={"adapters": built.adapters()})
    return built
