"""Rebuild every view from N events on PostgreSQL, against the raw rate of reading the log alone.

N = 1,000,000 with ELDERCARE_BENCH_FULL=1 (`./dev.sh bench`), else 20,000. The events are facility
histories (registration, grade assessments, profile changes) saved in large batches with `app.save`.
Prints events/second per view and in total, the notification log's own read rate (pages of
`select_notifications`, and the same pages decoded into domain events), and resident memory at 10 %,
50 % and 100 % of the rebuild to show it stays flat (pages are bounded, nothing accumulates).
Asserts only that every view reached the head, never a timing.
"""

from __future__ import annotations

import resource
import time
from datetime import date, timedelta
from pathlib import Path

import pytest

from infra.sample_city import facilities
from supervision.domain.facility import Facility
from tests.benchmarks.conftest import report, size
from tests.support import ROLE_ACTORS, fresh_pg_database, make_container

N = size(1_000_000, 20_000)
EVENTS_PER_FACILITY = 10  # registered, 1 grade assessment, 8 profile changes
PAGE = 2000
ACTOR = ROLE_ACTORS["civil_affairs"]


def rss_mb() -> float:
    """Current resident set size (Linux /proc), in MiB."""
    with open("/proc/self/statm") as statm:
        pages = int(statm.read().split()[1])
    return pages * resource.getpagesize() / 2**20


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def generate(container, count: int) -> int:
    """Facility histories, 500 facilities (5,000 events) per transaction."""
    app = container.app
    rows = facilities(count // EVENTS_PER_FACILITY, seed=7, today=date(2026, 1, 1))
    batch: list[Facility] = []
    saved = 0
    for row in rows:
        row = container.dispatcher.load("register_facility", row)
        registered = row.pop("occurred_on") or date(2020, 1, 1)
        row.pop("personal", None)
        facility = Facility.register(uscc=row.pop("uscc"), profile=row, personal_sealed=None,
                                     occurred_on=registered, actor=ACTOR, source="bench")
        facility.assess_grade(level=3, score=600, parts={}, assessing_body="晋城市民政局",
                              certificate_no=f"B-{saved}", valid_until=registered + timedelta(days=1095),
                              policy_version="bench", occurred_on=registered + timedelta(days=30),
                              actor=ACTOR, source="bench")
        for k in range(EVENTS_PER_FACILITY - 2):
            facility.change_profile(changes={"total_beds": row["total_beds"] + k + 1}, personal_sealed=None,
                                    occurred_on=registered + timedelta(days=40 + k), actor=ACTOR,
                                    source="bench")
        batch.append(facility)
        if len(batch) == 500:
            app.save(*batch)
            saved += len(batch) * EVENTS_PER_FACILITY
            batch = []
    if batch:
        app.save(*batch)
        saved += len(batch) * EVENTS_PER_FACILITY
    return saved


def read_log(container, head: int, decode: bool) -> float:
    app = container.app
    started = time.perf_counter()
    position = 0
    while position < head:
        page = app.recorder.select_notifications(start=position + 1, limit=PAGE, stop=head)
        if decode:
            for notification in page:
                app.mapper.to_domain_event(notification)
        position = page[-1].id
    return time.perf_counter() - started


@pytest.mark.benchmark
def test_rebuilding_every_view_reads_the_log_once_in_bounded_memory(postgres, tmp_path: Path):
    with fresh_pg_database() as url:
        container = make_container(url, tmp_path / "var", today=date(2026, 11, 26), seed=False)
        try:
            started = time.perf_counter()
            generated = generate(container, N)
            generate_s = time.perf_counter() - started
            head = container.app.recorder.max_notification_id()
            assert head == generated

            raw_s = read_log(container, head, decode=False)
            decoded_s = read_log(container, head, decode=True)

            memory: list[tuple[str, str]] = [("rss before rebuild", f"{rss_mb():.0f} MiB "
                                              f"(peak so far {peak_rss_mb():.0f} MiB)")]
            per_view: list[tuple[str, str]] = []
            total_s = 0.0
            for name in container.projections:
                runner = container.runner(name, batch_size=PAGE)
                done = [0]
                marks = {head // 10: "10%", head // 2: "50%"}

                def progress(k: int, done: list[int] = done, marks: dict[int, str] = marks,
                             name: str = name) -> None:
                    before = done[0]
                    done[0] += k
                    for mark, label in list(marks.items()):
                        if before < mark <= done[0]:
                            memory.append((f"rss {name} at {label}", f"{rss_mb():.0f} MiB"))
                            del marks[mark]

                t0 = time.perf_counter()
                runner.rebuild(progress=progress)
                seconds = time.perf_counter() - t0
                total_s += seconds
                assert runner.position() == head, name
                memory.append((f"rss {name} at 100%", f"{rss_mb():.0f} MiB"))
                per_view.append((f"rebuild {name}", f"{head / seconds:,.0f} events/s ({seconds:.1f} s)"))

            report(f"projection rebuild, {head:,} events on PostgreSQL", [
                ("generate (app.save, 5,000 events/txn)", f"{head / generate_s:,.0f} events/s"),
                ("read log: select_notifications pages", f"{head / raw_s:,.0f} events/s"),
                ("read log: pages + decode to events", f"{head / decoded_s:,.0f} events/s"),
                *per_view,
                (f"rebuild all {len(per_view)} views",
                 f"{head * len(per_view) / total_s:,.0f} view-events/s; "
                 f"{head / total_s:,.0f} log events/s ({total_s:.1f} s)"),
                *memory,
                ("peak rss after", f"{peak_rss_mb():.0f} MiB"),
            ])
        finally:
            container.close()
