"""Read model: prepaid-fee ledgers — balances per facility and kind, custody coverage, violations,
risk signals, refunds due.

Residents appear only by their pseudonymous reference, and only in the per-resident balances and
the regulators' lists; `summary` (the public output) carries no resident reference at all.
"""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from sqlalchemy import (
    BigInteger,
    Column,
    Date,
    DateTime,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    select,
    update,
)
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from projections.base import View, ViewProjection, handles
from supervision.domain.prepaid import KINDS, PrepaidLedger


def coverage_percent(custodied: int, held: int) -> float | None:
    """Share of the held balance that sits in custody, capped at 100 % (None when nothing is held)."""
    if held <= 0:
        return None
    return round(min(custodied, held) * 100 / held, 1)


class PrepaidView(View):
    name = "prepaid"

    def define_tables(self, metadata: MetaData) -> None:
        self.totals = Table(
            "prepaid_kind_totals",
            metadata,
            Column("uscc", String(18), primary_key=True),
            Column("kind", String(16), primary_key=True),
            Column("received_fen", BigInteger, nullable=False),
            Column("refunded_fen", BigInteger, nullable=False),
            Column("custodied_fen", BigInteger, nullable=False),
            Column("receipts", Integer, nullable=False),
            Column("refunds", Integer, nullable=False),
            Column("updated_at", DateTime(timezone=True), nullable=False),
        )
        self.residents = Table(
            "prepaid_resident_balances",
            metadata,
            Column("uscc", String(18), primary_key=True),
            Column("kind", String(16), primary_key=True),
            Column("resident_ref", String(64), primary_key=True),
            Column("received_fen", BigInteger, nullable=False),
            Column("refunded_fen", BigInteger, nullable=False),
            Column("last_entry_on", Date, nullable=False),
        )
        self.violations = Table(
            "prepaid_violations",
            metadata,
            Column("ledger_id", String(36), primary_key=True),
            Column("version", Integer, primary_key=True),
            Column("uscc", String(18), nullable=False, index=True),
            Column("receipt_no", String(64), nullable=False),
            Column("resident_ref", String(64), nullable=False),
            Column("kind", String(16), nullable=False),
            Column("rule_id", String(64), nullable=False),
            Column("rule_version", String(64), nullable=False),
            Column("measure", String(32), nullable=False),
            Column("unit", String(8), nullable=False),
            Column("limit_value", BigInteger, nullable=False),
            Column("actual_value", BigInteger, nullable=False),
            Column("legal_basis", String(300), nullable=False),
            Column("occurred_on", Date, nullable=False),
        )
        self.signals = Table(
            "prepaid_risk_signals",
            metadata,
            Column("ledger_id", String(36), primary_key=True),
            Column("version", Integer, primary_key=True),
            Column("uscc", String(18), nullable=False, index=True),
            Column("signal", String(40), nullable=False),
            Column("rule_id", String(64), nullable=False),
            Column("rule_version", String(64), nullable=False),
            Column("raised_on", Date, nullable=False),
            Column("cleared_on", Date),
            Column("details", Text, nullable=False),
        )
        self.dues = Table(
            "prepaid_refunds_due",
            metadata,
            Column("uscc", String(18), primary_key=True),
            Column("due_ref", String(64), primary_key=True),
            Column("resident_ref", String(64), nullable=False),
            Column("kind", String(16), nullable=False),
            Column("amount_fen", BigInteger, nullable=False),
            Column("paid_fen", BigInteger, nullable=False),
            Column("due_on", Date, nullable=False, index=True),
            Column("recorded_on", Date, nullable=False),
            Column("overdue_from", Date),
            Column("reason", String(300), nullable=False),
        )

    # -- queries ---------------------------------------------------------------------------
    def summary(self, uscc: str) -> dict[str, Any]:
        """Balances per kind, custody coverage, violations by rule, active signals: no residents."""
        with self.reader.connect() as conn:
            rows = {r.kind: r for r in conn.execute(select(self.totals).where(self.totals.c.uscc == uscc))}
            violations = conn.execute(
                select(self.violations).where(self.violations.c.uscc == uscc)
                .order_by(self.violations.c.occurred_on, self.violations.c.version)
            ).all()
            signals = conn.execute(
                select(self.signals).where(self.signals.c.uscc == uscc, self.signals.c.cleared_on.is_(None))
                .order_by(self.signals.c.raised_on, self.signals.c.version)
            ).all()
            dues = conn.execute(select(self.dues).where(self.dues.c.uscc == uscc)).all()
        kinds = []
        for kind in KINDS:
            r = rows.get(kind)
            received, refunded, custodied = (
                (r.received_fen, r.refunded_fen, r.custodied_fen) if r else (0, 0, 0)
            )
            held = received - refunded
            kinds.append({
                "kind": kind, "received_fen": received, "refunded_fen": refunded, "held_fen": held,
                "custodied_fen": custodied, "uncustodied_fen": max(held - custodied, 0),
                "custody_coverage_percent": coverage_percent(custodied, held),
            })
        held_total = sum(k["held_fen"] for k in kinds)
        custodied_total = sum(min(k["custodied_fen"], max(k["held_fen"], 0)) for k in kinds)
        open_dues = [d for d in dues if d.paid_fen < d.amount_fen]
        return {
            "uscc": uscc,
            "kinds": kinds,
            "held_fen": held_total,
            "custody_coverage_percent": coverage_percent(custodied_total, held_total),
            "violations": [
                {"rule_id": v.rule_id, "rule_version": v.rule_version, "kind": v.kind,
                 "measure": v.measure, "unit": v.unit, "limit": v.limit_value, "actual": v.actual_value,
                 "occurred_on": v.occurred_on, "legal_basis": v.legal_basis}
                for v in violations
            ],
            "risk_signals": [
                {"signal": s.signal, "rule_id": s.rule_id, "raised_on": s.raised_on} for s in signals
            ],
            "refunds_due_open": len(open_dues),
            "refunds_overdue": sum(1 for d in open_dues if d.overdue_from is not None),
        }

    def resident_balances(self, uscc: str, kind: str | None = None) -> list[dict[str, Any]]:
        t = self.residents
        conditions = [t.c.uscc == uscc] + ([t.c.kind == kind] if kind else [])
        with self.reader.connect() as conn:
            rows = conn.execute(select(t).where(*conditions).order_by(t.c.kind, t.c.resident_ref)).all()
        return [{**dict(r._mapping), "held_fen": r.received_fen - r.refunded_fen} for r in rows]

    def violation_list(self, uscc: str | None = None) -> list[dict[str, Any]]:
        t = self.violations
        with self.reader.connect() as conn:
            rows = conn.execute(
                select(t).where(*([t.c.uscc == uscc] if uscc else []))
                .order_by(t.c.occurred_on, t.c.uscc, t.c.version)
            ).all()
        return [dict(r._mapping) for r in rows]

    def signal_list(self, uscc: str | None = None, active: bool | None = None) -> list[dict[str, Any]]:
        t = self.signals
        conditions: list[Any] = [t.c.uscc == uscc] if uscc else []
        if active is not None:
            conditions.append(t.c.cleared_on.is_(None) if active else t.c.cleared_on.is_not(None))
        with self.reader.connect() as conn:
            rows = conn.execute(
                select(t).where(*conditions).order_by(t.c.raised_on, t.c.uscc, t.c.version)
            ).all()
        return [{**dict(r._mapping), "details": json.loads(r.details)} for r in rows]

    def refunds_due(self, uscc: str) -> list[dict[str, Any]]:
        t = self.dues
        with self.reader.connect() as conn:
            rows = conn.execute(select(t).where(t.c.uscc == uscc).order_by(t.c.due_on, t.c.due_ref)).all()
        return [dict(r._mapping) for r in rows]

    def overdue_candidates(self, today: date) -> list[dict[str, Any]]:
        """Refunds past their due date, unpaid, not yet marked overdue."""
        t = self.dues
        with self.reader.connect() as conn:
            rows = conn.execute(
                select(t.c.uscc, t.c.due_ref, t.c.due_on).where(
                    t.c.due_on < today, t.c.paid_fen < t.c.amount_fen, t.c.overdue_from.is_(None)
                ).order_by(t.c.due_on, t.c.uscc, t.c.due_ref)
            ).all()
        return [dict(r._mapping) for r in rows]


class PrepaidProjection(ViewProjection[PrepaidView]):
    name = "prepaid"
    view_class = PrepaidView

    def _upsert(self, session: Session, table: Table, keys: dict[str, Any], add: dict[str, int],
                **values: Any) -> None:
        """Insert the row or add to its counters (both dialects)."""
        dialect = session.get_bind().dialect.name
        insert = pg_insert if dialect == "postgresql" else sqlite_insert
        stmt = insert(table).values(**keys, **add, **values)
        stmt = stmt.on_conflict_do_update(
            index_elements=list(keys),
            set_={**{k: table.c[k] + v for k, v in add.items()}, **values},
        )
        session.execute(stmt)

    def _totals(self, session: Session, event: Any, kind: str, **add: int) -> None:
        counters = {"received_fen": 0, "refunded_fen": 0, "custodied_fen": 0, "receipts": 0, "refunds": 0}
        counters.update(add)
        self._upsert(session, self.view.totals, {"uscc": event.uscc, "kind": kind}, counters,
                     updated_at=event.timestamp)

    @handles(PrepaidLedger.Opened)
    def _opened(self, event: PrepaidLedger.Opened, session: Session) -> None:
        for kind in KINDS:
            self._totals(session, event, kind)

    @handles(PrepaidLedger.PrepaymentReceived)
    def _received(self, event: PrepaidLedger.PrepaymentReceived, session: Session) -> None:
        self._totals(session, event, event.kind, received_fen=event.amount_fen, receipts=1)
        self._upsert(session, self.view.residents,
                     {"uscc": event.uscc, "kind": event.kind, "resident_ref": event.resident_ref},
                     {"received_fen": event.amount_fen, "refunded_fen": 0}, last_entry_on=event.occurred_on)

    @handles(PrepaidLedger.PrepaymentRefunded)
    def _refunded(self, event: PrepaidLedger.PrepaymentRefunded, session: Session) -> None:
        self._totals(session, event, event.kind, refunded_fen=event.amount_fen, refunds=1,
                     custodied_fen=-event.custody_released_fen)
        self._upsert(session, self.view.residents,
                     {"uscc": event.uscc, "kind": event.kind, "resident_ref": event.resident_ref},
                     {"received_fen": 0, "refunded_fen": event.amount_fen}, last_entry_on=event.occurred_on)
        if event.due_ref is not None:
            t = self.view.dues
            session.execute(update(t).where(t.c.uscc == event.uscc, t.c.due_ref == event.due_ref)
                            .values(paid_fen=t.c.paid_fen + event.amount_fen))

    @handles(PrepaidLedger.CustodyDeposited)
    def _custody(self, event: PrepaidLedger.CustodyDeposited, session: Session) -> None:
        self._totals(session, event, event.kind, custodied_fen=event.amount_fen)

    @handles(PrepaidLedger.CapExceeded)
    def _cap_exceeded(self, event: PrepaidLedger.CapExceeded, session: Session) -> None:
        session.execute(self.view.violations.insert().values(
            ledger_id=str(event.originator_id), version=event.originator_version, uscc=event.uscc,
            receipt_no=event.receipt_no, resident_ref=event.resident_ref, kind=event.kind,
            rule_id=event.rule_id, rule_version=event.rule_version, measure=event.measure, unit=event.unit,
            limit_value=event.limit, actual_value=event.actual, legal_basis=event.legal_basis[:300],
            occurred_on=event.occurred_on,
        ))

    @handles(PrepaidLedger.RiskSignalRaised)
    def _signal_raised(self, event: PrepaidLedger.RiskSignalRaised, session: Session) -> None:
        session.execute(self.view.signals.insert().values(
            ledger_id=str(event.originator_id), version=event.originator_version, uscc=event.uscc,
            signal=event.signal, rule_id=event.rule_id, rule_version=event.rule_version,
            raised_on=event.occurred_on,
            details=json.dumps(event.details, ensure_ascii=False, sort_keys=True),
        ))

    @handles(PrepaidLedger.RiskSignalCleared)
    def _signal_cleared(self, event: PrepaidLedger.RiskSignalCleared, session: Session) -> None:
        t = self.view.signals
        session.execute(update(t).where(t.c.uscc == event.uscc, t.c.signal == event.signal,
                                        t.c.cleared_on.is_(None)).values(cleared_on=event.occurred_on))

    @handles(PrepaidLedger.RefundDue)
    def _refund_due(self, event: PrepaidLedger.RefundDue, session: Session) -> None:
        session.execute(self.view.dues.insert().values(
            uscc=event.uscc, due_ref=event.due_ref, resident_ref=event.resident_ref, kind=event.kind,
            amount_fen=event.amount_fen, paid_fen=0, due_on=event.due_on, recorded_on=event.occurred_on,
            reason=event.reason,
        ))

    @handles(PrepaidLedger.RefundOverdue)
    def _refund_overdue(self, event: PrepaidLedger.RefundOverdue, session: Session) -> None:
        t = self.view.dues
        session.execute(update(t).where(t.c.uscc == event.uscc, t.c.due_ref == event.due_ref)
                        .values(overdue_from=event.occurred_on))
