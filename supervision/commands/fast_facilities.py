"""A compiled fast path for the `register_facility` schema, for the bulk importer.

`fast_register_facility(row)` returns exactly what `RegisterFacility().load(row)` returns (same keys, in
the same order, same values and types) for the rows it is sure about, and None for every other row: the
caller then loads the row with marshmallow, which accepts it or names its faults with the usual
messages. The fast path never rejects anything itself, so a refusal and its message are always
marshmallow's.

It is sure about a row when every value is of the plain type and shape a well-formed registration has
(str text within its bounds and free of control, invisible and bidi characters and of mobile or resident
ID numbers, printable-ASCII identifiers already in canonical form, plain ints in range, ISO dates, a
dict of personal data) — the checks below are the ones the schema's fields run, with their limits read
from the schema's own fields and validators when this module is imported. A schema this module does not
recognise (a field added, a validator changed) switches the fast path off (`PLAN is None`) rather than
guess. `tests/unit/test_fast_facilities.py` runs both over many generated rows, good and bad.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from marshmallow import RAISE, Schema, fields, missing, validate

from supervision.commands import bounds
from supervision.commands.facilities import RegisterFacility
from supervision.commands.fields import (
    CommandSchema,
    CountyCode,
    Day,
    FullMatch,
    Identifier,
    Meaningful,
    NestedObject,
    NoControlCharacters,
    NoPersonalNumbers,
    StrictInt,
    Text,
    Uscc,
    county_problem,
)
from supervision.commands.personal import ResidentIdNumber
from supervision.domain.errors import InvalidValue
from supervision.domain.resident_id import InvalidResidentId, validate_resident_id
from supervision.domain.uscc import validate_uscc

#: a value's check: the loaded value, or `_UNSURE` (the row goes to marshmallow)
Check = Callable[[Any], Any]
_UNSURE = object()
_MISSING = object()

_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", re.ASCII)
_REGION = re.compile(r"[1-8][0-9]{5}", re.ASCII)
_ID_SHAPE = re.compile(r"[0-9]{17}[0-9X]", re.ASCII)
_PRINTABLE_ASCII = re.compile(r"[\x20-\x7e]*", re.ASCII)


class _Unknown(Exception):
    """A field or validator this module does not know how to mirror exactly."""


def _only(field: fields.Field, *kinds: type) -> list[Any]:
    """The field's validators, which must be exactly of `kinds` in this order."""
    found = list(field.validators)
    if [type(v) for v in found] != list(kinds):
        raise _Unknown(f"validators {found!r}")
    return found


def _length(v: validate.Length) -> tuple[int, int]:
    if v.equal is not None:
        raise _Unknown("Length(equal=)")
    return (v.min or 0), (v.max if v.max is not None else 10**9)


def _text_check(field: Text) -> Check:
    if field.multiline:
        raise _Unknown("multi-line text")
    validators = list(field.validators)
    meaningful = bool(validators) and type(validators[-1]) is Meaningful
    if meaningful:
        if validators[-1].letters:
            raise _Unknown("min_letters")
        _only(field, validate.Length, NoControlCharacters, NoPersonalNumbers, Meaningful)
    else:
        _only(field, validate.Length, NoControlCharacters, NoPersonalNumbers)
    if validators[1].multiline:
        raise _Unknown("multi-line check")
    low, high = _length(validators[0])
    text_problem, personal_problem = bounds.text_problem, bounds.personal_number_problem

    def check(value: Any) -> Any:
        if type(value) is not str or not low <= len(value) <= high:
            return _UNSURE
        if bounds.is_blank(value):  # blank, or empty: marshmallow says whether that is allowed here
            return _UNSURE
        if text_problem(value) is not None or personal_problem(value) is not None:
            return _UNSURE
        return value

    return check


def _identifier_shape(field: Identifier) -> Callable[[str], bool]:
    """Whether a str is already the canonical identifier the field would load (printable ASCII, so
    NFKC leaves it as it is; no surrounding whitespace; upper-case when the field upper-cases) and
    passes the field's own Length and FullMatch validators."""
    length, full = _only(field, validate.Length, FullMatch)
    low, high = _length(length)
    regex, upper = full.regex, field.upper
    if high > field.max_length:
        raise _Unknown("max_length")

    def ok(value: str) -> bool:
        return (
            low <= len(value) <= high
            and _PRINTABLE_ASCII.fullmatch(value) is not None
            and value == value.strip()
            and (not upper or value == value.upper())
            and regex.fullmatch(value) is not None
        )

    return ok


def _uscc_check(field: Uscc) -> Check:
    shape = _identifier_shape(field)

    def check(value: Any) -> Any:
        if type(value) is not str or not shape(value):
            return _UNSURE
        return _already_canonical(value, validate_uscc, InvalidValue)

    return check


def _already_canonical(value: str, canonical: Callable[[str], str], refused: type[Exception]) -> Any:
    """`value` when `canonical` accepts it unchanged; `_UNSURE` when it refuses or rewrites it."""
    try:
        result = canonical(value)
    except refused:
        return _UNSURE
    return value if result == value else _UNSURE


def _county_check(field: CountyCode) -> Check:
    shape = _identifier_shape(field)

    def check(value: Any) -> Any:
        if type(value) is not str or not shape(value) or _REGION.fullmatch(value) is None:
            return _UNSURE
        return value if county_problem(value) is None else _UNSURE

    return check


def _identifier_check(field: Identifier) -> Check:
    shape = _identifier_shape(field)

    def check(value: Any) -> Any:
        return value if type(value) is str and shape(value) else _UNSURE

    return check


def _one_of_check(field: fields.String) -> Check:
    (one_of,) = _only(field, validate.OneOf)
    choices = frozenset(c for c in one_of.choices if type(c) is str)

    def check(value: Any) -> Any:
        return value if type(value) is str and value in choices else _UNSURE

    return check


def _int_check(field: StrictInt) -> Check:
    (span,) = _only(field, validate.Range)
    if not (field.strict and span.min_inclusive and span.max_inclusive):
        raise _Unknown("range")
    low, high = span.min, span.max
    if low is None or high is None:
        raise _Unknown("open range")

    def check(value: Any) -> Any:
        return value if type(value) is int and low <= value <= high else _UNSURE

    return check


def _date_check(field: Day) -> Check:
    _only(field)
    if field.format not in (None, "iso", "iso8601"):
        raise _Unknown("date format")
    allow_none = field.allow_none

    def check(value: Any) -> Any:
        if value is None:
            return None if allow_none else _UNSURE
        if type(value) is not str or _ISO_DATE.fullmatch(value) is None:
            return _UNSURE
        try:
            day = date.fromisoformat(value)
        except ValueError:
            return _UNSURE
        return day if bounds.EARLIEST_DAY <= day <= bounds.LATEST_DAY else _UNSURE

    return check


def _resident_id_check(field: ResidentIdNumber) -> Check:
    (length,) = _only(field, validate.Length)
    if length.equal != 18:
        raise _Unknown("resident id length")

    def check(value: Any) -> Any:
        if type(value) is not str or _ID_SHAPE.fullmatch(value) is None:
            return _UNSURE
        return _already_canonical(value, validate_resident_id, InvalidResidentId)

    return check


@dataclass(frozen=True)
class Plan:
    """A schema compiled: its fields' checks in the schema's order, and the keys it knows."""

    #: (name, check, required, load_default or `_MISSING`)
    steps: tuple[tuple[str, Check, bool, Any], ...]
    names: frozenset[str]

    def load(self, row: dict[str, Any]) -> dict[str, Any] | None:
        """What the schema's `load(row)` returns, or None when this plan is not sure of the row."""
        if not self.names.issuperset(row):
            return None  # an unknown key: marshmallow names it
        out: dict[str, Any] = {}
        for name, check, required, default in self.steps:
            value = row.get(name, _MISSING)
            if value is _MISSING:
                if required:
                    return None
                if default is not _MISSING:
                    out[name] = default
                continue
            loaded = check(value)
            if loaded is _UNSURE:
                return None
            out[name] = loaded
        return out


#: the hooks the plans mirror: the door's floor (no control characters in any string), which every
#: value a plan accepts passes by construction (checked text, printable ASCII, ISO dates, known keys)
_MIRRORED_HOOKS = {"pre_load": [("_refuse_unkeepable_strings", False, {})]}


def compile_schema(schema: Schema, nested: dict[str, Callable[[Schema], Plan]] | None = None) -> Plan:
    """The plan of `schema`; raises `_Unknown` for anything it cannot mirror exactly."""
    hooks = {tag: list(found) for tag, found in schema._hooks.items() if found}
    if schema.opts.unknown != RAISE or hooks not in ({}, _MIRRORED_HOOKS):
        raise _Unknown("schema hooks or unknown policy")
    if hooks and not isinstance(schema, CommandSchema):
        raise _Unknown("pre_load of another schema")
    steps = []
    for name, field in schema.load_fields.items():
        if field.data_key not in (None, name):
            raise _Unknown(f"data_key of {name}")
        kind = type(field)
        check: Check
        if kind is Text:
            check = _text_check(field)
        elif kind is Uscc:
            check = _uscc_check(field)
        elif kind is CountyCode:
            check = _county_check(field)
        elif kind is Identifier:
            check = _identifier_check(field)
        elif kind is fields.String:
            check = _one_of_check(field)
        elif kind is StrictInt:
            check = _int_check(field)
        elif kind is Day:
            check = _date_check(field)
        elif kind is ResidentIdNumber:
            check = _resident_id_check(field)
        elif kind is NestedObject and nested and name in nested:  # a non-object: marshmallow says it
            check = _nested_check(field, nested[name](field.schema))
        else:
            raise _Unknown(f"field {name} ({kind.__name__})")
        default = field.load_default
        if callable(default) or isinstance(default, dict | list | set):
            raise _Unknown(f"callable or mutable default of {name}")
        steps.append((name, check, bool(field.required), _MISSING if default is missing else default))
    return Plan(tuple(steps), frozenset(schema.load_fields))


def _nested_check(field: fields.Nested, plan: Plan) -> Check:
    _only(field)
    if field.allow_none or field.many or field.unknown not in (None, RAISE) or field.only or field.exclude:
        raise _Unknown("nested options")

    def check(value: Any) -> Any:
        if type(value) is not dict:
            return _UNSURE
        loaded = plan.load(value)
        return _UNSURE if loaded is None else loaded

    return check


def _compile_register_facility() -> Plan | None:
    try:
        return compile_schema(RegisterFacility(), {"personal": compile_schema})
    except (_Unknown, AttributeError, TypeError, ValueError):  # AttributeError: marshmallow's internals moved
        return None


#: None when the schema changed in a way this module does not mirror (every row then goes to marshmallow)
PLAN: Plan | None = _compile_register_facility()


def fast_register_facility(row: Any) -> dict[str, Any] | None:
    """`RegisterFacility().load(row)` for a row the fast path is sure of (see the module docstring);
    None for any other row, which the caller loads with marshmallow (accepted or refused there)."""
    if PLAN is None or type(row) is not dict:
        return None
    return PLAN.load(row)
