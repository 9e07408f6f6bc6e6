"""The authorization matrix: every write endpoint of the OpenAPI document × 18 identities
(agency kind civil affairs / fire / market supervision × level province / city / county × inside /
outside the facility's jurisdiction), each with its expected allow or deny, asserted over HTTP on
PostgreSQL. A denial is a 403 that writes nothing; an allowed request passes authorisation (2xx, or
a 409 from the state an earlier allowed identity left behind).

The endpoint list comes from `/api/openapi.json`: an endpoint without a case here fails the test, so
no new write endpoint escapes the matrix. Expectations are the regulation, written out per endpoint
(who may act at all, at which levels), not derived from the code under test.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from supervision.auth import token_id
from supervision.commands.bounds import MAX_AGENCIES
from supervision.domain.values import Actor
from supervision.policy.sampling import LEVELS as SAMPLING_LEVELS
from tests.support import Client, facility_payload, fresh_pg_database, make_container

F1 = "91350100M000100Y43"  # the facility every act is about, in 阳城县 (140522, 晋城市, 山西省)
NEW = "91110000802100433B"  # registered during the matrix
INSIDE = {"province": "140000", "city": "140500", "county": "140522"}
OUTSIDE = {"province": "350000", "city": "350100", "county": "350102"}  # 福建省 / 福州市 / 鼓楼区
KINDS = {"civil_affairs": ("MZJ", "civil_affairs"), "fire": ("XFJY", "fire"),
         "market_supervision": ("SCJG", "market")}
IDENTITIES = [(kind, level, where) for kind in KINDS for level in INSIDE for where in ("inside", "outside")]
#: the nine agencies whose jurisdiction holds the facility: a campaign names at most 10 agencies
#: (`bounds.MAX_AGENCIES`), so the campaigns name these; an outside agency is then refused twice
#: over (not named, and outside the campaign's scope), either way a 403
INSIDE_CODES = [f"{KINDS[k][0]}-{INSIDE[lv]}" for k, lv, w in IDENTITIES if w == "inside"]
#: every level drawn in full, so each redraw in the matrix draws F1 again (its result can be recorded)
ALL_DRAWN = {level: 100 for level in SAMPLING_LEVELS}
CA, FIRE, MARKET = "civil_affairs", "fire", "market_supervision"
ALL_LEVELS = {"province", "city", "county"}
LISTING_BUREAUS = {"city", "county"}  # 谁监管、谁列入: the city- or county-level civil-affairs bureau
NOBODY: dict[str, Any] = {"kinds": set(), "levels": set()}
VISIT_ON = "2026-12-07"  # after the matrix's day: the draw stays the organisers' and redraws are allowed


def who(kinds: set[str], levels: set[str] = ALL_LEVELS) -> dict[str, Any]:
    return {"kinds": kinds, "levels": levels}


#: (method, path) → (path parameters, body, expected).  Order matters only for the state the allowed
#: requests leave behind: destructive acts (revocation, exit) come last.
def cases(w: dict[str, str]) -> dict[tuple[str, str], tuple[dict[str, str], dict[str, Any], dict[str, Any]]]:
    today = "2026-11-26"
    return {
        ("post", "/api/v1/facilities"): (
            {}, facility_payload(uscc=NEW, region_code="140522", occurred_on="2026-01-05"), who({CA})),
        ("patch", "/api/v1/facilities/{uscc}"): ({"uscc": F1}, {"total_beds": 130}, who({CA})),
        ("post", "/api/v1/facilities/{uscc}/grade-assessments"): (
            {"uscc": F1}, {"level": 3, "score": 620, "assessing_body": "阳城县民政局",
                           "certificate_no": "YC-1", "occurred_on": "2026-02-01"}, who({CA})),
        ("post", "/api/v1/complaints"): (
            {}, {"uscc": F1, "channel": "online", "category": "service_quality", "summary": "饭菜质量差"},
            who({CA})),
        ("post", "/api/v1/complaints/{complaint_id}/acknowledgement"): (
            {"complaint_id": w["complaint"]}, {}, who({CA})),
        ("post", "/api/v1/complaints/{complaint_id}/assignment"): (
            {"complaint_id": w["complaint"]}, {"agency": "MZJ-140522"}, who({CA})),
        ("post", "/api/v1/complaints/{complaint_id}/conclusion"): (
            {"complaint_id": w["complaint"]}, {"outcome": "unsubstantiated"}, who({CA})),
        ("post", "/api/v1/complaints/{complaint_id}/closure"): (
            {"complaint_id": w["complaint"]}, {}, who({CA})),
        ("post", "/api/v1/complaints/{complaint_id}/identity-reveals"): (
            {"complaint_id": w["complaint"]}, {"reason": "核实投诉需要联系投诉人"}, who({CA})),
        ("post", "/api/v1/inspectors"): (
            {}, {"inspector_id": "INS-NEW", "name": "赵六", "agency": "MZJ-140522", "region_code": "140522",
                 "certificate_no": "ZF-9"}, who({CA})),  # the inspector's own agency or its superior
        ("post", "/api/v1/inspectors/{inspector_id}/conflicts"): (
            {"inspector_id": "INS-Z"}, {"uscc": F1, "reason": "近亲属在该机构任职"},
            who({CA, FIRE, MARKET})),  # civil affairs: INS-Z's line; fire, market: organisers with it
        ("post", "/api/v1/inspectors/{inspector_id}/decertification"): (
            {"inspector_id": "INS-Z"}, {"reason": "调离执法岗位"}, who({CA})),
        ("post", "/api/v1/spot-checks/campaigns"): (
            {}, {"name": "阳城县专项检查", "kind": "special", "agencies": INSIDE_CODES,
                 "region_prefix": "140522", "checklist": [{"code": "A1", "title": "消防通道"}]},
            who({CA, MARKET})),
        # commit–reveal (docs/draw.md): organisers only; after the fixture's draw each is a redraw
        ("post", "/api/v1/spot-checks/campaigns/{campaign_id}/commitment"): (
            {"campaign_id": w["campaign"]}, {"reason": "名录库更新后重新抽取"}, who({CA, MARKET})),
        ("post", "/api/v1/spot-checks/campaigns/{campaign_id}/draw"): (
            {"campaign_id": w["campaign"]}, {"visit_on": VISIT_ON}, who({CA, MARKET})),
        ("post", "/api/v1/spot-checks/campaigns/{campaign_id}/inspections/{uscc}/result"): (
            {"campaign_id": w["visited"], "uscc": F1},
            {"conclusion": "no_problem", "items": [{"code": "A1", "result": "pass"}]},
            who({CA})),
        ("post", "/api/v1/spot-checks/campaigns/{campaign_id}/inspections/{uscc}/publish"): (
            {"campaign_id": w["visited"], "uscc": F1}, {}, who({CA, MARKET})),
        ("post", "/api/v1/spot-checks/campaigns/{campaign_id}/inspections/{uscc}/publication-overdue"): (
            {"campaign_id": w["visited"], "uscc": F1}, {"today": today}, NOBODY),  # the clock only
        ("post", "/api/v1/fire-safety/cases"): (
            {}, {"uscc": F1, "finding_no": "XF-M-2", "category": "electrical", "location": "配电室"},
            who({FIRE})),  # civil affairs records findings from its spot checks only
        ("post", "/api/v1/fire-safety/cases/{case_id}/rectification-orders"): (
            {"case_id": w["case"]}, {"order_no": "ZG-M-1", "due_on": "2026-12-31"}, who({FIRE})),
        ("post", "/api/v1/fire-safety/cases/{case_id}/rectification-reports"): (
            {"case_id": w["case"]}, {}, who({FIRE, CA})),
        ("post", "/api/v1/fire-safety/cases/{case_id}/rejections"): (
            {"case_id": w["case"]}, {"inspection_no": "FC-M-1", "reasons": ["仍堵塞"]}, who({FIRE})),
        ("post", "/api/v1/fire-safety/cases/{case_id}/verifications"): (
            {"case_id": w["reported_case"]}, {"inspection_no": "FC-M-2"}, who({FIRE})),
        ("post", "/api/v1/fire-safety/cases/{case_id}/sealing"): (
            {"case_id": w["case"]}, {"decision_no": "CF-M-1"}, who({FIRE})),
        ("post", "/api/v1/fire-safety/cases/{case_id}/unsealing"): ({"case_id": w["case"]}, {}, who({FIRE})),
        ("post", "/api/v1/fire-safety/cases/{case_id}/overdue"): (
            {"case_id": w["case"]}, {"due_on": "2026-06-01", "today": today}, NOBODY),
        ("post", "/api/v1/prepaid/{uscc}/receipts"): (
            {"uscc": F1}, {"kind": "deposit", "resident_ref": "R-001", "amount_fen": 100000,
                           "monthly_bed_fee_fen": 300000}, who({CA, MARKET})),
        ("post", "/api/v1/prepaid/{uscc}/refunds"): (
            {"uscc": F1}, {"kind": "deposit", "resident_ref": "R-001", "amount_fen": 100}, who({CA, MARKET})),
        ("post", "/api/v1/prepaid/{uscc}/refunds-due"): (
            {"uscc": F1}, {"kind": "deposit", "resident_ref": "R-001", "amount_fen": 100,
                           "due_on": "2026-12-15"}, who({CA, MARKET})),
        ("post", "/api/v1/prepaid/{uscc}/custody-deposits"): (
            {"uscc": F1}, {"kind": "deposit", "amount_fen": 50000}, who({CA, MARKET})),
        ("post", "/api/v1/prepaid/{uscc}/refunds-due/{due_ref}/overdue"): (
            {"uscc": F1, "due_ref": "DUE-1"}, {"due_on": "2026-11-01", "today": today}, NOBODY),
        # duties of the supervised (docs/duties.md): incidents and interviews — civil affairs, fire,
        # market supervision; reports — civil affairs and market supervision; deadlines — the clock
        ("post", "/api/v1/incidents"): (
            {}, {"uscc": F1, "category": "fire", "severity": "general", "reporter": "regulator",
                 "occurred_at": "2026-11-25T08:00:00+08:00", "reported_at": "2026-11-25T09:00:00+08:00",
                 "summary": "厨房油锅起火，已扑灭"}, who({CA, FIRE, MARKET})),
        ("post", "/api/v1/incidents/{incident_id}/classification"): (
            {"incident_id": w["incident"]}, {"uscc": F1, "category": "serious_injury", "severity": "serious",
                                             "reason": "核实后更正"}, who({CA, FIRE, MARKET})),
        ("post", "/api/v1/incidents/{incident_id}/investigation"): (
            {"incident_id": w["incident"]}, {"uscc": F1, "authority": "阳城县应急管理局"},
            who({CA, FIRE, MARKET})),
        ("post", "/api/v1/incidents/{incident_id}/finding"): (
            {"incident_id": w["incident"]},
            {"uscc": F1, "authority": "阳城县应急管理局", "decision_no": "阳应急认〔2026〕3号",
             "responsibility": "secondary"},
            who({CA, FIRE, MARKET})),
        ("post", "/api/v1/duty-reports/reminders"): (
            {}, {**w["report"], "reference": "阳民催〔2026〕1号"}, who({CA, MARKET})),
        ("post", "/api/v1/duty-reports"): ({}, dict(w["report"]), who({CA, MARKET})),
        ("post", "/api/v1/duty-reports/missing"): ({}, {**w["report"], "today": today}, NOBODY),
        ("post", "/api/v1/duty-reports/grace-expiry"): ({}, {**w["report"], "today": today}, NOBODY),
        ("post", "/api/v1/interviews"): (
            {}, {"uscc": F1, "reason": "押金管理不规范", "scheduled_on": "2026-12-10",
                 "summoned_roles": ["legal_representative"]}, who({CA, FIRE, MARKET})),
        ("post", "/api/v1/interviews/{interview_id}/held"): (
            {"interview_id": w["interview_to_hold"]},
            {"uscc": F1, "attendees": [{"name": "王建国"}], "minutes": "承诺整改",
             "commitments": [{"item": "退还押金", "due_on": "2026-12-31"}]}, who({CA, FIRE, MARKET})),
        ("post", "/api/v1/interviews/{interview_id}/not-attended"): (
            {"interview_id": w["interview_missed"]}, {"uscc": F1, "note": "未到场"}, who({CA, FIRE, MARKET})),
        ("post", "/api/v1/interviews/{interview_id}/commitments/{no}/fulfilment"): (
            {"interview_id": w["interview_held"], "no": "1"}, {"uscc": F1, "evidence": "已退还押金凭证"},
            who({CA, FIRE, MARKET})),
        ("post", "/api/v1/interviews/{interview_id}/commitments/{no}/overdue"): (
            {"interview_id": w["interview_held"], "no": "2"}, {"uscc": F1, "today": today}, NOBODY),
        # the State Council's holiday schedule: a national administrator's act, no agency officer's
        ("post", "/api/v1/calendar/schedules"): (
            {}, {"year": 2028, "document_no": "国办发明电〔2027〕9号", "holidays": ["2028-01-01"]}, NOBODY),
        ("post", "/api/v1/credit/penalty-decisions"): (
            {}, {"uscc": F1, "decision_no": "阳民罚〔2026〕9号", "conduct": "fraud_fundraising",
                 "legal_basis": "《防范和处置非法集资条例》第三十条"}, who({CA, FIRE, MARKET})),
        ("post", "/api/v1/credit/listings"): (
            {}, {"uscc": F1, "criterion": "fraud_fundraising", "penalty_decision_no": w["decision"],
             "dedupe_key": "matrix-case"},
            who({CA}, LISTING_BUREAUS)),
        ("post", "/api/v1/credit/listings/{listing_id}/notice"): (
            {"listing_id": w["listing"]}, {"notice_no": "GZ-M-1"}, who({CA}, LISTING_BUREAUS)),
        ("post", "/api/v1/credit/listings/{listing_id}/objection"): (
            {"listing_id": w["listing"]}, {"summary": "已退还全部款项"}, who({CA}, LISTING_BUREAUS)),
        ("post", "/api/v1/credit/listings/{listing_id}/objection-decision"): (
            {"listing_id": w["listing"]}, {"decision": "rejected", "reasons": "证据确凿"},
            who({CA}, LISTING_BUREAUS)),
        ("post", "/api/v1/credit/listings/{listing_id}/confirmation"): (
            {"listing_id": w["noticed_listing"]}, {}, who({CA}, LISTING_BUREAUS)),
        ("post", "/api/v1/credit/listings/{listing_id}/credit-repair"): (
            {"listing_id": w["listing"]}, {"no_further_violation": True}, who({CA}, LISTING_BUREAUS)),
        ("post", "/api/v1/credit/listings/{listing_id}/removal"): (
            {"listing_id": w["proposed_listing"]}, {"reason": "withdrawn", "basis": "撤回"},
            who({CA}, LISTING_BUREAUS)),
        ("post", "/api/v1/agencies"): (
            {}, {"code": "MZJ-140523", "kind": "civil_affairs", "level": "county", "region_code": "140523",
                 "name": "阳城县以外"}, NOBODY),  # admins only
        ("post", "/api/v1/agencies/{code}/dissolution"): ({"code": "MZJ-140525"}, {"reason": "合并"}, NOBODY),
        ("post", "/api/v1/tokens"): (
            {}, {"user": "x", "agency": "MZJ-140522", "role": "civil_affairs"}, NOBODY),
        ("post", "/api/v1/tokens/{tid}/revocation"): ({"tid": w["token"]}, {"reason": "离职"}, NOBODY),
        # the decision was recorded by MZJ-140522: only it or its superiors (140500, 140000) revoke it
        ("post", "/api/v1/credit/penalty-decisions/{decision_no}/revocation"): (
            {"decision_no": w["decision"]}, {"reason": "行政复议撤销"}, who({CA})),
        ("post", "/api/v1/facilities/{uscc}/exit"): ({"uscc": F1}, {"reason": "停业"}, who({CA})),
    }


#: endpoints whose allowed requests all meet the state the fixture or an earlier case left (409), each
#: with the reason; every other endpoint someone may use must be carried out (2xx) at least once
STATE_ONLY = {
    ("post", "/api/v1/credit/listings/{listing_id}/credit-repair"): "only two full years after listing",
}


def expected_allow(expect: dict[str, Any], kind: str, level: str, where: str) -> bool:
    return where == "inside" and kind in expect["kinds"] and level in expect["levels"]


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Client, dict[str, str]]]:
    """One facility in 阳城县 with a fire case, a complaint, inspectors, a committed and drawn
    campaign of the nine agencies inside, an incident, a missing annual report, three interviews
    (one held with two commitments), a penalty decision recorded by the county bureau and a listing
    proposed on it; one token per identity."""
    assert len(INSIDE_CODES) <= MAX_AGENCIES  # the input bound a campaign's agencies must keep
    with fresh_pg_database() as url:
        container = make_container(url, tmp_path_factory.mktemp("matrix") / "var")
        container.clock.set(date(2026, 11, 26))
        container.start_projections()
        client = Client(container)
        for kind, level, where in IDENTITIES:
            prefix, role = KINDS[kind]
            code = f"{prefix}-{(INSIDE if where == 'inside' else OUTSIDE)[level]}"
            client.tokens[(kind, level, where)] = container.tokens.issue(Actor(f"{code}-officer", code, role))
        county = client.token_for(Actor("yc-officer", "MZJ-140522", "civil_affairs"))
        client.tokens["county"] = county

        def ok(r: Any) -> dict[str, Any]:
            assert r.status_code in (200, 201), r.json
            return r.json

        # registered in 2025: it owes its 2025 annual report (民办非营利: due 2026-05-31)
        ok(client.post("/api/v1/facilities", facility_payload(region_code="140522", occurred_on="2025-01-06"),
                       as_="admin"))
        case = ok(client.post("/api/v1/fire-safety/cases", {
            "uscc": F1, "finding_no": "XF-M-1", "category": "evacuation", "location": "疏散通道",
            "occurred_on": "2026-03-01"}, as_="admin"))["id"]
        complaint = ok(client.post("/api/v1/complaints", {
            "uscc": F1, "channel": "hotline_12345", "category": "fees", "summary": "押金不退",
            "complainant": {"name": "李四", "phone": "13800138000"}}, as_="admin"))["id"]
        for iid, agency in (("INS-A", "MZJ-140522"), ("INS-B", "MZJ-140500"), ("INS-C", "MZJ-140000"),
                            ("INS-Z", "MZJ-140522")):
            ok(client.post("/api/v1/inspectors", {
                "inspector_id": iid, "name": iid, "agency": agency, "region_code": "140522",
                "certificate_no": iid}, as_="admin"))
        campaign = ok(client.post("/api/v1/spot-checks/campaigns", {
            "name": "阳城县双随机", "kind": "annual", "agencies": INSIDE_CODES, "region_prefix": "140522",
            "sampling_ratios": ALL_DRAWN, "checklist": [{"code": "A1", "title": "消防通道"}]},
            as_="admin"))["data"]["campaign_id"]
        ok(client.post(f"/api/v1/spot-checks/campaigns/{campaign}/commitment", {}, as_="admin"))
        ok(client.post(f"/api/v1/spot-checks/campaigns/{campaign}/draw", {"visit_on": VISIT_ON}, as_="admin"))
        # a second campaign whose visits have started: results are recorded on or after the visit date
        visited = ok(client.post("/api/v1/spot-checks/campaigns", {
            "name": "阳城县双随机（已检查）", "kind": "annual", "agencies": INSIDE_CODES,
            "region_prefix": "140522", "sampling_ratios": ALL_DRAWN,
            "checklist": [{"code": "A1", "title": "消防通道"}]}, as_="admin"))["data"]["campaign_id"]
        ok(client.post(f"/api/v1/spot-checks/campaigns/{visited}/commitment", {}, as_="admin"))
        ok(client.post(f"/api/v1/spot-checks/campaigns/{visited}/draw", {"visit_on": "2026-11-26"},
                       as_="admin"))
        incident = ok(client.post("/api/v1/incidents", {
            "uscc": F1, "category": "serious_injury", "severity": "general",
            "occurred_at": "2026-11-20T10:00:00+08:00", "reported_at": "2026-11-20T15:00:00+08:00",
            "summary": "院民跌倒骨折"}, as_="admin"))["data"]["incident_id"]
        report = {"uscc": F1, "kind": "annual_report", "period": "2025"}
        ok(client.post("/api/v1/duty-reports/missing", {**report, "today": "2026-11-26"}, as_="system"))
        interviews = {}
        for name in ("interview_held", "interview_to_hold", "interview_missed"):
            interviews[name] = ok(client.post("/api/v1/interviews", {
                "uscc": F1, "reason": "投诉集中", "scheduled_on": "2026-11-20",
                "summoned_roles": ["person_in_charge"], "occurred_on": "2026-11-16"},
                as_="admin"))["data"]["interview_id"]
        ok(client.post(f"/api/v1/interviews/{interviews['interview_held']}/held", {
            "uscc": F1, "attendees": [{"name": "李芳"}], "minutes": "约谈记录", "occurred_on": "2026-11-20",
            "commitments": [{"item": "一个月内完成整改", "due_on": "2026-12-20"},
                            {"item": "整改消防通道", "due_on": "2026-11-24"}]}, as_="admin"))
        decision = "阳民罚〔2026〕1号"
        ok(client.post("/api/v1/credit/penalty-decisions", {
            "uscc": F1, "decision_no": decision, "conduct": "fraud_fundraising",
            "legal_basis": "《防范和处置非法集资条例》第三十条", "occurred_on": "2026-10-08"}, as_="county"))
        listing = ok(client.post("/api/v1/credit/listings", {
            "uscc": F1, "criterion": "fraud_fundraising", "penalty_decision_no": decision,
            "dedupe_key": "matrix-setup"}, as_="county"))["id"]
        listings = {}
        for name in ("noticed_listing", "proposed_listing"):  # for confirmation and for withdrawal
            listings[name] = ok(client.post("/api/v1/credit/listings", {
                "uscc": F1, "criterion": "fraud_fundraising", "penalty_decision_no": decision,
                "dedupe_key": f"matrix-{name}", "occurred_on": "2026-10-09"}, as_="county"))["id"]
        ok(client.post(f"/api/v1/credit/listings/{listings['noticed_listing']}/notice", {
            "notice_no": "GZ-M-0", "occurred_on": "2026-10-10"}, as_="county"))
        reported_case = ok(client.post("/api/v1/fire-safety/cases", {  # awaiting re-inspection
            "uscc": F1, "finding_no": "XF-M-3", "category": "evacuation", "location": "二楼走廊",
            "occurred_on": "2026-03-02"}, as_="admin"))["id"]
        ok(client.post(f"/api/v1/fire-safety/cases/{reported_case}/rectification-orders", {
            "order_no": "ZG-M-0", "due_on": "2026-04-30", "occurred_on": "2026-03-03"}, as_="admin"))
        ok(client.post(f"/api/v1/fire-safety/cases/{reported_case}/rectification-reports", {
            "occurred_on": "2026-04-20"}, as_="admin"))
        victim = container.tokens.issue(Actor("leaver", "MZJ-140522", "civil_affairs"))
        w = {"case": case, "complaint": complaint, "campaign": campaign, "visited": visited,
             "decision": decision,
             "listing": listing, "token": token_id(victim), "incident": incident, "report": report,
             "reported_case": reported_case, **interviews, **listings}
        try:
            yield client, w
        finally:
            container.close()


def write_endpoints(doc: dict[str, Any]) -> list[tuple[str, str]]:
    return [(m, p) for p, ops in doc["paths"].items() for m in ops if m in ("post", "put", "patch", "delete")]


def test_every_write_endpoint_answers_each_identity_as_its_jurisdiction_and_role_say(world):
    client, w = world
    doc = client.get("/api/openapi.json").json
    endpoints = write_endpoints(doc)
    table = cases(w)
    assert sorted(set(endpoints) - set(table)) == [], "write endpoints without a matrix case"
    figures: Counter[str] = Counter()
    wrong: list[str] = []
    done: set[tuple[str, str]] = set()  # endpoints some allowed identity actually carried out
    conflicts: dict[tuple[str, str], str] = {}  # the first 409 of each endpoint, to say why
    container = client.container
    for key, (params, body, expect) in table.items():
        if key not in endpoints:
            continue
        method, template = key
        path = template.format(**params)
        # deny first, then allow: state left by an allowed request never explains a denial
        order = sorted(IDENTITIES, key=lambda i: expected_allow(expect, *i))
        for identity in order:
            allow = expected_allow(expect, *identity)
            head = container.app.recorder.max_notification_id()
            r = getattr(client, method)(path, dict(body), as_=identity)
            error = r.json and r.json.get("error")
            label = f"{method.upper()} {template} as {identity}: {r.status_code} {error}"
            if allow:
                figures["allow"] += 1
                if r.status_code not in (200, 201, 409):
                    wrong.append("expected allow — " + label)
            else:
                figures["deny"] += 1
                if r.status_code != 403:
                    wrong.append("expected 403 — " + label)
                elif container.app.recorder.max_notification_id() != head:
                    wrong.append("denied but wrote events — " + label)
            figures[f"status {r.status_code}"] += 1
            if allow and r.status_code in (200, 201):
                done.add(key)
            elif allow:
                conflicts.setdefault(key, label)
    figures["endpoints"], figures["identities"] = len(table), len(IDENTITIES)
    print("authorization matrix:", dict(figures))
    Path("/tmp").joinpath("authz-matrix-figures.txt").write_text(str(dict(figures)))
    assert wrong == [], "\n".join(wrong)
    # an endpoint whose every allowed request met a 409 would show a broken world, not authorisation
    never = sorted(k for k, (_, _, expect) in table.items()
                   if expect["kinds"] and k not in done and k not in STATE_ONLY)
    assert never == [], "\n".join(conflicts.get(k, str(k)) for k in never)
    assert figures["allow"] + figures["deny"] == len(table) * len(IDENTITIES)


def test_a_duties_record_outside_the_jurisdiction_is_not_reached_by_naming_a_facility_inside(world):
    """Incidents and interviews are addressed by id, but their commands name the facility (`uscc`),
    which the jurisdiction rule checks: naming a facility inside for a record of one outside is 404
    (the record is not that facility's), naming the record's own facility is 403; neither writes."""
    client, _ = world
    container = client.container
    outside_uscc = "91350102MA2Y4Y1X7C"
    r = client.post("/api/v1/facilities", facility_payload(uscc=outside_uscc, region_code="350102",
                                                           occurred_on="2025-03-03"), as_="admin")
    assert r.status_code == 201, r.json
    incident = client.post("/api/v1/incidents", {
        "uscc": outside_uscc, "category": "fire", "severity": "general",
        "occurred_at": "2026-11-24T08:00:00+08:00", "reported_at": "2026-11-24T09:00:00+08:00",
        "summary": "配电箱冒烟"}, as_="admin").json["data"]["incident_id"]
    interview = client.post("/api/v1/interviews", {
        "uscc": outside_uscc, "reason": "消防隐患", "scheduled_on": "2026-11-20",
        "summoned_roles": ["person_in_charge"], "occurred_on": "2026-11-16"},
        as_="admin").json["data"]["interview_id"]
    acts = [(f"/api/v1/incidents/{incident}/classification",
             {"category": "fire", "severity": "serious", "reason": "更正"}),
            (f"/api/v1/incidents/{incident}/investigation", {"authority": "福州市鼓楼区应急管理局"}),
            (f"/api/v1/interviews/{interview}/not-attended", {"note": "未到场"})]
    for kind in KINDS:
        inside = (kind, "county", "inside")  # 阳城县: F1 is theirs, the records are 福州's
        for path, body in acts:
            head = container.app.recorder.max_notification_id()
            posing = client.post(path, {**body, "uscc": F1}, as_=inside)
            assert posing.status_code == 404, (kind, path, posing.json)
            honest = client.post(path, {**body, "uscc": outside_uscc}, as_=inside)
            assert honest.status_code == 403 and "jurisdiction rule" in honest.json["error"], honest.json
            assert container.app.recorder.max_notification_id() == head
