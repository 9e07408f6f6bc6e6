"""`eldercare serve` as a real process: gunicorn workers, projections in the master, read-your-writes."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from supervision.auth import TokenStore
from supervision.domain.values import Actor
from tests.support import facility_payload, make_container


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def call(method: str, url: str, body: dict | None = None, token: str | None = None) -> tuple[int, dict]:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, method=method)
    request.add_header("Content-Type", "application/json")
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as err:
        return err.code, json.loads(err.read())


@pytest.fixture
def server(store_url: str, tmp_path: Path):
    port = free_port()
    var = tmp_path / "var"
    token = TokenStore(var / "tokens.json").issue(Actor("mz", "MZJ-350102", "civil_affairs"))
    make_container(store_url, var).close()  # registers the seed agencies the token belongs to
    env = {**os.environ, "DATABASE_URL": store_url, "ELDERCARE_VAR_DIR": str(var),
           "ELDERCARE_LOG_FORMAT": "json", "ELDERCARE_TODAY": "2026-11-26"}
    log = open(tmp_path / "serve.log", "wb")  # noqa: SIM115 - held open for the process's lifetime
    proc = subprocess.Popen([sys.executable, "-m", "infra", "serve", "--port", str(port), "--workers", "2"],
                            env=env, stdout=log, stderr=subprocess.STDOUT, cwd=Path(__file__).parents[2])
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 90  # generous: CI machines are small and busy
    while time.monotonic() < deadline:
        try:
            if call("GET", f"{base}/healthz")[0] == 200:
                break
        except OSError:
            pass
        time.sleep(0.2)
    else:
        proc.kill()
        pytest.fail((tmp_path / "serve.log").read_text())
    yield base, token, tmp_path / "serve.log"
    proc.terminate()
    proc.wait(timeout=20)
    log.close()


def test_served_api_reads_its_own_writes_and_logs_one_json_line_per_request(server):
    base, token, log_path = server
    status, body = call("POST", f"{base}/api/v1/facilities", facility_payload(), token)
    assert status == 201, body
    # the projections run in the gunicorn master; the worker waited for them before answering
    status, shown = call("GET", f"{base}/api/v1/facilities/91350100M000100Y43")
    assert status == 200 and shown["version"] == 1
    status, body = call("POST", f"{base}/api/v1/facilities", facility_payload(), token)
    assert status == 409
    status, spec = call("GET", f"{base}/api/openapi.json")
    assert status == 200 and "/api/v1/facilities" in spec["paths"]
    time.sleep(0.3)
    lines = [json.loads(line) for line in log_path.read_text().splitlines() if line.startswith("{")]
    handled = [x for x in lines if x.get("event") == "request_handled"]
    assert {(x["method"], x["status"]) for x in handled} >= {("POST", 201), ("GET", 200), ("POST", 409)}
    assert all(x.get("request_id") for x in handled)
    assert "13800138000" not in log_path.read_text()
