"""突发重大情况 (major incidents): categories, severities, responsibility and the report deadline.

The report deadline is a **(default)** to be set by the city: 2 hours after the incident for a death
or a fire, 24 hours for every other category. It is data with a version; an `Incident.Reported`
event stores the deadline it was measured against and the policy version, so a later change never
rewrites whether an earlier report was late.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from supervision.domain.incident import INCIDENT_CATEGORIES

#: a finding of these proposes a listing under 民发〔2019〕103号 criterion (5) (`safety_accident`)
LISTING_RESPONSIBILITIES: tuple[str, ...] = ("main", "direct")


@dataclass(frozen=True)
class IncidentReportPolicy:
    """Hours within which the operator must report an incident, by category."""

    id: str
    version: str
    legal_basis: str
    default_hours: int
    hours_by_category: dict[str, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        unknown = set(self.hours_by_category) - set(INCIDENT_CATEGORIES)
        if unknown:
            raise ValueError(f"unknown incident categories {sorted(unknown)}")
        if self.default_hours < 1 or any(h < 1 for h in self.hours_by_category.values()):
            raise ValueError("report deadlines are at least one hour")

    def hours_for(self, category: str) -> int:
        if category not in INCIDENT_CATEGORIES:
            raise KeyError(f"unknown incident category {category!r}")
        return self.hours_by_category.get(category, self.default_hours)

    def report_due_at(self, category: str, occurred_at: datetime) -> datetime:
        """The moment by which the report must be in (aware datetimes in, aware out)."""
        if occurred_at.tzinfo is None:
            raise ValueError("occurred_at must carry its time zone")
        return occurred_at + timedelta(hours=self.hours_for(category))

    def is_late(self, category: str, occurred_at: datetime, reported_at: datetime) -> bool:
        """A report at the deadline's very minute is on time; any later is late."""
        return reported_at > self.report_due_at(category, occurred_at)


INCIDENT_REPORTING_DEFAULT = IncidentReportPolicy(
    id="incident_report_deadline",
    version="incidents#default-1",
    legal_basis=(
        "《养老机构管理办法》（民政部令第66号）：突发事件发生后，养老机构应当立即启动应急预案，采取必要处置措施，"
        "同时向有关部门和民政部门报告；《生产安全事故报告和调查处理条例》（国务院令第493号）第九条"
        "（单位负责人接到报告后1小时内报告）；seeds 001, 004（公建民营机构突发重大情况及时报告）. "
        "时限为本系统默认值，由设区的市民政部门确定：死亡、火灾2小时，其他24小时。"
    ),
    default_hours=24,
    hours_by_category={"death_unnatural": 2, "fire": 2},
)
