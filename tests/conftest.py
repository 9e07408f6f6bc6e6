"""Fixtures: `store_url` runs a test on SQLite and on real PostgreSQL; `pg_url` on PostgreSQL only."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

from tests.support import Client, fresh_pg_database, make_container, pg_available

pytest_plugins = ["tests.broker_fixture"]

TODAY = date(2026, 11, 26)


@pytest.fixture(scope="session")
def postgres() -> bool:
    if not pg_available():
        pytest.fail("PostgreSQL at 127.0.0.1:5432 is not reachable (dev.sh test starts it)")
    return True


@pytest.fixture
def pg_url(postgres: bool) -> Iterator[str]:
    with fresh_pg_database() as url:
        yield url


@pytest.fixture(params=["sqlite", "postgres"])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path}/events.sqlite"
    else:
        request.getfixturevalue("postgres")
        with fresh_pg_database() as url:
            yield url


@pytest.fixture
def today() -> date:
    return TODAY


@pytest.fixture
def container(store_url: str, tmp_path: Path, today: date) -> Iterator:
    c = make_container(store_url, tmp_path / "var", today=today)
    yield c
    c.close()


@pytest.fixture
def pg_container(pg_url: str, tmp_path: Path, today: date) -> Iterator:
    c = make_container(pg_url, tmp_path / "var", today=today)
    yield c
    c.close()


@pytest.fixture
def client(container) -> Iterator[Client]:
    container.start_projections()
    yield Client(container)


@pytest.fixture
def pg_client(pg_container) -> Iterator[Client]:
    """HTTP scenarios on real PostgreSQL with the projections running in the background."""
    pg_container.start_projections()
    yield Client(pg_container)
