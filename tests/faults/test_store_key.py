"""A process whose key did not seal this store's personal data refuses to start (infra/key_check.py).

Seen case: `eldercare serve` from a second var dir against the same PostgreSQL database generated a new
`secret.key` and sealed new personal data with it — unreadable to the first, and the first's unreadable
to it. Now: the CLI exits 78 with the reason, `serve` stops with 78 instead of restarting for ever, and
no new key file is left behind; a rotation (new key first, old after it) is accepted.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

from infra.key_check import StoreKeyMismatch, fingerprint
from tests.faults.poison import register, sample_rows
from tests.support import make_container

ROOT = Path(__file__).parents[2]


def _first(pg_url: str, tmp_path: Path, today) -> bytes:
    """A store with sealed personal data under var-a's key; returns that key."""
    first = make_container(pg_url, tmp_path / "var-a", today=today)
    register(first, sample_rows(1))  # the profile's personal part is sealed
    first.close()
    return (tmp_path / "var-a" / "secret.key").read_bytes().strip()


def test_a_second_var_dir_with_a_new_key_is_refused_and_leaves_no_key(pg_url, tmp_path, today):
    _first(pg_url, tmp_path, today)
    second = make_container(pg_url, tmp_path / "var-b", today=today, seed=False)
    with pytest.raises(StoreKeyMismatch, match="sealed with another key"):
        _ = second.app
    assert not (tmp_path / "var-b" / "secret.key").exists()  # no new key beside the data
    second.close()


def test_a_rotation_new_key_first_is_accepted_and_then_the_new_key_alone(pg_url, tmp_path, today):
    old = _first(pg_url, tmp_path, today)
    new = Fernet.generate_key()
    rotated = make_container(pg_url, tmp_path / "var-c", today=today, seed=False, secret_keys=(new, old))
    register(rotated, sample_rows(2)[1:])  # sealed with the new key
    rotated.close()
    alone = make_container(pg_url, tmp_path / "var-d", today=today, seed=False, secret_keys=(new,))
    assert alone.app.recorder.max_notification_id() > 0  # starts: the store knows the new key now
    alone.close()
    assert fingerprint(new) != fingerprint(old)


def test_cli_exits_78_and_serve_stops_with_78_instead_of_restarting(pg_url, tmp_path, today):
    _first(pg_url, tmp_path, today)
    var = tmp_path / "var-e"
    env = {**os.environ, "DATABASE_URL": pg_url, "ELDERCARE_VAR_DIR": str(var),
           "ELDERCARE_TODAY": today.isoformat(), "ELDERCARE_LOG_FORMAT": "json"}
    cli = subprocess.run([sys.executable, "-m", "infra", "projections", "status"], env=env, cwd=ROOT,
                         capture_output=True, text=True, timeout=120)
    assert cli.returncode == 78, (cli.stdout, cli.stderr)
    assert "sealed with another key" in cli.stderr and "Traceback" not in cli.stderr
    started = time.monotonic()
    serve = subprocess.run([sys.executable, "-m", "infra", "serve", "--port", "0", "--workers", "1"],
                           env=env, cwd=ROOT, capture_output=True, text=True, timeout=180)
    assert serve.returncode == 78, serve.stderr[-3000:]
    assert "child_misconfigured" in serve.stdout + serve.stderr
    assert (serve.stdout + serve.stderr).count("child_started") <= 2  # the worker and the API, once each
    assert time.monotonic() - started < 120
    assert not (var / "secret.key").exists()


def test_a_malformed_key_is_a_setting_error_exit_78_not_a_traceback(pg_url, tmp_path, today):
    """A key that is not a Fernet key, in ELDERCARE_SECRET_KEYS or in var/secret.key, is refused like
    any malformed setting (EX_CONFIG), naming where it came from; a new installation writes nothing."""
    garbled = tmp_path / "var-g"
    garbled.mkdir()
    (garbled / "secret.key").write_bytes(b"not a key\n")
    cases = [({"ELDERCARE_SECRET_KEYS": "notakey", "ELDERCARE_VAR_DIR": str(tmp_path / "var-f")},
              "ELDERCARE_SECRET_KEYS"),
             ({"ELDERCARE_VAR_DIR": str(garbled)}, str(garbled / "secret.key"))]
    for extra, where in cases:
        env = {**{k: v for k, v in os.environ.items() if k != "ELDERCARE_SECRET_KEYS"},
               "DATABASE_URL": pg_url, "ELDERCARE_TODAY": today.isoformat(), **extra}
        cli = subprocess.run([sys.executable, "-m", "infra", "init"], env=env, cwd=ROOT,
                             capture_output=True, text=True, timeout=120)
        assert cli.returncode == 78, (cli.stdout, cli.stderr)
        assert f"{where} holds a malformed key" in cli.stderr and "Traceback" not in cli.stderr
    assert (garbled / "secret.key").read_bytes() == b"not a key\n"  # left for its operator to see
