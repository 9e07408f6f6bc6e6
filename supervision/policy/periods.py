"""Periods counted in months and years (民法典 第二百零一条—第二百零三条).

A period starts the day after its start date and ends on the corresponding day of its final
month, or on that month's last day when the month has no such day (31 Jan + 1 month ends on
28/29 Feb; 29 Feb + 1 year ends on 28 Feb). All dates are calendar dates in Asia/Shanghai.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

__all__ = ["add_months", "add_years", "full_years_elapsed_from", "last_day_in_force"]


def _require_date(d: date) -> date:
    """Reject datetimes: a UTC timestamp's date can be a day off from the Shanghai date."""
    if isinstance(d, datetime) or not isinstance(d, date):
        raise TypeError(f"expected a calendar date in Asia/Shanghai, got {type(d).__name__}")
    return d


def _days_in_month(year: int, month: int) -> int:
    """Length of a month, without the stdlib `calendar` (a sibling module shares its name)."""
    first_of_next = date(year + month // 12, month % 12 + 1, 1)
    return (first_of_next - timedelta(days=1)).day


def add_months(d: date, n: int) -> date:
    """The corresponding day n months after (or before, if n < 0) d, clamped to the month's end."""
    _require_date(d)
    month_index = d.year * 12 + (d.month - 1) + n
    year, month = divmod(month_index, 12)
    month += 1
    return date(year, month, min(d.day, _days_in_month(year, month)))


def add_years(d: date, n: int) -> date:
    """The corresponding day n years after d; 29 Feb maps to 28 Feb in common years."""
    return add_months(d, 12 * n)


def _require_non_negative(years: int) -> int:
    if years < 0:
        raise ValueError(f"a period cannot be negative: {years} years")
    return years


def last_day_in_force(effective: date, years: int) -> date:
    """Last day a measure effective on `effective` for `years` years still applies.

    2026-06-23 for 3 years → 2029-06-23 (gone on 2029-06-24).
    """
    return add_years(effective, _require_non_negative(years))


def full_years_elapsed_from(effective: date, years: int) -> date:
    """First day on which `years` full years have passed since `effective`.

    Used for "at least 2 full years after listing": 2026-06-23, 2 → 2028-06-24.
    """
    return last_day_in_force(effective, years) + timedelta(days=1)
