"""/api/v1/interviews: supervisory interviews (约谈) and their commitments, for regulators only."""

from __future__ import annotations

from typing import Any

from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from supervision import reads
from supervision.api.commands import command_doc, run, services
from supervision.api.schemas import AcceptedSchema, UtcDateTime
from supervision.api.security import reader, require_role, scope_page
from supervision.commands import interviews as cmd
from supervision.commands.fields import Uscc
from supervision.domain.interview import STATUSES

blp = Blueprint("interviews", __name__, url_prefix="/api/v1", description="约谈 supervisory interviews")
READ_ROLES = reads.INTERVIEW_READ_ROLES


class CommitmentStateSchema(Schema):
    no = fields.Integer()
    item = fields.String()
    due_on = fields.Date()
    fulfilled_on = fields.Date(allow_none=True)
    on_time = fields.Boolean(allow_none=True)
    overdue = fields.Boolean()


class InterviewSummarySchema(Schema):
    interview_id = fields.String()
    uscc = fields.String()
    reason = fields.String()
    notice_no = fields.String()
    summoned_on = fields.Date()
    scheduled_on = fields.Date()
    status = fields.String(metadata={"enum": list(STATUSES)})
    held_on = fields.Date(allow_none=True)
    not_attended_on = fields.Date(allow_none=True)
    attendee_count = fields.Integer(allow_none=True, metadata={"description": "names stay sealed"})
    version = fields.Integer()
    updated_at = UtcDateTime()


class InterviewSchema(InterviewSummarySchema):
    commitments = fields.List(fields.Nested(CommitmentStateSchema))


class InterviewPageSchema(Schema):
    items = fields.List(fields.Nested(InterviewSummarySchema))
    page = fields.Integer()
    page_size = fields.Integer()
    total = fields.Integer()


class InterviewQueryArgs(Schema):
    class Meta:
        unknown = "raise"

    uscc = Uscc()
    status = fields.String(validate=validate.OneOf(STATUSES))
    page = fields.Integer(load_default=1, validate=validate.Range(min=1))
    page_size = fields.Integer(load_default=50, validate=validate.Range(min=1, max=500))


@blp.route("/interviews")
@blp.doc(security=[{"bearerAuth": []}])
@blp.arguments(InterviewQueryArgs, location="query", as_kwargs=True)
@blp.response(200, InterviewPageSchema)
def list_interviews(**query: Any) -> dict[str, Any]:
    from projections.interviews import InterviewQuery

    require_role(READ_ROLES, "read interviews")
    return scope_page(services().view("interviews"), InterviewQuery(**query))


@blp.route("/interviews", methods=["POST"])
@blp.doc(**command_doc(cmd.SummonInterview, "约谈: summon a facility's head"))
@blp.response(201, AcceptedSchema)
def summon_interview() -> dict[str, Any]:
    return run("summon_interview")


@blp.route("/interviews/<string:interview_id>")
@blp.doc(security=[{"bearerAuth": []}])
@blp.response(200, InterviewSchema)
def show_interview(interview_id: str) -> dict[str, Any]:
    return reads.interview(reader(), interview_id)


def _step(name: str, path: str, schema: type[Schema], summary: str, numbered: bool = False) -> None:
    if numbered:

        def endpoint(interview_id: str, no: int) -> dict[str, Any]:
            return run(name, interview_id=interview_id, commitment_no=no)

        rule = f"/interviews/<string:interview_id>/commitments/<int:no>/{path}"
    else:

        def endpoint(interview_id: str) -> dict[str, Any]:  # type: ignore[misc]
            return run(name, interview_id=interview_id)

        rule = f"/interviews/<string:interview_id>/{path}"
    endpoint.__name__ = name
    endpoint.__doc__ = summary
    blp.route(rule, methods=["POST"])(
        blp.doc(**command_doc(schema, summary))(blp.response(201, AcceptedSchema)(endpoint))
    )


_step("hold_interview", "held", cmd.HoldInterview, "the interview took place (attendees sealed, commitments)")
_step(
    "record_interview_not_attended",
    "not-attended",
    cmd.RecordInterviewNotAttended,
    "the summoned did not attend",
)
_step(
    "fulfil_interview_commitment",
    "fulfilment",
    cmd.FulfilInterviewCommitment,
    "a commitment fulfilled (verified)",
    numbered=True,
)
_step(
    "mark_interview_commitment_overdue",
    "overdue",
    cmd.MarkInterviewCommitmentOverdue,
    "the clock (role system): a commitment's deadline passed",
    numbered=True,
)
