"""HTTP function `api`: the REST API for recruiters (and the candidate's join link)."""

from __future__ import annotations

import functools
import io

import flask
import functions_framework
from werkzeug.wrappers import Response

from api.app import create_app
from talentcrew import logs
from talentcrew.config import platform


@functools.cache
def _app() -> flask.Flask:
    built = platform()
    built.tokens.load_signing_keys()  # an api missing a key fails at start, not at the first login
    return create_app(built)


@functions_framework.http
def api(request: flask.Request) -> Response:
    """Routes the request through the API's own Flask app (functions-framework hands us one request)."""
    logs.set_trace(
        platform().settings.gcp_project,
        request.headers.get("X-Cloud-Trace-Context"),
        request.headers.get("traceparent"),
    )
    # functions-framework reads the body again after we answer, so read it once here and give the
    # API app its own copy (Cloud Functions itself caps request bodies at 32 MB). The request then goes
    # through the app's whole WSGI stack, middleware included (ProxyFix: the true client address), so
    # the deployed function and the tests take one path.
    body = request.get_data(cache=True)
    environ = {**request.environ, "wsgi.input": io.BytesIO(body), "CONTENT_LENGTH": str(len(body))}
    return Response.from_app(_app(), environ)
