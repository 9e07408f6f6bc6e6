"""A deadline computed without official calendar data says so in the log as well as on itself."""

from datetime import date

from structlog.testing import capture_logs

from infra.bootstrap import LoggingCalendar


def test_a_fallback_deadline_is_logged_and_an_official_one_is_not():
    calendar = LoggingCalendar()
    with capture_logs() as logs:
        official = calendar.add_working_days(date(2025, 9, 26), 20)
        fallback = calendar.add_working_days(date(2031, 1, 3), 1)
    assert official.basis == "official" and fallback.basis == "fallback"
    assert [e["event"] for e in logs] == ["deadline_without_official_calendar"]
    assert logs[0]["due_on"] == "2031-01-06" and "not in the official calendar data" in logs[0]["note"]
