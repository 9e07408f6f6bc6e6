"""The statutory holidays of 《全国年节及纪念日放假办法》, computable for any year.

The State Council's yearly notice (国务院办公厅关于<year>年部分节假日安排的通知) only arranges these days
around weekends (补休 days off, 调休 working weekends); the days themselves follow from the 办法 in force
that year. The 办法 changed three times since 1999, so each era has its own rule:

| in force | 元旦 | 春节 | 清明 | 劳动节 | 端午 | 中秋 | 国庆 | source |
| --- | --- | --- | --- | --- | --- | --- | --- | --- |
| 2000–2007 | 1 Jan | 初一–初三 | — | 1–3 May | — | — | 1–3 Oct | 1999 revision (令第270号) |
| 2008–2013 | 1 Jan | 除夕–初二 | 清明 | 1 May | 五月初五 | 八月十五 | 1–3 Oct | 2007 revision (令第513号) |
| 2014–2024 | 1 Jan | 初一–初三 | 清明 | 1 May | 五月初五 | 八月十五 | 1–3 Oct | 2013 revision (令第644号) |
| 2025– | 1 Jan | 除夕–初三 | 清明 | 1–2 May | 五月初五 | 八月十五 | 1–3 Oct | 2024 revision (令第795号) |

Lunar dates and the 清明 solar term come from `tyme4py` (see docs/calendar.md for why that library).
Pure functions; nothing here reads the clock.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache
from importlib.metadata import PackageNotFoundError, version

from tyme4py.lunar import LunarDay
from tyme4py.solar import SolarDay, SolarTerm

__all__ = ["LUNAR_LIBRARY", "HolidayRule", "rule_for", "statutory_holidays"]


def _lunar_library_version() -> str:
    try:
        return version("tyme4py")
    except PackageNotFoundError:  # pragma: no cover - vendored without metadata
        return "unknown"


#: named in every provisional deadline's note, so a reader knows which data computed it
LUNAR_LIBRARY = f"tyme4py {_lunar_library_version()}"


@dataclass(frozen=True)
class HolidayRule:
    """One era of the 办法: which festivals are days off and how many days each."""

    first_year: int
    source: str
    spring_from_eve: bool  # 春节 starts on 除夕 (2008–2013, 2025–) or on 初一
    spring_days: int
    qingming_duanwu_zhongqiu: bool
    labour_days: int


RULES: tuple[HolidayRule, ...] = (
    HolidayRule(2000, "《全国年节及纪念日放假办法》(1999年修订，国务院令第270号)", False, 3, False, 3),
    HolidayRule(2008, "《全国年节及纪念日放假办法》(2007年修订，国务院令第513号)", True, 3, True, 1),
    HolidayRule(2014, "《全国年节及纪念日放假办法》(2013年修订，国务院令第644号)", False, 3, True, 1),
    HolidayRule(2025, "《全国年节及纪念日放假办法》(2024年修订，国务院令第795号)", True, 4, True, 2),
)


def rule_for(year: int) -> HolidayRule:
    """The 办法 in force in `year`; ValueError before 2000 (no rule kept for earlier years)."""
    for rule in reversed(RULES):
        if year >= rule.first_year:
            return rule
    raise ValueError(f"no statutory holiday rule kept for {year} (first: {RULES[0].first_year})")


def _solar(day: SolarDay) -> date:
    return date(day.get_year(), day.get_month(), day.get_day())


def _lunar(year: int, month: int, day: int) -> date:
    return _solar(LunarDay.from_ymd(year, month, day).get_solar_day())


@lru_cache(maxsize=256)
def statutory_holidays(year: int) -> dict[date, str]:
    """Every statutory day off of `year` (a calendar year) → the festival's name."""
    rule = rule_for(year)
    days: dict[date, str] = {date(year, 1, 1): "元旦"}
    new_year = _lunar(year, 1, 1)  # 正月初一 is always 21 Jan – 20 Feb, so 除夕 is in the same year
    start = new_year - timedelta(days=1) if rule.spring_from_eve else new_year
    for k in range(rule.spring_days):
        days[start + timedelta(days=k)] = "春节"
    if rule.qingming_duanwu_zhongqiu:
        days[_solar(SolarTerm.from_name(year, "清明").get_julian_day().get_solar_day())] = "清明节"
        days[_lunar(year, 5, 5)] = "端午节"
        days[_lunar(year, 8, 15)] = "中秋节"
    for k in range(rule.labour_days):
        days[date(year, 5, 1 + k)] = "劳动节"
    for k in range(3):
        days[date(year, 10, 1 + k)] = "国庆节"
    return dict(sorted(days.items()))
