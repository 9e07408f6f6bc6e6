"""The provisional fallback knows the law: statutory holidays of 《全国年节及纪念日放假办法》 by era,
year-boundary deadlines, and loaded schedules (the State Council notice) taking over."""

from datetime import date

import chinese_calendar
import pytest

from supervision.policy.calendar import Schedule, WorkingCalendar, check_schedule
from supervision.policy.statutory_holidays import rule_for, statutory_holidays

CAL = WorkingCalendar()
LIBRARY_YEARS = range(2004, 2027)


@pytest.mark.parametrize("year", LIBRARY_YEARS)
def test_fallback_statutory_holidays_are_official_holidays_in_every_library_year(year: int) -> None:
    days = statutory_holidays(year)
    assert days, year
    not_off = [d for d in days if not chinese_calendar.is_holiday(d)]
    assert not_off == [], f"{year}: statutory by {rule_for(year).source} but a working day officially"


def test_the_eras_of_the_holiday_law_differ_as_the_revisions_say() -> None:
    # 2007: no 清明/端午/中秋, 劳动节 1–3 May, 春节 初一–初三
    assert set(statutory_holidays(2007).values()) == {"元旦", "春节", "劳动节", "国庆节"}
    assert [d for d, n in statutory_holidays(2007).items() if n == "劳动节"][-1] == date(2007, 5, 3)
    # 2008–2013: 除夕 is a holiday (2008-02-06), 劳动节 one day
    assert statutory_holidays(2008)[date(2008, 2, 6)] == "春节"
    assert date(2008, 5, 2) not in statutory_holidays(2008)
    # 2014–2024: 除夕 is not (2014-01-30), 初三 is (2014-02-02)
    assert date(2014, 1, 30) not in statutory_holidays(2014)
    assert statutory_holidays(2014)[date(2014, 2, 2)] == "春节"
    # 2025 on (2024 revision): 除夕–初三 and 1–2 May
    assert [d for d, n in statutory_holidays(2027).items() if n == "春节"] == [
        date(2027, 2, 5), date(2027, 2, 6), date(2027, 2, 7), date(2027, 2, 8)]
    assert statutory_holidays(2027)[date(2027, 5, 2)] == "劳动节"
    assert statutory_holidays(2027)[date(2027, 4, 5)] == "清明节"
    assert statutory_holidays(2027)[date(2027, 6, 9)] == "端午节"
    assert statutory_holidays(2027)[date(2027, 9, 15)] == "中秋节"


# --- year boundary: 2026 official, 2027 provisional -------------------------------------------


def test_received_2026_12_31_acknowledgement_is_not_due_on_new_years_day() -> None:
    deadline = CAL.add_working_days(date(2026, 12, 31), 1)
    assert deadline.due_on == date(2027, 1, 4)  # 01-01 元旦, then the weekend
    assert deadline.basis == "provisional"
    assert deadline.note.startswith("2027: provisional: statutory holidays of")


def test_received_2026_12_14_conclusion_in_15_working_days_skips_new_years_day() -> None:
    deadline = CAL.add_working_days(date(2026, 12, 14), 15)
    assert deadline.due_on == date(2027, 1, 5)
    assert deadline.basis == "provisional"
    assert "2026: chinese-calendar" in deadline.note and "2027: provisional" in deadline.note


def test_received_2026_12_30_acknowledgement_stays_official_inside_2026() -> None:
    deadline = CAL.add_working_days(date(2026, 12, 30), 1)
    assert (deadline.due_on, deadline.basis) == (date(2026, 12, 31), "official")
    conclusion = CAL.add_working_days(date(2026, 12, 30), 15)
    assert (conclusion.due_on, conclusion.basis) == (date(2027, 1, 21), "provisional")


def test_a_period_across_the_spring_festival_2027_skips_eve_to_third_day() -> None:
    # Fri 2027-01-29: 02-01..02-04, then 除夕 02-05 … 初三 02-08 off, 02-09 is the 5th working day
    assert CAL.add_working_days(date(2027, 1, 29), 5).due_on == date(2027, 2, 9)
    assert CAL.add_working_days(date(2027, 2, 4), 1).due_on == date(2027, 2, 9)


# --- loaded schedules ------------------------------------------------------------------------

NOTICE_2027 = Schedule(
    year=2027,
    holidays=frozenset({date(2027, 1, 1), date(2027, 1, 2), date(2027, 1, 3),
                        *(date(2027, 2, d) for d in range(5, 13)),
                        date(2027, 4, 5), date(2027, 5, 1), date(2027, 5, 2),
                        date(2027, 6, 9), date(2027, 9, 15), *(date(2027, 10, d) for d in range(1, 8))}),
    working_days=frozenset({date(2027, 2, 20)}),
    document_no="国办发明电〔2026〕12号",
)


def test_a_loaded_schedule_makes_the_year_official_and_names_the_notice() -> None:
    calendar = WorkingCalendar(schedules=lambda: {2027: NOTICE_2027})
    deadline = calendar.add_working_days(date(2027, 2, 4), 1)
    assert deadline.due_on == date(2027, 2, 15)  # 02-05..02-12 off, 13-14 weekend
    assert deadline.basis == "official"
    assert deadline.note == "2027: 国办发明电〔2026〕12号"
    assert calendar.is_working_day(date(2027, 2, 20))  # adjusted working Saturday
    assert calendar.covers(date(2027, 6, 1)) and not CAL.covers(date(2027, 6, 1))


def test_a_valid_notice_passes_the_check() -> None:
    assert check_schedule(NOTICE_2027) == {}


def test_a_notice_without_a_statutory_day_is_refused_naming_the_day_and_the_law() -> None:
    without_mid_autumn = Schedule(2027, NOTICE_2027.holidays - {date(2027, 9, 15)},
                                  NOTICE_2027.working_days, NOTICE_2027.document_no)
    problems = check_schedule(without_mid_autumn)
    assert list(problems) == ["holidays"]
    assert problems["holidays"][0].startswith("2027-09-15 (中秋节) is a statutory holiday under")


def test_a_notice_with_a_weekday_working_day_another_year_or_no_number_is_refused() -> None:
    bad = Schedule(2027, NOTICE_2027.holidays | {date(2028, 1, 3)},
                   frozenset({date(2027, 3, 3), date(2027, 2, 6)}), " ")
    problems = check_schedule(bad)
    assert set(problems) == {"document_no", "holidays", "working_days"}
    assert any("2027-03-03 is a weekday" in m for m in problems["working_days"])
    assert any("2027-02-06 is also listed as a holiday" in m for m in problems["working_days"])
    assert any("2028-01-03 is not in 2027" in m for m in problems["holidays"])
