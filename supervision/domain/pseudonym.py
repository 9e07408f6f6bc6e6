"""Pseudonymous references (a resident's `resident_ref`): refuse what looks like a person.

Why refuse rather than derive: the reference is the facility's own key for a resident (it appears on
the facility's receipts and refund notices), so regulators and the facility must be able to match it
without our keys; a keyed hash we derived would be a second number nobody outside the system can
read. What the system can do is make sure the reference it keeps is not personal data: a value that
looks like a phone number, a resident ID number or a personal name (Chinese characters, or pinyin
"surname + given name") is refused with a 422 saying which of these it looks like, and never stored.
The checks see through separators (`139-8765-4321`, `139 8765 4321`, `+86 139…`).
"""

from __future__ import annotations

import re

from supervision.domain.errors import InvalidValue
from supervision.domain.resident_id import is_resident_id

_SEPARATORS = re.compile(r"[\s\-._:()+/]")
_MOBILE = re.compile(r"(?<!\d)(?:0?86)?1[3-9]\d{9}(?!\d)")
_LANDLINE = re.compile(r"^0\d{2,3}\d{7,8}$")
_LONG_DIGITS = re.compile(r"\d{15,}|\d{17}[Xx]")
_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
_LETTER_GROUPS = re.compile(r"[A-Za-z]+(?:[\s\-._]+[A-Za-z]+)*")

_INITIAL = r"(?:zh|ch|sh|[bpmfdtnlgkhjqxrzcsyw])?"
_FINAL = (
    r"(?:iang|iong|uang|ueng|ang|eng|ing|ong|ian|iao|uai|uan|van|ai|ei|ao|ou|an|en|er|in|un|vn"
    r"|ia|ie|iu|ua|uo|ue|ve|ui|a|o|e|i|u|v)"
)
_SYLLABLE = _INITIAL + _FINAL
#: the most common 百家姓 surnames, in pinyin (covering the large majority of the population)
_SURNAMES_TEXT = (
    "wang li zhang liu chen yang huang zhao wu zhou xu sun ma zhu hu guo he lin gao luo zheng liang xie "
    "song tang han feng deng cao peng zeng xiao tian dong pan yuan cai jiang yu du ye cheng wei su lv lu "
    "ding ren shen yao jin fu fan fang shi tan liao zou xiong qiu qin jia hou meng bai duan lei long wan "
    "gu mao hao kong qian yan dai mo xue yin lai wen niu chang ouyang situ zhuge shangguan"
)
SURNAMES = tuple(_SURNAMES_TEXT.split(" "))
_SURNAME = "|".join(sorted(SURNAMES, key=len, reverse=True))
_PINYIN_NAME = re.compile(f"^(?:{_SURNAME})(?:{_SYLLABLE}){{1,2}}$")


def looks_like(value: str) -> str | None:
    """What personal datum `value` looks like ("a mobile phone number", ...), or None."""
    if _CJK.search(value):
        return "Chinese characters (a personal name?)"
    bare = _SEPARATORS.sub("", value)
    if is_resident_id(bare.upper()) or _LONG_DIGITS.search(bare):
        return "a resident ID number (居民身份证号)"
    if _MOBILE.search(bare):
        return "a mobile phone number"
    if _LANDLINE.match(bare):
        return "a landline phone number"
    for group in _LETTER_GROUPS.findall(value):
        letters = _SEPARATORS.sub("", group).lower()
        if len(letters) >= 3 and _PINYIN_NAME.match(letters):
            return "a personal name in pinyin"
    return None


def check_pseudonymous(value: str, field: str) -> str:
    """`value` unchanged, or `InvalidValue(field, ...)` naming what it looks like (never quoting it)."""
    found = looks_like(value)
    if found is not None:
        raise InvalidValue(
            field,
            f"looks like {found}: use a pseudonymous reference (e.g. the "
            "facility's resident number such as R-0042), never personal data",
        )
    return value
