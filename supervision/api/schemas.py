"""Response and query schemas of the HTTP API (documentation and serialisation)."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from supervision.commands import bounds
from supervision.commands.fields import Text, page, page_size, region_prefix
from supervision.domain.facility import OWNERSHIPS, PROFIT_STATUSES
from supervision.public.base import UtcDateTime

__all__ = ["UtcDateTime"]  # defined with the public shapes, which use it too

# `fields` is a field name here, so the schema is built from a dict rather than a class body.
ErrorSchema = Schema.from_dict(
    {
        "error": fields.String(required=True),
        "fields": fields.Dict(keys=fields.String(), values=fields.Raw()),
        "request_id": fields.String(),
    },
    name="ErrorSchema",
)


class ReadModelsLagSchema(Schema):
    caught_up = fields.Boolean(metadata={"description": "false: some views had not applied the write"})
    waited_s = fields.Float(metadata={"description": "how long the command waited for the views"})
    lag = fields.Dict(keys=fields.String(), values=fields.Integer(),
                      metadata={"description": "view -> notifications it still had to apply"})


class AcceptedSchema(Schema):
    id = fields.String(metadata={"description": "aggregate id"})
    version = fields.Integer(allow_none=True)
    notification_id = fields.Integer(allow_none=True, metadata={"description": "position in the event log"})
    data = fields.Dict()
    read_models = fields.Nested(ReadModelsLagSchema, metadata={
        "description": "only on 202: the write is durable but these views did not show it in time"})


class FacilityQueryArgs(Schema):
    class Meta:
        unknown = "raise"

    region_code = region_prefix(metadata={
        "description": "district code or prefix (province 2 digits, city 4, district 6)"})
    ownership = fields.String(validate=validate.OneOf(OWNERSHIPS))
    profit_status = fields.String(validate=validate.OneOf(PROFIT_STATUSES))
    grade = fields.Integer(validate=validate.Range(min=1, max=5))
    status = fields.String(validate=validate.OneOf(("open", "closed")))
    name = Text(bounds.SEARCH)
    page = page()
    page_size = page_size()


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
