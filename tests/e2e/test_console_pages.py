"""The console's pages through Flask's client on PostgreSQL: the today list (deadlines with their basis
and a link to act, only the jurisdiction's), the complaints inbox (deadlines counting down, acting
from it), the facility page, and refusals (403 outside the jurisdiction, 404 unknown)."""

from __future__ import annotations

import html
import re
from datetime import date

import pytest

from supervision.domain.uscc import with_check_character
from supervision.domain.values import Actor
from tests.e2e.test_console_session import csrf_of, signed_in
from tests.support import facility_payload

F1 = with_check_character("52140502MJ0000001")
GAOPING = with_check_character("52140581MJ0000003")


@pytest.fixture
def city(pg_client):
    client = pg_client
    client.container.clock.set(date(2026, 11, 23))
    tokens = {"mz": client.token_for(Actor("mz-jc", "MZJ-140500", "civil_affairs")),
              "gp": client.token_for(Actor("mz-gp", "MZJ-140581", "civil_affairs"))}
    client.tokens["civil_affairs"] = tokens["mz"]
    for code, name in ((F1, "城区夕阳红养老院"), (GAOPING, "高平市福寿园")):
        r = client.post("/api/v1/facilities", facility_payload(uscc=code, region_code=code[2:8], name=name))
        assert r.status_code == 201, r.json
    r = client.post("/api/v1/complaints", {"uscc": F1, "channel": "hotline_12345", "category": "fees",
                                           "summary": "押金收取超过规定", "occurred_on": "2026-11-23"})
    assert r.status_code == 201, r.json
    return client, tokens, r.json["id"]


def text(r) -> str:
    return r.get_data(as_text=True)


def test_today_lists_the_complaint_deadlines_with_their_basis_and_a_link_to_act(city):
    client, tokens, complaint_id = city
    http, _ = signed_in(client, tokens["mz"])
    page = text(http.get("/console/today"))
    assert "投诉受理告知（1个工作日）" in page
    assert "投诉办结（15个工作日）" not in page  # due 2026-12-14: beyond this week
    assert "2026-11-24" in page and "官方日历" in page and "城区夕阳红养老院" in page
    assert f"/console/act/acknowledge_complaint?complaint_id={complaint_id}" in page

    inbox = text(http.get("/console/complaints"))
    assert "押金收取超过规定" in inbox and "还剩 1 天" in inbox and "收费" in inbox
    assert "共 1 件" in text(http.get("/console/complaints?category=fees&status=received"))
    assert "共 0 件" in text(http.get("/console/complaints?overdue=true"))
    assert http.get("/console/complaints?status=nonsense").status_code == 422

    csrf = csrf_of(http, f"/console/act/acknowledge_complaint?complaint_id={complaint_id}")
    r = http.post("/console/act/acknowledge_complaint",
                  data={"complaint_id": complaint_id, "csrf_token": csrf})
    assert r.status_code == 303 and r.headers["Location"].endswith("/console/complaints")
    api = client.get(f"/api/v1/complaints/{complaint_id}", as_="civil_affairs").json
    assert api["status"] == "acknowledged" and api["acknowledged_on"] == "2026-11-23"
    assert "投诉受理告知" not in text(http.get("/console/today"))


def test_another_district_sees_none_of_it_and_is_refused_its_facility(city):
    client, tokens, complaint_id = city
    http, _ = signed_in(client, tokens["gp"])
    assert "本周没有到期或逾期的事项" in text(http.get("/console/today"))
    assert "共 0 件" in text(http.get("/console/complaints"))
    listing = text(http.get("/console/facilities"))
    assert "高平市福寿园" in listing and "城区夕阳红养老院" not in listing
    assert http.get(f"/console/facilities/{F1}").status_code == 403
    assert http.get(f"/console/facilities/{GAOPING}").status_code == 200
    missing = http.get("/console/facilities/not-a-code")
    assert missing.status_code == 404 and "未找到" in text(missing)
    assert http.get("/console/campaigns/00000000-0000-0000-0000-000000000000").status_code == 404
    csrf = csrf_of(http, "/console/today")
    r = http.post("/console/act/acknowledge_complaint",
                  data={"complaint_id": complaint_id, "csrf_token": csrf})
    assert r.status_code == 403
    assert client.get(f"/api/v1/complaints/{complaint_id}", as_="civil_affairs").json["status"] == "received"


def test_the_facility_page_explains_grade_and_rating_and_shows_the_timeline(city):
    client, tokens, _ = city
    r = client.post(f"/api/v1/facilities/{F1}/grade-assessments", {
        "level": 3, "score": 600, "assessing_body": "晋城市民政局", "certificate_no": "JC-1",
        "occurred_on": "2026-05-01"})
    assert r.status_code == 201, r.json
    http, _ = signed_in(client, tokens["mz"])
    page = text(http.get(f"/console/facilities/{F1}"))
    assert "3 级（600 分，晋城市民政局，有效期至 2029-05-01）" in page
    assert "监管评级" in page and "完整时间线" in page and "Facility.GradeAssessed" in page
    assert re.search(r"Complaint\.\w+", page)  # the regulators' timeline holds the complaint


def test_a_receipt_over_the_cap_is_warned_before_it_is_recorded_then_recorded_with_its_violation(city):
    client, tokens, _ = city
    http, _ = signed_in(client, tokens["mz"])
    csrf = csrf_of(http, f"/console/act/record_prepayment?uscc={F1}")
    receipt = {"uscc": F1, "kind": "deposit", "resident_ref": "R-0001", "amount_fen": "1300000",
               "monthly_bed_fee_fen": "100000", "receipt_no": "SJ-0001", "csrf_token": csrf}
    head = client.container.app.recorder.max_notification_id()
    r = http.post("/console/act/record_prepayment", data=receipt)
    page = text(r)
    assert r.status_code == 200 and 'id="cap-warning"' in page and "上限 1200000分" in page
    assert "登记后为 1300000分" in page and 'name="confirm_over_cap"' in page
    assert client.container.app.recorder.max_notification_id() == head  # warned, nothing written

    r = http.post("/console/act/record_prepayment", data={**receipt, "confirm_over_cap": "yes"})
    assert r.status_code == 303 and r.headers["Location"].endswith(f"/console/facilities/{F1}/prepaid")
    page = text(http.get(f"/console/facilities/{F1}/prepaid"))
    assert "R-0001" in page and "1300000" in page and "没有超过上限的收费" not in page
    api = client.get(f"/api/v1/prepaid/{F1}", as_="civil_affairs").json
    assert api["kinds"][0]["held_fen"] == 1_300_000 and len(api["violations"]) == 1

    below = {**receipt, "resident_ref": "R-0002", "amount_fen": "100000", "receipt_no": "SJ-0002"}
    r = http.post("/console/act/record_prepayment", data=below)  # within the cap: recorded at once
    assert r.status_code == 303


def test_register_a_facility_and_record_its_grade_from_the_forms(city):
    client, tokens, _ = city
    http, _ = signed_in(client, tokens["mz"])
    code = with_check_character("52140502MJ0000009")
    csrf = csrf_of(http, "/console/act/register_facility")
    body = {k: str(v) for k, v in facility_payload(uscc=code, region_code="140502", name="城区颐和园").items()
            if not isinstance(v, dict)}
    r = http.post("/console/act/register_facility", data={**body, "csrf_token": csrf})
    assert r.status_code == 303 and r.headers["Location"].endswith(f"/console/facilities/{code}")
    assert client.get(f"/api/v1/facilities/{code}").json["name"] == "城区颐和园"

    grade = {"uscc": code, "level": "5", "score": "600", "assessing_body": "晋城市民政局",
             "certificate_no": "JC-9", "csrf_token": csrf}
    api = client.post(f"/api/v1/facilities/{code}/grade-assessments",
                      {k: (int(v) if v.isdigit() else v) for k, v in grade.items() if k != "csrf_token"})
    assert api.status_code == 422
    r = http.post("/console/act/assess_facility_grade", data=grade)  # a level-5 grade needs a higher score
    assert r.status_code == 422
    shown = set(re.findall(r'class="field-error" id="e-([a-z_]+)"', text(r)))
    assert shown == {k.split(".")[0] for k in api.json["fields"]}, (shown, api.json)
    r = http.post("/console/act/assess_facility_grade", data={**grade, "level": "3"})
    assert r.status_code == 303
    assert "3 级（600 分" in text(http.get(f"/console/facilities/{code}"))


def test_every_console_form_renders_from_its_api_schema_with_a_label_for_each_input(pg_client):
    from supervision.console.pages import COMMANDS

    http, _ = signed_in(pg_client, pg_client.tokens["admin"])  # the admin may issue every command
    for command in COMMANDS:
        r = http.get(f"/console/act/{command}")
        page = text(r)
        assert r.status_code == 200, (command, r.status_code)
        schema = pg_client.container.dispatcher.schemas[command]
        for name in schema.fields:
            assert f'<label for="f-{name}">' in page and f'id="f-{name}"' in page, (command, name)


def test_a_deadline_in_a_year_without_the_official_notice_shows_its_provisional_basis(city):
    client, tokens, _ = city
    client.container.clock.set(date(2027, 3, 1))
    r = client.post("/api/v1/complaints", {"uscc": F1, "channel": "letter", "category": "service_quality",
                                           "summary": "夜间无人值守", "occurred_on": "2027-03-01"})
    assert r.status_code == 201, r.json
    api = client.get(f"/api/v1/complaints/{r.json['id']}", as_="civil_affairs").json
    http, _ = signed_in(client, tokens["mz"])
    page = text(http.get("/console/today"))
    row = next(line for line in page.split("<tr") if r.json["id"][:8] in line and "受理告知" in line)
    basis = "临时日历" if api["ack_due_basis"] == "provisional" else "官方日历"
    assert basis in row and api["ack_due_on"] in row, (api["ack_due_basis"], row)
    if api["ack_due_basis"] == "provisional":
        assert api["ack_due_note"] in html.unescape(row)


def test_before_the_visit_only_the_campaign_s_organisers_see_the_draw(city):
    client, tokens, _ = city
    for inspector in ("MZ-A", "MZ-B"):
        r = client.post("/api/v1/inspectors", {
            "inspector_id": inspector, "name": f"检查员{inspector}", "agency": "MZJ-140500",
            "region_code": "140500", "certificate_no": f"晋执{inspector}", "occurred_on": "2025-01-10"},
            as_="civil_affairs")
        assert r.status_code == 201, r.json
    r = client.post("/api/v1/spot-checks/campaigns", {
        "name": "城区专项抽查", "kind": "special", "agencies": ["MZJ-140500"], "region_prefix": "140502",
        "checklist": [{"code": "FS-01", "title": "消防设施器材完好有效"}]}, as_="civil_affairs")
    assert r.status_code == 201, r.json
    campaign = r.json["data"]["campaign_id"]
    base = f"/api/v1/spot-checks/campaigns/{campaign}"
    assert client.post(f"{base}/commitment", {}, as_="civil_affairs").status_code == 201
    assert client.post(f"{base}/draw", {"visit_on": "2026-11-30"}, as_="civil_affairs").status_code == 201

    organiser, _ = signed_in(client, tokens["mz"])
    page = text(organiser.get(f"/console/campaigns/{campaign}"))
    assert "城区夕阳红养老院" in page and "抽取验证：通过" in page

    fire = client.token_for(Actor("xf-jc", "XFJY-140500", "fire"))
    brigade, _ = signed_in(client, fire)
    page = text(brigade.get(f"/console/campaigns/{campaign}"))
    assert "城区夕阳红养老院" not in page and "抽取验证" not in page and "检查开始日前保密" in page
    timeline = text(brigade.get(f"/console/facilities/{F1}"))
    assert "Inspection.Scheduled" not in timeline  # the draw is not given away by the timeline either


def test_a_fire_hazard_from_finding_to_order_report_rejection_and_verification_in_the_forms(city):
    client, _, _ = city
    fire = client.token_for(Actor("xf-jc", "XFJY-140500", "fire"))
    http, _ = signed_in(client, fire)
    csrf = csrf_of(http, f"/console/act/record_fire_finding?uscc={F1}")

    def act(command: str, **data: str) -> str:
        r = http.post(f"/console/act/{command}", data={**data, "csrf_token": csrf})
        errors = re.findall(r"field-error[^>]*>([^<]*)", text(r))
        assert r.status_code == 303, (command, r.status_code, errors)
        return r.headers["Location"]

    assert act("record_fire_finding", uscc=F1, finding_no="XF-2026-201", category="evacuation",
               location="1号楼楼梯间", major="false").endswith(f"/console/facilities/{F1}")
    page = text(http.get(f"/console/facilities/{F1}"))
    case_id = re.search(r"order_rectification\?case_id=([0-9a-f-]{36})", page).group(1)
    act("order_rectification", case_id=case_id, order_no="XFZG-2026-201", due_on="2026-11-30")
    act("report_rectification", case_id=case_id, summary="已清理楼梯间杂物")
    act("reject_rectification", case_id=case_id, inspection_no="FC-2026-201",
        reasons="仍有电动车停放", new_order_no="XFZG-2026-202", new_due_on="2026-12-04")
    assert "2026-12-04" in text(http.get(f"/console/facilities/{F1}"))
    act("report_rectification", case_id=case_id, summary="电动车已移出")
    act("verify_rectification", case_id=case_id, inspection_no="FC-2026-202")
    api = client.get(f"/api/v1/fire-safety/cases/{case_id}", as_="fire").json
    assert api["status"] == "verified" and api["rejections"] == 1
    assert "复查合格" in text(http.get(f"/console/facilities/{F1}"))


def test_a_penalty_decision_recorded_in_the_console_is_proposed_for_listing_and_served_notice(city):
    client, tokens, _ = city
    http, _ = signed_in(client, tokens["mz"])
    csrf = csrf_of(http, f"/console/act/record_penalty_decision?uscc={F1}")
    r = http.post("/console/act/record_penalty_decision", data={
        "uscc": F1, "decision_no": "晋城民罚决字〔2026〕31号", "conduct": "abuse_cheating",
        "legal_basis": "《养老机构管理办法》第四十六条", "summary": "殴打入住老人", "fine_fen": "3000000",
        "csrf_token": csrf})
    assert r.status_code == 303 and r.headers["Location"].endswith(f"/console/facilities/{F1}")
    client.container.wait_for(client.container.app.recorder.max_notification_id())
    page = text(http.get(f"/console/facilities/{F1}"))
    assert "晋城民罚决字〔2026〕31号" in page and "已提出" in page
    listing_id = re.search(r"serve_listing_notice\?listing_id=([0-9a-f-]{36})", page).group(1)
    r = http.post("/console/act/serve_listing_notice", data={"listing_id": listing_id, "notice_no": "告知-31",
                                                             "csrf_token": csrf})
    assert r.status_code == 303
    api = client.get(f"/api/v1/credit/listings/{listing_id}", as_="civil_affairs").json
    assert api["status"] == "notice_served" and api["penalty_decision_no"] == "晋城民罚决字〔2026〕31号"
    today_page = text(http.get("/console/today"))
    assert "异议期即将届满" in today_page and api["objection_due_on"] in today_page
