"""居民身份证号码 (GB 11643-1999): structure, birth date and check character — not the birth place.

A number's first six digits are the region where it was *issued*, and people are issued their number
where they live when it is issued: a region code created in 2000 legitimately heads the number of
someone born in 1980. `python-stdnum`'s `cn.ric` refuses those (it checks the region against its
table as of the birth year), so we check only what GB 11643 makes checkable: 17 digits, a real birth
date (YYYYMMDD at positions 7–14, not before 1900), and the ISO 7064 MOD 11-2 check character.
"""

from __future__ import annotations

import re
from datetime import date

_SHAPE = re.compile(r"^\d{17}[\dX]$")
#: ISO 7064 MOD 11-2 weights 2^(18-i) mod 11, i = 1..17
_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK = "10X98765432"


class InvalidResidentId(ValueError):
    """Raised with a reason that never quotes the number (a 422 must not echo an ID number)."""


def check_character(first17: str) -> str:
    """The 18th character of a number whose first 17 digits are `first17`."""
    return _CHECK[sum(int(d) * w for d, w in zip(first17, _WEIGHTS, strict=True)) % 11]


def validate_resident_id(value: str) -> str:
    """The number, upper-cased and stripped; `InvalidResidentId` saying what is wrong otherwise.

    Checks: 18 characters (17 digits + digit or X), a calendar-valid birth date from 1900 on (the
    domain reads no clock, so a future date is the caller's business), and the check character.
    """
    number = str(value).strip().upper()
    if not _SHAPE.match(number):
        raise InvalidResidentId("must be 18 characters: 17 digits and a digit or X (GB 11643)")
    try:
        born = date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        raise InvalidResidentId("positions 7–14 are not a valid birth date (GB 11643)") from None
    if born.year < 1900:
        raise InvalidResidentId("positions 7–14 are not a plausible birth date (GB 11643)")
    if check_character(number[:17]) != number[17]:
        raise InvalidResidentId("the check character does not match (GB 11643)")
    return number


def is_resident_id(value: str) -> bool:
    try:
        validate_resident_id(value)
    except InvalidResidentId:
        return False
    return True
