"""Every error answer carries its request id, in the body and in `X-Request-Id`.

Seen case (a fresh user): `GET /api/v1/facilities?name=城` sent with the raw UTF-8 bytes got a 400
`{"error", "fields"}` without `request_id` and without the header: gunicorn refuses such a request
line itself, before Flask (whose hooks give every other answer its id) sees it. Now the front
server's own refusals carry a fresh id (and log it), and an error raised in Flask before the hook that
sets the id gets one too; 404 for an unknown URL, 405 and 413 keep theirs.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from werkzeug.exceptions import BadRequest

from supervision.api import create_app
from tests.support import make_container

ROOT = Path(__file__).parents[2]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _exchange(port: int, raw: bytes) -> tuple[int, dict[str, str], bytes]:
    with socket.create_connection(("127.0.0.1", port), timeout=10) as conn:
        conn.sendall(raw)
        answer = b""
        while chunk := conn.recv(65536):
            answer += chunk
    head, _, body = answer.partition(b"\r\n\r\n")
    status_line, *header_lines = head.decode("latin-1").split("\r\n")
    headers = {k.strip().lower(): v.strip() for k, v in (line.split(":", 1) for line in header_lines)}
    return int(status_line.split()[1]), headers, body


@pytest.fixture
def served(tmp_path, today) -> Iterator[int]:
    """`eldercare api` (gunicorn, the JSON error worker) on a SQLite store, on a free port."""
    url, var = f"sqlite:///{tmp_path}/events.sqlite", tmp_path / "var"
    make_container(url, var, today=today).close()
    port = _free_port()
    env = {**{k: v for k, v in os.environ.items() if k != "ELDERCARE_CONFIG"}, "DATABASE_URL": url,
           "ELDERCARE_VAR_DIR": str(var), "ELDERCARE_LOG_FORMAT": "json"}
    api = subprocess.Popen([sys.executable, "-m", "infra", "api", "--port", str(port)], env=env, cwd=ROOT,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                _exchange(port, b"GET /api/v1/facilities?page_size=1 HTTP/1.1\r\nHost: x\r\n"
                                b"Connection: close\r\n\r\n")
                break
            except OSError:
                assert api.poll() is None and time.monotonic() < deadline, "eldercare api did not start"
                time.sleep(0.2)
        yield port
    finally:
        api.terminate()
        try:
            api.wait(timeout=30)
        except subprocess.TimeoutExpired:
            api.kill()
            api.wait()


REQUESTS = {
    "raw non-ASCII in the URL (gunicorn)": ("GET /api/v1/facilities?name=城 HTTP/1.1".encode(), 400),
    "unparsable request line (gunicorn)": (b"GARBAGE", 400),
    "unknown URL (werkzeug routing)": (b"GET /api/v1/no-such-thing HTTP/1.1", 404),
    "method not allowed (werkzeug routing)": (b"DELETE /api/v1/facilities HTTP/1.1", 405),
    "body over the limit": (b"POST /api/v1/facilities HTTP/1.1\r\nContent-Type: application/json\r\n"
                            b"Content-Length: 99999999", 413),
}


def test_every_error_of_the_served_api_carries_its_request_id_in_body_and_header(served):
    for what, (request, status) in REQUESTS.items():
        code, headers, body = _exchange(served, request + b"\r\nHost: x\r\nConnection: close\r\n\r\n")
        assert code == status, (what, code, body[:300])
        parsed = json.loads(body)
        assert set(parsed) == {"error", "fields", "request_id"}, (what, parsed)
        assert parsed["request_id"] and headers.get("x-request-id") == parsed["request_id"], (what, headers)


def test_an_error_raised_before_the_request_id_hook_still_carries_one(tmp_path, today):
    container = make_container(f"sqlite:///{tmp_path}/events.sqlite", tmp_path / "var", today=today)
    try:
        app = create_app(container)

        def refuse_first() -> None:  # e.g. an extension's hook that runs before ours
            raise BadRequest("refused before the request id was set")

        app.before_request_funcs.setdefault(None, []).insert(0, refuse_first)
        answer = app.test_client().get("/api/v1/facilities")
        assert answer.status_code == 400
        assert answer.json["request_id"] and answer.headers["X-Request-Id"] == answer.json["request_id"]
    finally:
        container.close()
