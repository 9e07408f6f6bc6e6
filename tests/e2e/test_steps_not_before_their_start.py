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
