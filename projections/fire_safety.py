"""Read model: fire-safety cases — open findings, their deadlines, overdue and sealed premises.

One row per case (current state); the full history of a case is in the timeline view. The clock's
deadline source reads `overdue_candidates` from here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import Boolean, Column, Date, DateTime, Integer, MetaData, String, Table, func, select, update
from sqlalchemy.orm import Session

from projections.base import View, ViewProjection, handles
from supervision.domain.fire_safety import FireSafetyCase

STATUSES = ("found", "ordered", "reported", "verified")


@dataclass(frozen=True)
class FireCaseQuery:
    uscc: str | None = None
    status: str | None = None
    open: bool | None = None
    major: bool | None = None
    overdue: bool | None = None
    sealed: bool | None = None
    page: int = 1
    page_size: int = 50


class FireSafetyView(View):
    name = "fire_safety"

    def define_tables(self, metadata: MetaData) -> None:
        self.cases = Table(
            "fire_safety_cases",
            metadata,
            Column("case_id", String(36), primary_key=True),
            Column("uscc", String(18), nullable=False, index=True),
            Column("finding_no", String(64), nullable=False),
            Column("category", String(32), nullable=False),
            Column("location", String(300), nullable=False),
            Column("description", String(1000), nullable=False),
            Column("major", Boolean, nullable=False, index=True),
            Column("major_criterion", String(200)),
            Column("origin", String(16), nullable=False),
            Column("spot_check_inspection_id", String(64)),
            Column("found_on", Date, nullable=False),
            Column("status", String(10), nullable=False, index=True),
            Column("order_no", String(64)),
            Column("due_on", Date, index=True),
            Column("reported_on", Date),
            Column("verified_on", Date),
            Column("rejections", Integer, nullable=False),
            Column("overdue", Boolean, nullable=False, index=True),
            Column("overdue_due_on", Date),
            Column("overdue_count", Integer, nullable=False),
            Column("sealed", Boolean, nullable=False, index=True),
            Column("sealed_on", Date),
            Column("seal_decision_no", String(64)),
            Column("unsealed_on", Date),
            Column("version", Integer, nullable=False),
            Column("updated_at", DateTime(timezone=True), nullable=False),
        )

    # -- queries ---------------------------------------------------------------------------
    def get(self, case_id: str) -> dict[str, Any] | None:
        with self.reader.connect() as conn:
            row = conn.execute(select(self.cases).where(self.cases.c.case_id == case_id)).first()
        return dict(row._mapping) if row else None

    def search(self, query: FireCaseQuery) -> tuple[list[dict[str, Any]], int]:
        t = self.cases
        conditions: list[Any] = []
        if query.uscc:
            conditions.append(t.c.uscc == query.uscc)
        if query.status:
            conditions.append(t.c.status == query.status)
        if query.open is not None:
            conditions.append((t.c.status != "verified") if query.open else (t.c.status == "verified"))
        for name in ("major", "overdue", "sealed"):
            value = getattr(query, name)
            if value is not None:
                conditions.append(t.c[name] == value)
        with self.reader.connect() as conn:
            total = conn.execute(select(func.count()).select_from(t).where(*conditions)).scalar_one()
            rows = conn.execute(
                select(t).where(*conditions)
                .order_by(t.c.due_on.is_(None), t.c.due_on, t.c.found_on, t.c.case_id)
                .limit(query.page_size).offset((query.page - 1) * query.page_size)
            ).all()
        return [dict(r._mapping) for r in rows], total

    def overdue_candidates(self, today: date) -> list[dict[str, Any]]:
        """Cases whose deadline passed without verification and not yet marked for that deadline."""
        t = self.cases
        with self.reader.connect() as conn:
            rows = conn.execute(
                select(t.c.case_id, t.c.uscc, t.c.due_on).where(
                    t.c.due_on < today,
                    t.c.status != "verified",
                    (t.c.overdue_due_on.is_(None)) | (t.c.overdue_due_on != t.c.due_on),
                ).order_by(t.c.due_on, t.c.case_id)
            ).all()
        return [dict(r._mapping) for r in rows]


class FireSafetyProjection(ViewProjection[FireSafetyView]):
    name = "fire_safety"
    view_class = FireSafetyView

    def _update(self, session: Session, event: Any, **values: Any) -> None:
        t = self.view.cases
        session.execute(
            update(t).where(t.c.case_id == str(event.originator_id))
            .values(version=event.originator_version, updated_at=event.timestamp, **values)
        )

    @handles(FireSafetyCase.HazardFound)
    def _found(self, event: FireSafetyCase.HazardFound, session: Session) -> None:
        session.execute(self.view.cases.insert().values(
            case_id=str(event.originator_id), uscc=event.uscc, finding_no=event.finding_no,
            category=event.category, location=event.location, description=event.description,
            major=event.major, major_criterion=event.major_criterion, origin=event.origin,
            spot_check_inspection_id=event.spot_check_inspection_id, found_on=event.occurred_on,
            status="found", rejections=0, overdue=False, overdue_count=0, sealed=False,
            version=event.originator_version, updated_at=event.timestamp,
        ))

    @handles(FireSafetyCase.RectificationOrdered)
    def _ordered(self, event: FireSafetyCase.RectificationOrdered, session: Session) -> None:
        # a new deadline starts afresh: the case is overdue again only when that one passes
        self._update(session, event, status="ordered", order_no=event.order_no, due_on=event.due_on,
                     overdue=False)

    @handles(FireSafetyCase.RectificationReported)
    def _reported(self, event: FireSafetyCase.RectificationReported, session: Session) -> None:
        self._update(session, event, status="reported", reported_on=event.occurred_on)

    @handles(FireSafetyCase.RectificationVerified)
    def _verified(self, event: FireSafetyCase.RectificationVerified, session: Session) -> None:
        self._update(session, event, status="verified", verified_on=event.occurred_on)

    @handles(FireSafetyCase.RectificationRejected)
    def _rejected(self, event: FireSafetyCase.RectificationRejected, session: Session) -> None:
        t = self.view.cases
        self._update(session, event, status="ordered", reported_on=None, rejections=t.c.rejections + 1)

    @handles(FireSafetyCase.RectificationOverdue)
    def _overdue(self, event: FireSafetyCase.RectificationOverdue, session: Session) -> None:
        t = self.view.cases
        self._update(session, event, overdue=True, overdue_due_on=event.due_on,
                     overdue_count=t.c.overdue_count + 1)

    @handles(FireSafetyCase.PremisesSealed)
    def _sealed(self, event: FireSafetyCase.PremisesSealed, session: Session) -> None:
        self._update(session, event, sealed=True, sealed_on=event.occurred_on,
                     seal_decision_no=event.decision_no, unsealed_on=None)

    @handles(FireSafetyCase.PremisesUnsealed)
    def _unsealed(self, event: FireSafetyCase.PremisesUnsealed, session: Session) -> None:
        self._update(session, event, sealed=False, unsealed_on=event.occurred_on)
