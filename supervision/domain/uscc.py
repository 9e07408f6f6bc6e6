"""统一社会信用代码 (USCC, GB 32100-2015): the facility's natural key.

`stdnum.cn.uscc` computes the check character but rejects letters in positions 1–8 (registering
authority, entity type, region), which GB 32100 allows (e.g. 'Y' for 其他, 'N' entity types), so we
validate the shape ourselves and delegate only the check-character arithmetic to it.
"""

from __future__ import annotations

import unicodedata
from functools import lru_cache

from stdnum.cn import uscc as stdnum_uscc

from supervision.domain.errors import InvalidValue

ALPHABET = frozenset("0123456789ABCDEFGHJKLMNPQRTUWXY")
FORBIDDEN = frozenset("IOZSV")
REGISTERING_AUTHORITIES = frozenset("123456789ANY")


def validate_uscc(value: object, field: str = "uscc") -> str:
    """Return the canonical (upper-case, trimmed) USCC or raise `InvalidValue` naming the fault.

    A code is checked at every door (the command schema) and again by the domain: the second check
    of the same valid string is a cache hit (bounded, valid codes only: errors are not cached)."""
    if not isinstance(value, str):
        raise InvalidValue(field, "must be a string of 18 characters")
    try:
        return _canonical(value)
    except InvalidValue as exc:
        if field == "uscc":
            raise
        raise InvalidValue(field, exc.fields[exc.field][0]) from None


@lru_cache(maxsize=4096)
def _canonical(value: str) -> str:
    field = "uscc"
    code = unicodedata.normalize("NFKC", value).strip().upper()  # full-width forms → ASCII
    if len(code) != 18:
        raise InvalidValue(field, f"must be 18 characters, got {len(code)}")
    bad = sorted({c for c in code if c not in ALPHABET})
    if bad:
        detail = " (I, O, Z, S, V are never used)" if FORBIDDEN & set(bad) else ""
        raise InvalidValue(field, f"contains characters not allowed by GB 32100: {''.join(bad)}{detail}")
    if code[0] not in REGISTERING_AUTHORITIES:
        raise InvalidValue(field, f"position 1 (registering authority) cannot be {code[0]}")
    if not code[2:8].isdigit():
        raise InvalidValue(field, "positions 3–8 must be the 6-digit region code")
    expected = stdnum_uscc.calc_check_digit(code[:17])
    if code[17] != expected:
        raise InvalidValue(field, f"check character is wrong: expected {expected}, got {code[17]}")
    return code


def with_check_character(first17: str) -> str:
    """Complete a 17-character body with its check character (used to make sample data)."""
    return first17 + stdnum_uscc.calc_check_digit(first17)
