"""Keys made on one machine, and the turn call's settings, for services that build no platform.

The relay reads its keys and the turn function's address without `talentcrew.config` (which
brings the domain's every adapter and the brain): both live here, and `config.Settings` builds on
them, so each is defined once.
"""

from __future__ import annotations

import os
import secrets
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


def stored_key(folder: Path, name: str, new: Callable[[], str]) -> str:
    """The key `name` in `folder`, made by `new` on first use (folder 0700, file 0600)."""
    path = folder / name
    if not path.exists():
        # Several local processes may start at once: write aside, then link into place,
        # which fails for all but the first; everyone then reads the same key.
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        fd, draft = tempfile.mkstemp(dir=folder, prefix=".key-")  # mkstemp creates it 0600
        with os.fdopen(fd, "w") as out:
            out.write(new())
        try:
            os.link(draft, path)
        except FileExistsError:
            pass
        finally:
            os.unlink(draft)
    return path.read_text()


class TurnCallSettings(BaseSettings):
    """How the relay reaches the turn function and proves itself: read alike by both ends."""

    model_config = SettingsConfigDict(env_prefix="TALENTCREW_", extra="ignore", populate_by_name=True)

    data_dir: Path = Field(default=Path(".talentcrew"), description="Folder of the embedded adapters' data.")
    port: int = Field(default=8080, ge=1, le=65535, description="Port the local platform serves on.")
    turn_auth: Literal["shared-secret", "iam"] = Field(
        default="shared-secret",
        description="How the turn function knows its caller: a shared secret, or Cloud IAM (invoker role) in front.",
    )
    turn_secret: SecretStr | None = Field(
        default=None,
        min_length=32,
        description="Bearer the relay sends the turn function (turn_auth=shared-secret); generated locally.",
    )
    turn_url: str = Field(default="", description="Where the relay reaches the turn function; default local port+1.")

    @property
    def turn_base_url(self) -> str:
        return (self.turn_url or f"http://127.0.0.1:{self.port + 1}").rstrip("/")

    def turn_bearer(self) -> str:
        """The shared secret of the relay and the turn function."""
        return self._key("turn_secret", lambda: secrets.token_hex(32))

    def _key(self, field: str, new: Callable[[], str]) -> str:
        """A key of one purpose: configured, or else made once in DATA_DIR/keys."""
        value: SecretStr | None = getattr(self, field)
        if value is not None:
            return value.get_secret_value()
        return stored_key(self.data_dir / "keys", field, new)
