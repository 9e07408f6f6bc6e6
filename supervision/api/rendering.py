"""A public shape's dump compiled to plain Python for list pages (issue 15).

`marshmallow`'s `dump` costs ~90 µs per facility row (a field object, `get_value`, `serialize` per
column): 45 % of a 50-row list request's CPU (cProfile, 300 requests). `compiled(Shape)` reads the
shape's declared fields once and returns a function doing the same per row with the fields' own
conversions inlined for the plain kinds (`String` → `str`, `Integer` → `int`, `Date` → ISO text,
`None` kept); every other field (a masked person, a nested shape) goes through the field's own
`_serialize` (its whole `serialize` when the row lacks the key or the field reads no attribute),
so what is public and how it is masked stays defined by the shape alone
(supervision/public). Answers are identical to `Shape().dump(row)` (tests/unit/test_rendering.py).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date
from functools import cache
from typing import Any

from marshmallow import Schema, fields, missing


def _plain(field: fields.Field) -> Callable[[Any], Any] | None:
    kind = type(field)
    if kind is fields.String:
        return str
    if kind is fields.Integer and not field.as_string:
        return int
    if kind is fields.Date and field.format in (None, "iso", "iso8601"):
        return date.isoformat
    return None


@cache
def compiled(shape: type[Schema]) -> Callable[[Mapping[str, Any]], dict[str, Any]]:
    """`shape().dump(row)` for a mapping `row` holding every field of the shape (a view row)."""
    instance = shape()
    plan: list[tuple[str, str, Callable[[Any], Any] | None, fields.Field, bool]] = []
    for name, field in instance.dump_fields.items():
        source = field.attribute or name
        reads = field._CHECK_ATTRIBUTE and "." not in source
        plan.append((field.data_key or name, source, _plain(field) if reads else None, field, reads))

    def render(row: Mapping[str, Any]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for key, source, plain, field, reads in plan:
            if not reads or source not in row:
                value = field.serialize(source, row)
                if value is not missing:
                    out[key] = value
            elif plain is None:
                out[key] = field._serialize(row[source], source, row)
            else:
                value = row[source]
                out[key] = None if value is None else plain(value)
        return out

    return render
