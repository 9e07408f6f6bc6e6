"""约谈 over HTTP on PostgreSQL: summons, held or not attended, commitments fulfilled or overdue,
on the facility's timeline and in the supervision rating."""

from __future__ import annotations

import json

from tests.e2e.duties_support import USCC, at, events, head, rating_points, register, run_clock

BASE = "/api/v1/interviews"


def summon(client, **overrides) -> str:
    body = {
        "uscc": USCC,
        "reason": "连续两次投诉属实，消防隐患整改迟缓",
        "scheduled_on": "2026-11-10",
        "summoned_roles": ["legal_representative", "person_in_charge"],
        "place": "市民政局302会议室",
        "notice_no": "晋民约〔2026〕2号",
        "occurred_on": "2026-11-03",
    }
    body.update(overrides)
    r = client.post(BASE, body)
    assert r.status_code == 201, r.json
    return r.json["data"]["interview_id"]


def hold(client, iid: str, **overrides) -> None:
    body = {
        "uscc": USCC,
        "attendees": [{"name": "王建国", "position": "法定代表人"}],
        "minutes": "通报问题，机构承诺限期整改",
        "occurred_on": "2026-11-10",
        "commitments": [
            {"item": "完成消防通道清理", "due_on": "2026-11-20"},
            {"item": "提交投诉整改报告", "due_on": "2026-11-30"},
        ],
    }
    body.update(overrides)
    r = client.post(f"{BASE}/{iid}/held", body)
    assert r.status_code == 201, r.json


def test_commitment_not_met_by_its_deadline_is_overdue_exactly_once_and_costs_rating_points(pg_client):
    register(pg_client, on="2026-01-05")  # owes no report before 2027
    at(pg_client, "2026-11-10")
    iid = summon(pg_client)
    hold(pg_client, iid)
    at(pg_client, "2026-11-18")
    r = pg_client.post(
        f"{BASE}/{iid}/commitments/1/fulfilment",
        {"uscc": USCC, "evidence": "现场复查通道畅通", "occurred_on": "2026-11-18"},
    )
    assert r.status_code == 201, r.json
    assert run_clock(pg_client, "2026-11-30").appended == 0  # no. 2 is due today: on time
    assert run_clock(pg_client, "2026-12-01").appended == 1
    assert run_clock(pg_client, "2026-12-02").appended == 0
    again = pg_client.post(
        f"{BASE}/{iid}/commitments/2/overdue", {"uscc": USCC, "today": "2026-12-02"}, as_="system"
    )
    assert again.status_code == 409
    shown = pg_client.get(f"{BASE}/{iid}", as_="civil_affairs").json
    assert shown["status"] == "held" and shown["attendee_count"] == 1
    assert [(c["no"], c["on_time"], c["overdue"]) for c in shown["commitments"]] == [
        (1, True, False),
        (2, None, True),
    ]
    # on the facility's timeline, without the attendees' names
    timeline = events(pg_client, "Interview.")
    assert [e["event_type"] for e in timeline] == [
        "Interview.Summoned",
        "Interview.Held",
        "Interview.CommitmentFulfilled",
        "Interview.CommitmentOverdue",
    ]
    assert "王建国" not in json.dumps(timeline, ensure_ascii=False)
    facts = sorted((p["fact"], p["points"]) for p in rating_points(pg_client, as_of="2026-12-02"))
    assert facts == [("interview_commitment_overdue", -10), ("interview_held", -5)]


def test_interview_not_attended_is_recorded_and_costs_more_than_one_held(pg_client):
    register(pg_client, on="2026-01-05")  # owes no report before 2027
    at(pg_client, "2026-11-10")
    iid = summon(pg_client)
    r = pg_client.post(
        f"{BASE}/{iid}/not-attended", {"uscc": USCC, "note": "无故未到", "occurred_on": "2026-11-09"}
    )
    assert r.status_code == 422 and "occurred_on" in r.json["fields"]  # before the scheduled day
    r = pg_client.post(
        f"{BASE}/{iid}/not-attended", {"uscc": USCC, "note": "无故未到", "occurred_on": "2026-11-10"}
    )
    assert r.status_code == 201, r.json
    before = head(pg_client)
    assert (
        pg_client.post(
            f"{BASE}/{iid}/held", {"uscc": USCC, "attendees": [{"name": "李芳"}], "minutes": "x"}
        ).status_code
        == 409
    )
    assert head(pg_client) == before
    [point] = rating_points(pg_client)
    assert point["fact"] == "interview_not_attended" and point["points"] == -15
    listed = pg_client.get(f"{BASE}?uscc={USCC}&status=not_attended", as_="civil_affairs").json
    assert [i["interview_id"] for i in listed["items"]] == [iid]


def test_bad_interview_input_is_refused_and_writes_nothing(pg_client):
    register(pg_client, on="2026-01-05")  # owes no report before 2027
    at(pg_client, "2026-11-10")
    before = head(pg_client)
    r = pg_client.post(
        BASE, {"uscc": USCC, "reason": "", "scheduled_on": "2026-11-01", "summoned_roles": ["mayor"]}
    )
    assert r.status_code == 422 and {"reason", "summoned_roles.0"} <= set(r.json["fields"])
    r = pg_client.post(
        BASE,
        {
            "uscc": USCC,
            "reason": "r",
            "scheduled_on": "2026-11-01",
            "summoned_roles": ["person_in_charge"],
            "occurred_on": "2026-11-03",
        },
    )
    assert r.status_code == 422 and "scheduled_on" in r.json["fields"]
    assert (
        pg_client.post(
            BASE,
            {
                "uscc": "91110000802100433B",
                "reason": "r",
                "scheduled_on": "2026-11-20",
                "summoned_roles": ["person_in_charge"],
            },
        ).status_code
        == 404
    )
    assert head(pg_client) == before
    iid = summon(pg_client)
    before = head(pg_client)
    r = pg_client.post(
        f"{BASE}/{iid}/held",
        {
            "uscc": USCC,
            "attendees": [{"name": "王建国"}],
            "minutes": "m",
            "commitments": [{"item": "x", "due_on": "2026-11-10"}],
            "occurred_on": "2026-11-10",
        },
    )
    assert r.status_code == 422 and "commitments[0].due_on" in r.json["fields"]
    r = pg_client.post(f"{BASE}/{iid}/commitments/1/fulfilment", {"uscc": USCC, "evidence": "e"})
    assert r.status_code == 409  # not held yet
    assert (
        pg_client.post(
            f"{BASE}/{iid}/held", {"uscc": "91110000802100433B", "attendees": [{"name": "a"}], "minutes": "m"}
        ).status_code
        == 404
    )
    assert pg_client.post(f"{BASE}/not-a-uuid/held", {"uscc": USCC}).status_code == 422
    assert head(pg_client) == before
    hold(pg_client, iid)
    r = pg_client.post(f"{BASE}/{iid}/commitments/9/fulfilment", {"uscc": USCC, "evidence": "e"})
    assert r.status_code == 404
