"""Schemas of the facility commands."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from supervision.commands import bounds
from supervision.commands.fields import (
    BoundedDict,
    CommandSchema,
    CommandSpec,
    Count,
    CountyCode,
    Day,
    NestedObject,
    Reference,
    StrictInt,
    Text,
    Uscc,
    phone,
)
from supervision.commands.personal import ResidentIdNumber
from supervision.commands.publication import PublicSummary
from supervision.domain.facility import OWNERSHIPS, PROFIT_STATUSES
from supervision.roles import CIVIL_AFFAIRS


class PersonalSchema(Schema):
    """Personal data of the responsible persons: sealed at rest, never public."""

    class Meta:
        unknown = "raise"

    legal_representative_id_number = ResidentIdNumber()
    contact_phone = phone()


class ProfileFields(CommandSchema):
    name = Text(bounds.TITLE, min_length=1)
    address = Text(bounds.ADDRESS)
    region_code = CountyCode()
    ownership = fields.String(validate=validate.OneOf(OWNERSHIPS))
    profit_status = fields.String(validate=validate.OneOf(PROFIT_STATUSES))
    total_beds = Count(bounds.MAX_BEDS)
    nursing_beds = Count(bounds.MAX_BEDS)
    legal_representative = Text(bounds.PERSON_NAME)
    person_in_charge = Text(bounds.PERSON_NAME)
    opened_on = Day(allow_none=True)
    personal = NestedObject(PersonalSchema)


class RegisterFacility(ProfileFields):
    uscc = Uscc(required=True)
    name = Text(bounds.TITLE, min_length=1, required=True)
    address = Text(bounds.ADDRESS, required=True)
    region_code = CountyCode(required=True)
    ownership = fields.String(required=True, validate=validate.OneOf(OWNERSHIPS))
    profit_status = fields.String(required=True, validate=validate.OneOf(PROFIT_STATUSES))
    total_beds = Count(bounds.MAX_BEDS, required=True)
    nursing_beds = Count(bounds.MAX_BEDS, required=True)
    legal_representative = Text(bounds.PERSON_NAME, load_default="")
    person_in_charge = Text(bounds.PERSON_NAME, load_default="")
    opened_on = Day(load_default=None, allow_none=True)


class ChangeFacilityProfile(ProfileFields):
    uscc = Uscc(required=True)
    expected_version = StrictInt(min=1, max=bounds.MAX_VERSION)


class AssessFacilityGrade(CommandSchema):
    uscc = Uscc(required=True)
    level = StrictInt(required=True, min=1, max=5)
    score = Count(bounds.MAX_SCORE, required=True)
    parts = BoundedDict(Text(bounds.CODE, min_length=1), Count(bounds.MAX_SCORE), load_default=None)
    assessing_body = Text(bounds.TITLE, min_length=1, required=True)
    certificate_no = Reference(bounds.DOCUMENT_NO, required=True)
    valid_until = Day(load_default=None)


class CloseFacility(CommandSchema):
    uscc = Uscc(required=True)
    reason = Text(bounds.SHORT_TEXT, min_length=1, multiline=True, required=True,
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
