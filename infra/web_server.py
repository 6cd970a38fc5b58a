"""Serves the web app (web/): locally in `make dev`, and on Google Cloud as its Cloud Run service.

Files are served as they are (no build step); any other path that names no file gets index.html,
so a candidate's `/interview#t=<token>` link opens the app (the token is in the fragment, which no
browser sends). `/config.json` tells the app where the api is. Headers keep the page to its own
scripts and send no Referer (which a bucket website could not do: see terraform/README.md).

Links sent before the token moved to the fragment (`/interview/<token>`) still open the app, which
moves the token out of the path at once; the access log prints their path without it.
"""

from __future__ import annotations

import copy
import logging
import os
import sys
from pathlib import Path
from urllib.parse import urlsplit

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response
from starlette.routing import Route
from uvicorn.config import LOGGING_CONFIG

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "functions"))

from talentcrew.config import Settings  # noqa: E402  (after the path: functions/ is not a package)

WEB = ROOT / "web"
OLD_INVITE_PATH = "/interview/"


class InviteTokensRedacted(logging.Filter):
    """Cuts an old invite link's token out of uvicorn's access lines (args: client, method, path, version, status)."""

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        if isinstance(args, tuple) and len(args) == 5 and str(args[2]).startswith(OLD_INVITE_PATH):
            record.args = (args[0], args[1], f"{OLD_INVITE_PATH}[redacted]", *args[3:])
        return True


def log_config() -> dict[str, object]:
    """uvicorn's own logging, with the access log passed through InviteTokensRedacted."""
    config = copy.deepcopy(LOGGING_CONFIG)
    config["filters"] = {"invite_tokens": {"()": InviteTokensRedacted}}
    config["loggers"]["uvicorn.access"]["filters"] = ["invite_tokens"]
    return config


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


RECORDINGS_ON_CLOUD = "https://storage.googleapis.com"
"""Where Cloud Storage's signed links to recordings of spoken answers point (the embedded Blobs' point at the api)."""


def headers(settings: Settings) -> dict[str, str]:
    """The page may talk to its own origin, the api and the relay, play recordings from the api or Cloud Storage,
    and load nothing from elsewhere."""
    api = _origin(settings.base_url)
    connect = " ".join(["'self'", api, _origin(settings.relay_base_url)])
    media = " ".join(["'self'", "blob:", api, RECORDINGS_ON_CLOUD])
    policy = (
        f"default-src 'self'; connect-src {connect}; img-src 'self' data: blob:; media-src {media}; "
        "style-src 'self'; script-src 'self'; worker-src 'self'; object-src 'none'; base-uri 'none'; "
        "form-action 'self'; frame-ancestors 'none'"
    )
    return {
        "Content-Security-Policy": policy,
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "no-referrer",
        "Permissions-Policy": "microphone=(self), camera=(), geolocation=()",
        "Cache-Control": "no-cache",
    }


def app(settings: Settings | None = None, web: Path = WEB) -> Starlette:
    settings = settings or Settings()
    common = headers(settings)
    root = web.resolve()

    async def config(_: Request) -> Response:
        return JSONResponse({"api_url": f"{settings.base_url}/api"}, headers=common)

    async def page(request: Request) -> Response:
        wanted = (root / request.path_params["path"]).resolve()
        if wanted.is_relative_to(root) and wanted.is_file():
            return FileResponse(wanted, headers=common)
        if Path(request.path_params["path"]).suffix:  # a missing file, not a page of the app
            return Response("Not Found", status_code=404, headers=common)
        return FileResponse(root / "index.html", headers=common)

    return Starlette(routes=[Route("/config.json", config), Route("/{path:path}", page)])


def main() -> None:
    """Locally on port + 3 of the platform; on Cloud Run (which sets PORT) on every interface, as its container."""
    settings = Settings()
    if "PORT" in os.environ:
        host, port, level = "0.0.0.0", int(os.environ["PORT"]), "info"
    else:
        host, port, level = "127.0.0.1", settings.port + 3, "warning"
    uvicorn.run(app(settings), host=host, port=port, log_level=level, log_config=log_config())


if __name__ == "__main__":
    main()
