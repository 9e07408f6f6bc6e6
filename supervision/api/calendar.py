"""/api/v1/calendar: the working-day calendar — load a year's official schedule (admin), read a year."""

from __future__ import annotations

from typing import Any

from flask_smorest import Blueprint, abort
from marshmallow import Schema, fields

from supervision import reads
from supervision.api.commands import command_doc, run, services
from supervision.api.schemas import AcceptedSchema
from supervision.commands import calendar as cmd

blp = Blueprint("calendar", __name__, url_prefix="/api/v1/calendar",
                description="工作日历: official holiday schedules and the provisional fallback")


class HolidaySchema(Schema):
    date = fields.Date()
    name = fields.String()


class LoadedNoticeSchema(Schema):
    document_no = fields.String()
    holidays = fields.List(fields.Date())
    working_days = fields.List(fields.Date())


class CalendarYearSchema(Schema):
    year = fields.Integer()
    statutory_basis = fields.String(metadata={"description": "the 《全国年节及纪念日放假办法》 in force"})
    statutory_holidays = fields.List(fields.Nested(HolidaySchema))
    loaded_notice = fields.Nested(LoadedNoticeSchema, allow_none=True)
    basis = fields.String(metadata={"enum": ["official", "provisional"]})
    note = fields.String(metadata={"description": "the data deadlines of that year are computed on"})


@blp.route("/schedules", methods=["POST"])
@blp.doc(**command_doc(cmd.LoadCalendarSchedule,
                       "load a year's State Council holiday schedule (admin); revises provisional deadlines"))
@blp.response(201, AcceptedSchema)
def load_schedule() -> dict[str, Any]:
    return run("load_calendar_schedule")


@blp.route("/<int:year>")
@blp.response(200, CalendarYearSchema)
def show_year(year: int) -> dict[str, Any]:
    """The statutory holidays of a year, the loaded notice if any, and which data deadlines use."""
    try:
        return reads.calendar_year(services().app, year)
    except ValueError as exc:
        abort(404, message=str(exc))
