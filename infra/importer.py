"""Bulk import: streamed, batched, with a progress bar and per-line rejections.

Two kinds of line: a facility row (CSV, or a JSON object without "command") — validated one by one
and saved many per transaction — and a historical command (`{"command": NAME, "data": {...}}`),
dispatched one by one exactly as the API would. A rejected line writes nothing.
"""

from __future__ import annotations

import csv
import io
import json
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import click
from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TimeRemainingColumn

from infra.cli_support import EXIT_INVALID, State
from supervision.application import Context
from supervision.domain.errors import DomainError, InvalidCommand

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
    if key in INT_COLUMNS and value.lstrip("-").isdigit():
        return int(value)
    return value


def read_lines(stream: IO[bytes], fmt: str) -> Iterator[tuple[int, int, dict[str, Any] | str]]:
    """Yield (line number, bytes consumed, parsed row or an error message)."""
    if fmt == "csv":
        header_line = stream.readline()
        header = next(csv.reader([header_line.decode("utf-8-sig")]))
        number = 1
        for raw in stream:
            number += 1
            if not raw.strip():
                continue
            try:
                values = next(csv.reader([raw.decode("utf-8")]))
            except (UnicodeDecodeError, csv.Error) as exc:
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
        try:
            row = json.loads(raw)
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
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


def import_stream(
    container: Any, ctx: Context, stream: IO[bytes], fmt: str, batch_size: int = 500,
    advance: Any = None,
) -> Report:
    app, dispatcher = container.app, container.dispatcher
    report = Report()
    started = time.perf_counter()
    batch: list[tuple[int, Any]] = []

    def reject(number: int, reason: str) -> None:
        report.rejected += 1
        report.rejections.append((number, reason))

    def flush() -> None:
        results = app.register_facilities([f for _, f in batch])
        for (number, _), error in zip(batch, results, strict=True):
            if error is None:
                report.imported += 1
            else:
                reject(number, describe(error) if isinstance(error, DomainError) else str(error))
        batch.clear()

    for number, size, row in read_lines(stream, fmt):
        if advance:
            advance(size)
        if isinstance(row, str):
            reject(number, row)
            continue
        try:
            if "command" in row:
                name, data = historical_command(dispatcher, row)
                flush()  # keep file order between facility rows and commands
                dispatcher.dispatch(name, data, ctx)
                report.imported += 1
                continue
            args = dispatcher.prepare("register_facility", row, ctx)
            batch.append((number, app.new_facility(ctx, **args)))
        except DomainError as exc:
            reject(number, describe(exc))
            continue
        if len(batch) >= batch_size:
            flush()
    flush()
    report.seconds = time.perf_counter() - started
    return report


def run_import(state: State, path: Path, fmt: str, batch_size: int, rejects: Path | None,
               progress: bool) -> None:
    ctx = state.context(source="import")
    kind = _detect(path, fmt)
    with open(path, "rb") as stream, Progress(
        TextColumn(f"import {path.name}"), BarColumn(), DownloadColumn(), TimeRemainingColumn(),
        disable=not progress, transient=False,
    ) as bar:
        task = bar.add_task("import", total=path.stat().st_size)
        report = import_stream(state.container, ctx, stream, kind, batch_size,
                               advance=lambda n: bar.advance(task, n))
    report.rejections.sort()  # duplicates in a batch are found at its flush, after later lines
    for number, reason in report.rejections:
        click.echo(f"line {number}: rejected: {reason}", err=True)
    if rejects:
        with open(rejects, "w", encoding="utf-8") as out:
            for number, reason in report.rejections:
                out.write(json.dumps({"line": number, "reason": reason}, ensure_ascii=False) + "\n")
    click.echo(
        f"imported {report.imported}, rejected {report.rejected} in {report.seconds:.1f}s "
        f"({report.rate:.0f} rows/s)"
    )
    if report.rejected:
        raise SystemExit(EXIT_INVALID)


def text_stream(text: str) -> IO[bytes]:
    """For tests: a bytes stream of `text`."""
    return io.BytesIO(text.encode("utf-8"))
