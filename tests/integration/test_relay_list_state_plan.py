"""The relay's list state is read and replaced in time that does not grow page by page on PostgreSQL.

Found by measuring (issue 15): with the codes as an `IN` list of parameters (or as `= ANY(array)`),
once psycopg prepared the statement and PostgreSQL planned it for any codes, a table without
statistics (the relay's first catch-up, or after `relay reset`) was read whole with each row compared
with each code: a page's DELETE went from 2-8 ms to 340 ms after ~15 pages and to 1 s at 40,000 rows.
`projections.base.any_of` joins the unnested array instead: a few ms a page throughout. With either
old statement this test fails (late pages 10-40x the early ones)."""

from __future__ import annotations

import statistics
import time

import pytest

from consumers.relay import RelayView
from tests.support import fresh_pg_database, make_container

pytestmark = pytest.mark.integration

PAGES, KEYS = 40, 333  # a relay page of 1,000 events with a grade for a third of them (the benchmark's)


def test_replacing_and_reading_list_state_does_not_slow_as_the_table_grows(postgres, tmp_path):
    item = {"kind": "official", "level": 3, "assessing_body": "晋城市民政局"}
    with fresh_pg_database() as url:
        container = make_container(url, tmp_path / "var", seed=False)
        try:
            view = RelayView(container.datastore)
            view.create_table()
            took: list[float] = []
            for page in range(PAGES):
                keys = [("grades", f"9114{page:03d}{i:011d}") for i in range(KEYS)]
                started = time.perf_counter()
                assert view.items_of(keys) == {key: {} for key in keys}
                with view.transaction(commit=True) as session:
                    view.replace_many(session, {key: {"official": item} for key in keys})
                took.append(time.perf_counter() - started)
            with view.engine.connect() as conn:
                analysed = conn.exec_driver_sql(
                    "SELECT count(*) FROM pg_stats WHERE tablename = 'relay_list_state'").scalar()
            assert analysed == 0  # the case at issue held throughout: no statistics
            early, late = statistics.median(took[2:8]), statistics.median(took[-6:])
            assert late < 4 * early + 0.010, (early, late)
            # and what was replaced reads back, emptied lists included
            last = [("grades", f"9114{PAGES - 1:03d}{i:011d}") for i in range(3)]
            assert view.items_of(last) == {key: {"official": item} for key in last}
            with view.transaction(commit=True) as session:
                view.replace_many(session, {key: {} for key in last})
            assert view.items_of(last) == {key: {} for key in last}
            assert sum(len(v) for v in view.current("grades").values()) == PAGES * KEYS - 3
        finally:
            container.close()
