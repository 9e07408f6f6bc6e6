"""Periods in years or months end on the corresponding day (民法典 第二百零二条)."""

from datetime import date, datetime

import pytest

from supervision.policy.periods import (
    add_months,
    add_years,
    full_years_elapsed_from,
    last_day_in_force,
)


def test_three_year_listing_is_in_force_through_the_corresponding_day() -> None:
    assert last_day_in_force(date(2026, 6, 23), 3) == date(2029, 6, 23)


def test_three_year_listing_is_gone_the_day_after() -> None:
    last = last_day_in_force(date(2026, 6, 23), 3)
    assert date(2029, 6, 24) > last
    assert full_years_elapsed_from(date(2026, 6, 23), 3) == date(2029, 6, 24)


def test_early_removal_after_two_full_years_is_met_from_the_next_day() -> None:
    assert full_years_elapsed_from(date(2026, 6, 23), 2) == date(2028, 6, 24)


def test_leap_day_plus_one_year_ends_on_28_february() -> None:
    assert add_years(date(2024, 2, 29), 1) == date(2025, 2, 28)
    assert last_day_in_force(date(2024, 2, 29), 1) == date(2025, 2, 28)
    assert full_years_elapsed_from(date(2024, 2, 29), 1) == date(2025, 3, 1)


def test_leap_day_plus_four_years_lands_on_the_next_leap_day() -> None:
    assert add_years(date(2024, 2, 29), 4) == date(2028, 2, 29)


def test_month_without_the_corresponding_day_ends_on_its_last_day() -> None:
    assert add_months(date(2026, 1, 31), 1) == date(2026, 2, 28)
    assert add_months(date(2028, 1, 31), 1) == date(2028, 2, 29)
    assert add_months(date(2026, 3, 31), 1) == date(2026, 4, 30)


def test_months_carry_across_the_year_end() -> None:
    assert add_months(date(2026, 11, 30), 3) == date(2027, 2, 28)
    assert add_months(date(2026, 12, 15), 1) == date(2027, 1, 15)
    assert add_months(date(2026, 6, 23), 24) == date(2028, 6, 23)


def test_negative_months_count_back_for_windows_before_an_expiry() -> None:
    # A grade expiring 2029-06-23 may be re-assessed from six months before.
    assert add_months(date(2029, 6, 23), -6) == date(2028, 12, 23)
    assert add_months(date(2026, 3, 31), -1) == date(2026, 2, 28)
    assert add_months(date(2026, 1, 15), -1) == date(2025, 12, 15)


def test_zero_years_is_the_effective_day_itself() -> None:
    assert last_day_in_force(date(2026, 6, 23), 0) == date(2026, 6, 23)


def test_negative_period_is_refused() -> None:
    with pytest.raises(ValueError, match="negative"):
        last_day_in_force(date(2026, 6, 23), -1)


def test_datetimes_are_refused_because_their_date_depends_on_the_time_zone() -> None:
    with pytest.raises(TypeError, match="Asia/Shanghai"):
        add_months(datetime(2026, 6, 23, 20, 0), 1)  # type: ignore[arg-type]
