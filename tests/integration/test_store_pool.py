"""The event store's pool pings a connection only after it sat idle (infra/store_pool.py), and
still replaces one that died meanwhile before anyone uses it (real PostgreSQL)."""

from __future__ import annotations

import time
from pathlib import Path

import psycopg
import pytest

from infra.store_pool import ping_when_idle
from tests.support import make_container

pytestmark = pytest.mark.integration


def test_a_busy_connection_is_not_pinged_an_idle_or_dead_one_is(pg_url, tmp_path: Path) -> None:
    container = make_container(pg_url, tmp_path / "var")
    try:
        pool = container.app.recorder.datastore.pool
        pings: list[int] = []

        def counted(conn: psycopg.Connection) -> None:
            pings.append(1)
            conn.execute("SELECT 1")

        # the container installed the idle rule already: install it again over a counting check
        pool._check, pool._reset = counted, None
        assert ping_when_idle(pool, idle_s=0.5)
        size = pool.get_stats()["pool_available"]
        for _ in range(size):  # never returned since: each checked once
            with pool.connection() as conn:
                conn.execute("SELECT 1")
        assert len(pings) == size
        for _ in range(3 * size):  # in steady use: no round trip added
            with pool.connection() as conn:
                pid = conn.info.backend_pid
        assert len(pings) == size
        # the server ends every connection of this database while the pool's sit idle
        with psycopg.connect(pg_url, autocommit=True) as admin:
            admin.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                          "WHERE datname = current_database() AND pid <> pg_backend_pid()")
        time.sleep(0.6)
        started = time.monotonic()
        with pool.connection() as conn:  # pinged, found dead, all replaced: the caller sees no error
            assert conn.execute("SELECT 1 AS one").fetchone() == {"one": 1}
            assert conn.info.backend_pid != pid
        # one back-off step of the pool (1 s ± jitter), not one per dead connection (5 s: PoolTimeout)
        assert time.monotonic() - started < 3.0
        assert len(pings) > size
        assert container.app.recorder.max_notification_id() is not None
    finally:
        container.close()


def test_a_pool_that_does_not_ping_is_left_alone() -> None:
    class Pool:
        _check = None
        _reset = None

    assert ping_when_idle(Pool()) is False


def test_a_command_against_a_store_that_went_away_fails_soon_as_unavailable(pg_url, tmp_path: Path):
    """Transient, so the caller retries (503 with Retry-After, exit 69) — but it must be told soon:
    with the pool's 5 s wait under `eventsourcing`'s ten attempts a command waited 52 s (measured)."""
    from infra.sample_city import facilities
    from supervision.application import Context
    from supervision.unavailable import as_unavailable
    from tests.support import PG_ADMIN_URL, ROLE_ACTORS

    container = make_container(pg_url, tmp_path / "var")
    name = pg_url.rsplit("/", 1)[1]
    try:
        container.app  # noqa: B018 - opened while the database is there
        with psycopg.connect(PG_ADMIN_URL, autocommit=True) as admin:
            admin.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS false')
            admin.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s",
                          (name,))
        started = time.monotonic()
        with pytest.raises(Exception) as raised:
            container.dispatcher.dispatch("register_facility", next(iter(facilities(1))),
                                          Context(ROLE_ACTORS["civil_affairs"], source="api"))
        took = time.monotonic() - started
        unavailable = as_unavailable(raised.value)
        assert unavailable is not None and not unavailable.permanent
        assert took < 15, took
    finally:
        with psycopg.connect(PG_ADMIN_URL, autocommit=True) as admin:
            admin.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true')
        container.close()
