"""A read-only command pointed at an empty PostgreSQL database: refused, the database left empty.

A fresh user ran `DATABASE_URL=postgresql://.../<new database> eldercare projections status` (and
`facility list`): the command answered as if all were well and filled the database with an empty
event store and every view's tables, where on SQLite a missing store is refused with exit 78 ("run
`eldercare init`"). A database without the event store's table is no store: commands other than
`init`, `demo`, `serve` (and `--bootstrap` of a new installation) refuse it with exit 78, naming the
database without its password; a database that cannot be reached stays exit 69 (retry later).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest

from infra.settings import POSTGRES_EVENTS_TABLE, Settings
from tests.support import fresh_pg_database, make_container

ELDERCARE = str(Path(sys.executable).with_name("eldercare"))
EXIT_UNAVAILABLE, EXIT_CONFIG = 69, 78
SECRET = "not-to-be-printed"  # trust authentication ignores it; a message must not show it


def _cli(url: str, var: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ELDERCARE_", "DATABASE_URL"))}
    env.update(DATABASE_URL=url, ELDERCARE_VAR_DIR=str(var), ELDERCARE_LOG_FORMAT="json")
    return subprocess.run([ELDERCARE, *args], env=env, capture_output=True, text=True, timeout=120)


def _tables(url: str) -> list[str]:
    with psycopg.connect(url) as conn:
        return [row[0] for row in conn.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname NOT IN ('pg_catalog', 'information_schema')")]


def _with_password(url: str) -> str:
    return url.replace("postgresql://postgres@", f"postgresql://postgres:{SECRET}@", 1)


def test_read_only_commands_refuse_an_empty_postgres_database_until_init_creates_the_store(pg_url, tmp_path):
    var = tmp_path / "var"
    url = _with_password(pg_url)
    database = pg_url.rsplit("/", 1)[1]
    assert not Settings(database_url=url).store_exists()
    # `api` and `worker` started by hand (not by `serve`, which creates the store) refuse it too
    for command in (["projections", "status"], ["facility", "list"], ["api", "--port", "18999"], ["worker"]):
        refused = _cli(url, var, *command)
        assert refused.returncode == EXIT_CONFIG, refused.stderr
        assert f"no event store in the PostgreSQL database postgresql://postgres@127.0.0.1:5432/{database}" \
            in refused.stderr
        assert "`eldercare init` creates a new store" in refused.stderr
        assert SECRET not in refused.stderr + refused.stdout and "Traceback" not in refused.stderr
    assert _tables(pg_url) == []  # nothing was created
    assert not var.exists()

    created = _cli(url, var, "init")
    assert created.returncode == 0, created.stderr
    assert Settings(database_url=url).store_exists()
    status = _cli(url, var, "projections", "status")
    assert status.returncode == 0, status.stderr
    container = make_container(pg_url, var, seed=False)
    try:  # the table asked about is the one eventsourcing writes the events to
        assert container.app.recorder.events_table_name == POSTGRES_EVENTS_TABLE
    finally:
        container.close()


@pytest.mark.usefixtures("postgres")
def test_bootstrap_of_a_new_installation_creates_the_store_and_an_unreachable_database_is_still_retry_later(
        tmp_path):
    with fresh_pg_database() as url:
        added = _cli(url, tmp_path / "var", "agency", "add", "--bootstrap", "--code", "ADMIN-140500",
                     "--kind", "admin", "--level", "city", "--region", "140500", "--name", "晋城市平台运维")
        assert added.returncode == 0, added.stderr
        assert Settings(database_url=url).store_exists()
    unreachable = _cli("postgresql://postgres@127.0.0.1:1/eldercare", tmp_path / "other", "facility", "list")
    assert unreachable.returncode == EXIT_UNAVAILABLE, unreachable.stderr
    assert "no event store" not in unreachable.stderr and "Traceback" not in unreachable.stderr


def test_a_sqlite_file_named_by_database_url_that_is_not_there_is_refused_like_an_empty_database(tmp_path):
    """The same kind on SQLite: `DATABASE_URL=sqlite:///<existing folder>/new.sqlite` with a read-only
    command made a new, empty store there; now exit 78 and no file, until `eldercare init` makes it."""
    store = tmp_path / "new.sqlite"
    url = f"sqlite:///{store}"
    refused = _cli(url, tmp_path / "var", "projections", "status")
    assert refused.returncode == EXIT_CONFIG, refused.stderr
    assert f"no event store at {store}: there is no such file (DATABASE_URL)" in refused.stderr
    assert "eldercare init" in refused.stderr and "Traceback" not in refused.stderr
    assert not store.exists()
    assert _cli(url, tmp_path / "var", "init").returncode == 0 and store.exists()
    assert _cli(url, tmp_path / "var", "projections", "status").returncode == 0
