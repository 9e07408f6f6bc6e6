"""Shared marshmallow fields: one validation per concept, reused by every command schema.

Every field takes its limits from `supervision.commands.bounds` and states them with marshmallow's own
validators (`Range`, `Length`, `Regexp`), so the OpenAPI document shows them (`minimum`/`maximum`,
`maxLength`, `maxItems`, `pattern`). Identifiers are NFKC-normalised, then must be ASCII and match their
pattern over the whole value (`re.fullmatch`: `"140502\\n"` is refused, never stored).
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from marshmallow import Schema, ValidationError, fields, pre_load, validate

from supervision.commands import bounds
from supervision.domain.errors import InvalidValue
from supervision.domain.uscc import validate_uscc
from supervision.domain.values import region_code


class FullMatch(validate.Regexp):
    """`validate.Regexp` anchored at both ends and ASCII-only (`\\d` is 0–9, never ٤); apispec renders
    its pattern into the OpenAPI document."""

    def __init__(self, pattern: str, error: str | None = None) -> None:
        super().__init__(pattern, flags=re.ASCII, error=error or f"must match {pattern}")

    def __call__(self, value: str) -> str:
        if not isinstance(value, str) or self.regex.fullmatch(value) is None:
            raise ValidationError(self._format_error(value))
        return value

    def _format_error(self, value: Any) -> str:  # never echo the value (it may be personal data)
        return self.error.format(regex=self.regex.pattern, input="")


class NoControlCharacters(FullMatch):
    """Refuses NUL, control characters, surrogates, non-characters and bidi controls in text."""

    def __init__(self, multiline: bool) -> None:
        super().__init__(bounds.MULTI_LINE_PATTERN if multiline else bounds.SINGLE_LINE_PATTERN)
        self.multiline = multiline

    def __call__(self, value: str) -> str:
        problem = bounds.text_problem(value, multiline=self.multiline)
        if problem:
            raise ValidationError(problem)
        return value


class Text(fields.String):
    """Free text with a maximum length in characters; single-line unless `multiline` (then \\n and
    \\t are allowed, CR LF becomes LF). NUL, control and invisible characters are refused; so is a
    mobile or resident ID number (`bounds.personal_number_problem`: personal data lives in sealed
    fields). Whitespace alone is blank, and refused: a required text (`required` implies
    `min_length=1`) or one with `min_length` must say something, an optional one may be empty ("")
    but not blank; `min_letters` asks for that many letters or digits (an audit reason must say
    something)."""

    def __init__(self, max_length: int, *, min_length: int = 0, multiline: bool = False,
                 min_letters: int = 0, validate: Any = None, **kwargs: Any) -> None:
        extra = [validate] if callable(validate) else list(validate or [])
        if kwargs.get("required") and not min_length:
            min_length = 1
        checks: list[Any] = [validate_length(min_length, max_length), NoControlCharacters(multiline),
                             NoPersonalNumbers(),
                             Meaningful(max(min_letters, 0), allow_empty=not (min_length or min_letters))]
        super().__init__(validate=[*checks, *extra], **kwargs)
        self.multiline = multiline

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> str:
        raw = super()._deserialize(value, attr, data, **kwargs)
        return bounds.normalise_text(raw, multiline=self.multiline)


def validate_length(min_length: int, max_length: int) -> validate.Length:
    return validate.Length(min=min_length or None, max=max_length)


class Identifier(fields.String):
    """A code: NFKC (full-width → ASCII), then printable ASCII matching `pattern` in full."""

    def __init__(self, pattern: str, *, max_length: int, error: str | None = None, upper: bool = False,
                 **kwargs: Any) -> None:
        super().__init__(validate=[validate.Length(max=max_length), FullMatch(pattern, error)], **kwargs)
        self.max_length = max_length
        self.upper = upper

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> str:
        raw = super()._deserialize(value, attr, data, **kwargs)
        if len(raw) > 4 * self.max_length:  # refuse before normalising megabytes
            raise ValidationError(f"Longer than maximum length {self.max_length}.")
        code = bounds.normalise_identifier(raw)
        if self.upper:
            code = code.upper()
        problem = bounds.identifier_problem(code)
        if problem:
            raise ValidationError(problem)
        return code


class Reference(fields.String):
    """A document number (文书号, ticket, receipt, order number): may hold Chinese; NFKC-normalised
    (full-width digits → ASCII) so `１２号` and `12号` are the same number; single line, no surrounding
    whitespace, no other scripts' digits."""

    def __init__(self, max_length: int = bounds.DOCUMENT_NO, *, min_length: int = 1, **kwargs: Any) -> None:
        super().__init__(validate=[validate_length(min_length, max_length),
                                   FullMatch(r"^[^\x00-\x20\x7f](?:[^\x00-\x1f\x7f]*[^\x00-\x20\x7f])?$",
                                             "must be one line without surrounding whitespace")],
                         **kwargs)
        self.max_length = max_length

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> str:
        raw = super()._deserialize(value, attr, data, **kwargs)
        if len(raw) > 4 * self.max_length:
            raise ValidationError(f"Longer than maximum length {self.max_length}.")
        ref = bounds.normalise_identifier(raw)
        problem = bounds.reference_problem(ref)
        if problem:
            raise ValidationError(problem)
        return ref


USCC_PATTERN = r"^[0-9A-HJ-NPQRTUWXY]{18}$"
REGION_PATTERN = r"^[1-8][0-9]{5}$"
REGION_PREFIX_PATTERN = r"^[1-8][0-9]{1,5}$"
AGENCY_PATTERN = r"^[A-Z]{2,8}-[0-9]{6}$"
ID_NUMBER_PATTERN = r"^[0-9]{17}[0-9X]$"
PHONE_PATTERN = r"^[0-9+\- ]{5,20}$"


class Uscc(Identifier):
    """统一社会信用代码 with the GB 32100 check character (NFKC, upper-cased)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(USCC_PATTERN, max_length=18, upper=True,
                         error="must be 18 characters of the GB 32100 alphabet", **kwargs)

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> str:
        code = super()._deserialize(value, attr, data, **kwargs)
        try:
            return validate_uscc(code)
        except InvalidValue as exc:
            raise ValidationError(exc.fields[exc.field][0]) from None


class RegionCode(Identifier):
    """A 6-digit GB/T 2260 administrative division code (first digit 1–8)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(REGION_PATTERN, max_length=6,
                         error="must be a 6-digit administrative region code (GB/T 2260)", **kwargs)

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> str:
        code = super()._deserialize(value, attr, data, **kwargs)
        try:
            return region_code(code)
        except InvalidValue as exc:
            raise ValidationError(exc.fields[exc.field][0]) from None


class CountyCode(RegionCode):
    """A facility's region: a GB/T 2260 code of a county-level division in force today (a district,
    county or county-level city — not a province or city code, not an abolished or unknown code), as
    python-stdnum's copy of the national list knows it (`stdnum.numdb` `cn/loc`)."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> str:
        code = super()._deserialize(value, attr, data, **kwargs)
        problem = county_problem(code)
        if problem:
            raise ValidationError(problem)
        return code


@functools.lru_cache(maxsize=8192)
def county_problem(code: str) -> str | None:
    """Why `code` is not a county-level division in force, or None (see `CountyCode`).

    Cached (bounded; the list is static, ~3,000 counties): python-stdnum's lookup walks its table in
    Python (~60 µs), which was the largest single cost of a bulk import's row."""
    if code.endswith("00"):
        return f"{code} is a province or city code: a facility's region is its county-level division"
    info = _divisions().info(code)
    county = info[1][1].get("county") if len(info) > 1 else None
    if not county:
        return f"{code} is not a division code of GB/T 2260"
    span = re.match(r"\[(\d{4})?-(\d{4})?\]", county)
    if span and span.group(2):
        return f"{code} ({county[span.end():]}) was abolished in {span.group(2)}"
    return None


@functools.cache
def _divisions() -> Any:
    from stdnum import numdb

    return numdb.get("cn/loc")


def region_prefix(**kwargs: Any) -> Identifier:
    """A region code or its prefix: province (2 digits), city (4) or district (6), 2–6 digits."""
    return Identifier(REGION_PREFIX_PATTERN, max_length=6, error="must be a region code or prefix "
                      "(2–6 ASCII digits, first 1–8)", **kwargs)


def agency_code(**kwargs: Any) -> Identifier:
    """An agency code such as `MZJ-140500` (full-width `ＭＺＪ－１４０５００` is converted)."""
    return Identifier(AGENCY_PATTERN, max_length=15, upper=True, error="an agency code like MZJ-140500",
                      **kwargs)


def id_number(**kwargs: Any) -> Identifier:
    """An 18-character resident ID number shape (the checksum is checked where it matters)."""
    return Identifier(ID_NUMBER_PATTERN, max_length=18, upper=True, error="18-character ID number",
                      **kwargs)


def phone(**kwargs: Any) -> Identifier:
    return Identifier(PHONE_PATTERN, max_length=20, error="must be 5–20 digits, spaces, + or -", **kwargs)


class Fen(fields.Integer):
    """Money in integer fen, 0 … `bounds.MAX_FEN` (¥100 billion): floats are refused, never rounded."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(strict=True, **kwargs)
        self.validators.insert(0, validate.Range(min=0, max=bounds.MAX_FEN,
                                                 error=f"must be 0 … {bounds.MAX_FEN} fen"))

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> int:
        if isinstance(value, float | bool):
            raise ValidationError("must be an integer amount in fen (no floats)")
        out = super()._deserialize(value, attr, data, **kwargs)
        if out < 0:
            raise ValidationError("must not be negative")
        return out


class Day(fields.Date):
    """A date (ISO `YYYY-MM-DD`) between `bounds.EARLIEST_DAY` (1949-10-01) and `bounds.LATEST_DAY`
    (2199-12-31): every date a command carries, so date arithmetic on it (a term, a deadline, a
    conversion) can never leave Python's range and answer 500. Rules relative to today (a fact not
    after today, a deadline within `HORIZON_YEARS`) are checked where today is known."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> Any:
        return within_days(super()._deserialize(value, attr, data, **kwargs))


class Deadline(Day):
    """A date that may lie ahead (a rectification deadline, an interview, a refund due, a visit, a
    listing's effective date): at most `bounds.HORIZON_YEARS` years after the day it is recorded
    (the dispatcher checks it against today: `check_horizons`)."""


class Moment(fields.DateTime):
    """An instant (ISO 8601 with its UTC offset) whose own date is within `Day`'s bounds, so the
    conversion to Beijing time cannot overflow (`0001-01-01T00:00:00+14:00` is refused, not a 500)."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> Any:
        moment = super()._deserialize(value, attr, data, **kwargs)
        within_days(moment.date())
        return moment


def within_days(day: Any) -> Any:
    if not bounds.EARLIEST_DAY <= day <= bounds.LATEST_DAY:
        raise ValidationError(f"must be between {bounds.EARLIEST_DAY.isoformat()} and "
                              f"{bounds.LATEST_DAY.isoformat()}")
    return day


def check_horizons(schema: Schema, args: Mapping[str, Any], today: Any) -> None:
    """Raise `InvalidValue` (422) for a `Deadline` of the command more than `bounds.HORIZON_YEARS`
    after `today` (top-level fields: deadlines are never nested)."""
    try:
        limit = today.replace(year=today.year + bounds.HORIZON_YEARS)
    except ValueError:  # 29 February, into a common year
        limit = today.replace(year=today.year + bounds.HORIZON_YEARS, day=28)
    for name, field in schema.fields.items():
        value = args.get(name)
        if isinstance(field, Deadline) and value is not None and value > limit:
            raise InvalidValue(name, f"{value.isoformat()} is more than {bounds.HORIZON_YEARS} years "
                                     f"after today ({today.isoformat()}): a typing error?")


def restates(given: Any, value: Any) -> bool:
    """Does `given` (a body's or `--data`'s value) say the same as `value` (the path's or the
    argument's)? Compared as identifiers are read: NFKC, case-insensitive (`１２１４…`, lower case)."""
    if given == value:
        return True
    if not isinstance(given, str):
        return False
    fold = lambda text: unicodedata.normalize("NFKC", text).strip().casefold()  # noqa: E731
    return fold(given) == fold(str(value))


def contradictions(body: Mapping[str, Any], given: Mapping[str, Any]) -> dict[str, list[str]]:
    """Per name of `given` (path parameters, CLI arguments) that `body` names with another value (or
    one never validated), the problem: 422 / exit 2, never silently overridden."""
    return {name: [f"given as {str(value)[:40]!r} already: leave it out or give the same"]
            for name, value in given.items() if name in body and not restates(body[name], value)}


class StrictInt(fields.Integer):
    """An integer (no floats, no strings) that must be given a range: an unbounded integer could
    overflow a view's column."""

    def __init__(self, *, min: int = 0, max: int, **kwargs: Any) -> None:
        super().__init__(strict=True, **kwargs)
        self.validators.insert(0, validate.Range(min=min, max=max))

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> int:
        if isinstance(value, bool):
            raise ValidationError("Not a valid integer.")
        return super()._deserialize(value, attr, data, **kwargs)


def Count(max: int, **kwargs: Any) -> StrictInt:
    """A count 0 … `max`."""
    return StrictInt(min=0, max=max, **kwargs)


class QueryInt(fields.Integer):
    """An integer query argument (a string in the URL) with a range: `page=10000000000000000000` is 422.
    The digits are NFKC-normalised and must be ASCII."""

    def __init__(self, *, min: int, max: int, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.validators.insert(0, validate.Range(min=min, max=max))

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> int:
        if isinstance(value, str):
            value = bounds.normalise_identifier(value)
            if not bounds.fullmatch(r"[+-]?[0-9]{1,20}", value):
                raise ValidationError("Not a valid integer.")
        return super()._deserialize(value, attr, data, **kwargs)


def page(**kwargs: Any) -> QueryInt:
    return QueryInt(min=1, max=bounds.MAX_PAGE, load_default=1, **kwargs)


def page_size(**kwargs: Any) -> QueryInt:
    return QueryInt(min=1, max=bounds.MAX_PAGE_SIZE, load_default=50, **kwargs)


def BoundedList(inner: fields.Field, max_length: int, *, min_length: int = 0,
                **kwargs: Any) -> fields.List:
    """A list of at most `max_length` items (`maxItems` in the OpenAPI document)."""
    return fields.List(inner, validate=validate.Length(min=min_length or None, max=max_length), **kwargs)


class NestedObject(fields.Nested):
    """A nested JSON object (or, with `many`, a list of them) whose wrong type is said in words.

    marshmallow answers a string or a number where an object is expected with ``{"_schema":
    ["Invalid input type."]}`` inside the field, which the error body flattens to
    ``complainant._schema: Invalid input type.``; this field answers ``complainant: must be an object
    with fields name, id_number, phone`` instead (the field names as the payload spells them, so the
    caller learns the shape from the error). Every nested object of a command schema is one of these.
    The value itself is never echoed (it may be personal data). Errors inside a well-typed object
    are marshmallow's own (``complainant.phone: ...``).
    """

    def expected(self) -> str:
        """What a value must be, e.g. "must be an object with fields name, id_number, phone"."""
        names = ", ".join(f.data_key or name for name, f in self.schema.load_fields.items())
        with_fields = f" with fields {names}" if names else ""
        if self.many or self.schema.many:
            return f"must be a list of objects{with_fields}"
        return f"must be an object{with_fields}"

    def _deserialize(self, value: Any, attr: str | None, data: Any, partial: Any = None,
                     **kwargs: Any) -> Any:
        many = bool(self.many or self.schema.many)
        if many:
            if not isinstance(value, list | tuple) or not all(isinstance(v, Mapping) for v in value):
                raise ValidationError(self.expected())
        elif not isinstance(value, Mapping):
            raise ValidationError(self.expected())
        return super()._deserialize(value, attr, data, partial=partial, **kwargs)


class MaxEntries(validate.Validator):
    """At most `max_entries` keys in an object (shown as `maxProperties`)."""

    def __init__(self, max_entries: int) -> None:
        self.max_entries = max_entries

    def __call__(self, value: Any) -> Any:
        if len(value) > self.max_entries:
            raise ValidationError(f"must have at most {self.max_entries} entries")
        return value


def BoundedDict(keys: fields.Field, values: fields.Field, max_entries: int = bounds.MAX_DICT_ENTRIES,
                **kwargs: Any) -> fields.Dict:
    """An object of at most `max_entries` keys (`maxProperties` in the OpenAPI document)."""
    metadata = {**kwargs.pop("metadata", {}), "maxProperties": max_entries}
    return fields.Dict(keys=keys, values=values, validate=MaxEntries(max_entries), metadata=metadata,
                       **kwargs)


class NoPersonalNumbers(validate.Validator):
    """Refuses a mobile or resident ID number inside free text (never echoing it)."""

    def __call__(self, value: str) -> str:
        problem = bounds.personal_number_problem(value) if isinstance(value, str) else None
        if problem:
            raise ValidationError(problem)
        return value


class Meaningful(validate.Validator):
    """Not blank (whitespace alone; also not empty unless `allow_empty`), and at least `letters`
    letters or digits when asked."""

    def __init__(self, letters: int = 0, *, allow_empty: bool = False) -> None:
        self.letters = letters
        self.allow_empty = allow_empty

    def __call__(self, value: str) -> str:
        if bounds.is_blank(value):
            if self.allow_empty and not value:
                return value
            raise ValidationError("must not be blank" + (" (leave it out or empty instead)"
                                                         if self.allow_empty else ""))
        if self.letters and sum(ch.isalnum() for ch in value) < self.letters:
            raise ValidationError(f"must say something: at least {self.letters} letters or digits")
        return value


class CommandSchema(Schema):
    """Base of command schemas: unknown fields are errors, `occurred_on` is common to all, and no
    string anywhere in a payload may hold NUL, control characters (other than newline and tab),
    lone surrogates or bidi controls — whatever field type a capability declares (the door's floor;
    `Text` adds the single-line rule and the lengths)."""

    class Meta:
        unknown = "raise"

    occurred_on = Day(load_default=None, metadata={"description": "when it happened (≤ today)"})

    @pre_load
    def _refuse_unkeepable_strings(self, data: Any, **_: Any) -> Any:
        problems: dict[str, list[str]] = {}
        stack: list[tuple[str, Any]] = [("", data)]
        while stack:  # iterative: nesting depth is limited elsewhere, but never recurse on input
            path, value = stack.pop()
            if isinstance(value, str):
                problem = bounds.text_problem(value, multiline=True)
                if problem:
                    problems.setdefault(path or "_schema", []).append(problem)
            elif isinstance(value, dict):
                for key, inner in value.items():
                    key_problem = bounds.text_problem(key) if isinstance(key, str) else None
                    if key_problem:
                        problems.setdefault(path or "_schema", []).append(f"a key {key_problem}")
                        continue
                    stack.append((f"{path}.{key}" if path else str(key), inner))
            elif isinstance(value, list):
                stack.extend((f"{path}.{i}", inner) for i, inner in enumerate(value))
        if problems:
            raise ValidationError(problems)
        return data


@dataclass(frozen=True)
class CommandSpec:
    """A command as every entrypoint sees it: name, schema, application method, allowed roles."""

    name: str
    schema: type[Schema]
    method: str
    roles: tuple[str, ...]
    summary: str
