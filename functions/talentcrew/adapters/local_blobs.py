"""Blobs in a local folder, with HMAC-signed expiring links: the embedded default.

A link names the object, its expiry (Unix seconds) and the download file name, and carries an
HMAC-SHA256 over all three; the api's `/api/blobs/` route serves it only after `open_link`
checks the signature and the clock. So a link can neither be altered nor outlive its expiry.
A link whose fields are not of the shapes `signed_url` writes is refused before any comparison.

The folder is the owner's alone (0700, tightened if it was more open); objects are written 0600.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import re
import tempfile
import time
from datetime import timedelta
from pathlib import Path
from urllib.parse import quote, urlencode

from talentcrew.adapters.private_files import owner_only
from talentcrew.errors import NotFound

# Matched whole (fullmatch: `$` would let a trailing newline through).
_OBJECT_NAME = re.compile(r"[A-Za-z0-9_-][A-Za-z0-9._-]*(/[A-Za-z0-9_-][A-Za-z0-9._-]*)*")
_DOWNLOAD_NAME = re.compile(r"[\w .()-]{1,120}")
_EXPIRES = re.compile(r"[0-9]{1,12}")  # Unix seconds in ASCII digits (int() takes signs, spaces, other scripts' digits)
_SIGNATURE = re.compile(r"[0-9a-f]{64}")  # hex HMAC-SHA256: ASCII, so compare_digest can compare it
LINK_PATH = "/api/blobs/"


class LinkRefused(PermissionError):
    """A download link that was altered, has expired, or names no object."""


def check_object_name(object_name: str) -> str:
    """Object names are relative paths of plain segments: nothing can climb out of the folder."""
    if len(object_name) > 512 or not _OBJECT_NAME.fullmatch(object_name):
        raise ValueError(f"invalid object name: {object_name!r}")
    return object_name


class LocalBlobs:
    name = "local"

    def __init__(self, root: Path, secret: bytes, public_url: str) -> None:
        self.root = root
        self._secret = secret
        self._public_url = public_url.rstrip("/")
        root.mkdir(mode=0o700, parents=True, exist_ok=True)
        owner_only(root)

    def _path(self, object_name: str) -> Path:
        return self.root / check_object_name(object_name)

    def put(self, object_name: str, data: bytes, content_type: str) -> None:
        """Writes atomically (temp file + rename): a reader never sees half a PDF."""
        path = self._path(object_name)
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".upload-")  # created 0600; the rename keeps it
        try:
            with os.fdopen(fd, "wb") as out:
                out.write(data)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    def get(self, object_name: str) -> bytes:
        try:
            return self._path(object_name).read_bytes()
        except FileNotFoundError as error:
            raise NotFound(object_name) from error

    def delete(self, object_name: str) -> None:
        self._path(object_name).unlink(missing_ok=True)

    def _signature(self, object_name: str, expires: int, download_name: str) -> str:
        message = f"{object_name}\n{expires}\n{download_name}".encode()
        return hmac.new(self._secret, message, hashlib.sha256).hexdigest()

    def signed_url(self, object_name: str, expires_in: timedelta, download_name: str) -> str:
        check_object_name(object_name)
        if not _DOWNLOAD_NAME.fullmatch(download_name):
            raise ValueError(f"invalid download name: {download_name!r}")
        expires = int(time.time() + expires_in.total_seconds())
        query = urlencode(
            {
                "expires": expires,
                "filename": download_name,
                "signature": self._signature(object_name, expires, download_name),
            }
        )
        return f"{self._public_url}{LINK_PATH}{quote(object_name)}?{query}"

    def open_link(self, object_name: str, expires: str, download_name: str, signature: str) -> bytes:
        """The object behind a signed link, or LinkRefused; any text at all in any field is refused cleanly."""
        try:
            check_object_name(object_name)
        except ValueError as error:
            raise LinkRefused("malformed link") from error
        shapes = ((_EXPIRES, expires), (_DOWNLOAD_NAME, download_name), (_SIGNATURE, signature))
        if not all(shape.fullmatch(value) for shape, value in shapes):
            raise LinkRefused("malformed link")
        expiry = int(expires)
        expected = self._signature(object_name, expiry, download_name)
        if not hmac.compare_digest(expected, signature):
            raise LinkRefused("bad signature")
        if time.time() >= expiry:
            raise LinkRefused("link expired")
        try:
            return self.get(object_name)
        except NotFound as error:
            raise LinkRefused("no such object") from error
