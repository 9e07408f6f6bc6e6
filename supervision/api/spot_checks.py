"""“双随机、一公开” over HTTP: /api/v1/inspectors, /api/v1/spot-checks/campaigns, the public feed
/api/v1/public/spot-check-results (published results only) and the public draw record
/api/v1/public/spot-check-draws/{campaign_id} (commitments at once; seed, snapshot and result from
the visit date on).

The draw is secret until the visit date (`draw_visibility`): organisers see it all, an inspector
only their own assignments, everyone else (the public included) only that it was committed and
drawn. Every read of a campaign goes through `_visible` / `_redact` here.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from supervision import reads
from supervision.api.commands import command_doc, run, services
from supervision.api.schemas import AcceptedSchema
from supervision.api.security import current_actor, reader, require_row_jurisdiction
from supervision.api.view_cache import served_from_views
from supervision.commands import spot_checks as cmd
from supervision.commands.fields import Uscc, agency_code, page, page_size
from supervision.domain.errors import InvalidValue
from supervision.domain.inspector import InspectorNotFound, check_inspector_id
from supervision.domain.spot_check import CampaignNotFound, InspectionNotFound
from supervision.domain.uscc import validate_uscc
from supervision.policy.draw import DRAW_PROTOCOL
from supervision.public.shapes import SpotCheckResultPagePublic
from supervision.reads import (  # noqa: F401 - the web pages and the console import them from here
    DRAW_EVENT_TYPES,
    inspections_for,
    redact_campaign,
    visibility,
)
from supervision.spot_checks import campaign_key

blp = Blueprint("spot_checks", __name__, url_prefix="/api/v1", description="双随机、一公开 spot checks")


def _view() -> Any:
    return services().view("spot_checks")


def _today() -> date:
    return services().app.today()


def hide_undisclosed_draws(entries: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """`reads.hide_undisclosed_draws` for the request's caller (signed in or not)."""
    return reads.hide_undisclosed_draws(reader(required=False), entries)


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
    attempt = fields.Integer(metadata={"description": "the draw attempt that scheduled this team"})
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


class SpotCheckAttemptSummarySchema(Schema):
    attempt = fields.Integer()
    status = fields.String(metadata={"description": "committed | drawn | superseded"})
    commitment = fields.String(allow_none=True, metadata={"description": "SHA-256 (hex) of the seed"})
    committed_on = fields.String(allow_none=True, metadata={"description": "date (ISO)"})
    reason = fields.String(allow_none=True, metadata={"description": "why this attempt replaced the last"})


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
    attempt = fields.Integer(metadata={"description": "latest attempt with a commitment (0: none yet)"})
    commitment = fields.String(allow_none=True, metadata={"description": "SHA-256 of the current seed"})
    committed_on = fields.Date(allow_none=True)
    visit_on = fields.Date(allow_none=True, metadata={"description": "organisers only before that date"})
    snapshot_digest = fields.String(allow_none=True)
    attempts = fields.List(fields.Nested(SpotCheckAttemptSummarySchema))
    draw_visibility = fields.String(metadata={
        "description": "what the caller sees of the draw: public | organiser | own | none"})


class SpotCheckCampaignSchema(SpotCheckCampaignSummarySchema):
    inspections = fields.List(fields.Nested(SpotCheckInspectionSchema))


class SpotCheckVerificationStepSchema(Schema):
    step = fields.String(metadata={"description": "commitment | order | snapshot | result"})
    ok = fields.Boolean()
    detail = fields.String()


class SpotCheckRedrawSchema(Schema):
    attempt = fields.Integer()
    reason = fields.String(allow_none=True)
    committed_on = fields.Date(allow_none=True)


class SpotCheckVerificationSchema(Schema):
    campaign_id = fields.String()
    attempt = fields.Integer()
    attempts = fields.Integer()
    redraws = fields.List(fields.Nested(SpotCheckRedrawSchema))
    algorithm = fields.String()
    commitment = fields.String(allow_none=True)
    committed_on = fields.Date(allow_none=True)
    seed = fields.String()
    snapshot_digest = fields.String()
    drawn_on = fields.Date()
    visit_on = fields.Date()
    directory_size = fields.Integer()
    pool_size = fields.Integer()
    facility_count = fields.Integer()
    steps = fields.List(fields.Nested(SpotCheckVerificationStepSchema))
    verified = fields.Boolean()
    differences = fields.List(fields.String())


class SpotCheckDrawAttemptPublicSchema(Schema):
    attempt = fields.Integer()
    status = fields.String(metadata={"description": "committed | drawn | superseded"})
    commitment = fields.String(allow_none=True, metadata={"description": "SHA-256 (hex) of the seed, "
                                                                          "public from the commitment on"})
    committed_on = fields.Date(allow_none=True)
    committed_by = fields.String(allow_none=True, metadata={"description": "agency"})
    reason = fields.String(allow_none=True)
    drawn_on = fields.Date(allow_none=True)
    drawn_by = fields.String(allow_none=True, metadata={"description": "agency"})
    visit_on = fields.Date(allow_none=True)
    seed = fields.String(allow_none=True, metadata={"description": "from the visit date on"})
    algorithm = fields.String(allow_none=True)
    snapshot_digest = fields.String(allow_none=True, metadata={
        "description": "SHA-256 (hex) of the snapshot's canonical JSON (sorted keys, no spaces, UTF-8)"})
    snapshot = fields.Dict(allow_none=True, metadata={
        "description": "directory [[uscc, level]], pool (inspector codes, agencies, recusal pairs), "
                       "agencies, ratios_percent, minimum_per_level, inspectors_per_facility"})
    result = fields.Dict(allow_none=True, metadata={"description": "facilities [{uscc, level, inspectors}], "
                                                                   "strata"})


class SpotCheckDrawPublicSchema(Schema):
    campaign_id = fields.String()
    name = fields.String()
    kind = fields.String()
    agencies = fields.List(fields.String())
    protocol = fields.String(metadata={"description": "commit–reveal protocol version (docs/draw.md)"})
    disclosed = fields.Boolean(metadata={"description": "the visit date has come: seed, snapshot and "
                                                        "result are public"})
    attempts = fields.List(fields.Nested(SpotCheckDrawAttemptPublicSchema))


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
    return reads.inspectors(reader(), **query)


@blp.route("/inspectors/<string:inspector_id>")
@blp.doc(security=[{"bearerAuth": []}])
@blp.response(200, SpotCheckInspectorSchema)
def show_inspector(inspector_id: str) -> dict[str, Any]:
    current_actor()
    row = _view().inspector(inspector_id)
    if row is None:
        raise InspectorNotFound(inspector_id)
    return require_row_jurisdiction(row, f"inspector {inspector_id}", region_key="region_code")


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


def _in_scope(row: dict[str, Any], key: str) -> None:
    """403 (jurisdiction rule) unless the campaign's region prefix is inside the caller's
    jurisdiction or the caller's agency organises it."""
    reads.require_campaign_scope(reader(), row, key)


@blp.route("/spot-checks/campaigns")
@blp.doc(security=[{"bearerAuth": []}])
@blp.response(200, SpotCheckCampaignSummarySchema(many=True))
def list_campaigns() -> list[dict[str, Any]]:
    """Campaigns; seed and visit date only for organisers before the visit."""
    return reads.campaigns(reader())


@blp.route("/spot-checks/campaigns/<string:campaign_id>")
@blp.doc(security=[{"bearerAuth": []}])
@blp.response(200, SpotCheckCampaignSchema)
def show_campaign(campaign_id: str) -> dict[str, Any]:
    """A campaign with its draw. Before the visit date the drawn facilities and teams are shown to
    the campaign's organisers only; an inspector sees only their own assignments."""
    return reads.campaign(reader(), campaign_id)


@blp.route("/spot-checks/campaigns/<string:campaign_id>/commitment", methods=["POST"])
@blp.doc(**command_doc(cmd.CommitSpotCheckSeed, "双随机 step 1: the system makes a seed and publishes its "
                                                "SHA-256 commitment (a redraw needs a reason)"))
@blp.response(201, AcceptedSchema)
def commit(campaign_id: str) -> dict[str, Any]:
    return run("commit_spot_check_seed", campaign_id=campaign_key(campaign_id))


@blp.route("/spot-checks/campaigns/<string:campaign_id>/draw", methods=["POST"])
@blp.doc(**command_doc(cmd.DrawSpotCheck, "双随机 step 2: freeze the snapshot, reveal the committed seed, "
                                          "draw (no seed may be supplied)"))
@blp.response(201, AcceptedSchema)
def draw(campaign_id: str) -> dict[str, Any]:
    return run("draw_spot_check", campaign_id=campaign_key(campaign_id))


@blp.route("/spot-checks/campaigns/<string:campaign_id>/verify")
@blp.doc(security=[{}, {"bearerAuth": []}])
@blp.response(200, SpotCheckVerificationSchema)
def verify(campaign_id: str) -> dict[str, Any]:
    """commitment → seed → snapshot → result of the current draw. Public from the visit date on;
    before it, the campaign's organisers only (403 for others: the seed rebuilds the draw)."""
    return reads.verify_draw(reader(required=False), campaign_id)


@blp.route("/spot-checks/campaigns/<string:campaign_id>/inspections")
@blp.doc(security=[{"bearerAuth": []}])
@blp.response(200, SpotCheckInspectionSchema(many=True))
def list_inspections(campaign_id: str) -> list[dict[str, Any]]:
    actor = current_actor()
    key = campaign_key(campaign_id)
    row = _view().campaign(key)
    if row is None:
        raise CampaignNotFound(key)
    _in_scope(row, key)
    return inspections_for(row, _view().inspection_list(key), actor, _today())


@blp.route("/spot-checks/campaigns/<string:campaign_id>/inspections/<string:uscc>")
@blp.doc(security=[{"bearerAuth": []}])
@blp.response(200, SpotCheckInspectionSchema)
def show_inspection(campaign_id: str, uscc: str) -> dict[str, Any]:
    actor = current_actor()
    key = campaign_key(campaign_id)
    campaign = _view().campaign(key)
    if campaign is None:
        raise CampaignNotFound(key)
    _in_scope(campaign, key)
    row = _view().inspection(key, _uscc(uscc, key))
    # not drawn, withdrawn by a redraw, or not the caller's to see: the same 404, revealing nothing
    if row is None or row["status"] == "withdrawn" or not inspections_for(campaign, [row], actor, _today()):
        raise InspectionNotFound(key, uscc)
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
_UNTIL_VISIT = ("seed", "algorithm", "snapshot_digest", "snapshot", "result", "visit_on")


@blp.route("/public/spot-check-draws/<string:campaign_id>")
@blp.response(200, SpotCheckDrawPublicSchema)
def public_draw(campaign_id: str) -> dict[str, Any]:
    """The draw's public record: every attempt's commitment (and redraw reason) from the moment it is
    made; from the visit date on also seed, snapshot, snapshot digest, algorithm and result, so
    anyone can re-run the draw (`supervision.policy.draw.verify_chain`)."""
    key = campaign_key(campaign_id)
    row = _view().campaign(key)
    if row is None:
        raise CampaignNotFound(key)
    record = services().app.spot_check_draw_record(key)
    disclosed = visibility(row, None, _today()) == "public"
    attempts = []
    for attempt in record["attempts"]:
        entry = {k: v for k, v in attempt.items() if k not in ("committed_at", "drawn_at")}
        if not disclosed:
            entry.update(dict.fromkeys(_UNTIL_VISIT))
        attempts.append(entry)
    return {"campaign_id": key, "name": row["name"], "kind": row["kind"], "agencies": row["agencies"],
            "protocol": f"{DRAW_PROTOCOL.id}/{DRAW_PROTOCOL.version}", "disclosed": disclosed,
            "attempts": attempts}


@blp.route("/public/spot-check-results")
@served_from_views("spot_checks", "facility_list")
@blp.arguments(SpotCheckPublicResultArgs, location="query", as_kwargs=True)
@blp.response(200, SpotCheckResultPagePublic)
def public_results(
    page: int, page_size: int, uscc: str | None = None, campaign_id: Any = None
) -> dict[str, Any]:
    """Published results only (一公开), as the national disclosure system shows them."""
    items, total = _view().public_results(
        uscc=uscc, campaign_id=str(campaign_id) if campaign_id else None, page=page, page_size=page_size
    )
    names = services().view("facility_list").names(item["uscc"] for item in items)
    for item in items:
        item["facility_name"] = names.get(item["uscc"])
    return {"items": items, "page": page, "page_size": page_size, "total": total}
