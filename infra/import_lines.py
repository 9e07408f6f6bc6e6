"""The importer's work on one line, up to (not including) the store: read, parse, validate, build.

Shared by the importing process (`infra.importer.import_stream`, small files) and the helper processes
of a large import (`infra.import_pipeline`), so both paths read, refuse and build every line with the
same code. Nothing here touches the store: the two checks that read it (the actor's agency, for the
jurisdiction rule) and the save itself happen in the importing process, in file order.

A line becomes one of three outcomes (`Line`), each carrying its line number (1-based, as an editor
counts lines: blank lines are counted and skipped) and its size in bytes (for the progress bar):

- `Refused`: the line writes nothing; `reason` is what the rejection says.
- `CommandLine`: a historical command (`{"command": NAME, "data": {...}}`), dispatched by the importer.
- `FacilityLine`: a facility row, loaded (`args`) and built (`facility`), or refused by
  `new_facility` (`refused`); the importer checks the jurisdiction first, so a 403 wins as it does
  when the dispatcher prepares a command.

This module imports no SQLAlchemy, click or rich: a helper process starts faster without them.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Callable, Iterator
from typing import IO, Any, NamedTuple

from supervision.application import Context
from supervision.commands import bounds
from supervision.domain.errors import DomainError, InvalidCommand

#: the one command a facility row is
REGISTER = "register_facility"

INT_COLUMNS = {"total_beds", "nursing_beds", "level", "score", "expected_version"}


class Refused(NamedTuple):
    """A line rejected before anything is written. `error_type` names the exception when no validator
    refused the line (an unexpected error: the importer logs it)."""

    number: int
    size: int
    reason: str
    error_type: str | None = None


class CommandLine(NamedTuple):
    """A historical command, checked for shape (`historical_command`); its data is validated when it
    is dispatched."""

    number: int
    size: int
    name: str
    data: Any


class FacilityLine(NamedTuple):
    """A facility row past the role check and the schema: `args` as the schema loaded them; either
    `facility` (what `register_facilities` saves: the aggregate, or a `BuiltFacility` from a helper
    process) or `refused` (what `new_facility` said, with `error_type` when it was unexpected)."""

    number: int
    size: int
    args: dict[str, Any]
    facility: Any
    refused: str | None = None
    error_type: str | None = None


Line = Refused | CommandLine | FacilityLine


class BuiltFacility:
    """A registration built in a helper process, in the shape `register_facilities` takes: its USCC
    and its pending events. The events cross the pipe without the aggregate (unpickling the whole
    aggregate cost the importing process about 35 µs a row, its events about 8 µs)."""

    __slots__ = ("events", "uscc")

    def __init__(self, uscc: str, events: list[Any]) -> None:
        self.uscc = uscc
        self.events = events

    @classmethod
    def of(cls, facility: Any) -> BuiltFacility:
        return cls(facility.uscc, facility.collect_events())

    def collect_events(self) -> list[Any]:
        """The pending events, once (as `Aggregate.collect_events` drains them)."""
        events, self.events = self.events, []
        return events

    def __reduce__(self) -> tuple[Any, ...]:
        return BuiltFacility, (self.uscc, self.events)


# -- reading -------------------------------------------------------------------------------------
def _csv_value(key: str, value: str) -> Any:
    value = value.strip()
    if key in INT_COLUMNS and bounds.fullmatch(r"-?[0-9]{1,19}", value):  # ASCII digits only (not ٤ or ²)
        return int(value)
    return value


def _too_long(raw: bytes) -> str | None:
    if len(raw) > bounds.MAX_IMPORT_LINE_BYTES:
        return f"line longer than {bounds.MAX_IMPORT_LINE_BYTES} bytes"
    return None


def csv_header(header_line: bytes) -> list[str] | str:
    """The column names of a CSV file's first line, or the reason it cannot be read."""
    try:
        return next(csv.reader([header_line.decode("utf-8-sig")]))
    except (UnicodeDecodeError, csv.Error, StopIteration) as exc:
        return f"unreadable CSV header: {exc}"


def parse_csv(raw: bytes, header: list[str]) -> dict[str, Any] | str:
    """One CSV line (not blank) as a row of `header`'s columns (empty cells left out), or the reason
    it is refused."""
    too_long = _too_long(raw)
    if too_long:
        return too_long
    try:
        values = next(csv.reader([raw.decode("utf-8")]))
    except (UnicodeDecodeError, csv.Error, StopIteration) as exc:
        return f"unreadable CSV line: {exc}"
    if len(values) != len(header):
        return f"expected {len(header)} columns, got {len(values)}"
    return {k: _csv_value(k, v) for k, v in zip(header, values, strict=True) if v.strip() != ""}


def parse_json(raw: bytes) -> dict[str, Any] | str:
    """One JSON Lines line (not blank) as an object, or the reason it is refused."""
    too_long = _too_long(raw)
    if too_long:
        return too_long
    if bounds.json_too_deep(raw):
        return f"JSON nested deeper than {bounds.MAX_JSON_DEPTH} levels"
    try:
        row = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        return f"malformed JSON: {exc}"
    return row if isinstance(row, dict) else "line must be a JSON object"


def read_lines(stream: IO[bytes], fmt: str) -> Iterator[tuple[int, int, dict[str, Any] | str]]:
    """Yield (line number, bytes consumed, parsed row or the reason it is refused) for each line
    that is not blank; a CSV file's first line is its header (an unreadable one ends the file)."""
    if fmt == "csv":
        header_line = stream.readline()
        header = csv_header(header_line)
        if isinstance(header, str):
            yield 1, len(header_line), header
            return
        for number, raw in enumerate(stream, start=2):
            if raw.strip():
                yield number, len(raw), parse_csv(raw, header)
        return
    for number, raw in enumerate(stream, start=1):
        if raw.strip():
            yield number, len(raw), parse_json(raw)


# -- validating and building ---------------------------------------------------------------------
def describe(exc: DomainError) -> str:
    detail = "; ".join(f"{k}: {', '.join(v)}" for k, v in exc.fields.items())
    return f"{exc.message} ({detail})" if detail and detail not in exc.message else exc.message


def unexpected_reason(exc: Exception) -> str:
    """The reason for a line that failed in a way no validator named."""
    return f"cannot be kept: {type(exc).__name__}: {str(exc)[:300]}"


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


class LinePreparer:
    """Turns parsed rows into `Line`s: role check and schema (the compiled fast path `fast` for a row
    it is sure of, marshmallow for any other), then `app.new_facility` (sealing personal data).

    `dispatcher` needs only its specs and schemas; `app` only `new_facility` (its sealer and clock):
    in a helper process both run on an in-memory store. Nothing is written and nothing is read from
    a store here.
    """

    def __init__(self, dispatcher: Any, app: Any, ctx: Context,
                 fast: Callable[[Any], dict[str, Any] | None]) -> None:
        self.dispatcher = dispatcher
        self.app = app
        self.ctx = ctx
        self.fast = fast

    def prepare(self, number: int, size: int, row: dict[str, Any] | str) -> Line:
        """The outcome of one line (never raises for a line's fault)."""
        if isinstance(row, str):
            return Refused(number, size, row)
        try:
            if "command" in row:
                name, data = historical_command(self.dispatcher, row)
                return CommandLine(number, size, name, data)
            self.dispatcher.authorize(REGISTER, self.ctx)
            args = self.fast(row)
            if args is None:
                args = self.dispatcher.load(REGISTER, row)
        except DomainError as exc:
            return Refused(number, size, describe(exc))
        except Exception as exc:  # anything else is this line's fault: refused, the import goes on
            return Refused(number, size, unexpected_reason(exc), type(exc).__name__)
        try:
            return FacilityLine(number, size, args, self.app.new_facility(self.ctx, **args))
        except DomainError as exc:
            return FacilityLine(number, size, args, None, describe(exc))
        except Exception as exc:
            return FacilityLine(number, size, args, None, unexpected_reason(exc), type(exc).__name__)

    def lines(self, stream: IO[bytes], fmt: str) -> Iterator[Line]:
        """Every line of `stream` that is not blank, prepared, in file order."""
        prepare = self.prepare
        for number, size, row in read_lines(stream, fmt):
            yield prepare(number, size, row)
