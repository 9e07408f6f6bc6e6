"""The duties' rules as data: incident report deadlines, report schedules and due dates, rating points."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from supervision.policy.calendar import WorkingCalendar
from supervision.policy.duty_reports import (
    ANNUAL_REPORT,
    DUTY_REPORTS_DEFAULT,
    OPERATIONS_REPORT,
    ReportSchedule,
    check_period,
    period_end,
)
from supervision.policy.incidents import INCIDENT_REPORTING_DEFAULT, IncidentReportPolicy
from supervision.policy.listing_criteria import criterion
from supervision.policy.rating import CURRENT_RATING, RATING_2026, RATING_POLICIES

SH = ZoneInfo("Asia/Shanghai")
P = INCIDENT_REPORTING_DEFAULT
R = DUTY_REPORTS_DEFAULT


def test_deaths_and_fires_are_due_in_2_hours_everything_else_in_24_by_default():
    assert P.hours_for("death_unnatural") == 2 and P.hours_for("fire") == 2
    for category in (
        "serious_injury",
        "food_poisoning",
        "epidemic_cluster",
        "missing_resident",
        "abuse",
        "service_suspension",
        "other",
    ):
        assert P.hours_for(category) == 24
    assert "默认" in P.legal_basis and P.version


def test_a_report_at_the_deadline_is_on_time_and_a_second_later_is_late():
    happened = datetime(2026, 11, 20, 8, 0, tzinfo=SH)
    assert P.report_due_at("fire", happened) == datetime(2026, 11, 20, 10, 0, tzinfo=SH)
    assert not P.is_late("fire", happened, happened + timedelta(hours=2))
    assert P.is_late("fire", happened, happened + timedelta(hours=2, seconds=1))
    utc = datetime(2026, 11, 20, 2, 30, tzinfo=UTC)  # 10:30 in Shanghai
    assert P.is_late("fire", happened, utc)


def test_a_city_sets_its_own_deadlines_and_naive_times_and_unknown_categories_are_refused():
    city = IncidentReportPolicy(
        "incident_report_deadline", "city-1", "某市规定", default_hours=12, hours_by_category={"abuse": 6}
    )
    assert city.hours_for("abuse") == 6 and city.hours_for("fire") == 12
    with pytest.raises(ValueError):
        P.report_due_at("fire", datetime(2026, 11, 20, 8, 0))
    with pytest.raises(KeyError):
        P.hours_for("meteor")
    with pytest.raises(ValueError):
        IncidentReportPolicy("x", "1", "b", default_hours=24, hours_by_category={"meteor": 1})


def test_annual_report_due_dates_depend_on_the_kind_of_facility():
    cal = WorkingCalendar()
    public = R.schedule(ANNUAL_REPORT, "public", "non_profit")
    private = R.schedule(ANNUAL_REPORT, "private", "non_profit")
    enterprise = R.schedule(ANNUAL_REPORT, "private", "for_profit")
    assert public and private and enterprise
    assert R.due(public, "2025", cal).due_on == date(2026, 3, 31)
    assert R.due(private, "2025", cal).due_on == date(2026, 5, 31)
    assert R.due(enterprise, "2025", cal).due_on == date(2026, 6, 30)
    assert all(
        s.listing_criterion == "disclosure_failure" and s.public_filing for s in (public, private, enterprise)
    )
    assert criterion("disclosure_failure").number == 8


def test_only_publicly_built_privately_run_facilities_owe_quarterly_operations_reports():
    assert R.schedule(OPERATIONS_REPORT, "private", "non_profit") is None
    ops = R.schedule(OPERATIONS_REPORT, "public_built_private_run", "non_profit")
    assert ops is not None and ops.due_working_days == 15 and not ops.public_filing
    kinds = [s.kind for s in R.schedules_for("public_built_private_run", "non_profit")]
    assert kinds == [ANNUAL_REPORT, OPERATIONS_REPORT]


def test_quarterly_due_dates_count_working_days_on_the_official_calendar():
    cal = WorkingCalendar()
    ops = R.schedule(OPERATIONS_REPORT, "public_built_private_run", "non_profit")
    due = R.due(ops, "2026Q3", cal)
    assert due == cal.add_working_days(date(2026, 9, 30), 15)
    assert due.due_on > date(2026, 10, 21)  # 国庆 holidays are skipped
    assert R.grace_until(date(2026, 6, 5), cal) == cal.add_working_days(date(2026, 6, 5), 15)


def test_periods_owed_run_from_registration_and_the_first_tracked_year_until_exit():
    ops = R.schedule(OPERATIONS_REPORT, "public_built_private_run", "non_profit")
    annual = R.schedule(ANNUAL_REPORT, "private", "non_profit")
    assert list(R.periods(ops, date(2024, 5, 1), date(2024, 12, 1), until=date(2026, 11, 26))) == [
        "2024Q2",
        "2024Q3",
    ]  # untracked (first_year None): every period since registration may still be filed
    T = R.tracking_from(2025)
    assert T.first_year == 2025 and T.version == "duty-reports#default-1+from-2025"
    assert list(T.periods(ops, date(2026, 2, 1), None, until=date(2026, 11, 26))) == [
        "2026Q1",
        "2026Q2",
        "2026Q3",
    ]
    assert list(T.periods(ops, date(2024, 5, 1), date(2025, 7, 15), until=date(2026, 11, 26))) == [
        "2025Q1",
        "2025Q2",
    ]
    assert list(T.periods(annual, date(2020, 1, 1), None, until=date(2026, 11, 26))) == ["2025"]
    with pytest.raises(ValueError):
        R.tracking_from(1999)


def test_periods_are_years_or_quarters():
    assert period_end("2025") == date(2025, 12, 31) and period_end("2026Q2") == date(2026, 6, 30)
    for bad in ("2025Q5", "25", "2025-1", "Q12025"):
        with pytest.raises(ValueError):
            period_end(bad)
    with pytest.raises(ValueError):
        check_period("annual", "2025Q1")
    with pytest.raises(ValueError):
        ReportSchedule("x", "x", "quarterly", (), (), "b", due_month_day=(1, 1))


def test_rating_2026_2_adds_the_duties_and_keeps_every_earlier_figure():
    assert CURRENT_RATING.version == "rating-2026.2" and set(RATING_POLICIES) == {
        "rating-2026.1",
        "rating-2026.2",
    }
    for fact, points in RATING_2026.points.items():
        assert CURRENT_RATING.points[fact] == points
    added = {k: v for k, v in CURRENT_RATING.points.items() if k not in RATING_2026.points}
    assert added == {
        "incident_reported_late": -10,
        "incident_responsibility": -30,
        "duty_report_missing": -5,
        "interview_held": -5,
        "interview_not_attended": -15,
        "interview_commitment_overdue": -10,
    }


def test_the_city_sets_its_tracking_year_through_the_environment(tmp_path):
    from infra.settings import Settings, SettingsError
    from tests.support import make_container

    assert Settings.from_env({}).duty_reports_from is None
    assert Settings.from_env({"ELDERCARE_DUTY_REPORTS_FROM": "2026"}).duty_reports_from == 2026
    with pytest.raises(SettingsError):
        Settings.from_env({"ELDERCARE_DUTY_REPORTS_FROM": "last year"})
    container = make_container(f"sqlite:///{tmp_path}/e.sqlite", tmp_path / "var", duty_reports_from=2026)
    try:
        assert container.app.duty_report_policy.first_year == 2026
    finally:
        container.close()
