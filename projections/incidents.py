"""Read model: incidents (突发重大情况) — one row per incident, current state, for regulators.

Residents' data is never copied in (it stays sealed in the event). `concluded_public` is the only
query a public output may use: category and dates of concluded investigations, nothing else.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Boolean, Column, Date, DateTime, Integer, MetaData, String, Table, func, select, update
from sqlalchemy.orm import Session

from projections.base import View, ViewProjection, handles
from supervision.domain.incident import Incident

#: the allow-list of a public incident record
PUBLIC_FIELDS = ("incident_id", "uscc", "category", "incident_on", "concluded_on")


@dataclass(frozen=True)
class IncidentQuery:
    uscc: str | None = None
    status: str | None = None
    category: str | None = None
    late: bool | None = None
    page: int = 1
    page_size: int = 50


class IncidentsView(View):
    name = "incidents"

    def define_tables(self, metadata: MetaData) -> None:
        self.incidents = Table(
            "incidents",
            metadata,
            Column("incident_id", String(36), primary_key=True),
            Column("uscc", String(18), nullable=False, index=True),
            Column("category", String(32), nullable=False, index=True),
            Column("severity", String(20), nullable=False),
            Column("reporter", String(10), nullable=False),
            Column("occurred_at", DateTime(timezone=True), nullable=False),
            Column("incident_on", Date, nullable=False, index=True),
            Column("reported_at", DateTime(timezone=True), nullable=False),
            Column("report_due_at", DateTime(timezone=True), nullable=False),
            Column("late", Boolean, nullable=False, index=True),
            Column("deadline_hours", Integer, nullable=False),
            Column("policy_version", String(40), nullable=False),
            Column("deaths", Integer, nullable=False),
            Column("injuries", Integer, nullable=False),
            Column("status", String(14), nullable=False, index=True),
            Column("investigating_authority", String(100)),
            Column("finding_authority", String(100)),
            Column("decision_no", String(100)),
            Column("responsibility", String(10)),
            Column("concluded_on", Date),
            Column("version", Integer, nullable=False),
            Column("updated_at", DateTime(timezone=True), nullable=False),
        )

    def get(self, incident_id: str) -> dict[str, Any] | None:
        with self.reader.connect() as conn:
            row = conn.execute(
                select(self.incidents).where(self.incidents.c.incident_id == incident_id)
            ).first()
        return dict(row._mapping) if row else None

    def search(self, query: IncidentQuery) -> tuple[list[dict[str, Any]], int]:
        t = self.incidents
        conditions: list[Any] = []
        for name in ("uscc", "status", "category", "late"):
            value = getattr(query, name)
            if value is not None:
                conditions.append(t.c[name] == value)
        with self.reader.connect() as conn:
            total = conn.execute(select(func.count()).select_from(t).where(*conditions)).scalar_one()
            rows = conn.execute(
                select(t)
                .where(*conditions)
                .order_by(t.c.occurred_at.desc(), t.c.incident_id)
                .limit(query.page_size)
                .offset((query.page - 1) * query.page_size)
            ).all()
        return [dict(r._mapping) for r in rows], total

    def concluded_public(
        self, uscc: str | None, page: int, page_size: int
    ) -> tuple[list[dict[str, Any]], int]:
        """Concluded incidents reduced to the allow-list (category and dates)."""
        t = self.incidents
        conditions: list[Any] = [t.c.status == "concluded"]
        if uscc:
            conditions.append(t.c.uscc == uscc)
        columns = [t.c[name] for name in PUBLIC_FIELDS]
        with self.reader.connect() as conn:
            total = conn.execute(select(func.count()).select_from(t).where(*conditions)).scalar_one()
            rows = conn.execute(
                select(*columns)
                .where(*conditions)
                .order_by(t.c.concluded_on.desc(), t.c.incident_id)
                .limit(page_size)
                .offset((page - 1) * page_size)
            ).all()
        return [dict(r._mapping) for r in rows], total


class IncidentsProjection(ViewProjection[IncidentsView]):
    name = "incidents"
    view_class = IncidentsView

    def _update(self, session: Session, event: Any, **values: Any) -> None:
        t = self.view.incidents
        session.execute(
            update(t)
            .where(t.c.incident_id == str(event.originator_id))
            .values(version=event.originator_version, updated_at=event.timestamp, **values)
        )

    @handles(Incident.Reported)
    def _reported(self, event: Incident.Reported, session: Session) -> None:
        session.execute(
            self.view.incidents.insert().values(
                incident_id=str(event.originator_id),
                uscc=event.uscc,
                category=event.category,
                severity=event.severity,
                reporter=event.reporter,
                occurred_at=event.occurred_at,
                incident_on=event.incident_on,
                reported_at=event.reported_at,
                report_due_at=event.report_due_at,
                late=event.late,
                deadline_hours=event.deadline_hours,
                policy_version=event.policy_version,
                deaths=event.deaths,
                injuries=event.injuries,
                status="reported",
                version=event.originator_version,
                updated_at=event.timestamp,
            )
        )

    @handles(Incident.Classified)
    def _classified(self, event: Incident.Classified, session: Session) -> None:
        self._update(session, event, category=event.category, severity=event.severity)

    @handles(Incident.InvestigationOpened)
    def _opened(self, event: Incident.InvestigationOpened, session: Session) -> None:
        self._update(session, event, status="investigating", investigating_authority=event.authority)

    @handles(Incident.ResponsibilityFound)
    def _found(self, event: Incident.ResponsibilityFound, session: Session) -> None:
        self._update(
            session,
            event,
            finding_authority=event.authority,
            decision_no=event.decision_no,
            responsibility=event.responsibility,
        )

    @handles(Incident.InvestigationConcluded)
    def _concluded(self, event: Incident.InvestigationConcluded, session: Session) -> None:
        self._update(session, event, status="concluded", concluded_on=event.occurred_on)
