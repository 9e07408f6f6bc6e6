"""A nested object given as a string, a number or a list says what it must be, for every nested field.

Seen case: `complainant: "13800000000"` answered "complainant._schema: Invalid input type." — the
caller learned neither that an object was expected nor what it holds. Every nested object of every
command schema now answers "complainant: must be an object with fields name, id_number, phone".
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from marshmallow import Schema, fields

from supervision.commands.fields import NestedObject
from supervision.dispatcher import ALL_COMMANDS, Dispatcher
from supervision.domain.errors import InvalidCommand


def _nested_fields(schema: Schema, prefix: str = "") -> Iterator[tuple[str, fields.Nested, bool]]:
    """(path, field, inside a list) of every nested object in `schema`, depth first."""
    for name, field in schema.load_fields.items():
        key = field.data_key or name
        inner, listed = (field.inner, True) if isinstance(field, fields.List) else (field, False)
        if isinstance(inner, fields.Nested):
            yield f"{prefix}{key}", inner, listed
            yield from _nested_fields(inner.schema, f"{prefix}{key}.")


NESTED = [(spec.name, path, field, listed) for spec in ALL_COMMANDS
          for path, field, listed in _nested_fields(spec.schema())]


def test_the_command_schemas_have_nested_objects_to_check():
    assert {path for _, path, _, _ in NESTED} >= {"complainant", "personal", "responsible_persons",
                                                  "residents", "attendees", "commitments", "checklist"}


@pytest.mark.parametrize(("command", "path", "field", "listed"), NESTED,
                         ids=[f"{c}.{p}" for c, p, _, _ in NESTED])
@pytest.mark.parametrize("wrong", ["13800000000", 42, True, ["x"]], ids=["string", "number", "bool", "list"])
def test_a_nested_object_of_the_wrong_type_says_it_must_be_an_object_with_its_fields(
        command: str, path: str, field: fields.Nested, listed: bool, wrong: Any):
    if "." in path:
        pytest.skip("reached only through its parent object")
    if listed and isinstance(wrong, list):
        wrong = [wrong]  # a list whose item is a list
    payload = {path: [wrong] if listed and not isinstance(wrong, list) else wrong}
    with pytest.raises(InvalidCommand) as refused:
        Dispatcher(None).load(command, payload)
    problems = refused.value.fields
    assert not any(key.endswith("_schema") for key in problems), problems
    where = f"{path}.0" if listed else path
    names = ", ".join(f.data_key or n for n, f in field.schema.load_fields.items())
    assert problems.get(where) == [f"must be an object with fields {names}"], problems
    assert "13800000000" not in repr(problems)  # never echoes the value (it may be personal data)


def test_every_nested_object_of_the_command_schemas_is_a_nested_object_field():
    plain = [f"{c}.{p}" for c, p, field, _ in NESTED if not isinstance(field, NestedObject)]
    assert plain == []


def test_the_complainant_as_a_phone_number_string_is_answered_in_words():
    with pytest.raises(InvalidCommand) as refused:
        Dispatcher(None).load("register_complaint", {
            "uscc": "52140502MJY0000101", "channel": "letter", "category": "fees", "summary": "押金过高",
            "complainant": "13800000000"})
    assert refused.value.fields == {"complainant": ["must be an object with fields name, id_number, phone"]}


def test_a_well_typed_nested_object_still_reports_its_own_fields():
    with pytest.raises(InvalidCommand) as refused:
        Dispatcher(None).load("register_complaint", {
            "uscc": "52140502MJY0000101", "channel": "letter", "category": "fees", "summary": "押金过高",
            "complainant": {"phone": "12", "nickname": "x"}})
    assert set(refused.value.fields) == {"complainant.phone", "complainant.nickname"}
