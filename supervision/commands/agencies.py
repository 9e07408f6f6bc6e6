"""Schemas of the agency-registry commands (admins only)."""

from __future__ import annotations

from marshmallow import fields, validate

from supervision.commands.fields import CommandSchema, CommandSpec
from supervision.jurisdiction import KINDS, LEVELS
from supervision.roles import ADMIN, ROLES, SYSTEM

AGENCY_CODE = validate.Regexp(r"^[A-Z]{2,8}-\d{6}$", error="an agency code like MZJ-140500")


class RegisterAgency(CommandSchema):
    code = fields.String(required=True, validate=AGENCY_CODE,
                         metadata={"description": "MZJ-… 民政, XFJY-… 消防救援, SCJG-… 市场监管 + region"})
    kind = fields.String(required=True, validate=validate.OneOf(KINDS))
    level = fields.String(
        required=True, validate=validate.OneOf(LEVELS),
        metadata={"description": "municipality: province (municipal) or county (district)"})
    region_code = fields.String(required=True, validate=validate.Regexp(r"^[1-8]\d{5}$"),
                                metadata={"description": "GB/T 2260 code; national: 100000"})
    name = fields.String(required=True, validate=validate.Length(min=1, max=200))


class DissolveAgency(CommandSchema):
    code = fields.String(required=True, validate=AGENCY_CODE)
    reason = fields.String(required=True, validate=validate.Length(min=1, max=500))


class IssueToken(CommandSchema):
    token_id = fields.String(required=True, validate=validate.Regexp(r"^[0-9a-f]{12}$"))
    user = fields.String(required=True, validate=validate.Length(min=1, max=100))
    agency = fields.String(required=True, validate=AGENCY_CODE)
    role = fields.String(required=True, validate=validate.OneOf(tuple(r for r in ROLES if r != SYSTEM)))
    expires_at = fields.String(load_default=None, validate=validate.Length(max=40))


class RevokeToken(CommandSchema):
    token_id = fields.String(required=True, validate=validate.Regexp(r"^[0-9a-f]{12}$"))
    reason = fields.String(required=True, validate=validate.Length(min=1, max=500))
    user = fields.String(load_default="", validate=validate.Length(max=100))
    agency = fields.String(load_default="", validate=validate.Length(max=20))
    role = fields.String(load_default="", validate=validate.Length(max=20))


COMMANDS = (
    CommandSpec("register_agency", RegisterAgency, "register_agency", (ADMIN, SYSTEM),
                "register an agency (code, kind, level, region)"),
    CommandSpec("dissolve_agency", DissolveAgency, "dissolve_agency", (ADMIN, SYSTEM),
                "dissolve an agency: its tokens stop working"),
    CommandSpec("issue_token", IssueToken, "issue_token", (ADMIN, SYSTEM),
                "record the issue of a bearer token"),
    CommandSpec("revoke_token", RevokeToken, "revoke_token", (ADMIN, SYSTEM),
                "revoke a bearer token (recorded)"),
)
