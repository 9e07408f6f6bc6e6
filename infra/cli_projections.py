"""`eldercare projections run|status|rebuild [NAME]`."""

from __future__ import annotations

import signal
import threading
from typing import TYPE_CHECKING, Any

import click
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from infra.cli_support import (
    EXIT_CONFLICT,
    EXIT_INVALID,
    State,
    chosen_format,
    command,
    echo_json,
    echo_value,
    fail,
    progress_console,
)
from projections.failures import REBUILD_CURE, AheadOfStore, recorded_refusal

if TYPE_CHECKING:
    from projections.base import RebuildRunning


@click.group()
def projections() -> None:
    """Read models: run them, see their position and lag, rebuild them from position 0."""


def _names(state: State, name: str | None) -> list[str]:
    known = list(state.container.projections)
    if name is None:
        return known
    if name not in known:
        fail(f"unknown projection {name!r}; known: {', '.join(known)}", EXIT_INVALID)
    return [name]


@projections.command("status")
@click.argument("name", required=False)
@command
def status(state: State, name: str | None) -> None:
    """Position, head, lag and parked (unresolved) items of each view; `refused` says why a view
    is not run (its position beyond the store's head: rebuild it)."""
    out = []
    for n in _names(state, name):
        runner = state.container.runner(n)
        s = runner.status()
        refusal = recorded_refusal(runner.view.engine, n) or (
            AheadOfStore(s.name, s.position, s.head, REBUILD_CURE) if s.position > s.head else None)
        out.append({"name": s.name, "position": s.position, "head": s.head, "lag": s.lag,
                    "parked": s.parked, "refused": str(refusal) if refusal else None})
    echo_json(out)


@projections.command("run")
@click.argument("name", required=False)
@click.option("--once", is_flag=True, help="catch up to the head and exit")
@command
def run(state: State, name: str | None, once: bool) -> None:
    """Follow the event log and keep the views current (until SIGTERM/SIGINT)."""
    runners = state.container.runners(_names(state, name))
    if once:
        applied = [{"name": runner.name, "applied": runner.catch_up()} for runner in runners]
        echo_value("\n".join(f"{a['name']}: applied {a['applied']} notifications" for a in applied), applied)
        return
    from projections.runner import ProjectionService

    service = ProjectionService(runners)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    service.start()
    try:
        while not stop.wait(1):
            pass
    except KeyboardInterrupt:
        pass
    finally:
        service.stop()


@projections.command("rebuild")
@click.argument("name", required=False)
@click.option("--progress/--no-progress", default=True)
@click.option("--jobs", "-j", type=click.IntRange(1, 32), default=1, show_default=True,
              help="views rebuilt at once, each in its own process (PostgreSQL: one connection each)")
@command
def rebuild(state: State, name: str | None, progress: bool, jobs: int) -> None:
    """Drop a view and replay it from position 0 (a rebuild gives byte-identical tables).

    One rebuild of a view at a time: a view whose rebuild already runs (another process or host) is
    left alone and named, with its holder, on stderr ("a rebuild of V is already running (pid N on
    H)"); the other views are rebuilt, then the command exits 5 (conflict). A running worker keeps
    going meanwhile: it waits for the tables to be replaced, then takes turns with the rebuild.
    Other exits: 1 a view failed (with --jobs, after the others), 69 the database is unreachable.
    Prints a line per view as it finishes; with `--format`, a row per view once all have (`Rebuilt`).
    """
    from projections.base import RebuildRunning, rebuild_lock

    names = _names(state, name)
    results = Rebuilt()
    if jobs > 1 and len(names) > 1:
        _rebuild_in_processes(names, jobs, results)
    else:
        for n in names:
            runner = state.container.runner(n, batch_size=REBUILD_PAGE)
            head = runner.head()
            try:
                with rebuild_lock(runner.view):  # also around the checksum: no rebuild starts under it
                    with Progress(TextColumn(f"rebuild {n}"), BarColumn(), MofNCompleteColumn(),
                                  TimeRemainingColumn(), disable=not progress,
                                  console=progress_console()) as bar:
                        task = bar.add_task(n, total=head)
                        runner.rebuild(progress=lambda k, t=task: bar.advance(t, k))
                    position, checksum = runner.position(), runner.view.checksum()
            except RebuildRunning as exc:
                results.refused(exc)
                continue
            results.rebuilt(n, position, checksum)
    results.finish()


class Rebuilt:
    """The outcome of each view of one `projections rebuild`.

    Without `--format`: one line per view as it finishes (`<view>: rebuilt to <position> checksum
    <sha256>`), a refused view named on stderr. With one: a row per view — name, status (`rebuilt`,
    `refused`, `failed`), position, checksum, detail — printed in that format once all have finished
    (refusals and failures are still said on stderr). Then exit 1 when a view failed, else 5 when one
    was refused (its rebuild already running elsewhere).
    """

    def __init__(self) -> None:
        self.rows: list[dict[str, Any]] = []
        self.failures: list[str] = []
        self.refusals: list[str] = []

    def rebuilt(self, name: str, position: int, checksum: str) -> None:
        self.rows.append({"name": name, "status": "rebuilt", "position": position, "checksum": checksum,
                          "detail": None})
        if chosen_format() is None:
            click.echo(f"{name}: rebuilt to {position} checksum {checksum}")

    def refused(self, exc: RebuildRunning) -> None:
        _say_refused(exc)
        self.refusals.append(exc.view)
        self.rows.append({"name": exc.view, "status": "refused", "position": None, "checksum": None,
                          "detail": f"held by {exc.holder}"})

    def failed(self, name: str, exc: Exception) -> None:
        detail = f"{type(exc).__name__}: {str(exc)[:200]}"
        self.failures.append(f"{name} ({detail})")
        self.rows.append({"name": name, "status": "failed", "position": None, "checksum": None,
                          "detail": detail})

    def finish(self) -> None:
        """Print the rows in the chosen format (if one was chosen), then exit as the outcome says."""
        if chosen_format() is not None:
            echo_json(self.rows)
        if self.failures:
            fail(f"rebuild failed for {', '.join(self.failures)}", 1)
        _exit_if_refused(self.refusals)


def _say_refused(exc: RebuildRunning) -> None:
    click.echo(f"{exc.view}: not rebuilt, held by {exc.holder}", err=True)  # as "<view>: rebuilt to ..."


def _exit_if_refused(refused: list[str]) -> None:
    """Exit 5 (conflict) when a view was not rebuilt because its rebuild was already running."""
    if refused:
        fail(f"a rebuild of {', '.join(refused)} is already running: not rebuilt here; run this again "
             "once that one has finished", EXIT_CONFLICT)


#: notifications per transaction while rebuilding (memory stays flat: pages are bounded)
REBUILD_PAGE = 2000


def _rebuild_in_processes(names: list[str], jobs: int, results: Rebuilt) -> None:
    """Each view in a worker process of its own (spawned: no connection crosses a fork), at most
    `jobs` at a time; each view's outcome to `results` as it finishes. A view that fails is named
    (exit 1) after the others finished: they are independent, each rebuilt in its own transactions.
    A view whose rebuild already runs elsewhere is named as it is refused (exit 5 unless another
    failed)."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor, as_completed

    from projections.base import RebuildRunning

    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=min(jobs, len(names)), mp_context=context,
                             initializer=_start_worker) as pool:
        futures = {pool.submit(rebuild_view, n): n for n in names}
        for future in as_completed(futures):
            try:
                n, position, checksum = future.result()
            except RebuildRunning as exc:
                results.refused(exc)
                continue
            except Exception as exc:
                results.failed(futures[future], exc)
                continue
            results.rebuilt(n, position, checksum)


_WORKER: dict[str, Any] = {}


def _start_worker() -> None:
    """A worker process's one container (built once, not per view), closed when the process exits."""
    import atexit

    from infra.bootstrap import Container
    from infra.logging import configure_logging
    from infra.settings import Settings

    settings = Settings.from_env()
    configure_logging(settings.log_format, settings.log_level)
    container = _WORKER["container"] = Container(settings)
    atexit.register(container.close)


def rebuild_view(name: str) -> tuple[str, int, str]:
    """In a worker process: rebuild one view on the worker's container; (name, position, checksum).
    Raises `RebuildRunning` when a rebuild of the view already runs (nothing changed)."""
    from projections.base import rebuild_lock

    runner = _WORKER["container"].runner(name, batch_size=REBUILD_PAGE)
    with rebuild_lock(runner.view):
        runner.rebuild()
        return name, runner.position(), runner.view.checksum()
