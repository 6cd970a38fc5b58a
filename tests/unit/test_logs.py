"""Unit tests for JSON logging and Cloud Trace correlation."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from typing import Any

import pytest

from talentcrew import logs

TRACE_ID = "0123456789abcdef0123456789abcdef"


@pytest.fixture(autouse=True)
def clean_logging() -> Iterator[None]:
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    logs.set_trace("proj", None, None)
    yield
    logs.set_trace("proj", None, None)
    root.handlers[:] = handlers
    root.setLevel(level)


def json_lines(capsys: pytest.CaptureFixture[str]) -> list[dict[str, Any]]:
    out = capsys.readouterr().err
    return [json.loads(line) for line in out.splitlines()]


def test_json_line_has_severity_message_logger_and_extras(capsys: pytest.CaptureFixture[str]) -> None:
    logs.setup("INFO", fmt="json")
    logging.getLogger("talentcrew.test").warning("hello %s", "world", extra={"session_id": "s1", "n": 3})
    [line] = json_lines(capsys)
    assert line["severity"] == "WARNING"
    assert line["message"] == "hello world"
    assert line["logger"] == "talentcrew.test"
    assert line["session_id"] == "s1"
    assert line["n"] == 3
    assert logs.TRACE_FIELD not in line


def test_level_filters_lower_records(capsys: pytest.CaptureFixture[str]) -> None:
    logs.setup("warning", fmt="json")
    logging.getLogger("talentcrew.test").info("quiet")
    logging.getLogger("talentcrew.test").error("loud")
    assert [line["message"] for line in json_lines(capsys)] == ["loud"]


def test_cloud_trace_header_sets_trace_field(capsys: pytest.CaptureFixture[str]) -> None:
    logs.setup("INFO", fmt="json")
    logs.set_trace("proj", f"{TRACE_ID}/1;o=1", None)
    logging.getLogger("talentcrew.test").info("traced")
    [line] = json_lines(capsys)
    assert line[logs.TRACE_FIELD] == f"projects/proj/traces/{TRACE_ID}"


def test_traceparent_header_sets_trace_field(capsys: pytest.CaptureFixture[str]) -> None:
    logs.setup("INFO", fmt="json")
    logs.set_trace("proj", None, f"00-{TRACE_ID}-00f067aa0ba902b7-01")
    logging.getLogger("talentcrew.test").info("traced")
    [line] = json_lines(capsys)
    assert line[logs.TRACE_FIELD] == f"projects/proj/traces/{TRACE_ID}"


@pytest.mark.parametrize("header", ["garbage", f"{TRACE_ID.upper()}/1", f"{TRACE_ID[:-1]}/1;o=1", ""])
def test_garbage_header_yields_no_trace_field(capsys: pytest.CaptureFixture[str], header: str) -> None:
    logs.setup("INFO", fmt="json")
    logs.set_trace("proj", header, "00-nothex-00f067aa0ba902b7-01")
    logging.getLogger("talentcrew.test").info("untraced")
    [line] = json_lines(capsys)
    assert logs.TRACE_FIELD not in line


def test_new_request_replaces_previous_trace(capsys: pytest.CaptureFixture[str]) -> None:
    logs.setup("INFO", fmt="json")
    logs.set_trace("proj", f"{TRACE_ID}/1;o=1", None)
    logs.set_trace("proj", "garbage", None)
    logging.getLogger("talentcrew.test").info("untraced")
    [line] = json_lines(capsys)
    assert logs.TRACE_FIELD not in line


def test_empty_project_yields_no_trace_field(capsys: pytest.CaptureFixture[str]) -> None:
    logs.setup("INFO", fmt="json")
    logs.set_trace("", f"{TRACE_ID}/1;o=1", None)
    logging.getLogger("talentcrew.test").info("untraced")
    [line] = json_lines(capsys)
    assert logs.TRACE_FIELD not in line
