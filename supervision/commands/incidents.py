"""Schemas of the incident commands (突发重大情况). Every command names its facility by `uscc`."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from supervision.commands import bounds
from supervision.commands.fields import (
    CommandSchema,
    CommandSpec,
    Moment,
    NestedObject,
    Reference,
    StrictInt,
    Text,
    Uscc,
)
from supervision.commands.personal import ResidentIdNumber
from supervision.domain.incident import INCIDENT_CATEGORIES, REPORTERS, RESPONSIBILITIES, SEVERITIES
from supervision.roles import CIVIL_AFFAIRS, FIRE, MARKET

#: agencies that record incidents and act on them (fire: fires; market supervision: food poisoning)
INCIDENT_ROLES = (CIVIL_AFFAIRS, FIRE, MARKET)


class ResidentSchema(Schema):
    """A resident concerned (dead, injured, missing): sealed before it enters an event, never shown."""

    class Meta:
        unknown = "raise"

    name = Text(bounds.PERSON_NAME, min_length=1)
    id_number = ResidentIdNumber()
    outcome = fields.String(validate=validate.OneOf(("dead", "injured", "missing", "affected")))


class ReportIncident(CommandSchema):
    uscc = Uscc(required=True)
    category = fields.String(required=True, validate=validate.OneOf(INCIDENT_CATEGORIES))
    severity = fields.String(required=True, validate=validate.OneOf(SEVERITIES))
    reporter = fields.String(
        load_default="operator",
        validate=validate.OneOf(REPORTERS),
        metadata={
            "description": "operator: the facility reported it; "
            "regulator: the regulator learnt of it otherwise"
        },
    )
    occurred_at = Moment(
        required=True,
        metadata={"description": "when it happened (ISO 8601; without offset read as Asia/Shanghai)"},
    )
    reported_at = Moment(
        required=True, metadata={"description": "when the report reached the regulator"}
    )
    summary = Text(2000, min_length=1, multiline=True, required=True,
                   metadata={"description": "regulators only"})
    deaths = StrictInt(load_default=0, min=0, max=10_000)
    injuries = StrictInt(load_default=0, min=0, max=10_000)
    residents = fields.List(
        NestedObject(ResidentSchema), load_default=None, validate=validate.Length(max=200)
    )


class IncidentStep(CommandSchema):
    uscc = Uscc(required=True)
    incident_id = fields.UUID(required=True)


class ClassifyIncident(IncidentStep):
    category = fields.String(required=True, validate=validate.OneOf(INCIDENT_CATEGORIES))
    severity = fields.String(required=True, validate=validate.OneOf(SEVERITIES))
    reason = Text(2000, min_length=1, multiline=True, required=True)


_AUTHORITY_NOTE = (
    "default: the recording actor's agency code; another registered agency's code is refused (403, "
    "attribution rule); a body outside the registry (an accident investigation team, a court) is named "
    "in words and recorded as named, beside the recording actor"
)


class OpenIncidentInvestigation(IncidentStep):
    authority = Text(bounds.TITLE, min_length=1, load_default=None, allow_none=True, metadata={
        "description": f"the investigating authority; {_AUTHORITY_NOTE}"})


class FindIncidentResponsibility(IncidentStep):
    authority = Text(bounds.TITLE, min_length=1, load_default=None, allow_none=True, metadata={
        "description": f"the competent authority that made the finding; {_AUTHORITY_NOTE}"})
    decision_no = Reference(bounds.DOCUMENT_NO, required=True,
                            metadata={"description": "number of the finding / investigation decision"})
    responsibility = fields.String(
        required=True,
        validate=validate.OneOf(RESPONSIBILITIES),
        metadata={
            "description": "the facility's responsibility: "
            "main or direct proposes a listing under criterion (5)"
        },
    )
    cause = Text(4000, multiline=True, load_default="")


COMMANDS = (
    CommandSpec(
        "report_incident",
        ReportIncident,
        "report_incident",
        INCIDENT_ROLES,
        "突发重大情况: record an incident report (late reports are recorded as late)",
    ),
    CommandSpec(
        "classify_incident",
        ClassifyIncident,
        "classify_incident",
        INCIDENT_ROLES,
        "correct an incident's category or severity",
    ),
    CommandSpec(
        "open_incident_investigation",
        OpenIncidentInvestigation,
        "open_incident_investigation",
        INCIDENT_ROLES,
        "open the investigation of an incident",
    ),
    CommandSpec(
        "find_incident_responsibility",
        FindIncidentResponsibility,
        "find_incident_responsibility",
        INCIDENT_ROLES,
        "the competent authority's finding of responsibility (concludes the investigation)",
    ),
)
