"""Demo complaints: a few 12345 hotline tickets about sample facilities at different stages.

Idempotent: each ticket has a reference, so its id is deterministic and a second run skips it.
Only the demo's own facilities get tickets, and only a ticket the demo registered is taken further.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from infra.demo import DEMO_ACTORS, SOURCE, Demo
from supervision.application import Context
from supervision.domain.complaint import complaint_id

#: (reference, category, days before today, how far it got, summary)
TICKETS = [
    ("12345-DEMO-0001", "service_quality", 40, "closed", "护理员夜间无人值守，老人呼叫无人应答"),
    ("12345-DEMO-0002", "fees", 30, "concluded", "入住时收取超过12个月床位费的押金"),
    ("12345-DEMO-0003", "abuse_cheating", 20, "assigned", "反映护理员对老人有推搡、呵斥行为"),
    ("12345-DEMO-0004", "food_safety", 10, "acknowledged", "食堂饭菜变质"),
    ("12345-DEMO-0005", "fraud_fundraising", 3, "received", "机构推销高息“养老会员卡”"),
]
STAGES = ("received", "acknowledged", "assigned", "concluded", "closed")


def load(container: Any, demo: Demo) -> str:
    app, dispatcher = container.app, container.dispatcher
    ctx = Context(DEMO_ACTORS["civil_affairs"], source=SOURCE)
    usccs = demo.usccs
    if not usccs:
        return "complaints: none (no demo facilities)"
    today = app.today()
    added = 0
    for i, (reference, category, days_ago, stage, summary) in enumerate(TICKETS):
        if app._exists(complaint_id("hotline_12345", reference)):
            continue
        received = today - timedelta(days=days_ago)
        accepted = dispatcher.dispatch("register_complaint", {
            "uscc": usccs[i % len(usccs)], "channel": "hotline_12345", "category": category,
            "summary": summary, "reference": reference, "occurred_on": received.isoformat(),
            "complainant": {"name": "演示投诉人", "phone": "13900000000"},
        }, ctx)
        cid, reached = accepted.data["complaint_id"], STAGES.index(stage)
        steps: list[tuple[str, dict[str, Any], int]] = [
            ("acknowledge_complaint", {}, 1),
            ("assign_complaint", {"agency": "MZJ-140502", "officer": "demo-mz"}, 1),
            ("conclude_complaint", {"outcome": "substantiated" if i % 2 else "partly_substantiated",
                                    "measures": ["责令限期整改", "约谈机构负责人"]}, 10),
            ("close_complaint", {}, 12),
        ]
        for name, args, after in steps[:reached]:
            on = received + timedelta(days=after)
            dispatcher.dispatch(name, {"complaint_id": cid, **args, "occurred_on": on.isoformat()}, ctx)
        added += 1
    return f"complaints: {added} new ({len(TICKETS)} demo hotline tickets)"
