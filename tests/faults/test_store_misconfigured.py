"""A PostgreSQL server that refuses the configuration is a configuration error (78), not "retry later".

Seen case (a fresh user): `DATABASE_URL=postgresql://postgres@127.0.0.1:5432/no_such_db` made the CLI
exit 69 "database unavailable …; retry later", and `eldercare serve` restart its worker with backoff
for ever, for a database that does not exist. Now (real server, real CLI): a database or a role that
does not exist exits 78 with a message that names it and says what to change, with no traceback and
never the URL's password; `worker`, `api` and `serve` stop with 78 at start (no restart loop); the
HTTP API says "a configuration problem" in its 503; a server that is down is still 69 / 503 / retried.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

from supervision.api import create_app
from tests.support import PG_ADMIN_URL, PG_PREFIX, make_container

ROOT = Path(__file__).parents[2]
SECRET = "Hunter2-never-printed"
SERVER = PG_ADMIN_URL.rsplit("@", 1)[1].rsplit("/", 1)[0]  # 127.0.0.1:5432
EXIT_UNAVAILABLE, EXIT_CONFIG = 69, 78


def _no_database() -> tuple[str, str]:
    name = f"{PG_PREFIX}_no_such_db_{uuid.uuid4().hex[:8]}"
    return f"postgresql://postgres:{SECRET}@{SERVER}/{name}", f'database "{name}" does not exist'


def _no_role() -> tuple[str, str]:
    role = f"{PG_PREFIX}_nosuchrole_{uuid.uuid4().hex[:8]}"
    return f"postgresql://{role}:{SECRET}@{SERVER}/postgres", f'role "{role}" does not exist'


CASES = {"no_database": _no_database, "no_role": _no_role}


def eldercare(url: str, var: Path, *args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items()
           if k not in ("VIEWS_DATABASE_URL", "ELDERCARE_SECRET_KEYS", "ELDERCARE_CONFIG")}
    env.update({"DATABASE_URL": url, "ELDERCARE_VAR_DIR": str(var), "ELDERCARE_LOG_FORMAT": "json",
                "ELDERCARE_TOKEN": "not-a-known-token", "ELDERCARE_TODAY": "2026-11-26"})
    return subprocess.run([sys.executable, "-m", "infra", *args], env=env, cwd=ROOT, capture_output=True,
                          text=True, timeout=timeout)


@pytest.mark.parametrize("case", CASES)
def test_the_cli_exits_78_naming_the_missing_database_or_role_without_trace_or_password(
        postgres, tmp_path, case):
    url, named = CASES[case]()
    var = tmp_path / "var"
    for args in (("facility", "list"), ("facility", "register", "--data", "@examples/facility.json"),
                 ("projections", "status")):
        done = eldercare(url, var, *args)
        said = done.stdout + done.stderr
        assert done.returncode == EXIT_CONFIG, (args, done.returncode, done.stderr)
        assert "error: database misconfigured" in done.stderr and named in done.stderr, done.stderr
        assert "retrying will not help" in done.stderr and "retry later" not in done.stderr
        assert "Traceback" not in said and SECRET not in said
        assert not var.exists()  # a refused command leaves no var/ behind (not even an empty one)


def test_worker_api_and_serve_stop_with_78_at_start_instead_of_restarting(postgres, tmp_path):
    url, named = _no_database()
    var = tmp_path / "var"
    for process in ("worker", "api"):
        done = eldercare(url, var, process, *(("--port", "0") if process == "api" else ()), timeout=90)
        assert done.returncode == EXIT_CONFIG, (process, done.stderr[-2000:])
        assert f"{process}_misconfigured" in done.stderr and named.replace('"', '\\"') in done.stderr
        assert SECRET not in done.stdout + done.stderr
    started = time.monotonic()
    served = eldercare(url, var, "serve", "--port", "0", "--workers", "1", timeout=180)
    said = served.stdout + served.stderr
    assert served.returncode == EXIT_CONFIG, said[-3000:]
    assert "child_misconfigured" in said and said.count("child_started") <= 2  # each child once
    assert time.monotonic() - started < 120 and SECRET not in said and "Traceback" not in said
    assert not var.exists()


def test_a_server_that_is_down_is_still_retry_later_69(tmp_path):
    down = f"postgresql://postgres:{SECRET}@127.0.0.1:1/x"
    done = eldercare(down, tmp_path / "var", "facility", "list")
    assert done.returncode == EXIT_UNAVAILABLE, done.stderr
    assert "error: database unavailable" in done.stderr and done.stderr.rstrip().endswith("retry later")
    worker = eldercare(down, tmp_path / "var", "worker")
    assert worker.returncode == EXIT_UNAVAILABLE and "worker_store_unavailable" in worker.stderr


def test_the_http_api_answers_503_saying_it_is_a_configuration_problem(postgres, tmp_path):
    """As when the database is dropped under a running server (whose key exists already)."""
    url, named = _no_database()
    container = make_container(url, tmp_path / "var", secret_keys=(Fernet.generate_key(),))
    try:
        http = create_app(container).test_client()
        for response in (http.get("/api/v1/facilities"), http.get("/healthz"),
                         http.get("/api/v1/facilities/52140502MJY0000101")):
            assert response.status_code == 503, response.json
            error = response.json["error"]
            assert error.startswith("database misconfigured: the database does not exist")
            assert named in error and "configuration problem" in error and SECRET not in error
            assert "Retry-After" not in response.headers  # waiting does not cure it
            assert response.json["request_id"] == response.headers["X-Request-Id"]
    finally:
        container.close()
