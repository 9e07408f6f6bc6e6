"""Read model: supervisory interviews (约谈) and their commitments, for regulators.

Attendees stay sealed in the event; the minutes are not copied in either (they are on the timeline
for regulators). The clock's deadline source reads `overdue_commitments` from here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import Boolean, Column, Date, DateTime, Integer, MetaData, String, Table, func, select, update
from sqlalchemy.orm import Session

from projections.base import View, ViewProjection, handles
from supervision.domain.interview import Interview


@dataclass(frozen=True)
class InterviewQuery:
    uscc: str | None = None
    status: str | None = None
    page: int = 1
    page_size: int = 50


class InterviewsView(View):
    name = "interviews"

    def define_tables(self, metadata: MetaData) -> None:
        self.interviews = Table(
            "interviews",
            metadata,
            Column("interview_id", String(36), primary_key=True),
            Column("uscc", String(18), nullable=False, index=True),
            Column("reason", String(2000), nullable=False),
            Column("notice_no", String(100), nullable=False),
            Column("summoned_on", Date, nullable=False),
            Column("scheduled_on", Date, nullable=False),
            Column("status", String(14), nullable=False, index=True),
            Column("held_on", Date),
            Column("not_attended_on", Date),
            Column("attendee_count", Integer),
            Column("version", Integer, nullable=False),
            Column("updated_at", DateTime(timezone=True), nullable=False),
        )
        self.commitments = Table(
            "interview_commitments",
            metadata,
            Column("interview_id", String(36), primary_key=True),
            Column("no", Integer, primary_key=True),
            Column("uscc", String(18), nullable=False, index=True),
            Column("item", String(500), nullable=False),
            Column("due_on", Date, nullable=False, index=True),
            Column("fulfilled_on", Date),
            Column("on_time", Boolean),
            Column("overdue", Boolean, nullable=False),
        )

    def get(self, interview_id: str) -> dict[str, Any] | None:
        with self.reader.connect() as conn:
            row = conn.execute(
                select(self.interviews).where(self.interviews.c.interview_id == interview_id)
            ).first()
            if row is None:
                return None
            c = self.commitments
            items = conn.execute(select(c).where(c.c.interview_id == interview_id).order_by(c.c.no)).all()
        out = dict(row._mapping)
        out["commitments"] = [dict(i._mapping) for i in items]
        return out

    def search(self, query: InterviewQuery) -> tuple[list[dict[str, Any]], int]:
        t = self.interviews
        conditions: list[Any] = []
        if query.uscc:
            conditions.append(t.c.uscc == query.uscc)
        if query.status:
            conditions.append(t.c.status == query.status)
        with self.reader.connect() as conn:
            total = conn.execute(select(func.count()).select_from(t).where(*conditions)).scalar_one()
            rows = conn.execute(
                select(t)
                .where(*conditions)
                .order_by(t.c.scheduled_on.desc(), t.c.interview_id)
                .limit(query.page_size)
                .offset((query.page - 1) * query.page_size)
            ).all()
        return [dict(r._mapping) for r in rows], total

    def overdue_commitments(self, today: date) -> list[dict[str, Any]]:
        c = self.commitments
        with self.reader.connect() as conn:
            rows = conn.execute(
                select(c.c.interview_id, c.c.no, c.c.uscc)
                .where(c.c.due_on < today, c.c.fulfilled_on.is_(None), c.c.overdue.is_(False))
                .order_by(c.c.due_on, c.c.interview_id, c.c.no)
            ).all()
        return [dict(r._mapping) for r in rows]


class InterviewsProjection(ViewProjection[InterviewsView]):
    name = "interviews"
    view_class = InterviewsView

    def _update(self, session: Session, event: Any, **values: Any) -> None:
        t = self.view.interviews
        session.execute(
            update(t)
            .where(t.c.interview_id == str(event.originator_id))
            .values(version=event.originator_version, updated_at=event.timestamp, **values)
        )

    def _commitment(self, session: Session, event: Any, **values: Any) -> None:
        c = self.view.commitments
        session.execute(
            update(c).where(c.c.interview_id == str(event.originator_id), c.c.no == event.no).values(**values)
        )
        self._update(session, event)

    @handles(Interview.Summoned)
    def _summoned(self, event: Interview.Summoned, session: Session) -> None:
        session.execute(
            self.view.interviews.insert().values(
                interview_id=str(event.originator_id),
                uscc=event.uscc,
                reason=event.reason,
                notice_no=event.notice_no,
                summoned_on=event.occurred_on,
                scheduled_on=event.scheduled_on,
                status="summoned",
                version=event.originator_version,
                updated_at=event.timestamp,
            )
        )

    @handles(Interview.Held)
    def _held(self, event: Interview.Held, session: Session) -> None:
        self._update(
            session, event, status="held", held_on=event.occurred_on, attendee_count=event.attendee_count
        )
        for c in event.commitments:
            session.execute(
                self.view.commitments.insert().values(
                    interview_id=str(event.originator_id),
                    no=c["no"],
                    uscc=event.uscc,
                    item=c["item"],
                    due_on=c["due_on"],
                    overdue=False,
                )
            )

    @handles(Interview.NotAttended)
    def _not_attended(self, event: Interview.NotAttended, session: Session) -> None:
        self._update(session, event, status="not_attended", not_attended_on=event.occurred_on)

    @handles(Interview.CommitmentFulfilled)
    def _fulfilled(self, event: Interview.CommitmentFulfilled, session: Session) -> None:
        self._commitment(session, event, fulfilled_on=event.occurred_on, on_time=event.on_time)

    @handles(Interview.CommitmentOverdue)
    def _overdue(self, event: Interview.CommitmentOverdue, session: Session) -> None:
        self._commitment(session, event, overdue=True)
