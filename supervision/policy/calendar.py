"""China's official working-day calendar and working-day deadlines.

Rules (DOMAIN.md "Time and deadlines"; 民法典 第二百零一条—第二百零三条):

* Dates are calendar dates in Asia/Shanghai; nothing here reads the clock.
* "N working days after S": S itself is not counted; the deadline is the N-th working day after
  S; an act on that day is on time, and it is overdue from the next calendar day.
* Working days follow the State Council's schedule via ``chinese_calendar`` (statutory holidays
  and adjusted working weekends, 调休上班). For a year the library has no data for, fall back to
  Monday–Friday adjusted by an operator-maintained holiday file, and say so on every deadline.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import lru_cache
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any, Literal

import chinese_calendar

__all__ = [
    "DEFAULT_HOLIDAYS_PATH",
    "Basis",
    "Deadline",
    "HolidayFile",
    "WorkingCalendar",
]

Basis = Literal["official", "fallback"]

DEFAULT_HOLIDAYS_PATH = Path(__file__).with_name("holidays.json")

_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_FILE_KEYS = frozenset({"holidays", "working_days", "note"})


def _library_version() -> str:
    """Version shown in fallback notes, so a reader knows which data release lacked the year."""
    try:
        return version("chinese-calendar")
    except PackageNotFoundError:  # pragma: no cover - only when vendored without metadata
        return str(getattr(chinese_calendar, "__version__", "unknown"))


CALENDAR_LIBRARY = f"chinese-calendar {_library_version()}"


def _require_date(d: date) -> date:
    """Reject datetimes: a UTC timestamp's date can be a day off from the Shanghai date."""
    if isinstance(d, datetime) or not isinstance(d, date):
        raise TypeError(f"expected a calendar date in Asia/Shanghai, got {type(d).__name__}")
    return d


@lru_cache(maxsize=16384)
def _official_is_workday(d: date) -> bool | None:
    """The State Council answer for d, or None when the library has no data for d's year.

    Cached because the deadline clock recomputes many deadlines over the same few months.
    """
    try:
        return bool(chinese_calendar.is_workday(d))
    except NotImplementedError:
        return None


@dataclass(frozen=True)
class Deadline:
    """A computed due date and whether it rests on official data or on the fallback rule."""

    due_on: date
    basis: Basis
    note: str = ""

    def __post_init__(self) -> None:
        if self.basis not in ("official", "fallback"):
            raise ValueError(f"unknown deadline basis {self.basis!r}")
        if self.basis == "fallback" and not self.note:
            raise ValueError("a fallback deadline must say why it is not official")

    def is_overdue(self, today: date) -> bool:
        """Overdue from the calendar day after due_on; an act on due_on is on time."""
        return _require_date(today) > self.due_on


def _parse_date_list(path: Path, data: dict[str, Any], key: str) -> frozenset[date]:
    """Parse one list of ISO dates, naming the file and entry on the first bad one."""
    raw = data.get(key, [])
    if not isinstance(raw, list):
        raise ValueError(f"holiday file {path}: {key!r} must be a list of YYYY-MM-DD dates")
    days: set[date] = set()
    for i, entry in enumerate(raw):
        days.add(_parse_entry(path, key, i, entry))
    return frozenset(days)


def _parse_entry(path: Path, key: str, index: int, entry: object) -> date:
    where = f"holiday file {path}: {key}[{index}] = {entry!r}"
    if not isinstance(entry, str) or not _ISO_DATE.match(entry):
        raise ValueError(f"{where} is not a YYYY-MM-DD date")
    try:
        return date.fromisoformat(entry)
    except ValueError as exc:
        raise ValueError(f"{where} is not a valid date ({exc})") from None


@dataclass(frozen=True)
class HolidayFile:
    """Operator-maintained dates for years the official calendar data does not cover yet.

    Entries for years the library covers are ignored: the official schedule wins.
    """

    path: Path | None = None
    holidays: frozenset[date] = frozenset()
    working_days: frozenset[date] = frozenset()
    note: str = ""

    @classmethod
    def load(cls, path: str | Path) -> HolidayFile:
        """Read a JSON holiday file; a missing file means no extra dates (weekends only)."""
        path = Path(path)
        if not path.exists():
            return cls(path=path)
        data = cls._read_object(path)
        holidays = _parse_date_list(path, data, "holidays")
        working_days = _parse_date_list(path, data, "working_days")
        both = sorted(holidays & working_days)
        if both:
            raise ValueError(
                f"holiday file {path}: {both[0].isoformat()} is listed both as a holiday "
                "and as a working day"
            )
        note = data.get("note", "")
        if not isinstance(note, str):
            raise ValueError(f"holiday file {path}: 'note' must be a string")
        return cls(path=path, holidays=holidays, working_days=working_days, note=note)

    @staticmethod
    def _read_object(path: Path) -> dict[str, Any]:
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except json.JSONDecodeError as exc:
            raise ValueError(f"holiday file {path}: not valid JSON ({exc})") from None
        if not isinstance(data, dict):
            raise ValueError(f"holiday file {path}: expected a JSON object at the top level")
        unknown = sorted(set(data) - _FILE_KEYS)
        if unknown:
            raise ValueError(
                f"holiday file {path}: unknown key {unknown[0]!r} "
                f"(expected {', '.join(sorted(_FILE_KEYS))})"
            )
        return data

    def lists_year(self, year: int) -> bool:
        """Whether an operator entered any date for that year (else it is weekends only)."""
        return any(d.year == year for d in self.holidays | self.working_days)

    def is_working_day(self, d: date) -> bool:
        """Monday–Friday, minus listed holidays, plus listed adjusted working days."""
        if d in self.working_days:
            return True
        if d in self.holidays:
            return False
        return d.weekday() < 5

    def describe(self) -> str:
        return str(self.path) if self.path is not None else "(none)"


class WorkingCalendar:
    """Working days on the official schedule, with a declared fallback for uncovered years."""

    def __init__(self, holidays: HolidayFile | None = None) -> None:
        self._holidays = (
            holidays if holidays is not None else HolidayFile.load(DEFAULT_HOLIDAYS_PATH)
        )

    @property
    def holidays(self) -> HolidayFile:
        return self._holidays

    def covers(self, d: date) -> bool:
        """Whether the official calendar data has d's year."""
        return _official_is_workday(_require_date(d)) is not None

    def is_working_day(self, d: date) -> bool:
        official = _official_is_workday(_require_date(d))
        if official is not None:
            return official
        return self._holidays.is_working_day(d)

    def add_working_days(self, start: date, n: int) -> Deadline:
        """The N-th working day after start (start itself not counted)."""
        _require_date(start)
        if n < 1:
            raise ValueError(f"a working-day period must be at least 1 day, got {n}")
        day, counted = start, 0
        uncovered: set[int] = set()
        while counted < n:
            day += timedelta(days=1)
            if not self.covers(day):
                uncovered.add(day.year)
            if self.is_working_day(day):
                counted += 1
        if not uncovered:
            return Deadline(due_on=day, basis="official")
        return Deadline(due_on=day, basis="fallback", note=self._fallback_note(uncovered))

    def _fallback_note(self, years: set[int]) -> str:
        listed = ", ".join(str(y) for y in sorted(years))
        note = (
            f"{listed} not in the official calendar data ({CALENDAR_LIBRARY}); "
            f"computed from weekends plus holidays file {self._holidays.describe()}"
        )
        empty = sorted(y for y in years if not self._holidays.lists_year(y))
        if empty:
            note += f"; the file lists no dates for {', '.join(str(y) for y in empty)}"
        return note

    def working_days_between(self, a: date, b: date) -> int:
        """Working days in (a, b]: the count add_working_days(a, n) would have reached at b.

        Negative when b is before a, so elapsed and remaining time use one function.
        """
        _require_date(a)
        _require_date(b)
        if b < a:
            return -self.working_days_between(b, a)
        return sum(
            1 for k in range(1, (b - a).days + 1) if self.is_working_day(a + timedelta(days=k))
        )

    def is_overdue(self, deadline: Deadline | date, today: date) -> bool:
        """Overdue from the day after the due date; explicit due dates are taken as written."""
        due_on = deadline.due_on if isinstance(deadline, Deadline) else _require_date(deadline)
        return _require_date(today) > due_on
