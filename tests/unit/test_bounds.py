"""The door's bounds (supervision.commands.bounds / fields): properties that hold for every input."""

from __future__ import annotations

import json
import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from marshmallow import ValidationError

from supervision.commands import bounds
from supervision.commands.fields import Fen, Reference, RegionCode, Text, Uscc, page, region_prefix
from supervision.dispatcher import ALL_COMMANDS

FULL_WIDTH = {ord(c): ord(c) + 0xFEE0 for c in "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ-"}
#: decimal digits of other scripts (Arabic-Indic, Devanagari, Bengali, Thai, ...): not NFKC forms
FOREIGN_DIGITS = st.sampled_from([chr(zero + i) for zero in (0x0660, 0x06F0, 0x0966, 0x09E6, 0x0E50, 0x1040)
                                  for i in range(10)])
REGIONS = st.from_regex(r"[1-8][0-9]{5}", fullmatch=True)


def load(field, value):
    return field.deserialize(value)


@given(REGIONS)
def test_a_full_width_region_code_is_stored_as_its_ascii_form(code):
    assert load(RegionCode(), code.translate(FULL_WIDTH)) == code
    assert load(RegionCode(), code) == code


@given(REGIONS, st.integers(min_value=0, max_value=5), FOREIGN_DIGITS)
def test_other_scripts_digits_in_a_region_code_are_refused(code, at, digit):
    mixed = code[:at] + digit + code[at + 1:]
    with pytest.raises(ValidationError):
        load(RegionCode(), mixed)


@given(REGIONS, st.sampled_from(["\n", "\r\n", " ", "\t", "\x00", "\u3000", "\u00a0"]), st.booleans())
def test_an_identifier_with_surrounding_whitespace_or_a_trailing_newline_is_refused(code, space, before):
    with pytest.raises(ValidationError):
        load(RegionCode(), space + code if before else code + space)
    with pytest.raises(ValidationError):
        load(region_prefix(), space + code[:4] if before else code[:4] + space)


@given(st.text(max_size=30))
def test_whatever_an_identifier_field_accepts_is_printable_ascii_matching_its_pattern(text):
    for field, pattern in ((RegionCode(), r"[1-8][0-9]{5}"), (region_prefix(), r"[1-8][0-9]{1,5}")):
        try:
            out = load(field, text)
        except ValidationError:
            continue
        assert out.isascii() and bounds.fullmatch(pattern, out)
        assert out == unicodedata.normalize("NFKC", text)


@given(st.text(max_size=40))
def test_whatever_a_uscc_field_accepts_is_18_ascii_characters(text):
    try:
        out = load(Uscc(), text)
    except ValidationError:
        return
    assert len(out) == 18 and out.isascii() and out == out.upper()


def test_a_full_width_uscc_is_the_same_facility_as_its_ascii_form():
    uscc = "91350100M000100Y43"
    assert load(Uscc(), uscc.translate(FULL_WIDTH)) == uscc
    with pytest.raises(ValidationError):
        load(Uscc(), uscc + "\n")


@given(st.integers())
def test_money_is_accepted_exactly_within_zero_and_the_stated_maximum(amount):
    if 0 <= amount <= bounds.MAX_FEN:
        assert load(Fen(), amount) == amount
    else:
        with pytest.raises(ValidationError):
            load(Fen(), amount)


def test_the_maximum_fen_and_its_sums_fit_a_bigint():
    assert bounds.MAX_FEN <= bounds.BIGINT_MAX
    assert 922_337 * bounds.MAX_FEN <= bounds.BIGINT_MAX
    assert load(Fen(), 3_000_000_000) == 3_000_000_000  # a ¥30M fine


@given(st.floats(allow_nan=True) | st.booleans())
def test_money_is_never_a_float_or_a_boolean(value):
    with pytest.raises(ValidationError):
        load(Fen(), value)


@given(st.text(alphabet=st.characters(codec="utf-8", categories=["Cc"]), min_size=1, max_size=3),
       st.text(max_size=20), st.text(max_size=20))
def test_single_line_text_refuses_every_control_character(controls, left, right):
    with pytest.raises(ValidationError):
        load(Text(200), left + controls + right)


@given(st.text(alphabet=st.characters(codec="utf-8", exclude_categories=["Cc", "Cs"]), max_size=60))
def test_printable_text_up_to_its_maximum_is_kept_as_given(text):
    if any(bounds.text_problem(c) for c in text):  # bidi controls, separators, non-characters
        return
    if text and bounds.is_blank(text):  # whitespace alone (or characters that show nothing) is blank
        with pytest.raises(ValidationError):
            load(Text(60), text)
        return
    assert load(Text(60), text) == text
    with pytest.raises(ValidationError):
        load(Text(len(text) - 1 if text else 0, min_length=1), text + "x")


def test_multi_line_text_keeps_newlines_and_tabs_but_not_nul_or_a_bare_cr():
    field = Text(100, multiline=True)
    assert load(field, "第一行\r\n第二行\t!") == "第一行\n第二行\t!"
    for bad in ("a\u0000b", "a\rb", "\x1b[31m", "\ud800", "abc\u202e"):
        with pytest.raises(ValidationError):
            load(field, bad)


@given(st.text(max_size=30))
def test_a_document_number_is_one_line_of_ascii_digits_after_nfkc(text):
    try:
        out = load(Reference(64), text)
    except ValidationError:
        return
    assert out == unicodedata.normalize("NFKC", text) and out == out.strip() and "\n" not in out
    assert all(c.isascii() for c in out if unicodedata.category(c) == "Nd")


def test_a_chinese_document_number_keeps_its_characters_and_gets_ascii_digits():
    assert load(Reference(), "晋城民罚决字〔２０２６〕１２号") == "晋城民罚决字〔2026〕12号"
    with pytest.raises(ValidationError):
        load(Reference(), "晋城民罚决字〔٢٠٢٦〕12号")


@given(st.integers(min_value=-(10**30), max_value=10**30))
def test_a_page_number_beyond_the_bound_is_a_validation_error_not_an_overflow(number):
    field = page()
    if 1 <= number <= bounds.MAX_PAGE:
        assert field.deserialize(str(number)) == number
    else:
        with pytest.raises(ValidationError):
            field.deserialize(str(number))


@settings(max_examples=200)
@given(st.recursive(st.none() | st.booleans() | st.integers() | st.text(max_size=5),
                    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=3), inner,
                                                                                  max_size=3),
                    max_leaves=40))
def test_the_depth_scan_agrees_with_the_parsed_depth(document):
    def depth(value):
        if isinstance(value, list):
            return 1 + max((depth(v) for v in value), default=0)
        if isinstance(value, dict):
            return 1 + max((depth(v) for v in value.values()), default=0)
        return 0

    text = json.dumps(document, ensure_ascii=False)
    for limit in (1, 2, 3, 5):
        assert bounds.json_too_deep(text.encode(), limit) == (depth(document) > limit)


def test_brackets_inside_strings_do_not_count_and_deep_nesting_is_found_without_recursion():
    assert not bounds.json_too_deep(b'{"a": "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[\\"[["}', 3)
    assert bounds.json_too_deep(b"[" * 1_000_000 + b"]" * 1_000_000)
    assert not bounds.json_too_deep(b"[" * 32 + b"]" * 32)


def test_every_command_field_is_bounded():
    """No command accepts an unbounded string, integer, list or dict: each states a maximum."""
    from marshmallow import fields as f

    unbounded = []

    def walk(schema, prefix):
        for name, field in schema.fields.items():
            check(field, f"{prefix}{name}")

    def check(field, where):
        validators = field.validators
        has_max = any(getattr(v, "max", None) is not None or getattr(v, "equal", None) is not None
                      or getattr(v, "max_entries", None) or getattr(v, "choices", None)
                      for v in validators)
        if isinstance(field, f.Nested):
            walk(field.schema, f"{where}.")
        elif isinstance(field, f.List):
            if not has_max:
                unbounded.append(where)
            check(field.inner, f"{where}[]")
        elif isinstance(field, f.Dict):
            if not has_max:
                unbounded.append(where)
            check(field.value_field, f"{where}{{}}")
        elif isinstance(field, f.String | f.Integer) and not isinstance(field, f.UUID) and not has_max:
            unbounded.append(where)

    for spec in ALL_COMMANDS:
        walk(spec.schema(), f"{spec.name}.")
    assert unbounded == []
