"""Schemas of the fire-safety commands.

A case is named by `case_id`, or by the natural key the fire authority uses (`uscc` + `finding_no`),
so its systems can follow up a finding without knowing our ids.
"""

from __future__ import annotations

from typing import Any

from marshmallow import ValidationError, fields, validate, validates_schema

from supervision.commands.fields import CommandSchema, CommandSpec, Uscc
from supervision.commands.publication import PublicSummary
from supervision.domain.fire_safety import CATEGORIES, ORIGINS, REPORTERS
from supervision.roles import CIVIL_AFFAIRS, FIRE, SYSTEM

_TEXT = validate.Length(max=1000)
_NO = validate.Length(min=1, max=64)


class CaseRef(CommandSchema):
    case_id = fields.UUID(load_default=None, metadata={"description": "the case id (or uscc + finding_no)"})
    uscc = Uscc(load_default=None)
    finding_no = fields.String(load_default=None, validate=_NO)

    @validates_schema
    def _named(self, data: dict[str, Any], **_: Any) -> None:
        if data.get("case_id") is None and not (data.get("uscc") and data.get("finding_no")):
            raise ValidationError("give case_id, or uscc and finding_no", "case_id")


class RecordFireFinding(CommandSchema):
    uscc = Uscc(required=True)
    finding_no = fields.String(required=True, validate=_NO,
                               metadata={"description": "the fire authority's number of the finding"})
    category = fields.String(required=True, validate=validate.OneOf(CATEGORIES))
    location = fields.String(required=True, validate=validate.Length(min=1, max=300), metadata={
        "description": "where on the premises (building, floor): published; no names", "x-published": True})
    description = fields.String(load_default="", validate=_TEXT, metadata={"description": "internal only"})
    public_summary = PublicSummary("the hazard as the public may read it")
    major = fields.Boolean(load_default=False, metadata={"description": "重大火灾隐患"})
    major_criterion = fields.String(load_default=None, validate=validate.Length(max=200), metadata={
        "description": 'the GB 35181-2017 clause, e.g. "GB 35181-2017 6.3" (required when major)'})
    origin = fields.String(load_default="fire_authority", validate=validate.OneOf(ORIGINS))
    spot_check_inspection_id = fields.String(load_default=None, validate=validate.Length(max=64))
    order_no = fields.String(load_default=None, validate=_NO,
                             metadata={"description": "责令限期整改通知书 number (with due_on)"})
    due_on = fields.Date(load_default=None, metadata={"description": "rectification deadline, as written"})


class OrderRectification(CaseRef):
    order_no = fields.String(required=True, validate=_NO)
    due_on = fields.Date(required=True)


class ReportRectification(CaseRef):
    reported_by = fields.String(load_default="facility", validate=validate.OneOf(REPORTERS))
    summary = fields.String(load_default="", validate=_TEXT)
    evidence = fields.List(fields.String(validate=validate.Length(max=300)), load_default=list,
                           validate=validate.Length(max=50))


class VerifyRectification(CaseRef):
    inspection_no = fields.String(required=True, validate=_NO, metadata={"description": "复查 record number"})
    notes = fields.String(load_default="", validate=_TEXT)


class RejectRectification(CaseRef):
    inspection_no = fields.String(required=True, validate=_NO)
    reasons = fields.List(fields.String(validate=validate.Length(min=1, max=300)), required=True,
                          validate=validate.Length(min=1, max=50))
    new_order_no = fields.String(load_default=None, validate=_NO)
    new_due_on = fields.Date(load_default=None)


class SealPremises(CaseRef):
    decision_no = fields.String(required=True, validate=_NO,
                                metadata={"description": "临时查封决定书 number"})
    scope = fields.String(load_default="", validate=validate.Length(max=300))


class UnsealPremises(CaseRef):
    decision_no = fields.String(load_default="", validate=validate.Length(max=64))
    reason = fields.String(load_default="", validate=_TEXT)


class MarkRectificationOverdue(CaseRef):
    due_on = fields.Date(required=True, metadata={"description": "the deadline that passed"})
    today = fields.Date(required=True)


COMMANDS = (
    CommandSpec("record_fire_finding", RecordFireFinding, "record_fire_finding", (FIRE, CIVIL_AFFAIRS),
                "record a fire-safety finding (civil affairs: from spot checks only)"),
    CommandSpec("order_rectification", OrderRectification, "order_rectification", (FIRE,),
                "责令限期整改: order rectification by a deadline"),
    CommandSpec("report_rectification", ReportRectification, "report_rectification", (FIRE, CIVIL_AFFAIRS),
                "record that the facility reports the hazard rectified"),
    CommandSpec("verify_rectification", VerifyRectification, "verify_rectification", (FIRE,),
                "复查合格: re-inspection verifies the rectification"),
    CommandSpec("reject_rectification", RejectRectification, "reject_rectification", (FIRE,),
                "复查不合格: re-inspection rejects it (optionally with a new deadline)"),
    CommandSpec("seal_premises", SealPremises, "seal_premises", (FIRE,), "临时查封: seal the premises"),
    CommandSpec("unseal_premises", UnsealPremises, "unseal_premises", (FIRE,), "lift the sealing"),
    CommandSpec("mark_rectification_overdue", MarkRectificationOverdue, "mark_rectification_overdue",
                (SYSTEM,), "the clock: a rectification deadline passed unverified"),
)
