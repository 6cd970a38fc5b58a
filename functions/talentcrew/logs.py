"""Logging: JSON lines that Cloud Logging reads, or plain lines in a terminal.

Cloud Logging takes `severity`, `message` and `logging.googleapis.com/trace` from a JSON line that
a Cloud Run or Cloud Functions process writes (stderr serves as well as stdout, and keeps stdout
free for a command's own output); `set_trace` reads the request's trace header so a request's lines
group together.
"""

from __future__ import annotations

import logging
import re
import sys
from contextvars import ContextVar
from typing import Literal

from pythonjsonlogger.json import JsonFormatter

_trace: ContextVar[str | None] = ContextVar("trace", default=None)
_CLOUD_TRACE = re.compile(r"^([0-9a-f]{32})(/\d+)?(;o=\d)?$")
_TRACEPARENT = re.compile(r"^00-([0-9a-f]{32})-[0-9a-f]{16}-[0-9a-f]{2}$")
TRACE_FIELD = "logging.googleapis.com/trace"


def set_trace(project: str, cloud_trace: str | None, traceparent: str | None) -> None:
    """Remembers this request's trace (from `X-Cloud-Trace-Context` or `traceparent`)."""
    match = _CLOUD_TRACE.match(cloud_trace or "") or _TRACEPARENT.match(traceparent or "")
    _trace.set(f"projects/{project}/traces/{match.group(1)}" if match and project else None)


class _TraceFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        trace = _trace.get()
        if trace:
            setattr(record, TRACE_FIELD, trace)
        return True


def setup(level: str = "INFO", fmt: Literal["auto", "json", "text"] = "auto") -> None:
    """Configures the root logger once per process; calling again replaces the handler."""
    use_json = fmt == "json" or (fmt == "auto" and not sys.stderr.isatty())
    handler = logging.StreamHandler(sys.stderr)
    handler.addFilter(_TraceFilter())
    if use_json:
        handler.setFormatter(
            JsonFormatter(
                "{levelname}{message}{name}",
                style="{",
                rename_fields={"levelname": "severity", "name": "logger"},
                timestamp="time",
            )
        )
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)-7s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
