"""A fast check of a body against its topic's marshmallow schema, for the relay's hot path.

Every record the relay sends is checked against its topic's schema (`consumers/topics.py`), but
`Schema.validate` costs ~60 µs per body: more than the producer's own `send`. `compile_schema`
turns a body schema once into one generated Python function of plain checks per field (presence,
null, exact Python type, the field's own validators, `PublicData`'s personal-data check as a walk
that remembers the verdict per tuple of keys) and answers only "surely valid" or "not sure". A
body it is not sure about goes to marshmallow, which decides and gives the field-by-field errors,
so the fast path can never let through a body marshmallow would refuse: it accepts a subset of
what marshmallow accepts (tests/unit/test_kafka_contract.py holds it to that).

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

from consumers.envelope import _SCALARS, PERSONAL_KEYS, PublicData, _no_personal_data

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


def _public_data(field: fields.Field) -> bool:
    """Is this exactly `PublicData` (a dict with string keys, checked for personal data and nothing
    else)? Then `_public` stands for its type check and its validator together."""
    if type(field) is not PublicData:
        return False
    _no_overrides(field, fields.Dict)
    keys = field.key_field
    return (list(field.validators) == [_no_personal_data]
            and field.value_field is None and type(keys) is fields.String and not keys.validators
            and keys.data_key is None)


#: verdicts per tuple of keys (in order): all strings, none personal, none sealed
_KEY_VERDICTS: dict[tuple[Any, ...], bool] = {}


def _clean_keys(keys: tuple[Any, ...]) -> bool:
    verdict = _KEY_VERDICTS.get(keys)
    if verdict is None:
        verdict = all(type(k) is str and k not in PERSONAL_KEYS and not k.endswith("_sealed") for k in keys)
        if len(_KEY_VERDICTS) >= 4096:  # bodies have few shapes; a flood of odd ones must not grow it
            _KEY_VERDICTS.clear()
        _KEY_VERDICTS[keys] = verdict
    return verdict


def _clean(value: dict[Any, Any]) -> bool:
    """A dict whose keys are all strings, none personal or sealed, at any depth, and whose values are
    JSON scalars, such dicts or lists of them: surely no personal data (`_no_personal_data` passes)."""
    return _clean_keys(tuple(value)) and _clean_values(value.values())


def _clean_values(values: Any) -> bool:
    """Each value a JSON scalar, a clean dict (`_clean`) or a list of such values."""
    for item in values:
        kind = type(item)
        if kind in _SCALARS:
            continue
        if kind is dict:
            if not _clean(item):
                return False
        elif kind is not list or not _clean_values(item):
            return False
    return True


def _public(value: Any) -> bool:
    """`PublicData`'s whole check: a dict of string keys that holds no personal data."""
    return type(value) is dict and _clean(value)


def _str_keyed(value: Any) -> bool:
    return type(value) is dict and all(type(k) is str for k in value)


class _Code:
    """The Python source of checks being generated, and the names its expressions use."""

    def __init__(self) -> None:
        self.names: dict[str, Any] = {"_is_uuid": _is_uuid, "_is_date": _is_date, "_public": _public,
                                      "_str_keyed": _str_keyed}

    def name(self, value: Any) -> str:
        name = f"_c{len(self.names)}"
        self.names[name] = value
        return name

    def function(self, source: str, name: str) -> Callable[..., bool]:
        scope: dict[str, Any] = {}
        exec(compile(source, f"<fast contract {name}>", "exec"), self.names, scope)
        return scope[name]


def _type_expr(field: fields.Field, code: _Code) -> str:
    """The type part of one field (no null handling, no validators), as an expression of `v`."""
    kind = type(field)
    if kind is fields.String:
        return "type(v) is str"
    if kind is fields.Integer and not field.strict:
        return "type(v) is int"
    if kind is fields.UUID:
        return "_is_uuid(v)"
    if kind is fields.Date and field.format in (None, "iso"):
        return "_is_date(v)"
    if kind is fields.Nested and isinstance(field.nested, type) and issubclass(field.nested, Schema) \
            and not field.many and field.only is None and not field.exclude:
        return f"{code.name(compile_schema(field.nested()))}(v)"  # which refuses anything but a dict
    if isinstance(field, fields.Dict):
        _no_overrides(field, fields.Dict)
        keys = field.key_field
        if field.value_field is not None or (keys is not None and (type(keys) is not fields.String
                                                                    or keys.validators)):
            raise Unsupported(f"{kind.__name__} with value fields or checked keys")
        return "_str_keyed(v)"
    if kind is fields.List:
        return f"type(v) is list and all(map({code.name(compile_field(field.inner))}, v))"
    raise Unsupported(kind.__name__)


def _validator_expr(validator: Callable[[Any], Any], code: _Code) -> str:
    """One validator as an expression of `v` (the value already has the field's type)."""
    kind = type(validator)
    if kind is validate.Equal:
        return f"not v != {code.name(validator.comparable)}"  # `Equal` itself tests `!=`
    if kind is validate.Length and validator.equal is not None:
        return f"len(v) == {validator.equal!r}"
    return f"{code.name(_validator_check(validator))}(v)"


def _field_expr(field: fields.Field, code: _Code) -> str:
    """Null, then the type, then the validators, as one expression of `v`."""
    if field.data_key is not None or field.load_only or field.dump_only:
        raise Unsupported("data_key / load_only / dump_only")
    if _public_data(field):
        parts = ["_public(v)"]
    else:
        parts = [_type_expr(field, code)] + [_validator_expr(v, code) for v in field.validators]
    # every type check refuses None, so a field that does not allow it needs no test of its own
    checked = " and ".join(f"({p})" for p in parts)
    return f"(v is None or ({checked}))" if field.allow_none else f"({checked})"


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
    code = _Code()
    return code.function(f"def check(v):\n    return bool({_field_expr(field, code)})\n", "check")


def compile_schema(schema: Schema) -> Callable[[dict[str, Any]], bool]:
    """One body schema as a function `body -> surely valid?`; raises `Unsupported`.

    The function is generated Python (one `if` per field, no call per field for the common types):
    every record the relay sends goes through it."""
    if schema.unknown != RAISE or any(schema._hooks.values()) or schema.many:
        raise Unsupported("schema hooks, many, or a lenient unknown-field policy")
    code = _Code()
    loaded = schema.load_fields
    known = frozenset(loaded)
    required = frozenset(name for name, f in loaded.items() if f.required)
    lines = ["def accepts(body):", "    if type(body) is not dict:", "        return False"]
    if required == known:
        lines += [f"    if body.keys() != {code.name(known)}:", "        return False"]
    else:
        known_name, required_name = code.name(known), code.name(required)
        lines += [f"    if not {known_name}.issuperset(body) or not {required_name}.issubset(body):",
                  "        return False"]
    for name, field in loaded.items():
        expr = _field_expr(field, code)
        if name in required:
            lines += [f"    v = body[{name!r}]", f"    if not {expr}:", "        return False"]
        else:
            lines += [f"    v = body.get({name!r}, _MISSING)", f"    if v is not _MISSING and not {expr}:",
                      "        return False"]
    lines.append("    return True")
    code.names["_MISSING"] = _MISSING
    return code.function("\n".join(lines) + "\n", "accepts")


_MISSING = object()


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
