"""The importer's work on one line, up to (not including) the store: read, parse, validate, build.

Shared by the importing process (`infra.importer.import_stream`, small files) and the helper processes
of a large import (`infra.import_pipeline`), so both paths read, refuse and build every line with the
same code. Nothing here touches the store: the two checks that read it (the actor's agency, for the
jurisdiction rule) and the save itself happen in the importing process, in file order.

A line becomes one of three outcomes (`Line`), each carrying its line number (1-based, as an editor
counts lines: blank lines are counted and skipped) and its size in bytes (for the progress bar):

- `Refused`: the line writes nothing; `reason` is what the rejection says.
- `CommandLine`: a historical command (`{"command": NAME, "data": {...}}`), dispatched by the importer.
- `FacilityLine`: a facility row, loaded (`args`) and built (`facility`: its events already mapped
  to the store's records), or refused by `new_facility` or the store's mapper (`refused`: an event
  over the message limit); the importer checks the jurisdiction first, so a 403 wins as it does
  when the dispatcher prepares a command.

This module imports no SQLAlchemy, click or rich: a helper process starts faster without them.
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterator
from typing import IO, Any, NamedTuple

import structlog
from eventsourcing.utils import get_topic

from supervision import strict_json
from supervision.application import Context
from supervision.commands import bounds
from supervision.domain.errors import DomainError, InvalidCommand
from supervision.domain.facility import Facility, check_profile
from supervision.domain.uscc import validate_uscc
from supervision.domain.values import not_after

log = structlog.get_logger(__name__)

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
    """A registration built, in the shape `register_facilities` takes: its USCC and its pending
    events, already mapped by the store's mapper (`StoredEvent`s, which `SupervisionBase._save`
    inserts as they are). Mapping here moves the JSON encoding (and the event size check) off the
    importing process's saver to whoever prepares the line (a helper process for a large file), and a
    record crosses the pipe cheaper than an event (pickled in ~3 µs and loaded in ~2 µs, against ~8
    and ~5 for the event; the whole aggregate cost ~35 µs to load)."""

    __slots__ = ("events", "uscc")

    def __init__(self, uscc: str, events: list[Any]) -> None:
        self.uscc = uscc
        self.events = events

    @classmethod
    def of(cls, facility: Any, mapper: Any) -> BuiltFacility:
        return cls(facility.uscc, [mapper.to_stored_event(e) for e in facility.collect_events()])

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
        row = strict_json.loads(raw.decode("utf-8"))
    except strict_json.DuplicateKey as exc:
        return f"ambiguous JSON: {exc}"
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


class Registration:
    """What `app.new_facility(ctx, **args)` builds, without the aggregate: the `Facility.Registered`
    event itself, after the same checks in the same order (`opened_on`, sealing the personal data,
    `occurred_on`, the USCC, the profile), so every refusal is the same error with the same message.

    Why: the importer stores only the event; `eventsourcing` building the aggregate around it
    (argument coercion, `mutate`, the aggregate's `__init__`) was half of `new_facility`'s time
    (~33 of ~66 µs a row). `LinePreparer` compares the two on the first row it builds and uses the
    aggregate's path for the whole import if they differ (an event field added, a check changed);
    `tests/unit/test_import_registration.py` compares them over good and refused rows.
    """

    event_class = Facility.Registered
    topic = get_topic(Facility)

    def __init__(self, app: Any, ctx: Context) -> None:
        self.app = app
        self.ctx = ctx

    def event(self, args: dict[str, Any]) -> Any:
        """The registration event of `args` (the schema's load), or the error `new_facility` raises."""
        app, ctx = self.app, self.ctx
        profile = dict(args)
        uscc = profile.pop("uscc")
        occurred_on = profile.pop("occurred_on", None)
        personal = profile.pop("personal", None)
        if profile.get("opened_on"):
            not_after(profile["opened_on"], app.today(), "opened_on")
        personal_sealed = app.sealer.seal_optional(personal)
        occurred_on = app.check_occurred_on(occurred_on)
        code = validate_uscc(uscc)  # what `Facility.register` checks, in its order
        check_profile(profile)
        registered = self.event_class
        return registered(
            originator_topic=self.topic,
            originator_id=Facility.create_id(code),
            originator_version=Facility.INITIAL_VERSION,
            timestamp=registered.create_timestamp(),
            uscc=code,
            profile=profile,
            personal_sealed=personal_sealed,
            occurred_on=occurred_on,
            actor=ctx.actor,
            source=ctx.source,
        )

    def matches(self, args: dict[str, Any], facility: Any) -> bool:
        """Whether `event(args)` equals the event `facility` (`new_facility(ctx, **args)`) has
        pending, field for field: the time of recording aside, the personal data compared unsealed
        (each token has its own IV)."""
        try:
            got = self.event(args)
        except Exception:  # the aggregate's path accepted the row: not the same
            return False
        pending = list(facility.pending_events)
        return (len(pending) == 1 and type(pending[0]) is type(got)
                and _comparable(self.app, pending[0]) == _comparable(self.app, got))


def _comparable(app: Any, event: Any) -> list[tuple[str, Any]]:
    """An event's fields in their order, without its time of recording and with its sealed personal
    data opened."""
    fields = [(k, v) for k, v in vars(event).items() if k != "timestamp"]
    return [(k, app.sealer.unseal(v) if k == "personal_sealed" and v else v) for k, v in fields]


class LinePreparer:
    """Turns parsed rows into `Line`s: role check and schema (the compiled fast path `fast` for a row
    it is sure of, marshmallow for any other), then the registration event (`Registration`: what
    `app.new_facility` records, sealing personal data), mapped by the store's mapper.

    `dispatcher` needs only its specs and schemas; `app` only `new_facility` (its sealer and clock)
    and its mapper: in a helper process both run on an in-memory store (with the importing store's
    event size limit). Nothing is written and nothing is read from a store here.
    """

    def __init__(self, dispatcher: Any, app: Any, ctx: Context,
                 fast: Callable[[Any], dict[str, Any] | None]) -> None:
        self.dispatcher = dispatcher
        self.app = app
        self.ctx = ctx
        self.fast = fast
        self.registration = Registration(app, ctx)
        #: whether `Registration` builds what `new_facility` does (None: not compared yet)
        self.direct: bool | None = None

    def build(self, args: dict[str, Any]) -> BuiltFacility:
        """The row's registration, its event mapped; raises what `new_facility` or the mapper raise."""
        if self.direct:
            event = self.registration.event(args)
            return BuiltFacility(event.uscc, [self.app.mapper.to_stored_event(event)])
        facility = self.app.new_facility(self.ctx, **args)
        if self.direct is None:  # the first row built: compare the two ways (a refused row says little)
            self.direct = self.registration.matches(args, facility)
            if not self.direct:
                log.warning("import_registration_shortcut_off")
        return BuiltFacility.of(facility, self.app.mapper)

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
            return FacilityLine(number, size, args, self.build(args))
        except DomainError as exc:
            return FacilityLine(number, size, args, None, describe(exc))
        except Exception as exc:
            return FacilityLine(number, size, args, None, unexpected_reason(exc), type(exc).__name__)

    def lines(self, stream: IO[bytes], fmt: str) -> Iterator[Line]:
        """Every line of `stream` that is not blank, prepared, in file order."""
        prepare = self.prepare
        for number, size, row in read_lines(stream, fmt):
            yield prepare(number, size, row)
