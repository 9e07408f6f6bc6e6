"""“双随机、一公开” over HTTP: /api/v1/inspectors, /api/v1/spot-checks/campaigns, and the public
feed /api/v1/public/spot-check-results (published results only)."""

from __future__ import annotations

from typing import Any

from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from supervision.api.commands import command_doc, run, services
from supervision.api.schemas import AcceptedSchema
from supervision.api.security import current_actor
from supervision.commands import spot_checks as cmd
from supervision.commands.fields import Uscc, agency_code, page, page_size
from supervision.domain.errors import InvalidValue
from supervision.domain.inspector import InspectorNotFound, check_inspector_id
from supervision.domain.spot_check import CampaignNotFound, InspectionNotFound
from supervision.domain.uscc import validate_uscc
from supervision.public.shapes import DrawVerificationPublic, SpotCheckResultPagePublic
from supervision.spot_checks import campaign_key

blp = Blueprint("spot_checks", __name__, url_prefix="/api/v1", description="双随机、一公开 spot checks")


def _view() -> Any:
    return services().view("spot_checks")


def _uscc(value: str, campaign_id: str) -> str:
    try:
        return validate_uscc(value)
    except InvalidValue:
        raise InspectionNotFound(campaign_id, value) from None


# -- response schemas ----------------------------------------------------------------------
class SpotCheckConflictSchema(Schema):
    uscc = fields.String()
    reason = fields.String()
    declared_on = fields.Date()


class SpotCheckInspectorSchema(Schema):
    inspector_id = fields.String()
    name = fields.String()
    agency = fields.String()
    region_code = fields.String()
    certificate_no = fields.String()
    status = fields.String(metadata={"description": "certified | decertified"})
    certified_on = fields.Date()
    decertified_on = fields.Date(allow_none=True)
    decertify_reason = fields.String(allow_none=True)
    conflicts = fields.List(fields.Nested(SpotCheckConflictSchema))
    version = fields.Integer()


class SpotCheckInspectionSchema(Schema):
    campaign_id = fields.String()
    uscc = fields.String()
    inspection_id = fields.String()
    level = fields.String(metadata={"description": "supervision level at the draw"})
    inspectors = fields.List(fields.String())
    drawn_on = fields.Date()
    status = fields.String(metadata={"description": "drawn | recorded | published"})
    conclusion = fields.String(allow_none=True)
    items = fields.List(fields.Dict(), allow_none=True)
    evidence = fields.List(fields.String(), allow_none=True)
    problems_found = fields.Boolean(allow_none=True)
    max_severity = fields.String(allow_none=True)
    completed_on = fields.Date(allow_none=True)
    publish_due_on = fields.Date(allow_none=True)
    due_basis = fields.String(allow_none=True)
    due_note = fields.String(allow_none=True)
    published_on = fields.Date(allow_none=True)
    channel = fields.String(allow_none=True)
    published_late = fields.Boolean(allow_none=True)
    publication_overdue = fields.Boolean()
    overdue_marked_on = fields.Date(allow_none=True)
    recorded_by = fields.String(allow_none=True)
    version = fields.Integer()


class SpotCheckCampaignSummarySchema(Schema):
    campaign_id = fields.String()
    reference = fields.String(allow_none=True)
    name = fields.String()
    kind = fields.String()
    agencies = fields.List(fields.String())
    region_prefix = fields.String()
    ownerships = fields.List(fields.String())
    checklist = fields.List(fields.Dict())
    sampling = fields.Dict()
    planned_on = fields.Date()
    status = fields.String(metadata={"description": "planned | drawn"})
    drawn_on = fields.Date(allow_none=True)
    algorithm = fields.String(allow_none=True)
    seed = fields.String(allow_none=True)
    directory_size = fields.Integer(allow_none=True)
    pool_size = fields.Integer(allow_none=True)
    drawn_count = fields.Integer(allow_none=True)
    strata = fields.Dict(allow_none=True)


class SpotCheckCampaignSchema(SpotCheckCampaignSummarySchema):
    inspections = fields.List(fields.Nested(SpotCheckInspectionSchema))


class SpotCheckInspectorQueryArgs(Schema):
    class Meta:
        unknown = "raise"

    agency = agency_code()
    status = fields.String(validate=validate.OneOf(("certified", "decertified")))


class SpotCheckPublicResultArgs(Schema):
    class Meta:
        unknown = "raise"

    uscc = Uscc()
    campaign_id = fields.UUID()
    page = page()
    page_size = page_size()


# -- inspector pool ------------------------------------------------------------------------
@blp.route("/inspectors", methods=["POST"])
@blp.doc(**command_doc(cmd.CertifyInspector, "执法检查人员名录库: certify an inspector"))
@blp.response(201, AcceptedSchema)
def certify_inspector() -> dict[str, Any]:
    return run("certify_inspector")


@blp.route("/inspectors")
@blp.doc(security=[{"bearerAuth": []}])
@blp.arguments(SpotCheckInspectorQueryArgs, location="query", as_kwargs=True)
@blp.response(200, SpotCheckInspectorSchema(many=True))
def list_inspectors(**query: Any) -> list[dict[str, Any]]:
    """The inspector pool with declared conflicts (regulators; no personal data)."""
    current_actor()
    return _view().inspector_list(**query)


@blp.route("/inspectors/<string:inspector_id>")
@blp.doc(security=[{"bearerAuth": []}])
@blp.response(200, SpotCheckInspectorSchema)
def show_inspector(inspector_id: str) -> dict[str, Any]:
    current_actor()
    row = _view().inspector(inspector_id)
    if row is None:
        raise InspectorNotFound(inspector_id)
    return row


@blp.route("/inspectors/<string:inspector_id>/conflicts", methods=["POST"])
@blp.doc(**command_doc(cmd.DeclareInspectorConflict, "回避: declare a conflict of interest with a facility"))
@blp.response(201, AcceptedSchema)
def declare_conflict(inspector_id: str) -> dict[str, Any]:
    return run("declare_inspector_conflict", inspector_id=inspector_id)


@blp.route("/inspectors/<string:inspector_id>/decertification", methods=["POST"])
@blp.doc(**command_doc(cmd.DecertifyInspector, "remove an inspector from the pool"))
@blp.response(201, AcceptedSchema)
def decertify(inspector_id: str) -> dict[str, Any]:
    try:
        check_inspector_id(inspector_id)
    except InvalidValue:
        raise InspectorNotFound(inspector_id) from None
    return run("decertify_inspector", inspector_id=inspector_id)


# -- campaigns -----------------------------------------------------------------------------
@blp.route("/spot-checks/campaigns", methods=["POST"])
@blp.doc(**command_doc(cmd.PlanSpotCheckCampaign, "plan a 双随机 spot-check campaign"))
@blp.response(201, AcceptedSchema)
def plan_campaign() -> dict[str, Any]:
    return run("plan_spot_check_campaign")


@blp.route("/spot-checks/campaigns")
@blp.doc(security=[{"bearerAuth": []}])
@blp.response(200, SpotCheckCampaignSummarySchema(many=True))
def list_campaigns() -> list[dict[str, Any]]:
    current_actor()
    return _view().campaign_list()


@blp.route("/spot-checks/campaigns/<string:campaign_id>")
@blp.doc(security=[{"bearerAuth": []}])
@blp.response(200, SpotCheckCampaignSchema)
def show_campaign(campaign_id: str) -> dict[str, Any]:
    """A campaign with its draw and every drawn facility's inspection (regulators)."""
    current_actor()
    key = campaign_key(campaign_id)
    row = _view().campaign(key)
    if row is None:
        raise CampaignNotFound(key)
    return row


@blp.route("/spot-checks/campaigns/<string:campaign_id>/draw", methods=["POST"])
@blp.doc(**command_doc(cmd.DrawSpotCheck, "双随机: draw facilities and inspectors (seed optional)"))
@blp.response(201, AcceptedSchema)
def draw(campaign_id: str) -> dict[str, Any]:
    return run("draw_spot_check", campaign_id=campaign_key(campaign_id))


@blp.route("/spot-checks/campaigns/<string:campaign_id>/verify")
@blp.response(200, DrawVerificationPublic)
def verify(campaign_id: str) -> dict[str, Any]:
    """Re-run the draw on the inputs recorded in its event and compare (public: anyone may check)."""
    return services().app.verify_spot_check_draw(campaign_key(campaign_id))


@blp.route("/spot-checks/campaigns/<string:campaign_id>/inspections")
@blp.doc(security=[{"bearerAuth": []}])
@blp.response(200, SpotCheckInspectionSchema(many=True))
def list_inspections(campaign_id: str) -> list[dict[str, Any]]:
    current_actor()
    key = campaign_key(campaign_id)
    if _view().campaign(key) is None:
        raise CampaignNotFound(key)
    return _view().inspection_list(key)


@blp.route("/spot-checks/campaigns/<string:campaign_id>/inspections/<string:uscc>")
@blp.doc(security=[{"bearerAuth": []}])
@blp.response(200, SpotCheckInspectionSchema)
def show_inspection(campaign_id: str, uscc: str) -> dict[str, Any]:
    current_actor()
    key = campaign_key(campaign_id)
    row = _view().inspection(key, _uscc(uscc, key))
    if row is None:
        raise CampaignNotFound(key) if _view().campaign(key) is None else InspectionNotFound(key, uscc)
    return row


@blp.route("/spot-checks/campaigns/<string:campaign_id>/inspections/<string:uscc>/result", methods=["POST"])
@blp.doc(**command_doc(cmd.RecordSpotCheckResult, "record the inspection result of a drawn facility"))
@blp.response(201, AcceptedSchema)
def record_result(campaign_id: str, uscc: str) -> dict[str, Any]:
    key = campaign_key(campaign_id)
    return run("record_spot_check_result", campaign_id=key, uscc=_uscc(uscc, key))


@blp.route("/spot-checks/campaigns/<string:campaign_id>/inspections/<string:uscc>/publish", methods=["POST"])
@blp.doc(**command_doc(cmd.PublishSpotCheckResult, "一公开: publish the result (once)"))
@blp.response(201, AcceptedSchema)
def publish(campaign_id: str, uscc: str) -> dict[str, Any]:
    key = campaign_key(campaign_id)
    return run("publish_spot_check_result", campaign_id=key, uscc=_uscc(uscc, key))


@blp.route(
    "/spot-checks/campaigns/<string:campaign_id>/inspections/<string:uscc>/publication-overdue",
    methods=["POST"],
)
@blp.doc(**command_doc(cmd.MarkPublicationOverdue, "the clock: mark a publication overdue (system)"))
@blp.response(201, AcceptedSchema)
def publication_overdue(campaign_id: str, uscc: str) -> dict[str, Any]:
    key = campaign_key(campaign_id)
    return run("mark_publication_overdue", campaign_id=key, uscc=_uscc(uscc, key))


# -- public --------------------------------------------------------------------------------
@blp.route("/public/spot-check-results")
@blp.arguments(SpotCheckPublicResultArgs, location="query", as_kwargs=True)
@blp.response(200, SpotCheckResultPagePublic)
def public_results(
    page: int, page_size: int, uscc: str | None = None, campaign_id: Any = None
) -> dict[str, Any]:
    """Published results only (一公开), as the national disclosure system shows them."""
    items, total = _view().public_results(
        uscc=uscc, campaign_id=str(campaign_id) if campaign_id else None, page=page, page_size=page_size
    )
    facilities = services().view("facility_list")
    for item in items:
        row = facilities.get(item["uscc"])
        item["facility_name"] = row["name"] if row else None
    return {"items": items, "page": page, "page_size": page_size, "total": total}
