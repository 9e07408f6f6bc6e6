"""Bulk import: streamed, batched, with a progress bar and per-line rejections.

Two kinds of line: a facility row (CSV, or a JSON object without "command") — validated one by one
and saved many per transaction — and a historical command (`{"command": NAME, "data": {...}}`),
dispatched one by one exactly as the API would. A rejected line writes nothing.

A line that fails in any way — unreadable bytes, JSON nested deeper than `bounds.MAX_JSON_DEPTH`, a
line over `bounds.MAX_IMPORT_LINE_BYTES`, a value out of range, an event over the broker's message
limit — is rejected with its line number and reason, and the import goes on with the next line. Only an
unreachable database stops it (exit 69, nothing after the last committed line is lost to a retry).

A large file (`infra.import_pipeline.PIPELINE_MIN_BYTES`) is read, validated, sealed and built by
helper processes, and saved here, in file order, with the same outcome line for line; a helper that
fails stops the import (`ImportHelperFailed`, exit 70) after the last committed batch.
"""

from __future__ import annotations

import io
import json
import time
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import click
import structlog
from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TimeRemainingColumn

from infra.cli_support import EXIT_INVALID, State, echo_value, progress_console
from infra.import_lines import (
    INT_COLUMNS,
    REGISTER,
    CommandLine,
    Line,
    LinePreparer,
    Refused,
    describe,
    historical_command,
    read_lines,
    unexpected_reason,
)
from infra.import_pipeline import ImportHelperFailed, Pipeline
from infra.wakeup import await_applied
from supervision import authority
from supervision.application import Context, recording_writes
from supervision.commands.fast_facilities import fast_register_facility
from supervision.domain.errors import DomainError
from supervision.domain.facility import Facility
from supervision.unavailable import as_unavailable

log = structlog.get_logger(__name__)

__all__ = ["INT_COLUMNS", "ImportHelperFailed", "Pipeline", "Report", "describe", "historical_command",
           "import_stream", "read_lines", "run_import", "text_stream", "write_rejections"]

#: rejected lines printed to the terminal; the rest go to --rejects (or are counted)
SHOWN_REJECTIONS = 20
#: exit code of an import stopped by a failed helper process (EX_SOFTWARE: an internal error)
EXIT_HELPER_FAILED = 70


@dataclass
class Report:
    imported: int = 0
    rejected: int = 0
    rejections: list[tuple[int, str]] = field(default_factory=list)
    seconds: float = 0.0
    #: helper processes used (0: the whole import ran in this process)
    helpers: int = 0
    #: the largest peak resident set size of a helper process, KiB (0: no helper, or it failed)
    helper_peak_rss_kib: int = 0

    @property
    def rate(self) -> float:
        return self.imported / self.seconds if self.seconds else 0.0


def _detect(path: Path, fmt: str) -> str:
    if fmt != "auto":
        return fmt
    return "csv" if path.suffix.lower() == ".csv" else "jsonl"


def unexpected(exc: Exception) -> str:
    """The reason for a line that failed in a way no validator named; a database outage is not the
    line's fault and is raised instead (the import stops: exit 69)."""
    if as_unavailable(exc) is not None:
        raise exc
    log.warning("import_line_failed", error_type=type(exc).__name__)
    return unexpected_reason(exc)


@contextmanager
def prepared_lines(container: Any, ctx: Context, stream: IO[bytes], fmt: str, pipeline: Pipeline,
                   report: Report) -> Iterator[Iterator[Line]]:
    """The stream's lines, prepared (`infra.import_lines`): by helper processes for a file the
    pipeline applies to (`Pipeline.applies`), else here, line by line as they are consumed."""
    source = pipeline.applies(stream)
    # the module's own fast path, looked up now (a test switches it off to compare with marshmallow)
    preparer = LinePreparer(container.dispatcher, container.app, ctx, fast_register_facility)
    if source is None:
        yield preparer.lines(stream, fmt)
        return
    report.helpers = pipeline.helpers
    with pipeline.lines(container, ctx, stream, fmt, source, preparer) as feed:
        yield feed.lines()
        report.helper_peak_rss_kib = feed.peak_rss_kib


def import_stream(
    container: Any, ctx: Context, stream: IO[bytes], fmt: str, batch_size: int = 500,
    advance: Any = None, report: Report | None = None, pipeline: Pipeline | None = None,
) -> Report:
    """Import a stream of lines (`fmt` "csv" or "jsonl"); returns the report (rejections with their
    line numbers).

    Lines are read, validated, sealed and built (`infra.import_lines`) here for a small import, and
    by helper processes for a file of at least `Pipeline.min_bytes` (`infra.import_pipeline`;
    `pipeline` overrides the default, `Pipeline(helpers=0)` keeps everything here). Either way this
    process then checks each facility row's jurisdiction, in file order, and saves facility rows many
    per transaction in a saver thread while the next lines are prepared: the store's round trips
    overlap the work. One batch at most is in flight: before the next is handed over, and before any
    command line runs (file order), the previous one's outcome is counted; an unreachable database
    stops the import there (raised, as the store's error), after the last committed batch; a failed
    helper raises `ImportHelperFailed` after the batch in flight is counted.
    """
    app, dispatcher = container.app, container.dispatcher
    report = report if report is not None else Report()
    pipeline = pipeline if pipeline is not None else Pipeline()
    started = time.perf_counter()
    batch: list[tuple[int, Any]] = []
    saver = ThreadPoolExecutor(max_workers=1, thread_name_prefix="import-saver")
    in_flight: list[tuple[list[tuple[int, Any]], Future[list[Any]]]] = []

    def reject(number: int, reason: str) -> None:
        report.rejected += 1
        report.rejections.append((number, reason))

    def save(facilities: list[Any]) -> list[Any]:
        # each row is judged alone: a refused batch is saved again row by row, so one row over the
        # message limit (or failing in any other way of its own) rejects only itself
        return app.register_facilities(facilities)

    def settle() -> None:
        """Count the outcome of the batch in flight (raises when the database is unreachable)."""
        while in_flight:
            lines, future = in_flight.pop()
            for (number, _), error in zip(lines, future.result(), strict=True):
                if error is None:
                    report.imported += 1
                else:
                    reject(number, describe(error) if isinstance(error, DomainError)
                           else unexpected(error))

    def flush(wait: bool = False) -> None:
        settle()
        if batch:
            lines = list(batch)
            in_flight.append((lines, saver.submit(save, [f for _, f in lines])))
            batch.clear()
        if wait:
            settle()

    try:
        with prepared_lines(container, ctx, stream, fmt, pipeline, report) as lines:
            for line in lines:
                if advance:
                    advance(line.size)
                number = line.number
                if type(line) is Refused:
                    if line.error_type is not None:
                        log.warning("import_line_failed", error_type=line.error_type)
                    reject(number, line.reason)
                    continue
                try:
                    if type(line) is CommandLine:
                        flush(wait=True)  # keep file order between facility rows and commands
                        dispatcher.dispatch(line.name, line.data, ctx)
                        report.imported += 1
                        continue
                    # a facility row: the jurisdiction first (a 403 wins, as in `Dispatcher.prepare`)
                    checked = authority.check(app, REGISTER, line.args, ctx)
                    if line.refused is not None:  # then what `new_facility` said
                        if line.error_type is not None:
                            log.warning("import_line_failed", error_type=line.error_type)
                        reject(number, line.refused)
                        continue
                    built = line.facility if checked is line.args else app.new_facility(ctx, **checked)
                    batch.append((number, built))
                except DomainError as exc:
                    reject(number, describe(exc))
                    continue
                except Exception as exc:  # anything else is this line's fault: reject it, keep going
                    reject(number, unexpected(exc))
                    continue
                if len(batch) >= batch_size:
                    flush()
            flush(wait=True)
    except ImportHelperFailed:
        settle()  # what the batch in flight committed is counted (a database error here wins)
        raise
    finally:
        saver.shutdown(wait=True)
        report.seconds = time.perf_counter() - started
    return report


def run_import(state: State, path: Path, fmt: str, batch_size: int, rejects: Path | None,
               progress: bool) -> None:
    ctx = state.context(source="import")
    kind = _detect(path, fmt)
    report = Report()
    failed: ImportHelperFailed | None = None
    written: set[type] = set()
    try:
        with open(path, "rb") as stream, Progress(
            TextColumn(f"import {path.name}"), BarColumn(), DownloadColumn(), TimeRemainingColumn(),
            disable=not progress, transient=False, console=progress_console(),
        ) as bar:
            task = bar.add_task("import", total=path.stat().st_size)
            with recording_writes() as written:  # command lines' events (this thread)
                import_stream(state.container, ctx, stream, kind, batch_size,
                              advance=lambda n: bar.advance(task, n), report=report)
            bar.update(task, completed=path.stat().st_size)  # the whole file was read: 100 %
    except ImportHelperFailed as exc:  # the lines after the last committed batch were not imported
        failed = exc
    finally:
        write_rejections(report, rejects)
    if report.imported:
        # facility rows are saved in the saver thread, whose writes the block above does not see
        say_views(state.container, written | {Facility.Registered})
    if failed is not None:
        click.echo(f"import stopped: {failed}", err=True)
        raise SystemExit(EXIT_HELPER_FAILED)
    if report.rejected:
        raise SystemExit(EXIT_INVALID)


def say_views(container: Any, written: set[type]) -> None:
    """After an import, wait a moment (`read_models_wait_s`) for the background worker to apply what
    was stored to the views that show it (those with a handler for a `written` event class), then say
    which have not yet, and by how many notifications: the lists show the new rows only once they have
    (a large import outruns the views for a while). With no worker running at all, say that instead of
    waiting. Never fails the import: the rows are stored."""
    try:
        views = container.views_showing(written)
        head = container.app.recorder.max_notification_id() or 0
        answered = await_applied(container.worker_address, head, container.settings.read_models_wait_s,
                                 views)
        if answered:
            return
        lag = container.read_models_lag(head, views)
    except Exception as exc:  # the store went away after the import: its own commands will say so
        log.warning("import_views_unknown", error=f"{type(exc).__name__}: {str(exc)[:200]}")
        return
    if not lag:
        return
    behind = ", ".join(f"{name} {count:,}" for name, count in sorted(lag.items()))
    if answered is None:
        click.echo(f"no background worker is running: the views show these rows once `eldercare serve` "
                   f"or `eldercare worker` runs (notifications behind: {behind})", err=True)
    else:
        click.echo(f"views still catching up (notifications behind: {behind}); the lists show the new "
                   f"rows once they have (`eldercare projections status`)", err=True)


def write_rejections(report: Report, rejects: Path | None) -> None:
    """Rejections to stderr and to the rejects file (also when the import stopped early)."""
    report.rejections.sort()  # duplicates in a batch are found at its flush, after later lines
    shown = report.rejections[:SHOWN_REJECTIONS]
    for number, reason in shown:
        click.echo(f"line {number}: rejected: {reason}", err=True)
    if len(report.rejections) > len(shown):
        more = len(report.rejections) - len(shown)
        where = f"all of them are in {rejects}" if rejects else "--rejects FILE writes all of them"
        click.echo(f"... and {more} more rejected lines ({where})", err=True)
    if rejects:
        with open(rejects, "w", encoding="utf-8") as out:
            for number, reason in report.rejections:
                out.write(json.dumps({"line": number, "reason": reason}, ensure_ascii=False) + "\n")
    echo_value(f"imported {report.imported}, rejected {report.rejected} in {report.seconds:.1f}s "
               f"({report.rate:.0f} rows/s)",
               {"imported": report.imported, "rejected": report.rejected,
                "seconds": round(report.seconds, 3), "rows_per_s": round(report.rate)})


def text_stream(text: str) -> IO[bytes]:
    """For tests: a bytes stream of `text`."""
    return io.BytesIO(text.encode("utf-8"))
