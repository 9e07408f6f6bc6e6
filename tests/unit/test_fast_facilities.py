"""The compiled fast path of `register_facility` loads exactly what marshmallow loads, or declines.

`fast_register_facility(row)` must return, for every row it accepts, what `RegisterFacility().load(row)`
returns: the same keys in the same order (the order of the event's profile), the same values of the same
types. It never refuses a row itself: every row marshmallow refuses must be declined (None), so the
refusal and its message stay marshmallow's. Checked over the sample city's rows (all of which it must
accept: otherwise it buys nothing) and over generated rows, good and bad: missing, unknown and mistyped
keys, None, bools and floats for counts, out-of-range counts, control, invisible and bidi characters,
full-width and other scripts' digits, phone and ID numbers in free text, wrong USCC check characters,
lower-case and padded codes, province and abolished region codes, odd date spellings, personal data
of every shape.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from marshmallow import ValidationError, fields

from infra.sample_city import facilities
from supervision.commands import bounds
from supervision.commands import fast_facilities as fast
from supervision.commands.facilities import RegisterFacility
from supervision.commands.fast_facilities import compile_schema, fast_register_facility
from supervision.commands.fields import CommandSchema, Text

SCHEMA = RegisterFacility()
SAMPLE = list(facilities(400, seed=11))


def _typed(value: Any) -> Any:
    """A value with its types spelled out (True is not 1, a date is not its string)."""
    if isinstance(value, dict):
        return [(k, _typed(v)) for k, v in value.items()]
    return type(value).__name__, repr(value)


def assert_same(row: Any) -> None:
    got = fast_register_facility(row)
    try:
        expected = SCHEMA.load(row)
    except ValidationError:
        assert got is None, f"the fast path accepted a row marshmallow refuses: {row!r} -> {got!r}"
        return
    if got is not None:
        assert _typed(got) == _typed(expected), row


def test_the_schema_is_compiled():
    assert fast.PLAN is not None, "RegisterFacility changed in a way the fast path does not mirror"


def test_every_sample_row_takes_the_fast_path_and_loads_identically():
    for row in SAMPLE:
        got = fast_register_facility(row)
        assert got is not None, row
        assert _typed(got) == _typed(SCHEMA.load(row))


def test_csv_shaped_rows_too():
    """CSV rows carry no `personal` and may leave optional columns out."""
    for row in SAMPLE[:50]:
        row = {k: v for k, v in row.items() if k not in ("personal", "opened_on", "person_in_charge")}
        assert fast_register_facility(row) is not None
        assert_same(row)


# -- generated rows ------------------------------------------------------------------------------------
_VALID = SAMPLE[0]
_TRICKY_TEXT = [
    "", " ", "  ", "康乐养老院", " 康乐养老院", "康乐养老院 ", "a\nb", "a\tb", "a\rb", "a\x00b", "a\x7fb",
    "a\x85b", "a\u200bb", "a\u00adb", "a\ufeffb", "\u202e逆序", "a\u2028b", "a\ufdd0b", "a\uffffb",
    "a\U0001fffeb", "a\ud800b", "电话13812345678", "电话 138 1234 5678", "电话１３８１２３４５６７８",
    "身份证11010519491231002X", "身份证110105194912310021", "编号12345678901", "Ｆｕｌｌ", "١٤٠",
    "x" * 50, "x" * 51, "x" * 200, "x" * 201, "x" * 300, "x" * 301, "名" * 200, "\u3000", "a\u3000",
]
_TRICKY_CODES = [
    "140502", "140500", "140000", "140502\n", " 140502", "１４０５０２", "١٤٠٥٠٢", "14050", "1405020",
    "940502", "040502", "110101", "110100", "320102", "140511", "999999", "142701", "140581",
    _VALID["uscc"], _VALID["uscc"].lower(), _VALID["uscc"] + " ", " " + _VALID["uscc"],
    _VALID["uscc"][:17] + ("0" if _VALID["uscc"][17] != "0" else "1"), "91350100M000100Y43",
    "91110000802100433B", "91110000802100433b", "９１１１００００８０２１００４３３Ｂ", "91110000802100433",
    "911100008021004330B", "I1110000802100433B", "Y1110000802100433B",
]
_TRICKY_SCALARS = [
    None, True, False, 0, 1, -1, 60, 100_000, 100_001, 2**63, 1.0, 1.5, float("nan"), "1", "60", [], {},
    ["x"], {"a": 1}, "public", "private", "public_built_private_run", "PUBLIC", "for_profit", "non_profit",
    "non_profit ", "2025-06-01", "2025-6-1", "20250601", "2025-W23-1", "2025-02-29", "2024-02-29",
    "2025-13-01", "0001-01-01", "1949-09-30", "1949-10-01", "9999-12-31", "２０２５-０６-０１",
    "2025-06-01\n", "2025-06-01T00:00:00", "2025-06-01 ",
]
_PHONES = ["13812345678", "138 1234 5678", "+86-138-1234-5678", " 13812345678", "13812345678 ", "1234",
           "1" * 20, "1" * 21, "１３８１２３４５６７８", "138\n12345678", "abc", "", 13812345678, None]
_IDS = ["11010519491231002X", "11010519491231002x", "110105194912310021", "11010519491231002",
        "１１０１０５１９４９１２３１００２Ｘ", "11010518991231002X", "11010519490230002X",
        " 11010519491231002X", 11010519491231002, None, ""]

_ANY = st.one_of(
    st.sampled_from(_TRICKY_TEXT + _TRICKY_CODES + _TRICKY_SCALARS),
    st.text(max_size=30),
    st.integers(min_value=-5, max_value=200_000),
    st.none(), st.booleans(), st.floats(allow_nan=False, width=32),
)
_PERSONAL = st.one_of(
    st.fixed_dictionaries({}, optional={
        "contact_phone": st.one_of(st.sampled_from(_PHONES),
                                   st.from_regex(r"[0-9+\- ]{3,22}", fullmatch=True)),
        "legal_representative_id_number": st.sampled_from(_IDS),
        "extra": st.just("x"),
    }),
    st.sampled_from([None, "13812345678", [], {"contact_phone": None}, {"\u202e": "1"}]),
)


_FAULTS = {
    "uscc": st.one_of(st.sampled_from(_TRICKY_CODES), _ANY),
    "region_code": st.one_of(st.sampled_from(_TRICKY_CODES), _ANY),
    "personal": _PERSONAL,
    **{key: st.one_of(st.sampled_from(_TRICKY_TEXT), _ANY)
       for key in ("name", "address", "legal_representative", "person_in_charge")},
}


@st.composite
def _rows(draw: st.DrawFn) -> dict[str, Any]:
    """A sample row where each key is kept (mostly), given another value, or dropped; sometimes with
    a key the schema does not know."""
    row: dict[str, Any] = {}
    for key, value in draw(st.sampled_from(SAMPLE[:40])).items():
        fate = draw(st.sampled_from(["keep"] * 14 + ["change", "change", "drop"]))
        if fate == "keep":
            row[key] = value
        elif fate == "change":
            row[key] = draw(_FAULTS.get(key, _ANY))
    if draw(st.integers(0, 9)) == 0:
        row[draw(st.sampled_from(["expected_version", "Name", "\u202e", "personal.contact_phone"]))] = 1
    return row


_ROW = _rows()


_EVERY_VALUE = [*_TRICKY_TEXT, *_TRICKY_CODES, *_TRICKY_SCALARS, *_PHONES, *_IDS]


@pytest.mark.parametrize("key", [*SCHEMA.load_fields, "extra"])
def test_every_tricky_value_in_every_field_of_a_good_row(key):
    """Exhaustive, not sampled: each field of a good row given each tricky value in turn, or dropped."""
    for base in SAMPLE[:3]:
        dropped = dict(base)
        dropped.pop(key, None)
        assert_same(dropped)
        for value in _EVERY_VALUE:
            assert_same({**base, key: value})


@pytest.mark.parametrize("key", ["contact_phone", "legal_representative_id_number", "extra"])
def test_every_tricky_value_in_the_personal_part(key):
    for base in SAMPLE[:3]:
        for value in _EVERY_VALUE:
            assert_same({**base, "personal": {key: value}})
            assert_same({**base, "personal": {**base["personal"], key: value}})


@settings(max_examples=1500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(row=_ROW)
def test_generated_rows_load_identically_or_go_to_marshmallow(row):
    assert_same(row)


@settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(base=st.sampled_from(SAMPLE[:40]), key=st.sampled_from([*sorted(SCHEMA.load_fields), "extra"]),
       value=st.one_of(_ANY, _PERSONAL, st.sampled_from(_TRICKY_TEXT + _TRICKY_CODES + _TRICKY_SCALARS)),
       drop=st.booleans())
def test_one_fault_in_a_good_row(base, key, value, drop):
    """A good row with one value changed (or one key dropped): the nearest misses."""
    row = dict(base)
    if drop:
        row.pop(key, None)
    else:
        row[key] = value
    assert_same(row)


@pytest.mark.parametrize("row", [None, [], "x", 1, json.loads('{"uscc": null}')])
def test_not_a_dict_or_nearly_empty(row):
    assert fast_register_facility(row) is None


# -- a schema the fast path does not know is not guessed at ----------------------------------------------
def test_an_unknown_field_or_validator_switches_the_plan_off():
    class Odd(CommandSchema):
        name = Text(bounds.TITLE, min_letters=3)

    class Odder(CommandSchema):
        when = fields.DateTime()

    for schema in (Odd(), Odder()):
        with pytest.raises(fast._Unknown):
            compile_schema(schema)


def test_limits_come_from_the_schema():
    """The fast path reads its bounds from the fields: a longer name is still declined at the limit."""
    row = dict(SAMPLE[0], name="名" * bounds.TITLE)
    assert fast_register_facility(row) is not None
    row["name"] += "名"
    assert fast_register_facility(row) is None
    with pytest.raises(ValidationError):
        SCHEMA.load(row)
