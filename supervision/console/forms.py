"""Command forms built from the API's own marshmallow command schemas (`Dispatcher.schemas`).

A form field per schema field: dates are date pickers, integers number inputs, `OneOf` fields
selects, booleans a 是/否 select, free text a text box (multi-line text a text area), lists of codes a
comma-separated box, nested objects and lists of objects a JSON text area. The submitted form becomes
the same JSON-like payload the HTTP API would receive (empty fields are "not given"); validation,
roles, jurisdiction and the rule checks are the dispatcher's, and its field errors are shown beside
the fields. The console adds no rule.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from marshmallow import fields, validate

from supervision.commands import bounds
from supervision.commands.fields import Text

#: field names in Chinese (the schema's key is shown beside it for the API-minded)
LABELS = {
    "occurred_on": "发生日期", "uscc": "统一社会信用代码", "name": "名称", "address": "地址",
    "region_code": "行政区划代码", "ownership": "举办性质", "profit_status": "营利性质",
    "total_beds": "床位总数", "nursing_beds": "护理型床位数", "legal_representative": "法定代表人",
    "person_in_charge": "负责人", "opened_on": "开业日期", "personal": "个人信息（JSON，加密保存）",
    "expected_version": "当前版本号", "level": "等级（1–5）", "score": "评分", "parts": "分项得分（JSON）",
    "assessing_body": "评定机构", "certificate_no": "证书编号", "valid_until": "有效期至",
    "inspector_id": "检查人员编号", "agency": "所属机关代码", "reference": "任务编号", "kind": "类型",
    "agencies": "参与机关代码（逗号分隔）", "region_prefix": "抽查范围（行政区划代码或前缀）",
    "ownerships": "举办性质范围（逗号分隔，默认全部）", "checklist": "检查事项清单（JSON）",
    "sampling_ratios": "各等级抽查比例（JSON，百分比）", "inspectors_per_facility": "每家检查人员数",
    "campaign_id": "抽查任务编号", "reason": "理由", "visit_on": "检查开始日期（此前抽取结果保密）",
    "conclusion": "检查结论", "items": "逐项结果（JSON）", "evidence": "证据编号（逗号分隔）",
    "completed_on": "完成日期", "channel": "公示渠道", "finding_no": "检查记录编号", "category": "隐患类别",
    "location": "部位", "description": "描述", "public_summary": "公开摘要", "major": "重大火灾隐患",
    "major_criterion": "判定依据（GB 35181 条款）", "origin": "来源",
    "spot_check_inspection_id": "抽查检查编号",
    "order_no": "责令整改通知书文号", "due_on": "整改期限", "case_id": "案件编号", "reported_by": "报告人",
    "summary": "摘要", "inspection_no": "复查文书号", "notes": "备注", "reasons": "不合格理由（逗号分隔）",
    "new_order_no": "新整改通知书文号", "new_due_on": "新整改期限", "decision_no": "决定书文号",
    "scope": "查封范围", "authority": "作出机关", "authority_kind": "机关类别", "conduct": "违法行为类别",
    "legal_basis": "法律依据", "fine_fen": "罚款（分）", "criterion": "列入情形", "list_kind": "名单类别",
    "penalty_decision_no": "处罚决定书文号", "dedupe_key": "去重键", "responsible_persons": "责任人（JSON）",
    "listing_id": "名单事项编号", "notice_no": "告知书文号", "decision": "异议决定",
    "effective_on": "生效日期", "measures": "惩戒措施（JSON）", "today": "今天",
    "complaint_id": "投诉编号", "note": "说明", "officer": "承办人", "outcome": "办理结果",
    "findings": "调查结论", "complainant": "投诉人（JSON，加密保存）",
    "resident_ref": "入住老人编号（化名）", "amount_fen": "金额（分）", "receipt_no": "收据号",
    "covers_months": "覆盖月数", "monthly_bed_fee_fen": "月床位费（分）",
    "last_year_avg_monthly_fee_fen": "上年月均收费（分）", "refund_no": "退费单号", "due_ref": "应退款编号",
    "from_custody": "从监管账户退付", "no_further_violation": "未再发生违法行为",
    "obligations_fulfilled": "已履行法定义务", "rectification_completed": "已完成整改", "basis": "依据",
    "revoked_by": "撤销机关",
    "arrangement": "存管方式", "bank": "存管银行", "deposit_no": "存管凭证号",
    "severity": "事故等级", "reporter": "报告方", "occurred_at": "发生时间（如 2026-11-23T08:30+08:00）",
    "reported_at": "报告时间（如 2026-11-23T10:00+08:00）", "deaths": "死亡人数", "injuries": "受伤人数",
    "residents": "涉及老人（JSON，加密保存）", "incident_id": "事故编号", "responsibility": "责任类别",
    "cause": "原因",
}

#: values of `OneOf` fields in Chinese, when known (`field:value` when a word means different things)
CHOICE_WORDS = {
    "public": "公办", "public_built_private_run": "公建民营", "private": "民办", "for_profit": "营利",
    "non_profit": "非营利", "annual": "年度抽查", "special": "专项抽查", "no_problem": "未发现问题",
    "problems_rectification_ordered": "发现问题已责令改正", "problems_follow_up": "发现问题待后续处理",
    "refused": "不配合检查", "upheld": "异议成立（不列入）", "rejected": "异议不成立（列入）",
    "true": "是", "false": "否",
    "hotline_12345": "12345热线", "online": "网上", "letter": "来信", "walk_in": "来访", "referral": "转办",
    "abuse_cheating": "虐老欺老", "service_quality": "服务质量", "fees": "收费", "fire_safety": "消防安全",
    "food_safety": "食品安全", "fraud_fundraising": "欺诈销售、非法集资", "other": "其他",
    "substantiated": "属实", "partly_substantiated": "部分属实", "unsubstantiated": "不属实",
    "received": "已登记", "acknowledged": "已告知受理", "assigned": "已交办", "concluded": "已办结",
    "decision_revoked": "处罚决定已撤销", "annulled": "列入决定被撤销（复议、诉讼）", "withdrawn": "撤回提出",
    "closed": "已关闭", "deposit": "押金", "service_fee": "预收服务费", "membership_fee": "会员费",
    "bank_custody": "银行存管", "risk_reserve": "风险保证金",
    "death_unnatural": "非正常死亡", "serious_injury": "严重伤害", "category:fire": "火灾",
    "authority_kind:fire": "消防救援", "reported_by:fire": "消防救援", "food_poisoning": "食物中毒",
    "epidemic_cluster": "聚集性传染病", "missing_resident": "老人走失", "abuse": "虐待",
    "service_suspension": "服务中断", "general": "一般", "serious": "较大", "major": "重大",
    "especially_major": "特别重大", "operator": "机构报告", "regulator": "监管部门发现",
    "main": "主要责任", "direct": "直接责任", "secondary": "次要责任", "none": "无责任",
    "reported": "已报告", "investigating": "调查中",
}

#: marshmallow's messages in Chinese (other messages, e.g. the rules', are shown as the API words them)
MESSAGES = {
    "Missing data for required field.": "必填",
    "Not a valid date.": "不是有效日期（YYYY-MM-DD）",
    "Not a valid integer.": "不是整数",
    "Not a valid UUID.": "不是有效编号",
    "Unknown field.": "未知字段",
    "Must be one of": "必须是以下之一",
}


def chinese(message: str) -> str:
    for english, words in MESSAGES.items():
        if message.startswith(english):
            return message.replace(english, words, 1)
    return message


@dataclass
class FormField:
    """One input of a command form: `widget` is text | textarea | date | number | select | json | csv."""

    name: str
    label: str
    widget: str
    required: bool
    choices: list[tuple[str, str]] = field(default_factory=list)
    value: str = ""
    errors: list[str] = field(default_factory=list)
    help: str = ""


def _one_of(f: fields.Field) -> list[str] | None:
    for v in f.validators:
        if isinstance(v, validate.OneOf):
            return [str(c) for c in v.choices]
    return None


def widget_of(f: fields.Field) -> str:
    if isinstance(f, fields.Boolean):
        return "select"
    if isinstance(f, fields.Date):
        return "date"
    if isinstance(f, fields.Integer):
        return "number"
    if isinstance(f, fields.List):
        inner = f.inner
        return "json" if isinstance(inner, fields.Nested | fields.Dict) else "csv"
    if isinstance(f, fields.Nested | fields.Dict):
        return "json"
    if _one_of(f):
        return "select"
    if isinstance(f, Text) and f.multiline:
        return "textarea"
    return "text"


def build_fields(schema: Any, values: dict[str, str], errors: dict[str, list[str]],
                 hidden: tuple[str, ...] = ()) -> list[FormField]:
    """The form's inputs for `schema` (a command schema instance), filled with `values` and the
    dispatcher's `errors` (keys as `validation_fields` gives them: `checklist[0].code` → checklist)."""
    by_field: dict[str, list[str]] = {}
    for key, messages in errors.items():
        root = key.split(".")[0].split("[")[0]
        by_field.setdefault(root, []).extend(
            chinese(m) if root == key else f"{key}: {chinese(m)}" for m in messages)
    out = []
    for name, f in schema.fields.items():
        if name in hidden or f.dump_only:
            continue
        widget = widget_of(f)
        choices: list[tuple[str, str]] = []
        if isinstance(f, fields.Boolean):
            choices = [("true", "是"), ("false", "否")]
        elif widget == "select":
            choices = [(c, CHOICE_WORDS.get(f"{name}:{c}", CHOICE_WORDS.get(c, c))) for c in _one_of(f) or []]
        description = (f.metadata or {}).get("description", "")
        out.append(FormField(name=name, label=LABELS.get(name, name), widget=widget, required=f.required,
                             choices=choices, value=values.get(name, ""), errors=by_field.pop(name, []),
                             help=description))
    return out


def payload_from_form(schema: Any, form: dict[str, str]) -> tuple[dict[str, Any], dict[str, list[str]]]:
    """The command payload from a submitted form: empty fields are left out (not given), integers and
    booleans converted from their text, JSON fields parsed, comma lists split. Returns the payload and
    the fields whose text could not be read (JSON, integers); the schema judges everything else."""
    payload: dict[str, Any] = {}
    problems: dict[str, list[str]] = {}
    for name, f in schema.fields.items():
        raw = (form.get(name) or "").strip()
        if raw == "":
            continue
        widget = widget_of(f)
        if isinstance(f, fields.Boolean):
            payload[name] = raw == "true"
        elif widget == "number":
            try:
                payload[name] = int(raw)
            except ValueError:
                problems[name] = ["不是整数"]
        elif widget == "json":
            if bounds.json_too_deep(raw):  # refused before parsing, as the API's door does
                problems[name] = [f"嵌套超过 {bounds.MAX_JSON_DEPTH} 层"]
                continue
            try:
                payload[name] = json.loads(raw)
            except ValueError:
                problems[name] = ["不是有效的 JSON"]
        elif widget == "csv":
            payload[name] = [part.strip() for part in raw.replace("，", ",").replace("、", ",").split(",")
                             if part.strip()]
        else:
            payload[name] = form.get(name, "") if widget == "textarea" else raw
    return payload, problems
