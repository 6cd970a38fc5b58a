"""HTTP function `api`: the REST API for recruiters (and the candidate's join link)."""

from __future__ import annotations

import functools

import flask
import functions_framework

from api.app import create_app
from talentcrew import logs
from talentcrew.config import platform


@functools.cache
def _app() -> flask.Flask:
    return create_app(platform())


@functions_framework.http
def api(request: flask.Request) -> flask.Response:
    """Routes the request through the API's own Flask app (functions-framework hands us one request)."""
    logs.set_trace(
        platform().settings.gcp_project,
        request.headers.get("X-Cloud-Trace-Context"),
        request.headers.get("traceparent"),
    )
    app = _app()
    with app.request_context(request.environ):
        return app.full_dispatch_request()
