"""定期报告 / 年度报告 over HTTP on PostgreSQL: due dates per facility kind, missing exactly once,
reminder and grace period, criterion (8), public filing records."""

from __future__ import annotations

from datetime import date, timedelta

from tests.e2e.duties_support import (
    USCC,
    at,
    events,
    head,
    listings_of,
    rating_points,
    register,
    run_clock,
    settle,
    track_reports_from,
)

BASE = "/api/v1/duty-reports"
ANNUAL = {"uscc": USCC, "kind": "annual_report", "period": "2025"}


def reports(client, **query) -> list[dict]:
    settle(client)
    qs = "&".join(f"{k}={v}" for k, v in {"uscc": USCC, **query}.items())
    r = client.get(f"{BASE}?{qs}", as_="civil_affairs")
    assert r.status_code == 200, r.json
    return r.json["items"]


def assert_rebuild_gives_the_same_tables(client) -> None:
    """The view as the running service built it (small pages, as events came) equals its rebuild from
    zero in large write-behind pages (opened and later steps merged per report)."""
    container = client.container
    settle(client)
    container.projection_service.stop()
    before = container.view("duty_reports").checksum()
    container.runner("duty_reports").rebuild()
    assert container.view("duty_reports").checksum() == before


def test_missing_annual_report_is_overdue_exactly_once_and_proposes_under_criterion_8(pg_client):
    register(pg_client)  # 民办非营利, registered 2025-01-06: owes the 2025 work report by 2026-05-31
    track_reports_from(pg_client, 2025)
    assert run_clock(pg_client, "2026-05-31").appended == 0  # filing on the due day is on time
    assert run_clock(pg_client, "2026-06-01").appended == 1
    again = run_clock(pg_client, "2026-06-02")
    assert again.appended == 0 and again.already_done == 0
    stale = pg_client.post(f"{BASE}/missing", {**ANNUAL, "today": "2026-06-02"}, as_="system")
    assert stale.status_code == 409
    [missing] = events(pg_client, "DutyReport.Missing")
    assert missing["occurred_on"] == "2026-06-01" and missing["source"] == "clock"
    assert missing["payload"]["due_on"] == "2026-05-31"
    assert listings_of(pg_client) == []  # missing alone proposes nothing: a reminder comes first

    at(pg_client, "2026-06-05")
    r = pg_client.post(
        f"{BASE}/reminders", {**ANNUAL, "reference": "晋民催〔2026〕5号", "occurred_on": "2026-06-05"}
    )
    assert r.status_code == 201, r.json
    grace = date.fromisoformat(r.json["data"]["grace_due_on"])
    assert grace == pg_client.container.app.calendar.add_working_days(date(2026, 6, 5), 15).due_on
    assert run_clock(pg_client, grace.isoformat()).appended == 0
    assert run_clock(pg_client, (grace + timedelta(days=1)).isoformat()).appended == 1
    assert run_clock(pg_client, (grace + timedelta(days=2)).isoformat()).appended == 0

    (proposal,) = listings_of(pg_client)
    assert proposal["criterion"] == "disclosure_failure" and proposal["list_kind"] == "key_attention"
    assert proposal["proposed_source"] == "policy:listing.annual_report_missing"
    assert proposal["status"] == "proposed"
    [row] = reports(pg_client)
    assert row["status"] == "missing" and row["grace_expired"] is True and row["reminded_on"] == "2026-06-05"
    facts = [p for p in rating_points(pg_client, as_of="2026-07-15") if p["fact"] == "duty_report_missing"]
    assert len(facts) == 1 and facts[0]["points"] == -5

    # filed at last: recorded late, and public as filed (facility, year, date — nothing else)
    at(pg_client, "2026-07-20")
    late = pg_client.post(BASE, {**ANNUAL, "occurred_on": "2026-07-20"})
    assert late.status_code == 201 and late.json["data"]["late"] is True
    public = pg_client.get(f"/api/v1/public/annual-reports?uscc={USCC}").json["items"]
    assert public == [{"uscc": USCC, "kind": "annual_report", "period": "2025", "submitted_on": "2026-07-20"}]
    assert_rebuild_gives_the_same_tables(pg_client)


def test_annual_report_filed_on_time_is_never_missing(pg_client):
    register(pg_client)
    track_reports_from(pg_client, 2025)
    r = pg_client.post(BASE, {**ANNUAL, "occurred_on": "2026-03-10"})
    assert (
        r.status_code == 201 and r.json["data"]["late"] is False and r.json["data"]["due_on"] == "2026-05-31"
    )
    assert run_clock(pg_client, "2026-07-01").appended == 0
    assert pg_client.post(BASE, {**ANNUAL, "occurred_on": "2026-03-11"}).status_code == 409
    [row] = reports(pg_client)
    assert row["status"] == "submitted" and row["late"] is False
    assert [p for p in rating_points(pg_client) if p["fact"] == "duty_report_missing"] == []


def test_for_profit_facility_files_by_30_june_and_a_public_one_by_31_march(pg_client):
    register(pg_client, profit_status="for_profit")
    r = pg_client.post(BASE, {**ANNUAL, "occurred_on": "2026-06-30"})
    assert (
        r.status_code == 201 and r.json["data"]["due_on"] == "2026-06-30" and r.json["data"]["late"] is False
    )
    other = "91110000802100433B"
    register(pg_client, uscc=other, ownership="public")
    r = pg_client.post(BASE, {**ANNUAL, "uscc": other, "occurred_on": "2026-04-01"})
    assert (
        r.status_code == 201 and r.json["data"]["due_on"] == "2026-03-31" and r.json["data"]["late"] is True
    )


def test_operations_report_is_due_15_working_days_after_the_quarter_on_the_official_calendar(pg_client):
    register(pg_client, ownership="public_built_private_run")
    track_reports_from(pg_client, 2025)
    due = pg_client.container.app.calendar.add_working_days(date(2026, 9, 30), 15).due_on
    assert due > date(2026, 10, 21)  # the National Day holidays are not working days
    r = pg_client.post(
        BASE, {"uscc": USCC, "kind": "operations_report", "period": "2026Q3", "occurred_on": due.isoformat()}
    )
    assert (
        r.status_code == 201
        and r.json["data"]["due_on"] == due.isoformat()
        and r.json["data"]["late"] is False
    )
    # the clock finds every other quarter since registration (2025Q1–2026Q2) and the 2025 work report
    report = run_clock(pg_client, "2026-11-26")
    assert report.appended == 7
    assert run_clock(pg_client, "2026-11-27").appended == 0
    missing = reports(pg_client, status="missing", page_size=50)
    assert sorted(r["period"] for r in missing if r["kind"] == "operations_report") == [
        "2025Q1",
        "2025Q2",
        "2025Q3",
        "2025Q4",
        "2026Q1",
        "2026Q2",
    ]
    # the operations report is not public: nothing but annual reports appear there
    assert pg_client.get("/api/v1/public/annual-reports").json["items"] == []
    assert_rebuild_gives_the_same_tables(pg_client)


def test_bad_report_input_is_refused_and_writes_nothing(pg_client):
    register(pg_client)
    before = head(pg_client)
    cases = [
        ({**ANNUAL, "period": "2025Q5"}, 422, "period"),
        ({**ANNUAL, "kind": "operations_report", "period": "2025Q1"}, 422, "kind"),  # private: not owed
        ({**ANNUAL, "period": "2026"}, 422, "period"),  # the year has not ended
        ({**ANNUAL, "period": "2024"}, 422, "period"),  # before registration / tracking
        ({**ANNUAL, "uscc": "91110000802100433B"}, 404, "uscc"),
        ({"kind": "annual_report", "period": "2025"}, 422, "uscc"),
    ]
    for body, status, field in cases:
        r = pg_client.post(BASE, body)
        assert r.status_code == status and field in r.json["fields"], (body, r.json)
    assert pg_client.post(BASE, ANNUAL, as_="fire").status_code == 403
    assert pg_client.post(f"{BASE}/reminders", ANNUAL).status_code == 404  # nothing is missing yet
    assert pg_client.post(f"{BASE}/missing", {**ANNUAL, "today": "2026-06-01"}).status_code == 403
    assert head(pg_client) == before
    pg_client.post(BASE, {**ANNUAL, "occurred_on": "2026-05-01"})
    assert pg_client.post(f"{BASE}/reminders", ANNUAL).status_code == 409  # submitted: nothing to remind


def test_until_the_city_sets_its_tracking_year_the_clock_marks_no_report_missing(pg_client):
    register(pg_client)
    assert pg_client.container.app.duty_report_policy.first_year is None
    assert run_clock(pg_client, "2026-11-26").appended == 0  # the 2025 report may have been filed on paper
    late = pg_client.post(BASE, {**ANNUAL, "occurred_on": "2026-06-15"})
    assert late.status_code == 201 and late.json["data"]["late"] is True  # filings still say when late
    track_reports_from(pg_client, 2026)
    assert run_clock(pg_client, "2026-11-27").appended == 0  # 2026 reports are not due before 2027
