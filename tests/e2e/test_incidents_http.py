"""突发重大情况 over HTTP on PostgreSQL: reports on time or late, findings of responsibility, listing."""

from __future__ import annotations

import json

from tests.e2e.duties_support import USCC, at, events, head, listings_of, rating_points, register, settle

BASE = "/api/v1/incidents"


def incident(**overrides) -> dict:
    body = {
        "uscc": USCC,
        "category": "fire",
        "severity": "general",
        "occurred_at": "2026-11-20T08:00:00+08:00",
        "reported_at": "2026-11-20T09:30:00+08:00",
        "summary": "厨房油锅起火，已扑灭，一名老人轻微烫伤",
        "injuries": 1,
        "residents": [{"name": "张大爷", "id_number": "11010519491231002X", "outcome": "injured"}],
    }
    body.update(overrides)
    return body


def report(client, **overrides) -> str:
    r = client.post(BASE, incident(**overrides))
    assert r.status_code == 201, r.json
    return r.json["data"]["incident_id"]


def test_fire_incident_reported_after_its_deadline_is_recorded_late(pg_client):
    register(pg_client)
    late_id = report(pg_client, reported_at="2026-11-20T10:00:01+08:00")  # 2 h and 1 s after
    on_time_id = report(pg_client, reported_at="2026-11-20T10:00:00+08:00")  # at the deadline: on time
    late = pg_client.get(f"{BASE}/{late_id}", as_="civil_affairs").json
    assert late["late"] is True and late["deadline_hours"] == 2
    assert late["report_due_at"].startswith("2026-11-20T02:00:00")  # 10:00 Asia/Shanghai in UTC
    assert late["policy_version"] == "incidents#default-1"
    assert pg_client.get(f"{BASE}/{on_time_id}", as_="civil_affairs").json["late"] is False
    listed = pg_client.get(f"{BASE}?uscc={USCC}&late=true", as_="civil_affairs").json
    assert [i["incident_id"] for i in listed["items"]] == [late_id]
    # the late report costs rating points (rating-2026.2); the on-time one does not
    points = [p for p in rating_points(pg_client) if p["fact"] == "incident_reported_late"]
    assert len(points) == 1 and points[0]["points"] == -10 and points[0]["policy_version"] == "rating-2026.2"


def test_other_incidents_have_24_hours_and_a_naive_time_is_read_as_shanghai(pg_client):
    register(pg_client)
    iid = report(
        pg_client,
        category="missing_resident",
        occurred_at="2026-11-20T08:00:00",
        reported_at="2026-11-21T07:59:00",
        residents=None,
    )
    shown = pg_client.get(f"{BASE}/{iid}", as_="civil_affairs").json
    assert shown["late"] is False and shown["deadline_hours"] == 24


def test_residents_are_sealed_and_never_shown(pg_client):
    register(pg_client)
    iid = report(pg_client)
    [reported] = events(pg_client, "Incident.Reported")
    text = json.dumps(reported, ensure_ascii=False)
    assert "张大爷" not in text and "11010519491231002X" not in text
    stored = pg_client.container.app.get_incident(iid)
    assert stored is not None
    raw = next(iter(pg_client.container.app.events.get(stored.id)))
    assert raw.residents_sealed and "张大爷" not in raw.residents_sealed
    opened = pg_client.container.app.sealer.unseal(raw.residents_sealed)
    assert opened["residents"][0]["name"] == "张大爷"
    shown = json.dumps(pg_client.get(f"{BASE}/{iid}", as_="civil_affairs").json, ensure_ascii=False)
    assert "张大爷" not in shown and "summary" not in pg_client.get(f"{BASE}/{iid}", as_="civil_affairs").json


def test_finding_of_direct_responsibility_proposes_listing_under_criterion_5(pg_client):
    register(pg_client)
    iid = report(pg_client, category="death_unnatural", severity="serious", deaths=1)
    step = {"uscc": USCC, "occurred_on": "2026-11-22"}
    # another registered agency cannot be named as the authority (attribution rule), and nothing changes
    before = head(pg_client)
    claimed = pg_client.post(f"{BASE}/{iid}/investigation", {**step, "authority": "MZJ-140500"}, as_="fire")
    assert claimed.status_code == 403 and "authority" in claimed.json["fields"], claimed.json
    assert head(pg_client) == before
    assert pg_client.post(f"{BASE}/{iid}/investigation", step).status_code == 201
    shown = pg_client.get(f"{BASE}/{iid}", as_="civil_affairs").json
    assert shown["investigating_authority"] == "MZB-100000"  # the recording actor's agency by default
    r = pg_client.post(
        f"{BASE}/{iid}/finding",
        {
            **step,
            "authority": "晋城市应急管理局",
            "decision_no": "晋市应急调〔2026〕8号",
            "responsibility": "direct",
            "cause": "夜间值守缺位",
            "occurred_on": "2026-11-25",
        },
    )
    assert r.status_code == 201, r.json
    (proposal,) = listings_of(pg_client)
    assert proposal["criterion"] == "safety_accident" and proposal["list_kind"] == "joint_punishment"
    assert proposal["status"] == "proposed"
    assert proposal["proposed_source"] == "policy:listing.incident_responsibility"
    assert all(e.startswith(iid) for e in proposal["evidence"])
    facts = {p["fact"]: p["points"] for p in rating_points(pg_client)}
    assert facts["incident_responsibility"] == -30
    # concluded: public now shows category and date — nothing else
    public = pg_client.get(f"/api/v1/public/incidents?uscc={USCC}").json
    assert public["items"] == [
        {
            "incident_id": iid,
            "uscc": USCC,
            "category": "death_unnatural",
            "incident_on": "2026-11-20",
            "concluded_on": "2026-11-25",
        }
    ]
    # a second finding is refused and changes nothing
    before = head(pg_client)
    again = pg_client.post(f"{BASE}/{iid}/finding", {**step, "decision_no": "X-2", "responsibility": "main"})
    assert again.status_code == 409 and head(pg_client) == before


def test_secondary_responsibility_proposes_nothing_and_open_incidents_are_not_public(pg_client):
    register(pg_client)
    iid = report(pg_client)
    assert pg_client.get("/api/v1/public/incidents").json["items"] == []
    r = pg_client.post(
        f"{BASE}/{iid}/finding",
        {
            "uscc": USCC,
            "decision_no": "晋消认〔2026〕3号",
            "responsibility": "secondary",
        },
        as_="fire",
    )
    assert r.status_code == 201, r.json
    settle(pg_client)
    assert listings_of(pg_client) == []
    assert [i["category"] for i in pg_client.get("/api/v1/public/incidents").json["items"]] == ["fire"]


def test_bad_incident_input_is_refused_field_by_field_and_writes_nothing(pg_client):
    register(pg_client)
    before = head(pg_client)
    r = pg_client.post(BASE, incident(category="meteor", reported_at="not a time", deaths=-1))
    assert r.status_code == 422 and {"category", "reported_at", "deaths"} <= set(r.json["fields"])
    r = pg_client.post(BASE, incident(reported_at="2026-11-20T07:00:00+08:00"))
    assert r.status_code == 422 and "reported_at" in r.json["fields"]
    at(pg_client, "2026-11-26")
    r = pg_client.post(
        BASE, incident(occurred_at="2026-11-27T08:00:00+08:00", reported_at="2026-11-27T09:00:00+08:00")
    )
    assert r.status_code == 422
    r = pg_client.post(BASE, incident(uscc="91110000802100433B"))
    assert r.status_code == 404
    assert pg_client.post(BASE, incident(), as_="system").status_code == 403
    assert pg_client.post(BASE, incident(), as_=None).status_code == 401
    assert head(pg_client) == before
    iid = report(pg_client)
    # a step naming another facility's USCC does not find the incident
    wrong = pg_client.post(f"{BASE}/{iid}/investigation", {"uscc": "91110000802100433B", "authority": "X"})
    assert wrong.status_code == 404
    missing_uscc = pg_client.post(f"{BASE}/{iid}/investigation", {"authority": "X"})
    assert missing_uscc.status_code == 422 and "uscc" in missing_uscc.json["fields"]
