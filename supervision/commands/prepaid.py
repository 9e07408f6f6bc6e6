"""Schemas of the prepaid-fee commands. Money is integer fen (`Fen`): floats and negatives are 422."""

from __future__ import annotations

from typing import Any

from marshmallow import ValidationError, fields, validate

from supervision.commands import bounds
from supervision.commands.fields import (
    CommandSchema,
    CommandSpec,
    Day,
    Deadline,
    Fen,
    Reference,
    StrictInt,
    Text,
    Uscc,
)
from supervision.domain.errors import InvalidValue
from supervision.domain.prepaid import CUSTODY_ARRANGEMENTS, KINDS, resident_ref
from supervision.roles import CIVIL_AFFAIRS, MARKET, SYSTEM


def _no(**kwargs: Any) -> Reference:
    return Reference(bounds.SHORT_NO, **kwargs)


class ResidentRef(fields.String):
    """A pseudonymous resident reference; an ID or phone number is refused, never stored."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(validate=validate.Length(max=64), **kwargs)

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> str:
        raw = super()._deserialize(value, attr, data, **kwargs)
        try:
            return resident_ref(raw)
        except InvalidValue as exc:
            raise ValidationError(exc.fields[exc.field][0]) from None


class RecordPrepayment(CommandSchema):
    uscc = Uscc(required=True)
    kind = fields.String(required=True, validate=validate.OneOf(KINDS))
    resident_ref = ResidentRef(required=True)
    amount_fen = Fen(required=True, validate=validate.Range(min=1))
    receipt_no = _no(load_default=None,
                     metadata={"description": "the facility's receipt number (unique per ledger)"})
    covers_months = StrictInt(min=1, max=bounds.MAX_MONTHS, load_default=None,
                              metadata={"description": "months a prepaid service fee covers"})
    monthly_bed_fee_fen = Fen(load_default=None, validate=validate.Range(min=1),
                              metadata={"description": "月床位费 (deposit cap base)"})
    last_year_avg_monthly_fee_fen = Fen(load_default=None, validate=validate.Range(min=1), metadata={
        "description": "上年度月平均收费 (membership-fee cap base where a province sets one)"})


class RecordRefund(CommandSchema):
    uscc = Uscc(required=True)
    kind = fields.String(required=True, validate=validate.OneOf(KINDS))
    resident_ref = ResidentRef(required=True)
    amount_fen = Fen(required=True, validate=validate.Range(min=1))
    refund_no = _no(load_default=None)
    due_ref = _no(load_default=None,
                  metadata={"description": "the refund due it pays"})
    from_custody = fields.Boolean(load_default=False,
                                  metadata={"description": "paid out of the custody account"})


class RecordRefundDue(CommandSchema):
    uscc = Uscc(required=True)
    kind = fields.String(required=True, validate=validate.OneOf(KINDS))
    resident_ref = ResidentRef(required=True)
    amount_fen = Fen(required=True, validate=validate.Range(min=1))
    due_on = Deadline(required=True)
    reason = Text(bounds.ADDRESS, multiline=True, load_default="")
    due_ref = _no(load_default=None)


class RecordCustodyDeposit(CommandSchema):
    uscc = Uscc(required=True)
    kind = fields.String(required=True, validate=validate.OneOf(KINDS))
    amount_fen = Fen(required=True, validate=validate.Range(min=1))
    arrangement = fields.String(load_default="bank_custody", validate=validate.OneOf(CUSTODY_ARRANGEMENTS))
    bank = Text(100, load_default="")
    deposit_no = _no(load_default=None)


class MarkRefundOverdue(CommandSchema):
    uscc = Uscc(required=True)
    due_ref = _no(required=True)
    due_on = Day(required=True)
    today = Day(required=True)


COMMANDS = (
    CommandSpec("record_prepayment", RecordPrepayment, "record_prepayment", (CIVIL_AFFAIRS, MARKET),
                "record a prepaid-fee receipt (押金/预收服务费/会员费); caps are checked"),
    CommandSpec("record_refund", RecordRefund, "record_refund", (CIVIL_AFFAIRS, MARKET),
                "record a refund to a resident"),
    CommandSpec("record_refund_due", RecordRefundDue, "record_refund_due", (CIVIL_AFFAIRS, MARKET),
                "record that a refund falls due on a date"),
    CommandSpec("record_custody_deposit", RecordCustodyDeposit, "record_custody_deposit",
                (CIVIL_AFFAIRS, MARKET), "资金存管: record money placed in custody or the risk reserve"),
    CommandSpec("mark_refund_overdue", MarkRefundOverdue, "mark_refund_overdue", (SYSTEM,),
                "the clock: a refund was not paid by its due date"),
)
