"""Resident ID numbers (GB 11643) and pseudonymous resident references."""

from __future__ import annotations

import pytest
from stdnum.cn import ric

from supervision.commands import prepaid as prepaid_commands
from supervision.commands.fields import CommandSpec
from supervision.dispatcher import Dispatcher
from supervision.domain.errors import InvalidCommand, InvalidValue
from supervision.domain.pseudonym import check_pseudonymous
from supervision.domain.resident_id import InvalidResidentId, check_character, validate_resident_id

BORN_1980_IN_A_YOUNGER_REGION = "14050219800101" + "001"
BORN_1980_IN_A_YOUNGER_REGION += check_character(BORN_1980_IN_A_YOUNGER_REGION)


def test_a_number_issued_where_someone_lives_is_valid_though_the_region_is_younger_than_them():
    assert validate_resident_id(BORN_1980_IN_A_YOUNGER_REGION) == BORN_1980_IN_A_YOUNGER_REGION
    assert not ric.is_valid(BORN_1980_IN_A_YOUNGER_REGION)  # why we do not use stdnum's cn.ric


def test_the_national_standard_example_is_valid_and_x_is_accepted_in_either_case():
    assert validate_resident_id("11010519491231002x") == "11010519491231002X"


@pytest.mark.parametrize(
    ("number", "why"),
    [
        ("14050219800101001", "18 characters"),
        ("140502198002300011", "birth date"),
        ("140502180001010011", "birth date"),
        (
            BORN_1980_IN_A_YOUNGER_REGION[:-1] + ("0" if BORN_1980_IN_A_YOUNGER_REGION[-1] != "0" else "1"),
            "check",
        ),
    ],
)
def test_structure_birth_date_and_check_character_are_checked(number, why):
    with pytest.raises(InvalidResidentId, match=why) as caught:
        validate_resident_id(number)
    assert number not in str(caught.value)  # the reason never echoes the number


@pytest.mark.parametrize(
    ("value", "looks_like"),
    [
        ("139-8765-4321", "mobile phone"),
        ("+86 139 8765 4321", "mobile phone"),
        ("R13987654321", "mobile phone"),
        ("010-8888-6666", "landline"),
        (BORN_1980_IN_A_YOUNGER_REGION, "ID number"),
        ("140502198001010000", "ID number"),  # wrong check character: still an ID number's shape
        ("张三", "Chinese characters"),
        ("zhang.san", "name in pinyin"),
        ("Wang-XiaoMing", "name in pinyin"),
    ],
)
def test_resident_refs_that_look_like_personal_data_are_refused_saying_why(value, looks_like):
    with pytest.raises(InvalidValue) as caught:
        check_pseudonymous(value, "resident_ref")
    message = caught.value.fields["resident_ref"][0]
    assert looks_like in message and value not in message


@pytest.mark.parametrize("value", ["R-0042", "RES-2026-0001", "A001", "bed-12", "resident-42", "7f3a9c"])
def test_pseudonymous_references_are_accepted(value):
    assert check_pseudonymous(value, "resident_ref") == value


def test_the_prepayment_command_refuses_a_phone_number_as_resident_ref_with_a_422_reason():
    specs = tuple(s for s in prepaid_commands.COMMANDS if isinstance(s, CommandSpec))
    dispatcher = Dispatcher(app=None, specs=specs)
    with pytest.raises(InvalidCommand) as caught:
        dispatcher.load(
            "record_prepayment",
            {
                "uscc": "91350100M000100Y43",
                "kind": "deposit",
                "resident_ref": "139-8765-4321",
                "amount_fen": 100,
            },
        )
    assert "mobile phone" in caught.value.fields["resident_ref"][0]
