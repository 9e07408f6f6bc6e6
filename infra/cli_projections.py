"""`eldercare projections run|status|rebuild [NAME]`."""

from __future__ import annotations

import signal
import threading
from typing import Any

import click
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from infra.cli_support import EXIT_INVALID, State, command, echo_json, fail


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
    """Position, head, lag and parked (unresolved) items of each view."""
    out = []
    for n in _names(state, name):
        s = state.container.runner(n).status()
        out.append({"name": s.name, "position": s.position, "head": s.head, "lag": s.lag,
                    "parked": s.parked})
    echo_json(out)


@projections.command("run")
@click.argument("name", required=False)
@click.option("--once", is_flag=True, help="catch up to the head and exit")
@command
def run(state: State, name: str | None, once: bool) -> None:
    """Follow the event log and keep the views current (until SIGTERM/SIGINT)."""
    runners = state.container.runners(_names(state, name))
    if once:
        for runner in runners:
            click.echo(f"{runner.name}: applied {runner.catch_up()} notifications")
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
    """Drop a view and replay it from position 0 (a rebuild gives byte-identical tables)."""
    names = _names(state, name)
    if jobs > 1 and len(names) > 1:
        _rebuild_in_processes(names, jobs)
        return
    for n in names:
        runner = state.container.runner(n, batch_size=REBUILD_PAGE)
        head = runner.head()
        with Progress(TextColumn(f"rebuild {n}"), BarColumn(), MofNCompleteColumn(),
                      TimeRemainingColumn(), disable=not progress) as bar:
            task = bar.add_task(n, total=head)
            runner.rebuild(progress=lambda k, t=task: bar.advance(t, k))
        click.echo(f"{n}: rebuilt to {runner.position()} checksum {runner.view.checksum()}")


#: notifications per transaction while rebuilding (memory stays flat: pages are bounded)
REBUILD_PAGE = 2000


def _rebuild_in_processes(names: list[str], jobs: int) -> None:
    """Each view in a worker process of its own (spawned: no connection crosses a fork), at most
    `jobs` at a time; one line per view as it finishes. A view that fails is named (exit 1) after
    the others finished: they are independent, each rebuilt in its own transactions."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor, as_completed

    failed: list[str] = []
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=min(jobs, len(names)), mp_context=context,
                             initializer=_start_worker) as pool:
        futures = {pool.submit(rebuild_view, n): n for n in names}
        for future in as_completed(futures):
            try:
                n, position, checksum = future.result()
            except Exception as exc:
                failed.append(f"{futures[future]} ({type(exc).__name__}: {str(exc)[:200]})")
                continue
            click.echo(f"{n}: rebuilt to {position} checksum {checksum}")
    if failed:
        fail(f"rebuild failed for {', '.join(failed)}", 1)


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
    """In a worker process: rebuild one view on the worker's container; (name, position, checksum)."""
    runner = _WORKER["container"].runner(name, batch_size=REBUILD_PAGE)
    runner.rebuild()
    return name, runner.position(), runner.view.checksum()
