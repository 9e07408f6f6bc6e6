"""/api/v1/duty-reports (regulators), /api/v1/duty-reports/schedules, /api/v1/public/annual-reports."""

from __future__ import annotations

from typing import Any

from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from supervision import reads
from supervision.api.commands import command_doc, run, services
from supervision.api.schemas import AcceptedSchema, UtcDateTime
from supervision.api.security import reader
from supervision.api.view_cache import served_from_views
from supervision.commands import duty_reports as cmd
from supervision.commands.fields import Uscc
from supervision.policy.duty_reports import ANNUAL, DUTY_REPORTS_DEFAULT, QUARTERLY, REPORT_KINDS

blp = Blueprint("duty_reports", __name__, url_prefix="/api/v1", description="定期报告 / 年度报告 reports")
READ_ROLES = reads.DUTY_REPORT_READ_ROLES
_PERIOD = validate.Regexp(r"^\d{4}(Q[1-4])?$", error="must be a year (2025) or a quarter (2025Q3)")


class DutyReportSchema(Schema):
    report_id = fields.String()
    uscc = fields.String()
    kind = fields.String(metadata={"enum": list(REPORT_KINDS)})
    period = fields.String()
    title = fields.String()
    due_on = fields.Date()
    due_basis = fields.String()
    status = fields.String(metadata={"enum": ["open", "submitted", "missing"]})
    submitted_on = fields.Date(allow_none=True)
    late = fields.Boolean(allow_none=True)
    missing = fields.Boolean(
        metadata={"description": "marked missing by the clock (stays true once late-filed)"}
    )
    reminded_on = fields.Date(allow_none=True)
    grace_due_on = fields.Date(allow_none=True)
    grace_expired = fields.Boolean()
    listing_criterion = fields.String(allow_none=True)
    policy_version = fields.String()
    version = fields.Integer()
    updated_at = UtcDateTime()


class DutyReportPageSchema(Schema):
    items = fields.List(fields.Nested(DutyReportSchema))
    page = fields.Integer()
    page_size = fields.Integer()
    total = fields.Integer()


class AnnualReportPublic(Schema):
    """The allow-list of a public annual report: that it was filed, and when."""

    uscc = fields.String()
    kind = fields.String()
    period = fields.String()
    submitted_on = fields.Date()


class AnnualReportPublicPageSchema(Schema):
    items = fields.List(fields.Nested(AnnualReportPublic))
    page = fields.Integer()
    page_size = fields.Integer()
    total = fields.Integer()


class ReportScheduleSchema(Schema):
    """One report a facility of the given ownerships and profit statuses owes, and when."""

    kind = fields.String(metadata={"enum": list(REPORT_KINDS)})
    title = fields.String()
    frequency = fields.String(metadata={"enum": [ANNUAL, QUARTERLY]})
    ownerships = fields.List(fields.String(), metadata={"description": "empty = every ownership"})
    profit_statuses = fields.List(fields.String(), metadata={"description": "empty = every profit status"})
    due_month_day = fields.List(
        fields.Integer(), allow_none=True,
        metadata={"description": "[month, day] of the year after the period (annual reports); or null"},
    )
    due_working_days = fields.Integer(
        allow_none=True, metadata={"description": "working days after the period ends; or null"}
    )
    listing_criterion = fields.String(allow_none=True)
    legal_basis = fields.String()


class ReportSchedulesSchema(Schema):
    """The duty-report policy in force: its version, basis, grace period and schedules."""

    id = fields.String()
    version = fields.String()
    legal_basis = fields.String()
    first_year = fields.Integer(
        allow_none=True, metadata={"description": "first year the clock marks reports missing; null: none"}
    )
    grace_working_days = fields.Integer()
    schedules = fields.List(fields.Nested(ReportScheduleSchema))


class _Page(Schema):
    class Meta:
        unknown = "raise"

    page = fields.Integer(load_default=1, validate=validate.Range(min=1))
    page_size = fields.Integer(load_default=50, validate=validate.Range(min=1, max=500))


class DutyReportQueryArgs(_Page):
    uscc = Uscc()
    kind = fields.String(validate=validate.OneOf(REPORT_KINDS))
    period = fields.String(validate=_PERIOD)
    status = fields.String(validate=validate.OneOf(("open", "submitted", "missing")))
    late = fields.Boolean()


class PublicAnnualReportArgs(_Page):
    uscc = Uscc()
    period = fields.String(validate=_PERIOD)


@blp.route("/duty-reports")
@blp.doc(security=[{"bearerAuth": []}])
@blp.arguments(DutyReportQueryArgs, location="query", as_kwargs=True)
@blp.response(200, DutyReportPageSchema)
def list_reports(**query: Any) -> dict[str, Any]:
    """Report obligations touched so far (submitted or missing), for regulators."""
    from projections.duty_reports import DutyReportQuery

    return reads.duty_report_page(reader(), DutyReportQuery(**query))


@blp.route("/duty-reports/schedules")
@blp.response(200, ReportSchedulesSchema)
def schedules() -> dict[str, Any]:
    """The report schedules per facility kind, with legal basis and policy version (public data)."""
    p = DUTY_REPORTS_DEFAULT
    return {
        "id": p.id,
        "version": p.version,
        "legal_basis": p.legal_basis,
        "first_year": p.first_year,
        "grace_working_days": p.grace_working_days,
        "schedules": [
            {
                "kind": s.kind,
                "title": s.title,
                "frequency": s.frequency,
                "ownerships": list(s.ownerships),
                "profit_statuses": list(s.profit_statuses),
                "due_month_day": list(s.due_month_day) if s.due_month_day else None,
                "due_working_days": s.due_working_days,
                "listing_criterion": s.listing_criterion,
                "legal_basis": s.legal_basis,
            }
            for s in p.schedules
        ],
    }


def _command(name: str, path: str, schema: type[Schema], summary: str) -> None:
    def endpoint() -> dict[str, Any]:
        return run(name)

    endpoint.__name__ = name
    endpoint.__doc__ = summary
    blp.route(f"/duty-reports{path}", methods=["POST"])(
        blp.doc(**command_doc(schema, summary))(blp.response(201, AcceptedSchema)(endpoint))
    )


_command("submit_duty_report", "", cmd.SubmitDutyReport, "record a report filed (late after its due date)")
_command(
    "remind_duty_report",
    "/reminders",
    cmd.RemindDutyReport,
    "催报: remind a facility of a missing report (starts the grace period)",
)
_command(
    "mark_duty_report_missing", "/missing", cmd.MarkDutyReport, "the clock (role system): report missing"
)
_command(
    "mark_duty_report_grace_expired",
    "/grace-expiry",
    cmd.MarkDutyReport,
    "the clock (role system): grace period after the reminder ended",
)


@blp.route("/public/annual-reports")
@served_from_views("duty_reports")
@blp.arguments(PublicAnnualReportArgs, location="query", as_kwargs=True)
@blp.response(200, AnnualReportPublicPageSchema)
def public_annual_reports(
    page: int, page_size: int, uscc: str | None = None, period: str | None = None
) -> dict[str, Any]:
    """Annual reports filed (年度报告公示): facility, year and filing date only."""
    items, total = services().view("duty_reports").filed_public(uscc, period, page, page_size)
    return {"items": items, "page": page, "page_size": page_size, "total": total}
