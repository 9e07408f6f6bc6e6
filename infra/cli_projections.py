"""`eldercare projections run|status|rebuild [NAME]`."""

from __future__ import annotations

import signal
import threading

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
@command
def rebuild(state: State, name: str | None, progress: bool) -> None:
    """Drop a view and replay it from position 0 (a rebuild gives byte-identical tables)."""
    for n in _names(state, name):
        runner = state.container.runner(n, batch_size=2000)
        head = runner.head()
        with Progress(TextColumn(f"rebuild {n}"), BarColumn(), MofNCompleteColumn(),
                      TimeRemainingColumn(), disable=not progress) as bar:
            task = bar.add_task(n, total=head)
            runner.rebuild(progress=lambda k, t=task: bar.advance(t, k))
        click.echo(f"{n}: rebuilt to {runner.position()} checksum {runner.view.checksum()}")
