"""Codes in Chinese words: the fixed vocabulary the site and the public rating speak.

Every value here is a name for a public code (a rating fact, a hazard category, a complaint category,
a list kind); no staff-typed text ever passes through. Unknown codes are shown as they are.
"""

from __future__ import annotations

from supervision.policy import rating as r

#: rating facts the public may see, in words; facts not here (约谈, incidents reported late or found
#: responsible, duty reports missing) rest on records that are not public and do not count publicly
PUBLIC_FACTS: dict[str, str] = {
    r.SPOT_CHECK_FAILED: "双随机抽查结论为不合格或不配合检查",
    r.SPOT_CHECK_PROBLEMS: "双随机抽查发现问题并责令改正",
    r.FIRE_HAZARD: "发现一般火灾隐患",
    r.MAJOR_FIRE_HAZARD: "发现重大火灾隐患",
    r.RECTIFICATION_OVERDUE: "火灾隐患逾期未整改",
    r.PREPAID_VIOLATION: "预收费用超出规定上限",
    r.COMPLAINT_SUBSTANTIATED: "投诉经查属实",
    r.ABUSE_COMPLAINT_SUBSTANTIATED: "虐老欺老投诉经查属实",
}

#: which public record each public fact is
FACT_RECORDS: dict[str, str] = {
    r.SPOT_CHECK_FAILED: "spot_check_result",
    r.SPOT_CHECK_PROBLEMS: "spot_check_result",
    r.FIRE_HAZARD: "fire_case",
    r.MAJOR_FIRE_HAZARD: "fire_case",
    r.RECTIFICATION_OVERDUE: "fire_case",
    r.PREPAID_VIOLATION: "prepaid_violation",
    r.COMPLAINT_SUBSTANTIATED: "complaint",
    r.ABUSE_COMPLAINT_SUBSTANTIATED: "complaint",
}

HAZARD_CATEGORIES: dict[str, str] = {
    "evacuation": "安全疏散",
    "electrical": "电气线路、用电",
    "fire_equipment": "消防设施、器材",
    "fire_separation": "防火分隔",
    "flammable_decoration": "易燃可燃装修材料",
    "hot_work": "动火、用火",
    "management": "消防安全管理",
    "other": "其他",
}

COMPLAINT_CATEGORIES: dict[str, str] = {
    "abuse_cheating": "虐老欺老",
    "service_quality": "服务质量",
    "fees": "收费",
    "fire_safety": "消防安全",
    "food_safety": "食品安全",
    "fraud_fundraising": "欺诈销售、非法集资",
    "other": "其他",
}

FIRE_STATUSES: dict[str, str] = {
    "found": "已发现，待下达整改通知",
    "ordered": "已责令限期整改",
    "reported": "已报告整改，待复查",
    "verified": "已复查通过",
}

LIST_KINDS: dict[str, str] = {"joint_punishment": "失信联合惩戒对象名单", "key_attention": "重点关注对象名单"}

GENERAL: dict[str, str] = {
    "public": "公办", "public_built_private_run": "公建民营", "private": "民办",
    "for_profit": "营利", "non_profit": "非营利", "open": "运营中", "closed": "已退出",
    "pass": "合格", "fail": "不合格", "minor": "轻微", "major": "较重", "serious": "严重",
    "key": "重点", **LIST_KINDS,
}


def word(code: str | None, table: dict[str, str] | None = None) -> str:
    """`code` in words from `table` (default: the general one); unknown codes as they are, None as —."""
    if code is None or code == "":
        return "—"
    return (table or GENERAL).get(code, code)
