"""Schemas of the interview commands (约谈). Every command names its facility by `uscc`."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from supervision.commands import bounds
from supervision.commands.fields import (
    CommandSchema,
    CommandSpec,
    Day,
    Deadline,
    NestedObject,
    Reference,
    StrictInt,
    Text,
    Uscc,
)
from supervision.domain.interview import SUMMONED_ROLES
from supervision.roles import CIVIL_AFFAIRS, FIRE, MARKET, SYSTEM

INTERVIEW_ROLES = (CIVIL_AFFAIRS, FIRE, MARKET)


class AttendeeSchema(Schema):
    """A person who attended: sealed before it enters an event, never shown."""

    class Meta:
        unknown = "raise"

    name = Text(bounds.PERSON_NAME, required=True)
    position = Text(bounds.PERSON_NAME, load_default="")


class CommitmentSchema(Schema):
    class Meta:
        unknown = "raise"

    item = Text(500, min_length=1, multiline=True, required=True)
    due_on = Deadline(required=True)


class SummonInterview(CommandSchema):
    uscc = Uscc(required=True)
    reason = Text(2000, min_length=1, multiline=True, required=True)
    scheduled_on = Deadline(required=True)
    summoned_roles = fields.List(
        fields.String(validate=validate.OneOf(SUMMONED_ROLES)),
        required=True,
        validate=validate.Length(min=1, max=len(SUMMONED_ROLES)),
    )
    place = Text(bounds.TITLE, load_default="")
    notice_no = Reference(bounds.DOCUMENT_NO, min_length=0, load_default="",
                          metadata={"description": "number of the written summons (约谈通知书)"})


class InterviewStep(CommandSchema):
    uscc = Uscc(required=True)
    interview_id = fields.UUID(required=True)


class HoldInterview(InterviewStep):
    attendees = fields.List(
        NestedObject(AttendeeSchema), required=True, validate=validate.Length(min=1, max=50)
    )
    minutes = Text(8000, multiline=True, required=True)
    commitments = fields.List(
        NestedObject(CommitmentSchema), load_default=list, validate=validate.Length(max=50)
    )


class RecordInterviewNotAttended(InterviewStep):
    note = Text(1000, multiline=True, load_default="")


class FulfilInterviewCommitment(InterviewStep):
    commitment_no = StrictInt(required=True, min=1, max=50)
    evidence = Text(bounds.TEXT, multiline=True, required=True)


class MarkInterviewCommitmentOverdue(InterviewStep):
    class Meta(CommandSchema.Meta):
        exclude = ("occurred_on",)

    commitment_no = StrictInt(required=True, min=1, max=50)
    today = Day(required=True)


COMMANDS = (
    CommandSpec(
        "summon_interview",
        SummonInterview,
        "summon_interview",
        INTERVIEW_ROLES,
        "约谈: summon a facility's head for a supervisory interview",
    ),
    CommandSpec(
        "hold_interview",
        HoldInterview,
        "hold_interview",
        INTERVIEW_ROLES,
        "record an interview held, with the facility's commitments and their deadlines",
    ),
    CommandSpec(
        "record_interview_not_attended",
        RecordInterviewNotAttended,
        "record_interview_not_attended",
        INTERVIEW_ROLES,
        "record that the summoned did not attend",
    ),
    CommandSpec(
        "fulfil_interview_commitment",
        FulfilInterviewCommitment,
        "fulfil_interview_commitment",
        INTERVIEW_ROLES,
        "record a commitment fulfilled (verified)",
    ),
    CommandSpec(
        "mark_interview_commitment_overdue",
        MarkInterviewCommitmentOverdue,
        "mark_interview_commitment_overdue",
        (SYSTEM,),
        "clock: a commitment's deadline passed",
    ),
)
