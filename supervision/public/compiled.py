"""A public shape compiled once into plain Python: the same output as `Schema.dump`, without its cost.

`Shape.render(row)` is on every hot path that shows the public anything (the relay's topics, the
public API, the pages, the downloads), and marshmallow's `dump` spends most of its time in
per-field machinery (accessor, `serialize`, `_serialize`, bound-method calls). `compile_shape`
reads the shape's bound fields once and builds, per field, a converter that does exactly what that
field's `_serialize` does, for the field classes it knows *exactly* (by `type(field) is ...`, so a
subclass overriding `_serialize` is never taken for its base):

- `String`, `Integer`, `Float` (not `as_string`), `Boolean` and `Raw` (marshmallow 4 dumps both as is),
- `Date` / `DateTime` with a named format, our `UtcDateTime`, `IsoDate` and `MaskedPerson`,
- `Nested` (a single object, no `only`/`exclude`), `List` and `Dict` of known fields.

Any other field (a type added later, `dump_default`, `attribute` with a dot, ...) is dumped by its
own marshmallow `serialize` with the schema's accessor, so a new field can never silently differ;
a schema with dump hooks or an overridden accessor is not compiled at all (its `dump` is used).
Values are read as marshmallow reads them (`utils.get_value`: `obj[key]`, then `getattr`); for a
plain `dict` row (the usual case) the renderer is generated as straight-line code, one statement
pair per field. tests/unit/test_public_compiled.py holds every shape to byte-identical
JSON against `dump` over the topics' examples and generated inputs.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from marshmallow import Schema, fields, missing
from marshmallow.utils import ensure_text_type, get_value

from supervision.public.base import IsoDate, MaskedPerson, UtcDateTime
from supervision.public.persons import mask_person

Convert = Callable[[Any], Any]
Render = Callable[[Any], dict[str, Any]]

_DICT_ATTRIBUTES = frozenset(dir(dict))


def _string(value: Any) -> Any:
    if type(value) is str:
        return value
    return None if value is None else ensure_text_type(value)


def _integer(value: Any) -> Any:
    if type(value) is int:
        return value
    return None if value is None else int(value)


def _float(value: Any) -> Any:
    if type(value) is float:
        return value
    return None if value is None else float(value)


def _as_is(value: Any) -> Any:
    return value


def _masked(value: Any) -> Any:
    return None if value is None else mask_person(str(value))


def _iso_date(value: Any) -> Any:
    if value is None:
        return None
    return value.isoformat() if hasattr(value, "isoformat") else str(value)


def _temporal(field: fields.Date | fields.DateTime) -> Convert | None:
    func = field.SERIALIZATION_FUNCS.get(field.format or field.DEFAULT_FORMAT)
    if func is None:
        return None

    def convert(value: Any) -> Any:
        return None if value is None else func(value)

    return convert


def _utc_datetime(field: UtcDateTime) -> Convert | None:
    inner = _temporal(field)
    if inner is None:
        return None

    def convert(value: Any) -> Any:
        if isinstance(value, datetime) and value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return inner(value)

    return convert


def _nested(field: fields.Nested) -> Convert | None:
    schema = field.schema
    if field.many or schema.many or field.only is not None or field.exclude:
        return None
    if schema.only is not None or schema.exclude:
        return None
    render = compile_schema(schema)

    def convert(value: Any) -> Any:
        return None if value is None else render(value)

    return convert


def _list(field: fields.List) -> Convert | None:
    inner = converter(field.inner)
    if inner is None:
        return None
    if inner is _string:

        def convert_strings(value: Any) -> Any:
            if value is None:
                return None
            return [v if type(v) is str else _string(v) for v in value]

        return convert_strings

    def convert(value: Any) -> Any:
        return None if value is None else [inner(v) for v in value]

    return convert


def _dict(field: fields.Dict) -> Convert | None:
    key_field, value_field = field.key_field, field.value_field
    if key_field is None and value_field is None:

        def convert_plain(value: Any) -> Any:
            return None if value is None else dict(value)

        return convert_plain
    key = converter(key_field) if key_field is not None else _as_is
    val = converter(value_field) if value_field is not None else _as_is
    if key is None or val is None:
        return None

    def convert(value: Any) -> Any:
        if value is None:
            return None
        keys = {k: key(k) for k in value}
        result = {}
        for k, v in value.items():
            if value_field is None:
                if k in keys:
                    result[keys[k]] = v
            else:
                result[keys[k]] = val(v)
        return result

    return convert


def converter(field: fields.Field) -> Convert | None:
    """`value -> field._serialize(value, ...)` for a field class known exactly; None otherwise."""
    kind = type(field)
    if kind is fields.String:
        return _string
    if kind is fields.Integer or kind is fields.Float:
        if field.as_string:  # type: ignore[attr-defined]
            return None
        return _integer if kind is fields.Integer else _float
    if kind is fields.Boolean or kind is fields.Raw:
        return _as_is
    if kind is MaskedPerson:
        return _masked
    if kind is IsoDate:
        return _iso_date
    if kind is UtcDateTime:
        return _utc_datetime(field)  # type: ignore[arg-type]
    if kind is fields.Date or kind is fields.DateTime:
        return _temporal(field)  # type: ignore[arg-type]
    if kind is fields.Nested:
        return _nested(field)  # type: ignore[arg-type]
    if kind is fields.List:
        return _list(field)  # type: ignore[arg-type]
    if kind is fields.Dict:
        return _dict(field)  # type: ignore[arg-type]
    return None


def _compilable(schema: Schema) -> bool:
    kind = type(schema)
    return (
        not any(schema._hooks.values())
        and kind.get_attribute is Schema.get_attribute
        and kind._serialize is Schema._serialize
        and kind.dump is Schema.dump
        and schema.dict_class is dict
        and not schema.many
    )


#: id(schema instance) → (the instance, kept alive so its id is never reused, its renderer)
_COMPILED: dict[int, tuple[Schema, Render]] = {}


def compile_schema(schema: Schema) -> Render:
    """`obj -> schema.dump(obj)` for one object, compiled from the schema instance's bound fields."""
    cached = _COMPILED.get(id(schema))
    if cached is not None:
        return cached[1]
    if not _compilable(schema):
        render: Render = schema.dump
        _COMPILED[id(schema)] = (schema, render)
        return render
    plan: list[tuple[str, str, str, Convert | None, bool, fields.Field]] = []
    for name, field in schema.dump_fields.items():
        out_key = field.data_key if field.data_key is not None else name
        in_key = field.attribute if field.attribute is not None else name
        convert = converter(field)
        if (
            convert is None
            or field.dump_default is not missing
            or not field._CHECK_ATTRIBUTE
            or "." in in_key
        ):
            convert = None
        plan.append((name, in_key, out_key, convert, in_key in _DICT_ATTRIBUTES, field))
    steps = tuple(plan)
    accessor = schema.get_attribute

    def render_any(obj: Any) -> dict[str, Any]:
        """Any row: values read as marshmallow reads them (`get_value`)."""
        out: dict[str, Any] = {}
        for name, in_key, out_key, convert, _, field in steps:
            if convert is None:
                value = field.serialize(name, obj, accessor=accessor)
                if value is not missing:
                    out[out_key] = value
                continue
            value = get_value(obj, in_key, missing)
            if value is not missing:
                out[out_key] = convert(value)
        return out

    render_compiled = _generate(schema, steps, render_any)
    _COMPILED[id(schema)] = (schema, render_compiled)
    return render_compiled


#: the exact type whose values a converter returns unchanged, to test inline before calling it
_PASS_THROUGH = {_string: "str", _integer: "int", _float: "float"}


def _generate(schema: Schema, steps: tuple[tuple[str, str, str, Convert | None, bool, fields.Field], ...],
              render_any: Render) -> Render:
    """The renderer as straight-line code for a plain `dict` row (the usual case: view rows, event
    payloads); any other row goes to `render_any`. Same reads, same conversions, same key order."""
    env: dict[str, Any] = {"MISSING": missing, "render_any": render_any, "accessor": schema.get_attribute}
    lines = ["def render(obj):", "    if type(obj) is not dict:", "        return render_any(obj)",
             "    out = {}", "    get = obj.get"]
    for i, (name, in_key, out_key, convert, dict_attribute, field) in enumerate(steps):
        if convert is None:
            env[f"f{i}"] = field
            lines += [f"    v = f{i}.serialize({name!r}, obj, accessor=accessor)",
                      f"    if v is not MISSING: out[{out_key!r}] = v"]
            continue
        env[f"c{i}"] = convert
        lines.append(f"    v = get({in_key!r}, MISSING)")
        if dict_attribute:  # marshmallow falls back to getattr: a dict without "items" gives dict.items
            lines.append(f"    if v is MISSING: v = getattr(obj, {in_key!r}, MISSING)")
        kind = _PASS_THROUGH.get(convert)
        value = f"v if type(v) is {kind} else c{i}(v)" if kind else f"c{i}(v)"
        lines.append(f"    if v is not MISSING: out[{out_key!r}] = {value}")
    lines.append("    return out")
    exec(compile("\n".join(lines), f"<public shape {type(schema).__name__}>", "exec"), env)
    return env["render"]
