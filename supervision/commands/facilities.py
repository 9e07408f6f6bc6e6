"""Schemas of the facility commands."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from supervision.commands.fields import CommandSchema, CommandSpec, RegionCode, StrictInt, Uscc
from supervision.commands.personal import ResidentIdNumber
from supervision.commands.publication import PublicSummary
from supervision.domain.facility import OWNERSHIPS, PROFIT_STATUSES
from supervision.roles import CIVIL_AFFAIRS


class PersonalSchema(Schema):
    """Personal data of the responsible persons: sealed at rest, never public."""

    class Meta:
        unknown = "raise"

    legal_representative_id_number = ResidentIdNumber()
    contact_phone = fields.String(validate=validate.Regexp(r"^[0-9+\- ]{5,20}$"))


class ProfileFields(CommandSchema):
    name = fields.String(validate=validate.Length(min=1, max=200))
    address = fields.String(validate=validate.Length(max=300))
    region_code = RegionCode()
    ownership = fields.String(validate=validate.OneOf(OWNERSHIPS))
    profit_status = fields.String(validate=validate.OneOf(PROFIT_STATUSES))
    total_beds = StrictInt(validate=validate.Range(min=0))
    nursing_beds = StrictInt(validate=validate.Range(min=0))
    legal_representative = fields.String(validate=validate.Length(max=50))
    person_in_charge = fields.String(validate=validate.Length(max=50))
    opened_on = fields.Date(allow_none=True)
    personal = fields.Nested(PersonalSchema)


class RegisterFacility(ProfileFields):
    uscc = Uscc(required=True)
    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    address = fields.String(required=True, validate=validate.Length(max=300))
    region_code = RegionCode(required=True)
    ownership = fields.String(required=True, validate=validate.OneOf(OWNERSHIPS))
    profit_status = fields.String(required=True, validate=validate.OneOf(PROFIT_STATUSES))
    total_beds = StrictInt(required=True, validate=validate.Range(min=0))
    nursing_beds = StrictInt(required=True, validate=validate.Range(min=0))
    legal_representative = fields.String(load_default="", validate=validate.Length(max=50))
    person_in_charge = fields.String(load_default="", validate=validate.Length(max=50))
    opened_on = fields.Date(load_default=None, allow_none=True)


class ChangeFacilityProfile(ProfileFields):
    uscc = Uscc(required=True)
    expected_version = StrictInt(validate=validate.Range(min=1))


class AssessFacilityGrade(CommandSchema):
    uscc = Uscc(required=True)
    level = StrictInt(required=True, validate=validate.Range(min=1, max=5))
    score = StrictInt(required=True, validate=validate.Range(min=0, max=1000))
    parts = fields.Dict(keys=fields.String(), values=StrictInt(), load_default=None)
    assessing_body = fields.String(required=True, validate=validate.Length(min=1, max=200))
    certificate_no = fields.String(required=True, validate=validate.Length(min=1, max=100))
    valid_until = fields.Date(load_default=None)


class CloseFacility(CommandSchema):
    uscc = Uscc(required=True)
    reason = fields.String(required=True, validate=validate.Length(min=1, max=500),
                           metadata={"description": "internal: never public"})
    public_summary = PublicSummary("the exit as the public registry may state it")


COMMANDS = (
    CommandSpec("register_facility", RegisterFacility, "register_facility", (CIVIL_AFFAIRS,),
                "备案: register a facility"),
    CommandSpec("change_facility_profile", ChangeFacilityProfile, "change_facility_profile",
                (CIVIL_AFFAIRS,), "change a facility's profile"),
    CommandSpec("assess_facility_grade", AssessFacilityGrade, "assess_facility_grade",
                (CIVIL_AFFAIRS,), "等级评定: record an official grade"),
    CommandSpec("close_facility", CloseFacility, "close_facility", (CIVIL_AFFAIRS,),
                "退出: record a facility's exit/closure"),
)
