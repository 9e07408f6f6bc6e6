"""The console's words: field labels, choice values, roles and the schemas' help texts in Chinese.

One table each, read by the forms (`forms.py`), the message translation (`messages.py`) and the pages.
Keys are the API's own names; anything missing is shown as the API names it.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from supervision.domain.complaint import CATEGORIES as _COMPLAINT_CATEGORY_CODES
from supervision.policy import rating as r
from supervision.policy.listing_criteria import CRITERIA
from supervision.web.words import HAZARD_CATEGORIES, LIST_KINDS

ROLE_WORDS = {"civil_affairs": "民政", "fire": "消防救援", "market": "市场监管", "admin": "平台管理",
              "inspector": "执法检查人员"}

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
    "cause": "原因", "status": "状态", "role": "角色",
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
    "annual_report": "年度工作报告", "operations_report": "公建民营运营情况报告",
    # fire hazard categories and list kinds: the site's words (one vocabulary)
    **HAZARD_CATEGORIES, **LIST_KINDS,
    # listing criteria: the 办法's titles (`criterion:` so that abuse_cheating stays a complaint category)
    **{f"criterion:{c.code}": c.title for c in CRITERIA},
    **{c.code: c.title for c in CRITERIA if c.code not in _COMPLAINT_CATEGORY_CODES},
}

#: the supervision rating's facts in Chinese (every fact of the rule, the non-public ones too)
RATING_FACTS = {
    r.SPOT_CHECK_FAILED: "双随机抽查不合格或不配合检查", r.SPOT_CHECK_PROBLEMS: "双随机抽查发现问题",
    r.FIRE_HAZARD: "一般火灾隐患", r.MAJOR_FIRE_HAZARD: "重大火灾隐患",
    r.RECTIFICATION_OVERDUE: "火灾隐患逾期未整改", r.PREPAID_VIOLATION: "预收费用超出上限",
    r.COMPLAINT_SUBSTANTIATED: "投诉经查属实", r.ABUSE_COMPLAINT_SUBSTANTIATED: "虐老欺老投诉经查属实",
    r.INCIDENT_REPORTED_LATE: "突发事件迟报", r.INCIDENT_RESPONSIBILITY: "对事故负主要或直接责任",
    r.DUTY_REPORT_MISSING: "未按规定报送报告", r.INTERVIEW_HELD: "被约谈",
    r.INTERVIEW_NOT_ATTENDED: "约谈未到场", r.INTERVIEW_COMMITMENT_OVERDUE: "约谈承诺逾期未履行",
}


def _choice(code: str) -> str:
    return CHOICE_WORDS.get(code, code)


#: the rating view's `detail` (English, built by `projections/supervision_rating.py`) in Chinese, the
#: codes it carries in words; a detail not matched is shown as it is
_DETAILS: tuple[tuple[re.Pattern[str], Callable[[re.Match[str]], str]], ...] = tuple(
    (re.compile(pattern), render) for pattern, render in (
        (r"spot-check conclusion (\w+)", lambda m: f"抽查结论：{_choice(m[1])}"),
        (r"fire hazard(?: (\w+))?", lambda m: f"隐患类别：{_choice(m[1])}" if m[1] else "火灾隐患"),
        (r"rectification not verified by its deadline", lambda m: "整改期限届满仍未复查合格"),
        (r"prepaid-fee cap exceeded(?: (\S+))?",
         lambda m: "超出预收费用上限" + (f"（规则 {m[1]}）" if m[1] else "")),
        (r"complaint (\w+) (\w+)", lambda m: f"投诉类别：{_choice(m[1])}；办理结果：{_choice(m[2])}"),
        (r"incident (\w+) reported after (\d+) h",
         lambda m: f"{_choice('category:' + m[1]) if 'category:' + m[1] in CHOICE_WORDS else _choice(m[1])}"
                   f"事件超过 {m[2]} 小时报告"),
        (r"(\w+) responsibility for incident (\w+) \((.*)\)",
         lambda m: f"对{_choice('category:' + m[2]) if 'category:' + m[2] in CHOICE_WORDS else _choice(m[2])}"
                   f"事件负{_choice(m[1])}（{m[3]}）"),
        (r"(\w+) (\S+) missing", lambda m: f"{_choice(m[1])} {m[2]} 未报送"),
        (r"supervisory interview held", lambda m: "监管约谈"),
        (r"supervisory interview not attended", lambda m: "约谈未到场"),
        (r"interview commitment (\d+) overdue", lambda m: f"约谈承诺第 {m[1]} 项逾期未履行"),
    ))


def rating_detail(detail: str) -> str:
    """A rating point's `detail` in Chinese (unknown ones as they are: never a word lost)."""
    for pattern, render in _DETAILS:
        match = pattern.fullmatch(detail)
        if match:
            return render(match)
    return detail
#: the command schemas' help texts (their `description`) in Chinese; a text not here is shown as written
HELP = {
    "when it happened (≤ today)": "事情发生的日期（不晚于今天）",
    "internal: never public": "仅内部可见，不公开",
    "the exit as the public registry may state it. PUBLISHED AS WRITTEN on public outputs (topics, pages): "
    "write it for the public — no names, phone numbers or other personal data. Optional; the other texts "
    "stay internal.":
        "公开名录中关于退出的说明，按原文公开发布（消息主题、公示页面）：请按面向公众的口径填写，"
                      "不得含姓名、电话等个人信息。选填；其他文字仅内部可见。",
    "natural key": "唯一编号",
    "执法证号": "执法证号",
    "campaign number; a second plan with it is 409": "抽查任务编号；同一编号再次制定计划会被拒绝（冲突）",
    "joint campaigns: MZJ-…, XFJY-…, SCJG-…":
        "联合抽查的参与机关：MZJ-…（民政）、XFJY-…（消防）、SCJG-…（市场监管）",
    "region code or prefix (2–6 digits)": "行政区划代码或其前缀（2–6 位数字）",
    "default: all": "默认：全部",
    "percent per level, overriding the policy": "各等级的抽查比例（百分比），覆盖政策默认值",
    "required for every commitment after the first (a redraw); published as written: state the "
    "administrative ground, never a person": "第一次承诺之后的每次承诺（重新抽取）必填；按原文公开："
                                              "写明行政理由，不得指向具体个人",
    "first day of the unannounced visits: until then only the campaign's organisers see the draw "
    "(inspectors their own assignments); from then on it is public":
        "不预先告知的检查开始日：此前只有组织机关能看到抽取结果（检查人员只看到自己的任务），此后公开",
    "default: occurred_on": "默认：同发生日期",
    "external ticket number (e.g. 12345 work order); unique per channel":
        "外部工单号（如 12345 热线工单），同一渠道内唯一",
    "agency code, e.g. MZJ-140502 or SCJG-140500": "机关代码，如 MZJ-140502 或 SCJG-140500",
    "文书号, e.g. 晋城民罚决字〔2026〕12号": "文书号，如 晋城民罚决字〔2026〕12号",
    "the recording actor's agency code (default); for a court finding, the court":
        "默认为登记人所在机关代码；法院认定的，填写法院",
    "default: the recording actor's agency kind": "默认：登记人所在机关的类别",
    "the listing criterion the punished conduct meets": "受处罚行为符合的列入情形",
    "natural key of the proposal (policy processes); default: the decision or evidence":
        "提出的唯一键（由政策流程使用）；默认：处罚决定或证据",
    "set by the clock": "由系统时钟设定",
    "the fire authority's number of the finding": "消防机关的检查记录编号",
    "where on the premises (building, floor): published; no names":
        "隐患所在部位（楼栋、楼层）：会公开，不得含姓名",
    "internal only": "仅内部可见",
    "the hazard as the public may read it. PUBLISHED AS WRITTEN on public outputs (topics, pages): write it "
    "for the public — no names, phone numbers or other personal data. Optional; the other texts stay "
    "internal.": "面向公众的隐患说明，按原文公开发布（消息主题、公示页面）：请按面向公众的口径填写，"
                 "不得含姓名、电话等个人信息。选填；其他文字仅内部可见。",
    "重大火灾隐患": "重大火灾隐患",
    'the GB 35181-2017 clause, e.g. "GB 35181-2017 6.3" (required when major)':
        "GB 35181-2017 的条款，如“GB 35181-2017 6.3”（重大火灾隐患必填）",
    "责令限期整改通知书 number (with due_on)": "责令限期整改通知书文号（与整改期限一并填写）",
    "rectification deadline, as written": "整改期限，按文书所写",
    "the case id (or uscc + finding_no)": "案件编号（或统一社会信用代码 + 检查记录编号）",
    "复查 record number": "复查文书号",
    "临时查封决定书 number": "临时查封决定书文号",
    "the facility's receipt number (unique per ledger)": "机构的收据号（同一台账内唯一）",
    "months a prepaid service fee covers": "预收服务费覆盖的月数",
    "月床位费 (deposit cap base)": "月床位费（押金上限的计算基数）",
    "上年度月平均收费 (membership-fee cap base where a province sets one)":
        "上年度月平均收费（省级规定会员费上限时的计算基数）",
    "the refund due it pays": "本次退费所清偿的应退款编号",
    "paid out of the custody account": "从监管账户中支付",
    "operator: the facility reported it; regulator: the regulator learnt of it otherwise":
        "机构报告：由机构报告；监管部门发现：监管部门通过其他途径得知",
    "when it happened (ISO 8601; without offset read as Asia/Shanghai)":
        "发生时间（ISO 8601；未写时区按北京时间）",
    "when the report reached the regulator": "报告送达监管部门的时间",
    "regulators only": "仅监管部门可见",
    "the investigating authority; default: the recording actor's agency code; another registered agency's "
    "code is refused (403, attribution rule); a body outside the registry (an accident investigation team, "
    "a court) is named in words and recorded as named, beside the recording actor":
        "调查机关；默认为登记人所在机关代码；填写其他已登记机关的代码会被拒绝（403，归属规则）；"
        "未登记的机构（事故调查组、法院）以文字填写，按所填名称与登记人一并记录",
    "the competent authority that made the finding; default: the recording actor's agency code; another "
    "registered agency's code is refused (403, attribution rule); a body outside the registry (an accident "
    "investigation team, a court) is named in words and recorded as named, beside the recording actor":
        "作出认定的主管机关；默认为登记人所在机关代码；填写其他已登记机关的代码会被拒绝（403，归属规则）；"
        "未登记的机构（事故调查组、法院）以文字填写，按所填名称与登记人一并记录",
    "number of the finding / investigation decision": "认定或调查决定的文号",
    "the facility's responsibility: main or direct proposes a listing under criterion (5)":
        "机构的责任：主要责任或直接责任将按第（5）项情形提出列入名单",
}
