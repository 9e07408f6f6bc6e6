"""Prepaid-fee commands: receipts (with cap checks), refunds, refunds due and overdue, custody.

Every command re-evaluates the illegal fund-raising risk signals on the ledger and saves the entry,
any violation and any signal change together, so a view never shows a receipt without its violation.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from supervision.application import Accepted, Context, SupervisionBase
from supervision.domain.errors import ConcurrentModification, FacilityNotFound, InvalidCommand
from supervision.domain.facility import Facility, facility_id
from supervision.domain.prepaid import PrepaidLedger, PrepaidLedgerNotFound, ledger_id
from supervision.domain.uscc import validate_uscc
from supervision.idempotency import fresh_number, keyed, repeated
from supervision.policy import prepaid_risk as risk
from supervision.policy.prepaid_caps import PREPAID_CAPS, CapInput, CapPolicy
from supervision.policy.prepaid_risk import PREPAID_RISK, RiskPolicy


class PrepaidCommands(SupervisionBase):
    prepaid_caps: CapPolicy = PREPAID_CAPS
    prepaid_risk: RiskPolicy = PREPAID_RISK

    def get_prepaid_ledger(self, uscc: str) -> PrepaidLedger:
        code = validate_uscc(uscc)
        return self._get(ledger_id(code), PrepaidLedger, lambda: PrepaidLedgerNotFound(code))

    def _prepaid_facility(self, uscc: str) -> Facility:
        code = validate_uscc(uscc)
        return self._get(facility_id(code), Facility, lambda: FacilityNotFound(code))

    def _ledger_of(self, facility: Facility, ctx: Context, when: date) -> PrepaidLedger:
        """The facility's ledger, opened (unsaved) by its first entry."""
        if self._exists(ledger_id(facility.uscc)):
            return self.get_prepaid_ledger(facility.uscc)
        return PrepaidLedger.open(uscc=facility.uscc, region_code=facility.profile["region_code"],
                                  occurred_on=when, actor=ctx.actor, source=ctx.source)

    def _evaluate_prepaid_risks(self, ledger: PrepaidLedger, as_of: date, ctx: Context) -> list[str]:
        """Raise each signal once per episode, clear it when it no longer holds; returns raised codes."""
        policy = self.prepaid_risk
        findings = {
            "uncustodied_balance": risk.uncustodied_balance(ledger.held_by_kind(), ledger.custodied, policy),
            "refunds_overdue": risk.refunds_overdue(
                (d["amount_fen"] - d["paid_fen"] for d in ledger.overdue_refunds()), policy),
            "receipts_outpace_residents": risk.receipts_outpace_residents(
                ((on, ref, amount) for on, ref, _kind, amount in ledger.receipts), as_of, policy),
        }
        raised = []
        for signal, finding in findings.items():
            rule = {"rule_id": policy.rule_id(signal), "rule_version": policy.version,
                    "occurred_on": as_of, "actor": ctx.actor, "source": f"policy:{policy.rule_id(signal)}"}
            if finding is not None:
                if ledger.raise_risk_signal(signal=signal, details=finding.details, **rule):
                    raised.append(signal)
            else:
                ledger.clear_risk_signal(signal=signal, **rule)
        return raised

    def _save_ledger(self, ledger: PrepaidLedger, as_of: date, ctx: Context, new_entry: str | None = None,
                     **data: Any) -> Accepted:
        """Save the ledger; `new_entry`: the number of the entry this command adds (see
        `_ledger_conflict`)."""
        signals = self._evaluate_prepaid_risks(ledger, as_of, ctx)
        nid = self._save(ledger, conflict=lambda: self._ledger_conflict(ledger.uscc, new_entry))
        return self.accepted(ledger, nid, uscc=ledger.uscc, risk_signals_raised=signals, **data)

    def _ledger_conflict(self, uscc: str, new_entry: str | None) -> Exception:
        """Another command changed the ledger first. When this request carries an idempotency key
        and the ledger now holds this entry's number, that command was this request's twin (a
        retry sent before the first answer came): the retry's 409 naming the entry."""
        if keyed() and new_entry:
            try:
                now = self.get_prepaid_ledger(uscc)
            except Exception:  # the conflict is the answer; the re-read only refines its words
                now = None
            if now is not None and _holds(now, new_entry):
                return repeated("prepaid-ledger entry", new_entry)
        return ConcurrentModification(f"the prepaid-fee ledger of {uscc}")

    def record_prepayment(
        self,
        ctx: Context,
        *,
        uscc: str,
        kind: str,
        resident_ref: str,
        amount_fen: int,
        receipt_no: str | None = None,
        covers_months: int | None = None,
        monthly_bed_fee_fen: int | None = None,
        last_year_avg_monthly_fee_fen: int | None = None,
        occurred_on: date | None = None,
    ) -> Accepted:
        """Record a receipt; a receipt over a cap is recorded and a `CapExceeded` follows."""
        when = self.check_occurred_on(occurred_on)
        facility = self._prepaid_facility(uscc)
        facility.check_open()
        facility.check_not_before_start(when, "a receipt")
        region = facility.profile["region_code"]
        given = {"covers_months": covers_months, "monthly_bed_fee_fen": monthly_bed_fee_fen,
                 "last_year_avg_monthly_fee_fen": last_year_avg_monthly_fee_fen}
        missing = {name: [f"required for a {kind} in region {region} by rule {rule}"]
                   for name, rule in self.prepaid_caps.required_inputs(region, kind, when).items()
                   if given[name] is None}
        if missing:
            raise InvalidCommand("the caps in force need more figures on this receipt", missing)
        ledger = self._ledger_of(facility, ctx, when)
        number = receipt_no or fresh_number("R")
        _not_repeated(ledger, number, derived=not receipt_no)
        ledger.receive(receipt_no=number, kind=kind, resident_ref=resident_ref, amount_fen=amount_fen,
                       occurred_on=when, actor=ctx.actor, source=ctx.source, **given)
        violations = self.prepaid_caps.check(
            region, CapInput(kind=kind, amount_fen=amount_fen,
                             balance_after_fen=ledger.balance(kind, resident_ref), **given), when)
        for v in violations:
            ledger.flag_cap_exceeded(
                receipt_no=number, kind=kind, resident_ref=resident_ref, rule_id=v.rule_id,
                rule_version=v.rule_version, measure=v.measure, unit=v.unit, limit=v.limit, actual=v.actual,
                legal_basis=v.legal_basis, occurred_on=when, actor=ctx.actor, source=f"policy:{v.rule_id}",
            )
        return self._save_ledger(ledger, when, ctx, new_entry=number, receipt_no=number,
                                 violations=[v.rule_id for v in violations])

    def record_refund(
        self,
        ctx: Context,
        *,
        uscc: str,
        kind: str,
        resident_ref: str,
        amount_fen: int,
        refund_no: str | None = None,
        due_ref: str | None = None,
        from_custody: bool = False,
        occurred_on: date | None = None,
    ) -> Accepted:
        """A refund; more than the resident's balance of that kind is refused (422), nothing written."""
        when = self.check_occurred_on(occurred_on)
        facility = self._prepaid_facility(uscc)  # a closed facility still refunds what is due
        facility.check_not_before_start(when, "a refund")
        ledger = self.get_prepaid_ledger(facility.uscc)
        number = refund_no or fresh_number("F")
        _not_repeated(ledger, number, derived=not refund_no)
        ledger.refund(refund_no=number, kind=kind, resident_ref=resident_ref, amount_fen=amount_fen,
                      due_ref=due_ref, from_custody=from_custody, occurred_on=when, actor=ctx.actor,
                      source=ctx.source)
        return self._save_ledger(ledger, when, ctx, new_entry=number, refund_no=number)

    def record_refund_due(
        self,
        ctx: Context,
        *,
        uscc: str,
        kind: str,
        resident_ref: str,
        amount_fen: int,
        due_on: date,
        reason: str = "",
        due_ref: str | None = None,
        occurred_on: date | None = None,
    ) -> Accepted:
        when = self.check_occurred_on(occurred_on)
        facility = self._prepaid_facility(uscc)
        facility.check_not_before_start(when, "a refund due")
        ledger = self.get_prepaid_ledger(facility.uscc)
        ref = due_ref or fresh_number("D")
        _not_repeated(ledger, ref, derived=not due_ref)
        ledger.record_refund_due(due_ref=ref, kind=kind, resident_ref=resident_ref, amount_fen=amount_fen,
                                 due_on=due_on, reason=reason, occurred_on=when, actor=ctx.actor,
                                 source=ctx.source)
        return self._save_ledger(ledger, when, ctx, new_entry=ref, due_ref=ref, due_on=due_on)

    def record_custody_deposit(
        self,
        ctx: Context,
        *,
        uscc: str,
        kind: str,
        amount_fen: int,
        arrangement: str = "bank_custody",
        bank: str = "",
        deposit_no: str | None = None,
        occurred_on: date | None = None,
    ) -> Accepted:
        when = self.check_occurred_on(occurred_on)
        facility = self._prepaid_facility(uscc)
        facility.check_not_before_start(when, "a custody deposit")
        ledger = self._ledger_of(facility, ctx, when)
        number = deposit_no or fresh_number("C")
        _not_repeated(ledger, number, derived=not deposit_no)
        ledger.deposit_custody(deposit_no=number, kind=kind, amount_fen=amount_fen, arrangement=arrangement,
                               bank=bank, occurred_on=when, actor=ctx.actor, source=ctx.source)
        return self._save_ledger(ledger, when, ctx, new_entry=number, deposit_no=number)

    def mark_refund_overdue(
        self,
        ctx: Context,
        *,
        uscc: str,
        due_ref: str,
        due_on: date,
        today: date,
        occurred_on: date | None = None,
    ) -> Accepted:
        """The clock's command: refused (409) when already marked or paid, so it lands once."""
        ledger = self.get_prepaid_ledger(uscc)
        ledger.mark_refund_overdue(due_ref=due_ref, due_on=due_on, today=today, actor=ctx.actor,
                                   source=ctx.source)
        return self._save_ledger(ledger, today, ctx, due_ref=due_ref)


def _not_repeated(ledger: PrepaidLedger, number: str, derived: bool) -> None:
    """A ledger number derived from the request's idempotency key that the ledger holds already:
    the retry of a stored request (409 naming the entry under the key), not a clash of numbers."""
    if derived and keyed() and _holds(ledger, number):
        raise repeated("prepaid-ledger entry", number)


def _holds(ledger: PrepaidLedger, number: str) -> bool:
    """Does the ledger hold an entry (receipt, refund, deposit) or a refund due under `number`?"""
    return number in ledger.entry_nos or number in ledger.refunds_due

