"""The system's messages in Chinese, for the console's users (the API keeps its English words).

`RULES` is a table of the message patterns the commands, the domain and marshmallow produce (English,
a regular expression matched whole) with their Chinese wording; the numbers, dates, codes and
identifiers a message carries are kept from the original. A message of the form `<field>: <message>`
is shown with the form's Chinese label of the field. A message the table does not know is shown as it
is: never a word of it lost. `tests/e2e/test_console_messages.py` submits bad values through the
console (with those of `tests/e2e/test_console_messages_forms.py`: spot checks, fire safety, penalty
decisions and listings) and checks that every rule still matches a message the system really produces;
the latter also checks that no console form leaves a message in English.
"""

from __future__ import annotations

import re
from collections.abc import Callable
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
#: the objects the jurisdiction rule names (supervision/authority.py, `what`), by their leading noun
_REFUSED_NOUNS = {"facility": "机构", "inspector": "检查人员", "campaign": "抽查任务", "complaint": "投诉",
                  "listing": "名单事项", "incident": "事件"}
_REFUSED = re.compile(r"(?P<noun>[a-z]+) (?P<ident>\S+?)(?P<part>'s resident balances)?")


def _refused_object(text: str) -> str:
    """`facility 9114…` → 机构 9114…, `the campaign's scope` → 抽查范围; anything else as it is."""
    if text == "the campaign's scope":
        return "抽查范围"
    found = _REFUSED.fullmatch(text)
    if found is None or found["noun"] not in _REFUSED_NOUNS:
        return text
    return f"{_REFUSED_NOUNS[found['noun']]} {found['ident']}{'的老人余额' if found['part'] else ''}"


#: a credit listing's statuses (supervision/domain/listing.py) and the steps a refusal names
_LISTING_STATUSES = {
    "proposed": "已提出", "notice_served": "已书面告知（异议期内）", "objection_filed": "已登记异议",
    "listed": "已列入", "dropped": "已不予列入", "removed": "已移出", "expired": "已到期移出",
    "in force": "列入有效期内", "no longer in force": "已不在列入有效期内",
}
_LISTING_STEPS = {
    "serve notice": "书面告知", "revise the objection window": "调整异议期", "file an objection": "登记异议",
    "decide the objection": "作出异议决定", "list": "确认列入", "drop": "不予列入", "expire": "到期移出",
    "repair credit": "信用修复", "remove": "移出名单", "withdraw": "撤回提出",
}
_AGENCY_KINDS = {"civil_affairs": "民政", "fire": "消防救援", "market": "市场监管"}
#: the records `Facility.check_not_before_start` names (`what`): they cannot precede the facility
_STARTED_RECORDS = {
    "a receipt": "收取预收费用", "a refund": "退费", "a refund due": "应退费用",
    "a custody deposit": "资金存管", "a complaint's receipt": "收到投诉", "a finding": "发现隐患",
    "a penalty decision": "处罚决定", "a listing proposal": "提出列入名单", "an incident": "事故发生",
    "a summons": "约谈通知", "a submission": "提交报告", "a duty": "该事项",
}
#: per group, a table of words or a function giving them
GROUP_WORDS: dict[str, dict[str, str] | Callable[[str], str]] = {
    "kind": CHOICE_WORDS, "status": CHOICE_WORDS, "role": ROLE_WORDS, "action": _COMPLAINT_ACTIONS,
    "why": _COMPLAINT_WHY, "what": _LOOKS_LIKE, "level": _LEVELS,
    "single": {" (this field is a single line)": "（此字段只能填写一行）"},
    "conclusion": CHOICE_WORDS, "listing_status": {**CHOICE_WORDS, **_LISTING_STATUSES},
    "needs": _LISTING_STATUSES,
    "step": _LISTING_STEPS, "agency_kind": _AGENCY_KINDS, "other_kind": _AGENCY_KINDS,
    "roles": {**ROLE_WORDS, "system": "系统（时钟、政策流程）"},
    "severities": {}, "refused": _refused_object, "record": _STARTED_RECORDS, "conduct": CHOICE_WORDS,
    "criterion": CHOICE_WORDS,
}
#: groups that list several values: each value in words (codes a form asks for typed, such as the
#: severities of the JSON items, stay codes), joined in Chinese
_JOINED = {"needs": (" or ", "或"), "roles": (", ", "、"), "severities": (", ", "、")}

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
    # a step dated before what it rests on: the facility (its opening or registration), the incident
    _rule(rf"(?P<record>.+?) cannot precede the facility's opening or registration \((?P<day>{_DAY})\)",
          "{record}的日期不能早于机构开业或备案的日期（{day}）"),
    _rule(r"a profile change cannot precede registration", "备案信息变更的日期不能早于备案日期"),
    _rule(r"assessment cannot precede registration", "等级评定的日期不能早于备案日期"),
    _rule(r"exit cannot precede registration", "退出的日期不能早于备案日期"),
    _rule(r"a report cannot precede the incident", "报告时间不能早于事故发生时间"),
    # the application and the domain's refusals
    _rule(r"invalid command", "输入有误，请按各字段的提示修改"),
    _rule(r"facility (?P<uscc>\w+) is not registered", "机构 {uscc} 未备案"),
    _rule(r"not registered", "未备案"),
    _rule(r"the caps in force need more figures on this receipt",
          "现行预收费用上限规则需要在收据上填写更多数据"),
    _rule(r"required for a (?P<kind>\w+) in region (?P<region>\d+) by rule (?P<rule>[\w.-]+)",
          "行政区划 {region} 登记{kind}时必填（规则 {rule}）"),
    _rule(rf"the resident held (?P<held>\d+) fen of (?P<kind>\w+) on (?P<day>{_DAY}) \(the receipts dated "
          r"after it cannot be paid back before they were received; amount: (?P<amount>\d+)\)",
          "该老人在 {day} 持有的{kind}为 {held} 分"
          "（此后收取的款项不能在收取之前退还或应退；本次金额 {amount} 分）"),
    _rule(rf"cannot precede the day it is recorded \((?P<day>{_DAY})\)", "不能早于登记之日（{day}）"),
    _rule(r"exceeds the resident's (?P<kind>\w+) balance of (?P<held>\d+) fen \(refund: (?P<amount>\d+)\)",
          "超过该老人的{kind}余额 {held} 分（本次退费 {amount} 分）"),
    _rule(r"cannot (?P<action>\w+) a complaint that is (?P<status>\w+)(?P<why>: .+)?",
          "投诉当前为“{status}”，不能{action}{why}"),
    # a complaint's status, given as the field's message of a refused step
    _rule(r"(?P<status>received|acknowledged|assigned|concluded|closed)", "当前为“{status}”"),
    _rule(r"expected version (?P<expected>\d+) but the current version is (?P<current>\d+)",
          "版本号不符：填写的是 {expected}，当前版本为 {current}"),
    _rule(r"current version is (?P<current>\d+)", "当前版本为 {current}"),
    _rule(r"(?P<region>\d{2,6}) outside (?P<agency>\S+)", "{region} 不在 {agency} 的管辖范围内"),
    _rule(r"role '(?P<role>\w+)' may not (?P<command>\w+); allowed: (?P<roles>.+)",
          "角色“{role}”无权执行 {command}（可执行的角色：{roles}）"),
    # the jurisdiction rule names the object it refuses (supervision/authority.py): its noun in words,
    # its identifier kept; an object it may name later is kept as the system wrote it
    _rule(r"jurisdiction rule: (?P<refused>.+?) \(region (?P<region>\d+)\) is outside the jurisdiction of "
          r"(?P<agency>\S+) \((?P<level>\w+), region (?P<own>\d+)\)",
          "管辖规则：{refused}（行政区划 {region}）不在 {agency}（{level}，行政区划 {own}）的管辖范围内"),
    # marshmallow's messages for lists and nested objects, and the command fields' codes
    _rule(r"Not a valid list\.", "须为列表（JSON 数组，如 [...]）"),
    _rule(r"Unknown field\.", "不是可填写的字段"),
    _rule(r"must be ASCII letters, digits and punctuation \(full-width forms are converted; "
          r"other scripts' digits are refused\)", "只能填写英文字母、数字和标点（全角字符会自动转换）"),
    _rule(r"must be a region code or prefix \(2–6 ASCII digits, first 1–8\)",
          "须为行政区划代码或其前缀（2–6 位数字，首位为 1–8）"),
    _rule(r"not in the agency registry: (?P<codes>.+)", "不在机关名录中：{codes}"),
    _rule(r"must include (?P<agency>\S+)", "须包括 {agency}"),
    # 双随机、一公开: campaigns, commitment, draw, results, publication (supervision/domain/spot_check.py)
    _rule(r"campaign (?P<reference>.+) is already planned",
          "抽查任务编号 {reference} 已用于另一次抽查计划，不能重复使用"),
    _rule(r"already planned", "该任务编号已用于另一次抽查计划"),
    _rule(r"each agency once", "每个机关只能填写一次"),
    _rule(r"item codes must be unique", "检查事项的代码不能重复"),
    _rule(r"item code '(?P<code>.*)': letters, digits, '\.', '_', '-'",
          "检查事项代码“{code}”只能由字母、数字和 . _ - 组成"),
    _rule(r"campaign rule: the planning agency (?P<agency>\S+) must be one of the campaign's agencies",
          "抽查规则：制定计划的机关 {agency} 须是本次抽查的参与机关之一"),
    _rule(r"campaign rule: campaign (?P<campaign>\S+) is run by (?P<agencies>.+); (?P<agency>\S+) is not "
          r"one of them", "抽查规则：抽查任务 {campaign} 由 {agencies} 组织，{agency} 不是参与机关"),
    _rule(r"not an agency of this campaign", "不是本次抽查的参与机关"),
    _rule(r"spot-check campaign (?P<campaign>\S+) does not exist", "抽查任务 {campaign} 不存在"),
    _rule(r"unknown", "不存在"),
    _rule(rf"the commitment cannot precede the plan \((?P<day>{_DAY})\)",
          "承诺随机种子的日期不能早于制定计划的日期（{day}）"),
    _rule(r"attempt (?P<n>\d+) exists; a redraw needs a reason \(it is recorded and public\)",
          "已进行过第 {n} 次抽取：重新抽取须填写理由（理由会被记录并公开）"),
    _rule(r"(?P<n>\d+) result\(s\) are recorded for the current draw; it can no longer be redrawn",
          "本次抽取已录入 {n} 个检查结果，不能再重新抽取"),
    _rule(r"results recorded", "已录入检查结果"),
    _rule(rf"the draw cannot precede its commitment \((?P<day>{_DAY})\)",
          "抽取日期不能早于承诺随机种子的日期（{day}）"),
    _rule(rf"precedes the current draw \((?P<day>{_DAY})\)", "早于本次抽取的日期（{day}）"),
    _rule(rf"the visits cannot start before the draw \((?P<day>{_DAY})\)",
          "检查开始日期不能早于抽取日期（{day}）"),
    _rule(rf"campaign (?P<campaign>\S+) was already drawn on (?P<day>{_DAY}) \(attempt (?P<n>\d+)\); "
          r"a redraw needs a new commitment with a reason",
          "抽查任务 {campaign} 已于 {day} 完成抽取（第 {n} 次）；重新抽取须先填写理由，重新承诺随机种子"),
    _rule(r"already drawn", "已完成抽取"),
    _rule(rf"a result for (?P<uscc>\w+) was already recorded \(completed (?P<day>{_DAY})\)",
          "机构 {uscc} 的检查结果已经录入（{day} 完成检查）"),
    _rule(r"result already recorded", "检查结果已经录入"),
    _rule(r"(?P<conclusion>\w+) needs a result for (?P<codes>.+)",
          "检查结论为“{conclusion}”，还须填写以下检查事项的结果：{codes}"),
    _rule(r"(?P<code>\S+) is not on this campaign's checklist", "{code} 不在本次抽查的检查事项清单中"),
    _rule(r"(?P<code>\S+): a failed item needs a severity \((?P<severities>.+)\)",
          "{code}：不合格的事项须填写严重程度（{severities}）"),
    _rule(r"(?P<code>\S+): a passed item has no severity", "{code}：合格的事项不填写严重程度"),
    _rule(r"(?P<code>\S+) is given twice", "{code} 填写了两次"),
    _rule(r"(?P<conclusion>\w+) contradicts failed items", "检查结论“{conclusion}”与不合格的事项相矛盾"),
    _rule(r"(?P<conclusion>\w+) needs at least one failed item",
          "检查结论为“{conclusion}”时，至少须有一项检查事项不合格"),
    _rule(rf"the visits start on (?P<visit>{_DAY}): a result cannot be completed on (?P<day>{_DAY}), "
          r"before them", "检查于 {visit} 开始：完成日期不能早于检查开始日期（填写的是 {day}）"),
    _rule(r"differs from occurred_on; give the completion date once",
          "与发生日期不一致：完成日期只需填写一次（可只填完成日期）"),
    _rule(r"facility (?P<uscc>\w+) was not drawn in spot-check campaign (?P<campaign>\S+)",
          "机构 {uscc} 未在抽查任务 {campaign} 中被抽中"),
    _rule(r"not drawn in this campaign", "未在本次抽查中被抽中"),
    _rule(r"no result is recorded yet for (?P<uscc>\w+)", "机构 {uscc} 尚未录入检查结果"),
    _rule(r"no result recorded", "尚未录入检查结果"),
    _rule(r"publication cannot precede the inspection's completion", "公示日期不能早于检查完成日期"),
    # fire safety: findings and rectification (supervision/domain/fire_safety.py, supervision/fire_safety.py)
    _rule(r"finding (?P<no>.+) of facility (?P<uscc>\w+) is already recorded",
          "机构 {uscc} 的检查记录 {no} 已经登记"),
    _rule(r"a major fire hazard must cite its GB 35181-2017 criterion",
          "重大火灾隐患须注明判定依据（GB 35181-2017 的条款）"),
    _rule(r"is only recorded for a major fire hazard", "只有重大火灾隐患才填写判定依据"),
    _rule(r"a rectification order needs both order_no and due_on",
          "责令整改须同时填写责令整改通知书文号和整改期限"),
    _rule(rf"must be after the finding date (?P<day>{_DAY})", "须晚于发现隐患的日期（{day}）"),
    _rule(rf"must be after the order date (?P<day>{_DAY})", "须晚于责令整改的日期（{day}）"),
    _rule(rf"re-inspection cannot precede the report on (?P<day>{_DAY})",
          "复查日期不能早于报告整改的日期（{day}）"),
    _rule(rf"cannot precede the finding on (?P<day>{_DAY})", "不能早于发现隐患的日期（{day}）"),
    _rule(r"a spot-check finding names its inspection", "来源为抽查的隐患须填写抽查检查编号"),
    _rule(r"role '(?P<role>\w+)' may record findings from spot checks only",
          "角色“{role}”只能登记双随机抽查中发现的隐患（来源选“抽查”并填写抽查检查编号）"),
    _rule(r"give case_id, or uscc and finding_no",
          "请填写案件编号，或同时填写统一社会信用代码和检查记录编号"),
    _rule(r"fire-safety case (?P<case>\S+) is not recorded", "消防案件 {case} 未登记"),
    _rule(r"no rectification report awaits re-inspection", "没有待复查的整改报告（机构尚未报告整改）"),
    _rule(r"no rectification reported", "尚未报告整改"),
    _rule(r"a new deadline needs both new_due_on and new_order_no",
          "重新确定整改期限须同时填写新整改期限和新整改通知书文号"),
    _rule(rf"cannot precede the sealing on (?P<day>{_DAY})", "不能早于临时查封的日期（{day}）"),
    _rule(r"the premises are not sealed", "该场所未被临时查封"),
    _rule(r"not sealed", "未被临时查封"),
    _rule(r"the premises are already sealed", "该场所已被临时查封"),
    _rule(r"already sealed", "已被临时查封"),
    # credit: penalty decisions and the listing procedure (supervision/domain/listing.py, penalty.py,
    # supervision/credit.py)
    _rule(r"penalty decision (?P<no>.+) is already recorded", "处罚决定书文号 {no} 已经登记，不能重复使用"),
    _rule(r"already recorded", "已经登记，不能重复使用"),
    _rule(r"penalty decision (?P<no>.+) is not recorded", "处罚决定 {no} 未登记"),
    _rule(r"not recorded", "未登记"),
    _rule(r"must be an event reference <aggregate id>:<version>",
          "须为事件编号，格式为“<聚合编号>:<版本号>”"),
    _rule(r"(?P<ref>\S+) names no recorded event", "{ref} 不是已记录的事件"),
    _rule(r"attribution rule: a (?P<agency_kind>\w+) agency \((?P<agency>\S+)\) records only its own "
          r"decisions, not (?P<other_kind>\w+) decisions",
          "归属规则：{agency_kind}机关（{agency}）只能登记本机关作出的决定，不能登记{other_kind}机关的决定"),
    _rule(r"must be (?P<agency_kind>civil_affairs|fire|market)", "须为“{agency_kind}”"),
    _rule(r"attribution rule: the deciding authority is the recording actor's agency (?P<agency>\S+), "
          r"not '(?P<other>.*)'", "归属规则：作出决定的机关应为登记人所在机关 {agency}，而不是“{other}”"),
    _rule(r"must be (?P<agency>[A-Z]+-\d{6})", "须为 {agency}"),
    _rule(r"attribution rule: penalty decision (?P<no>.+) was recorded by (?P<agency>\S+); only it or its "
          r"superior agency may revoke it",
          "归属规则：处罚决定 {no} 由 {agency} 登记，只有该机关或其上级机关可以撤销"),
    _rule(r"recorded by (?P<agency>\S+)", "由 {agency} 登记"),
    _rule(r"a revocation cannot precede the decision", "撤销日期不能早于处罚决定的日期"),
    _rule(r"a proposal cannot precede the decision it rests on",
          "提出列入名单的日期不能早于所依据的处罚决定的日期"),
    _rule(r"decision punishes (?P<conduct>\w+), not (?P<criterion>\w+)",
          "该处罚决定针对的违法行为是“{conduct}”，不是所选列入情形“{criterion}”"),
    _rule(r"decision is about facility (?P<uscc>\w+)", "该处罚决定针对的是机构 {uscc}"),
    _rule(r"a listing rests on a penalty decision or on evidence events",
          "列入名单须以处罚决定书文号或证据（事件编号）为依据"),
    _rule(r"this conduct is already proposed for listing as (?P<listing>\S+)",
          "该违法行为已经提出列入名单（名单事项编号 {listing}）"),
    _rule(r"must be a listing id \(UUID\)", "须为名单事项编号（UUID）"),
    _rule(r"listing (?P<listing>\S+) does not exist", "名单事项 {listing} 不存在"),
    _rule(r"unknown listing", "名单事项不存在"),
    _rule(rf"cannot precede the previous step \((?P<day>{_DAY})\)", "不能早于上一步骤的日期（{day}）"),
    _rule(r"cannot (?P<step>[a-z ]+): the listing is (?P<listing_status>[a-z_ ]+) \(needs (?P<needs>.+)\)",
          "名单事项当前为“{listing_status}”，不能{step}（须为“{needs}”）"),
    _rule(r"is (?P<listing_status>[a-z_]+)", "当前为“{listing_status}”"),
    _rule(rf"the objection window closed on (?P<day>{_DAY})", "异议期已于 {day} 届满"),
    _rule(rf"after the objection deadline (?P<day>{_DAY})", "晚于异议期限（{day}）"),
    _rule(rf"the objection window runs until (?P<day>{_DAY}); list after it",
          "异议期至 {day} 届满，届满后才能确认列入"),
    _rule(rf"objection window open until (?P<day>{_DAY})", "异议期至 {day} 届满"),
    _rule(rf"credit repair may be applied for only after 2 full years, from (?P<day>{_DAY})",
          "列入满 2 年后才能申请信用修复，最早 {day}"),
    _rule(rf"earliest (?P<day>{_DAY})", "最早 {day}"),
    _rule(r"credit repair needs no further serious violation, or obligations fulfilled and rectification "
          r"completed", "信用修复须未再发生严重违法失信行为，或已履行法定义务并已完成整改"),
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
    words = {name: _words(name, value) for name, value in found.groupdict().items()}
    return rule.chinese.format(**words)


def _words(group: str, value: str | None) -> str:
    """A captured value in words (`GROUP_WORDS`); a value not listed is kept as it is."""
    if value is None:
        return ""
    table = GROUP_WORDS.get(group, {})
    if callable(table):
        return table(value)
    if group in _JOINED:
        english, chinese = _JOINED[group]
        return chinese.join(table.get(part, part) for part in value.split(english))
    return table.get(value, value)
