"""A command over HTTP, read-your-writes included, against its ceiling in the same run (issue 15).

Product: `eldercare serve --workers 2` on PostgreSQL, `POST /api/v1/facilities` (a registration:
validate, authorise, append, wait until the views the write changes show it, answer 201).
Ceiling: `tests.benchmarks.ceiling_app` under the same gunicorn options: an `eventsourcing` append
plus a read of it, nothing else. Both with the same keep-alive client, one after the other.

- single client, back to back: p50 / p99 (goal: p99 < 50 ms);
- 8 clients: accepted writes/s (goal: >= 300/s on a 2-core machine) and nothing lost:
  2xx answers = `Facility.Registered` events stored = rows in the facility list.

Small by default; ELDERCARE_BENCH_FULL=1 for the issue's sizes. Prints figures; asserts only that
every write was answered and counted.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from infra.sample_city import facilities
from supervision.auth import TokenStore
from tests.benchmarks.conftest import report, size
from tests.benchmarks.serving import Load, ceiling, drive, serving
from tests.support import ROLE_ACTORS, fresh_pg_database, make_container

pytestmark = [pytest.mark.benchmark, pytest.mark.integration, pytest.mark.timeout(1200)]  # full size, loaded

SEQUENTIAL = size(1_000, 80)
CLIENTS = 8
PER_CLIENT = size(250, 25)
WARM_UP = 10


def _ratio(product: float, ceiling_: float) -> str:
    return f"{product / ceiling_:.2f}" if ceiling_ else "n/a"


def _ceiling_load(log_dir: Path, count: int, clients: int) -> Load:
    with fresh_pg_database() as url, ceiling(url, log_dir) as port:
        def request(c: int, i: int) -> tuple[str, str, dict[str, str]]:
            return ("POST", "/append", {"text": f"{c}-{i}"})

        drive(port, request, WARM_UP, clients=2)
        return drive(port, request, count, clients=clients)


def _counts(url: str) -> tuple[int, int]:
    """(Facility.Registered events stored, rows in the facility list)."""
    with psycopg.connect(url) as conn:
        events = conn.execute("SELECT count(*) FROM eldercare_events WHERE topic LIKE %s",
                              ("%Facility.Registered",)).fetchone()
        rows = conn.execute("SELECT count(*) FROM facility_list").fetchone()
    assert events is not None and rows is not None
    return int(events[0]), int(rows[0])


@pytest.fixture
def product(postgres: bool, tmp_path: Path) -> Iterator[tuple[str, int, dict[str, str]]]:
    """`eldercare serve` on a fresh database: (database URL, port, auth header)."""
    var = tmp_path / "var"
    with fresh_pg_database() as url:
        make_container(url, var).close()  # the seed agencies every token's agency must be in
        token = TokenStore(var / "tokens.json").issue(ROLE_ACTORS["civil_affairs"])
        with serving(url, var, workers=2) as port:
            yield url, port, {"Authorization": f"Bearer {token}"}


def _register(port: int, auth: dict[str, str], count: int, clients: int, seed: int) -> Load:
    rows = list(facilities(count * clients + WARM_UP, seed=seed))
    drive(port, lambda c, i: ("POST", "/api/v1/facilities", rows[count * clients + i]), WARM_UP,
          headers=auth)
    return drive(port, lambda c, i: ("POST", "/api/v1/facilities", rows[c * count + i]), count,
                 clients=clients, headers=auth)


def test_one_client_command_with_read_your_writes(product, tmp_path):
    _url, port, auth = product
    ceil = _ceiling_load(tmp_path, SEQUENTIAL, 1)
    load = _register(port, auth, SEQUENTIAL, 1, seed=11)
    report("one HTTP command with read-your-writes, one client (PostgreSQL, serve --workers 2)", [
        ("commands", f"{load.count}"),
        ("product", load.summary()),
        ("ceiling (append + read, trivial Flask app)", ceil.summary()),
        ("ratio p50 ceiling / product", _ratio(ceil.p50, load.p50)),
        ("ratio p99 ceiling / product", _ratio(ceil.p99, load.p99)),
    ])
    assert load.statuses == {201: SEQUENTIAL}, load.bodies[:3]


def test_eight_clients_accepted_writes_nothing_lost(product, tmp_path):
    url, port, auth = product
    ceil = _ceiling_load(tmp_path, PER_CLIENT, CLIENTS)
    load = _register(port, auth, PER_CLIENT, CLIENTS, seed=12)
    events, rows = _counts(url)
    report(f"accepted writes, {CLIENTS} clients (PostgreSQL, serve --workers 2)", [
        ("commands", f"{load.count}"),
        ("product", load.summary()),
        ("ceiling (append + read, trivial Flask app)", ceil.summary()),
        ("ratio writes/s product / ceiling", _ratio(load.rate, ceil.rate)),
        ("2xx / events / view rows", f"{load.ok() + WARM_UP} / {events} / {rows}"),
    ])
    assert load.ok() == CLIENTS * PER_CLIENT, load.bodies[:3]
    assert load.ok() + WARM_UP == events == rows
