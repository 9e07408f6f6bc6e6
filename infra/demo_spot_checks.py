"""Demo data for “双随机、一公开”: an inspector pool across three agencies, one joint campaign
planned three weeks ago, its seed committed (commit–reveal, docs/draw.md) and drawn two weeks ago
with visits from a week ago — so the draw is public today —, a few results recorded by the drawn
inspectors, some published. The seed is the system's own (`secrets`): no demo picks it.

Idempotent: every step checks the store first, so a second `eldercare demo` adds nothing. Only
the demo's own records are acted on: a campaign with the demo's reference that someone else
planned is left alone, and results are recorded and published only for the demo's facilities,
by inspectors the demo certified. (The draw itself samples every facility of the region, as the
regulation requires, so the demo draws only while every facility there is its own.)
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from infra.demo import DEMO_ACTORS, SOURCE, Demo
from supervision.application import Context
from supervision.domain.inspector import inspector_id
from supervision.domain.values import Actor, deterministic_id

REFERENCE = "JC-2026-SSJ-01"
CITY = "140500"
PREFIX = "1405"  # the campaign's region: the sample city
AGENCIES = {"MZJ": f"MZJ-{CITY}", "XFJY": f"XFJY-{CITY}", "SCJG": f"SCJG-{CITY}"}
OFFICERS = {"MZJ": "civil_affairs", "XFJY": "fire", "SCJG": "market"}
INSPECTORS = [
    ("MZJ-001", "赵明", "MZJ"), ("MZJ-002", "钱丽", "MZJ"), ("MZJ-003", "孙伟", "MZJ"),
    ("XF-001", "李强", "XFJY"), ("XF-002", "周敏", "XFJY"), ("XF-003", "吴磊", "XFJY"),
    ("SJ-001", "郑华", "SCJG"), ("SJ-002", "王芳", "SCJG"),
]
CHECKLIST = [
    {"code": "FS-01", "title": "消防设施器材完好有效"},
    {"code": "FS-02", "title": "疏散通道、安全出口畅通"},
    {"code": "SV-01", "title": "服务合同与收费公示"},
    {"code": "FD-01", "title": "食品安全管理制度落实"},
]


def load(container: Any, demo: Demo) -> str:
    app, dispatcher = container.app, container.dispatcher
    certified = 0
    for number, (iid, name, kind) in enumerate(INSPECTORS, start=1):
        if app._exists(inspector_id(iid)):
            continue
        ctx = Context(DEMO_ACTORS[OFFICERS[kind]], source=SOURCE)
        dispatcher.dispatch("certify_inspector", {
            "inspector_id": iid, "name": name, "agency": AGENCIES[kind], "region_code": CITY,
            "certificate_no": f"晋执{kind}{number:04d}"}, ctx)
        certified += 1

    lead = Context(DEMO_ACTORS["civil_affairs"], source=SOURCE)
    campaign_key = deterministic_id("spot_check_campaign", REFERENCE)
    campaign_id = str(campaign_key)
    today = app.today()
    planned_on, drawn_on, visit_on = (today - timedelta(days=d) for d in (21, 14, 7))
    if app._exists(campaign_key) and not demo.owns(campaign_key):
        return (f"spot checks: {certified} inspectors certified; "
                f"campaign {REFERENCE} is not the demo's: left alone")
    if not app._exists(campaign_key):
        dispatcher.dispatch("plan_spot_check_campaign", {
            "reference": REFERENCE, "name": "2026年晋城市养老机构“双随机、一公开”联合抽查",
            "kind": "annual", "agencies": list(AGENCIES.values()), "region_prefix": PREFIX,
            "checklist": CHECKLIST, "occurred_on": planned_on.isoformat()}, lead)
    campaign = app.get_campaign(campaign_id)
    if not campaign.is_drawn:
        # a draw schedules inspections of whatever it draws: only when every facility it could
        # draw from is the demo's (on a fresh demo, always)
        container.runner("facility_list").catch_up()
        ours = set(demo.usccs)
        strangers = [u for u in container.view("facility_list").active_usccs(PREFIX) if u not in ours]
        if strangers:
            return (f"spot checks: {certified} inspectors certified, campaign {REFERENCE} planned, not "
                    f"drawn: {len(strangers)} facilities in {PREFIX} are not the demo's")
        if not campaign.attempt:
            dispatcher.dispatch("commit_spot_check_seed", {
                "campaign_id": campaign_id,
                "occurred_on": max(drawn_on, campaign.planned_on).isoformat()}, lead)
            campaign = app.get_campaign(campaign_id)
    if campaign.has_pending_commitment:
        assert campaign.committed_on is not None
        dispatcher.dispatch("draw_spot_check", {
            "campaign_id": campaign_id, "occurred_on": campaign.committed_on.isoformat(),
            "visit_on": max(visit_on, campaign.committed_on).isoformat()}, lead)
        campaign = app.get_campaign(campaign_id)

    drawn = (campaign.draw_result or {}).get("facilities", [])
    ours = set(demo.usccs)
    mine = [e for e in drawn if e["uscc"] in ours and demo.owns(inspector_id(e["inspectors"][0]))]
    recorded = published = 0
    for n, entry in enumerate(mine[:3]):
        inspection = app.get_inspection(campaign_id, entry["uscc"])
        first = entry["inspectors"][0]
        agency = app.get_inspector(first).agency
        if inspection.result is None:
            ctx = Context(Actor(first, agency, "inspector"), source=SOURCE)
            failed = n == 1
            items = [{"code": c["code"], "result": "pass"} for c in CHECKLIST]
            if failed:
                items[1] = {"code": "FS-02", "result": "fail", "severity": "major",
                            "note": "二层疏散通道堆放杂物"}
            dispatcher.dispatch("record_spot_check_result", {
                "campaign_id": campaign_id, "uscc": entry["uscc"],
                "conclusion": "problems_rectification_ordered" if failed else "no_problem",
                "items": items, "evidence": [f"现场检查记录 {REFERENCE}-{n + 1:03d}"]}, ctx)
            recorded += 1
            inspection = app.get_inspection(campaign_id, entry["uscc"])
        if n < 2 and inspection.published_on is None:
            dispatcher.dispatch("publish_spot_check_result",
                                {"campaign_id": campaign_id, "uscc": entry["uscc"]}, lead)
            published += 1
    return (f"spot checks: {certified} inspectors certified, campaign {REFERENCE} drew {len(drawn)} "
            f"facilities, {recorded} results recorded, {published} published")
