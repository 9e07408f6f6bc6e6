"""Schemas of the agency-registry commands (admins only)."""

from __future__ import annotations

from marshmallow import fields, validate

from supervision.commands import bounds
from supervision.commands.fields import CommandSchema, CommandSpec, Identifier, RegionCode, Text, agency_code
from supervision.jurisdiction import KINDS, LEVELS
from supervision.roles import ADMIN, ROLES, SYSTEM


def _token_id(**kwargs: object) -> Identifier:
    return Identifier(r"^[0-9a-f]{12}$", max_length=12, error="12 lower-case hex digits", **kwargs)


class RegisterAgency(CommandSchema):
    code = agency_code(required=True,
                       metadata={"description": "MZJ-… 民政, XFJY-… 消防救援, SCJG-… 市场监管 + region"})
    kind = fields.String(required=True, validate=validate.OneOf(KINDS))
    level = fields.String(
        required=True, validate=validate.OneOf(LEVELS),
        metadata={"description": "municipality: province (municipal) or county (district)"})
    region_code = RegionCode(required=True, metadata={"description": "GB/T 2260 code; national: 100000"})
    name = Text(bounds.TITLE, min_length=1, required=True)


class DissolveAgency(CommandSchema):
    code = agency_code(required=True)
    reason = Text(bounds.SHORT_TEXT, min_length=1, multiline=True, required=True)


class IssueToken(CommandSchema):
    token_id = _token_id(required=True)
    user = Text(100, min_length=1, required=True)
    agency = agency_code(required=True)
    role = fields.String(required=True, validate=validate.OneOf(tuple(r for r in ROLES if r != SYSTEM)))
    expires_at = Text(40, load_default=None, allow_none=True)


class RevokeToken(CommandSchema):
    token_id = _token_id(required=True)
    reason = Text(bounds.SHORT_TEXT, min_length=1, multiline=True, required=True)
    user = Text(100, load_default="")
    agency = Text(20, load_default="")
    role = Text(20, load_default="")


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
