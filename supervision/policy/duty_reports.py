"""定期报告 and 年度报告: which facility owes which report for which period, and when it is due.

Schedules are data per facility kind (ownership and profit status), each with its legal basis; a
schedule's due date is either a fixed day of the following year (taken as written, like a
rectification order's `due_on`) or N working days after the period ends (on the official calendar,
DOMAIN.md "Time"). Figures marked (default) are ours, for the city to set.

A report not submitted by its due date is *missing* (an event, by the clock, exactly once). For the
annual report a regulator's reminder (催报) then gives a grace period (default 15 working days);
still missing when it ends, the facility meets 民发〔2019〕103号 criterion (8) as a *recorded*
conduct: proposed for the key-attention list. The joint-punishment list needs the competent
authority's penalty decision for that conduct (the credit capability's `listing.penalty` rule).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import date

from supervision.policy.calendar import Deadline, WorkingCalendar

ANNUAL_REPORT = "annual_report"  # 年度工作报告 / 年度报告公示
OPERATIONS_REPORT = "operations_report"  # 公建民营 运营情况定期报告
REPORT_KINDS: tuple[str, ...] = (ANNUAL_REPORT, OPERATIONS_REPORT)
ANNUAL, QUARTERLY = "annual", "quarterly"


@dataclass(frozen=True)
class ReportSchedule:
    """One report a kind of facility owes: how often, by when, on which legal basis."""

    kind: str
    title: str
    frequency: str  # annual | quarterly
    ownerships: tuple[str, ...]  # empty = every ownership
    profit_statuses: tuple[str, ...]  # empty = every profit status
    legal_basis: str
    #: fixed due day (month, day) of the year after an annual period ...
    due_month_day: tuple[int, int] | None = None
    #: ... or working days after the period's last day (the last day not counted)
    due_working_days: int | None = None
    #: 民发〔2019〕103号 criterion a missing report (after reminder and grace) proposes, if any
    listing_criterion: str | None = None
    #: the filing is public (年度报告公示): kind, period and date reach public outputs
    public_filing: bool = False

    def __post_init__(self) -> None:
        if self.frequency not in (ANNUAL, QUARTERLY):
            raise ValueError(f"unknown frequency {self.frequency!r}")
        if (self.due_month_day is None) == (self.due_working_days is None):
            raise ValueError("a schedule has either a fixed due day or a number of working days")
        if self.due_month_day is not None and self.frequency != ANNUAL:
            raise ValueError("a fixed due day is for annual reports")

    def applies_to(self, ownership: str, profit_status: str) -> bool:
        return (not self.ownerships or ownership in self.ownerships) and (
            not self.profit_statuses or profit_status in self.profit_statuses
        )


def period_end(period: str) -> date:
    """Last day of a period: "2025" → 2025-12-31; "2026Q1" → 2026-03-31. ValueError otherwise."""
    if len(period) == 4 and period.isdigit():
        return date(int(period), 12, 31)
    if len(period) == 6 and period[:4].isdigit() and period[4] == "Q" and period[5] in "1234":
        quarter = int(period[5])
        month = quarter * 3
        return date(int(period[:4]), month, 31 if month in (3, 12) else 30)
    raise ValueError(f"period must be a year (2025) or a quarter (2025Q3), not {period!r}")


def period_label(frequency: str, year: int, quarter: int | None = None) -> str:
    return str(year) if frequency == ANNUAL else f"{year}Q{quarter}"


def check_period(frequency: str, period: str) -> str:
    """The period if it fits the frequency; ValueError names the expected form."""
    period_end(period)
    if (frequency == ANNUAL) != (len(period) == 4):
        raise ValueError(
            "an annual report's period is a year (2025)"
            if frequency == ANNUAL
            else "a quarterly report's period is a quarter (2026Q1)"
        )
    return period


@dataclass(frozen=True)
class DutyReportPolicy:
    id: str
    version: str
    legal_basis: str
    schedules: tuple[ReportSchedule, ...]
    #: first year whose reports the city's records are complete for (its go-live), set by the city;
    #: None: the clock marks no report missing (filings are still recorded, late ones as late), since
    #: a system switched on today would otherwise call every earlier report "missing"
    first_year: int | None
    #: working days a reminder (催报) gives before a missing annual report counts for criterion (8)
    grace_working_days: int

    def schedule(self, kind: str, ownership: str, profit_status: str) -> ReportSchedule | None:
        for s in self.schedules:
            if s.kind == kind and s.applies_to(ownership, profit_status):
                return s
        return None

    def schedules_for(self, ownership: str, profit_status: str) -> list[ReportSchedule]:
        out: list[ReportSchedule] = []
        for kind in REPORT_KINDS:
            s = self.schedule(kind, ownership, profit_status)
            if s is not None:
                out.append(s)
        return out

    def due(self, schedule: ReportSchedule, period: str, calendar: WorkingCalendar) -> Deadline:
        """Due date of `period` under `schedule`, with its basis (official / fallback calendar)."""
        end = period_end(check_period(schedule.frequency, period))
        if schedule.due_month_day is not None:
            month, day = schedule.due_month_day
            return Deadline(date(end.year + 1, month, day), "official", "fixed date of the rule")
        assert schedule.due_working_days is not None
        return calendar.add_working_days(end, schedule.due_working_days)

    def tracking_from(self, year: int) -> DutyReportPolicy:
        """This policy with missing reports tracked from `year` (the city's go-live year)."""
        if not 2000 <= year <= 2100:
            raise ValueError(f"tracking year {year} is out of range")
        return replace(self, first_year=year, version=f"{self.version}+from-{year}")

    def grace_until(self, reminded_on: date, calendar: WorkingCalendar) -> Deadline:
        return calendar.add_working_days(reminded_on, self.grace_working_days)

    def periods(
        self, schedule: ReportSchedule, registered_on: date, closed_on: date | None, until: date
    ) -> Iterator[str]:
        """Periods owed: ending on or after registration and before closure, ending by `until`."""
        years = range(max(self.first_year or registered_on.year, registered_on.year), until.year + 1)
        for year in years:
            quarters: tuple[int | None, ...] = (None,) if schedule.frequency == ANNUAL else (1, 2, 3, 4)
            for quarter in quarters:
                label = period_label(schedule.frequency, year, quarter)
                end = period_end(label)
                if end < registered_on or end > until or (closed_on is not None and end > closed_on):
                    continue
                yield label


_ANNUAL_CRITERION = "disclosure_failure"  # 民发〔2019〕103号 criterion (8)

DUTY_REPORTS_DEFAULT = DutyReportPolicy(
    id="duty_reports",
    version="duty-reports#default-1",
    legal_basis=(
        "民发〔2019〕103号 列入情形第（8）项（不按照规定报送年度工作报告、履行信息公开义务）；"
        "seeds 001, 004（公建民营机构定期报告资产和运营情况）；催报后宽限期（默认15个工作日）为本系统默认值"
    ),
    schedules=(
        ReportSchedule(
            ANNUAL_REPORT,
            "事业单位年度报告",
            ANNUAL,
            ("public",),
            (),
            "《事业单位登记管理暂行条例实施细则》：事业单位应当于每年3月31日前报送上一年度的年度报告",
            due_month_day=(3, 31),
            listing_criterion=_ANNUAL_CRITERION,
            public_filing=True,
        ),
        ReportSchedule(
            ANNUAL_REPORT,
            "社会服务机构年度工作报告",
            ANNUAL,
            (),
            ("non_profit",),
            "《民办非企业单位登记管理暂行条例》第二十三条及民政部年度检查办法：每年5月31日前报送上一年度工作报告",
            due_month_day=(5, 31),
            listing_criterion=_ANNUAL_CRITERION,
            public_filing=True,
        ),
        ReportSchedule(
            ANNUAL_REPORT,
            "企业年度报告公示",
            ANNUAL,
            (),
            ("for_profit",),
            "《企业信息公示暂行条例》第八条：企业应当于每年1月1日至6月30日报送并公示上一年度年度报告",
            due_month_day=(6, 30),
            listing_criterion=_ANNUAL_CRITERION,
            public_filing=True,
        ),
        ReportSchedule(
            OPERATIONS_REPORT,
            "公建民营运营情况季度报告",
            QUARTERLY,
            ("public_built_private_run",),
            (),
            "民发〔2019〕52号（公建民营养老机构管理）及委托运营协议：运营方定期报告资产和运营情况；"
            "季度结束后15个工作日内报送为本系统默认值",
            due_working_days=15,
        ),
    ),
    first_year=None,  # set by the city (ELDERCARE_DUTY_REPORTS_FROM)
    grace_working_days=15,
)
