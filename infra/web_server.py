"""Serves the web app (web/): locally in `make dev`, and on Google Cloud as its Cloud Run service.

Files are served as they are (no build step); any other path that names no file gets index.html,
so a candidate's `/interview/<token>` link opens the app. `/config.json` tells the app where the
api is. Headers keep the page to its own scripts, and the invite token in the path out of any
Referer (which a bucket website could not do: see terraform/README.md).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from urllib.parse import urlsplit

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response
from starlette.routing import Route

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "functions"))

from talentcrew.config import Settings  # noqa: E402  (after the path: functions/ is not a package)

WEB = ROOT / "web"


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def headers(settings: Settings) -> dict[str, str]:
    """The page may talk to its own origin, the api and the relay, and load nothing from elsewhere."""
    connect = " ".join(["'self'", _origin(settings.base_url), _origin(settings.relay_base_url)])
    policy = (
        f"default-src 'self'; connect-src {connect}; img-src 'self' data: blob:; media-src 'self' blob:; "
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
        uvicorn.run(app(settings), host="0.0.0.0", port=int(os.environ["PORT"]), log_level="info")
    else:
        uvicorn.run(app(settings), host="127.0.0.1", port=settings.port + 3, log_level="warning")


if __name__ == "__main__":
    main()
