"""The api function through functions-framework: health, the OpenAPI document, problem+json."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from flask.testing import FlaskClient

from tests.conftest import _fresh_api_client


@pytest.fixture
def client(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[FlaskClient]:
    monkeypatch.setenv("TALENTCREW_DATA_DIR", str(tmp_path))
    yield from _fresh_api_client()


def test_health_names_the_embedded_adapters(client: FlaskClient) -> None:
    response = client.get("/api/health")
    assert response.status_code == 200
    assert response.json == {
        "status": "ok",
        "adapters": {"store": "sqlite", "blobs": "local", "events": "outbox", "mail": "local"},
    }


def test_openapi_document_is_generated_from_the_models(client: FlaskClient) -> None:
    document = client.get("/api/openapi.json").json
    assert document is not None
    assert document["openapi"].startswith("3.")
    assert {"/api/health", "/api/jobs/", "/api/sessions/{id}/connect/"} <= set(document["paths"])
    assert {"Health", "JobView", "Rubric", "InterviewSession", "Problem"} <= set(document["components"]["schemas"])


def test_unknown_path_is_a_problem_json_404(client: FlaskClient) -> None:
    response = client.get("/api/nothing-here/")
    assert response.status_code == 404
    assert response.mimetype == "application/problem+json"
    assert response.json is not None and response.json["status"] == 404 and response.json["title"] == "Not Found"


def test_wrong_method_is_a_problem_json_405(client: FlaskClient) -> None:
    response = client.post("/api/health")
    assert response.status_code == 405
    assert response.mimetype == "application/problem+json"
    assert "GET" in response.headers["Allow"]


def test_invalid_query_is_a_problem_json_422_naming_each_field(client: FlaskClient) -> None:
    response = client.get("/api/blobs/scorecards/x.pdf?expires=1")
    assert response.status_code == 422
    assert response.mimetype == "application/problem+json"
    assert response.json is not None
    assert sorted(error["loc"][-1] for error in response.json["errors"]) == ["filename", "signature"]


def test_every_response_carries_security_headers(client: FlaskClient) -> None:
    for response in (client.get("/api/health"), client.get("/api/nothing-here/")):
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["X-Frame-Options"] == "DENY"
        assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]
        assert response.headers["Cache-Control"] == "no-store"


def test_body_over_the_limit_is_a_problem_json_413(client: FlaskClient) -> None:
    response = client.post("/api/users/", data="x" * (64 * 1024 + 1), content_type="application/json")
    assert response.status_code == 413
    assert response.mimetype == "application/problem+json"
