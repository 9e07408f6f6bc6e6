"""/api/v1/complaints (regulators) and /api/v1/public/complaint-summary (anyone).

No response here carries a complainant's identity except the audited reveal endpoint, which only
civil-affairs staff and admins may call (the dispatcher checks the role, the event records the read).
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from supervision import reads
from supervision.api.commands import command_doc, run, services
from supervision.api.schemas import AcceptedSchema, UtcDateTime
from supervision.api.security import current_actor, reader
from supervision.api.view_cache import served_from_views
from supervision.commands import complaints as cmd
from supervision.commands.fields import Uscc, page, page_size
from supervision.domain.complaint import CATEGORIES, CHANNELS, OUTCOMES, STATUSES, ComplaintNotFound
from supervision.public.shapes import ComplaintSummaryPublic

blp = Blueprint("complaints", __name__, url_prefix="/api/v1", description="投诉举报 complaints")

READ_ROLES = cmd.READ_ROLES


class ComplaintSchema(Schema):
    complaint_id = fields.String()
    uscc = fields.String()
    reference = fields.String(allow_none=True)
    channel = fields.String(metadata={"enum": list(CHANNELS)})
    category = fields.String(metadata={"enum": list(CATEGORIES)})
    summary = fields.String()
    has_complainant = fields.Boolean(metadata={"description": "an identity was given (never shown here)"})
    status = fields.String(metadata={"enum": list(STATUSES)})
    received_on = fields.Date()
    ack_due_on = fields.Date()
    ack_due_basis = fields.String()
    ack_due_note = fields.String()
    acknowledged_on = fields.Date(allow_none=True)
    ack_on_time = fields.Boolean(allow_none=True)
    ack_overdue_on = fields.Date(allow_none=True)
    assigned_agency = fields.String(allow_none=True)
    assigned_officer = fields.String(allow_none=True)
    assigned_on = fields.Date(allow_none=True)
    conclude_due_on = fields.Date()
    conclude_due_basis = fields.String()
    conclude_due_note = fields.String()
    concluded_on = fields.Date(allow_none=True)
    outcome = fields.String(allow_none=True, metadata={"enum": list(OUTCOMES)})
    measures = fields.List(fields.String())
    penalty_decision_no = fields.String(allow_none=True)
    conclude_on_time = fields.Boolean(allow_none=True)
    conclusion_overdue_on = fields.Date(allow_none=True)
    closed_on = fields.Date(allow_none=True)
    identity_reveals = fields.Integer()
    policy_version = fields.String()
    version = fields.Integer()
    updated_at = UtcDateTime()


class ComplaintPageSchema(Schema):
    items = fields.List(fields.Nested(ComplaintSchema))
    page = fields.Integer()
    page_size = fields.Integer()
    total = fields.Integer()


class ComplaintQueryArgs(Schema):
    class Meta:
        unknown = "raise"

    uscc = Uscc()
    status = fields.String(validate=validate.OneOf(STATUSES))
    category = fields.String(validate=validate.OneOf(CATEGORIES))
    channel = fields.String(validate=validate.OneOf(CHANNELS))
    overdue = fields.Boolean(metadata={"description": "only complaints with (true) / without (false) a "
                                                      "missed deadline"})
    page = page()
    page_size = page_size()


class ComplaintDeadlineArgs(Schema):
    class Meta:
        unknown = "raise"

    uscc = Uscc()
    as_of = fields.Date(metadata={"description": "default today (Asia/Shanghai)"})


class ComplaintDeadlineSchema(Schema):
    complaint_id = fields.String()
    uscc = fields.String()
    category = fields.String()
    status = fields.String()
    received_on = fields.Date()
    kind = fields.String(metadata={"enum": ["acknowledge", "conclude"]})
    due_on = fields.Date()
    basis = fields.String(metadata={"description": "official or provisional (see note: the data used)"})
    note = fields.String()
    overdue = fields.Boolean()
    marked_overdue_on = fields.Date(allow_none=True)


class ComplaintSummaryArgs(Schema):
    class Meta:
        unknown = "raise"

    uscc = Uscc(required=True)



def _complaint_id(value: str) -> str:
    """An id that is not a UUID names no complaint: 404, like any unknown id."""
    try:
        return str(UUID(value))
    except ValueError:
        raise ComplaintNotFound(value) from None


def _step(name: str, complaint_id: str) -> dict[str, Any]:
    """Authenticate before judging the id, so an anonymous caller learns nothing from a 404."""
    current_actor()
    return run(name, complaint_id=_complaint_id(complaint_id))


@blp.route("/complaints")
@blp.doc(security=[{"bearerAuth": []}])
@blp.arguments(ComplaintQueryArgs, location="query", as_kwargs=True)
@blp.response(200, ComplaintPageSchema)
def list_complaints(**query: Any) -> dict[str, Any]:
    """Regulators' list of complaints, newest first (no complainant identities)."""
    from projections.complaints import ComplaintQuery

    return reads.complaint_page(reader(), ComplaintQuery(**query))


@blp.route("/complaints", methods=["POST"])
@blp.doc(**command_doc(cmd.RegisterComplaint, "投诉举报: register a complaint (identity sealed at rest)"))
@blp.response(201, AcceptedSchema)
def register() -> dict[str, Any]:
    return run("register_complaint")


@blp.route("/complaints/deadlines")
@blp.doc(security=[{"bearerAuth": []}])
@blp.arguments(ComplaintDeadlineArgs, location="query", as_kwargs=True)
@blp.response(200, ComplaintDeadlineSchema(many=True))
def deadlines(uscc: str | None = None, as_of: Any = None) -> list[dict[str, Any]]:
    """Acknowledgement and conclusion deadlines still waiting for their act, soonest first."""
    return reads.complaint_deadlines(reader(), as_of, uscc)


@blp.route("/complaints/<string:complaint_id>")
@blp.doc(security=[{"bearerAuth": []}])
@blp.response(200, ComplaintSchema)
def show(complaint_id: str) -> dict[str, Any]:
    """One complaint as regulators see it (no complainant identity)."""
    return reads.complaint(reader(), complaint_id)


@blp.route("/complaints/<string:complaint_id>/acknowledgement", methods=["POST"])
@blp.doc(**command_doc(cmd.AcknowledgeComplaint, "acknowledge a complaint (受理)"))
@blp.response(201, AcceptedSchema)
def acknowledge(complaint_id: str) -> dict[str, Any]:
    return _step("acknowledge_complaint", complaint_id)


@blp.route("/complaints/<string:complaint_id>/assignment", methods=["POST"])
@blp.doc(**command_doc(cmd.AssignComplaint, "assign a complaint to an agency / officer"))
@blp.response(201, AcceptedSchema)
def assign(complaint_id: str) -> dict[str, Any]:
    return _step("assign_complaint", complaint_id)


@blp.route("/complaints/<string:complaint_id>/conclusion", methods=["POST"])
@blp.doc(**command_doc(cmd.ConcludeComplaint, "conclude a complaint: outcome and measures (办结)"))
@blp.response(201, AcceptedSchema)
def conclude(complaint_id: str) -> dict[str, Any]:
    return _step("conclude_complaint", complaint_id)


@blp.route("/complaints/<string:complaint_id>/closure", methods=["POST"])
@blp.doc(**command_doc(cmd.CloseComplaint, "close a concluded complaint"))
@blp.response(201, AcceptedSchema)
def close(complaint_id: str) -> dict[str, Any]:
    return _step("close_complaint", complaint_id)


@blp.route("/complaints/<string:complaint_id>/identity-reveals", methods=["POST"])
@blp.doc(**command_doc(cmd.RevealComplainantIdentity,
                       "reveal the complainant's identity (civil affairs / admin; audited)"))
@blp.response(200, AcceptedSchema)
def reveal_identity(complaint_id: str) -> dict[str, Any]:
    """Records `Complaint.IdentityRevealed` (who, why) before the identity is returned."""
    return _step("reveal_complainant_identity", complaint_id)


@blp.route("/public/complaint-summary")
@served_from_views("facility_list", "complaints")
@blp.arguments(ComplaintSummaryArgs, location="query", as_kwargs=True)
@blp.response(200, ComplaintSummaryPublic)
def public_summary(uscc: str) -> dict[str, Any]:
    """Public: counts of concluded complaints about a facility by category and outcome."""
    return reads.complaint_summary(services(), uscc)
