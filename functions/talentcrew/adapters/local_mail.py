"""Mail kept in a local mailbox folder: the embedded default.

Each message is one `.eml` file (RFC 5322, as it would have been sent), written atomically, named so
that names sort by time. The messages hold live links (confirm an email, reset a password), so the
folder is its owner's alone (0700) and each file 0600. `python -m talentcrew mail` and the api's
dev-only page `/api/dev/mail` list them.
"""

from __future__ import annotations

import os
import re
import secrets
import tempfile
import time
from dataclasses import dataclass
from datetime import datetime
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path

from talentcrew.adapters.private_files import owner_only
from talentcrew.emails import compose
from talentcrew.ports import Email

_LINK = re.compile(r"https?://\S+")


@dataclass(frozen=True)
class Letter:
    """A message in the mailbox, as the dev tools show it."""

    path: Path
    sent_at: datetime
    to: str
    subject: str
    text: str
    links: tuple[str, ...]


class LocalMail:
    name = "local"

    def __init__(self, folder: Path, sender: str) -> None:
        # Nothing is touched on disk until a message is sent: every process builds the platform, and those
        # that send no mail (on Google Cloud, with a read-only working folder) must not need a writable one.
        self.folder = folder
        self._sender = sender

    def send(self, message: Email) -> None:
        """Writes aside (mkstemp makes it 0600), then renames: a reader never sees half a message."""
        data = compose(message, self._sender).as_bytes()
        self.folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        owner_only(self.folder)
        fd, draft = tempfile.mkstemp(dir=self.folder, prefix=".draft-")
        try:
            with os.fdopen(fd, "wb") as out:
                out.write(data)
            os.replace(draft, self.folder / f"{time.time_ns():020d}-{secrets.token_hex(4)}.eml")
        except BaseException:
            Path(draft).unlink(missing_ok=True)
            raise

    def letters(self, limit: int = 50) -> list[Letter]:
        """The newest `limit` messages, newest first (none before the first is sent)."""
        return [_read(path) for path in sorted(self.folder.glob("*.eml"), reverse=True)[:limit]]


def _read(path: Path) -> Letter:
    with path.open("rb") as source:
        message = BytesParser(policy=policy.default).parse(source)
    assert isinstance(message, EmailMessage)  # what policy.default parses into
    body = message.get_body(preferencelist=("plain",))
    text = body.get_content() if body is not None else ""
    return Letter(
        path=path,
        sent_at=message["Date"].datetime,
        to=str(message["To"]),
        subject=str(message["Subject"]),
        text=text,
        links=tuple(_LINK.findall(text)),
    )
