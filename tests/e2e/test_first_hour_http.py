"""What a new user meets over HTTP: as_of honoured or refused, no answer before a facility existed,
one meaning of "through" dates, the docs page without internet, JSON errors from the front server."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from datetime import date
from pathlib import Path

import pytest

from tests.support import facility_payload, stop_process

UNDECLARED_AS_OF = [
    "/api/v1/facilities?as_of=2026-01-01",
    "/api/v1/facilities/91350100M000100Y43?as_of=2026-01-01",
    "/api/v1/prepaid/91350100M000100Y43?as_of=2026-01-01",
]


@pytest.mark.parametrize("path", UNDECLARED_AS_OF)
def test_as_of_where_not_accepted_is_refused_by_name(client, path: str) -> None:
    assert client.post("/api/v1/facilities", json=facility_payload()).status_code in (200, 201, 202)
    response = client.get(path, as_="civil_affairs")
    assert response.status_code == 422, response.get_json()
    body = response.get_json()
    assert body["error"] == "unknown query parameter" and "as_of" in body["fields"]


def test_declared_parameters_still_work_and_a_typo_is_named(client) -> None:
    ok = client.get("/api/v1/facilities?region_code=1405&page_size=5")
    assert ok.status_code == 200
    typo = client.get("/api/v1/facilities?regoin_code=1405")
    assert typo.status_code == 422 and "regoin_code" in typo.get_json()["fields"]


def test_rating_and_grade_before_the_facility_existed_are_404(client) -> None:
    payload = facility_payload(occurred_on="2026-03-01")
    assert client.post("/api/v1/facilities", json=payload).status_code in (200, 201, 202)
    uscc = payload["uscc"]
    before = client.get(f"/api/v1/facilities/{uscc}/rating?as_of=2020-01-01", as_="civil_affairs")
    assert before.status_code == 404 and "as_of" in before.get_json()["fields"]
    assert client.get(f"/api/v1/facilities/{uscc}/grade?as_of=2020-01-01").status_code == 404
    after = client.get(f"/api/v1/facilities/{uscc}/rating?as_of={date(2026, 11, 1)}", as_="civil_affairs")
    assert after.status_code == 200 and after.get_json()["level"] == "A"


def test_swagger_ui_is_served_from_the_installed_package(client) -> None:
    page = client.get("/api/docs")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "cdn." not in html and "https://" not in html.split("<script>")[0].lower()
    assert "/api/docs/assets/swagger-ui-bundle.js" in html
    script = client.get("/api/docs/assets/swagger-ui-bundle.js")
    assert script.status_code == 200 and len(script.get_data()) > 100_000
    css = client.get("/api/docs/assets/swagger-ui.css")
    assert css.status_code == 200


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.mark.slow
def test_front_server_errors_are_json_in_the_declared_shape(tmp_path: Path) -> None:
    """gunicorn answers an unparsable request line itself: that answer is our JSON error too."""
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ELDERCARE_", "DATABASE_URL"))}
    env.update(DATABASE_URL=f"sqlite:///{tmp_path}/events.sqlite", ELDERCARE_VAR_DIR=str(tmp_path / "var"))
    log = open(tmp_path / "serve.log", "wb")  # noqa: SIM115 - closed in finally
    proc = subprocess.Popen([sys.executable, "-m", "infra", "serve", "--port", str(port)], env=env,
                            stdout=log, stderr=subprocess.STDOUT, cwd=Path(__file__).parents[2])
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2)
                break
            except OSError:
                assert time.monotonic() < deadline, (tmp_path / "serve.log").read_text()
                time.sleep(0.3)
        with socket.create_connection(("127.0.0.1", port), timeout=10) as conn:
            conn.sendall("GET /api/v1/facilities/养老 HTTP/1.1\r\nHost: x\r\n\r\n".encode())
            raw = b""
            while chunk := conn.recv(65536):
                raw += chunk
        head, _, body = raw.partition(b"\r\n\r\n")
        assert head.startswith(b"HTTP/1.1 400"), raw[:300]
        assert b"Content-Type: application/json" in head
        import json

        parsed = json.loads(body)
        assert set(parsed) >= {"error", "fields"} and "<html" not in body.decode()
    finally:
        stop_process(proc)
        log.close()
