"""Working-day deadlines on China's official calendar, with a declared provisional fallback."""

import json
from datetime import date, datetime
from pathlib import Path

import pytest

from supervision.policy.calendar import (
    DEFAULT_HOLIDAYS_PATH,
    Deadline,
    HolidayFile,
    WorkingCalendar,
    _official_is_workday,
)

OFFICIAL = WorkingCalendar(HolidayFile())


def write_holiday_file(tmp_path: Path, content: object) -> Path:
    path = tmp_path / "holidays.json"
    text = content if isinstance(content, str) else json.dumps(content)
    path.write_text(text, encoding="utf-8")
    return path


# --- official calendar -------------------------------------------------------------------


def test_twenty_working_days_across_national_day_skip_the_golden_week() -> None:
    # Completed Fri 2025-09-26; Sun 09-28 and Sat 10-11 are adjusted working days,
    # 10-01..10-08 are off. Count: 09-28, 09-29, 09-30, 10-09, 10-10, 10-11, then 14 weekdays.
    deadline = OFFICIAL.add_working_days(date(2025, 9, 26), 20)
    assert deadline == Deadline(due_on=date(2025, 10, 30), basis="official",
                               note="2025: chinese-calendar 1.11.0")


def test_adjusted_working_weekends_are_working_days_and_holidays_are_not() -> None:
    assert OFFICIAL.is_working_day(date(2025, 9, 28))  # Sunday, 调休上班
    assert OFFICIAL.is_working_day(date(2025, 10, 11))  # Saturday, 调休上班
    assert not OFFICIAL.is_working_day(date(2025, 10, 6))  # Monday, Mid-autumn
    assert not OFFICIAL.is_working_day(date(2025, 10, 12))  # ordinary Sunday


def test_spring_festival_2026_pauses_the_count_for_nine_days() -> None:
    # Fri 2026-02-13; Sat 02-14 is worked, 02-15..02-23 are off, Sat 02-28 is worked.
    assert OFFICIAL.add_working_days(date(2026, 2, 13), 2).due_on == date(2026, 2, 24)
    assert OFFICIAL.add_working_days(date(2026, 2, 13), 5).due_on == date(2026, 2, 27)
    assert OFFICIAL.add_working_days(date(2026, 2, 13), 6).due_on == date(2026, 2, 28)


def test_one_working_day_after_the_friday_before_spring_festival_is_the_worked_saturday() -> None:
    assert OFFICIAL.add_working_days(date(2026, 2, 13), 1).due_on == date(2026, 2, 14)


def test_start_on_an_ordinary_friday_counts_from_monday() -> None:
    assert OFFICIAL.add_working_days(date(2025, 11, 14), 1).due_on == date(2025, 11, 17)
    assert OFFICIAL.add_working_days(date(2025, 11, 14), 5).due_on == date(2025, 11, 21)


def test_start_day_is_not_counted_even_when_it_is_a_working_day() -> None:
    assert OFFICIAL.add_working_days(date(2025, 11, 17), 1).due_on == date(2025, 11, 18)


def test_start_on_a_holiday_counts_from_the_first_working_day_after() -> None:
    # Objection window of 5 working days from a notice served on 2025-10-01.
    assert OFFICIAL.add_working_days(date(2025, 10, 1), 5).due_on == date(2025, 10, 14)


def test_working_days_between_is_the_inverse_of_adding_them() -> None:
    start = date(2025, 9, 26)
    assert OFFICIAL.working_days_between(start, date(2025, 10, 30)) == 20
    assert OFFICIAL.working_days_between(start, date(2025, 10, 8)) == 3
    assert OFFICIAL.working_days_between(start, start) == 0
    assert OFFICIAL.working_days_between(date(2025, 10, 30), start) == -20


def test_official_data_covers_2026_but_not_2031() -> None:
    assert OFFICIAL.covers(date(2004, 1, 1))
    assert OFFICIAL.covers(date(2026, 12, 31))
    assert not OFFICIAL.covers(date(2031, 1, 1))


# --- overdue -----------------------------------------------------------------------------


def test_act_on_the_deadline_day_is_on_time_and_overdue_from_the_next_day() -> None:
    deadline = OFFICIAL.add_working_days(date(2025, 9, 26), 20)
    assert not OFFICIAL.is_overdue(deadline, date(2025, 10, 30))
    assert OFFICIAL.is_overdue(deadline, date(2025, 10, 31))
    assert not deadline.is_overdue(date(2025, 10, 30))
    assert deadline.is_overdue(date(2025, 10, 31))


def test_explicit_due_date_is_taken_as_written_even_on_a_holiday() -> None:
    assert not OFFICIAL.is_overdue(date(2025, 10, 1), date(2025, 10, 1))
    assert OFFICIAL.is_overdue(date(2025, 10, 1), date(2025, 10, 2))


# --- provisional fallback ------------------------------------------------------------------


def test_year_without_official_data_uses_the_statutory_holidays_and_says_so(tmp_path: Path) -> None:
    path = write_holiday_file(tmp_path, {"holidays": [], "working_days": []})
    calendar = WorkingCalendar(HolidayFile.load(path))
    deadline = calendar.add_working_days(date(2030, 12, 31), 1)  # Tuesday; 2031-01-01 is 元旦
    assert deadline.due_on == date(2031, 1, 2)
    assert deadline.basis == "provisional"
    assert deadline.note.startswith("2031: provisional: statutory holidays of 《全国年节及纪念日放假办法》")
    assert "tyme4py" in deadline.note and "chinese-calendar" in deadline.note
    assert str(tmp_path) not in deadline.note and "/" not in deadline.note


def test_holiday_in_the_file_is_skipped_in_a_provisional_year_and_named_by_its_document(
    tmp_path: Path,
) -> None:
    path = write_holiday_file(tmp_path, {"holidays": ["2031-01-02"], "document_no": "京政办〔2030〕1号"})
    calendar = WorkingCalendar(HolidayFile.load(path))
    assert not calendar.is_working_day(date(2031, 1, 2))  # a Thursday
    deadline = calendar.add_working_days(date(2030, 12, 31), 1)
    assert deadline.due_on == date(2031, 1, 3)
    assert deadline.basis == "provisional"
    assert "adjusted by the operator holidays file 京政办〔2030〕1号" in deadline.note
    assert str(path) not in deadline.note


def test_adjusted_working_day_in_the_file_counts_in_a_provisional_year(tmp_path: Path) -> None:
    path = write_holiday_file(tmp_path, {"working_days": ["2031-01-04"]})  # a Saturday
    calendar = WorkingCalendar(HolidayFile.load(path))
    assert calendar.add_working_days(date(2031, 1, 3), 1).due_on == date(2031, 1, 4)


def test_deadline_within_a_covered_year_stays_official_whatever_the_file_says(
    tmp_path: Path,
) -> None:
    path = write_holiday_file(tmp_path, {"holidays": ["2025-10-09"]})
    calendar = WorkingCalendar(HolidayFile.load(path))
    assert calendar.is_working_day(date(2025, 10, 9))
    assert calendar.add_working_days(date(2025, 9, 26), 20) == Deadline(
        date(2025, 10, 30), "official", "2025: chinese-calendar 1.11.0"
    )


def test_missing_holiday_file_means_statutory_holidays_and_weekends_only(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere.json"
    holidays = HolidayFile.load(missing)
    assert holidays == HolidayFile(path=missing)
    deadline = WorkingCalendar(holidays).add_working_days(date(2031, 1, 3), 1)
    assert deadline.due_on == date(2031, 1, 6)
    assert str(missing) not in deadline.note


def test_the_shipped_example_file_loads_and_tells_operators_how_to_fill_it() -> None:
    holidays = HolidayFile.load(DEFAULT_HOLIDAYS_PATH)
    assert holidays.holidays == frozenset()
    assert holidays.working_days == frozenset()
    assert "calendar load" in holidays.note
    assert WorkingCalendar().holidays == holidays


def test_provisional_deadline_must_carry_a_note() -> None:
    with pytest.raises(ValueError, match="must say why"):
        Deadline(date(2031, 1, 6), "provisional", "")
    with pytest.raises(ValueError, match="unknown deadline basis"):
        Deadline(date(2031, 1, 6), "guess", "")  # type: ignore[arg-type]


# --- malformed files -----------------------------------------------------------------------


def test_malformed_holiday_file_names_the_file_and_the_entry(tmp_path: Path) -> None:
    path = write_holiday_file(tmp_path, {"holidays": ["2031-01-01", "2031-02-30"]})
    with pytest.raises(ValueError) as excinfo:
        HolidayFile.load(path)
    message = str(excinfo.value)
    assert str(path) in message
    assert "holidays[1] = '2031-02-30'" in message


def test_holiday_file_entry_in_another_format_is_refused(tmp_path: Path) -> None:
    path = write_holiday_file(tmp_path, {"working_days": ["2031/02/08"]})
    with pytest.raises(ValueError, match=r"working_days\[0\] = '2031/02/08' is not a YYYY-MM-DD"):
        HolidayFile.load(path)


def test_holiday_file_that_is_not_json_is_refused(tmp_path: Path) -> None:
    path = write_holiday_file(tmp_path, '{"holidays": ["2031-01-01",]}')
    with pytest.raises(ValueError, match="not valid JSON"):
        HolidayFile.load(path)


def test_holiday_file_with_a_misspelt_key_is_refused(tmp_path: Path) -> None:
    path = write_holiday_file(tmp_path, {"holiday": ["2031-01-01"]})
    with pytest.raises(ValueError, match="unknown key 'holiday'"):
        HolidayFile.load(path)


def test_a_date_cannot_be_both_holiday_and_working_day(tmp_path: Path) -> None:
    path = write_holiday_file(
        tmp_path, {"holidays": ["2031-02-08"], "working_days": ["2031-02-08"]}
    )
    with pytest.raises(ValueError, match="2031-02-08 is listed both"):
        HolidayFile.load(path)


# --- inputs and caching ----------------------------------------------------------------------


def test_period_of_zero_working_days_is_refused() -> None:
    with pytest.raises(ValueError, match="at least 1"):
        OFFICIAL.add_working_days(date(2025, 9, 26), 0)


def test_datetimes_are_refused_because_their_date_depends_on_the_time_zone() -> None:
    with pytest.raises(TypeError, match="Asia/Shanghai"):
        OFFICIAL.add_working_days(datetime(2025, 9, 26, 18, 0), 1)  # type: ignore[arg-type]


def test_day_lookups_are_cached_for_bulk_deadline_runs() -> None:
    OFFICIAL.add_working_days(date(2025, 9, 26), 20)
    hits = _official_is_workday.cache_info().hits
    OFFICIAL.add_working_days(date(2025, 9, 26), 20)
    assert _official_is_workday.cache_info().hits > hits
