"""/api/v1/fire-safety: findings, rectification, re-inspection, sealing; case lists for regulators."""

from __future__ import annotations

from typing import Any

from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from supervision import reads
from supervision.api.commands import command_doc, run
from supervision.api.schemas import AcceptedSchema, UtcDateTime
from supervision.api.security import reader
from supervision.commands import fire_safety as cmd
from supervision.commands.fields import Uscc, page, page_size
from supervision.domain.fire_safety import CATEGORIES
from supervision.domain.uscc import validate_uscc

blp = Blueprint("fire_safety", __name__, url_prefix="/api/v1/fire-safety",
                description="消防安全: hazards, rectification, sealing")


class FireCaseSchema(Schema):
    case_id = fields.String()
    uscc = fields.String()
    finding_no = fields.String()
    category = fields.String(metadata={"enum": list(CATEGORIES)})
    location = fields.String()
    description = fields.String()
    major = fields.Boolean()
    major_criterion = fields.String(allow_none=True)
    origin = fields.String()
    spot_check_inspection_id = fields.String(allow_none=True)
    found_on = fields.Date()
    status = fields.String(metadata={"enum": ["found", "ordered", "reported", "verified"]})
    order_no = fields.String(allow_none=True)
    due_on = fields.Date(allow_none=True)
    reported_on = fields.Date(allow_none=True)
    verified_on = fields.Date(allow_none=True)
    rejections = fields.Integer()
    overdue = fields.Boolean(metadata={"description": "the current deadline passed unverified"})
    overdue_due_on = fields.Date(allow_none=True)
    overdue_count = fields.Integer()
    sealed = fields.Boolean()
    sealed_on = fields.Date(allow_none=True)
    seal_decision_no = fields.String(allow_none=True)
    unsealed_on = fields.Date(allow_none=True)
    version = fields.Integer()
    updated_at = UtcDateTime()


class FireCasePageSchema(Schema):
    items = fields.List(fields.Nested(FireCaseSchema))
    page = fields.Integer()
    page_size = fields.Integer()
    total = fields.Integer()


class FireCaseQueryArgs(Schema):
    class Meta:
        unknown = "raise"

    uscc = Uscc()
    status = fields.String(validate=validate.OneOf(("found", "ordered", "reported", "verified")))
    open = fields.Boolean(metadata={"description": "true: not yet verified"})
    major = fields.Boolean()
    overdue = fields.Boolean()
    sealed = fields.Boolean()
    page = page()
    page_size = page_size()


@blp.route("/cases")
@blp.doc(security=[{"bearerAuth": []}])
@blp.arguments(FireCaseQueryArgs, location="query", as_kwargs=True)
@blp.response(200, FireCasePageSchema)
def list_cases(**query: Any) -> dict[str, Any]:
    """Fire-safety cases (regulators): filter by facility, status, open, major, overdue, sealed."""
    from projections.fire_safety import FireCaseQuery

    if query.get("uscc"):
        query["uscc"] = validate_uscc(query["uscc"])
    return reads.fire_case_page(reader(), FireCaseQuery(**query))


@blp.route("/cases", methods=["POST"])
@blp.doc(**command_doc(cmd.RecordFireFinding, "record a fire-safety finding (and its rectification order)"))
@blp.response(201, AcceptedSchema)
def record_finding() -> dict[str, Any]:
    return run("record_fire_finding")


@blp.route("/cases/<string:case_id>")
@blp.doc(security=[{"bearerAuth": []}])
@blp.response(200, FireCaseSchema)
def show_case(case_id: str) -> dict[str, Any]:
    """One case's current state (regulators); its history is in the facility's events."""
    return reads.fire_case(reader(), case_id)


def _case_command(name: str, path: str, schema: type[Schema], summary: str) -> None:
    """POST /cases/<case_id>/<path> runs command `name` on that case."""

    def endpoint(case_id: str) -> dict[str, Any]:
        return run(name, case_id=case_id)

    endpoint.__name__ = name
    endpoint.__doc__ = summary
    blp.route(f"/cases/<string:case_id>/{path}", methods=["POST"])(
        blp.doc(**command_doc(schema, summary))(blp.response(201, AcceptedSchema)(endpoint))
    )


_case_command("order_rectification", "rectification-orders", cmd.OrderRectification,
              "责令限期整改: order rectification by a deadline (a new order replaces the deadline)")
_case_command("report_rectification", "rectification-reports", cmd.ReportRectification,
              "the facility reports the hazard rectified")
_case_command("verify_rectification", "verifications", cmd.VerifyRectification,
              "复查合格: re-inspection verifies the rectification")
_case_command("reject_rectification", "rejections", cmd.RejectRectification,
              "复查不合格: re-inspection rejects it (new_order_no + new_due_on set a new deadline)")
_case_command("seal_premises", "sealing", cmd.SealPremises, "临时查封: seal the premises")
_case_command("unseal_premises", "unsealing", cmd.UnsealPremises, "lift the temporary sealing")
_case_command("mark_rectification_overdue", "overdue", cmd.MarkRectificationOverdue,
              "the clock (role system): the deadline passed without verified rectification")
