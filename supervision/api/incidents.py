"""/api/v1/incidents (regulators) and /api/v1/public/incidents (anyone: concluded, allow-listed).

Residents' data never leaves the event store (sealed); summaries and findings are for regulators.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from supervision import reads
from supervision.api.commands import command_doc, run, services
from supervision.api.schemas import AcceptedSchema, UtcDateTime
from supervision.api.security import reader, require_role, require_row_jurisdiction
from supervision.api.view_cache import served_from_views
from supervision.commands import incidents as cmd
from supervision.commands.fields import Uscc
from supervision.domain.incident import (
    INCIDENT_CATEGORIES,
    RESPONSIBILITIES,
    SEVERITIES,
    STATUSES,
    IncidentNotFound,
)

blp = Blueprint("incidents", __name__, url_prefix="/api/v1", description="突发重大情况 incidents")
READ_ROLES = reads.INCIDENT_READ_ROLES


class IncidentSchema(Schema):
    incident_id = fields.String()
    uscc = fields.String()
    category = fields.String(metadata={"enum": list(INCIDENT_CATEGORIES)})
    severity = fields.String(metadata={"enum": list(SEVERITIES)})
    reporter = fields.String()
    occurred_at = UtcDateTime()
    incident_on = fields.Date()
    reported_at = UtcDateTime()
    report_due_at = UtcDateTime()
    late = fields.Boolean(metadata={"description": "reported after report_due_at"})
    deadline_hours = fields.Integer()
    policy_version = fields.String()
    deaths = fields.Integer()
    injuries = fields.Integer()
    status = fields.String(metadata={"enum": list(STATUSES)})
    investigating_authority = fields.String(allow_none=True)
    finding_authority = fields.String(allow_none=True)
    decision_no = fields.String(allow_none=True)
    responsibility = fields.String(allow_none=True, metadata={"enum": list(RESPONSIBILITIES)})
    concluded_on = fields.Date(allow_none=True)
    version = fields.Integer()
    updated_at = UtcDateTime()


class IncidentPageSchema(Schema):
    items = fields.List(fields.Nested(IncidentSchema))
    page = fields.Integer()
    page_size = fields.Integer()
    total = fields.Integer()


class IncidentPublic(Schema):
    """The allow-list of a public incident: category and dates, once the investigation concluded."""

    incident_id = fields.String()
    uscc = fields.String()
    category = fields.String(metadata={"enum": list(INCIDENT_CATEGORIES)})
    incident_on = fields.Date()
    concluded_on = fields.Date()


class IncidentPublicPageSchema(Schema):
    items = fields.List(fields.Nested(IncidentPublic))
    page = fields.Integer()
    page_size = fields.Integer()
    total = fields.Integer()


class _Page(Schema):
    class Meta:
        unknown = "raise"

    page = fields.Integer(load_default=1, validate=validate.Range(min=1))
    page_size = fields.Integer(load_default=50, validate=validate.Range(min=1, max=500))


class IncidentQueryArgs(_Page):
    uscc = Uscc()
    status = fields.String(validate=validate.OneOf(STATUSES))
    category = fields.String(validate=validate.OneOf(INCIDENT_CATEGORIES))
    late = fields.Boolean()


class PublicIncidentArgs(_Page):
    uscc = Uscc()


@blp.route("/incidents")
@blp.doc(security=[{"bearerAuth": []}])
@blp.arguments(IncidentQueryArgs, location="query", as_kwargs=True)
@blp.response(200, IncidentPageSchema)
def list_incidents(**query: Any) -> dict[str, Any]:
    """Incidents (regulators): filter by facility, status, category, late."""
    from projections.incidents import IncidentQuery

    return reads.incident_page(reader(), IncidentQuery(**query))


@blp.route("/incidents", methods=["POST"])
@blp.doc(**command_doc(cmd.ReportIncident, "record an incident report (lateness measured by policy)"))
@blp.response(201, AcceptedSchema)
def report_incident() -> dict[str, Any]:
    return run("report_incident")


@blp.route("/incidents/<string:incident_id>")
@blp.doc(security=[{"bearerAuth": []}])
@blp.response(200, IncidentSchema)
def show_incident(incident_id: str) -> dict[str, Any]:
    """One incident's current state (regulators); its history is in the facility's events."""
    require_role(READ_ROLES, "read incidents")
    try:
        key = str(UUID(incident_id))
    except ValueError:
        raise IncidentNotFound(incident_id) from None
    row = services().view("incidents").get(key)
    if row is None:
        raise IncidentNotFound(incident_id)
    return require_row_jurisdiction(row, f"incident {key}")


def _step(name: str, path: str, schema: type[Schema], summary: str) -> None:
    """POST /incidents/<incident_id>/<path> runs command `name` (the body names the facility)."""

    def endpoint(incident_id: str) -> dict[str, Any]:
        return run(name, incident_id=incident_id)

    endpoint.__name__ = name
    endpoint.__doc__ = summary
    blp.route(f"/incidents/<string:incident_id>/{path}", methods=["POST"])(
        blp.doc(**command_doc(schema, summary))(blp.response(201, AcceptedSchema)(endpoint))
    )


_step("classify_incident", "classification", cmd.ClassifyIncident, "correct the category or severity")
_step("open_incident_investigation", "investigation", cmd.OpenIncidentInvestigation, "open the investigation")
_step(
    "find_incident_responsibility",
    "finding",
    cmd.FindIncidentResponsibility,
    "the competent authority's finding of responsibility (concludes the investigation)",
)


@blp.route("/public/incidents")
@served_from_views("incidents")
@blp.arguments(PublicIncidentArgs, location="query", as_kwargs=True)
@blp.response(200, IncidentPublicPageSchema)
def public_incidents(page: int, page_size: int, uscc: str | None = None) -> dict[str, Any]:
    """Concluded incidents, public: category and dates only (no summary, finding or resident)."""
    items, total = services().view("incidents").concluded_public(uscc, page, page_size)
    return {"items": items, "page": page, "page_size": page_size, "total": total}
