"""`text_problem`'s one-regex scan refuses exactly the characters its per-character rules refuse."""

from __future__ import annotations

import unicodedata

import pytest

from supervision.commands import bounds


def refused_by_the_rules(ch: str, multiline: bool) -> bool:
    if ch in bounds.MULTILINE_ALLOWED and multiline:
        return False
    return (unicodedata.category(ch) in ("Cc", "Cs") or ch in bounds._BIDI_AND_SEPARATORS
            or ch in bounds._INVISIBLE
            or bounds._is_noncharacter(ch))


CODE_POINTS = sorted({*range(0x3000), *range(0xD7F0, 0xE010), *range(0xFDC0, 0x10010),
                      *range(0x3000, 0x110000, 101),
                      *(plane << 16 | low for plane in range(17) for low in (0xFFFD, 0xFFFE, 0xFFFF))})


@pytest.mark.parametrize("multiline", [False, True])
def test_the_scan_and_the_rules_agree_on_every_sampled_code_point(multiline):
    for cp in CODE_POINTS:
        ch = chr(cp)
        problem = bounds.text_problem(f"示范{ch}路", multiline=multiline)
        assert (problem is not None) == refused_by_the_rules(ch, multiline), hex(cp)
