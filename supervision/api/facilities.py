"""/api/v1/facilities: registry, profile, grade assessments, exit, history."""

from __future__ import annotations

from typing import Any

from flask import Response, jsonify
from flask_smorest import Blueprint

from supervision import reads
from supervision.api.commands import command_doc, run, services
from supervision.api.preconditions import IF_MATCH_PARAMETER, expected_version
from supervision.api.schemas import (
    AcceptedSchema,
    FacilityQueryArgs,
    TimelineEntrySchema,
)
from supervision.api.security import reader
from supervision.api.view_cache import served_from_views
from supervision.commands import facilities as cmd
from supervision.public.shapes import FacilityPagePublic, FacilityPublic
from supervision.reads import HISTORY_ROLES  # noqa: F401 - the console reads it from here

blp = Blueprint("facilities", __name__, url_prefix="/api/v1/facilities", description="养老机构 registry")


@blp.route("")
@served_from_views("facility_list")
@blp.arguments(FacilityQueryArgs, location="query", as_kwargs=True)
@blp.response(200, FacilityPagePublic)
def list_facilities(**query: Any) -> Response:
    """List and filter facilities (public).

    The page is rendered by `FacilityPublic.render_many` (the shape compiled once into plain Python,
    supervision/public/compiled.py): the same answer as the documented `FacilityPagePublic` dump,
    without marshmallow's per-field cost.
    """
    from projections.facility_list import FacilityQuery

    return jsonify(reads.facility_page(services(), FacilityQuery(**query)))


@blp.route("", methods=["POST"])
@blp.doc(**command_doc(cmd.RegisterFacility, "备案: register a facility"))
@blp.response(201, AcceptedSchema)
def register() -> dict[str, Any]:
    return run("register_facility")


@blp.route("/<string:uscc>")
@blp.response(200, FacilityPublic)
def show(uscc: str) -> dict[str, Any]:
    """One facility's current registry entry (public)."""
    return reads.facility(services(), uscc)


@blp.route("/<string:uscc>", methods=["PATCH"])
@blp.doc(**command_doc(cmd.ChangeFacilityProfile, "change a facility's profile (If-Match: version)"),
         parameters=[IF_MATCH_PARAMETER])
@blp.response(200, AcceptedSchema)
def change_profile(uscc: str) -> dict[str, Any]:
    """Change the profile; `If-Match` names the version last seen (`*`: any, as without it)."""
    extra: dict[str, Any] = {"uscc": uscc}
    version = expected_version()
    if version is not None:
        extra["expected_version"] = version
    return run("change_facility_profile", **extra)


@blp.route("/<string:uscc>/grade-assessments", methods=["POST"])
@blp.doc(**command_doc(cmd.AssessFacilityGrade, "等级评定: record an official grade assessment"))
@blp.response(201, AcceptedSchema)
def assess_grade(uscc: str) -> dict[str, Any]:
    return run("assess_facility_grade", uscc=uscc)


@blp.route("/<string:uscc>/exit", methods=["POST"])
@blp.doc(**command_doc(cmd.CloseFacility, "退出: record the facility's exit/closure"))
@blp.response(201, AcceptedSchema)
def close(uscc: str) -> dict[str, Any]:
    return run("close_facility", uscc=uscc)


@blp.route("/<string:uscc>/events")
@blp.doc(security=[{"bearerAuth": []}])
@blp.response(200, TimelineEntrySchema(many=True))
def history(uscc: str) -> list[dict[str, Any]]:
    """The facility's full event history across all aggregates (regulators; no personal data).

    Not public and not for inspectors: it holds complaint summaries and draws before their visit.
    """
    return reads.facility_history(reader(), uscc)
