"""Read model: report obligations (定期报告 / 年度报告) — who owes what, submitted, late or missing.

It keeps its own short list of facilities (kind, registration, exit) so the clock can find reports
that were never submitted: an obligation exists in the event store only once touched, and the
clock's deadline source (`infra/deadlines_duties.py`) asks `owed_missing` which are due and untouched.
`filed_public` is the only query a public output may use: kind, period, when filed.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import (
    Boolean,
    Column,
    Date,
    DateTime,
    Integer,
    MetaData,
    String,
    Table,
    and_,
    exists,
    func,
    or_,
    select,
)
from sqlalchemy.orm import Session

from projections.base import View, ViewProjection, handles
from supervision.domain.duty_report import DutyReport
from supervision.domain.facility import OWNERSHIPS, PROFIT_STATUSES, Facility
from supervision.policy.calendar import WorkingCalendar
from supervision.policy.duty_reports import ANNUAL, DutyReportPolicy, ReportSchedule, period_end, period_label

#: the allow-list of a public annual-report record
PUBLIC_FIELDS = ("uscc", "kind", "period", "submitted_on")


def _facility_kinds(policy: DutyReportPolicy) -> list[tuple[ReportSchedule, list[tuple[str, str]]]]:
    """Each schedule with the (ownership, profit status) pairs it governs (the first match wins)."""
    out: dict[int, tuple[ReportSchedule, list[tuple[str, str]]]] = {}
    for ownership in OWNERSHIPS:
        for profit in PROFIT_STATUSES:
            for schedule in policy.schedules_for(ownership, profit):
                out.setdefault(id(schedule), (schedule, []))[1].append((ownership, profit))
    return list(out.values())


@dataclass(frozen=True)
class DutyReportQuery:
    uscc: str | None = None
    kind: str | None = None
    period: str | None = None
    status: str | None = None  # submitted | missing
    late: bool | None = None
    page: int = 1
    page_size: int = 50


class DutyReportsView(View):
    name = "duty_reports"

    def define_tables(self, metadata: MetaData) -> None:
        self.facilities = Table(
            "duty_report_facilities",
            metadata,
            Column("uscc", String(18), primary_key=True),
            Column("ownership", String(32), nullable=False),
            Column("profit_status", String(16), nullable=False),
            Column("registered_on", Date, nullable=False),
            Column("closed_on", Date),
        )
        self.reports = Table(
            "duty_reports",
            metadata,
            Column("report_id", String(36), primary_key=True),
            Column("uscc", String(18), nullable=False, index=True),
            Column("kind", String(24), nullable=False, index=True),
            Column("period", String(6), nullable=False, index=True),
            Column("title", String(100), nullable=False),
            Column("due_on", Date, nullable=False),
            Column("due_basis", String(10), nullable=False),
            Column("status", String(10), nullable=False, index=True),  # open | submitted | missing
            Column("submitted_on", Date),
            Column("late", Boolean),
            Column("missing", Boolean, nullable=False),
            Column("reminded_on", Date),
            Column("grace_due_on", Date, index=True),
            Column("grace_expired", Boolean, nullable=False),
            Column("listing_criterion", String(40)),
            Column("disclosed_on", Date, index=True),
            Column("policy_version", String(40), nullable=False),
            Column("version", Integer, nullable=False),
            Column("updated_at", DateTime(timezone=True), nullable=False),
        )

    # -- queries ---------------------------------------------------------------------------
    def search(self, query: DutyReportQuery) -> tuple[list[dict[str, Any]], int]:
        t = self.reports
        conditions: list[Any] = []
        for name in ("uscc", "kind", "period", "status", "late"):
            value = getattr(query, name)
            if value is not None:
                conditions.append(t.c[name] == value)
        with self.reader.connect() as conn:
            total = conn.execute(select(func.count()).select_from(t).where(*conditions)).scalar_one()
            rows = conn.execute(
                select(t)
                .where(*conditions)
                .order_by(t.c.due_on.desc(), t.c.uscc, t.c.kind)
                .limit(query.page_size)
                .offset((query.page - 1) * query.page_size)
            ).all()
        return [dict(r._mapping) for r in rows], total

    def filed_public(
        self, uscc: str | None, period: str | None, page: int, page_size: int
    ) -> tuple[list[dict[str, Any]], int]:
        """Public filings (annual reports), reduced to the allow-list: that it was filed, and when."""
        t = self.reports
        conditions: list[Any] = [t.c.disclosed_on.is_not(None)]
        if uscc:
            conditions.append(t.c.uscc == uscc)
        if period:
            conditions.append(t.c.period == period)
        with self.reader.connect() as conn:
            total = conn.execute(select(func.count()).select_from(t).where(*conditions)).scalar_one()
            rows = conn.execute(
                select(*[t.c[n] for n in PUBLIC_FIELDS])
                .where(*conditions)
                .order_by(t.c.submitted_on.desc(), t.c.uscc)
                .limit(page_size)
                .offset((page - 1) * page_size)
            ).all()
        return [dict(r._mapping) for r in rows], total

    def owed_missing(
        self, policy: DutyReportPolicy, calendar: WorkingCalendar, today: date
    ) -> Iterator[dict[str, str]]:
        """(uscc, kind, period) owed by a facility's kind, due before `today`, neither submitted nor
        marked missing.

        One anti-join per schedule and period (due dates depend only on those two), so the work
        grows with the number of periods, not with facilities × periods in Python.
        """
        if policy.first_year is None:
            return  # the city has not said from which year its records are complete
        f, r = self.facilities, self.reports
        for schedule, kinds in _facility_kinds(policy):
            for year in range(policy.first_year, today.year + 1):
                quarters: tuple[int | None, ...] = (None,) if schedule.frequency == ANNUAL else (1, 2, 3, 4)
                for quarter in quarters:
                    period = period_label(schedule.frequency, year, quarter)
                    end = period_end(period)
                    if end >= today or policy.due(schedule, period, calendar).due_on >= today:
                        continue
                    done = select(r.c.report_id).where(
                        r.c.uscc == f.c.uscc,
                        r.c.kind == schedule.kind,
                        r.c.period == period,
                        r.c.status != "open",
                    )
                    query = (
                        select(f.c.uscc)
                        .where(
                            or_(*(and_(f.c.ownership == o, f.c.profit_status == p) for o, p in kinds)),
                            f.c.registered_on <= end,
                            or_(f.c.closed_on.is_(None), f.c.closed_on >= end),
                            ~exists(done),
                        )
                        .order_by(f.c.uscc)
                    )
                    with self.reader.connect() as conn:
                        usccs = conn.execute(query).scalars().all()
                    for uscc in usccs:
                        yield {"uscc": uscc, "kind": schedule.kind, "period": period}

    def grace_expired_candidates(self, today: date) -> list[dict[str, str]]:
        t = self.reports
        with self.reader.connect() as conn:
            rows = conn.execute(
                select(t.c.uscc, t.c.kind, t.c.period)
                .where(t.c.grace_due_on < today, t.c.submitted_on.is_(None), t.c.grace_expired.is_(False))
                .order_by(t.c.grace_due_on, t.c.uscc)
            ).all()
        return [dict(r._mapping) for r in rows]


class DutyReportsProjection(ViewProjection[DutyReportsView]):
    name = "duty_reports"
    view_class = DutyReportsView

    # facilities arrive in bulk (imports, rebuilds): their rows go through a row buffer
    @handles(Facility.Registered)
    def _registered(self, event: Facility.Registered, session: Session) -> None:
        self.buffer(session, self.view.facilities).insert(
            {
                "uscc": event.uscc,
                "ownership": event.profile["ownership"],
                "profit_status": event.profile["profit_status"],
                "registered_on": event.occurred_on,
                "closed_on": None,
            }
        )

    @handles(Facility.ProfileChanged)
    def _profile_changed(self, event: Any, session: Session) -> None:
        changes = {
            k: v for k, v in getattr(event, "changes", {}).items() if k in ("ownership", "profit_status")
        }
        if changes:
            self.buffer(session, self.view.facilities).update((event.uscc,), changes)

    @handles(Facility.Closed)
    def _closed(self, event: Any, session: Session) -> None:
        self.buffer(session, self.view.facilities).update((event.uscc,), {"closed_on": event.occurred_on})

    # reports too (a report per facility per period): opened and every step after it merge into one
    # INSERT (or one UPDATE) per report per page
    def _update(self, session: Session, event: Any, **values: Any) -> None:
        self.buffer(session, self.view.reports).update(
            (str(event.originator_id),),
            {"version": event.originator_version, "updated_at": event.timestamp, **values},
        )

    @handles(DutyReport.Opened)
    def _opened(self, event: DutyReport.Opened, session: Session) -> None:
        self.buffer(session, self.view.reports).insert_new(
            dict(
                report_id=str(event.originator_id),
                uscc=event.uscc,
                kind=event.kind,
                period=event.period,
                title=event.title,
                due_on=event.due_on,
                due_basis=event.due_basis,
                status="open",
                missing=False,
                grace_expired=False,
                listing_criterion=event.listing_criterion,
                policy_version=event.policy_version,
                version=event.originator_version,
                updated_at=event.timestamp,
            )
        )

    @handles(DutyReport.Submitted)
    def _submitted(self, event: DutyReport.Submitted, session: Session) -> None:
        self._update(session, event, status="submitted", submitted_on=event.occurred_on, late=event.late)

    @handles(DutyReport.FilingDisclosed)
    def _disclosed(self, event: DutyReport.FilingDisclosed, session: Session) -> None:
        self._update(session, event, disclosed_on=event.filed_on)

    @handles(DutyReport.Missing)
    def _missing(self, event: DutyReport.Missing, session: Session) -> None:
        self._update(session, event, status="missing", missing=True)

    @handles(DutyReport.Reminded)
    def _reminded(self, event: DutyReport.Reminded, session: Session) -> None:
        self._update(session, event, reminded_on=event.occurred_on, grace_due_on=event.grace_due_on)

    @handles(DutyReport.GraceExpired)
    def _grace_expired(self, event: DutyReport.GraceExpired, session: Session) -> None:
        self._update(session, event, grace_expired=True)
