"""投诉举报 over HTTP on PostgreSQL: intake, deadlines, handling, the sealed identity, its audited reveal."""

from __future__ import annotations

import json
from datetime import date

import pytest
from structlog.testing import capture_logs

from infra.clock import tick
from supervision.application import Context
from supervision.domain.errors import Conflict
from supervision.domain.values import SYSTEM_ACTOR
from tests.support import facility_payload

USCC = "91350100M000100Y43"
OTHER_USCC = "91110000802100433B"
BASE = "/api/v1/complaints"
NAME, ID_NUMBER, PHONE = "赵秀兰", "11010519491231002X", "13912345678"


def setup_facility(client, uscc: str = USCC) -> None:
    r = client.post("/api/v1/facilities", facility_payload(uscc=uscc))
    assert r.status_code == 201, r.json


def complaint_payload(**overrides):
    body = {
        "uscc": USCC,
        "channel": "hotline_12345",
        "category": "abuse_cheating",
        "summary": "家属反映护理员呵斥、推搡老人",
        "occurred_on": "2026-11-26",
        "complainant": {"name": NAME, "id_number": ID_NUMBER, "phone": PHONE},
    }
    body.update(overrides)
    return body


def register(client, **overrides) -> str:
    r = client.post(BASE, complaint_payload(**overrides))
    assert r.status_code == 201, r.json
    return r.json["data"]["complaint_id"]


def head(client) -> int:
    return client.container.app.recorder.max_notification_id() or 0


def run_clock(client, today: date):
    """The clock as `eldercare tick` runs it, once the background views have caught up."""
    client.container.clock.set(today)
    client.container.wait_for(head(client))
    report = tick(client.container, today)
    client.container.wait_for(head(client))
    return report


def event_types(client, uscc: str = USCC) -> list[str]:
    return [h["event_type"] for h in client.get(f"/api/v1/facilities/{uscc}/events", as_="admin").json]


def test_complaint_not_acknowledged_within_one_working_day_is_overdue_once(pg_client):
    setup_facility(pg_client)
    cid = register(pg_client, occurred_on="2026-11-26")  # Thursday: acknowledge by Friday 27th
    shown = pg_client.get(f"{BASE}/{cid}", as_="civil_affairs").json
    assert shown["ack_due_on"] == "2026-11-27" and shown["ack_due_basis"] == "official"

    run_clock(pg_client, date(2026, 11, 27))  # the due day itself is on time
    assert "Complaint.AcknowledgementOverdue" not in event_types(pg_client)

    run_clock(pg_client, date(2026, 11, 28))
    run_clock(pg_client, date(2026, 11, 30))  # a second (and third) clock run adds nothing
    run_clock(pg_client, date(2026, 11, 30))
    assert event_types(pg_client).count("Complaint.AcknowledgementOverdue") == 1
    shown = pg_client.get(f"{BASE}/{cid}", as_="civil_affairs").json
    assert shown["ack_overdue_on"] == "2026-11-28"
    overdue = pg_client.get(f"{BASE}?overdue=true", as_="civil_affairs").json
    assert [i["complaint_id"] for i in overdue["items"]] == [cid]

    # acknowledged late: on record as not on time; a repeated mark is refused and writes nothing
    r = pg_client.post(f"{BASE}/{cid}/acknowledgement", {"occurred_on": "2026-11-30"})
    assert r.status_code == 201
    assert pg_client.get(f"{BASE}/{cid}", as_="civil_affairs").json["ack_on_time"] is False
    before = head(pg_client)
    with pytest.raises(Conflict):
        pg_client.container.dispatcher.dispatch(
            "mark_complaint_acknowledgement_overdue", {"complaint_id": cid, "today": "2026-11-30"},
            Context(SYSTEM_ACTOR, "clock"))
    assert head(pg_client) == before


def test_a_complaint_acknowledged_in_time_is_never_marked_overdue(pg_client):
    setup_facility(pg_client)
    cid = register(pg_client, occurred_on="2026-11-26")
    pg_client.container.clock.set(date(2026, 11, 27))
    assert pg_client.post(f"{BASE}/{cid}/acknowledgement", {}).status_code == 201
    run_clock(pg_client, date(2026, 11, 30))
    assert "Complaint.AcknowledgementOverdue" not in event_types(pg_client)
    assert pg_client.get(f"{BASE}/{cid}", as_="civil_affairs").json["ack_on_time"] is True


def test_conclusion_deadline_skips_spring_festival(pg_client):
    setup_facility(pg_client)
    pg_client.container.clock.set(date(2026, 2, 12))
    r = pg_client.post(BASE, complaint_payload(occurred_on="2026-02-12"))
    assert r.status_code == 201, r.json
    cid = r.json["data"]["complaint_id"]
    # 15 working days: 13, 14 (adjusted Saturday), then 24 Feb – 11 Mar (28 Feb adjusted Saturday)
    assert r.json["data"]["conclude_due_on"] == "2026-03-11"
    assert r.json["data"]["ack_due_on"] == "2026-02-13"
    deadlines = pg_client.get(f"{BASE}/deadlines?as_of=2026-02-12", as_="civil_affairs").json
    assert [(d["kind"], d["due_on"], d["overdue"]) for d in deadlines] == [
        ("acknowledge", "2026-02-13", False), ("conclude", "2026-03-11", False)]

    pg_client.container.clock.set(date(2026, 2, 13))
    assert pg_client.post(f"{BASE}/{cid}/acknowledgement", {}).status_code == 201
    run_clock(pg_client, date(2026, 3, 11))
    assert "Complaint.ConclusionOverdue" not in event_types(pg_client)
    run_clock(pg_client, date(2026, 3, 12))
    assert event_types(pg_client).count("Complaint.ConclusionOverdue") == 1
    deadlines = pg_client.get(f"{BASE}/deadlines", as_="civil_affairs").json
    assert [(d["kind"], d["overdue"], d["marked_overdue_on"]) for d in deadlines] == [
        ("conclude", True, "2026-03-12")]


def test_complaint_for_unknown_facility_is_404(pg_client):
    before = head(pg_client)
    r = pg_client.post(BASE, complaint_payload(uscc=OTHER_USCC))
    assert r.status_code == 404
    assert r.json["error"] == f"facility {OTHER_USCC} is not registered"
    assert r.json["fields"] == {"uscc": ["not registered"]}
    assert head(pg_client) == before


def test_complainant_identity_never_appears_in_public_or_regulator_lists_or_logs(pg_client):
    setup_facility(pg_client)
    secrets = (NAME, ID_NUMBER, PHONE)
    with capture_logs() as logs:
        cid = register(pg_client)
        bad_id = ID_NUMBER[:-1] + "1"  # wrong check character
        bad = pg_client.post(BASE, complaint_payload(complainant={"name": NAME, "id_number": bad_id}))
        assert bad.status_code == 422 and "complainant.id_number" in bad.json["fields"]
        assert bad_id not in bad.get_data(as_text=True)
        pg_client.post(f"{BASE}/{cid}/acknowledgement", {})
        pg_client.post(f"{BASE}/{cid}/conclusion", {"outcome": "substantiated", "measures": ["立案查处"]})
        revealed = pg_client.post(f"{BASE}/{cid}/identity-reveals", {"reason": "核实举报人身份以便回访"})
        assert revealed.status_code == 200
        assert revealed.json["data"]["complainant"] == {"name": NAME, "id_number": ID_NUMBER, "phone": PHONE}
        bodies = [
            pg_client.get(BASE, as_="civil_affairs"),
            pg_client.get(f"{BASE}/{cid}", as_="fire"),
            pg_client.get(f"{BASE}/deadlines", as_="market"),
            pg_client.get(f"/api/v1/public/complaint-summary?uscc={USCC}"),
            pg_client.get(f"/api/v1/facilities/{USCC}/events", as_="admin"),
        ]
        run_clock(pg_client, date(2026, 12, 31))
    for response in bodies:
        assert response.status_code == 200
        text = response.get_data(as_text=True)
        for secret in secrets:
            assert secret not in text
    assert any(e["event"] == "request_handled" for e in logs)  # the logs were captured
    logged = json.dumps(logs, ensure_ascii=False, default=str)
    for secret in secrets:
        assert secret not in logged

    raw = b"".join(n.state for n in pg_client.container.app.recorder.select_notifications(1, 100))
    for secret in secrets:
        assert secret.encode() not in raw
        assert json.dumps(secret).strip('"').encode() not in raw  # not even \\u-escaped
    sealed = pg_client.container.app.get_complaint(cid).complainant_sealed
    assert pg_client.container.sealer.unseal(sealed)["id_number"] == ID_NUMBER


def test_only_regulators_may_reveal_identity_and_it_is_audited(pg_client):
    setup_facility(pg_client)
    cid = register(pg_client)
    url = f"{BASE}/{cid}/identity-reveals"
    reason = {"reason": "调查需要联系举报人"}
    before = head(pg_client)
    for role in ("fire", "market", "system"):
        r = pg_client.post(url, reason, as_=role)
        assert r.status_code == 403 and NAME not in r.get_data(as_text=True)
    assert pg_client.post(url, reason, as_=None).status_code == 401
    assert pg_client.post(url, {}, as_="civil_affairs").status_code == 422  # a reason is required
    assert head(pg_client) == before

    assert pg_client.post(url, reason, as_="civil_affairs").json["data"]["complainant"]["name"] == NAME
    assert pg_client.post(url, {"reason": "复核"}, as_="admin").status_code == 200
    audit = [h for h in pg_client.get(f"/api/v1/facilities/{USCC}/events", as_="admin").json
             if h["event_type"] == "Complaint.IdentityRevealed"]
    assert [(a["actor_user"], a["actor_role"], a["payload"]["reason"]) for a in audit] == [
        ("mz-officer", "civil_affairs", "调查需要联系举报人"), ("admin", "admin", "复核")]
    assert all(NAME not in json.dumps(a, ensure_ascii=False) for a in audit)
    assert pg_client.get(f"{BASE}/{cid}", as_="civil_affairs").json["identity_reveals"] == 2

    anonymous = register(pg_client, complainant=None)
    r = pg_client.post(f"{BASE}/{anonymous}/identity-reveals", reason)
    assert r.status_code == 409 and "anonymous" in r.json["error"]


def test_handling_out_of_order_is_409_and_writes_nothing(pg_client):
    setup_facility(pg_client)
    cid = register(pg_client)
    before = head(pg_client)
    r = pg_client.post(f"{BASE}/{cid}/conclusion", {"outcome": "unsubstantiated"})
    assert r.status_code == 409 and "acknowledge it first" in r.json["error"]
    assert pg_client.post(f"{BASE}/{cid}/closure", {}).status_code == 409
    assert pg_client.post(f"{BASE}/{cid}/assignment", {"agency": "SCJG-140500"}).status_code == 409
    r = pg_client.post(f"{BASE}/{cid}/acknowledgement", {"occurred_on": "2026-11-25"})
    assert r.status_code == 422
    assert "before the complaint's previous step" in r.json["fields"]["occurred_on"][0]
    assert head(pg_client) == before

    assert pg_client.post(f"{BASE}/{cid}/acknowledgement", {}).status_code == 201
    assert pg_client.post(f"{BASE}/{cid}/acknowledgement", {}).status_code == 409
    r = pg_client.post(f"{BASE}/{cid}/assignment", {"agency": "SCJG-140500", "officer": "sj-1"})
    assert r.status_code == 201
    r = pg_client.post(f"{BASE}/{cid}/conclusion", {"outcome": "substantiated", "measures": []})
    assert r.status_code == 422 and "measures" in r.json["fields"]
    r = pg_client.post(f"{BASE}/{cid}/conclusion", {
        "outcome": "substantiated", "measures": ["责令改正", "罚款"],
        "penalty_decision_no": "晋民罚〔2026〕3号"})
    assert r.status_code == 201
    assert pg_client.post(f"{BASE}/{cid}/conclusion", {"outcome": "unsubstantiated"}).status_code == 409
    assert pg_client.post(f"{BASE}/{cid}/closure", {"note": "已回访"}).status_code == 201
    assert pg_client.post(f"{BASE}/{cid}/closure", {}).status_code == 409
    shown = pg_client.get(f"{BASE}/{cid}", as_="civil_affairs").json
    assert shown["status"] == "closed" and shown["assigned_agency"] == "SCJG-140500"
    assert shown["measures"] == ["责令改正", "罚款"] and shown["conclude_on_time"] is True

    for bad in ("00000000-0000-0000-0000-000000000000", "not-a-uuid"):
        assert pg_client.post(f"{BASE}/{bad}/acknowledgement", {}).status_code == 404
        assert pg_client.get(f"{BASE}/{bad}", as_="civil_affairs").status_code == 404


def test_a_redelivered_hotline_ticket_is_409(pg_client):
    setup_facility(pg_client)
    first = register(pg_client, reference="GD20261126000123")
    r = pg_client.post(BASE, complaint_payload(reference="GD20261126000123", summary="重复推送"))
    assert r.status_code == 409 and r.json["fields"] == {"reference": ["already registered for this channel"]}
    other_channel = register(pg_client, reference="GD20261126000123", channel="online")
    assert other_channel != first
    assert pg_client.get(BASE, as_="civil_affairs").json["total"] == 2


def test_bad_complaint_input_is_422_field_by_field_and_writes_nothing(pg_client):
    setup_facility(pg_client)
    before = head(pg_client)
    r = pg_client.post(BASE, complaint_payload(channel="wechat", category="noise", summary="",
                                               occurred_on="2099-01-01"))
    assert r.status_code == 422
    assert set(r.json["fields"]) >= {"channel", "category", "summary"}
    r = pg_client.post(BASE, complaint_payload(occurred_on="2026-12-01"))
    assert r.status_code == 422 and "in the future" in r.json["fields"]["occurred_on"][0]
    r = pg_client.post(BASE, complaint_payload(complainant={"name": NAME, "phone": "call me", "ssn": "1"}))
    assert r.status_code == 422
    assert set(r.json["fields"]) == {"complainant.phone", "complainant.ssn"}
    assert NAME not in r.get_data(as_text=True)
    assert pg_client.post(BASE, complaint_payload(), as_="fire").status_code == 403
    assert head(pg_client) == before


def test_public_summary_counts_concluded_complaints_by_category_and_outcome_only(pg_client):
    setup_facility(pg_client)
    done = register(pg_client, category="abuse_cheating")
    also_done = register(pg_client, category="fees", summary="押金超过12个月床位费")
    register(pg_client, category="fees", summary="尚在处理")
    for cid, outcome in ((done, "substantiated"), (also_done, "unsubstantiated")):
        pg_client.post(f"{BASE}/{cid}/acknowledgement", {})
        measures = ["责令改正"] if outcome == "substantiated" else []
        r = pg_client.post(f"{BASE}/{cid}/conclusion", {"outcome": outcome, "measures": measures})
        assert r.status_code == 201
    r = pg_client.get(f"/api/v1/public/complaint-summary?uscc={USCC}", as_=None)
    assert r.status_code == 200
    assert r.json == {"uscc": USCC, "concluded": 2, "by_category": {"abuse_cheating": 1, "fees": 1},
                      "by_outcome": {"substantiated": 1, "unsubstantiated": 1}}
    assert "押金" not in r.get_data(as_text=True)
    assert pg_client.get(f"/api/v1/public/complaint-summary?uscc={OTHER_USCC}").status_code == 404
    assert pg_client.get("/api/v1/public/complaint-summary?uscc=123").status_code == 422
    assert pg_client.get(BASE, as_=None).status_code == 401  # the list itself is not public
