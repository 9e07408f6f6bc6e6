"""Read model of complaints: the regulators' list, open deadlines, and a public summary per facility.

One row per complaint, current state. The complainant's identity is never copied in (only whether
one was given, and how often it was revealed); the public summary is counts of concluded complaints
by category and outcome, with no text that could identify anyone.
"""

from __future__ import annotations

import json
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
    Text,
    func,
    select,
    update,
)
from sqlalchemy.orm import Session

from projections.base import View, ViewProjection, handles
from supervision.domain.complaint import Complaint

#: statuses in which a complaint is still being handled
OPEN_STATUSES = ("received", "acknowledged", "assigned")


@dataclass(frozen=True)
class ComplaintQuery:
    uscc: str | None = None
    status: str | None = None
    category: str | None = None
    channel: str | None = None
    overdue: bool | None = None
    page: int = 1
    page_size: int = 50


class ComplaintsView(View):
    name = "complaints"

    def define_tables(self, metadata: MetaData) -> None:
        self.complaints = Table(
            "complaints",
            metadata,
            Column("complaint_id", String(36), primary_key=True),
            Column("uscc", String(18), nullable=False, index=True),
            Column("reference", String(64)),
            Column("channel", String(16), nullable=False),
            Column("category", String(24), nullable=False, index=True),
            Column("summary", Text, nullable=False),
            Column("has_complainant", Boolean, nullable=False),
            Column("status", String(16), nullable=False, index=True),
            Column("received_on", Date, nullable=False),
            Column("ack_due_on", Date, nullable=False, index=True),
            Column("ack_due_basis", String(16), nullable=False),
            Column("ack_due_note", Text, nullable=False),
            Column("acknowledged_on", Date),
            Column("ack_on_time", Boolean),
            Column("ack_overdue_on", Date),
            Column("assigned_agency", String(100)),
            Column("assigned_officer", String(100)),
            Column("assigned_on", Date),
            Column("conclude_due_on", Date, nullable=False, index=True),
            Column("conclude_due_basis", String(16), nullable=False),
            Column("conclude_due_note", Text, nullable=False),
            Column("concluded_on", Date),
            Column("outcome", String(24), index=True),
            Column("measures", Text, nullable=False),
            Column("penalty_decision_no", String(100)),
            Column("conclude_on_time", Boolean),
            Column("conclusion_overdue_on", Date),
            Column("closed_on", Date),
            Column("identity_reveals", Integer, nullable=False),
            Column("policy_version", String(40), nullable=False),
            Column("version", Integer, nullable=False),
            Column("updated_at", DateTime(timezone=True), nullable=False),
        )

    # -- queries ---------------------------------------------------------------------------
    @staticmethod
    def _row(row: Any) -> dict[str, Any]:
        item = dict(row._mapping)
        item["measures"] = json.loads(item["measures"])
        return item

    def get(self, complaint_id: str) -> dict[str, Any] | None:
        t = self.complaints
        with self.reader.connect() as conn:
            row = conn.execute(select(t).where(t.c.complaint_id == complaint_id)).first()
        return self._row(row) if row else None

    def search(self, query: ComplaintQuery) -> tuple[list[dict[str, Any]], int]:
        t = self.complaints
        conditions: list[Any] = []
        for name in ("uscc", "status", "category", "channel"):
            value = getattr(query, name)
            if value:
                conditions.append(t.c[name] == value)
        overdue = (t.c.ack_overdue_on.is_not(None)) | (t.c.conclusion_overdue_on.is_not(None))
        if query.overdue is True:
            conditions.append(overdue)
        elif query.overdue is False:
            conditions.append(~overdue)
        with self.reader.connect() as conn:
            total = conn.execute(select(func.count()).select_from(t).where(*conditions)).scalar_one()
            rows = conn.execute(
                select(t)
                .where(*conditions)
                .order_by(t.c.received_on.desc(), t.c.complaint_id)
                .limit(query.page_size)
                .offset((query.page - 1) * query.page_size)
            ).all()
        return [self._row(r) for r in rows], total

    def deadlines(self, today: date, uscc: str | None = None) -> list[dict[str, Any]]:
        """Every deadline still waiting for its act, soonest first, with whether it has passed."""
        t = self.complaints
        scope = [t.c.uscc == uscc] if uscc else []
        out: list[dict[str, Any]] = []
        with self.reader.connect() as conn:
            for kind, due, basis, note, marked, pending in (
                ("acknowledge", t.c.ack_due_on, t.c.ack_due_basis, t.c.ack_due_note, t.c.ack_overdue_on,
                 t.c.acknowledged_on.is_(None)),
                ("conclude", t.c.conclude_due_on, t.c.conclude_due_basis, t.c.conclude_due_note,
                 t.c.conclusion_overdue_on, t.c.concluded_on.is_(None)),
            ):
                rows = conn.execute(
                    select(t.c.complaint_id, t.c.uscc, t.c.category, t.c.status, t.c.received_on,
                           due.label("due_on"), basis.label("basis"), note.label("note"),
                           marked.label("marked_overdue_on"))
                    .where(pending, *scope)
                ).all()
                for row in rows:
                    item = dict(row._mapping)
                    item["kind"] = kind
                    item["overdue"] = today > item["due_on"]
                    out.append(item)
        out.sort(key=lambda d: (d["due_on"], d["kind"], d["complaint_id"]))
        return out

    def acknowledgement_overdue(self, today: date) -> list[str]:
        """Complaints whose acknowledgement deadline passed unacknowledged and is not yet marked."""
        t = self.complaints
        with self.reader.connect() as conn:
            rows = conn.execute(
                select(t.c.complaint_id).where(
                    t.c.acknowledged_on.is_(None), t.c.ack_overdue_on.is_(None), t.c.ack_due_on < today
                ).order_by(t.c.ack_due_on, t.c.complaint_id)
            ).all()
        return [r[0] for r in rows]

    def conclusion_overdue(self, today: date) -> list[str]:
        t = self.complaints
        with self.reader.connect() as conn:
            rows = conn.execute(
                select(t.c.complaint_id).where(
                    t.c.concluded_on.is_(None), t.c.conclusion_overdue_on.is_(None),
                    t.c.conclude_due_on < today,
                ).order_by(t.c.conclude_due_on, t.c.complaint_id)
            ).all()
        return [r[0] for r in rows]

    def public_summary(self, uscc: str) -> dict[str, Any]:
        """Counts of concluded complaints by category and by outcome; nothing else leaves."""
        t = self.complaints
        concluded = [t.c.uscc == uscc, t.c.concluded_on.is_not(None)]
        with self.reader.connect() as conn:
            by_category = conn.execute(
                select(t.c.category, func.count()).where(*concluded).group_by(t.c.category)
            ).all()
            by_outcome = conn.execute(
                select(t.c.outcome, func.count()).where(*concluded).group_by(t.c.outcome)
            ).all()
        categories = {str(k): int(n) for k, n in sorted(by_category)}
        return {
            "uscc": uscc,
            "concluded": sum(categories.values()),
            "by_category": categories,
            "by_outcome": {str(k): int(n) for k, n in sorted(by_outcome)},
        }


class ComplaintsProjection(ViewProjection[ComplaintsView]):
    name = "complaints"
    view_class = ComplaintsView

    # rows are written behind (projections.base.RowBuffer): one INSERT/UPDATE per row per page

    @handles(Complaint.Received)
    def _received(self, event: Complaint.Received, session: Session) -> None:
        self.buffer(session, self.view.complaints).insert(
            dict(
                complaint_id=str(event.originator_id),
                uscc=event.uscc,
                reference=event.reference,
                channel=event.channel,
                category=event.category,
                summary=event.summary,
                has_complainant=event.complainant_sealed is not None,
                status="received",
                received_on=event.occurred_on,
                ack_due_on=event.ack_due_on,
                ack_due_basis=event.ack_due_basis,
                ack_due_note=event.ack_due_note,
                conclude_due_on=event.conclude_due_on,
                conclude_due_basis=event.conclude_due_basis,
                conclude_due_note=event.conclude_due_note,
                measures="[]",
                identity_reveals=0,
                policy_version=event.policy_version,
                version=event.originator_version,
                updated_at=event.timestamp,
            )
        )

    def _update(self, session: Session, event: Any, **values: Any) -> None:
        self.buffer(session, self.view.complaints).update(
            (str(event.originator_id),),
            {"version": event.originator_version, "updated_at": event.timestamp, **values},
        )

    @handles(Complaint.Acknowledged)
    def _acknowledged(self, event: Complaint.Acknowledged, session: Session) -> None:
        self._update(session, event, status="acknowledged", acknowledged_on=event.occurred_on,
                     ack_on_time=event.on_time)

    @handles(Complaint.Assigned)
    def _assigned(self, event: Complaint.Assigned, session: Session) -> None:
        self._update(session, event, status="assigned", assigned_agency=event.agency,
                     assigned_officer=event.officer, assigned_on=event.occurred_on)

    @handles(Complaint.Concluded)
    def _concluded(self, event: Complaint.Concluded, session: Session) -> None:
        self._update(
            session,
            event,
            status="concluded",
            concluded_on=event.occurred_on,
            outcome=event.outcome,
            measures=json.dumps(event.measures, ensure_ascii=False),
            penalty_decision_no=event.penalty_decision_no,
            conclude_on_time=event.on_time,
        )

    @handles(Complaint.Closed)
    def _closed(self, event: Complaint.Closed, session: Session) -> None:
        self._update(session, event, status="closed", closed_on=event.occurred_on)

    @handles(Complaint.AcknowledgementOverdue)
    def _ack_overdue(self, event: Complaint.AcknowledgementOverdue, session: Session) -> None:
        self._update(session, event, ack_overdue_on=event.occurred_on)

    @handles(Complaint.ConclusionOverdue)
    def _conclusion_overdue(self, event: Complaint.ConclusionOverdue, session: Session) -> None:
        self._update(session, event, conclusion_overdue_on=event.occurred_on)

    @handles(Complaint.DeadlineRevised)
    def _deadline_revised(self, event: Complaint.DeadlineRevised, session: Session) -> None:
        prefix = "ack" if event.deadline == "acknowledge" else "conclude"
        self._update(session, event, **{f"{prefix}_due_on": event.due_on, f"{prefix}_due_basis": event.basis,
                                        f"{prefix}_due_note": event.note})

    @handles(Complaint.OverdueWithdrawn)
    def _overdue_withdrawn(self, event: Complaint.OverdueWithdrawn, session: Session) -> None:
        column = "ack_overdue_on" if event.deadline == "acknowledge" else "conclusion_overdue_on"
        self._update(session, event, **{column: None})

    @handles(Complaint.IdentityRevealed)
    def _identity_revealed(self, event: Complaint.IdentityRevealed, session: Session) -> None:
        """A counter: written through (rare), after the buffered rows it may increment."""
        t = self.view.complaints
        self.flush(session)
        session.execute(
            update(t)
            .where(t.c.complaint_id == str(event.originator_id))
            .values(version=event.originator_version, updated_at=event.timestamp,
                    identity_reveals=t.c.identity_reveals + 1)
        )
