"""The system's messages in Chinese, for the console's users (the API keeps its English words).

`RULES` is a table of the message patterns the commands, the domain and marshmallow produce (English,
a regular expression matched whole) with their Chinese wording; the numbers, dates, codes and
identifiers a message carries are kept from the original. A message of the form `<field>: <message>`
is shown with the form's Chinese label of the field. A message the table does not know is shown as it
is: never a word of it lost. `tests/e2e/test_console_messages.py` submits bad values through the
console and checks that every rule still matches a message the system really produces.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from supervision.console.words import CHOICE_WORDS, LABELS, ROLE_WORDS

#: words of a rule's captured values, per group name (a value not listed is kept as it is)
_COMPLAINT_ACTIONS = {"acknowledge": "告知受理", "assign": "交办", "conclude": "办结", "close": "关闭"}
_COMPLAINT_WHY = {
    ": it was already acknowledged": "：已告知受理",
    ": acknowledge it first": "：须先告知受理",
    ": it is no longer in progress": "：已不在办理中",
    ": only a concluded complaint can be closed": "：只有已办结的投诉才能关闭",
}
_LOOKS_LIKE = {
    "a mobile phone number": "手机号码", "a landline phone number": "固定电话号码",
    "a resident ID number (居民身份证号)": "居民身份证号",
    "Chinese characters (a personal name?)": "汉字（疑似姓名）",
    "a personal name in pinyin": "拼音姓名",
}
_LEVELS = {"national": "国家级", "province": "省级", "city": "市级", "county": "县级"}
GROUP_WORDS: dict[str, dict[str, str]] = {
    "kind": CHOICE_WORDS, "status": CHOICE_WORDS, "role": ROLE_WORDS, "action": _COMPLAINT_ACTIONS,
    "why": _COMPLAINT_WHY, "what": _LOOKS_LIKE, "level": _LEVELS,
    "single": {" (this field is a single line)": "（此字段只能填写一行）"},
}

_DAY = r"\d{4}-\d{2}-\d{2}"
_SEALED = (r"personal data goes in the sealed fields "
           r"\(complainant, residents, the facility's personal part\), never in free text")
_SEALED_ZH = "个人信息只能填写在加密保存的字段（投诉人、涉及老人、机构的个人信息部分），不得写入自由文本"


@dataclass(frozen=True)
class Rule:
    """One message pattern: `english` matched whole, `chinese` a `str.format` template of its groups."""

    english: re.Pattern[str]
    chinese: str


def _rule(english: str, chinese: str) -> Rule:
    return Rule(re.compile(english), chinese)


RULES: tuple[Rule, ...] = (
    # marshmallow's own messages
    _rule(r"Missing data for required field\.", "必填"),
    _rule(r"Not a valid integer\.", "不是有效的整数"),
    _rule(r"Not a valid date\.", "不是有效的日期（格式为 YYYY-MM-DD）"),
    _rule(r"Not a valid UUID\.", "不是有效的编号（UUID）"),
    _rule(r"Must be one of: (?P<choices>.+)\.", "须为以下之一：{choices}"),
    _rule(r"Not a valid datetime\.", "不是有效的日期时间（如 2026-11-23T08:30+08:00）"),
    _rule(r"Length must be between (?P<least>\d+) and (?P<most>\d+)\.",
          "长度须在 {least} 至 {most} 个字符之间"),
    _rule(r"Must be greater than or equal to (?P<least>-?\d+) and less than or equal to (?P<most>-?\d+)\.",
          "须在 {least} 至 {most} 之间"),
    _rule(r"Must be greater than or equal to (?P<least>-?\d+)\.", "须不小于 {least}"),
    # the command fields and bounds (supervision/commands/fields.py, bounds.py)
    _rule(r"must not be negative", "不得为负数"),
    _rule(r"must be 0 … (?P<most>\d+) fen", "须在 0 至 {most} 分之间"),
    _rule(r"must say something: at least (?P<n>\d+) letters or digits",
          "内容过少：至少需要 {n} 个文字或数字"),
    _rule(r"must not contain control characters such as U\+(?P<code>[0-9A-F]{4,6})(?P<single>.*)",
          "不得含有控制字符（如 U+{code}）{single}"),
    _rule(rf"looks like a mobile phone number: {_SEALED}", f"疑似手机号码：{_SEALED_ZH}"),
    _rule(rf"looks like a resident ID number: {_SEALED}", f"疑似居民身份证号：{_SEALED_ZH}"),
    _rule(r"looks like (?P<what>.+): use a pseudonymous reference \(e\.g\. the facility's resident number "
          r"such as R-0042\), never personal data",
          "疑似{what}：请填写化名编号（如机构的入住编号 R-0042），不得填写个人信息"),
    # the domain's values (supervision/domain/values.py, uscc.py)
    _rule(rf"(?P<day>{_DAY}) is in the future \(today is (?P<today>{_DAY})\)",
          "{day} 晚于今天（今天是 {today}）"),
    _rule(rf"must be between (?P<earliest>{_DAY}) and (?P<latest>{_DAY})",
          "须在 {earliest} 至 {latest} 之间"),
    _rule(rf"(?P<day>{_DAY}) is more than (?P<n>\d+) years after today \((?P<today>{_DAY})\): "
          r"a typing error\?", "{day} 晚于今天（{today}）超过 {n} 年（是否输入有误？）"),
    _rule(rf"a grade is valid (?P<n>\d+) years from its certificate date: at most (?P<day>{_DAY})",
          "等级评定有效期为自证书日期起 {n} 年：最迟到 {day}"),
    _rule(r"must be 18 characters, got (?P<n>\d+)", "须为 18 位，实际为 {n} 位"),
    _rule(r"check character is wrong: expected (?P<expected>\S+), got (?P<got>\S+)",
          "校验码错误：应为 {expected}，实际为 {got}"),
    _rule(r"must not exceed total_beds", "不得超过床位总数"),
    # the application and the domain's refusals
    _rule(r"invalid command", "输入有误，请按各字段的提示修改"),
    _rule(r"facility (?P<uscc>\w+) is not registered", "机构 {uscc} 未备案"),
    _rule(r"not registered", "未备案"),
    _rule(r"the caps in force need more figures on this receipt",
          "现行预收费用上限规则需要在收据上填写更多数据"),
    _rule(r"required for a (?P<kind>\w+) in region (?P<region>\d+) by rule (?P<rule>[\w.-]+)",
          "行政区划 {region} 登记{kind}时必填（规则 {rule}）"),
    _rule(r"exceeds the resident's (?P<kind>\w+) balance of (?P<held>\d+) fen \(refund: (?P<amount>\d+)\)",
          "超过该老人的{kind}余额 {held} 分（本次退费 {amount} 分）"),
    _rule(r"cannot (?P<action>\w+) a complaint that is (?P<status>\w+)(?P<why>: .+)?",
          "投诉当前为“{status}”，不能{action}{why}"),
    _rule(r"expected version (?P<expected>\d+) but the current version is (?P<current>\d+)",
          "版本号不符：填写的是 {expected}，当前版本为 {current}"),
    _rule(r"current version is (?P<current>\d+)", "当前版本为 {current}"),
    _rule(r"(?P<region>\d{6}) outside (?P<agency>\S+)", "{region} 不在 {agency} 的管辖范围内"),
    _rule(r"role '(?P<role>\w+)' may not (?P<command>\w+); allowed: (?P<roles>.+)",
          "角色“{role}”无权执行 {command}（可执行的角色：{roles}）"),
    _rule(r"jurisdiction rule: (?P<what_>.+) \(region (?P<region>\d+)\) is outside the jurisdiction of "
          r"(?P<agency>\S+) \((?P<level>\w+), region (?P<own>\d+)\)",
          "管辖规则：{what_}（行政区划 {region}）不在 {agency}（{level}，行政区划 {own}）的管辖范围内"),
)

#: `<field>: <message>` (a field of the forms, or a nested key such as `checklist[0].code`)
_FIELD_PREFIX = re.compile(r"(?P<key>[a-z_]+(?:[.\[][\w.\[\]]*)?): (?P<rest>.+)", re.DOTALL)


def field_root(key: str) -> str:
    """The form field an error key belongs to (`checklist[0].code` → checklist)."""
    return key.split(".")[0].split("[")[0]


def field_label(key: str) -> str:
    """A field as the forms label it (`checklist[0].code` → 检查事项清单（JSON） checklist[0].code);
    a key the forms do not know stays as it is."""
    root = field_root(key)
    if root not in LABELS:
        return key
    return LABELS[root] if key == root else f"{LABELS[root]} {key}"


def _read(message: str) -> tuple[Rule, re.Match[str]] | None:
    for rule in RULES:
        found = rule.english.fullmatch(message)
        if found is not None:
            return rule, found
    return None


def matching(message: str) -> Rule | None:
    """The rule that reads `message` whole, if any (a field prefix is not part of the match)."""
    read = _read(message)
    return read[0] if read else None


def translate(message: Any) -> str:
    """`message` in Chinese: by the rule that matches it, its field named by the form's label; as it
    is when no rule knows it."""
    text = str(message)
    prefixed = _FIELD_PREFIX.fullmatch(text)
    if prefixed and field_root(prefixed["key"]) in LABELS:
        return f"{field_label(prefixed['key'])}：{translate(prefixed['rest'])}"
    read = _read(text)
    if read is None:
        return text
    rule, found = read
    words = {name: GROUP_WORDS.get(name, {}).get(value, value) if value is not None else ""
             for name, value in found.groupdict().items()}
    return rule.chinese.format(**words)
