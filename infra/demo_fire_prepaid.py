"""Demo data for fire safety and prepaid fees: a few findings (one major hazard overdue, one verified,
one sealed) and a ledger with a deposit over the national cap, on the demo's own facilities only.
Idempotent: existing cases and ledgers are left alone, and an overdue mark already made is a
refused (409) no-op; a case or ledger the demo did not create is never touched.
"""

from __future__ import annotations

from contextlib import suppress
from datetime import timedelta
from typing import Any

from infra.demo import DEMO_ACTORS, SOURCE, Demo
from supervision.application import Context
from supervision.domain.errors import Conflict
from supervision.domain.fire_safety import fire_case_id
from supervision.domain.prepaid import ledger_id
from supervision.domain.values import SYSTEM_ACTOR


def _fire_cases(container: Any, usccs: list[str], demo: Demo) -> int:
    app, dispatcher = container.app, container.dispatcher
    ctx = Context(DEMO_ACTORS["fire"], source=SOURCE)
    today = app.today()
    found, due, later = today - timedelta(days=60), today - timedelta(days=30), today - timedelta(days=20)
    cases: list[tuple[str, dict[str, Any], list[tuple[str, dict[str, Any]]]]] = [
        (usccs[0], {"finding_no": "XF-DEMO-001", "category": "evacuation",
                    "location": "2号楼二层东侧疏散通道",
                    "description": "疏散通道堆放杂物、安全出口上锁", "major": True,
                    "major_criterion": "GB 35181-2017 6.3.1", "order_no": "晋消限字〔DEMO〕1号",
                    "due_on": due.isoformat()}, []),
        (usccs[1], {"finding_no": "XF-DEMO-002", "category": "electrical", "location": "厨房配电箱",
                    "description": "电气线路私拉乱接", "order_no": "晋消限字〔DEMO〕2号",
                    "due_on": later.isoformat()},
         [("report_rectification", {"summary": "已重新敷设线路",
                                    "occurred_on": (found + timedelta(days=10)).isoformat()}),
          ("verify_rectification", {"inspection_no": "FC-DEMO-002",
                                    "occurred_on": (found + timedelta(days=12)).isoformat()})]),
        (usccs[2], {"finding_no": "XF-DEMO-003", "category": "flammable_decoration", "location": "一层活动室",
                    "description": "大量使用易燃可燃装修材料", "major": True,
                    "major_criterion": "GB 35181-2017 5.3", "order_no": "晋消限字〔DEMO〕3号",
                    "due_on": (today + timedelta(days=30)).isoformat()},
         [("seal_premises", {"decision_no": "晋消封字〔DEMO〕1号", "scope": "一层活动室",
                             "occurred_on": (found + timedelta(days=1)).isoformat()})]),
    ]
    added = 0
    for uscc, finding, follow_ups in cases:
        case_id = fire_case_id(uscc, finding["finding_no"])
        if app._exists(case_id):
            continue
        payload = {"uscc": uscc, "occurred_on": found.isoformat(), **finding}
        dispatcher.dispatch("record_fire_finding", payload, ctx)
        for command, follow_up in follow_ups:
            dispatcher.dispatch(command, {"case_id": str(case_id), **follow_up}, ctx)
        added += 1
    overdue_case = fire_case_id(usccs[0], "XF-DEMO-001")
    if not demo.owns(overdue_case):
        return added
    with suppress(Conflict):  # the major hazard's deadline has passed: the clock would mark it now
        dispatcher.dispatch("mark_rectification_overdue", {
            "case_id": str(overdue_case), "due_on": due.isoformat(),
            "today": today.isoformat()}, Context(SYSTEM_ACTOR, source="clock"))
    return added


def _ledger(container: Any, uscc: str) -> bool:
    app, dispatcher = container.app, container.dispatcher
    if app._exists(ledger_id(uscc)):
        return False
    ctx = Context(DEMO_ACTORS["market"], source=SOURCE)
    on = (app.today() - timedelta(days=20)).isoformat()
    entries: list[tuple[str, dict[str, Any]]] = [
        ("record_prepayment", {"kind": "deposit", "resident_ref": "R-DEMO-0001", "amount_fen": 3_000_000,
                               "monthly_bed_fee_fen": 300_000, "receipt_no": "SJ-DEMO-1"}),
        # 50,000 元 against a 3,000 元 monthly bed fee: over 12 months' worth, a CapExceeded follows
        ("record_prepayment", {"kind": "deposit", "resident_ref": "R-DEMO-0002", "amount_fen": 5_000_000,
                               "monthly_bed_fee_fen": 300_000, "receipt_no": "SJ-DEMO-2"}),
        ("record_prepayment", {"kind": "service_fee", "resident_ref": "R-DEMO-0001", "amount_fen": 900_000,
                               "covers_months": 3, "receipt_no": "SJ-DEMO-3"}),
        ("record_custody_deposit", {"kind": "deposit", "amount_fen": 6_000_000, "bank": "晋城银行",
                                    "deposit_no": "CG-DEMO-1"}),
    ]
    for command, payload in entries:
        dispatcher.dispatch(command, {"uscc": uscc, "occurred_on": on, **payload}, ctx)
    return True


def load(container: Any, demo: Demo) -> str:
    usccs = demo.usccs
    if len(usccs) < 3:
        return "fire safety / prepaid fees: skipped (fewer than 3 open demo facilities)"
    cases = _fire_cases(container, usccs[:3], demo)
    ledger = _ledger(container, usccs[0])
    return f"fire-safety cases: {cases} new (1 major overdue, 1 verified, 1 sealed); " \
           f"prepaid ledgers: {int(ledger)} new (1 deposit over the cap)"
