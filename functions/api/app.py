"""The REST API: a Flask app whose OpenAPI document is generated from the pydantic models.

Every response carries security headers; errors are problem+json; bodies over the configured size
get 413; cross-origin calls are allowed only from configured origins.
"""

from __future__ import annotations

import io
from pathlib import PurePosixPath
from typing import Any

from flask import Response, send_file
from flask_cors import CORS
from flask_openapi3 import Info, OpenAPI, Tag
from http_problems import (
    Problem,
    as_problem_json,
    from_domain_error,
    from_http_exception,
    from_validation_error,
    problem,
)
from pydantic import BaseModel, Field, ValidationError
from werkzeug.exceptions import HTTPException
from werkzeug.middleware.proxy_fix import ProxyFix

from api.routes import (
    accounts,
    analytics,
    api_keys,
    jobs,
    mailbox,
    questions,
    recordings,
    results,
    sessions,
    skills,
    workspace,
)
from talentcrew.adapters.local_blobs import LinkRefused, LocalBlobs
from talentcrew.config import Platform
from talentcrew.errors import DomainError

SERVICE = Tag(name="service", description="Health and the API description")
DOWNLOADS = Tag(name="downloads", description="Signed, expiring download links (embedded Blobs)")
SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Content-Security-Policy": "default-src 'none'; frame-ancestors 'none'",
    "Strict-Transport-Security": "max-age=31536000; includeSubDomains",
    "Cross-Origin-Resource-Policy": "same-origin",
}
ROUTES = (accounts, workspace, api_keys, jobs, questions, sessions, recordings, results, skills, analytics, mailbox)
MEDIA_TYPES = {".pdf": "application/pdf", ".ogg": "audio/ogg"}  # scorecards, and recordings of spoken answers


class Health(BaseModel):
    status: str = Field(examples=["ok"])
    adapters: dict[str, str] = Field(
        examples=[{"store": "sqlite", "blobs": "local", "events": "outbox", "mail": "local"}]
    )


class BlobPath(BaseModel):
    object_name: str


class SignedLink(BaseModel):
    expires: str
    filename: str
    signature: str


def _secure(response: Response) -> Response:
    response.headers.update({k: v for k, v in SECURITY_HEADERS.items() if k not in response.headers})
    response.headers.setdefault("Cache-Control", "no-store")
    return response


def create_app(platform: Platform) -> OpenAPI:
    settings = platform.settings
    app = OpenAPI(
        __name__,
        info=Info(title="TalentCrew API", version="0.2.0"),
        security_schemes={
            "bearer": {
                "type": "http",
                "scheme": "bearer",
                "bearerFormat": "JWT, or a workspace API key tc_…",
                "description": "A member's access token from /api/auth/login/, or an API key from /api/api-keys/ "
                "(only on the operations its scopes name: results:read, jobs:read).",
            }
        },
        doc_ui=False,
        validation_error_status=422,
        validation_error_model=Problem,
        validation_error_callback=from_validation_error,
    )
    app.config["MAX_CONTENT_LENGTH"] = settings.max_body_bytes
    if settings.trusted_proxy_hops:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=settings.trusted_proxy_hops)  # type: ignore[method-assign]
    if settings.allowed_origins:
        CORS(
            app,
            origins=settings.allowed_origins,
            allow_headers=["Authorization", "Content-Type", "X-Invite-Token"],
            expose_headers=["Content-Disposition"],  # the CSV export's file name, read by the web app
        )
    app.register_error_handler(HTTPException, from_http_exception)
    app.register_error_handler(DomainError, from_domain_error)
    app.register_error_handler(ValidationError, from_validation_error)
    app.after_request(_secure)
    app.add_url_rule("/api/openapi.json", "openapi", lambda: as_problem_json(app.api_doc))
    for module in ROUTES:
        app.register_api(module.blueprint(platform))

    @app.get("/api/health", tags=[SERVICE], responses={200: Health})
    def health() -> dict[str, Any]:
        """Answers 200 while the process is up, naming the adapter behind each port."""
        return Health(status="ok", adapters=platform.adapters()).model_dump()

    @app.get("/api/blobs/<path:object_name>", tags=[DOWNLOADS], responses={200: None, 403: Problem, 404: Problem})
    def download(path: BlobPath, query: SignedLink) -> Response:
        """Serves an object behind a link signed by the embedded Blobs adapter, until it expires."""
        blobs = platform.blobs
        if not isinstance(blobs, LocalBlobs):
            return problem(404, "Not Found", "Downloads are served by Cloud Storage in this deployment.")
        try:
            data = blobs.open_link(path.object_name, query.expires, query.filename, query.signature)
        except LinkRefused as refused:
            return problem(403, "Forbidden", f"This download link cannot be used: {refused}.", slug="link-refused")
        media_type = MEDIA_TYPES.get(PurePosixPath(path.object_name).suffix, "application/octet-stream")
        response = send_file(  # writes the name as RFC 6266 says: a non-Latin-1 one cannot go raw into a header
            io.BytesIO(data),
            mimetype=media_type,
            as_attachment=True,
            download_name=query.filename,
            etag=False,
        )  # answers Range requests (206), as an <audio> element makes them
        response.headers["Cache-Control"] = "private, no-store"
        if media_type.startswith("audio/"):  # the web app's <audio> loads it from its own origin
            response.headers["Cross-Origin-Resource-Policy"] = "cross-origin"
        return response

    return app
