"""Schemas of the calendar commands: load a year's official holiday schedule, revisit deadlines."""

from __future__ import annotations

from marshmallow import fields

from supervision.commands import bounds
from supervision.commands.fields import BoundedList, CommandSchema, CommandSpec, Day, Reference, StrictInt
from supervision.roles import ADMIN, SYSTEM


class LoadCalendarSchedule(CommandSchema):
    """国务院办公厅关于<year>年部分节假日安排的通知, as dates.

    `holidays`: every day off the notice lists (weekends inside a holiday span included);
    `working_days`: the adjusted working Saturdays/Sundays (调休上班).
    """

    year = StrictInt(min=2000, max=2100, required=True)
    document_no = Reference(bounds.DOCUMENT_NO, required=True,
                            metadata={"description": "the notice's number, e.g. 国办发明电〔2026〕12号"})
    holidays = BoundedList(Day(), 120, min_length=1, required=True)
    working_days = BoundedList(Day(), 30, load_default=list)


class RevisitProvisionalDeadlines(CommandSchema):
    """Issued by the clock (or an admin): recompute open provisional deadlines on today's calendar."""

    class Meta(CommandSchema.Meta):
        exclude = ("occurred_on",)

    today = Day(load_default=None)
    only_if_changed = fields.Boolean(load_default=False)


COMMANDS = (
    CommandSpec("load_calendar_schedule", LoadCalendarSchedule, "load_calendar_schedule", (ADMIN,),
                "load a year's official holiday schedule (State Council notice) and revise provisional "
                "deadlines"),
    CommandSpec("revisit_provisional_deadlines", RevisitProvisionalDeadlines, "revisit_provisional_deadlines",
                (ADMIN, SYSTEM), "recompute open provisional deadlines on the current calendar"),
)
