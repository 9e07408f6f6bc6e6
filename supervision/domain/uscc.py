"""统一社会信用代码 (USCC, GB 32100-2015): the facility's natural key.

`stdnum.cn.uscc` rejects letters in positions 1–8 (registering authority, entity type, region), which
GB 32100 allows (e.g. 'Y' for 其他, 'N' entity types), so we validate the shape ourselves. The check
character is GB 32100's weighted sum, computed here on the already-canonical code: stdnum's
`calc_check_digit` cleans its input again first, which was 85 % of a code's check (76 µs of 90) and a
tenth of a bulk import's time. tests/unit/test_uscc.py compares the two on every body it generates.
"""

from __future__ import annotations

import unicodedata
from functools import lru_cache

from supervision.domain.errors import InvalidValue

#: the 31 code characters in the order of their values 0–30 (GB 32100-2015, table 1)
CODE_CHARACTERS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
ALPHABET = frozenset(CODE_CHARACTERS)
FORBIDDEN = frozenset("IOZSV")
REGISTERING_AUTHORITIES = frozenset("123456789ANY")
_VALUES = {c: v for v, c in enumerate(CODE_CHARACTERS)}
#: weight of position i (1–17): 3^(i-1) mod 31 (GB 32100-2015, 5.2)
_WEIGHTS = tuple(pow(3, i, 31) for i in range(17))


def check_character(first17: str) -> str:
    """The check character (position 18) of 17 canonical code characters: C18 = 31 - (Σ Ci·Wi mod
    31), 31 written as 0 (GB 32100-2015, 5.2). `KeyError` for a character outside the code set."""
    total = sum(_VALUES[c] * w for c, w in zip(first17, _WEIGHTS, strict=True))
    return CODE_CHARACTERS[-total % 31]


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
    expected = check_character(code[:17])
    if code[17] != expected:
        raise InvalidValue(field, f"check character is wrong: expected {expected}, got {code[17]}")
    return code


def with_check_character(first17: str) -> str:
    """Complete a 17-character body with its check character (used to make sample data)."""
    return first17 + check_character(first17)
