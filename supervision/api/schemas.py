"""Response and query schemas of the HTTP API (documentation and serialisation)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from marshmallow import Schema, fields, validate

from supervision.domain.facility import OWNERSHIPS, PROFIT_STATUSES

# `fields` is a field name here, so the schema is built from a dict rather than a class body.
ErrorSchema = Schema.from_dict(
    {
        "error": fields.String(required=True),
        "fields": fields.Dict(keys=fields.String(), values=fields.Raw()),
        "request_id": fields.String(),
    },
    name="ErrorSchema",
)


class UtcDateTime(fields.DateTime):
    """ISO 8601 with its offset, always: SQLite hands timezone-aware columns back naive, and the value
    written was UTC (`event.timestamp`), so a naive value is UTC. (OpenAPI `date-time` = RFC 3339,
    which requires the offset.)"""

    def _serialize(self, value: Any, attr: str | None, obj: Any, **kwargs: Any) -> str | None:
        if isinstance(value, datetime) and value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return super()._serialize(value, attr, obj, **kwargs)


class AcceptedSchema(Schema):
    id = fields.String(metadata={"description": "aggregate id"})
    version = fields.Integer(allow_none=True)
    notification_id = fields.Integer(allow_none=True, metadata={"description": "position in the event log"})
    data = fields.Dict()


class FacilitySchema(Schema):
    uscc = fields.String()
    facility_id = fields.String()
    name = fields.String()
    address = fields.String()
    region_code = fields.String()
    ownership = fields.String()
    profit_status = fields.String()
    total_beds = fields.Integer()
    nursing_beds = fields.Integer()
    legal_representative = fields.String()
    person_in_charge = fields.String()
    opened_on = fields.Date(allow_none=True)
    registered_on = fields.Date()
    status = fields.String()
    closed_on = fields.Date(allow_none=True)
    close_reason = fields.String(allow_none=True)
    grade_level = fields.Integer(allow_none=True)
    grade_score = fields.Integer(allow_none=True)
    grade_assessed_on = fields.Date(allow_none=True)
    grade_valid_until = fields.Date(allow_none=True)
    grade_assessing_body = fields.String(allow_none=True)
    version = fields.Integer()
    updated_at = UtcDateTime()


class FacilityPageSchema(Schema):
    items = fields.List(fields.Nested(FacilitySchema))
    page = fields.Integer()
    page_size = fields.Integer()
    total = fields.Integer()


class FacilityQueryArgs(Schema):
    class Meta:
        unknown = "raise"

    region_code = fields.String(validate=validate.Regexp(r"^\d{2,6}$"), metadata={
        "description": "district code or prefix (province 2 digits, city 4, district 6)"})
    ownership = fields.String(validate=validate.OneOf(OWNERSHIPS))
    profit_status = fields.String(validate=validate.OneOf(PROFIT_STATUSES))
    grade = fields.Integer(validate=validate.Range(min=1, max=5))
    status = fields.String(validate=validate.OneOf(("open", "closed")))
    name = fields.String(validate=validate.Length(max=100))
    page = fields.Integer(load_default=1, validate=validate.Range(min=1))
    page_size = fields.Integer(load_default=50, validate=validate.Range(min=1, max=500))


class TimelineEntrySchema(Schema):
    aggregate_id = fields.String()
    version = fields.Integer()
    uscc = fields.String()
    event_type = fields.String()
    occurred_on = fields.Date(allow_none=True)
    recorded_at = UtcDateTime()
    actor_user = fields.String(allow_none=True)
    actor_agency = fields.String(allow_none=True)
    actor_role = fields.String(allow_none=True)
    source = fields.String(allow_none=True)
    payload = fields.Dict()
