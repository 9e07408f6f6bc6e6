"""The console's forms for 双随机、一公开 spot checks, fire-safety findings and rectification, penalty
decisions and the credit-listing procedure speak Chinese too: their refusals (marshmallow's, the
domain's, the campaign, attribution and jurisdiction rules, the listing procedure's steps) are shown
through `supervision.console.messages`.

`bad_submissions` are the bad values a regulator may enter on those forms, on the state
`add_forms_state` builds; `tests/e2e/test_console_messages.py` submits them with its own to prove that
every rule matches a message the system really produces. Here: no console form leaves a message in
English. Flask's client on PostgreSQL, as tests/e2e/test_console_cap_preview.py."""

from __future__ import annotations

import html
import json
import re

import pytest
from marshmallow import fields as mfields
from marshmallow import validate

from supervision.console.pages import COMMANDS
from supervision.domain.uscc import with_check_character
from supervision.domain.values import Actor
from tests.e2e.test_console_cap_preview import F1, TAIYUAN, UNREGISTERED, city
from tests.e2e.test_console_session import csrf_of, signed_in
from tests.e2e.test_credit_lists_http import settle
from tests.support import facility_payload

__all__ = ["city"]  # the fixture

F2 = with_check_character("52140502MJ0000005")
CHECKLIST = [{"code": "FS-01", "title": "消防设施器材完好有效"},
             {"code": "SV-01", "title": "服务合同与收费公示"}]
ALL_100 = {"key": 100, "D": 100, "C": 100, "B": 100, "A": 100}
DECISION = "晋城民罚决字〔2026〕12号"


def _ok(r) -> dict:
    assert r.status_code == 201, r.json
    return r.json


def _listing(client, uscc: str, decision_no: str) -> str:
    settle(client)
    items = client.get(f"/api/v1/credit/listings?uscc={uscc}", as_="civil_affairs").json["items"]
    [row] = [r for r in items if r["penalty_decision_no"] == decision_no]
    return row["listing_id"]


def add_forms_state(client) -> dict[str, str]:
    """On top of `city` (晋城市城区, 2026-11-23): the city's fire bureau, a second facility, two
    inspectors, a planned and a drawn 双随机 campaign (F1's result recorded), fire cases (one ordered,
    one reported and sealed), a penalty decision and listings in each state of the procedure."""
    client.tokens["fire"] = client.token_for(Actor("xf-jc", "XFJY-140500", "fire"))
    client.tokens["market"] = client.token_for(Actor("sc-jc", "SCJG-140500", "market"))
    _ok(client.post("/api/v1/facilities", facility_payload(uscc=F2, region_code="140502",
                                                           occurred_on="2024-03-01"), as_="admin"))
    for iid in ("MZ-A", "MZ-B"):
        _ok(client.post("/api/v1/inspectors", {
            "inspector_id": iid, "name": f"检查员{iid}", "agency": "MZJ-140500", "region_code": "140500",
            "certificate_no": f"晋执{iid}", "occurred_on": "2025-01-10"}))
    ids = {}
    for ref in ("SC-2026-01", "SC-2026-02"):
        ids[ref] = _ok(client.post("/api/v1/spot-checks/campaigns", {
            "reference": ref, "name": f"双随机抽查 {ref}", "kind": "annual", "agencies": ["MZJ-140500"],
            "region_prefix": "140502", "checklist": CHECKLIST, "sampling_ratios": ALL_100,
            "occurred_on": "2026-11-01"}))["data"]["campaign_id"]
    drawn = ids["SC-2026-02"]
    campaigns = "/api/v1/spot-checks/campaigns"
    for campaign in (ids["SC-2026-01"], drawn):  # the first committed, not drawn
        _ok(client.post(f"{campaigns}/{campaign}/commitment", {"occurred_on": "2026-11-02"}))
    _ok(client.post(f"{campaigns}/{drawn}/draw", {"occurred_on": "2026-11-02", "visit_on": "2026-11-05"}))
    _ok(client.post(f"{campaigns}/{drawn}/inspections/{F1}/result", {
        "conclusion": "no_problem", "items": [{"code": "FS-01", "result": "pass"},
                                              {"code": "SV-01", "result": "pass"}],
        "evidence": ["现场检查记录 001"], "completed_on": "2026-11-06", "occurred_on": "2026-11-06"}))
    cases = "/api/v1/fire-safety/cases"
    case = _ok(client.post(cases, {
        "uscc": F1, "finding_no": "XF-2026-001", "category": "evacuation", "location": "2号楼二层疏散走道",
        "order_no": "XFZG-2026-001", "due_on": "2026-12-10", "occurred_on": "2026-11-10"}, as_="fire"))["id"]
    reported = _ok(client.post(cases, {
        "uscc": F2, "finding_no": "XF-2026-002", "category": "evacuation", "location": "1号楼楼梯间",
        "order_no": "XFZG-2026-002", "due_on": "2026-12-10", "occurred_on": "2026-11-10"}, as_="fire"))["id"]
    _ok(client.post(f"{cases}/{reported}/rectification-reports", {"occurred_on": "2026-11-12"}, as_="fire"))
    _ok(client.post(f"{cases}/{reported}/sealing", {"decision_no": "XFCF-2026-1",
                                                    "occurred_on": "2026-11-12"},
                    as_="fire"))
    penalties = "/api/v1/credit/penalty-decisions"
    listings = "/api/v1/credit/listings"
    for uscc, no, conduct, on in ((F1, DECISION, "abuse_cheating", "2026-11-10"),
                                  (F2, "晋城民罚决字〔2026〕20号", "abuse_cheating", "2026-11-02"),
                                  (F2, "晋城民罚决字〔2026〕21号", "fraud_fundraising", "2026-11-02"),
                                  (F2, "晋城民罚决字〔2026〕22号", "subsidy_fraud", "2026-11-20")):
        _ok(client.post(penalties, {"uscc": uscc, "decision_no": no, "authority_kind": "civil_affairs",
                                    "conduct": conduct, "legal_basis": "《养老机构管理办法》第四十六条",
                                    "occurred_on": on}))
    closed = _listing(client, F2, "晋城民罚决字〔2026〕20号")  # notice served, window closed
    listed = _listing(client, F2, "晋城民罚决字〔2026〕21号")
    window = _listing(client, F2, "晋城民罚决字〔2026〕22号")  # notice served, window open
    for lid, on in ((closed, "2026-11-03"), (listed, "2026-11-03"), (window, "2026-11-23")):
        _ok(client.post(f"{listings}/{lid}/notice", {"notice_no": f"告知-{on}", "occurred_on": on}))
    _ok(client.post(f"{listings}/{listed}/confirmation", {"occurred_on": "2026-11-23"}))
    settle(client)
    return {"planned": ids["SC-2026-01"], "drawn": drawn, "case": case, "reported": reported,
            "proposed": _listing(client, F1, DECISION), "closed": closed, "listed": listed, "window": window}


@pytest.fixture
def town(city):
    client, tokens, complaint = city
    tokens = {**tokens, "xf": client.token_for(Actor("xf-jc", "XFJY-140500", "fire"))}
    return client, tokens, complaint, add_forms_state(client)


def act(http, command: str, data: dict[str, str]):
    csrf = csrf_of(http, "/console/today")
    return http.post(f"/console/act/{command}", data={**data, "csrf_token": csrf})


def bad_submissions(s: dict[str, str]) -> list[tuple[str, str, dict[str, str]]]:
    """(who, command, form): bad values on the forms of spot checks, fire safety and credit."""
    P, D, C, L = s["planned"], s["drawn"], s["case"], s["proposed"]
    R = s["reported"]
    plan = {"reference": "SC-2026-09", "name": "年度抽查", "kind": "annual", "agencies": "MZJ-140500",
            "region_prefix": "1405", "checklist": json.dumps(CHECKLIST, ensure_ascii=False)}
    finding = {"uscc": F1, "finding_no": "XF-2026-002", "category": "evacuation", "location": "1号楼"}
    result = {"campaign_id": D, "uscc": F2, "conclusion": "no_problem"}
    penalty = {"uscc": F1, "decision_no": "晋城民罚决字〔2026〕13号", "conduct": "abuse_cheating",
               "legal_basis": "第四十六条"}
    zero = "00000000-0000-0000-0000-000000000000"

    def items(*rows: tuple[str, ...]) -> str:
        return json.dumps([dict(zip(("code", "result", "severity"), row, strict=False)) for row in rows])

    return [
        # spot checks
        ("mz", "plan_spot_check_campaign", {}),
        ("mz", "plan_spot_check_campaign", {**plan, "reference": "SC-2026-01"}),
        ("mz", "plan_spot_check_campaign", {**plan, "agencies": "MZJ-140500, MZJ-140500"}),
        ("mz", "plan_spot_check_campaign", {**plan, "agencies": "民政局"}),
        ("mz", "plan_spot_check_campaign", {**plan, "region_prefix": "1"}),
        ("mz", "plan_spot_check_campaign", {**plan, "region_prefix": "1401"}),
        ("mz", "plan_spot_check_campaign", {**plan, "checklist": "[]"}),
        ("mz", "plan_spot_check_campaign", {**plan,
                                            "checklist": json.dumps([{"code": "FS-01", "title": "a"},
                                                                       {"code": "FS-01", "title": "b"}])}),
        ("mz", "plan_spot_check_campaign", {**plan, "checklist": '[{"code": "FS 01", "title": "a"}]'}),
        ("mz", "plan_spot_check_campaign", {**plan, "checklist": '[{"code": "FS-01"}]'}),
        ("mz", "plan_spot_check_campaign", {**plan, "checklist": '{"code": "FS-01"}'}),
        ("mz", "plan_spot_check_campaign", {**plan,
                                            "checklist": '[{"code": "FS-01", "title": "a", "x": 1}]'}),
        ("mz", "plan_spot_check_campaign", {**plan, "sampling_ratios": '{"A": 150}'}),
        ("mz", "plan_spot_check_campaign", {**plan, "sampling_ratios": '{"E": 10}'}),
        ("mz", "plan_spot_check_campaign", {**plan, "inspectors_per_facility": "1"}),
        ("mz", "plan_spot_check_campaign", {**plan, "occurred_on": "2099-01-01"}),
        ("mz", "plan_spot_check_campaign", {**plan, "agencies": "MZJ-140100"}),
        ("mz", "plan_spot_check_campaign", {**plan, "agencies": "XFJY-140500"}),
        ("sc", "plan_spot_check_campaign", {**plan}),
        ("xf", "plan_spot_check_campaign", {**plan}),
        ("mz", "certify_inspector", {"inspector_id": "MZ-C", "name": "检查员丙", "agency": "MZJ-140500",
                                     "region_code": "140105", "certificate_no": "晋执MZ-C"}),
        ("mz", "commit_spot_check_seed", {}),
        ("mz", "commit_spot_check_seed", {"campaign_id": "abc"}),
        ("mz", "commit_spot_check_seed", {"campaign_id": zero}),
        ("mz", "commit_spot_check_seed", {"campaign_id": P, "occurred_on": "2026-10-01"}),
        ("mz", "commit_spot_check_seed", {"campaign_id": D}),
        ("mz", "commit_spot_check_seed", {"campaign_id": D, "reason": "重新抽取"}),
        ("sc", "commit_spot_check_seed", {"campaign_id": P}),
        ("mz", "draw_spot_check", {"campaign_id": P}),
        ("mz", "draw_spot_check", {"campaign_id": P, "visit_on": "2026-11-20"}),
        ("mz", "draw_spot_check", {"campaign_id": D, "visit_on": "2026-11-30"}),
        ("mz", "draw_spot_check", {"campaign_id": D, "visit_on": "2026-11-01"}),
        ("mz", "draw_spot_check", {"campaign_id": D, "visit_on": "2036-11-01"}),
        ("mz", "record_spot_check_result", {}),
        ("mz", "record_spot_check_result", {"campaign_id": D, "uscc": F1, "conclusion": "no_problem"}),
        ("mz", "record_spot_check_result", result),
        ("mz", "record_spot_check_result", {**result, "items": items(("FS-01", "pass"))}),
        ("mz", "record_spot_check_result", {**result, "items": items(("XX-01", "pass"))}),
        ("mz", "record_spot_check_result", {**result, "items": items(("FS-01", "fail"))}),
        ("mz", "record_spot_check_result", {**result, "items": items(("FS-01", "fail", "minor"), ("SV-01",
                                                                                                  "pass"))}),
        ("mz", "record_spot_check_result", {"campaign_id": D, "uscc": F2, "conclusion": "problems_follow_up",
                                            "items": items(("FS-01", "pass"), ("SV-01", "pass"))}),
        ("mz", "record_spot_check_result", {**result, "items": items(("FS-01", "pass", "minor"), ("SV-01",
                                                                                                  "pass"))}),
        ("mz", "record_spot_check_result", {**result, "items": items(("FS-01", "pass"), ("FS-01", "pass"))}),
        ("mz", "record_spot_check_result", {**result, "items": items(("FS-01", "maybe"))}),
        ("mz", "record_spot_check_result", {**result, "completed_on": "2026-11-03"}),
        ("mz", "record_spot_check_result", {**result, "completed_on": "2026-11-20",
                                            "occurred_on": "2026-11-10"}),
        ("mz", "record_spot_check_result", {"campaign_id": P, "uscc": F2, "conclusion": "no_problem"}),
        ("mz", "record_spot_check_result", {"campaign_id": D, "uscc": TAIYUAN, "conclusion": "no_problem"}),
        ("mz", "record_spot_check_result", {"campaign_id": D, "uscc": UNREGISTERED,
                                            "conclusion": "no_problem"}),
        ("sc", "record_spot_check_result", result),
        ("mz", "publish_spot_check_result", {}),
        ("mz", "publish_spot_check_result", {"campaign_id": D, "uscc": F2}),
        ("mz", "publish_spot_check_result", {"campaign_id": D, "uscc": F1, "occurred_on": "2026-11-05"}),
        ("mz", "publish_spot_check_result", {"campaign_id": P, "uscc": F1}),
        ("sc", "publish_spot_check_result", {"campaign_id": D, "uscc": F1}),
        # fire safety
        ("xf", "record_fire_finding", {}),
        ("xf", "record_fire_finding", {**finding, "finding_no": "XF-2026-001"}),
        ("xf", "record_fire_finding", {**finding, "major": "true"}),
        ("xf", "record_fire_finding", {**finding, "order_no": "XFZG-1"}),
        ("xf", "record_fire_finding", {**finding, "due_on": "2026-12-01"}),
        ("xf", "record_fire_finding", {**finding, "order_no": "XFZG-1", "due_on": "2026-11-01"}),
        ("xf", "record_fire_finding", {**finding, "occurred_on": "2099-01-01"}),
        ("xf", "record_fire_finding", {**finding, "category": "weather"}),
        ("xf", "record_fire_finding", {**finding, "uscc": TAIYUAN}),
        ("xf", "record_fire_finding", {**finding, "uscc": UNREGISTERED}),
        ("xf", "record_fire_finding", {**finding, "origin": "spot_check"}),
        ("xf", "record_fire_finding", {**finding, "public_summary": "联系人 13912345678"}),
        ("mz", "record_fire_finding", {**finding}),
        ("sc", "record_fire_finding", {**finding}),
        ("xf", "order_rectification", {}),
        ("xf", "order_rectification", {"case_id": C}),
        ("xf", "order_rectification", {"case_id": C, "order_no": "XFZG-2", "due_on": "2026-11-01"}),
        ("xf", "order_rectification", {"uscc": F1, "order_no": "XFZG-2", "due_on": "2026-12-30"}),
        ("xf", "order_rectification", {"uscc": F1, "finding_no": "XF-9", "order_no": "XFZG-2",
                                       "due_on": "2026-12-30"}),
        ("xf", "order_rectification", {"case_id": zero, "order_no": "X", "due_on": "2026-12-30"}),
        ("xf", "order_rectification", {"case_id": C, "order_no": "XFZG-2", "due_on": "2026-12-30",
                                       "occurred_on": "2026-11-01"}),
        ("xf", "report_rectification", {"case_id": C, "occurred_on": "2026-11-01"}),
        ("xf", "report_rectification", {"case_id": C, "reported_by": "neighbour"}),
        ("xf", "verify_rectification", {"case_id": C, "inspection_no": "FC-1"}),
        ("xf", "verify_rectification", {"case_id": C}),
        ("xf", "reject_rectification", {"case_id": C, "inspection_no": "FC-1", "reasons": "未整改"}),
        ("xf", "reject_rectification", {"case_id": C, "inspection_no": "FC-1"}),
        ("xf", "seal_premises", {"case_id": C}),
        ("xf", "unseal_premises", {"case_id": C}),
        ("mz", "order_rectification", {"case_id": C, "order_no": "XFZG-2", "due_on": "2026-12-30"}),
        # credit
        ("mz", "record_penalty_decision", {}),
        ("mz", "record_penalty_decision", {"uscc": F1, "decision_no": "晋城民罚决字〔2026〕12号",
                                           "conduct": "abuse_cheating",
                                           "legal_basis": "第四十六条"}),
        ("mz", "record_penalty_decision", {**penalty, "fine_fen": "-1"}),
        ("mz", "record_penalty_decision", {**penalty, "evidence": "abc"}),
        ("mz", "record_penalty_decision", {**penalty, "evidence": zero + ":1"}),
        ("mz", "record_penalty_decision", {**penalty, "authority_kind": "fire"}),
        ("mz", "record_penalty_decision", {**penalty, "authority": "XFJY-140500"}),
        ("mz", "record_penalty_decision", {"uscc": TAIYUAN, "decision_no": "晋城民罚决字〔2026〕13号",
                                           "conduct": "abuse_cheating",
                                           "legal_basis": "第四十六条"}),
        ("mz", "record_penalty_decision", {**penalty, "conduct": "weather",
                                           "legal_basis": "第四十六条"}),
        ("mz", "record_penalty_decision", {**penalty, "occurred_on": "2099-01-01"}),
        ("mz", "revoke_penalty_decision", {}),
        ("mz", "revoke_penalty_decision", {"decision_no": "不存在〔2026〕1号", "reason": "复议撤销"}),
        ("sc", "revoke_penalty_decision", {"decision_no": "晋城民罚决字〔2026〕12号", "reason": "复议撤销"}),
        ("mz", "revoke_penalty_decision", {"decision_no": "晋城民罚决字〔2026〕12号", "reason": "复议撤销",
                                           "occurred_on": "2026-11-01"}),
        ("mz", "propose_listing", {}),
        ("mz", "propose_listing", {"uscc": F1, "criterion": "abuse_cheating"}),
        ("mz", "propose_listing", {"uscc": F1, "criterion": "abuse_cheating",
                                   "penalty_decision_no": "晋城民罚决字〔2026〕12号"}),
        ("mz", "propose_listing", {"uscc": F1, "criterion": "abuse_cheating",
                                   "penalty_decision_no": "不存在〔2026〕1号"}),
        ("mz", "propose_listing", {"uscc": F1, "criterion": "refused_inspection",
                                   "list_kind": "joint_punishment",
                                   "reason": "拒绝检查"}),
        ("mz", "propose_listing", {"uscc": TAIYUAN, "criterion": "abuse_cheating", "reason": "拒绝检查"}),
        ("mz", "propose_listing", {"uscc": F1, "criterion": "abuse_cheating",
                                   "responsible_persons": '{"name": "张三"}'}),
        ("sc", "propose_listing", {"uscc": F1, "criterion": "abuse_cheating"}),
        ("mz", "serve_listing_notice", {}),
        ("mz", "serve_listing_notice", {"listing_id": "abc", "notice_no": "告知-01"}),
        ("mz", "serve_listing_notice", {"listing_id": zero, "notice_no": "告知-01"}),
        ("mz", "serve_listing_notice", {"listing_id": L, "notice_no": "告知-01",
                                        "occurred_on": "2026-11-01"}),
        ("mz", "file_listing_objection", {"listing_id": L, "summary": "不服"}),
        ("mz", "decide_listing_objection", {"listing_id": L, "decision": "upheld", "reasons": "理由"}),
        ("mz", "decide_listing_objection", {"listing_id": L, "decision": "maybe", "reasons": "理由"}),
        ("mz", "confirm_listing", {"listing_id": L}),
        ("mz", "repair_listing_credit", {"listing_id": L}),
        ("mz", "file_listing_objection", {"listing_id": s["closed"], "summary": "不服"}),
        ("mz", "confirm_listing", {"listing_id": s["window"]}),
        ("mz", "repair_listing_credit", {"listing_id": s["listed"]}),
        ("mz", "repair_listing_credit", {"listing_id": s["listed"], "no_further_violation": "true"}),
        ("mz", "file_listing_objection", {"listing_id": s["listed"], "summary": "不服"}),
        ("mz", "remove_listing", {"listing_id": s["listed"], "reason": "withdrawn", "basis": "撤回"}),
        ("xf", "record_fire_finding", {**finding, "major_criterion": "GB 35181-2017 6.3"}),
        ("xf", "order_rectification", {"case_id": C, "order_no": "XFZG-3", "due_on": "2026-11-15",
                                       "occurred_on": "2026-11-20"}),
        ("xf", "reject_rectification", {"case_id": R, "inspection_no": "FC-2", "reasons": "未整改",
                                        "new_due_on": "2026-12-30"}),
        ("xf", "seal_premises", {"case_id": R, "decision_no": "XFCF-2026-2"}),
        ("xf", "unseal_premises", {"case_id": R, "occurred_on": "2026-11-11"}),
        ("mz", "remove_listing", {"listing_id": L}),
        ("sc", "serve_listing_notice", {"listing_id": L, "notice_no": "告知-01"}),
        # dated before what they rest on: the facility's registration (2024-03-01), the commitment, the
        # draw, the report, the penalty decision
        ("xf", "record_fire_finding", {**finding, "occurred_on": "2024-01-01"}),
        ("mz", "record_penalty_decision", {**penalty, "occurred_on": "2024-01-01"}),
        ("mz", "propose_listing", {"uscc": F1, "criterion": "refused_inspection",
                                   "list_kind": "joint_punishment", "reason": "拒绝检查",
                                   "occurred_on": "2024-01-01"}),
        ("mz", "propose_listing", {"uscc": F2, "criterion": "subsidy_fraud", "occurred_on": "2026-11-19",
                                   "penalty_decision_no": "晋城民罚决字〔2026〕22号", "dedupe_key": "K-1"}),
        ("mz", "propose_listing", {"uscc": F2, "criterion": "abuse_cheating", "dedupe_key": "K-2",
                                   "penalty_decision_no": "晋城民罚决字〔2026〕22号"}),
        ("mz", "propose_listing", {"uscc": F1, "criterion": "subsidy_fraud", "dedupe_key": "K-3",
                                   "penalty_decision_no": "晋城民罚决字〔2026〕22号"}),
        ("mz", "draw_spot_check", {"campaign_id": P, "visit_on": "2026-11-20", "occurred_on": "2026-11-01"}),
        ("mz", "commit_spot_check_seed", {"campaign_id": D, "reason": "重新抽取",
                                          "occurred_on": "2026-11-01"}),
        ("xf", "verify_rectification", {"case_id": R, "inspection_no": "FC-3", "occurred_on": "2026-11-11"}),
        ("xf", "reject_rectification", {"case_id": R, "inspection_no": "FC-3", "reasons": "未整改",
                                        "occurred_on": "2026-11-11"}),
    ]


_ERROR_REGIONS = (
    re.compile(r'<div class="error" role="alert" id="form-error">.*?</div>', re.DOTALL),  # act.html
    re.compile(r'<p class="field-error"[^>]*>.*?</p>', re.DOTALL),
    re.compile(r'<p role="alert">.*?(?=<p><a href)', re.DOTALL),  # error.html: 403, 404, 409
)
_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}(?::\d+)?")
_TOKEN = re.compile(r"[A-Za-z][A-Za-z0-9_.\-\[\]+<>:]*")


def field_names(schemas) -> set[str]:
    """The field names and choice values of every console form (nested objects' too): a message may
    quote them as they are typed (keys, the codes a JSON field takes)."""
    names: set[str] = set()

    def walk(field) -> None:
        for v in getattr(field, "validators", []):
            if isinstance(v, validate.OneOf):
                names.update(str(c) for c in v.choices)
        if isinstance(field, mfields.Nested):
            names.update(field.schema.fields)
            for f in field.schema.fields.values():
                walk(f)
        for inner in (getattr(field, "inner", None), getattr(field, "key_field", None),
                      getattr(field, "value_field", None)):
            if inner is not None:
                walk(inner)

    for command in COMMANDS:
        names.update(schemas[command].fields)
        for f in schemas[command].fields.values():
            walk(f)
    return names


def english_left(page: str, codes: set[str]) -> list[str]:
    """English words in the page's messages (the form's error box, the fields' errors, the error
    page's message): ASCII words other than codes (upper case, or with digits, `_`, `-`, `.`), field
    names (`codes`), UUIDs and the `<code>` keys."""
    words = []
    for region in _ERROR_REGIONS:
        for found in region.findall(page):
            text = re.sub(r"<code>.*?</code>", " ", found, flags=re.DOTALL)
            text = _UUID.sub(" ", html.unescape(re.sub(r"<[^>]+>", " ", text)))
            for token in _TOKEN.findall(text):
                token = token.rstrip(".:-")
                if (token.isupper() or token in codes
                        or any(c.isdigit() or c in "_.[-<" for c in token)):
                    continue
                words.append(token)
    return words


def test_no_console_form_leaves_a_message_in_english(town):
    """Every form the console offers: the empty form (missing required fields) and the bad values of
    both tables (dates in the future or before what they rest on, numbers out of range, wrong codes,
    numbers reused, acts outside the jurisdiction or the campaign, steps the state does not allow):
    every message the regulator reads is Chinese, codes and numbers kept."""
    from tests.e2e.test_console_messages import bad_submissions as first_forms

    client, tokens, complaint, state = town
    sessions = {who: signed_in(client, token)[0] for who, token in tokens.items()}
    schemas = client.container.dispatcher.schemas
    codes = field_names(schemas)
    roles = {"mz": "civil_affairs", "sc": "market", "xf": "fire"}
    submissions = [(next(who for who, role in roles.items() if role in root_roles(client, command)),
                    command, {})
                   for command in COMMANDS]
    submissions += first_forms(complaint) + bad_submissions(state)
    assert {command for _, command, _ in submissions} == set(COMMANDS)
    left = {}
    for who, command, form in submissions:
        r = act(sessions[who], command, form)
        assert r.status_code in (403, 404, 409, 422), (command, form, r.status_code)
        words = english_left(r.get_data(as_text=True), codes)
        if words:
            left[(who, command, tuple(sorted(form.items())))] = words
    assert left == {}, left


def shown(response) -> str:
    """The page's text as the regulator reads it (tags dropped, entities decoded)."""
    return html.unescape(re.sub(r"<[^>]+>", " ", response.get_data(as_text=True)))


def check_shown(cases: list[tuple[object, list[str], list[str]]]) -> None:
    """Each (response, Chinese words it must show, English words it must not show)."""
    for response, chinese, english in cases:
        text = shown(response)
        for words in chinese:
            assert words in text, (words, text[-800:])
        for words in english:
            assert words not in text, (words, text[-800:])


def root_roles(client, command: str) -> tuple[str, ...]:
    return tuple(client.container.dispatcher.spec(command).roles)


def test_the_new_forms_refusals_read_in_chinese(town):
    client, tokens, _, s = town
    mz, _ = signed_in(client, tokens["mz"])
    xf, _ = signed_in(client, tokens["xf"])
    sc, _ = signed_in(client, tokens["sc"])
    plan = {"reference": "SC-2026-01", "name": "年度抽查", "kind": "annual", "agencies": "MZJ-140500",
            "region_prefix": "140502", "checklist": json.dumps(CHECKLIST, ensure_ascii=False)}
    cases = [
        (act(mz, "plan_spot_check_campaign", plan),
         ["抽查任务编号 SC-2026-01 已用于另一次抽查计划，不能重复使用"], ["already planned"]),
        (act(sc, "commit_spot_check_seed", {"campaign_id": s["planned"]}),
         ["SCJG-140500 不是参与机关"], ["campaign rule"]),
        (act(mz, "record_spot_check_result", {"campaign_id": s["drawn"], "uscc": F2,
                                              "conclusion": "no_problem",
                                              "completed_on": "2026-11-03"}),
         ["检查于 2026-11-05 开始：完成日期不能早于检查开始日期（填写的是 2026-11-03）"], ["before them"]),
        (act(mz, "record_spot_check_result", {"campaign_id": s["drawn"], "uscc": F2,
                                              "conclusion": "problems_follow_up", "items": json.dumps(
                                                  [{"code": "FS-01", "result": "pass"},
                                                   {"code": "SV-01", "result": "pass"}])}),
         ["检查结论为“发现问题待后续处理”时，至少须有一项检查事项不合格"], ["failed item"]),
        (act(xf, "order_rectification", {"case_id": s["case"], "order_no": "XFZG-2", "due_on": "2026-11-01"}),
         ["整改期限：须晚于发现隐患的日期（2026-11-10）"], ["must be after"]),
        (act(mz, "record_penalty_decision", {"uscc": F1, "decision_no": DECISION, "conduct": "abuse_cheating",
                                             "legal_basis": "第四十六条"}),
         [f"处罚决定书文号 {DECISION} 已经登记，不能重复使用"], ["already recorded"]),
        (act(mz, "file_listing_objection", {"listing_id": s["proposed"], "summary": "不服"}),
         ["名单事项当前为“已提出”，不能登记异议（须为“已书面告知（异议期内）”）"], ["cannot file"]),
        (act(mz, "repair_listing_credit", {"listing_id": s["listed"], "no_further_violation": "true"}),
         ["列入满 2 年后才能申请信用修复，最早 2028-11-24"], ["credit repair"]),
        (act(mz, "confirm_listing", {"listing_id": s["window"]}), ["异议期至"], ["objection window"]),
        (act(mz, "plan_spot_check_campaign", {**plan, "reference": "SC-2026-09", "region_prefix": "1401"}),
         ["1401 不在 MZJ-140500 的管辖范围内"], ["outside"]),
        (act(sc, "plan_spot_check_campaign", {**plan, "reference": "SC-2026-09"}),
         ["抽查规则：制定计划的机关 SCJG-140500 须是本次抽查的参与机关之一"], ["planning agency"]),
    ]
    check_shown(cases)



