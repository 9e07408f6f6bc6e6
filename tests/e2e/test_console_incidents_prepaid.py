"""Forms for incidents (report → investigation → finding) and for refunds due and custody deposits,
through Flask's client on PostgreSQL; each step checked through the API."""

from __future__ import annotations

import re
from datetime import date

import pytest

from supervision.domain.uscc import with_check_character
from supervision.domain.values import Actor
from tests.e2e.test_console_session import csrf_of, signed_in
from tests.support import facility_payload

F1 = with_check_character("52140502MJ0000001")


@pytest.fixture
def city(pg_client):
    client = pg_client
    client.container.clock.set(date(2026, 11, 23))
    tokens = {"mz": client.token_for(Actor("mz-jc", "MZJ-140500", "civil_affairs")),
              "sc": client.token_for(Actor("sc-jc", "SCJG-140500", "market"))}
    client.tokens["civil_affairs"] = tokens["mz"]
    r = client.post("/api/v1/facilities", facility_payload(
        uscc=F1, region_code="140502", name="城区夕阳红养老院", occurred_on="2024-03-01"))
    assert r.status_code == 201, r.json
    return client, tokens


def act(http, command: str, data: dict[str, str], query: str = ""):
    csrf = csrf_of(http, f"/console/act/{command}{query}")
    return http.post(f"/console/act/{command}", data={**data, "csrf_token": csrf})


def test_an_incident_from_report_to_finding_by_forms(city):
    client, tokens = city
    http, _ = signed_in(client, tokens["mz"])
    page = http.get(f"/console/facilities/{F1}").get_data(as_text=True)
    assert "事故（0 起）" in page and f"/console/act/report_incident?uscc={F1}" in page
    form = http.get(f"/console/act/report_incident?uscc={F1}").get_data(as_text=True)
    assert "非正常死亡" in form and "特别重大" in form and ">火灾<" in form

    bad = act(http, "report_incident", {"uscc": F1, "category": "fire", "severity": "general",
                                        "occurred_at": "昨天", "reported_at": "2026-11-20T09:30:00+08:00",
                                        "summary": "厨房起火"})
    assert bad.status_code == 422 and 'id="e-occurred_at"' in bad.get_data(as_text=True)
    r = act(http, "report_incident", {"uscc": F1, "category": "fire", "severity": "general",
                                      "reporter": "operator", "occurred_at": "2026-11-20T08:00:00+08:00",
                                      "reported_at": "2026-11-20T11:00:00+08:00",
                                      "summary": "厨房油锅起火，已扑灭", "injuries": "1"})
    assert r.status_code == 303 and r.headers["Location"].endswith(f"/console/facilities/{F1}")
    [incident] = client.get(f"/api/v1/incidents?uscc={F1}", as_="civil_affairs").json["items"]
    assert (incident["status"], incident["late"], incident["injuries"]) == ("reported", True, 1)
    iid = incident["incident_id"]
    page = http.get(f"/console/facilities/{F1}").get_data(as_text=True)
    assert "事故（1 起）" in page and "迟报" in page and "火灾 · 一般" in page
    assert "command=open_incident_investigation" not in page or "启动调查" in page

    q = f"?uscc={F1}&incident_id={iid}"
    r = act(http, "open_incident_investigation",
            {"uscc": F1, "incident_id": iid, "occurred_on": "2026-11-21"}, q)
    assert r.status_code == 303, r.get_data(as_text=True)
    missing = act(http, "find_incident_responsibility", {"uscc": F1, "incident_id": iid,
                                                         "responsibility": "direct"}, q)
    assert missing.status_code == 422 and 'id="e-decision_no"' in missing.get_data(as_text=True)
    r = act(http, "find_incident_responsibility", {
        "uscc": F1, "incident_id": iid, "authority": "晋城市应急管理局",
        "decision_no": "晋市应急调〔2026〕8号", "responsibility": "direct", "cause": "夜间值守缺位",
        "occurred_on": "2026-11-23"}, q)
    assert r.status_code == 303, r.get_data(as_text=True)
    shown = client.get(f"/api/v1/incidents/{iid}", as_="civil_affairs").json
    assert (shown["status"], shown["responsibility"], shown["decision_no"]) == (
        "concluded", "direct", "晋市应急调〔2026〕8号")
    page = http.get(f"/console/facilities/{F1}").get_data(as_text=True)
    assert "直接责任" in page and "启动调查" not in page and "责任认定</a>" not in page


def test_refund_due_and_custody_deposit_by_forms(city):
    client, tokens = city
    http, _ = signed_in(client, tokens["sc"])
    page = http.get(f"/console/facilities/{F1}/prepaid").get_data(as_text=True)
    assert "登记应退费用" in page and "登记资金存管" in page and "应退未退 0 笔" in page
    r = act(http, "record_prepayment", {"uscc": F1, "kind": "membership_fee", "resident_ref": "M-1",
                                        "amount_fen": "4000000", "occurred_on": "2026-11-02"})
    assert r.status_code == 303, r.get_data(as_text=True)
    form = http.get(f"/console/act/record_custody_deposit?uscc={F1}").get_data(as_text=True)
    assert "银行存管" in form and "风险保证金" in form
    r = act(http, "record_custody_deposit", {"uscc": F1, "kind": "membership_fee", "amount_fen": "1000000",
                                             "arrangement": "bank_custody", "bank": "晋城银行",
                                             "deposit_no": "CG-2026-1"})
    assert r.status_code == 303 and r.headers["Location"].endswith(f"/console/facilities/{F1}/prepaid")
    r = act(http, "record_refund_due", {"uscc": F1, "kind": "membership_fee", "resident_ref": "M-1",
                                        "amount_fen": "4000000", "due_on": "2026-11-30", "reason": "退住",
                                        "due_ref": "TZ-1", "occurred_on": "2026-11-20"})
    assert r.status_code == 303, r.get_data(as_text=True)
    summary = client.get(f"/api/v1/prepaid/{F1}", as_="civil_affairs").json
    assert summary["custody_coverage_percent"] == 25.0 and summary["refunds_due_open"] == 1
    page = http.get(f"/console/facilities/{F1}/prepaid").get_data(as_text=True)
    assert re.search(r"存管覆盖率（全部类别）：25\.0%", page) and "应退未退 1 笔" in page
    negative = act(http, "record_custody_deposit", {"uscc": F1, "kind": "deposit", "amount_fen": "-5"})
    assert negative.status_code == 422 and 'id="e-amount_fen"' in negative.get_data(as_text=True)
