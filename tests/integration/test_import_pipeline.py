"""A large import prepared by helper processes (`infra.import_pipeline`) keeps every promise of the
one-process import, on SQLite and on PostgreSQL.

- The same result: the same events in the same order (sealed personal data opening to the same
  values), the same rejections with the same line numbers and reasons, the same counts — on a file of
  good rows, rows with every fault the door knows, duplicates, malformed lines and command lines.
- Nothing lost, nothing doubled: the database going away mid-import stops it with the store's error
  (the CLI's exit 69), and the report counts exactly what was committed.
- A helper that is killed, or that raises, stops the import with `ImportHelperFailed` at once; no helper
  process is left; what was committed is what the report counts.
- A small file, or a stream that is not a file on disk, is imported in this process.

The pipeline is forced on these small files with `Pipeline(min_bytes=0)` and short chunks, so that
chunk boundaries fall everywhere (between a duplicate and its first, around command lines).
"""

from __future__ import annotations

import io
import json
import multiprocessing
import os
import signal
import sqlite3
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import psycopg
import pytest

from infra.import_lines import LinePreparer
from infra.import_pipeline import HelperJob, ImportHelperFailed, Pipeline, Today, build_preparer, owner
from infra.importer import Report, import_stream
from infra.sample_city import facilities
from supervision.application import Context
from supervision.crypto import Sealer
from supervision.unavailable import as_unavailable
from tests.integration.test_import_fast_path import csv_bytes, generated_rows, jsonl
from tests.support import PG_ADMIN_URL, ROLE_ACTORS, make_container, stored_events

CTX = Context(ROLE_ACTORS["civil_affairs"], source="import")
#: helpers forced on, with chunks short enough for boundaries to fall everywhere, and pipes small
#: enough (one page) that the helpers are still at work when a test kills one
FORCED = Pipeline(helpers=2, min_bytes=0, chunk_lines=7, head_lines=30, pipe_bytes=4096)


stored = stored_events


def helpers_alive() -> list[Any]:
    return [p for p in multiprocessing.active_children() if p.name.startswith("import-helper")]


def good_file(path: Path, count: int) -> Path:
    with open(path, "w", encoding="utf-8") as out:
        for row in facilities(count, seed=9):
            out.write(json.dumps(row, ensure_ascii=False) + "\n")
    return path


@pytest.fixture
def store(store_url: str, tmp_path: Path) -> Iterator[Any]:
    container = make_container(store_url, tmp_path / "var")
    try:
        yield container
    finally:
        container.close()


@pytest.mark.parametrize("fmt", ["jsonl", "csv"])
def test_helpers_store_and_reject_exactly_what_one_process_does(store_url, tmp_path, fmt):
    rows = generated_rows(400, seed=16)
    path = tmp_path / f"mixed.{fmt}"
    path.write_bytes(jsonl(rows, seed=16) if fmt == "jsonl" else csv_bytes(rows))
    results = []
    for name, pipeline in [("one", Pipeline(helpers=0)), ("helpers", FORCED)]:
        url = store_url if name == "helpers" else f"sqlite:///{tmp_path}/one.sqlite"
        container = make_container(url, tmp_path / "var")  # one key: sealed data opens in both
        try:
            with open(path, "rb") as stream:
                report = import_stream(container, CTX, stream, fmt, batch_size=50, pipeline=pipeline)
            results.append((report, stored(container)))
        finally:
            container.close()
    (one, one_events), (two, two_events) = results
    assert (one.helpers, two.helpers) == (0, 2)
    assert (two.imported, two.rejected) == (one.imported, one.rejected)
    assert sorted(two.rejections) == sorted(one.rejections)
    assert two_events == one_events  # the same events, saved in the same order
    assert one.imported > 200 and one.rejected > 500  # both outcomes, many reasons
    assert not helpers_alive()


def test_the_database_going_away_mid_import_stops_it_counting_only_what_was_committed(
        store_url, tmp_path, store):
    path = good_file(tmp_path / "good.jsonl", 600)
    app = store.app
    save = app.register_facilities
    saves: list[int] = []
    holder: list[Any] = []

    def save_then_cut(batch: list[Any]) -> list[Any]:
        result = save(batch)
        saves.append(len(batch))
        if len(saves) == 2:
            holder.append(cut(store_url))
        return result

    app.register_facilities = save_then_cut
    report = Report()
    try:
        with open(path, "rb") as stream, pytest.raises(Exception) as raised:
            import_stream(store, CTX, stream, "jsonl", batch_size=50, pipeline=FORCED, report=report)
    finally:
        for restore in holder:
            restore()
    unavailable = as_unavailable(raised.value)
    assert unavailable is not None and not unavailable.permanent  # the CLI's exit 69
    assert not helpers_alive()
    after = make_container(store_url, tmp_path / "var")
    try:
        committed = len(stored(after))
    finally:
        after.close()
    assert report.imported == committed == 100  # the two batches before the outage, nothing after
    assert report.rejected == 0


def cut(store_url: str) -> Any:
    """Make the store unusable now; returns what makes it usable again."""
    if store_url.startswith("sqlite"):
        locker = sqlite3.connect(store_url.removeprefix("sqlite:///"), timeout=1, check_same_thread=False)
        locker.execute("BEGIN EXCLUSIVE")  # the importer's next save waits its lock timeout, then fails
        return lambda: (locker.rollback(), locker.close())
    name = store_url.rsplit("/", 1)[1]
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as admin:
        admin.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS false')
        admin.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s", (name,))

    def restore() -> None:
        with psycopg.connect(PG_ADMIN_URL, autocommit=True) as admin:
            admin.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true')

    return restore


def test_a_helper_killed_mid_import_stops_it_with_a_clear_error_and_leaves_no_process(
        store_url, tmp_path, store):
    path = good_file(tmp_path / "good.jsonl", 600)
    app = store.app
    save = app.register_facilities
    killed: list[int] = []

    def save_then_kill(batch: list[Any]) -> list[Any]:
        result = save(batch)
        if not killed:
            victim = helpers_alive()[1]
            os.kill(victim.pid, signal.SIGKILL)
            killed.append(victim.pid)
        return result

    app.register_facilities = save_then_kill
    report = Report()
    with open(path, "rb") as stream, pytest.raises(ImportHelperFailed, match="went away") as raised:
        import_stream(store, CTX, stream, "jsonl", batch_size=50, pipeline=FORCED, report=report)
    assert str(killed[0]) in str(raised.value) and "-9" in str(raised.value)
    assert not helpers_alive()
    assert report.imported == len(stored(store)) >= 50  # counted: what was committed, no more
    assert report.imported < 600


#: a line of a helper's chunk (the importing process prepares some chunks itself: `owner`)
BOOM_LINE = 304


class ExplodingPreparer(LinePreparer):
    """A helper's preparer that fails outside any line's handling at `BOOM_LINE` (a bug, say)."""

    def prepare(self, number: int, size: int, row: Any) -> Any:
        if number == BOOM_LINE:
            raise RuntimeError(f"boom at line {number}")
        return super().prepare(number, size, row)


def exploding_build(job: HelperJob) -> LinePreparer:
    """Runs in the helper process (picklable: module-level)."""
    real = build_preparer(job)
    return ExplodingPreparer(real.dispatcher, real.app, real.ctx, real.fast)


def test_a_helper_that_raises_stops_the_import_with_its_error(store_url, tmp_path, store):
    path = good_file(tmp_path / "good.jsonl", 600)
    report = Report()
    pipeline = Pipeline(helpers=2, min_bytes=0, chunk_lines=7, head_lines=30, pipe_bytes=4096,
                        build=exploding_build)
    skip = 1 + pipeline.head_lines
    assert owner((BOOM_LINE - skip) // pipeline.chunk_lines, 2, pipeline.main_every) < 2  # a helper's line
    with open(path, "rb") as stream, pytest.raises(ImportHelperFailed, match="RuntimeError: boom at line"):
        import_stream(store, CTX, stream, "jsonl", batch_size=50, pipeline=pipeline, report=report)
    assert not helpers_alive()
    assert report.imported == len(stored(store)) < BOOM_LINE  # no line from the failed chunk on


def test_a_helper_holds_no_database_connection(tmp_path):
    job = HelperJob(str(tmp_path / "x.jsonl"), "jsonl", 0, 0, 1, 1, None, 0, 1, 7, (Sealer.generate_key(),),
                    Today(date(2026, 11, 30)), CTX)
    preparer = build_preparer(job)
    assert type(preparer.app.recorder).__module__ == "eventsourcing.popo"


def test_a_small_file_or_a_stream_in_memory_is_imported_in_this_process(tmp_path, store):
    small = good_file(tmp_path / "small.jsonl", 20)
    with open(small, "rb") as stream:
        assert Pipeline().applies(stream) is None  # under PIPELINE_MIN_BYTES
        report = import_stream(store, CTX, stream, "jsonl")
    assert (report.imported, report.helpers) == (20, 0)
    assert Pipeline(min_bytes=0).applies(io.BytesIO(small.read_bytes())) is None  # no file to share
    with open(small, "rb") as stream:
        assert Pipeline(min_bytes=0).applies(stream) is not None
