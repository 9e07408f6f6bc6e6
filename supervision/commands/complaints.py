"""Schemas of the complaint commands.

Error messages never quote the value they reject: a 422 about an ID number must not echo it.
"""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from supervision.commands import bounds
from supervision.commands.fields import (
    BoundedList,
    CommandSchema,
    CommandSpec,
    Day,
    NestedObject,
    Reference,
    Text,
    Uscc,
    phone,
)
from supervision.commands.personal import ResidentIdNumber
from supervision.domain.complaint import CATEGORIES, CHANNELS, OUTCOMES
from supervision.roles import ADMIN, CIVIL_AFFAIRS, FIRE, MARKET, SYSTEM

#: agencies' staff who handle complaints and may read them (summaries, never identities)
READ_ROLES = (CIVIL_AFFAIRS, FIRE, MARKET, ADMIN)


class ComplainantSchema(Schema):
    """The complainant's identity: sealed before it enters an event, never shown or logged."""

    class Meta:
        unknown = "raise"

    name = Text(bounds.PERSON_NAME, min_length=1)
    id_number = ResidentIdNumber()
    phone = phone()


class RegisterComplaint(CommandSchema):
    uscc = Uscc(required=True)
    channel = fields.String(required=True, validate=validate.OneOf(CHANNELS))
    category = fields.String(required=True, validate=validate.OneOf(CATEGORIES))
    summary = Text(bounds.TEXT, min_length=1, multiline=True, required=True)
    reference = Reference(
        bounds.SHORT_NO,
        load_default=None,
        metadata={"description": "external ticket number (e.g. 12345 work order); unique per channel"},
    )
    complainant = NestedObject(ComplainantSchema, load_default=None)


class ComplaintStep(CommandSchema):
    complaint_id = fields.UUID(required=True)
    note = Text(bounds.NOTE, multiline=True, load_default="")


class AcknowledgeComplaint(ComplaintStep):
    pass


class AssignComplaint(ComplaintStep):
    agency = Reference(100, required=True,
                       metadata={"description": "agency code, e.g. MZJ-140502 or SCJG-140500"})
    officer = Text(100, load_default="")


class ConcludeComplaint(CommandSchema):
    complaint_id = fields.UUID(required=True)
    outcome = fields.String(required=True, validate=validate.OneOf(OUTCOMES))
    measures = BoundedList(Text(bounds.SHORT_TEXT, min_length=1), bounds.MAX_LIST_TEXTS, load_default=list)
    penalty_decision_no = Reference(bounds.DOCUMENT_NO, load_default=None)
    findings = Text(bounds.LONG_TEXT, multiline=True, load_default="")


class CloseComplaint(ComplaintStep):
    pass


class MarkComplaintOverdue(CommandSchema):
    """Issued by the clock: `today` is the day it runs for; the event dates itself from the due date."""

    class Meta(CommandSchema.Meta):
        exclude = ("occurred_on",)

    complaint_id = fields.UUID(required=True)
    today = Day(required=True)


class RevealComplainantIdentity(CommandSchema):
    class Meta(CommandSchema.Meta):
        exclude = ("occurred_on",)

    complaint_id = fields.UUID(required=True)
    reason = Text(bounds.SHORT_TEXT, min_length=1, min_letters=2, multiline=True, required=True,
                  metadata={"description": "why the identity is needed, in words (at least 2 letters or "
                                           "digits, e.g. 核实; kept in the audit event)"})


COMMANDS = (
    # system: the 12345 hotline consumer registers tickets as they arrive
    CommandSpec("register_complaint", RegisterComplaint, "register_complaint", (CIVIL_AFFAIRS, SYSTEM),
                "投诉举报: register a complaint"),
    CommandSpec("acknowledge_complaint", AcknowledgeComplaint, "acknowledge_complaint", (CIVIL_AFFAIRS,),
                "acknowledge a complaint (受理)"),
    CommandSpec("assign_complaint", AssignComplaint, "assign_complaint", (CIVIL_AFFAIRS,),
                "assign a complaint to an agency / officer"),
    CommandSpec("conclude_complaint", ConcludeComplaint, "conclude_complaint", (CIVIL_AFFAIRS,),
                "conclude a complaint: outcome and measures (办结)"),
    CommandSpec("close_complaint", CloseComplaint, "close_complaint", (CIVIL_AFFAIRS,),
                "close a concluded complaint"),
    CommandSpec("mark_complaint_acknowledgement_overdue", MarkComplaintOverdue,
                "mark_complaint_acknowledgement_overdue", (SYSTEM,),
                "clock: acknowledgement deadline passed"),
    CommandSpec("mark_complaint_conclusion_overdue", MarkComplaintOverdue,
                "mark_complaint_conclusion_overdue", (SYSTEM,), "clock: conclusion deadline passed"),
    CommandSpec("reveal_complainant_identity", RevealComplainantIdentity, "reveal_complainant_identity",
                (CIVIL_AFFAIRS,), "reveal a complainant's identity (audited)"),
)
