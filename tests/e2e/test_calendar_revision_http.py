"""Loading the 2027 State Council schedule revises exactly the open provisional deadlines (PostgreSQL).

The 2027 notice here (invented for the test) adds an adjusted working Saturday (2027-01-30) and one
holiday beyond the statutory days (Tue 2027-02-09). Today is 2027-02-10.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from infra.clock import tick
from supervision.policy.statutory_holidays import statutory_holidays
from tests.support import facility_payload

USCC = "91350100M000100Y43"
TODAY = date(2027, 2, 10)
DOC = "国办发明电〔2026〕12号"


@pytest.fixture
def today() -> date:
    return TODAY


def notice() -> dict:
    days = set(statutory_holidays(2027)) | {date(2027, 1, 2), date(2027, 1, 3), date(2027, 2, 9)}
    return {"year": 2027, "document_no": DOC, "holidays": sorted(d.isoformat() for d in days),
            "working_days": ["2027-01-30"]}


def head(client) -> int:
    return client.container.app.recorder.max_notification_id() or 0


def run_clock(client, today: date):
    client.container.clock.set(today)
    client.container.wait_for(head(client))
    report = tick(client.container, today)
    client.container.wait_for(head(client))
    return report


def register(client, received: str, status: int = 201) -> str:
    r = client.post("/api/v1/complaints", {"uscc": USCC, "channel": "online", "category": "fees",
                                           "summary": f"收费问题 {received}", "occurred_on": received})
    assert r.status_code == status, r.json.get("read_models")
    return r.json["data"]["complaint_id"]


def deadlines(client) -> dict[tuple[str, str], dict]:
    r = client.get(f"/api/v1/complaints/deadlines?uscc={USCC}", as_="civil_affairs")
    assert r.status_code == 200, r.json
    return {(d["complaint_id"], d["kind"]): d for d in r.json}


def events_of(client, complaint_id: str) -> list[str]:
    from uuid import UUID

    return [type(e).__name__ for e in client.container.app.events.get(UUID(complaint_id))]


def test_loading_2027_schedule_revises_exactly_the_affected_open_deadlines(pg_client) -> None:
    client = pg_client
    assert client.post("/api/v1/facilities", facility_payload(uscc=USCC)).status_code == 201
    official = register(client, "2026-11-20")  # every deadline inside 2026: official
    newyear = register(client, "2026-12-31")  # acknowledged in time; conclusion provisional
    assert client.post(f"/api/v1/complaints/{newyear}/acknowledgement",
                       {"occurred_on": "2027-01-04"}).status_code == 201
    saturday = register(client, "2027-01-29")  # ack provisional Mon 02-01; officially Sat 01-30
    holiday = register(client, "2027-02-08")  # ack provisional Tue 02-09; officially Wed 02-10

    before = deadlines(client)
    assert before[(newyear, "conclude")]["due_on"] == "2027-01-22"
    assert before[(newyear, "conclude")]["basis"] == "provisional"
    assert before[(saturday, "acknowledge")]["due_on"] == "2027-02-01"
    assert before[(holiday, "acknowledge")]["due_on"] == "2027-02-09"
    assert before[(official, "conclude")]["basis"] == "official"
    assert all("/" not in d["note"] for d in before.values())  # data named, never a path

    # both of `official`, newyear's conclusion, saturday's and holiday's acknowledgement
    assert run_clock(client, TODAY).appended == 5
    marked = deadlines(client)
    assert marked[(holiday, "acknowledge")]["marked_overdue_on"] == "2027-02-10"
    untouched = {k: v for k, v in marked.items() if k[0] == official}

    # a notice without a statutory day is refused field by field, and nothing is written
    bad = notice()
    bad["holidays"].remove("2027-09-15")
    n0 = head(client)
    r = client.post("/api/v1/calendar/schedules", bad, as_="admin")
    assert r.status_code == 422 and "中秋节" in r.json["fields"]["holidays"][0]
    assert client.post("/api/v1/calendar/schedules", notice()).status_code == 403  # admins only
    assert head(client) == n0

    r = client.post("/api/v1/calendar/schedules", notice(), as_="admin")
    assert r.status_code == 201, r.json
    revised = {(d["aggregate_id"], d["deadline"]): (d["old_due_on"], d["due_on"], d["basis"])
               for d in r.json["data"]["revised"]}
    holiday_conclusion = revised.pop((holiday, "conclude"))
    assert holiday_conclusion[2] == "official" and holiday_conclusion[1] > holiday_conclusion[0]
    saturday_conclusion = revised.pop((saturday, "conclude"))
    assert saturday_conclusion[2] == "official"
    assert revised == {
        (newyear, "conclude"): ("2027-01-22", "2027-01-22", "official"),  # basis only
        (saturday, "acknowledge"): ("2027-02-01", "2027-01-30", "official"),
        (holiday, "acknowledge"): ("2027-02-09", "2027-02-10", "official"),
    }
    # the markings made on dates that changed are withdrawn; the one on an unchanged date holds
    assert r.json["data"]["overdue_withdrawn"] == 2
    # acknowledgement revised and its marking withdrawn, then the conclusion revised
    assert events_of(client, holiday)[-3:] == ["DeadlineRevised", "OverdueWithdrawn", "DeadlineRevised"]
    assert "OverdueWithdrawn" not in events_of(client, newyear)
    assert events_of(client, official)[-1] == "ConclusionOverdue"  # nothing else changed

    after = deadlines(client)
    assert after[(holiday, "acknowledge")]["due_on"] == "2027-02-10"
    assert after[(holiday, "acknowledge")]["marked_overdue_on"] is None
    assert after[(holiday, "acknowledge")]["note"] == f"2027: {DOC}"
    assert after[(newyear, "conclude")]["marked_overdue_on"] is not None
    assert {k: v for k, v in after.items() if k[0] == official} == untouched

    # the clock marks again what is overdue on the new date (saturday's ack), not the holiday's
    assert run_clock(client, TODAY).appended == 1
    assert deadlines(client)[(saturday, "acknowledge")]["marked_overdue_on"] == "2027-01-31"
    assert run_clock(client, date(2027, 2, 11)).appended == 1  # the holiday's ack, due 02-10
    # loading the same schedule again is a conflict, and revisiting again changes nothing
    assert client.post("/api/v1/calendar/schedules", notice(), as_="admin").status_code == 409
    again = client.container.dispatcher.dispatch(
        "revisit_provisional_deadlines", {}, _system())
    assert again.data["revised"] == []

    # replay: a rebuilt view is the same, and a new process computes on the loaded schedule
    expected = deadlines(client)
    client.container.projection_service.stop()
    client.container.projection_service = None
    client.container.runner("complaints").rebuild()
    assert deadlines(client) == expected
    client.container.settings = replace(client.container.settings, read_models_wait_s=0.5)
    late = register(client, "2027-02-08", status=202)  # no runner follows the log now: honest 202
    client.container.runner("complaints").catch_up()
    row = deadlines(client)[(late, "acknowledge")]
    assert (row["due_on"], row["basis"], row["note"]) == ("2027-02-10", "official", f"2027: {DOC}")

    r = client.get("/api/v1/calendar/2027")
    assert r.status_code == 200 and r.json["loaded_notice"]["document_no"] == DOC
    assert r.json["basis"] == "official"


def _system():
    from supervision.application import Context
    from supervision.domain.values import SYSTEM_ACTOR

    return Context(SYSTEM_ACTOR, source="test")
