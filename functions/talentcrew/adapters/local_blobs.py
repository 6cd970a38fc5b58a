"""Blobs in a local folder, with HMAC-signed expiring links: the embedded default.

A link names the object, its expiry (Unix seconds) and the download file name, and carries an
HMAC-SHA256 over all three; the api's `/api/blobs/` route serves it only after `open_link`
checks the signature and the clock. So a link can neither be altered nor outlive its expiry.
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

from talentcrew.errors import NotFound

_OBJECT_NAME = re.compile(r"^[A-Za-z0-9_-][A-Za-z0-9._-]*(/[A-Za-z0-9_-][A-Za-z0-9._-]*)*$")
_DOWNLOAD_NAME = re.compile(r"^[\w .()-]{1,120}$")
LINK_PATH = "/api/blobs/"


class LinkRefused(PermissionError):
    """A download link that was altered, has expired, or names no object."""


def check_object_name(object_name: str) -> str:
    """Object names are relative paths of plain segments: nothing can climb out of the folder."""
    if len(object_name) > 512 or not _OBJECT_NAME.match(object_name):
        raise ValueError(f"invalid object name: {object_name!r}")
    return object_name


class LocalBlobs:
    name = "local"

    def __init__(self, root: Path, secret: bytes, public_url: str) -> None:
        self.root = root
        self._secret = secret
        self._public_url = public_url.rstrip("/")
        root.mkdir(parents=True, exist_ok=True)

    def _path(self, object_name: str) -> Path:
        return self.root / check_object_name(object_name)

    def put(self, object_name: str, data: bytes, content_type: str) -> None:
        """Writes atomically (temp file + rename): a reader never sees half a PDF."""
        path = self._path(object_name)
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".upload-")
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
        if not _DOWNLOAD_NAME.match(download_name):
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
        """The object behind a signed link, or LinkRefused."""
        try:
            expiry = int(expires)
            check_object_name(object_name)
        except ValueError as error:
            raise LinkRefused("malformed link") from error
        expected = self._signature(object_name, expiry, download_name)
        if not hmac.compare_digest(expected, signature):
            raise LinkRefused("bad signature")
        if time.time() >= expiry:
            raise LinkRefused("link expired")
        try:
            return self.get(object_name)
        except NotFound as error:
            raise LinkRefused("no such object") from error
