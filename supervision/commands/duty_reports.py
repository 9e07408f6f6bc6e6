"""Schemas of the report commands (定期报告 / 年度报告). Every command names its facility by `uscc`."""

from __future__ import annotations

from marshmallow import fields, validate

from supervision.commands import bounds
from supervision.commands.fields import CommandSchema, CommandSpec, Day, Identifier, Reference, Uscc
from supervision.policy.duty_reports import REPORT_KINDS
from supervision.roles import CIVIL_AFFAIRS, MARKET, SYSTEM

#: civil affairs receives work reports; market supervision receives enterprises' annual reports
REPORT_ROLES = (CIVIL_AFFAIRS, MARKET)
def _period(**kwargs: object) -> Identifier:
    return Identifier(r"^[0-9]{4}(Q[1-4])?$", max_length=6, upper=True,
                      error="must be a year (2025) or a quarter (2025Q3)", **kwargs)


class ReportRef(CommandSchema):
    uscc = Uscc(required=True)
    kind = fields.String(required=True, validate=validate.OneOf(REPORT_KINDS))
    period = _period(required=True)


class SubmitDutyReport(ReportRef):
    pass


class RemindDutyReport(ReportRef):
    reference = Reference(bounds.DOCUMENT_NO, min_length=0, load_default="",
                          metadata={"description": "number of the written reminder (催报通知)"})


class MarkDutyReport(ReportRef):
    """Issued by the clock: `today` is the day it runs for; the event dates itself from the due date."""

    class Meta(CommandSchema.Meta):
        exclude = ("occurred_on",)

    today = Day(required=True)


COMMANDS = (
    CommandSpec(
        "submit_duty_report",
        SubmitDutyReport,
        "submit_duty_report",
        REPORT_ROLES,
        "定期报告/年度报告: record that a facility filed a report (late after its due date)",
    ),
    CommandSpec(
        "remind_duty_report",
        RemindDutyReport,
        "remind_duty_report",
        REPORT_ROLES,
        "催报: remind a facility of a missing report (starts the grace period)",
    ),
    CommandSpec(
        "mark_duty_report_missing",
        MarkDutyReport,
        "mark_duty_report_missing",
        (SYSTEM,),
        "clock: a report's due date passed without a submission",
    ),
    CommandSpec(
        "mark_duty_report_grace_expired",
        MarkDutyReport,
        "mark_duty_report_grace_expired",
        (SYSTEM,),
        "clock: the grace period after a reminder ended without a submission",
    ),
)
