"""The PrepaidLedger aggregate: a facility's prepaid fees (预收费用) and their custody (资金存管).

One ledger per facility (`deterministic_id("prepaid", uscc)`), opened by its first entry. It records
receipts and refunds by kind per pseudonymous resident reference — never an ID number —, custody
deposits, refunds falling due and overdue, and the violations and risk signals that the application
derives from policy (caps, illegal fund-raising signals). The aggregate only records: thresholds live in
`supervision/policy/`, and past events replay whatever the policy says today.
"""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from supervision.domain.errors import Conflict, InvalidValue, NotFound
from supervision.domain.pseudonym import check_pseudonymous
from supervision.domain.values import Actor, deterministic_id, fen

KINDS = ("deposit", "service_fee", "membership_fee")  # 押金, 预收服务费, 会员费
CUSTODY_ARRANGEMENTS = ("bank_custody", "risk_reserve")  # 商业银行第三方存管, 风险保证金
RISK_SIGNALS = ("uncustodied_balance", "refunds_overdue", "receipts_outpace_residents")

_REF = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$")


def ledger_id(uscc: str) -> UUID:
    return deterministic_id("prepaid", uscc)


def resident_ref(value: object, field: str = "resident_ref") -> str:
    """A pseudonymous resident reference; phone numbers, ID numbers and names are personal data, refused
    with the reason (supervision/domain/pseudonym.py)."""
    if not isinstance(value, str):
        raise InvalidValue(field, "must be a string (a pseudonymous reference)")
    ref = check_pseudonymous(value.strip(), field)
    if not _REF.match(ref):
        raise InvalidValue(field, "must be 1–64 letters, digits or . _ : - (a pseudonymous reference)")
    return ref


def kind_of(value: str, field: str = "kind") -> str:
    if value not in KINDS:
        raise InvalidValue(field, f"must be one of {', '.join(KINDS)}")
    return value


def positive_fen(value: object, field: str = "amount_fen") -> int:
    amount = fen(value, field)
    if amount == 0:
        raise InvalidValue(field, "must be more than 0 fen")
    return amount


class PrepaidLedgerNotFound(NotFound):
    def __init__(self, uscc: str) -> None:
        super().__init__(f"facility {uscc} has no prepaid-fee ledger", {"uscc": ["no prepaid-fee ledger"]})


class RefundDueNotFound(NotFound):
    def __init__(self, due_ref: str) -> None:
        super().__init__(f"refund due {due_ref} is not recorded", {"due_ref": ["not recorded"]})


class PrepaidLedger(Aggregate):
    """Money held for residents, by kind; what of it sits in custody; what is owed back."""

    @staticmethod
    def create_id(uscc: str, **_: Any) -> UUID:
        return ledger_id(uscc)

    @classmethod
    def open(
        cls, *, uscc: str, region_code: str, occurred_on: date, actor: Actor, source: str
    ) -> PrepaidLedger:
        return cls(uscc=uscc, region_code=region_code, occurred_on=occurred_on, actor=actor, source=source)

    @event("Opened")
    def __init__(self, *, uscc: str, region_code: str, occurred_on: date, actor: Actor, source: str) -> None:
        self.uscc = uscc
        self.region_code = region_code
        #: kind -> resident_ref -> fen held (received minus refunded)
        self.held: dict[str, dict[str, int]] = {k: {} for k in KINDS}
        #: kind -> fen in custody or covered by a risk reserve
        self.custodied: dict[str, int] = dict.fromkeys(KINDS, 0)
        #: receipts as the risk rules read them: occurred_on, resident_ref, kind, amount_fen
        self.receipts: list[tuple[date, str, str, int]] = []
        self.entry_nos: set[str] = set()
        #: due_ref -> {resident_ref, kind, amount_fen, paid_fen, due_on, overdue}
        self.refunds_due: dict[str, dict[str, Any]] = {}
        #: signal code -> date raised, for the signals in an open episode
        self.active_signals: dict[str, date] = {}

    # -- queries the application and the policy read ---------------------------------------
    def balance(self, kind: str, ref: str) -> int:
        return self.held[kind].get(ref, 0)

    def held_by(self, kind: str, ref: str, day: date) -> int:
        """What the resident held of `kind` at the end of `day`: the balance less the receipts dated
        after it (money cannot be paid back, or fall due, before it was received)."""
        later = sum(amount for on, r, k, amount in self.receipts if (r, k) == (ref, kind) and on > day)
        return self.balance(kind, ref) - later

    def _check_held_on(self, kind: str, ref: str, amount_fen: int, day: date) -> None:
        held = self.held_by(kind, ref, day)
        if amount_fen > held:
            raise InvalidValue(
                "occurred_on", f"the resident held {held} fen of {kind} on {day.isoformat()} (the receipts "
                f"dated after it cannot be paid back before they were received; amount: {amount_fen})")

    def held_by_kind(self) -> dict[str, int]:
        return {k: sum(v.values()) for k, v in self.held.items()}

    def overdue_refunds(self) -> list[dict[str, Any]]:
        """Refunds marked overdue and not yet paid in full."""
        return [d for d in self.refunds_due.values() if d["overdue"] and d["paid_fen"] < d["amount_fen"]]

    def _check_new_entry(self, entry_no: str, field: str) -> None:
        if not entry_no.strip():
            raise InvalidValue(field, "must not be blank")
        if entry_no in self.entry_nos:
            raise Conflict(f"entry {entry_no} is already in the ledger of {self.uscc}",
                           {field: ["already recorded"]})

    # -- receipts ---------------------------------------------------------------------------
    def receive(
        self,
        *,
        receipt_no: str,
        kind: str,
        resident_ref: str,
        amount_fen: int,
        covers_months: int | None,
        monthly_bed_fee_fen: int | None,
        last_year_avg_monthly_fee_fen: int | None,
        occurred_on: date,
        actor: Actor,
        source: str,
    ) -> None:
        """A prepayment happened: it is recorded whatever the caps say (violations follow)."""
        self._check_new_entry(receipt_no, "receipt_no")
        kind_of(kind)
        positive_fen(amount_fen)
        for name, value in (("monthly_bed_fee_fen", monthly_bed_fee_fen),
                            ("last_year_avg_monthly_fee_fen", last_year_avg_monthly_fee_fen)):
            if value is not None:
                positive_fen(value, name)
        if covers_months is not None and (isinstance(covers_months, bool) or covers_months < 1):
            raise InvalidValue("covers_months", "must be a whole number of months, at least 1")
        self._prepayment_received(
            uscc=self.uscc,
            receipt_no=receipt_no,
            kind=kind,
            resident_ref=resident_ref,
            amount_fen=amount_fen,
            covers_months=covers_months,
            monthly_bed_fee_fen=monthly_bed_fee_fen,
            last_year_avg_monthly_fee_fen=last_year_avg_monthly_fee_fen,
            occurred_on=occurred_on,
            actor=actor,
            source=source,
        )

    @event("PrepaymentReceived")
    def _prepayment_received(
        self,
        uscc: str,
        receipt_no: str,
        kind: str,
        resident_ref: str,
        amount_fen: int,
        covers_months: int | None,
        monthly_bed_fee_fen: int | None,
        last_year_avg_monthly_fee_fen: int | None,
        occurred_on: date,
        actor: Actor,
        source: str,
    ) -> None:
        self.held[kind][resident_ref] = self.held[kind].get(resident_ref, 0) + amount_fen
        self.receipts.append((occurred_on, resident_ref, kind, amount_fen))
        self.entry_nos.add(receipt_no)

    def flag_cap_exceeded(
        self,
        *,
        receipt_no: str,
        kind: str,
        resident_ref: str,
        rule_id: str,
        rule_version: str,
        measure: str,
        unit: str,
        limit: int,
        actual: int,
        legal_basis: str,
        occurred_on: date,
        actor: Actor,
        source: str,
    ) -> None:
        """The violation that follows a receipt over a cap, in the same save."""
        self._cap_exceeded(
            uscc=self.uscc, receipt_no=receipt_no, kind=kind, resident_ref=resident_ref, rule_id=rule_id,
            rule_version=rule_version, measure=measure, unit=unit, limit=limit, actual=actual,
            legal_basis=legal_basis, occurred_on=occurred_on, actor=actor, source=source,
        )

    @event("CapExceeded")
    def _cap_exceeded(
        self,
        uscc: str,
        receipt_no: str,
        kind: str,
        resident_ref: str,
        rule_id: str,
        rule_version: str,
        measure: str,
        unit: str,
        limit: int,
        actual: int,
        legal_basis: str,
        occurred_on: date,
        actor: Actor,
        source: str,
    ) -> None:
        pass

    # -- refunds ----------------------------------------------------------------------------
    def refund(
        self,
        *,
        refund_no: str,
        kind: str,
        resident_ref: str,
        amount_fen: int,
        due_ref: str | None,
        from_custody: bool,
        occurred_on: date,
        actor: Actor,
        source: str,
    ) -> None:
        """Money paid back to a resident; never more than that resident holds of that kind."""
        self._check_new_entry(refund_no, "refund_no")
        kind_of(kind)
        positive_fen(amount_fen)
        held = self.balance(kind, resident_ref)
        if amount_fen > held:
            raise InvalidValue(
                "amount_fen", f"exceeds the resident's {kind} balance of {held} fen (refund: {amount_fen})"
            )
        self._check_held_on(kind, resident_ref, amount_fen, occurred_on)
        if due_ref is not None:
            due = self.refunds_due.get(due_ref)
            if due is None:
                raise RefundDueNotFound(due_ref)
            if (due["resident_ref"], due["kind"]) != (resident_ref, kind):
                raise InvalidValue("due_ref", f"is a {due['kind']} refund due to another resident or kind")
            if due["paid_fen"] >= due["amount_fen"]:
                raise Conflict(f"refund due {due_ref} is already paid", {"due_ref": ["already paid"]})
        released = min(amount_fen, self.custodied[kind]) if from_custody else 0
        self._prepayment_refunded(
            uscc=self.uscc, refund_no=refund_no, kind=kind, resident_ref=resident_ref, amount_fen=amount_fen,
            due_ref=due_ref, custody_released_fen=released, occurred_on=occurred_on, actor=actor,
            source=source,
        )

    @event("PrepaymentRefunded")
    def _prepayment_refunded(
        self,
        uscc: str,
        refund_no: str,
        kind: str,
        resident_ref: str,
        amount_fen: int,
        due_ref: str | None,
        custody_released_fen: int,
        occurred_on: date,
        actor: Actor,
        source: str,
    ) -> None:
        self.held[kind][resident_ref] = self.held[kind].get(resident_ref, 0) - amount_fen
        self.custodied[kind] -= custody_released_fen
        self.entry_nos.add(refund_no)
        if due_ref is not None and due_ref in self.refunds_due:
            due = self.refunds_due[due_ref]
            due["paid_fen"] = due["paid_fen"] + amount_fen

    def record_refund_due(
        self,
        *,
        due_ref: str,
        kind: str,
        resident_ref: str,
        amount_fen: int,
        due_on: date,
        reason: str,
        occurred_on: date,
        actor: Actor,
        source: str,
    ) -> None:
        """A refund falls due (resident left, service ended: 30 days' notice, refund what is due)."""
        if not due_ref.strip():
            raise InvalidValue("due_ref", "must not be blank")
        if due_ref in self.refunds_due:
            raise Conflict(f"refund due {due_ref} is already recorded", {"due_ref": ["already recorded"]})
        kind_of(kind)
        positive_fen(amount_fen)
        held = self.balance(kind, resident_ref)
        if amount_fen > held:
            raise InvalidValue("amount_fen", f"exceeds the resident's {kind} balance of {held} fen")
        self._check_held_on(kind, resident_ref, amount_fen, occurred_on)
        if due_on < occurred_on:
            raise InvalidValue("due_on", f"cannot precede the day it is recorded ({occurred_on.isoformat()})")
        self._refund_due(
            uscc=self.uscc, due_ref=due_ref, kind=kind, resident_ref=resident_ref, amount_fen=amount_fen,
            due_on=due_on, reason=reason, occurred_on=occurred_on, actor=actor, source=source,
        )

    @event("RefundDue")
    def _refund_due(
        self,
        uscc: str,
        due_ref: str,
        kind: str,
        resident_ref: str,
        amount_fen: int,
        due_on: date,
        reason: str,
        occurred_on: date,
        actor: Actor,
        source: str,
    ) -> None:
        self.refunds_due[due_ref] = {
            "resident_ref": resident_ref, "kind": kind, "amount_fen": amount_fen, "paid_fen": 0,
            "due_on": due_on, "overdue": False,
        }

    def mark_refund_overdue(
        self, *, due_ref: str, due_on: date, today: date, actor: Actor, source: str
    ) -> None:
        """Not paid in full by its due date: marked once, from the day after."""
        due = self.refunds_due.get(due_ref)
        if due is None:
            raise RefundDueNotFound(due_ref)
        if due["paid_fen"] >= due["amount_fen"]:
            raise Conflict(f"refund due {due_ref} is paid", {"due_ref": ["already paid"]})
        if due["overdue"]:
            raise Conflict(f"refund due {due_ref} is already marked overdue", {"due_ref": ["already marked"]})
        if due_on != due["due_on"]:
            raise Conflict(f"refund due {due_ref} falls due on {due['due_on']}", {"due_on": ["differs"]})
        if today <= due_on:
            raise InvalidValue("today", f"the refund is due on {due_on.isoformat()}, not yet overdue")
        self._refund_overdue(
            uscc=self.uscc, due_ref=due_ref, kind=due["kind"], resident_ref=due["resident_ref"],
            outstanding_fen=due["amount_fen"] - due["paid_fen"], due_on=due_on, detected_on=today,
            occurred_on=due_on + timedelta(days=1), actor=actor, source=source,
        )

    @event("RefundOverdue")
    def _refund_overdue(
        self,
        uscc: str,
        due_ref: str,
        kind: str,
        resident_ref: str,
        outstanding_fen: int,
        due_on: date,
        detected_on: date,
        occurred_on: date,
        actor: Actor,
        source: str,
    ) -> None:
        self.refunds_due[due_ref]["overdue"] = True

    # -- custody ----------------------------------------------------------------------------
    def deposit_custody(
        self,
        *,
        deposit_no: str,
        kind: str,
        amount_fen: int,
        arrangement: str,
        bank: str,
        occurred_on: date,
        actor: Actor,
        source: str,
    ) -> None:
        """Money placed in the supervised account (or covered by the risk reserve) for a kind."""
        self._check_new_entry(deposit_no, "deposit_no")
        kind_of(kind)
        positive_fen(amount_fen)
        if arrangement not in CUSTODY_ARRANGEMENTS:
            raise InvalidValue("arrangement", f"must be one of {', '.join(CUSTODY_ARRANGEMENTS)}")
        self._custody_deposited(
            uscc=self.uscc, deposit_no=deposit_no, kind=kind, amount_fen=amount_fen, arrangement=arrangement,
            bank=bank, occurred_on=occurred_on, actor=actor, source=source,
        )

    @event("CustodyDeposited")
    def _custody_deposited(
        self,
        uscc: str,
        deposit_no: str,
        kind: str,
        amount_fen: int,
        arrangement: str,
        bank: str,
        occurred_on: date,
        actor: Actor,
        source: str,
    ) -> None:
        self.custodied[kind] += amount_fen
        self.entry_nos.add(deposit_no)

    # -- risk signals -----------------------------------------------------------------------
    def raise_risk_signal(
        self,
        *,
        signal: str,
        rule_id: str,
        rule_version: str,
        details: dict[str, Any],
        occurred_on: date,
        actor: Actor,
        source: str,
    ) -> bool:
        """Once per episode: a signal already raised and not cleared is not raised again."""
        if signal not in RISK_SIGNALS:
            raise InvalidValue("signal", f"must be one of {', '.join(RISK_SIGNALS)}")
        if signal in self.active_signals:
            return False
        self._risk_signal_raised(
            uscc=self.uscc, signal=signal, rule_id=rule_id, rule_version=rule_version, details=dict(details),
            occurred_on=occurred_on, actor=actor, source=source,
        )
        return True

    @event("RiskSignalRaised")
    def _risk_signal_raised(
        self,
        uscc: str,
        signal: str,
        rule_id: str,
        rule_version: str,
        details: dict[str, Any],
        occurred_on: date,
        actor: Actor,
        source: str,
    ) -> None:
        self.active_signals[signal] = occurred_on

    def clear_risk_signal(
        self, *, signal: str, rule_id: str, rule_version: str, occurred_on: date, actor: Actor, source: str
    ) -> bool:
        """Ends an episode, so that a later recurrence is a new signal."""
        if signal not in self.active_signals:
            return False
        self._risk_signal_cleared(
            uscc=self.uscc, signal=signal, rule_id=rule_id, rule_version=rule_version,
            raised_on=self.active_signals[signal], occurred_on=occurred_on, actor=actor, source=source,
        )
        return True

    @event("RiskSignalCleared")
    def _risk_signal_cleared(
        self,
        uscc: str,
        signal: str,
        rule_id: str,
        rule_version: str,
        raised_on: date,
        occurred_on: date,
        actor: Actor,
        source: str,
    ) -> None:
        del self.active_signals[signal]
