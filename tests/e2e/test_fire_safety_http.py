"""消防安全 over HTTP on PostgreSQL: findings, rectification deadlines, re-inspection, sealing."""

from __future__ import annotations

from datetime import date

from infra.clock import tick
from supervision.application import Context
from tests.support import facility_payload

USCC = "91350100M000100Y43"
BASE = "/api/v1/fire-safety/cases"


def register(client) -> None:
    assert client.post("/api/v1/facilities", facility_payload()).status_code == 201


def finding(**overrides) -> dict:
    body = {"uscc": USCC, "finding_no": "XF-2026-001", "category": "evacuation",
            "location": "2号楼二层疏散走道", "description": "疏散走道堆放杂物", "occurred_on": "2026-10-01"}
    body.update(overrides)
    return body


def record(client, **overrides) -> str:
    r = client.post(BASE, finding(**overrides), as_="fire")
    assert r.status_code == 201, r.json
    return r.json["id"]


def events(client, name: str) -> list[dict]:
    history = client.get(f"/api/v1/facilities/{USCC}/events", as_="fire").json
    return [h for h in history if h["event_type"] == f"FireSafetyCase.{name}"]


def head(client) -> int:
    return client.container.app.recorder.max_notification_id() or 0


def run_clock(client, today: date):
    """The clock as `eldercare tick` runs it; then wait until the views show what it appended."""
    report = tick(client.container, today)
    client.container.wait_for(head(client))
    return report


def test_major_hazard_unrectified_after_deadline_is_marked_overdue_exactly_once(pg_client):
    register(pg_client)
    case_id = record(pg_client, major=True, major_criterion="GB 35181-2017 6.3.1", order_no="限字〔2026〕1号",
                     due_on="2026-10-31")
    assert run_clock(pg_client, date(2026, 10, 31)).appended == 0  # acting on the deadline day is on time
    assert run_clock(pg_client, date(2026, 11, 1)).appended == 1
    again = run_clock(pg_client, date(2026, 11, 2))
    assert again.appended == 0 and again.failed == []
    # a second clock racing with stale data is refused by the aggregate
    r = pg_client.post(f"{BASE}/{case_id}/overdue", {"due_on": "2026-10-31", "today": "2026-11-03"},
                       as_="system")
    assert r.status_code == 409
    [overdue] = events(pg_client, "RectificationOverdue")
    assert overdue["occurred_on"] == "2026-11-01" and overdue["source"] == "clock"
    assert overdue["payload"]["major"] is True and overdue["payload"]["due_on"] == "2026-10-31"
    assert overdue["payload"]["major_criterion"] == "GB 35181-2017 6.3.1"
    shown = pg_client.get(f"{BASE}/{case_id}", as_="civil_affairs").json
    assert shown["overdue"] is True and shown["overdue_count"] == 1 and shown["status"] == "ordered"
    listed = pg_client.get(f"{BASE}?overdue=true&major=true&open=true", as_="civil_affairs").json
    assert [c["case_id"] for c in listed["items"]] == [case_id]


def test_rectification_deadline_before_the_finding_is_refused(pg_client):
    register(pg_client)
    before = head(pg_client)
    for due in ("2026-09-30", "2026-10-01"):
        r = pg_client.post(BASE, finding(order_no="限-1", due_on=due), as_="fire")
        assert r.status_code == 422
        assert "after the finding date 2026-10-01" in r.json["fields"]["due_on"][0]
    assert head(pg_client) == before
    case_id = record(pg_client)
    r = pg_client.post(f"{BASE}/{case_id}/rectification-orders", {"order_no": "限-1", "due_on": "2026-09-15"},
                       as_="fire")
    assert r.status_code == 422 and "due_on" in r.json["fields"]
    assert pg_client.get(f"{BASE}/{case_id}", as_="fire").json["due_on"] is None


def test_verified_rectification_is_never_overdue(pg_client):
    register(pg_client)
    case_id = record(pg_client, order_no="限-1", due_on="2026-10-31")
    r = pg_client.post(f"{BASE}/{case_id}/rectification-reports",
                       {"summary": "已清理杂物", "occurred_on": "2026-10-20"}, as_="civil_affairs")
    assert r.status_code == 201, r.json
    r = pg_client.post(f"{BASE}/{case_id}/verifications",
                       {"inspection_no": "复查-1", "occurred_on": "2026-10-25"}, as_="fire")
    assert r.status_code == 201, r.json
    assert run_clock(pg_client, date(2026, 11, 26)).appended == 0
    r = pg_client.post(f"{BASE}/{case_id}/overdue", {"due_on": "2026-10-31", "today": "2026-11-26"},
                       as_="system")
    assert r.status_code == 409 and "verified" in r.json["error"]
    assert events(pg_client, "RectificationOverdue") == []
    assert pg_client.get(f"{BASE}?open=false", as_="fire").json["total"] == 1


def test_a_rejected_rectification_with_a_new_deadline_is_overdue_only_after_that_deadline(pg_client):
    register(pg_client)
    case_id = record(pg_client, order_no="限-1", due_on="2026-10-31")
    pg_client.post(f"{BASE}/{case_id}/rectification-reports", {"occurred_on": "2026-10-20"},
                   as_="civil_affairs")
    r = pg_client.post(f"{BASE}/{case_id}/rejections", {
        "inspection_no": "复查-1", "reasons": ["安全出口仍上锁"], "new_order_no": "限-2",
        "new_due_on": "2026-11-20",
        "occurred_on": "2026-10-25"}, as_="fire")
    assert r.status_code == 201 and r.json["data"]["due_on"] == "2026-11-20"
    assert run_clock(pg_client, date(2026, 11, 10)).appended == 0
    assert run_clock(pg_client, date(2026, 11, 21)).appended == 1
    [overdue] = events(pg_client, "RectificationOverdue")
    assert overdue["payload"]["due_on"] == "2026-11-20" and overdue["payload"]["major"] is False
    shown = pg_client.get(f"{BASE}/{case_id}", as_="fire").json
    assert shown["rejections"] == 1 and shown["order_no"] == "限-2"


def test_premises_are_sealed_once_and_only_sealed_premises_are_unsealed(pg_client):
    register(pg_client)
    case_id = record(pg_client, major=True, major_criterion="GB 35181-2017 5.3", order_no="限-1",
                     due_on="2026-12-31")
    unseal, seal = f"{BASE}/{case_id}/unsealing", f"{BASE}/{case_id}/sealing"
    assert pg_client.post(unseal, {"decision_no": "解-0"}, as_="fire").status_code == 409
    assert pg_client.post(seal, {"decision_no": "封-1"}, as_="civil_affairs").status_code == 403
    r = pg_client.post(f"{BASE}/{case_id}/sealing", {"decision_no": "封-1", "scope": "一层活动室",
                                                     "occurred_on": "2026-10-02"}, as_="fire")
    assert r.status_code == 201, r.json
    assert pg_client.post(f"{BASE}/{case_id}/sealing", {"decision_no": "封-2"}, as_="fire").status_code == 409
    sealed = pg_client.get(f"{BASE}?sealed=true", as_="fire").json
    assert sealed["total"] == 1 and sealed["items"][0]["sealed_on"] == "2026-10-02"
    r = pg_client.post(f"{BASE}/{case_id}/unsealing", {"decision_no": "解-1", "occurred_on": "2026-10-01"},
                       as_="fire")
    assert r.status_code == 422  # before the sealing
    assert pg_client.post(unseal, {"decision_no": "解-1"}, as_="fire").status_code == 201
    shown = pg_client.get(f"{BASE}/{case_id}", as_="fire").json
    assert shown["sealed"] is False and shown["unsealed_on"] == "2026-11-26"
    assert len(events(pg_client, "PremisesSealed")) == len(events(pg_client, "PremisesUnsealed")) == 1


def test_a_resent_finding_is_409_and_writes_nothing(pg_client):
    register(pg_client)
    record(pg_client)
    before = head(pg_client)
    r = pg_client.post(BASE, finding(location="别处"), as_="fire")
    assert r.status_code == 409 and r.json["fields"] == {"finding_no": ["already recorded"]}
    assert head(pg_client) == before


def test_a_major_hazard_must_cite_a_gb_35181_criterion(pg_client):
    register(pg_client)
    r = pg_client.post(BASE, finding(major=True), as_="fire")
    assert r.status_code == 422 and "GB 35181-2017" in r.json["fields"]["major_criterion"][0]
    r = pg_client.post(BASE, finding(major=True, major_criterion="消防法第十六条"), as_="fire")
    assert r.status_code == 422 and "major_criterion" in r.json["fields"]
    assert pg_client.post(BASE, finding(category="ghosts"), as_="fire").status_code == 422


def test_civil_affairs_records_findings_from_spot_checks_only_and_names_a_real_inspection(pg_client):
    register(pg_client)
    r = pg_client.post(BASE, finding(), as_="civil_affairs")
    assert r.status_code == 403
    r = pg_client.post(BASE, finding(origin="spot_check"), as_="civil_affairs")
    assert r.status_code == 422 and "spot_check_inspection_id" in r.json["fields"]
    unknown = "00000000-0000-0000-0000-000000000001"
    r = pg_client.post(BASE, finding(origin="spot_check", spot_check_inspection_id=unknown),
                       as_="civil_affairs")
    assert r.status_code == 404
    facility_id = pg_client.get(f"/api/v1/facilities/{USCC}").json["facility_id"]
    r = pg_client.post(BASE, finding(origin="spot_check", spot_check_inspection_id=facility_id),
                       as_="civil_affairs")
    assert r.status_code == 404  # an id of something that is not an inspection


def test_findings_for_unknown_facilities_or_future_dates_are_refused(pg_client):
    assert pg_client.post(BASE, finding(), as_="fire").status_code == 404
    register(pg_client)
    r = pg_client.post(BASE, finding(occurred_on="2026-12-01"), as_="fire")
    assert r.status_code == 422 and "in the future" in r.json["fields"]["occurred_on"][0]
    assert pg_client.get(BASE).status_code == 401  # case lists are for regulators
    assert pg_client.get(f"{BASE}/not-a-case", as_="fire").status_code == 404


def test_a_case_can_be_followed_up_by_the_fire_authoritys_own_finding_number(pg_client):
    register(pg_client)
    case_id = record(pg_client)
    fire = pg_client.container.tokens.actor_for(pg_client.tokens["fire"])
    result = pg_client.container.dispatcher.dispatch(
        "order_rectification",
        {"uscc": USCC, "finding_no": "XF-2026-001", "order_no": "限-9", "due_on": "2026-12-01"},
        Context(fire, source="kafka:fire-findings"),
    )
    assert result.id == case_id and result.data["due_on"] == date(2026, 12, 1)
    r = pg_client.post(f"{BASE}/{case_id}/rectification-orders", {"order_no": "限-10"}, as_="fire")
    assert r.status_code == 422 and "due_on" in r.json["fields"]
