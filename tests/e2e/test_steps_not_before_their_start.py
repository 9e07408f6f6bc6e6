"""A step cannot be dated before what it rests on. Seen cases (a fresh user): a facility's profile change
dated 2020 (registered 2026) was recorded (its grade and exit already refused that); a deposit received
on 2026-11-20 was refunded — and fell due — on 2020-01-01 (the balance was checked in the order commands
arrived, not on the refund's date). Each answers 422 on `occurred_on` and writes nothing."""

from __future__ import annotations

from supervision.domain.uscc import with_check_character
from tests.support import facility_payload

F = with_check_character("52350102MJ0000011")


def _registered(client):
    r = client.post("/api/v1/facilities", facility_payload(uscc=F, occurred_on="2026-11-02"))
    assert r.status_code == 201, r.json
    return client.container.app.recorder.max_notification_id()


def test_a_profile_change_cannot_precede_the_registration(client):
    head = _registered(client)
    r = client.patch(f"/api/v1/facilities/{F}", {"name": "鼓楼更名养老院", "occurred_on": "2020-11-20"})
    assert r.status_code == 422, r.json
    assert "occurred_on" in r.json["fields"]
    assert client.container.app.recorder.max_notification_id() == head
    r = client.patch(f"/api/v1/facilities/{F}", {"name": "鼓楼更名养老院", "occurred_on": "2026-11-02"})
    assert r.status_code == 200, r.json


def test_money_is_not_paid_back_nor_due_before_it_was_received(client):
    _registered(client)
    r = client.post(f"/api/v1/prepaid/{F}/receipts", {
        "receipt_no": "SJ-1", "kind": "deposit", "resident_ref": "RM-001", "amount_fen": 100_000,
        "monthly_bed_fee_fen": 100_000, "occurred_on": "2026-11-20"}, as_="market")
    assert r.status_code == 201, r.json
    head = client.container.app.recorder.max_notification_id()
    early = {"kind": "deposit", "resident_ref": "RM-001", "amount_fen": 1_000, "occurred_on": "2026-11-19"}
    r = client.post(f"/api/v1/prepaid/{F}/refunds", {"refund_no": "TF-1", **early}, as_="market")
    assert r.status_code == 422 and "occurred_on" in r.json["fields"], r.json
    r = client.post(f"/api/v1/prepaid/{F}/refunds-due", {"due_ref": "YT-1", "due_on": "2026-12-19",
                                                          "reason": "老人退住", **early}, as_="market")
    assert r.status_code == 422 and "occurred_on" in r.json["fields"], r.json
    assert client.container.app.recorder.max_notification_id() == head
    on_time = {"refund_no": "TF-1", **early, "occurred_on": "2026-11-20"}
    r = client.post(f"/api/v1/prepaid/{F}/refunds", on_time, as_="market")
    assert r.status_code == 201, r.json


OPENED = with_check_character("52140502MJ0000021")
EARLY = "1990-01-01"


def test_no_record_about_a_facility_is_dated_before_the_facility_existed(client):
    """Seen case (a tester): a custody deposit dated 1990 was accepted for a facility opened 2024-03-01.
    Every record resting on a facility (prepaid entries, a fire finding, a penalty decision, a listing
    proposal, a complaint, an incident, an interview summons, a duty report) is refused on its date
    when it precedes the facility's opening or registration, the earlier; nothing is written."""
    r = client.post("/api/v1/facilities", facility_payload(
        uscc=OPENED, region_code="140502", opened_on="2024-03-01", occurred_on="2024-03-10"))
    assert r.status_code == 201, r.json
    base = client.container.app.recorder.max_notification_id()
    early = [
        (f"/api/v1/prepaid/{OPENED}/custody-deposits", {"kind": "deposit", "amount_fen": 50_000}, "market"),
        (f"/api/v1/prepaid/{OPENED}/receipts", {"kind": "deposit", "resident_ref": "R-1",
                                                "amount_fen": 100_000, "monthly_bed_fee_fen": 300_000},
         "market"),
        ("/api/v1/fire-safety/cases", {"uscc": OPENED, "finding_no": "XF-1", "category": "electrical",
                                       "location": "配电室"}, "fire"),
        ("/api/v1/credit/penalty-decisions", {"uscc": OPENED, "decision_no": "城民罚〔1990〕1号",
                                              "conduct": "fraud_fundraising",
                                              "legal_basis": "《防范和处置非法集资条例》第三十条"},
         "civil_affairs"),
        ("/api/v1/complaints", {"uscc": OPENED, "channel": "online", "category": "fees",
                                "summary": "乱收费"}, "civil_affairs"),
        ("/api/v1/interviews", {"uscc": OPENED, "reason": "押金管理不规范", "scheduled_on": "1990-02-01",
                                "summoned_roles": ["legal_representative"]}, "civil_affairs"),
        ("/api/v1/duty-reports", {"uscc": OPENED, "kind": "annual_report", "period": "2025"},
         "civil_affairs"),
    ]
    for path, body, role in early:
        r = client.post(path, {**body, "occurred_on": EARLY}, as_=role)
        assert r.status_code == 422, (path, r.json)
        problems = r.json["fields"].get("occurred_on", [""])
        assert "2024-03-01" in problems[0], (path, r.json)
    r = client.post("/api/v1/incidents", {
        "uscc": OPENED, "category": "fire", "severity": "general", "reporter": "regulator",
        "occurred_at": "1990-01-01T08:00:00+08:00", "reported_at": "1990-01-01T09:00:00+08:00",
        "summary": "厨房油锅起火，已扑灭"})
    assert r.status_code == 422 and "occurred_at" in r.json["fields"], r.json
    assert client.container.app.recorder.max_notification_id() == base
    # the day it opened, before its registration, is a day it existed
    on_opening = {"kind": "deposit", "amount_fen": 50_000, "occurred_on": "2024-03-01"}
    r = client.post(f"/api/v1/prepaid/{OPENED}/custody-deposits", on_opening, as_="market")
    assert r.status_code == 201, r.json


def test_an_agency_is_not_dissolved_nor_a_token_revoked_before_it_began(client):
    r = client.post("/api/v1/agencies", {"code": "MZJ-140523", "kind": "civil_affairs", "level": "county",
                                         "region_code": "140523", "name": "阳城县民政局"}, as_="admin")
    assert r.status_code == 201, r.json
    r = client.post("/api/v1/tokens", {"user": "x", "agency": "MZJ-140523", "role": "civil_affairs"},
                    as_="admin")
    assert r.status_code == 201, r.json
    token, tid = r.json["token"], r.json["token_id"]
    head = client.container.app.recorder.max_notification_id()
    r = client.post("/api/v1/agencies/MZJ-140523/dissolution", {"reason": "合并", "occurred_on": EARLY},
                    as_="admin")
    assert r.status_code == 422 and "occurred_on" in r.json["fields"], r.json
    r = client.post(f"/api/v1/tokens/{tid}/revocation", {"reason": "离职", "occurred_on": EARLY}, as_="admin")
    assert r.status_code == 422 and "occurred_on" in r.json["fields"], r.json
    assert client.container.app.recorder.max_notification_id() == head
    still = client.http.get("/api/v1/complaints", headers={"Authorization": f"Bearer {token}"})
    assert still.status_code == 200  # the token was not revoked
