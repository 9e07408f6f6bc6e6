"""GB 32100-2015: the unified social credit code and its check character."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from stdnum.cn import uscc as stdnum_uscc

from supervision.domain.errors import InvalidValue
from supervision.domain.uscc import CODE_CHARACTERS, check_character, validate_uscc, with_check_character


@pytest.mark.parametrize("code", ["91350100M000100Y43", "91110000802100433B", " 91350100m000100y43 "])
def test_valid_codes_from_the_standard_are_accepted_and_canonicalised(code):
    assert validate_uscc(code) == code.strip().upper()


@pytest.mark.parametrize(
    ("code", "message"),
    [
        ("91350100M000100Y44", "check character is wrong: expected 3, got 4"),
        ("91350100M000100Y4", "must be 18 characters, got 17"),
        ("91350100M000100Y433", "must be 18 characters, got 19"),
        ("91350100M0001O0Y43", "not allowed by GB 32100: O"),
        ("91350100M0001I0Y43", "I, O, Z, S, V are never used"),
        ("B1350100M000100Y43", "position 1 (registering authority) cannot be B"),
        ("913501A0M000100Y43", "positions 3–8 must be the 6-digit region code"),
    ],
)
def test_invalid_codes_name_the_fault(code, message):
    with pytest.raises(InvalidValue) as err:
        validate_uscc(code)
    assert err.value.field == "uscc"
    assert message in err.value.fields["uscc"][0]


def test_letters_in_the_first_eight_positions_are_allowed_where_stdnum_refuses_them():
    code = with_check_character("Y1140502MA0000001")
    assert validate_uscc(code) == code


def test_a_completed_code_round_trips():
    assert with_check_character("91350100M000100Y4") == "91350100M000100Y43"


@settings(max_examples=1000, deadline=None)
@given(st.text(alphabet=CODE_CHARACTERS, min_size=17, max_size=17))
def test_the_check_character_is_the_one_python_stdnum_computes(body):
    assert check_character(body) == stdnum_uscc.calc_check_digit(body)
    code = "91350100" + body[8:]
    assert validate_uscc(code + check_character(code)) == code + check_character(code)


def test_the_check_character_of_every_single_character_change_differs():
    body = "91350100M000100Y4"
    for i in range(17):
        for c in CODE_CHARACTERS:
            if c != body[i]:
                changed = body[:i] + c + body[i + 1:]
                assert check_character(changed) != check_character(body), (i, c)
