"""Errors as RFC 9457 problem details (`application/problem+json`) with stable types."""

from __future__ import annotations

import logging
from typing import Any

from flask import Response, json, request
from pydantic import BaseModel, Field, ValidationError
from werkzeug.exceptions import HTTPException

from talentcrew.errors import (
    Conflict,
    DomainError,
    Forbidden,
    NotFound,
    NotReady,
    RateLimited,
    Unaskable,
    Unauthorized,
    Withdrawn,
)

log = logging.getLogger(__name__)

PROBLEM_JSON = "application/problem+json"
TYPE_BASE = "https://talentcrew.dev/problems/"

_STATUS: dict[type[DomainError], tuple[int, str]] = {
    NotFound: (404, "Not Found"),
    Unauthorized: (401, "Unauthorized"),
    Forbidden: (403, "Forbidden"),
    Conflict: (409, "Conflict"),
    NotReady: (409, "Not Ready"),
    RateLimited: (429, "Too Many Requests"),
    Unaskable: (422, "Unprocessable Content"),
    Withdrawn: (410, "Gone"),
}


class FieldError(BaseModel):
    loc: list[str] = Field(description="Path to the offending field, e.g. ['rubric_template', 'core_skills', 0].")
    msg: str
    type: str


class Problem(BaseModel):
    """What every error looks like."""

    type: str = Field(examples=[f"{TYPE_BASE}not-found"])
    title: str
    status: int
    detail: str | None = None
    errors: list[FieldError] | None = None


def problem(status: int, title: str, detail: str = "", slug: str | None = None, **extra: Any) -> Response:
    body: dict[str, Any] = {"type": f"{TYPE_BASE}{slug}" if slug else "about:blank", "title": title, "status": status}
    if detail:
        body["detail"] = detail
    body.update(extra)
    return Response(json.dumps(body), status=status, mimetype=PROBLEM_JSON)


def from_domain_error(error: DomainError) -> Response:
    status, title = _STATUS.get(type(error), (400, "Bad Request"))
    level = logging.WARNING if isinstance(error, RateLimited | Unauthorized) else logging.INFO
    route = request.url_rule.rule if request.url_rule else request.path  # a template: no token in logs
    log.log(level, "%s %s -> %d: %s", request.method, route, status, error, extra={"status": status})
    response = problem(status, title, str(error), slug=error.slug)
    if isinstance(error, Unauthorized):
        response.headers["WWW-Authenticate"] = 'Bearer realm="talentcrew"'
    if isinstance(error, RateLimited):
        response.headers["Retry-After"] = str(error.retry_after)
    return response


def from_http_exception(error: HTTPException) -> Response:
    response = problem(error.code or 500, error.name, error.description or "")
    if error.code == 405 and error.valid_methods:  # type: ignore[attr-defined]
        response.headers["Allow"] = ", ".join(error.valid_methods)  # type: ignore[attr-defined]
    return response


def from_validation_error(error: ValidationError) -> Response:
    """flask-openapi3's hook for bodies, queries, headers and paths that fail their model."""
    errors = [
        {"loc": [str(part) for part in item["loc"]], "msg": item["msg"], "type": item["type"]}
        for item in error.errors(include_url=False, include_context=False, include_input=False)
    ]
    return problem(422, "Unprocessable Content", "The request does not match its schema.", "validation", errors=errors)


def as_problem_json(document: dict[str, Any]) -> dict[str, Any]:
    """flask-openapi3 documents model responses as application/json (and its automatic 422 as a
    list of errors); every problem we send is one `Problem` as application/problem+json."""
    problem_content = {PROBLEM_JSON: {"schema": {"$ref": "#/components/schemas/Problem"}}}
    for operations in document.get("paths", {}).values():
        for operation in operations.values():
            for status, response in operation.get("responses", {}).items():
                schema = response.get("content", {}).get("application/json", {}).get("schema", {})
                if status == "422" or schema.get("$ref", "").endswith("/Problem"):
                    response["content"] = problem_content
    return document


ERRORS: dict[int | str, type[BaseModel]] = {
    "401": Problem,
    "403": Problem,
    "404": Problem,
    "413": Problem,
    "422": Problem,
}
"""The problems every authenticated route may answer (documented in the OpenAPI); 403: the caller's role does
not allow it; 413: a body over the limit."""
