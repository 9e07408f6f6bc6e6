"""Schemas of the “双随机、一公开” commands (inspector pool, campaigns, draw, results, publication)."""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, ValidationError, fields, pre_load, validate

from supervision.commands.fields import CommandSchema, CommandSpec, RegionCode, StrictInt, Uscc
from supervision.domain.facility import OWNERSHIPS
from supervision.domain.spot_check import CAMPAIGN_KINDS, CONCLUSIONS, ITEM_RESULTS, SEVERITIES
from supervision.policy.sampling import LEVELS
from supervision.roles import CIVIL_AFFAIRS, FIRE, INSPECTOR, MARKET, SYSTEM

_ID = validate.Regexp(r"^[A-Za-z0-9][A-Za-z0-9_.\-]{1,49}$", error="2–50 letters, digits, '.', '_' or '-'")
_AGENCY = validate.Regexp(r"^[A-Z]{2,8}-\d{6}$", error="an agency code like MZJ-140500")


class InspectorPersonalSchema(Schema):
    """An inspector's ID number and phone: sealed at rest, never in views or public outputs."""

    class Meta:
        unknown = "raise"

    id_number = fields.String(validate=validate.Regexp(r"^\d{17}[\dXx]$", error="18-character ID number"))
    phone = fields.String(validate=validate.Regexp(r"^[0-9+\- ]{5,20}$"))


class CertifyInspector(CommandSchema):
    inspector_id = fields.String(required=True, validate=_ID, metadata={"description": "natural key"})
    name = fields.String(required=True, validate=validate.Length(min=1, max=50))
    agency = fields.String(required=True, validate=_AGENCY)
    region_code = RegionCode(required=True)
    certificate_no = fields.String(required=True, validate=validate.Length(min=1, max=50),
                                   metadata={"description": "执法证号"})
    personal = fields.Nested(InspectorPersonalSchema)


class DeclareInspectorConflict(CommandSchema):
    inspector_id = fields.String(required=True, validate=_ID)
    uscc = Uscc(required=True)
    reason = fields.String(required=True, validate=validate.Length(min=1, max=500))


class DecertifyInspector(CommandSchema):
    inspector_id = fields.String(required=True, validate=_ID)
    reason = fields.String(required=True, validate=validate.Length(min=1, max=500))


class ChecklistItem(Schema):
    class Meta:
        unknown = "raise"

    code = fields.String(required=True, validate=validate.Length(min=1, max=40))
    title = fields.String(required=True, validate=validate.Length(min=1, max=200))


class PlanSpotCheckCampaign(CommandSchema):
    reference = fields.String(load_default=None, validate=validate.Length(min=1, max=100),
                              metadata={"description": "campaign number; a second plan with it is 409"})
    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    kind = fields.String(required=True, validate=validate.OneOf(CAMPAIGN_KINDS))
    agencies = fields.List(fields.String(validate=_AGENCY), required=True, validate=validate.Length(min=1),
                           metadata={"description": "joint campaigns: MZJ-…, XFJY-…, SCJG-…"})
    region_prefix = fields.String(required=True, validate=validate.Regexp(r"^[1-8]\d{1,5}$"),
                                  metadata={"description": "region code or prefix (2–6 digits)"})
    ownerships = fields.List(fields.String(validate=validate.OneOf(OWNERSHIPS)), load_default=None,
                             validate=validate.Length(min=1), metadata={"description": "default: all"})
    checklist = fields.List(fields.Nested(ChecklistItem), required=True, validate=validate.Length(min=1))
    sampling_ratios = fields.Dict(keys=fields.String(validate=validate.OneOf(LEVELS)), values=StrictInt(),
                                  load_default=None,
                                  metadata={"description": "percent per level, overriding the policy"})
    inspectors_per_facility = StrictInt(load_default=None, validate=validate.Range(min=2, max=10))


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
    reason = fields.String(load_default=None, validate=validate.Length(min=1, max=500), metadata={
        "description": "required for every commitment after the first (a redraw); published as "
                       "written: state the administrative ground, never a person"})


class DrawSpotCheck(_NoSeed):
    campaign_id = fields.UUID(required=True)
    visit_on = fields.Date(required=True, metadata={
        "description": "first day of the unannounced visits: until then only the campaign's organisers "
                       "see the draw (inspectors their own assignments); from then on it is public"})


class ResultItem(Schema):
    class Meta:
        unknown = "raise"

    code = fields.String(required=True, validate=validate.Length(min=1, max=40))
    result = fields.String(required=True, validate=validate.OneOf(ITEM_RESULTS))
    severity = fields.String(load_default=None, allow_none=True, validate=validate.OneOf(SEVERITIES))
    note = fields.String(load_default="", validate=validate.Length(max=1000))


class RecordSpotCheckResult(CommandSchema):
    campaign_id = fields.UUID(required=True)
    uscc = Uscc(required=True)
    conclusion = fields.String(required=True, validate=validate.OneOf(tuple(CONCLUSIONS)))
    items = fields.List(fields.Nested(ResultItem), load_default=list)
    evidence = fields.List(fields.String(validate=validate.Length(min=1, max=300)), load_default=list,
                           validate=validate.Length(max=100))
    completed_on = fields.Date(load_default=None, metadata={"description": "default: occurred_on"})


class PublishSpotCheckResult(CommandSchema):
    campaign_id = fields.UUID(required=True)
    uscc = Uscc(required=True)
    channel = fields.String(load_default=None, validate=validate.Length(min=1, max=100))


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
