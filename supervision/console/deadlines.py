"""The "today" list: what is due or overdue this week across capabilities, read from the views.

Each item: `{"kind": str (Chinese), "uscc", "name", "due_on": date, "overdue": bool, "basis": str
(official | provisional | order | term | none: a step waiting with no time limit, dated by
when it arose), "note": str, "act": (command, prefill dict) | None,
"what": str}`. "This week" is today through today + 7 days; anything earlier and still open is
overdue. The deadlines themselves (and their calendar basis) are the ones the views hold, computed by
the capabilities' rules; nothing is recomputed here. Rows are narrowed to the actor's jurisdiction by
the caller (`security.scope_rows`).
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from sqlalchemy import select

from supervision.console.words import CHOICE_WORDS
from supervision.domain.listing import LISTED, NOTICE_SERVED, OBJECTION_FILED, PROPOSED

HORIZON_DAYS = 7

BASIS_WORDS = {
    "official": "官方日历（国务院放假通知）",
    "provisional": "临时日历（通知未发布，按法定节假日推算，可能调整）",
    "fallback": "临时日历（通知未发布，按法定节假日推算，可能调整）",
    "order": "文书指定的日期",
    "term": "按期限（年）计算",
    "none": "无法定期限（所示为提出日期）",
}


def _word(code: str) -> str:
    return CHOICE_WORDS.get(code, code)


def _rows(view: Any, statement: Any) -> list[dict[str, Any]]:
    with view.engine.connect() as conn:
        return [dict(r._mapping) for r in conn.execute(statement).all()]


def spot_check_publications(services: Any, today: date, horizon: date) -> list[dict[str, Any]]:
    view = services.view("spot_checks")
    t = view.inspections
    rows = _rows(view, select(t.c.campaign_id, t.c.uscc, t.c.publish_due_on, t.c.due_basis, t.c.due_note)
                 .where(t.c.status == "recorded", t.c.publish_due_on <= horizon))
    return [{"kind": "抽查结果公示（20个工作日内）", "uscc": r["uscc"], "due_on": r["publish_due_on"],
             "basis": r["due_basis"] or "official", "note": r["due_note"] or "",
             "what": f"抽查任务 {r['campaign_id'][:8]}… 的检查结果尚未公示",
             "act": ("publish_spot_check_result", {"campaign_id": r["campaign_id"], "uscc": r["uscc"]})}
            for r in rows]


def fire_rectifications(services: Any, today: date, horizon: date) -> list[dict[str, Any]]:
    view = services.view("fire_safety")
    t = view.cases
    rows = _rows(view, select(t.c.case_id, t.c.uscc, t.c.finding_no, t.c.due_on, t.c.status, t.c.major)
                 .where(t.c.status != "verified", t.c.due_on.is_not(None), t.c.due_on <= horizon))
    out = []
    for r in rows:
        act = ("verify_rectification", {"case_id": r["case_id"]}) if r["status"] == "reported" else (
            "report_rectification", {"case_id": r["case_id"]})
        out.append({"kind": "消防隐患整改期限" + ("（重大隐患）" if r["major"] else ""), "uscc": r["uscc"],
                    "due_on": r["due_on"], "basis": "order", "note": "",
                    "what": f"{r['finding_no']}：{'待复查' if r['status'] == 'reported' else '未报告整改'}",
                    "act": act})
    return out


def complaint_deadlines(services: Any, today: date, horizon: date) -> list[dict[str, Any]]:
    out = []
    for r in services.view("complaints").deadlines(today):
        if r["due_on"] > horizon:
            continue
        acknowledge = r["kind"] == "acknowledge"
        out.append({"kind": "投诉受理告知（1个工作日）" if acknowledge else "投诉办结（15个工作日）",
                    "uscc": r["uscc"], "due_on": r["due_on"], "basis": r["basis"], "note": r["note"] or "",
                    "what": f"投诉 {r['complaint_id'][:8]}…（{_word(r['category'])}）",
                    "act": ("acknowledge_complaint" if acknowledge else "conclude_complaint",
                            {"complaint_id": r["complaint_id"]})})
    return out


def listing_deadlines(services: Any, today: date, horizon: date) -> list[dict[str, Any]]:
    view = services.view("credit_lists")
    t = view.listings
    out = []
    for r in _rows(view, select(t).where(t.c.status == NOTICE_SERVED, t.c.objection_due_on <= horizon)):
        closed = r["objection_due_on"] < today
        out.append({"kind": "异议期届满" if closed else "异议期即将届满", "uscc": r["uscc"],
                    "due_on": r["objection_due_on"], "basis": r["objection_due_basis"] or "official",
                    "note": r["objection_due_note"] or "", "overdue": False,
                    "what": f"{r['criterion_title']}（告知书 {r['notice_no']}）",
                    "act": ("confirm_listing" if closed else "file_listing_objection",
                            {"listing_id": r["listing_id"]})})
    for r in _rows(view, select(t).where(t.c.status.in_((PROPOSED, OBJECTION_FILED)))):
        out.append({"kind": "待书面告知" if r["status"] == PROPOSED else "待作出异议决定", "uscc": r["uscc"],
                    "due_on": r["proposed_on"], "basis": "none", "note": "", "overdue": False,
                    "no_deadline": True,
                    "what": r["criterion_title"],
                    "act": ("serve_listing_notice" if r["status"] == PROPOSED else "decide_listing_objection",
                            {"listing_id": r["listing_id"]})})
    for r in _rows(view, select(t).where(t.c.status == LISTED, t.c.expires_on <= horizon,
                                         t.c.expires_on >= today)):
        out.append({"kind": "名单即将到期移出", "uscc": r["uscc"], "due_on": r["expires_on"], "basis": "term",
                    "note": "", "overdue": False, "what": r["criterion_title"], "act": None})
    return out


SOURCES = (spot_check_publications, fire_rectifications, complaint_deadlines, listing_deadlines)


def this_week(services: Any, today: date) -> list[dict[str, Any]]:
    """Every item due through today + 7 days or overdue, soonest first (unscoped: scope before showing)."""
    horizon = today + timedelta(days=HORIZON_DAYS)
    items: list[dict[str, Any]] = []
    for source in SOURCES:
        for item in source(services, today, horizon):
            item.setdefault("overdue", item["due_on"] < today)
            item["basis_words"] = BASIS_WORDS.get(item["basis"], item["basis"])
            items.append(item)
    items.sort(key=lambda i: (i["due_on"], i["kind"], i["uscc"]))
    return items
