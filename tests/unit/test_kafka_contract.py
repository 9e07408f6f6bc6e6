"""The relay's fast body check never accepts what the topic's marshmallow schema refuses.

Every outbound topic's example body, and hundreds of mutations of it (a field dropped, nulled,
retyped, an unknown field, personal data slipped into `data` or a list entry), are put to both: the
fast check may say "not sure" where marshmallow accepts, never "valid" where marshmallow refuses.
"""

from __future__ import annotations

import copy
from typing import Any

import pytest
from marshmallow import ValidationError, validate

from consumers.contract import _validator_check, compile_schema, fast_accepts
from consumers.envelope import EnvelopeError, validate_body
from consumers.topics import DLQ, INBOUND, Catalogue

OUTBOUND = [t for t in Catalogue().topics if t.kind not in (INBOUND, DLQ)]
ODD_VALUES: list[Any] = [None, "", "x", 0, 1, -1, True, 1.5, "2026-13-01", "2026-01-01", "20260101",
                         "1c3e5b7e-0b8e-5a57-9e37-4d7f4f3b7d10", "91350100M000100Y43", [], {}, [{}],
                         {"summary": "张三"}, [{"complainant_sealed": "g"}], b"bytes",
                         "91350100M000100Y4", "91350100M000100Y431", 2, 10**20]


def mutations(body: dict[str, Any]) -> list[dict[str, Any]]:
    out = []
    for key in body:
        dropped = dict(body)
        del dropped[key]
        out.append(dropped)
        for odd in ODD_VALUES:
            out.append({**body, key: copy.deepcopy(odd)})
    out.append({**body, "unexpected": 1})
    for key, value in body.items():
        if isinstance(value, dict):
            out.append({**body, key: {**value, "summary": "张三 说"}})
            out.append({**body, key: {**value, 1: "non-string key"}})
            out.append({**body, key: {**value, "nested": {"resident_ref": "R-1"}}})
            out.append({**body, key: {**value, "nested": {"deeper": [{"id_number": "1"}]}}})
            out.append({**body, key: {**value, "nested": [[{"phone": "1"}]]}})
            out.append({**body, key: {**value, "certificate_sealed": "g"}})
            out.append({**body, key: {**value, b"bytes key": 1}})
            out.append({**body, key: {**value, "a tuple": ("x", {"summary": "张三"})}})
        if isinstance(value, list):
            out.append({**body, key: [*value, {"phone": "13800000000"}]})
            out.append({**body, key: [*value, "not an object"]})
            out.append({**body, key: [*value, {"nested": [{"complainant_name": "李四"}]}]})
            out.append({**body, key: [*value, {"x_sealed": "g"}]})
    return out


@pytest.mark.parametrize("topic", OUTBOUND, ids=lambda t: t.name)
def test_the_fast_check_accepts_a_subset_of_what_the_schema_accepts(topic):
    schema = topic.schema()
    compile_schema(schema)  # every outbound body schema has a fast path (else the relay is slow)
    assert topic.example is not None
    assert fast_accepts(schema, topic.example) and not schema.validate(topic.example)
    for body in mutations(topic.example):
        if fast_accepts(schema, body):
            assert schema.validate(body) == {}, body


def test_a_body_the_fast_check_refuses_still_gets_marshmallows_field_errors():
    topic = Catalogue().get("facilities")
    body = {**topic.example, "aggregate_version": 0, "data": {"x": {"phone": "1"}}}
    with pytest.raises(EnvelopeError) as caught:
        validate_body(topic.schema(), "t", body)
    assert set(caught.value.errors) == {"aggregate_version", "data"}


VALIDATORS = [
    validate.Equal(1), validate.Equal("a"),
    validate.Length(equal=3), validate.Length(min=1), validate.Length(max=2), validate.Length(min=1, max=3),
    validate.Range(min=1), validate.Range(max=5), validate.Range(min=1, max=5),
    validate.Range(min=1, max=5, min_inclusive=False, max_inclusive=False),
    validate.OneOf(["a", "b"]),
]


@pytest.mark.parametrize("validator", VALIDATORS, ids=repr)
def test_a_compiled_validator_says_valid_exactly_when_marshmallows_does(validator):
    values = [0, 1, 2, 3, 4, 5, 6, -1, 1.5, 5.0, True, "", "a", "ab", "abc", "abcd", [1], [1, 2, 3]]
    for value in values:
        try:
            validator(value)
            expected = True
        except ValidationError:
            expected = False
        except TypeError:  # len(int), 1 < "a": the type check before it refuses such a value
            continue
        assert bool(_validator_check(validator)(value)) == expected, (validator, value)
