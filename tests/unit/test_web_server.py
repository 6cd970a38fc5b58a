"""The local stand-in for the web app's static hosting (infra/web_server.py)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from infra import web_server
from talentcrew.config import Settings
from tests.servers import _wait_for_port, free_port

TOKEN = "Zq3vR8yT1uW0eX7cB4nM6kL2jH5gF9dS1aP0oI8uY7t"  # the shape of an invite token


@pytest.fixture
def client(tmp_path: Path) -> TestClient:
    (tmp_path / "index.html").write_text("<!doctype html><title>app</title>")
    (tmp_path / "js").mkdir()
    (tmp_path / "js" / "main.js").write_text("export {};")
    (tmp_path.parent / "secret.txt").write_text("not for the web")
    settings = Settings(port=9100, data_dir=tmp_path / "data")
    return TestClient(web_server.app(settings, web=tmp_path))


def test_config_names_the_api(client: TestClient) -> None:
    assert client.get("/config.json").json() == {"api_url": "http://127.0.0.1:9100/api"}


def test_files_are_served_with_their_type(client: TestClient) -> None:
    script = client.get("/js/main.js")
    assert script.status_code == 200 and script.text == "export {};"
    assert script.headers["content-type"].startswith("text/javascript")


@pytest.mark.parametrize("path", ["/", "/interview", "/interview/abc_DEF-123", "/jobs/42", "/sessions"])
def test_pages_of_the_app_get_index_html(client: TestClient, path: str) -> None:
    page = client.get(path)
    assert page.status_code == 200 and "<title>app</title>" in page.text


@pytest.mark.parametrize("path", ["/js/missing.js", "/favicon.ico", "/..%2Fsecret.txt", "/js/..%2F..%2Fsecret.txt"])
def test_missing_files_and_escapes_are_not_found(client: TestClient, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 404
    assert "not for the web" not in response.text


def test_headers_keep_the_page_to_its_own_scripts_and_the_token_out_of_referers(client: TestClient) -> None:
    headers = client.get("/interview/token").headers
    policy = headers["content-security-policy"]
    assert "script-src 'self'" in policy and "'unsafe-inline'" not in policy
    assert "connect-src 'self' http://127.0.0.1:9100 ws://127.0.0.1:9102" in policy
    assert "media-src 'self' blob: http://127.0.0.1:9100 https://storage.googleapis.com;" in policy  # recordings
    assert "frame-ancestors 'none'" in policy
    assert headers["referrer-policy"] == "no-referrer"
    assert headers["permissions-policy"].startswith("microphone=(self)")


def test_the_cloud_run_access_log_prints_no_invite_token(tmp_path: Path) -> None:
    """As on Cloud Run (PORT set, log level info): requests are logged, an old invite link's token is not."""
    port = free_port()
    env = {**os.environ, "PORT": str(port), "TALENTCREW_DATA_DIR": str(tmp_path), "PYTHONUNBUFFERED": "1"}
    server = subprocess.Popen(
        [sys.executable, str(web_server.ROOT / "infra" / "web_server.py")],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        _wait_for_port(port, server, "web server")
        for path in (f"/interview/{TOKEN}", f"/interview/{TOKEN}/?x=1", "/interview", "/jobs/42"):
            with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=10) as response:
                assert response.status == 200
    finally:
        server.send_signal(signal.SIGINT)
        out, err = server.communicate(timeout=20)

    log = (out + err).decode()
    assert TOKEN not in log
    assert log.count('"GET /interview/[redacted] HTTP/1.1" 200') == 2
    assert '"GET /interview HTTP/1.1" 200' in log
    assert '"GET /jobs/42 HTTP/1.1" 200' in log  # the access log itself stays on
