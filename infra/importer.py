"""Bulk import: streamed, batched, with a progress bar and per-line rejections.

Two kinds of line: a facility row (CSV, or a JSON object without "command") — validated one by one
and saved many per transaction — and a historical command (`{"command": NAME, "data": {...}}`),
dispatched one by one exactly as the API would. A rejected line writes nothing.

A line that fails in any way — unreadable bytes, JSON nested deeper than `bounds.MAX_JSON_DEPTH`, a
line over `bounds.MAX_IMPORT_LINE_BYTES`, a value out of range, an event over the broker's message
limit — is rejected with its line number and reason, and the import goes on with the next line. Only an
unreachable database stops it (exit 69, nothing after the last committed line is lost to a retry).
"""

from __future__ import annotations

import csv
import io
import json
import time
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import click
import structlog
from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TimeRemainingColumn

from infra.cli_support import EXIT_INVALID, State
from supervision import authority
from supervision.application import Context
from supervision.commands import bounds
from supervision.commands.fast_facilities import fast_register_facility
from supervision.domain.errors import DomainError, InvalidCommand
from supervision.unavailable import as_unavailable

log = structlog.get_logger(__name__)

#: rejected lines printed to the terminal; the rest go to --rejects (or are counted)
SHOWN_REJECTIONS = 20

INT_COLUMNS = {"total_beds", "nursing_beds", "level", "score", "expected_version"}


@dataclass
class Report:
    imported: int = 0
    rejected: int = 0
    rejections: list[tuple[int, str]] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def rate(self) -> float:
        return self.imported / self.seconds if self.seconds else 0.0


def _detect(path: Path, fmt: str) -> str:
    if fmt != "auto":
        return fmt
    return "csv" if path.suffix.lower() == ".csv" else "jsonl"


def _csv_value(key: str, value: str) -> Any:
    value = value.strip()
    if key in INT_COLUMNS and bounds.fullmatch(r"-?[0-9]{1,19}", value):  # ASCII digits only (not ٤ or ²)
        return int(value)
    return value


def _too_long(number: int, raw: bytes) -> tuple[int, int, str] | None:
    if len(raw) > bounds.MAX_IMPORT_LINE_BYTES:
        return number, len(raw), f"line longer than {bounds.MAX_IMPORT_LINE_BYTES} bytes"
    return None


def read_lines(stream: IO[bytes], fmt: str) -> Iterator[tuple[int, int, dict[str, Any] | str]]:
    """Yield (line number, bytes consumed, parsed row or an error message)."""
    if fmt == "csv":
        header_line = stream.readline()
        try:
            header = next(csv.reader([header_line.decode("utf-8-sig")]))
        except (UnicodeDecodeError, csv.Error, StopIteration) as exc:
            yield 1, len(header_line), f"unreadable CSV header: {exc}"
            return
        number = 1
        for raw in stream:
            number += 1
            if not raw.strip():
                continue
            too_long = _too_long(number, raw)
            if too_long:
                yield too_long
                continue
            try:
                values = next(csv.reader([raw.decode("utf-8")]))
            except (UnicodeDecodeError, csv.Error, StopIteration) as exc:
                yield number, len(raw), f"unreadable CSV line: {exc}"
                continue
            if len(values) != len(header):
                yield number, len(raw), f"expected {len(header)} columns, got {len(values)}"
                continue
            row = {k: _csv_value(k, v) for k, v in zip(header, values, strict=True) if v.strip() != ""}
            yield number, len(raw), row
        return
    for number, raw in enumerate(stream, start=1):
        if not raw.strip():
            continue
        too_long = _too_long(number, raw)
        if too_long:
            yield too_long
            continue
        if bounds.json_too_deep(raw):
            yield number, len(raw), f"JSON nested deeper than {bounds.MAX_JSON_DEPTH} levels"
            continue
        try:
            row = json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, ValueError, RecursionError) as exc:
            yield number, len(raw), f"malformed JSON: {exc}"
            continue
        yield number, len(raw), row if isinstance(row, dict) else "line must be a JSON object"


def describe(exc: DomainError) -> str:
    detail = "; ".join(f"{k}: {', '.join(v)}" for k, v in exc.fields.items())
    return f"{exc.message} ({detail})" if detail and detail not in exc.message else exc.message


def historical_command(dispatcher: Any, row: dict[str, Any]) -> tuple[str, Any]:
    """Check a `{"command": NAME, "data": {...}}` line; the dispatcher validates the data itself.

    A historical record must say when it happened: without `occurred_on` it would be dated today.
    """
    extra = sorted(set(row) - {"command", "data"})
    if extra:
        raise InvalidCommand(f"unexpected key(s) {', '.join(map(repr, extra))}: a command line is "
                             '{"command": NAME, "data": {...}}')
    name = row["command"]
    if not isinstance(name, str) or name not in dispatcher.specs:
        raise InvalidCommand(f"unknown command {name!r}")
    data = row.get("data", {})
    dated = "occurred_on" in dispatcher.spec(name).schema().fields
    if dated and isinstance(data, dict) and data.get("occurred_on") is None:
        raise InvalidCommand("a historical record needs its date", {
            "occurred_on": ["required in an import (it would otherwise be dated today)"]})
    return name, data


def facility_args(dispatcher: Any, row: dict[str, Any], ctx: Context) -> dict[str, Any]:
    """`dispatcher.prepare("register_facility", row, ctx)`, with the schema's compiled fast path:
    a row it is sure of is loaded there (the same arguments marshmallow returns); any other row is
    loaded, and refused with its messages, by marshmallow. Role first, jurisdiction after, as in
    `prepare`. Raises `DomainError` (403 / 422) as `prepare` does."""
    name = "register_facility"
    dispatcher.authorize(name, ctx)
    args = fast_register_facility(row)
    if args is None:
        args = dispatcher.load(name, row)
    return authority.check(dispatcher.app, name, args, ctx)


def unexpected(exc: Exception) -> str:
    """The reason for a line that failed in a way no validator named; a database outage is not the
    line's fault and is raised instead (the import stops: exit 69)."""
    if as_unavailable(exc) is not None:
        raise exc
    log.warning("import_line_failed", error_type=type(exc).__name__)
    return f"cannot be kept: {type(exc).__name__}: {str(exc)[:300]}"


def import_stream(
    container: Any, ctx: Context, stream: IO[bytes], fmt: str, batch_size: int = 500,
    advance: Any = None, report: Report | None = None,
) -> Report:
    """Import a stream of lines; returns the report (rejections with their line numbers).

    Facility rows are saved many per transaction by a saver thread while the next batch is read
    and validated: the store's round trips overlap the validation (the thread waits on the
    database, with the GIL released). One batch at most is in flight: before the next is handed
    over, and before any command line runs (file order), the previous one's outcome is counted;
    an unreachable database stops the import there, after the last committed batch.
    """
    app, dispatcher = container.app, container.dispatcher
    report = report if report is not None else Report()
    started = time.perf_counter()
    batch: list[tuple[int, Any]] = []
    saver = ThreadPoolExecutor(max_workers=1, thread_name_prefix="import-saver")
    in_flight: list[tuple[list[tuple[int, Any]], Future[list[Any]]]] = []

    def reject(number: int, reason: str) -> None:
        report.rejected += 1
        report.rejections.append((number, reason))

    def save(facilities: list[Any]) -> list[Any]:
        try:
            return app.register_facilities(facilities)
        except DomainError as exc:  # e.g. an event over the message limit: the batch wrote nothing
            return [exc] * len(facilities)
        except Exception as exc:
            return [RuntimeError(unexpected(exc))] * len(facilities)

    def settle() -> None:
        """Count the outcome of the batch in flight (raises when the database is unreachable)."""
        while in_flight:
            lines, future = in_flight.pop()
            for (number, _), error in zip(lines, future.result(), strict=True):
                if error is None:
                    report.imported += 1
                else:
                    reject(number, describe(error) if isinstance(error, DomainError) else str(error))

    def flush(wait: bool = False) -> None:
        settle()
        if batch:
            lines = list(batch)
            in_flight.append((lines, saver.submit(save, [f for _, f in lines])))
            batch.clear()
        if wait:
            settle()

    try:
        for number, size, row in read_lines(stream, fmt):
            if advance:
                advance(size)
            if isinstance(row, str):
                reject(number, row)
                continue
            try:
                if "command" in row:
                    name, data = historical_command(dispatcher, row)
                    flush(wait=True)  # keep file order between facility rows and commands
                    dispatcher.dispatch(name, data, ctx)
                    report.imported += 1
                    continue
                batch.append((number, app.new_facility(ctx, **facility_args(dispatcher, row, ctx))))
            except DomainError as exc:
                reject(number, describe(exc))
                continue
            except Exception as exc:  # anything else is this line's fault: reject it, keep going
                reject(number, unexpected(exc))
                continue
            if len(batch) >= batch_size:
                flush()
        flush(wait=True)
    finally:
        saver.shutdown(wait=True)
        report.seconds = time.perf_counter() - started
    return report


def run_import(state: State, path: Path, fmt: str, batch_size: int, rejects: Path | None,
               progress: bool) -> None:
    ctx = state.context(source="import")
    kind = _detect(path, fmt)
    report = Report()
    try:
        with open(path, "rb") as stream, Progress(
            TextColumn(f"import {path.name}"), BarColumn(), DownloadColumn(), TimeRemainingColumn(),
            disable=not progress, transient=False,
        ) as bar:
            task = bar.add_task("import", total=path.stat().st_size)
            import_stream(state.container, ctx, stream, kind, batch_size,
                          advance=lambda n: bar.advance(task, n), report=report)
            bar.update(task, completed=path.stat().st_size)  # the whole file was read: 100 %
    finally:
        write_rejections(report, rejects)
    if report.rejected:
        raise SystemExit(EXIT_INVALID)


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
    click.echo(
        f"imported {report.imported}, rejected {report.rejected} in {report.seconds:.1f}s "
        f"({report.rate:.0f} rows/s)"
    )


def text_stream(text: str) -> IO[bytes]:
    """For tests: a bytes stream of `text`."""
    return io.BytesIO(text.encode("utf-8"))
