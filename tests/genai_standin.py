"""A local stand-in for the Gemini Developer API's `generateContent`, for the real google-genai client.

The client reaches it through `HttpOptions(base_url=...)` with an API key: google-genai 3.3.0 then
POSTs JSON to `{base_url}/v1/models/{model}:generateContent` (`v1beta` under
GOOGLE_GENAI_API_VERSION=beta) with the key in `x-goog-api-key`. The stand-in is strict about that
shape, as the real API is: a wrong path is a 404, a missing or wrong key a 403, an unknown field or a
wrong type a 400 in Google's error envelope, so an adapter that builds the request by hand wrongly
fails here. Every request, good or rejected, is recorded for the tests to read.
"""

from __future__ import annotations

import itertools
import json
import re
import threading
import time
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

PATH = re.compile(r"^/(?P<version>v1|v1beta)/models/(?P<model>[A-Za-z0-9._-]+):generateContent$")
API_KEY = "standin-api-key"

REQUEST_FIELDS = {
    "contents",
    "systemInstruction",
    "generationConfig",
    "safetySettings",
    "tools",
    "toolConfig",
    "cachedContent",
    "labels",
    "serviceTier",
}
GENERATION_CONFIG_FIELDS = {
    "temperature",
    "topP",
    "topK",
    "candidateCount",
    "maxOutputTokens",
    "stopSequences",
    "responseLogprobs",
    "logprobs",
    "presencePenalty",
    "frequencyPenalty",
    "seed",
    "responseMimeType",
    "responseSchema",
    "responseJsonSchema",
    "responseModalities",
    "mediaResolution",
    "speechConfig",
    "thinkingConfig",
}
SCHEMA_TYPES = {"STRING", "NUMBER", "INTEGER", "BOOLEAN", "ARRAY", "OBJECT", "NULL"}
STATUS_NAMES = {400: "INVALID_ARGUMENT", 403: "PERMISSION_DENIED", 404: "NOT_FOUND", 429: "RESOURCE_EXHAUSTED"}


class Rejected(Exception):
    """The request is not one the real API would accept."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


@dataclass
class Reply:
    """One queued answer: a reply text in the generateContent envelope, or an HTTP error."""

    text: str | None = None
    status: int = 200
    finish_reason: str = "STOP"
    delay_seconds: float = 0.0


@dataclass
class Received:
    """One request as the stand-in saw it."""

    path: str
    headers: dict[str, str]
    raw: str
    body: dict[str, Any]
    model: str = ""
    rejected: str = ""

    @property
    def generation_config(self) -> dict[str, Any]:
        config: dict[str, Any] = self.body.get("generationConfig", {})
        return config

    @property
    def system_text(self) -> str:
        return "".join(part["text"] for part in self.body.get("systemInstruction", {}).get("parts", []))

    @property
    def user_text(self) -> str:
        return "".join(part["text"] for content in self.body.get("contents", []) for part in content["parts"])


def _check_parts(where: str, content: Any, roles: set[str]) -> None:
    if not isinstance(content, dict) or not set(content) <= {"role", "parts"}:
        raise Rejected(400, f"Invalid JSON payload received. Unknown name in {where}: {content!r:.200}")
    if "role" in content and content["role"] not in roles:
        raise Rejected(400, f"Please use a valid role: {', '.join(sorted(roles))}.")
    parts = content.get("parts")
    if not isinstance(parts, list) or not parts:
        raise Rejected(400, f"{where}.parts must not be empty.")
    for part in parts:
        if not isinstance(part, dict) or set(part) != {"text"} or not isinstance(part["text"], str):
            raise Rejected(400, f"Invalid JSON payload received. {where}.parts: only text parts are expected here.")


def _check_schema(where: str, schema: Any) -> None:
    if not isinstance(schema, dict) or str(schema.get("type", "")).upper() not in SCHEMA_TYPES:
        raise Rejected(400, f"{where}: a schema needs a valid type.")
    if str(schema["type"]).upper() == "OBJECT":
        properties = schema.get("properties")
        if not isinstance(properties, dict) or not properties:
            raise Rejected(400, f"{where}.properties: should be non-empty for OBJECT type")
        for name, sub_schema in properties.items():
            _check_schema(f"{where}.properties[{name}]", sub_schema)
        missing = set(schema.get("required", [])) - set(properties)
        if missing:
            raise Rejected(400, f"{where}.required: {sorted(missing)} are not properties")
    if str(schema["type"]).upper() == "ARRAY":
        _check_schema(f"{where}.items", schema.get("items"))


def check_request(body: Any) -> None:
    """The checks the real endpoint makes that a client could get wrong."""
    if not isinstance(body, dict):
        raise Rejected(400, "Invalid JSON payload received.")
    unknown = set(body) - REQUEST_FIELDS
    if unknown:
        raise Rejected(400, f"Invalid JSON payload received. Unknown name(s): {sorted(unknown)}")
    contents = body.get("contents")
    if not isinstance(contents, list) or not contents:
        raise Rejected(400, "* GenerateContentRequest.contents: contents is not specified")
    for index, content in enumerate(contents):
        _check_parts(f"contents[{index}]", content, {"user", "model"})
    if "systemInstruction" in body:
        _check_parts("systemInstruction", body["systemInstruction"], {"user", "system"})
    config = body.get("generationConfig", {})
    if not isinstance(config, dict):
        raise Rejected(400, "Invalid JSON payload received. generationConfig must be an object.")
    unknown = set(config) - GENERATION_CONFIG_FIELDS
    if unknown:
        raise Rejected(400, f"Invalid JSON payload received. Unknown name(s) in generationConfig: {sorted(unknown)}")
    temperature = config.get("temperature", 1.0)
    if not isinstance(temperature, int | float) or not 0 <= temperature <= 2:
        raise Rejected(400, "generationConfig.temperature must be a number in [0, 2].")
    if "responseSchema" in config:
        if config.get("responseMimeType") != "application/json":
            raise Rejected(400, "response_mime_type must be application/json when response_schema is set.")
        _check_schema("generationConfig.responseSchema", config["responseSchema"])


def envelope(text: str, model: str, finish_reason: str, number: int) -> dict[str, Any]:
    """The generateContent response, as the Gemini Developer API writes it."""
    prompt_tokens, reply_tokens = 100, max(1, len(text) // 4)
    return {
        "candidates": [
            {"content": {"parts": [{"text": text}], "role": "model"}, "finishReason": finish_reason, "index": 0}
        ],
        "usageMetadata": {
            "promptTokenCount": prompt_tokens,
            "candidatesTokenCount": reply_tokens,
            "totalTokenCount": prompt_tokens + reply_tokens,
        },
        "modelVersion": model,
        "responseId": f"standin-{number}",
    }


def error_envelope(status: int, message: str) -> dict[str, Any]:
    name = STATUS_NAMES.get(status, "INTERNAL" if status >= 500 else HTTPStatus(status).phrase.upper())
    return {"error": {"code": status, "message": message, "status": name}}


@dataclass
class GenAIStandIn:
    """The server's state: replies to give, in order, and every request received."""

    base_url: str = ""
    replies: deque[Reply] = field(default_factory=deque)
    requests: list[Received] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    counter: Iterator[int] = field(default_factory=itertools.count)

    def reply(self, text: str, *, finish_reason: str = "STOP", delay_seconds: float = 0.0) -> None:
        """Queues a 200 whose candidate's text is `text` (any text: malformed JSON is the point of some tests)."""
        self.replies.append(Reply(text=text, finish_reason=finish_reason, delay_seconds=delay_seconds))

    def fail(self, status: int, times: int = 1) -> None:
        """Queues `times` HTTP errors with this status, in Google's error envelope."""
        self.replies.extend(Reply(status=status) for _ in range(times))

    @property
    def accepted(self) -> list[Received]:
        return [request for request in self.requests if not request.rejected]

    @property
    def rejections(self) -> list[str]:
        return [request.rejected for request in self.requests if request.rejected]

    def answer(self, received: Received) -> tuple[int, dict[str, Any], float]:
        """Checks a request and picks its reply: (status, JSON body, delay before sending)."""
        with self.lock:
            self.requests.append(received)
            try:
                match = PATH.match(received.path)
                if match is None:
                    raise Rejected(404, f"The requested URL {received.path} was not found on this server.")
                received.model = match["model"]
                if received.headers.get("x-goog-api-key") != API_KEY:
                    raise Rejected(403, "Method doesn't allow unregistered callers. Please use an API key.")
                if not received.headers.get("content-type", "").startswith("application/json"):
                    raise Rejected(400, "Content-Type must be application/json.")
                check_request(received.body)
                if not self.replies:
                    raise Rejected(400, "stand-in: no reply queued for this request")
            except Rejected as rejected:
                received.rejected = f"{rejected.status}: {rejected}"
                return rejected.status, error_envelope(rejected.status, str(rejected)), 0.0
            reply = self.replies.popleft()
            if reply.status != 200:
                return reply.status, error_envelope(reply.status, "stand-in: queued failure"), 0.0
            body = envelope(reply.text or "", received.model, reply.finish_reason, next(self.counter))
            return 200, body, reply.delay_seconds


def _handler(standin: GenAIStandIn) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self) -> None:
            raw = self.rfile.read(int(self.headers.get("Content-Length", "0"))).decode()
            try:
                body = json.loads(raw)
            except json.JSONDecodeError:
                body = None
            headers = {name.lower(): value for name, value in self.headers.items()}
            status, payload, delay = standin.answer(Received(self.path, headers, raw, body))
            time.sleep(delay)
            self._send(status, payload)

        def do_GET(self) -> None:
            self._send(404, error_envelope(404, f"The requested URL {self.path} was not found on this server."))

        def _send(self, status: int, payload: dict[str, Any]) -> None:
            data = json.dumps(payload).encode()
            try:
                self.send_response(status)
                self.send_header("Content-Type", "application/json; charset=UTF-8")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up (its timeout): nothing to answer

        def log_message(self, format: str, *args: Any) -> None:
            """Quiet: the recorded requests say everything a test needs."""

    return Handler


@contextmanager
def serve() -> Iterator[GenAIStandIn]:
    """A stand-in listening on a free loopback port until the block ends."""
    standin = GenAIStandIn()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(standin))
    server.daemon_threads = True
    standin.base_url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), name="genai-standin", daemon=True)
    thread.start()
    try:
        yield standin
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
