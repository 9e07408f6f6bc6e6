"""List reads at 100,000 facilities against a trivial endpoint on the same server configuration.

Product: `eldercare api --workers 2` (gunicorn gthread, 8 threads; the request processes alone, no
background worker competing), PostgreSQL read models built by the real projections from real events.
Ceiling: `GET /ping` of `tests.benchmarks.ceiling_app` under the same gunicorn options.
8 keep-alive clients each. Goal (issue 15): every list >= 0.3x the ceiling's requests/s, p99 < 50 ms.

The product answers public lists from memory while their views stand still
(supervision/api/view_cache.py): every position read, the body reused. At full size the lists are
also measured with that cache off (`ELDERCARE_PUBLIC_CACHE_ENTRIES=0`: every request computed), so
the note can say what the cache buys and what the computed path costs.

Small by default (5,000 facilities); ELDERCARE_BENCH_FULL=1 for 100,000. Prints figures; asserts
only that every answer was 200 with the expected total.
"""

from __future__ import annotations

from pathlib import Path

import psycopg
import pytest

from infra.sample_city import DISTRICTS, facilities
from tests.benchmarks.conftest import FULL, report, size
from tests.benchmarks.serving import Load, api_only, ceiling, drive
from tests.support import ROLE_ACTORS, fresh_pg_database, make_container

pytestmark = [pytest.mark.benchmark, pytest.mark.integration, pytest.mark.timeout(1800)]  # full size, loaded

FACILITIES = size(100_000, 5_000)
CLIENTS = 8
PER_CLIENT = size(250, 40)


def store_facilities(container, count: int) -> None:
    """Registrations appended in batches through the application, as the importer does."""
    from supervision.application import Context

    app, load = container.app, container.dispatcher.load
    ctx = Context(ROLE_ACTORS["civil_affairs"], source="import")
    rows = facilities(count)
    batch: list = []
    for row in rows:
        row.pop("personal", None)
        batch.append(app.new_facility(ctx, **load("register_facility", row)))
        if len(batch) == 1000:
            app.register_facilities(batch)
            batch = []
    if batch:
        app.register_facilities(batch)


def _lists(port: int) -> dict[str, tuple[Load, int | None]]:
    district = "140502"
    per_district = sum(1 for i in range(FACILITIES) if list(DISTRICTS)[i % len(DISTRICTS)] == district)
    pages = max(per_district // 50, 1)
    spread = min(pages, 20)
    cases = {
        f"/api/v1/facilities?region_code={district} (page 1..{spread})": (
            lambda c, i: ("GET", f"/api/v1/facilities?region_code={district}&page={1 + (c * 7 + i) % spread}",
                          None), per_district),
        "/api/v1/facilities?region_code=1405&ownership=private": (
            lambda c, i: ("GET", "/api/v1/facilities?region_code=1405&ownership=private", None), None),
        "/api/v1/public/grades?region_code=140502": (
            lambda c, i: ("GET", "/api/v1/public/grades?region_code=140502", None), None),
        "/api/v1/public/credit/joint-punishment": (
            lambda c, i: ("GET", "/api/v1/public/credit/joint-punishment", None), None),
        "/api/v1/public/spot-check-results": (
            lambda c, i: ("GET", "/api/v1/public/spot-check-results", None), None),
    }
    out: dict[str, tuple[Load, int | None]] = {}
    for name, (request, expected) in cases.items():
        drive(port, request, 5, clients=CLIENTS)  # warm every thread: its pooled connection, prepared plans
        out[name] = (drive(port, request, PER_CLIENT, clients=CLIENTS, keep_bodies=expected is not None),
                     expected)
    return out


def test_list_reads_at_scale_against_a_trivial_endpoint(postgres, tmp_path: Path):
    var = tmp_path / "var"
    with fresh_pg_database() as url:
        container = make_container(url, var)
        try:
            store_facilities(container, FACILITIES)
            for name in ("facility_list", "grades", "credit_lists", "spot_checks"):
                container.runner(name).catch_up()
            with psycopg.connect(url, autocommit=True) as conn:  # what autovacuum does after a load
                conn.execute("VACUUM ANALYZE facility_list")
        finally:
            container.close()
        with ceiling(url, tmp_path) as port:
            drive(port, lambda c, i: ("GET", "/ping", None), 20, clients=2)
            trivial = drive(port, lambda c, i: ("GET", "/ping", None), PER_CLIENT * 2, clients=CLIENTS)
        with api_only(url, var, workers=2) as port:
            loads = _lists(port)
        computed = {}
        if FULL:
            with api_only(url, var, workers=2, ELDERCARE_PUBLIC_CACHE_ENTRIES="0") as port:
                computed = _lists(port)
    rows = [("facilities", f"{FACILITIES:,}"), ("ceiling GET /ping", trivial.summary())]
    for name, (load, _) in loads.items():
        rows.append((name, load.summary()))
        rows.append(("  ratio req/s product / ceiling", f"{load.rate / trivial.rate:.2f}"))
        if name in computed:
            cold = computed[name][0]
            rows.append(("  cache off (every request computed)", cold.summary()))
            rows.append(("  ratio cache off / ceiling", f"{cold.rate / trivial.rate:.2f}"))
    report(f"list reads, {CLIENTS} clients (PostgreSQL, eldercare api --workers 2)", rows)
    for name, (load, expected) in [*loads.items(), *computed.items()]:
        assert load.statuses == {200: CLIENTS * PER_CLIENT}, (name, load.bodies[:2])
        if expected is not None:
            import json

            assert all(json.loads(body)["total"] == expected for _, body, _ in load.bodies)
