"""Schemas of the “双随机、一公开” commands (inspector pool, campaigns, draw, results, publication)."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from supervision.commands import bounds
from supervision.commands.fields import (
    BoundedDict,
    BoundedList,
    CommandSchema,
    CommandSpec,
    Identifier,
    Reference,
    RegionCode,
    StrictInt,
    Text,
    Uscc,
    agency_code,
    phone,
    region_prefix,
)
from supervision.commands.personal import ResidentIdNumber
from supervision.domain.facility import OWNERSHIPS
from supervision.domain.spot_check import CAMPAIGN_KINDS, CONCLUSIONS, ITEM_RESULTS, SEVERITIES
from supervision.policy.sampling import LEVELS
from supervision.roles import CIVIL_AFFAIRS, FIRE, INSPECTOR, MARKET, SYSTEM

_ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.\-]{1,49}$"


def _inspector_id(**kwargs: object) -> Identifier:
    return Identifier(_ID_PATTERN, max_length=50, error="2–50 letters, digits, '.', '_' or '-'", **kwargs)


class InspectorPersonalSchema(Schema):
    """An inspector's ID number and phone: sealed at rest, never in views or public outputs."""

    class Meta:
        unknown = "raise"

    id_number = ResidentIdNumber()
    phone = phone()


class CertifyInspector(CommandSchema):
    inspector_id = _inspector_id(required=True, metadata={"description": "natural key"})
    name = Text(bounds.PERSON_NAME, min_length=1, required=True)
    agency = agency_code(required=True)
    region_code = RegionCode(required=True)
    certificate_no = Reference(50, required=True, metadata={"description": "执法证号"})
    personal = fields.Nested(InspectorPersonalSchema)


class DeclareInspectorConflict(CommandSchema):
    inspector_id = _inspector_id(required=True)
    uscc = Uscc(required=True)
    reason = Text(bounds.SHORT_TEXT, min_length=1, multiline=True, required=True)


class DecertifyInspector(CommandSchema):
    inspector_id = _inspector_id(required=True)
    reason = Text(bounds.SHORT_TEXT, min_length=1, multiline=True, required=True)


class ChecklistItem(Schema):
    class Meta:
        unknown = "raise"

    code = Reference(bounds.CODE, required=True)
    title = Text(bounds.TITLE, min_length=1, required=True)


class PlanSpotCheckCampaign(CommandSchema):
    reference = Reference(bounds.DOCUMENT_NO, load_default=None,
                          metadata={"description": "campaign number; a second plan with it is 409"})
    name = Text(bounds.TITLE, min_length=1, required=True)
    kind = fields.String(required=True, validate=validate.OneOf(CAMPAIGN_KINDS))
    agencies = BoundedList(agency_code(), bounds.MAX_AGENCIES, min_length=1, required=True,
                           metadata={"description": "joint campaigns: MZJ-…, XFJY-…, SCJG-…"})
    region_prefix = region_prefix(required=True,
                                  metadata={"description": "region code or prefix (2–6 digits)"})
    ownerships = BoundedList(fields.String(validate=validate.OneOf(OWNERSHIPS)), len(OWNERSHIPS),
                             min_length=1, load_default=None, metadata={"description": "default: all"})
    checklist = BoundedList(fields.Nested(ChecklistItem), bounds.MAX_CHECKLIST, min_length=1, required=True)
    sampling_ratios = BoundedDict(fields.String(validate=validate.OneOf(LEVELS)),
                                  StrictInt(min=0, max=bounds.MAX_PERCENT), len(LEVELS), load_default=None,
                                  metadata={"description": "percent per level, overriding the policy"})
    inspectors_per_facility = StrictInt(min=2, max=10, load_default=None)


class DrawSpotCheck(CommandSchema):
    campaign_id = fields.UUID(required=True)
    seed = Identifier(r"^[!-~]{8,128}$", max_length=128, error="8–128 printable ASCII characters",
                      load_default=None,
                         metadata={"description": "default: 128 random bits from `secrets`"})


class ResultItem(Schema):
    class Meta:
        unknown = "raise"

    code = Reference(bounds.CODE, required=True)
    result = fields.String(required=True, validate=validate.OneOf(ITEM_RESULTS))
    severity = fields.String(load_default=None, allow_none=True, validate=validate.OneOf(SEVERITIES))
    note = Text(bounds.NOTE, multiline=True, load_default="")


class RecordSpotCheckResult(CommandSchema):
    campaign_id = fields.UUID(required=True)
    uscc = Uscc(required=True)
    conclusion = fields.String(required=True, validate=validate.OneOf(tuple(CONCLUSIONS)))
    items = BoundedList(fields.Nested(ResultItem), bounds.MAX_RESULT_ITEMS, load_default=list)
    evidence = BoundedList(Reference(bounds.EVIDENCE_REF), bounds.MAX_EVIDENCE, load_default=list)
    completed_on = fields.Date(load_default=None, metadata={"description": "default: occurred_on"})


class PublishSpotCheckResult(CommandSchema):
    campaign_id = fields.UUID(required=True)
    uscc = Uscc(required=True)
    channel = Text(100, min_length=1, load_default=None)


class MarkPublicationOverdue(CommandSchema):
    campaign_id = fields.UUID(required=True)
    uscc = Uscc(required=True)
    today = fields.Date(required=True)


_POOL_KEEPERS = (CIVIL_AFFAIRS, FIRE, MARKET)
_CAMPAIGN_LEADS = (CIVIL_AFFAIRS, MARKET)

COMMANDS = (
    CommandSpec("certify_inspector", CertifyInspector, "certify_inspector", _POOL_KEEPERS,
                "执法检查人员名录库: certify an inspector"),
    CommandSpec("declare_inspector_conflict", DeclareInspectorConflict, "declare_inspector_conflict",
                (*_POOL_KEEPERS, INSPECTOR), "回避: declare an inspector's conflict of interest"),
    CommandSpec("decertify_inspector", DecertifyInspector, "decertify_inspector", _POOL_KEEPERS,
                "remove an inspector from the pool"),
    CommandSpec("plan_spot_check_campaign", PlanSpotCheckCampaign, "plan_spot_check_campaign",
                _CAMPAIGN_LEADS, "plan a 双随机 spot-check campaign"),
    CommandSpec("draw_spot_check", DrawSpotCheck, "draw_spot_check", _CAMPAIGN_LEADS,
                "双随机: draw facilities and inspectors (reproducible)"),
    CommandSpec("record_spot_check_result", RecordSpotCheckResult, "record_spot_check_result",
                (INSPECTOR, CIVIL_AFFAIRS), "record a drawn facility's inspection result"),
    CommandSpec("publish_spot_check_result", PublishSpotCheckResult, "publish_spot_check_result",
                _CAMPAIGN_LEADS, "一公开: publish an inspection result"),
    CommandSpec("mark_publication_overdue", MarkPublicationOverdue, "mark_publication_overdue", (SYSTEM,),
                "the clock: a result not published within 20 working days"),
)
