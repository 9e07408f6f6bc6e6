"""China's official working-day calendar and working-day deadlines.

Rules (DOMAIN.md "Time and deadlines"; 民法典 第二百零一条—第二百零三条):

* Dates are calendar dates in Asia/Shanghai; nothing here reads the clock.
* "N working days after S": S itself is not counted; the deadline is the N-th working day after
  S; an act on that day is on time, and it is overdue from the next calendar day.
* Working days of a year come, in this order, from
  1. a **loaded schedule** (the State Council notice of that year, loaded by an operator with
     `eldercare calendar load` and recorded as an event; named by its document number),
  2. the official data shipped in ``chinese_calendar`` (named by the library's version),
  3. the **provisional fallback**: Monday–Friday minus the statutory holidays of
     《全国年节及纪念日放假办法》 computed for that year (`statutory_holidays`, lunar dates and the 清明
     solar term from tyme4py), adjusted by the optional operator holiday file. The adjusted working
     weekends (调休) and compensating days off (补休) are only known from the notice, so every deadline
     counted over such a year is ``provisional`` and is revised when the year's schedule arrives.
* Every deadline carries a note naming the data used — library and version, or the notice's
  document number — and never a path of the machine.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import lru_cache
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any, Literal

import chinese_calendar

from supervision.policy.statutory_holidays import LUNAR_LIBRARY, rule_for, statutory_holidays

__all__ = [
    "DEFAULT_HOLIDAYS_PATH",
    "Basis",
    "Deadline",
    "HolidayFile",
    "Schedule",
    "WorkingCalendar",
    "check_schedule",
    "is_provisional",
]

Basis = Literal["official", "provisional"]
#: bases that mean "computed without the year's notice" ("fallback" is how events before the
#: statutory fallback recorded it)
PROVISIONAL_BASES = frozenset({"provisional", "fallback"})


def is_provisional(basis: str | None) -> bool:
    """Whether a stored deadline basis was computed without official data (so it may be revised)."""
    return basis in PROVISIONAL_BASES

DEFAULT_HOLIDAYS_PATH = Path(__file__).with_name("holidays.json")

_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_FILE_KEYS = frozenset({"holidays", "working_days", "note", "document_no"})


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
    """A computed due date, whether it rests on official data or is provisional, and the data used.

    `note` names the data (e.g. "2026: chinese-calendar 1.11.0" or "2027: 国办发明电〔2026〕12号"),
    never a file path.
    """

    due_on: date
    basis: Basis
    note: str = ""

    def __post_init__(self) -> None:
        if self.basis not in ("official", "provisional"):
            raise ValueError(f"unknown deadline basis {self.basis!r}")
        if self.basis == "provisional" and not self.note:
            raise ValueError("a provisional deadline must say why it is not official")

    def as_dict(self) -> dict[str, str]:
        """The shape every API response, CLI line and topic uses: due_on, basis, note."""
        return {"due_on": self.due_on.isoformat(), "basis": self.basis, "note": self.note}

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
    """Operator-maintained dates layered on the provisional fallback (optional, deprecated in favour
    of `eldercare calendar load`, which records the notice as an event so replays agree).

    Entries for years with official data (library or loaded schedule) are ignored. Deadline notes
    name the file by its `document_no` (or as "operator holidays file"), never by its path.
    """

    path: Path | None = None
    holidays: frozenset[date] = frozenset()
    working_days: frozenset[date] = frozenset()
    note: str = ""
    document_no: str = ""

    @classmethod
    def load(cls, path: str | Path) -> HolidayFile:
        """Read a JSON holiday file; a missing file means no extra dates (statutory fallback only)."""
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
        texts = {k: data.get(k, "") for k in ("note", "document_no")}
        for key, value in texts.items():
            if not isinstance(value, str):
                raise ValueError(f"holiday file {path}: {key!r} must be a string")
        return cls(path=path, holidays=holidays, working_days=working_days, note=texts["note"],
                   document_no=texts["document_no"].strip())

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
        """Whether an operator entered any date for that year."""
        return any(d.year == year for d in self.holidays | self.working_days)

    def describe(self) -> str:
        """How a deadline note names this file: its document number, never its path."""
        return f"operator holidays file {self.document_no}" if self.document_no else "operator holidays file"


@dataclass(frozen=True)
class Schedule:
    """A year's official schedule as published by the State Council General Office.

    `holidays`: every day off (放假) the notice lists, weekends inside a holiday span included;
    `working_days`: the adjusted working Saturdays/Sundays (调休上班). Either may include days of the
    December before (元旦 bridges). `document_no` e.g. 国办发明电〔2026〕12号.
    """

    year: int
    holidays: frozenset[date]
    working_days: frozenset[date]
    document_no: str

    def describe(self) -> str:
        return self.document_no


def check_schedule(schedule: Schedule) -> dict[str, list[str]]:
    """Problems of a schedule, field by field (empty: valid). The statutory days of the 办法 in force
    that year must all be days off: the notice arranges them, it cannot remove one."""
    problems: dict[str, list[str]] = {}

    def add(field_name: str, message: str) -> None:
        problems.setdefault(field_name, []).append(message)

    year = schedule.year
    if not isinstance(year, int) or not 2000 <= year <= 2100:
        add("year", "must be a year from 2000 to 2100")
        return problems
    if not schedule.document_no.strip():
        add("document_no", "must name the notice, e.g. 国办发明电〔2026〕12号")
    elif len(schedule.document_no) > 100:
        add("document_no", "at most 100 characters")
    for field_name, days in (("holidays", schedule.holidays), ("working_days", schedule.working_days)):
        for d in sorted(days):
            if not (d.year == year or (d.year == year - 1 and d.month == 12)):
                add(field_name, f"{d.isoformat()} is not in {year} (or the December before)")
    for d in sorted(schedule.holidays & schedule.working_days):
        add("working_days", f"{d.isoformat()} is also listed as a holiday")
    for d in sorted(schedule.working_days):
        if d.weekday() < 5:
            add("working_days", f"{d.isoformat()} is a weekday: only weekends are adjusted working days")
    rule = rule_for(year)
    for d, name in statutory_holidays(year).items():
        if d in schedule.working_days or (d not in schedule.holidays and d.weekday() < 5):
            add("holidays", f"{d.isoformat()} ({name}) is a statutory holiday under {rule.source}")
    return problems


class WorkingCalendar:
    """Working days: loaded schedules, then the library, then the provisional statutory fallback.

    `schedules` returns the loaded schedules by year (from the event store in the application); it
    is read once per computation, so a schedule loaded by another process is used from the next one.
    """

    def __init__(
        self,
        holidays: HolidayFile | None = None,
        schedules: Callable[[], Mapping[int, Schedule]] | None = None,
    ) -> None:
        self._holidays = (
            holidays if holidays is not None else HolidayFile.load(DEFAULT_HOLIDAYS_PATH)
        )
        self._schedules = schedules or (lambda: {})

    @property
    def holidays(self) -> HolidayFile:
        return self._holidays

    def use_schedules(self, schedules: Callable[[], Mapping[int, Schedule]]) -> None:
        """Bind the source of loaded schedules (the application does, at start)."""
        self._schedules = schedules

    def loaded(self) -> Mapping[int, Schedule]:
        return self._schedules()

    # -- one day -----------------------------------------------------------------------------
    def _day(self, d: date, loaded: Mapping[int, Schedule]) -> tuple[bool, str, bool]:
        """(working?, the data that says so, official?) for one day."""
        for schedule in (loaded.get(d.year), loaded.get(d.year + 1)):
            if schedule is not None and (d in schedule.holidays or d in schedule.working_days):
                return d in schedule.working_days, schedule.describe(), True
        if d.year in loaded:
            return d.weekday() < 5, loaded[d.year].describe(), True
        official = _official_is_workday(d)
        if official is not None:
            return official, CALENDAR_LIBRARY, True
        return self._provisional(d), self._provisional_source(d.year), False

    def _provisional(self, d: date) -> bool:
        if d in self._holidays.working_days:
            return True
        if d in self._holidays.holidays:
            return False
        if d.weekday() >= 5:
            return False
        try:
            return d not in statutory_holidays(d.year)
        except ValueError:  # before 2000: weekends only
            return True

    def _provisional_source(self, year: int) -> str:
        try:
            law = f"statutory holidays of {rule_for(year).source} computed with {LUNAR_LIBRARY}"
        except ValueError:
            law = "no statutory holiday rule kept"
        note = (f"provisional: {law}, plus weekends; 调休 unknown until the year's notice is loaded "
                f"(not in {CALENDAR_LIBRARY})")
        if self._holidays.lists_year(year):
            note += f"; adjusted by the {self._holidays.describe()}"
        return note

    def covers(self, d: date) -> bool:
        """Whether official data (a loaded schedule or the library) has d's year."""
        _require_date(d)
        return d.year in self.loaded() or _official_is_workday(d) is not None

    def is_working_day(self, d: date) -> bool:
        return self._day(_require_date(d), self.loaded())[0]

    def add_working_days(self, start: date, n: int) -> Deadline:
        """The N-th working day after start (start itself not counted), with basis and note."""
        _require_date(start)
        if n < 1:
            raise ValueError(f"a working-day period must be at least 1 day, got {n}")
        loaded = self.loaded()
        day, counted = start, 0
        sources: dict[int, str] = {}
        provisional = False
        while counted < n:
            day += timedelta(days=1)
            working, source, official = self._day(day, loaded)
            sources.setdefault(day.year, source)
            provisional = provisional or not official
            if working:
                counted += 1
        note = "; ".join(f"{year}: {source}" for year, source in sorted(sources.items()))
        return Deadline(due_on=day, basis="provisional" if provisional else "official", note=note)

    def working_days_between(self, a: date, b: date) -> int:
        """Working days in (a, b]: the count add_working_days(a, n) would have reached at b.

        Negative when b is before a, so elapsed and remaining time use one function.
        """
        _require_date(a)
        _require_date(b)
        if b < a:
            return -self.working_days_between(b, a)
        loaded = self.loaded()
        return sum(
            1 for k in range(1, (b - a).days + 1) if self._day(a + timedelta(days=k), loaded)[0]
        )

    def is_overdue(self, deadline: Deadline | date, today: date) -> bool:
        """Overdue from the day after the due date; explicit due dates are taken as written."""
        due_on = deadline.due_on if isinstance(deadline, Deadline) else _require_date(deadline)
        return _require_date(today) > due_on
