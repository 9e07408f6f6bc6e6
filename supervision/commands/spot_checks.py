"""Schemas of the “双随机、一公开” commands (inspector pool, campaigns, draw, results, publication)."""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, ValidationError, fields, pre_load, validate

from supervision.commands import bounds
from supervision.commands.fields import (
    BoundedDict,
    BoundedList,
    CommandSchema,
    CommandSpec,
    Day,
    Deadline,
    Identifier,
    NestedObject,
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
    personal = NestedObject(InspectorPersonalSchema)


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
    checklist = BoundedList(NestedObject(ChecklistItem), bounds.MAX_CHECKLIST, min_length=1, required=True)
    sampling_ratios = BoundedDict(fields.String(validate=validate.OneOf(LEVELS)),
                                  StrictInt(min=0, max=bounds.MAX_PERCENT), len(LEVELS), load_default=None,
                                  metadata={"description": "percent per level, overriding the policy"})
    inspectors_per_facility = StrictInt(min=2, max=10, load_default=None)


SEED_REFUSED = ("the system makes the seed (CSPRNG) and commits to it before the snapshot is frozen; "
                "a caller cannot supply one, or a drawer could try seeds offline until the sample suits")


class _NoSeed(CommandSchema):
    """A `seed` in the payload is refused by name, saying why (not just "unknown field")."""

    @pre_load
    def refuse_seed(self, data: Any, **_: Any) -> Any:
        if isinstance(data, dict) and "seed" in data:
            raise ValidationError({"seed": [SEED_REFUSED]})
        return data


class CommitSpotCheckSeed(_NoSeed):
    campaign_id = fields.UUID(required=True)
    reason = Text(bounds.SHORT_TEXT, min_length=1, multiline=True, load_default=None, allow_none=True,
                  metadata={"description": "required for every commitment after the first (a redraw); "
                                           "published as written: state the administrative ground, "
                                           "never a person", "x-published": True})


class DrawSpotCheck(_NoSeed):
    campaign_id = fields.UUID(required=True)
    visit_on = Deadline(required=True, metadata={
        "description": "first day of the unannounced visits: until then only the campaign's organisers "
                       "see the draw (inspectors their own assignments); from then on it is public"})


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
    items = BoundedList(NestedObject(ResultItem), bounds.MAX_RESULT_ITEMS, load_default=list)
    evidence = BoundedList(Reference(bounds.EVIDENCE_REF), bounds.MAX_EVIDENCE, load_default=list)
    completed_on = Day(load_default=None, metadata={"description": "default: occurred_on"})


class PublishSpotCheckResult(CommandSchema):
    campaign_id = fields.UUID(required=True)
    uscc = Uscc(required=True)
    channel = Text(100, min_length=1, load_default=None)


class MarkPublicationOverdue(CommandSchema):
    campaign_id = fields.UUID(required=True)
    uscc = Uscc(required=True)
    today = Day(required=True)


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
    CommandSpec("commit_spot_check_seed", CommitSpotCheckSeed, "commit_spot_check_seed", _CAMPAIGN_LEADS,
                "双随机 step 1: commit to a system-made seed (SHA-256 public, seed sealed)"),
    CommandSpec("draw_spot_check", DrawSpotCheck, "draw_spot_check", _CAMPAIGN_LEADS,
                "双随机 step 2: freeze the snapshot, reveal the seed, draw facilities and inspectors"),
    CommandSpec("record_spot_check_result", RecordSpotCheckResult, "record_spot_check_result",
                (INSPECTOR, CIVIL_AFFAIRS), "record a drawn facility's inspection result"),
    CommandSpec("publish_spot_check_result", PublishSpotCheckResult, "publish_spot_check_result",
                _CAMPAIGN_LEADS, "一公开: publish an inspection result"),
    CommandSpec("mark_publication_overdue", MarkPublicationOverdue, "mark_publication_overdue", (SYSTEM,),
                "the clock: a result not published within 20 working days"),
)
