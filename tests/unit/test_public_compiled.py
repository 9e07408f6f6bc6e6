"""The compiled renderer of a public shape gives exactly marshmallow's `dump`: byte-identical JSON.

Every shape (SHAPES, the event and list-topic shapes, and any other `PublicShape` subclass) is
rendered both ways over the topics' examples (each example and every mapping inside it, through
every shape) and over generated inputs: fields present, missing, None, of the declared type or of
a wrong one, unknown keys, and non-dict rows (objects read by attribute). When `dump` raises,
`render` must raise the same exception class.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, date, datetime, timedelta, timezone
from types import SimpleNamespace
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from marshmallow import Schema, fields

from consumers.topics import TOPICS
from supervision.public import base
from supervision.public.base import IsoDate, MaskedPerson, PublicShape, UtcDateTime, why
from supervision.public.compiled import compile_schema
from supervision.public.events import EVENT_SHAPES, TOPIC_SHAPES
from supervision.public.shapes import SHAPES


def _all_shapes() -> list[type[PublicShape]]:
    seen: dict[type, None] = dict.fromkeys((*SHAPES, *EVENT_SHAPES.values(), *TOPIC_SHAPES))
    todo = [PublicShape]
    while todo:
        for sub in todo.pop().__subclasses__():
            todo.append(sub)
            if sub.__module__.startswith("supervision."):
                seen.setdefault(sub)
    return list(seen)


ALL_SHAPES = _all_shapes()


def _outcome(call: Any, row: Any) -> tuple[str, Any]:
    try:
        result = call(row)
    except Exception as error:  # the class of the error is what is compared
        return "raised", type(error).__name__
    text = json.dumps(result, ensure_ascii=False, default=repr)
    # a bound method fetched by `getattr` (a str row's `title`) shows its address: not part of the value
    return "json", re.sub(r" at 0x[0-9a-f]+", "", text).encode()


def assert_identical(shape: type[PublicShape], row: Any) -> None:
    expected = _outcome(base._instance(shape).dump, row)
    got = _outcome(shape.render, row)
    assert got == expected, f"{shape.__name__}: {row!r}"


def _mappings(value: Any) -> list[dict[str, Any]]:
    out = []
    if isinstance(value, dict):
        out.append(value)
        for v in value.values():
            out.extend(_mappings(v))
    elif isinstance(value, list):
        for v in value:
            out.extend(_mappings(v))
    return out


EXAMPLE_ROWS = [m for t in TOPICS if t.example is not None for m in _mappings(t.example)]


def test_every_shape_is_compiled_not_left_to_marshmallow():
    for shape in ALL_SHAPES:
        assert compile_schema(base._instance(shape)) != base._instance(shape).dump, shape.__name__


@pytest.mark.parametrize("shape", ALL_SHAPES, ids=lambda s: s.__name__)
def test_the_topics_examples_render_identically(shape):
    assert EXAMPLE_ROWS
    for row in EXAMPLE_ROWS:
        assert_identical(shape, row)


# -- generated rows -----------------------------------------------------------------------------------
_ZONES = st.one_of(st.none(), st.just(UTC),
                   st.integers(-14 * 60, 14 * 60).map(lambda m: timezone(timedelta(minutes=m))))
_TEXT = st.text(max_size=8)
_WRONG = st.one_of(st.none(), _TEXT, st.integers(), st.booleans(), st.dates(),
                   st.floats(allow_nan=False), st.lists(st.integers(), max_size=2))


def _value(field: fields.Field, depth: int = 0) -> st.SearchStrategy[Any]:
    kind = type(field)
    if kind is MaskedPerson:
        typed = st.one_of(_TEXT, st.just(" 张三丰 "), st.just(""), st.just("王"))
    elif isinstance(field, fields.String):
        typed = st.one_of(_TEXT, st.binary(max_size=4), st.just("福州夕阳红"))
    elif isinstance(field, fields.Integer):
        typed = st.one_of(st.integers(), st.from_regex(r"-?\d{1,5}", fullmatch=True), st.booleans())
    elif isinstance(field, fields.Float):
        typed = st.one_of(st.floats(allow_nan=False), st.integers())
    elif isinstance(field, fields.Boolean):
        typed = st.one_of(st.booleans(), st.sampled_from([0, 1, "true", "no"]))
    elif isinstance(field, (UtcDateTime, fields.DateTime)):
        typed = st.one_of(st.datetimes(timezones=_ZONES), st.dates())
    elif isinstance(field, (fields.Date, IsoDate)):
        typed = st.one_of(st.dates(), st.datetimes(), st.from_regex(r"\d{4}-\d{2}-\d{2}", fullmatch=True))
    elif isinstance(field, fields.Nested):
        typed = _row(type(field.schema), depth + 1) if depth < 3 else st.just({})
    elif isinstance(field, fields.List):
        typed = st.lists(_value(field.inner, depth + 1), max_size=3)
    elif isinstance(field, fields.Dict):
        typed = st.dictionaries(_TEXT, st.one_of(st.integers(), _TEXT), max_size=3)
    else:
        typed = _WRONG
    return st.one_of(typed, typed, typed, st.none(), _WRONG)


def _row(shape: type[Schema], depth: int = 0) -> st.SearchStrategy[Any]:
    declared = {
        (f.attribute or name): _value(f, depth) for name, f in base._instance(shape).dump_fields.items()
    }
    body = st.fixed_dictionaries(
        {}, optional={**declared, "description": _TEXT, "id_number": _TEXT, "extra": _WRONG}
    )
    return st.one_of(body, body, body, body.map(lambda d: SimpleNamespace(**d)))


@pytest.mark.parametrize("shape", ALL_SHAPES, ids=lambda s: s.__name__)
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_generated_rows_render_identically(shape, data):
    assert_identical(shape, data.draw(_row(shape)))


# -- what the compiler does not know goes to marshmallow ------------------------------------------------
class _Shouting(fields.String):
    def _serialize(self, value: Any, attr: str | None, obj: Any, **kwargs: Any) -> str | None:
        return None if value is None else str(value).upper()


class _Odd(PublicShape):
    loud = _Shouting(metadata=why("a field class the compiler does not know"))
    uuid = fields.UUID(metadata=why("neither"))
    defaulted = fields.String(dump_default="n/a", metadata=why("a dump default"))
    renamed = fields.Integer(data_key="count", attribute="n", metadata=why("attribute and data_key"))
    text_number = fields.Integer(as_string=True, metadata=why("as_string"))
    stamp = fields.DateTime(format="%Y/%m/%d", metadata=why("a strftime format"))
    at = UtcDateTime(metadata=why("naive is UTC"))


def test_unknown_fields_fall_back_to_their_own_serialize():
    rows = [
        {"loud": "abc", "n": 3, "text_number": 7, "stamp": datetime(2026, 1, 2), "at": datetime(2026, 1, 2)},
        {"uuid": "1c3e5b7e-0b8e-5a57-9e37-4d7f4f3b7d10", "defaulted": None},
        {},
    ]
    for row in rows:
        assert_identical(_Odd, row)
    assert _Odd.render(rows[0]) == {
        "loud": "ABC", "defaulted": "n/a", "count": 3, "text_number": "7", "stamp": "2026/01/02",
        "at": "2026-01-02T00:00:00+00:00",
    }


def test_a_person_is_masked_and_a_date_formatted_as_dump_does():
    row = {"legal_representative": "张三丰", "registered_on": date(2026, 3, 1),
           "updated_at": datetime(2026, 3, 1, 8, 0), "password": "secret"}
    shape = SHAPES[0]
    assert shape.render(row) == {"legal_representative": "张**", "registered_on": "2026-03-01",
                                 "updated_at": "2026-03-01T08:00:00+00:00"}
    assert_identical(shape, row)
