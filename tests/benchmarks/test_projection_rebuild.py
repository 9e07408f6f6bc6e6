"""Rebuild every view from N events on PostgreSQL, against the raw rate of reading the log alone.

N = 1,000,000 with ELDERCARE_BENCH_FULL=1 (`./dev.sh bench`), else 20,000. The events are facility
histories (registration, grade assessments, profile changes) and, for every other facility, a
complaint through its five steps (received, acknowledged, assigned, concluded, closed), saved in
large batches with `app.save`. Prints per view the events it handled per second (a view reads only
its own event types) and that rate as a ratio of the decoded log read, the notification log's own
read rate (pages of `select_notifications`, and the same pages decoded into domain events), the
rebuild of every view with `--jobs` processes (the CLI), and resident memory at 10 %, 50 % and
100 % of each rebuild to show it stays flat (pages are bounded, nothing accumulates).
Asserts only that every view reached the head, never a timing.
"""

from __future__ import annotations

import os
import resource
import subprocess
import sys
import time
from collections import Counter
from datetime import date, timedelta
from pathlib import Path
from uuid import uuid4

import pytest

from infra.sample_city import facilities
from supervision.domain.complaint import Complaint
from supervision.domain.facility import Facility
from tests.benchmarks.conftest import report, size
from tests.support import ROLE_ACTORS, fresh_pg_database, make_container

N = size(1_000_000, 20_000)
EVENTS_PER_FACILITY = 10  # registered, 1 grade assessment, 8 profile changes
COMPLAINT_EVERY = 2  # a complaint (5 events) for every other facility
JOBS = 2
PAGE = 2000
ACTOR = ROLE_ACTORS["civil_affairs"]


def rss_mb() -> float:
    """Current resident set size (Linux /proc), in MiB."""
    with open("/proc/self/statm") as statm:
        pages = int(statm.read().split()[1])
    return pages * resource.getpagesize() / 2**20


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def complaint(app, uscc: str, on: date, n: int) -> Complaint:
    """A complaint through its five steps, half of them substantiated (they cost rating points)."""
    made = Complaint.receive(id=uuid4(), uscc=uscc, reference=None, channel="hotline_12345",
                             category=("abuse_cheating", "fees")[n % 2], summary="反映收费问题",
                             complainant_sealed=None, deadlines=app.complaint_deadlines(on), occurred_on=on,
                             actor=ACTOR, source="bench")
    step = {"occurred_on": on + timedelta(days=1), "actor": ACTOR, "source": "bench"}
    made.acknowledge(note="", **step)
    made.assign(agency="MZJ-140502", officer="", note="", **step)
    made.conclude(outcome=("substantiated", "unsubstantiated")[n % 2], measures=["责令整改"],
                  penalty_decision_no=None, findings="", **step)
    made.close(note="", **step)
    return made


def generate(container, count: int) -> int:
    """Facility histories (and complaints), 500 facilities per transaction."""
    app = container.app
    per_facility = EVENTS_PER_FACILITY + 5 / COMPLAINT_EVERY
    rows = facilities(int(count / per_facility), seed=7, today=date(2026, 1, 1))
    batch: list[Facility | Complaint] = []
    saved = 0
    for n, row in enumerate(rows):
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
        if n % COMPLAINT_EVERY == 0:
            batch.append(complaint(app, facility.uscc, registered + timedelta(days=60), n))
        if len(batch) >= 500:
            app.save(*batch)
            saved += sum(a.version for a in batch)
            batch = []
    if batch:
        app.save(*batch)
        saved += sum(a.version for a in batch)
    return saved


def read_log(container, head: int, decode: bool, topics: Counter[str] | None = None) -> float:
    app = container.app
    started = time.perf_counter()
    position = 0
    while position < head:
        page = app.recorder.select_notifications(start=position + 1, limit=PAGE, stop=head)
        if decode:
            for notification in page:
                app.mapper.to_domain_event(notification)
        elif topics is not None:
            topics.update(n.topic for n in page)
        position = page[-1].id
    return time.perf_counter() - started


def rebuild_with_jobs(url: str, var_dir: Path, jobs: int) -> float:
    """`eldercare projections rebuild --jobs N` on the same store: seconds for every view."""
    path = [str(Path(__file__).parents[2]), os.environ.get("PYTHONPATH", "")]
    env = {**os.environ, "DATABASE_URL": url, "ELDERCARE_VAR_DIR": str(var_dir),
           "ELDERCARE_LOG_LEVEL": "WARNING", "PYTHONPATH": os.pathsep.join(p for p in path if p)}
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "infra", "projections", "rebuild", "--jobs", str(jobs),
                    "--no-progress"], env=env, check=True, capture_output=True, timeout=3600)
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

            topics: Counter[str] = Counter()
            raw_s = read_log(container, head, decode=False, topics=topics)
            decoded_s = read_log(container, head, decode=True)
            decoded_rate = head / decoded_s

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
                handled = sum(topics[t] for t in runner.topics) if runner.topics else head
                if not handled:
                    per_view.append((f"rebuild {name}", f"handles none of these events ({seconds:.1f} s)"))
                    continue
                per_view.append((f"rebuild {name}", f"{handled / seconds:,.0f} handled events/s "
                                 f"({handled:,} in {seconds:.1f} s), {handled / seconds / decoded_rate:.2f}× "
                                 "the decoded read"))
            jobs_s = rebuild_with_jobs(url, tmp_path / "var", JOBS)

            report(f"projection rebuild, {head:,} events on PostgreSQL", [
                ("generate (app.save, 5,000 events/txn)", f"{head / generate_s:,.0f} events/s"),
                ("read log: select_notifications pages", f"{head / raw_s:,.0f} events/s"),
                ("read log: pages + decode to events", f"{decoded_rate:,.0f} events/s (the ceiling)"),
                *per_view,
                (f"rebuild all {len(per_view)} views",
                 f"{head * len(per_view) / total_s:,.0f} view-events/s; "
                 f"{head / total_s:,.0f} log events/s ({total_s:.1f} s)"),
                (f"rebuild all, CLI --jobs {JOBS}", f"{jobs_s:.1f} s (processes, including start-up)"),
                *memory,
                ("peak rss after", f"{peak_rss_mb():.0f} MiB"),
            ])
        finally:
            container.close()
