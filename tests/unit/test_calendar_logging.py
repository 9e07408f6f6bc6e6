"""A deadline computed without official calendar data says so in the log as well as on itself."""

from datetime import date

from structlog.testing import capture_logs

from infra.bootstrap import LoggingCalendar


def test_a_provisional_deadline_is_logged_and_an_official_one_is_not():
    calendar = LoggingCalendar()
    with capture_logs() as logs:
        official = calendar.add_working_days(date(2025, 9, 26), 20)
        provisional = calendar.add_working_days(date(2031, 1, 3), 1)
    assert official.basis == "official" and provisional.basis == "provisional"
    assert [e["event"] for e in logs] == ["deadline_without_official_calendar"]
    assert logs[0]["due_on"] == "2031-01-06" and "provisional" in logs[0]["note"]
