"""Schemas of the fire-safety commands.

A case is named by `case_id`, or by the natural key the fire authority uses (`uscc` + `finding_no`),
so its systems can follow up a finding without knowing our ids.
"""

from __future__ import annotations

from typing import Any

from marshmallow import ValidationError, fields, validate, validates_schema

from supervision.commands import bounds
from supervision.commands.fields import (
    BoundedList,
    CommandSchema,
    CommandSpec,
    Day,
    Deadline,
    Reference,
    Text,
    Uscc,
)
from supervision.commands.publication import PublicSummary
from supervision.domain.fire_safety import CATEGORIES, ORIGINS, REPORTERS
from supervision.roles import CIVIL_AFFAIRS, FIRE, SYSTEM


def _text(**kwargs: Any) -> Text:
    return Text(bounds.NOTE, multiline=True, **kwargs)


def _no(**kwargs: Any) -> Reference:
    return Reference(bounds.SHORT_NO, **kwargs)



class CaseRef(CommandSchema):
    case_id = fields.UUID(load_default=None, metadata={"description": "the case id (or uscc + finding_no)"})
    uscc = Uscc(load_default=None)
    finding_no = _no(load_default=None)

    @validates_schema
    def _named(self, data: dict[str, Any], **_: Any) -> None:
        if data.get("case_id") is None and not (data.get("uscc") and data.get("finding_no")):
            raise ValidationError("give case_id, or uscc and finding_no", "case_id")


class RecordFireFinding(CommandSchema):
    uscc = Uscc(required=True)
    finding_no = _no(required=True,
                     metadata={"description": "the fire authority's number of the finding"})
    category = fields.String(required=True, validate=validate.OneOf(CATEGORIES))
    location = Text(bounds.ADDRESS, min_length=1, required=True, metadata={
        "description": "where on the premises (building, floor): published; no names", "x-published": True})
    description = _text(load_default="", metadata={"description": "internal only"})
    public_summary = PublicSummary("the hazard as the public may read it")
    major = fields.Boolean(load_default=False, metadata={"description": "重大火灾隐患"})
    major_criterion = Text(bounds.TITLE, load_default=None, metadata={
        "description": 'the GB 35181-2017 clause, e.g. "GB 35181-2017 6.3" (required when major)'})
    origin = fields.String(load_default="fire_authority", validate=validate.OneOf(ORIGINS))
    spot_check_inspection_id = Reference(bounds.SHORT_NO, load_default=None)
    order_no = _no(load_default=None,
                   metadata={"description": "责令限期整改通知书 number (with due_on)"})
    due_on = Deadline(load_default=None, metadata={"description": "rectification deadline, as written"})


class OrderRectification(CaseRef):
    order_no = _no(required=True)
    due_on = Deadline(required=True)


class ReportRectification(CaseRef):
    reported_by = fields.String(load_default="facility", validate=validate.OneOf(REPORTERS))
    summary = _text(load_default="")
    evidence = BoundedList(Reference(bounds.EVIDENCE_REF), bounds.MAX_LIST_TEXTS, load_default=list)


class VerifyRectification(CaseRef):
    inspection_no = _no(required=True, metadata={"description": "复查 record number"})
    notes = _text(load_default="")


class RejectRectification(CaseRef):
    inspection_no = _no(required=True)
    reasons = BoundedList(Text(bounds.ADDRESS, min_length=1), bounds.MAX_LIST_TEXTS, min_length=1,
                          required=True)
    new_order_no = _no(load_default=None)
    new_due_on = Deadline(load_default=None)


class SealPremises(CaseRef):
    decision_no = _no(required=True,
                      metadata={"description": "临时查封决定书 number"})
    scope = Text(bounds.ADDRESS, load_default="")


class UnsealPremises(CaseRef):
    decision_no = Reference(bounds.SHORT_NO, min_length=0, load_default="")
    reason = _text(load_default="")


class MarkRectificationOverdue(CaseRef):
    due_on = Day(required=True, metadata={"description": "the deadline that passed"})
    today = Day(required=True)


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
