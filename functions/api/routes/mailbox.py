"""The dev mailbox: the embedded Mail adapter's messages as a plain HTML page, for `make dev`.

The messages hold live links (confirm a sign-up, reset any account's password), so the page exists
only where the mailbox is this machine's own folder: the local Mail adapter, no Google Cloud adapter,
and a caller on this machine (loopback). Anywhere else it is the same 404 as an unknown path.
Everything shown is escaped; the api's CSP (`default-src 'none'`) needs no script or style here.
"""

from __future__ import annotations

import ipaddress
from html import escape

from flask import Response, request
from flask_openapi3 import APIBlueprint, Tag
from http_problems import Problem
from werkzeug.exceptions import NotFound

from talentcrew.adapters.local_mail import Letter, LocalMail
from talentcrew.config import Platform

TAG = Tag(name="dev", description="Local development only")
HTML = {
    "description": "The mailbox as HTML, newest message first",
    "content": {"text/html": {"schema": {"type": "string"}}},
}


def _on_this_machine() -> bool:
    try:
        return ipaddress.ip_address(request.remote_addr or "").is_loopback
    except ValueError:
        return False


def _letter(letter: Letter) -> str:
    links = "".join(f'<li><a href="{escape(link)}">{escape(link)}</a></li>' for link in letter.links)
    return (
        f"<article><h2>{escape(letter.subject)}</h2>"
        f"<p>To {escape(letter.to)}, {escape(letter.sent_at.isoformat(sep=' ', timespec='seconds'))}</p>"
        f"<ul>{links}</ul><pre>{escape(letter.text)}</pre></article><hr>"
    )


def page(letters: list[Letter], folder: str) -> str:
    body = "".join(_letter(letter) for letter in letters) or "<p>No messages yet.</p>"
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>TalentCrew dev mailbox</title></head>'
        f"<body><h1>Dev mailbox</h1><p>Messages the platform sent, newest first (from {escape(folder)}).</p>"
        f"{body}</body></html>"
    )


def blueprint(platform: Platform) -> APIBlueprint:
    bp = APIBlueprint("mailbox", __name__, abp_tags=[TAG])
    local = platform.mail if isinstance(platform.mail, LocalMail) and not platform.settings.cloud else None

    @bp.get("/api/dev/mail", responses={200: HTML, 404: Problem})
    def mailbox() -> Response:
        """The local mailbox (embedded Mail adapter, on this machine only); 404 anywhere else."""
        if local is None or not _on_this_machine():
            raise NotFound()
        return Response(page(local.letters(), str(local.folder)), mimetype="text/html")

    return bp
