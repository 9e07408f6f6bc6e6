"""/api/v1/prepaid: prepaid-fee ledgers (预收费用) — receipts, refunds, custody, violations, signals.

`GET /prepaid/<uscc>` is public and shows no resident reference at all; per-resident balances and the
cross-facility violation and signal lists need a regulator's token.
"""

from __future__ import annotations

from typing import Any

from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from supervision import reads
from supervision.api.commands import command_doc, run, services
from supervision.api.schemas import AcceptedSchema
from supervision.api.security import reader
from supervision.commands import prepaid as cmd
from supervision.commands.fields import Uscc
from supervision.domain.prepaid import KINDS
from supervision.public.shapes import PrepaidSummaryPublic

blp = Blueprint("prepaid", __name__, url_prefix="/api/v1/prepaid",
                description="预收费用: prepaid-fee ledgers")

#: who may see resident references and the regulators' lists
REGULATORS = reads.PREPAID_READ_ROLES



class PublicViolationSchema(Schema):
    rule_id = fields.String()
    rule_version = fields.String()
    kind = fields.String()
    measure = fields.String()
    unit = fields.String()
    limit = fields.Integer()
    actual = fields.Integer()
    occurred_on = fields.Date()
    legal_basis = fields.String()



class ResidentBalanceSchema(Schema):
    kind = fields.String()
    resident_ref = fields.String(metadata={"description": "pseudonymous reference"})
    received_fen = fields.Integer()
    refunded_fen = fields.Integer()
    held_fen = fields.Integer()
    last_entry_on = fields.Date()


class RefundDueSchema(Schema):
    due_ref = fields.String()
    resident_ref = fields.String()
    kind = fields.String()
    amount_fen = fields.Integer()
    paid_fen = fields.Integer()
    due_on = fields.Date()
    recorded_on = fields.Date()
    overdue_from = fields.Date(allow_none=True)
    reason = fields.String()


class ResidentsSchema(Schema):
    uscc = fields.String()
    balances = fields.List(fields.Nested(ResidentBalanceSchema))
    refunds_due = fields.List(fields.Nested(RefundDueSchema))


class ViolationSchema(PublicViolationSchema):
    uscc = fields.String()
    receipt_no = fields.String()
    resident_ref = fields.String()


class SignalSchema(Schema):
    uscc = fields.String()
    signal = fields.String()
    rule_id = fields.String()
    rule_version = fields.String()
    raised_on = fields.Date()
    cleared_on = fields.Date(allow_none=True)
    details = fields.Dict()


class ListArgs(Schema):
    class Meta:
        unknown = "raise"

    uscc = Uscc()
    active = fields.Boolean()


class ResidentArgs(Schema):
    class Meta:
        unknown = "raise"

    kind = fields.String(validate=validate.OneOf(KINDS))


@blp.route("/violations")
@blp.doc(security=[{"bearerAuth": []}])
@blp.arguments(ListArgs, location="query", as_kwargs=True)
@blp.response(200, ViolationSchema(many=True))
def violations(uscc: str | None = None, active: bool | None = None) -> list[dict[str, Any]]:
    """Cap violations across facilities (regulators)."""
    return reads.prepaid_violations(reader(), uscc)


@blp.route("/risk-signals")
@blp.doc(security=[{"bearerAuth": []}])
@blp.arguments(ListArgs, location="query", as_kwargs=True)
@blp.response(200, SignalSchema(many=True))
def risk_signals(uscc: str | None = None, active: bool | None = None) -> list[dict[str, Any]]:
    """Illegal fund-raising risk signals (regulators); `active=true` for open episodes only."""
    return reads.prepaid_signals(reader(), uscc, active)


@blp.route("/<string:uscc>")
@blp.response(200, PrepaidSummaryPublic)
def summary(uscc: str) -> dict[str, Any]:
    """A facility's prepaid-fee balances, custody coverage, violations and signals (public)."""
    return reads.prepaid_summary(services(), uscc)


@blp.route("/<string:uscc>/residents")
@blp.doc(security=[{"bearerAuth": []}])
@blp.arguments(ResidentArgs, location="query", as_kwargs=True)
@blp.response(200, ResidentsSchema)
def residents(uscc: str, kind: str | None = None) -> dict[str, Any]:
    """Per-resident balances and refunds due, by pseudonymous reference (regulators)."""
    return reads.prepaid_residents(reader(), uscc, kind)


def _ledger_command(name: str, path: str, schema: type[Schema], summary_text: str) -> None:
    """POST /prepaid/<uscc>/<path> runs command `name` for that facility."""

    def endpoint(uscc: str, **extra: str) -> dict[str, Any]:
        return run(name, uscc=uscc, **extra)

    endpoint.__name__ = name
    endpoint.__doc__ = summary_text
    blp.route(f"/<string:uscc>/{path}", methods=["POST"])(
        blp.doc(**command_doc(schema, summary_text))(blp.response(201, AcceptedSchema)(endpoint))
    )


_ledger_command("record_prepayment", "receipts", cmd.RecordPrepayment,
                "record a receipt (押金/预收服务费/会员费); over a cap it is recorded and flagged")
_ledger_command("record_refund", "refunds", cmd.RecordRefund,
                "record a refund (never more than the resident's balance of that kind)")
_ledger_command("record_refund_due", "refunds-due", cmd.RecordRefundDue, "record a refund falling due")
_ledger_command("record_custody_deposit", "custody-deposits", cmd.RecordCustodyDeposit,
                "资金存管: money placed in custody or covered by the risk reserve")
_ledger_command("mark_refund_overdue", "refunds-due/<string:due_ref>/overdue", cmd.MarkRefundOverdue,
                "the clock (role system): a refund was not paid by its due date")
