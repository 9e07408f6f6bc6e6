"""Non-public reads are scoped like commands (issue 10), over HTTP on PostgreSQL.

The secured GET endpoints are taken from `/api/openapi.json`, not from a hand list: a new secured
read fails here until it is scoped (or its exemption is written down below with its reason).
A 晋城 story (1405xx) is recorded through the real endpoints; the Beijing municipal bureau
(MZJ-110000) then reads every secured endpoint and sees none of it (empty lists with honest totals,
403 naming the jurisdiction rule on single reads), while the 晋城 city bureau (MZJ-140500) sees it.
"""

from __future__ import annotations

import re

import pytest

from supervision.domain.values import Actor
from tests.e2e.duties_support import USCC, at, register, settle
from tests.e2e.test_credit_lists_http import listed_by_hand
from tests.e2e.test_spot_checks_http import certify, draw_campaign, plan

API = "/api/v1"
BJ, JC = "bj", "jc"  # token names: the Beijing municipal bureau, the 晋城 city bureau

#: secured GETs that hold no facility's records, so there is nothing to scope (with the reason)
NOT_FACILITY_DATA = {
    "/api/v1/agencies": "the agency registry: public bodies, no facility data",
    "/api/v1/agencies/{code}": "the agency registry: public bodies, no facility data",
}
#: secured GETs where this story leaves the 晋城 bureau nothing to see either (the reason)
EMPTY_FOR_BOTH = {
    "/api/v1/prepaid/risk-signals": "no illegal fund-raising signal is raised in this story",
}


def secured_gets(client) -> list[str]:
    """Paths whose GET requires a bearer token (no anonymous alternative), from the OpenAPI doc."""
    doc = client.get("/api/openapi.json").json
    out = []
    for path, ops in doc["paths"].items():
        security = (ops.get("get") or {}).get("security", doc.get("security")) or []
        if security and {} not in security:
            out.append(path)
    return sorted(out)


@pytest.fixture
def story(pg_client) -> dict[str, str]:
    """Every kind of non-public record, for one 晋城 facility (region 140502), written by 晋城's
    own bureaus; returns the path parameters that name them."""
    client = pg_client
    for role, code in (("civil_affairs", "MZJ-140500"), ("fire", "XFJY-140500"), ("market", "SCJG-140500")):
        client.tokens[role] = client.container.tokens.issue(Actor(f"{role}-jc", code, role))
    client.tokens[JC] = client.tokens["civil_affairs"]
    client.tokens[BJ] = client.container.tokens.issue(Actor("mz-bj", "MZJ-110000", "civil_affairs"))

    at(client, "2026-05-01")
    register(client)
    r = client.post(f"{API}/facilities/{USCC}/grade-assessments", {
        "level": 3, "score": 600, "assessing_body": "晋城市民政局", "certificate_no": "JC-1",
        "occurred_on": "2026-05-01"})
    assert r.status_code == 201, r.json
    r = client.post(f"{API}/fire-safety/cases", {
        "uscc": USCC, "finding_no": "XF-2026-017", "category": "evacuation", "location": "3号楼疏散通道",
        "major": False, "order_no": "XFZG-2026-017", "due_on": "2026-06-01", "occurred_on": "2026-05-01"},
        as_="fire")
    assert r.status_code == 201, r.json
    case_id = r.json["id"]
    listing_id = listed_by_hand(client, "晋城民罚决字〔2026〕14号")  # clock now 2026-06-23

    at(client, "2026-11-30")
    r = client.post(f"{API}/complaints", {
        "uscc": USCC, "channel": "hotline_12345", "category": "abuse_cheating",
        "summary": "家属反映护理员呵斥老人", "occurred_on": "2026-11-26",
        "complainant": {"name": "赵秀兰", "id_number": "11010519491231002X", "phone": "13912345678"}})
    assert r.status_code == 201, r.json
    complaint_id = r.json["data"]["complaint_id"]
    r = client.post(f"{API}/incidents", {
        "uscc": USCC, "category": "fire", "severity": "general", "occurred_at": "2026-11-20T08:00:00+08:00",
        "reported_at": "2026-11-20T09:30:00+08:00", "summary": "厨房油锅起火，已扑灭", "injuries": 0,
        "residents": []})
    assert r.status_code == 201, r.json
    incident_id = r.json["data"]["incident_id"]
    r = client.post(f"{API}/interviews", {
        "uscc": USCC, "reason": "投诉属实，整改迟缓", "scheduled_on": "2026-12-10",
        "summoned_roles": ["legal_representative"], "place": "市民政局302会议室",
        "notice_no": "晋民约〔2026〕9号", "occurred_on": "2026-11-27"})
    assert r.status_code == 201, r.json
    interview_id = r.json["data"]["interview_id"]
    r = client.post(f"{API}/duty-reports", {"uscc": USCC, "kind": "annual_report", "period": "2025",
                                            "occurred_on": "2026-03-10"})
    assert r.status_code == 201, r.json
    r = client.post(f"{API}/prepaid/{USCC}/receipts", {
        "kind": "deposit", "resident_ref": "R-0001", "amount_fen": 3_700_000, "monthly_bed_fee_fen": 300_000,
        "receipt_no": "SJ-0001", "occurred_on": "2026-11-01"}, as_="market")
    assert r.status_code == 201 and r.json["data"]["violations"], r.json
    certify(client, "MZ-JC1")
    certify(client, "MZ-JC2")
    campaign_id = plan(client, "JC-2026-01")
    r = draw_campaign(client, campaign_id)
    assert r.status_code == 201, r.json
    settle(client)
    return {"uscc": USCC, "complaint_id": complaint_id, "case_id": case_id, "incident_id": incident_id,
            "interview_id": interview_id, "listing_id": listing_id, "campaign_id": campaign_id,
            "inspector_id": "MZ-JC1", "decision_no": "晋城民罚决字〔2026〕14号", "name": "joint-punishment"}


def _url(path: str, ids: dict[str, str]) -> str:
    url = re.sub(r"\{(\w+)\}", lambda m: ids[m.group(1)], path)
    return url + (f"?uscc={USCC}" if path.endswith("/rating-levels") else "")


def test_a_bureau_reads_only_records_of_facilities_in_its_jurisdiction(pg_client, story):
    client, ids = pg_client, story
    markers = [v for k, v in ids.items() if k != "name"]
    paths = [p for p in secured_gets(client) if p not in NOT_FACILITY_DATA]
    assert "/api/v1/complaints" in paths and "/api/v1/spot-checks/campaigns/{campaign_id}" in paths
    for path in paths:
        url = _url(path, ids)
        theirs = client.get(url, as_=JC)
        assert theirs.status_code == 200, (url, theirs.json)
        if path not in EMPTY_FOR_BOTH:
            assert any(m in theirs.get_data(as_text=True) for m in markers), (url, theirs.json)

        outside = client.get(url, as_=BJ)
        if "{" in path and not path.endswith("/{name}"):  # a single record: refused by the rule
            assert outside.status_code == 403, (url, outside.status_code, outside.json)
            assert "jurisdiction rule" in outside.json["error"] and "MZJ-110000" in outside.json["error"]
        else:  # a list: answered, with none of 晋城's records and an honest total
            assert outside.status_code == 200, (url, outside.json)
            body = outside.get_data(as_text=True)
            assert not [m for m in markers if m in body], (url, outside.json)
            if isinstance(outside.json, dict) and "total" in outside.json:
                assert outside.json["total"] == 0, (url, outside.json)


def test_a_national_agency_still_reads_every_region(pg_client, story):
    """MZB-100000 (民政部) and ADMIN-100000 cover every region: the 晋城 records are in their lists."""
    pg_client.tokens["national"] = pg_client.container.tokens.issue(
        Actor("mz-officer-2", "MZB-100000", "civil_affairs"))
    for path, marker in (("/api/v1/complaints", story["complaint_id"]),
                         ("/api/v1/incidents", story["incident_id"]),
                         ("/api/v1/credit/listings", story["listing_id"]),
                         ("/api/v1/spot-checks/campaigns", story["campaign_id"]),
                         ("/api/v1/inspectors", story["inspector_id"])):
        for who in ("national", "admin"):
            r = pg_client.get(path, as_=who)
            assert r.status_code == 200 and marker in r.get_data(as_text=True), (path, who, r.json)
    page = pg_client.get("/api/v1/complaints", as_="national").json
    assert page["total"] == 1 and page["items"][0]["uscc"] == story["uscc"]
