"""`eldercare projections rebuild` started again while one runs (a second terminal, a cron job beside
an operator), with `eldercare worker` following the log and commands still coming in.

A fresh user started three rebuilds at once: each dropped and re-created the views' tables under the
others, which met "no such table" (SQLite: exit 69, "database unavailable ... retry later") or
`UndefinedTable` (PostgreSQL: every event of the page parked as poison, then a traceback). A rebuild
now holds a per-view lock for its whole run (projections.base.rebuild_lock): a second rebuild of a
view already being rebuilt refuses that view at once (exit 5, naming the process that holds it) and
rebuilds the others; the tables are dropped and re-created in one transaction, so a runner (the
worker's, or another rebuild's) never finds a view without its tables; it waits, then takes turns.
"""

from __future__ import annotations

import os
import re
import select
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from pathlib import Path

import pytest

from infra.sample_city import facilities
from projections.base import RebuildRunning, rebuild_lock
from supervision.application import Context
from tests.support import ROLE_ACTORS, make_container, stop_process

ELDERCARE = str(Path(sys.executable).with_name("eldercare"))
CIVIL = Context(ROLE_ACTORS["civil_affairs"], "api")
TODAY = "2026-11-26"
#: registered before the rebuilds start (plus half as many grade assessments), and while they run
BEFORE, DURING = 120, 60
REBUILDS = 3
EXIT_CONFLICT = 5
REBUILT = re.compile(r"^(\w+): rebuilt to (\d+) checksum ([0-9a-f]{64})$", re.M)
REFUSED = re.compile(r"^(\w+): not rebuilt, held by (.+)$", re.M)


def _env(url: str, var: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ELDERCARE_", "DATABASE_URL"))}
    env.update(DATABASE_URL=url, ELDERCARE_VAR_DIR=str(var), ELDERCARE_TODAY=TODAY,
               ELDERCARE_LOG_FORMAT="json")
    return env


def _register(container, rows: list[dict], offset: int = 0) -> None:
    dispatch = container.dispatcher.dispatch
    for i, row in enumerate(rows, start=offset):
        dispatch("register_facility", row, CIVIL)
        if i % 2:
            dispatch("assess_facility_grade", {"uscc": row["uscc"], "level": 3, "score": 600,
                     "assessing_body": "晋城市民政局", "certificate_no": f"C-{i}"}, CIVIL)


def _start_worker(env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    """`eldercare worker`, returned once it says ready (its views' tables exist, its runners run)."""
    read_end, write_end = os.pipe()
    with log.open("wb") as err:
        proc = subprocess.Popen([ELDERCARE, "worker"], env={**env, "ELDERCARE_READY_FD": str(write_end)},
                                pass_fds=(write_end,), stdout=subprocess.DEVNULL, stderr=err)
    os.close(write_end)
    try:
        ready, _, _ = select.select([read_end], [], [], 120)
        assert ready and os.read(read_end, 16) == b"ready\n", log.read_text()
    finally:
        os.close(read_end)
    return proc


def _wait_caught_up(container, timeout: float = 120) -> int:
    """Wait until every view's position is the log's head (the worker applies what is left)."""
    deadline = time.monotonic() + timeout
    head = container.app.recorder.max_notification_id()
    while True:
        behind = {r.name: r.position() for r in container.runners() if r.position() < head}
        if not behind:
            return head
        assert time.monotonic() < deadline, f"views behind the head {head}: {behind}"
        time.sleep(0.2)


def _accounted(done: subprocess.CompletedProcess[str], names: set[str]) -> set[str]:
    """The views one rebuild process rebuilt; asserts it refused the others as a conflict, cleanly."""
    assert "Traceback" not in done.stderr, done.stderr
    assert done.returncode in (0, EXIT_CONFLICT), (done.returncode, done.stderr)
    rebuilt = {m[1] for m in REBUILT.finditer(done.stdout)}
    refused = {m[1] for m in REFUSED.finditer(done.stderr)}
    assert not rebuilt & refused and rebuilt | refused == names, (done.stdout, done.stderr)
    assert (done.returncode == EXIT_CONFLICT) == bool(refused), done.stderr
    for holder in (m[2] for m in REFUSED.finditer(done.stderr)):
        assert re.search(r"pid \d+", holder), holder
    return rebuilt


@pytest.mark.timeout(600)
def test_rebuilds_started_together_beside_a_working_worker_leave_one_clean_rebuild(store_url, tmp_path):
    var = tmp_path / "var"
    env = _env(store_url, var)
    rows = list(facilities(BEFORE + DURING))
    container = make_container(store_url, var, today=date.fromisoformat(TODAY))
    try:
        names = set(container.projections)
        _register(container, rows[:BEFORE])
        worker = _start_worker(env, tmp_path / "worker.log")
        procs: list[subprocess.Popen[str]] = []
        try:
            argv = [ELDERCARE, "projections", "rebuild", "--no-progress"]
            jobs = [[], [], ["--jobs", "2"]]  # one of them rebuilds in worker processes of its own
            procs += [subprocess.Popen(argv + jobs[i % len(jobs)], env=env, text=True,
                                       stdout=subprocess.PIPE, stderr=subprocess.PIPE)
                      for i in range(REBUILDS)]
            # commands keep coming while the views are rebuilt: the worker applies them meanwhile
            more = iter(enumerate(rows[BEFORE:], start=BEFORE))
            while any(p.poll() is None for p in procs):
                step = next(more, None)
                if step is not None:
                    _register(container, [step[1]], offset=step[0])
                time.sleep(0.05)
            done = [subprocess.CompletedProcess(p.args, p.returncode, *p.communicate(timeout=60))
                    for p in procs]
            _register(container, [row for _, row in more], offset=BEFORE)
            rebuilt = set().union(*(_accounted(d, names) for d in done))
            assert rebuilt == names  # each view rebuilt by one process or another
            head = _wait_caught_up(container)
            assert worker.poll() is None, (tmp_path / "worker.log").read_text()
        finally:
            for proc in procs:
                if proc.poll() is None:  # the test failed before it ended
                    proc.kill()
                    proc.communicate()
            stop_process(worker)
        worker_log = (tmp_path / "worker.log").read_text()
        assert "projection_event_parked" not in worker_log and "Traceback" not in worker_log, worker_log

        for runner in container.runners():
            status = runner.status()
            assert (status.position, status.parked) == (head, 0), status
            concurrent = runner.view.checksum()
            runner.rebuild()  # one clean rebuild, alone, from the same log
            assert runner.view.checksum() == concurrent, runner.name
    finally:
        container.close()


def test_a_view_whose_rebuild_is_running_is_refused_with_exit_5_and_the_others_are_rebuilt(store_url,
                                                                                          tmp_path):
    var = tmp_path / "var"
    container = make_container(store_url, var, today=date.fromisoformat(TODAY))
    try:
        _register(container, list(facilities(6)))
        names = set(container.projections)
        held = container.view("facility_list")
        with rebuild_lock(held):  # this process is rebuilding facility_list
            for extra in ([], ["--jobs", "2"]):
                done = subprocess.run([ELDERCARE, "projections", "rebuild", "--no-progress", *extra],
                                      env=_env(store_url, var), capture_output=True, text=True, timeout=300)
                assert done.returncode == EXIT_CONFLICT, done.stderr
                assert _accounted(done, names) == names - {"facility_list"}
                assert f"facility_list: not rebuilt, held by pid {os.getpid()}" in done.stderr
                # said once: the view's line, then one error for the exit code
                assert done.stderr.count("error:") == 1
                assert "error: a rebuild of facility_list is already running: not rebuilt here" in done.stderr
            with ThreadPoolExecutor(1) as other, pytest.raises(RebuildRunning, match=f"pid {os.getpid()}"):
                other.submit(container.runner("facility_list").rebuild).result()  # another thread: refused
        container.runner("facility_list").rebuild()  # free again
    finally:
        container.close()
