"""The REST API as a Flask app with an OpenAPI document generated from the pydantic models."""

from __future__ import annotations

from flask import Response
from flask_openapi3 import Info, OpenAPI, Tag
from pydantic import BaseModel, Field
from werkzeug.exceptions import HTTPException

from api.problems import from_http_exception, from_validation_error, problem
from talentcrew.adapters.local_blobs import LinkRefused, LocalBlobs
from talentcrew.config import Platform

SERVICE = Tag(name="service", description="Health and the API description")
DOWNLOADS = Tag(name="downloads", description="Signed, expiring download links (embedded Blobs)")


class Health(BaseModel):
    status: str = Field(examples=["ok"])
    adapters: dict[str, str] = Field(examples=[{"store": "sqlite", "blobs": "local", "events": "outbox"}])


class BlobPath(BaseModel):
    object_name: str


class SignedLink(BaseModel):
    expires: str
    filename: str
    signature: str


def create_app(platform: Platform) -> OpenAPI:
    app = OpenAPI(
        __name__,
        info=Info(title="TalentCrew API", version="0.1.0"),
        doc_ui=False,
        validation_error_status=422,
        validation_error_callback=from_validation_error,
    )
    app.register_error_handler(HTTPException, from_http_exception)
    app.add_url_rule("/api/openapi.json", "openapi", lambda: app.api_doc)

    @app.get("/api/health", tags=[SERVICE], responses={200: Health})
    def health() -> dict[str, object]:
        """Answers 200 while the process is up, naming the adapter behind each port."""
        return Health(status="ok", adapters=platform.adapters()).model_dump()

    @app.get("/api/blobs/<path:object_name>", tags=[DOWNLOADS], responses={200: None})
    def download(path: BlobPath, query: SignedLink) -> Response:
        """Serves an object behind a link signed by the embedded Blobs adapter, until it expires."""
        blobs = platform.blobs
        if not isinstance(blobs, LocalBlobs):
            return problem(404, "Not Found", "Downloads are served by Cloud Storage in this deployment.")
        try:
            data = blobs.open_link(path.object_name, query.expires, query.filename, query.signature)
        except LinkRefused as refused:
            return problem(403, "Forbidden", f"This download link cannot be used: {refused}.")
        return Response(
            data,
            mimetype="application/pdf" if path.object_name.endswith(".pdf") else "application/octet-stream",
            headers={
                "Content-Disposition": f'attachment; filename="{query.filename}"',
                "Cache-Control": "private, no-store",
            },
        )

    return app
