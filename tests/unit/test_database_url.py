"""A database URL no driver could use is a setting error (exit 78) naming the variable, never a
traceback (found by a fresh-user try: a bad port, an open IPv6 bracket and `sqlite://file` raised
ValueError from deep inside, exit 1), and never shows its password."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from infra.settings import Settings, SettingsError, with_scheme

ROOT = Path(__file__).parents[2]


@pytest.mark.parametrize(("url", "said"), [
    ("postgresql://postgres:s3cret@127.0.0.1:notaport/db", "is malformed: Port could not be cast"),
    ("postgresql://postgres:s3cret@127.0.0.1:99999/db", "is malformed: Port out of range"),
    ("postgresql://postgres:s3cret@127.0.0.1:0/db", "is malformed: port 0"),
    ("postgresql://postgres:s3cret@[::1/db", "is malformed: Invalid IPv6 URL"),
    ("postgresql://post gres:s3cret@127.0.0.1/db", "holds spaces or control characters"),
    ("postgresql://postgres:s3cret@127.0.0.1/db\n", "holds spaces or control characters"),
    ("sqlite://relative.sqlite", "a SQLite URL has no host part"),
    ("sqlite:///", "names no SQLite file"),
    ("postgresql://postgres:s3cret@127.0.0.1/", "must name a database"),
    ("mysql://root:s3cret@127.0.0.1/db", "scheme 'mysql' is not supported"),
])
def test_a_url_no_driver_could_use_is_a_setting_error_without_its_password(url, said, tmp_path):
    for name in ("DATABASE_URL", "VIEWS_DATABASE_URL"):
        env = {"DATABASE_URL": f"sqlite:///{tmp_path}/e.sqlite", name: url}
        with pytest.raises(SettingsError) as refused:
            Settings.from_env(env, cwd=tmp_path)
        message = str(refused.value)
        assert name in message and said in message and "s3cret" not in message


def test_the_cli_exits_78_on_a_malformed_url_with_no_traceback(tmp_path):
    env = {**os.environ, "DATABASE_URL": "postgresql://postgres:s3cret@127.0.0.1:notaport/db",
           "ELDERCARE_VAR_DIR": str(tmp_path / "var"), "PYTHONPATH": str(ROOT)}
    done = subprocess.run([sys.executable, "-m", "infra", "facility", "list"], env=env, cwd=tmp_path,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 78, done.stderr
    assert "DATABASE_URL='postgresql://postgres:***@127.0.0.1:notaport/db' is malformed" in done.stderr
    assert "Traceback" not in done.stderr and "s3cret" not in done.stderr


def test_a_libpq_url_with_its_host_in_the_query_is_kept_whole():
    """`postgresql:///db?host=/var/run/postgresql&user=postgres` (a socket folder, no host part) is a
    valid libpq URL: the scheme is swapped without turning `///` into `/`, and the event store's
    connection takes host, port and user from the query."""
    url = "postgresql:///db?host=/var/run/postgresql&port=5433&user=eldercare"
    assert with_scheme(url, "postgresql+psycopg") == "postgresql+psycopg:///db?host=/var/run/postgresql&port=5433&user=eldercare"
    env = Settings.from_env({"DATABASE_URL": url}).store_env()
    assert (env["POSTGRES_HOST"], env["POSTGRES_PORT"], env["POSTGRES_USER"], env["POSTGRES_DBNAME"]) == (
        "/var/run/postgresql", "5433", "eldercare", "db")
