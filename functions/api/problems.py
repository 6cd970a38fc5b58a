"""Errors as RFC 9457 problem details (`application/problem+json`)."""

from __future__ import annotations

from typing import Any

from flask import Response, json
from pydantic import ValidationError
from werkzeug.exceptions import HTTPException

PROBLEM_JSON = "application/problem+json"


def problem(status: int, title: str, detail: str = "", **extra: Any) -> Response:
    body = {"type": "about:blank", "title": title, "status": status, **extra}
    if detail:
        body["detail"] = detail
    return Response(json.dumps(body), status=status, mimetype=PROBLEM_JSON)


def from_http_exception(error: HTTPException) -> Response:
    return problem(error.code or 500, error.name, error.description or "")


def from_validation_error(error: ValidationError) -> Response:
    """flask-openapi3's hook for request bodies, queries and paths that fail their model."""
    errors = [
        {"loc": [str(part) for part in item["loc"]], "msg": item["msg"], "type": item["type"]}
        for item in error.errors(include_url=False, include_context=False, include_input=False)
    ]
    return problem(422, "Unprocessable Content", "The request does not match its schema.", errors=errors)
