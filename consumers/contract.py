"""A fast check of a body against its topic's marshmallow schema, for the relay's hot path.

Every record the relay sends is checked against its topic's schema (`consumers/topics.py`), but
`Schema.validate` costs ~60 µs per body: more than the producer's own `send`. `FastContract`
compiles a body schema once into plain checks per field (presence, null, exact Python type, the
field's own validators, the personal-data validator of `PublicData`) and answers only "surely
valid" or "not sure". A body it is not sure about goes to marshmallow, which decides and gives the
field-by-field errors, so the fast path can never let through a body marshmallow would refuse:
it accepts a subset of what marshmallow accepts (tests/unit/test_kafka_contract.py holds it to that).

A schema the compiler does not fully understand (an unknown field class, schema hooks, `data_key`,
`load_only`/`dump_only`, an unknown-field policy other than `raise`) gets no fast path at all.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date
from typing import Any
from uuid import UUID

from marshmallow import RAISE, Schema, ValidationError, fields, validate

Check = Callable[[Any], bool]

_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


class Unsupported(Exception):
    """A field or schema feature the compiler does not reproduce exactly: use marshmallow."""


def _run(validators: list[Callable[[Any], Any]], value: Any) -> bool:
    for validator in validators:
        try:
            if validator(value) is False:
                return False
        except ValidationError:
            return False
    return True


def _is_str(value: Any) -> bool:
    return type(value) is str


def _is_int(value: Any) -> bool:
    return type(value) is int


def _is_uuid(value: Any) -> bool:
    if type(value) is UUID:
        return True
    if type(value) is not str:
        return False
    try:
        UUID(value)
    except ValueError:
        return False
    return True


def _is_date(value: Any) -> bool:
    if type(value) is date:
        return True
    if type(value) is not str or not _ISO_DATE.fullmatch(value):
        return False
    try:
        date.fromisoformat(value)
    except ValueError:
        return False
    return True


def _value_check(field: fields.Field) -> Check:
    """The type part of one field (no null handling, no validators)."""
    kind = type(field)
    if kind is fields.String:
        return _is_str
    if kind is fields.Integer and not field.strict:
        return _is_int
    if kind is fields.UUID:
        return _is_uuid
    if kind is fields.Date and field.format in (None, "iso"):
        return _is_date
    if kind is fields.Nested and isinstance(field.nested, type) and issubclass(field.nested, Schema) \
            and not field.many and field.only is None and not field.exclude:
        inner = compile_schema(field.nested())
        return lambda value: type(value) is dict and inner(value)
    if isinstance(field, fields.Dict):
        _no_overrides(field, fields.Dict)
        keys = field.key_field
        if field.value_field is not None or (keys is not None and (type(keys) is not fields.String
                                                                    or keys.validators)):
            raise Unsupported(f"{kind.__name__} with value fields or checked keys")
        return lambda value: type(value) is dict and all(type(k) is str for k in value)
    if kind is fields.List:
        inner_field = field.inner
        item = compile_field(inner_field)
        return lambda value: type(value) is list and all(item(v) for v in value)
    raise Unsupported(kind.__name__)


def _no_overrides(field: fields.Field, base: type[fields.Field]) -> None:
    """A subclass may only add validators: its (de)serialisation must be the base class's."""
    for name in ("_deserialize", "deserialize", "_validate"):
        if getattr(type(field), name) is not getattr(base, name):
            raise Unsupported(f"{type(field).__name__}.{name} overridden")


def _validator_check(validator: Callable[[Any], Any]) -> Check:
    """One validator as `value -> valid?`: the common marshmallow validators (exact classes) as the
    comparison their `__call__` makes, any other one run as it is (`_run`)."""
    kind = type(validator)
    if kind is validate.Equal:
        comparable = validator.comparable
        return lambda value: not value != comparable  # noqa: SIM202 - `Equal` itself tests `!=`
    if kind is validate.Length:
        equal, low, high = validator.equal, validator.min, validator.max
        if equal is not None:
            return lambda value: len(value) == equal
        return lambda value: (low is None or len(value) >= low) and (high is None or len(value) <= high)
    if kind is validate.Range:
        low, high = validator.min, validator.max
        low_in, high_in = validator.min_inclusive, validator.max_inclusive

        def in_range(value: Any) -> bool:
            if low is not None and (value < low if low_in else value <= low):
                return False
            return not (high is not None and (value > high if high_in else value >= high))

        return in_range
    return lambda value: _run([validator], value)


def compile_field(field: fields.Field) -> Check:
    """Presence is the schema's business; this checks null, the type, then the validators."""
    if field.data_key is not None or field.load_only or field.dump_only:
        raise Unsupported("data_key / load_only / dump_only")
    typed = _value_check(field)
    allow_none = field.allow_none
    if not field.validators:
        if not allow_none and typed in (_is_str, _is_int):
            return typed  # None is not a str / int: refused, as `allow_none=False` refuses it
        return lambda value: allow_none if value is None else typed(value)
    validators = tuple(_validator_check(v) for v in field.validators)
    if len(validators) == 1:
        (only,) = validators
        return lambda value: allow_none if value is None else typed(value) and only(value)

    def check(value: Any) -> bool:
        if value is None:
            return allow_none
        return typed(value) and all(v(value) for v in validators)

    return check


def compile_schema(schema: Schema) -> Callable[[dict[str, Any]], bool]:
    """One body schema as a function `body -> surely valid?`; raises `Unsupported`."""
    if schema.unknown != RAISE or any(schema._hooks.values()) or schema.many:
        raise Unsupported("schema hooks, many, or a lenient unknown-field policy")
    checks = {name: compile_field(f) for name, f in schema.load_fields.items()}
    required = frozenset(name for name, f in schema.load_fields.items() if f.required)
    known = frozenset(checks)

    def accepts(body: dict[str, Any]) -> bool:
        if type(body) is not dict or not known.issuperset(body) or not required.issubset(body):
            return False
        for name, value in body.items():  # noqa: SIM110 - a loop, not all(genexpr): per record
            if not checks[name](value):
                return False
        return True

    return accepts


_COMPILED: dict[int, tuple[Schema, Callable[[dict[str, Any]], bool] | None]] = {}


def fast_accepts(schema: Schema, body: Any) -> bool:
    """True only when `schema.validate(body)` would surely return no errors (compiled once per schema)."""
    entry = _COMPILED.get(id(schema))
    if entry is None or entry[0] is not schema:
        try:
            compiled: Callable[[dict[str, Any]], bool] | None = compile_schema(schema)
        except Unsupported:
            compiled = None
        entry = _COMPILED[id(schema)] = (schema, compiled)
    return entry[1] is not None and entry[1](body)
