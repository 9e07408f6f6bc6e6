"""/api/v1/agencies (the agency registry) and /api/v1/tokens (issue and revoke bearer tokens).

Reads of the registry need a token (any role); changes need an admin whose agency's jurisdiction
holds the agency concerned. Issuing a token records `TokenGrant.Issued` before the token is stored,
and the token is shown once, in the response.
"""

from __future__ import annotations

import secrets
from datetime import UTC, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from flask_smorest import Blueprint
from marshmallow import Schema, ValidationError, fields, validate

from supervision import reads
from supervision.api.commands import command_doc, json_body, run, services
from supervision.api.schemas import AcceptedSchema
from supervision.api.security import context, reader
from supervision.auth import DEFAULT_TOKEN_LIFETIME, token_id
from supervision.commands import agencies as cmd
from supervision.commands.fields import Text, agency_code, region_prefix
from supervision.dispatcher import validation_fields
from supervision.domain.errors import InvalidCommand, NotFound
from supervision.domain.values import Actor
from supervision.jurisdiction import KINDS
from supervision.roles import ROLES, SYSTEM

blp = Blueprint("agencies", __name__, url_prefix="/api/v1", description="agency registry and tokens")
SHANGHAI = ZoneInfo("Asia/Shanghai")
MAX_TOKEN_DAYS = 366


class AgencySchema(Schema):
    code = fields.String()
    kind = fields.String()
    level = fields.String()
    region_code = fields.String()
    name = fields.String()
    active = fields.Boolean()
    registered_on = fields.Date(allow_none=True)
    dissolved_on = fields.Date(allow_none=True)
    recorded_by_user = fields.String(allow_none=True)
    recorded_by_agency = fields.String(allow_none=True)


class AgencyQueryArgs(Schema):
    class Meta:
        unknown = "raise"

    region_code = region_prefix(load_default="")
    kind = fields.String(load_default=None, validate=validate.OneOf(KINDS))


class IssueTokenBody(Schema):
    class Meta:
        unknown = "raise"

    user = Text(100, min_length=1, required=True)
    agency = agency_code(required=True)
    role = fields.String(required=True, validate=validate.OneOf(tuple(r for r in ROLES if r != SYSTEM)))
    expires_in_days = fields.Integer(strict=True, validate=validate.Range(min=1, max=MAX_TOKEN_DAYS))
    expires_on = fields.Date(metadata={"description": "last day (Asia/Shanghai) the token works"})


class IssuedTokenSchema(Schema):
    token = fields.String(metadata={"description": "shown once"})
    token_id = fields.String()
    expires_at = fields.String()
    notification_id = fields.Integer(allow_none=True)


def expiry(now: datetime, expires_in_days: int | None, expires_on: Any) -> datetime:
    """The moment a token stops working: the end of `expires_on` in Asia/Shanghai, or now + days."""
    if expires_on is not None:
        end = datetime.combine(expires_on + timedelta(days=1), time(0), SHANGHAI).astimezone(UTC)
        if end <= now or end - now > timedelta(days=MAX_TOKEN_DAYS):
            raise InvalidCommand("invalid expiry", {"expires_on": [f"must be within {MAX_TOKEN_DAYS} days"]})
        return end
    return now + (timedelta(days=expires_in_days) if expires_in_days else DEFAULT_TOKEN_LIFETIME)


@blp.route("/agencies")
@blp.doc(security=[{"bearerAuth": []}])
@blp.arguments(AgencyQueryArgs, location="query", as_kwargs=True)
@blp.response(200, AgencySchema(many=True))
def list_agencies(region_code: str, kind: str | None) -> list[dict[str, Any]]:
    """The agency registry (any signed-in actor)."""
    return reads.agencies(reader(), region_code, kind)


@blp.route("/agencies/<string:code>")
@blp.doc(security=[{"bearerAuth": []}])
@blp.response(200, AgencySchema)
def show_agency(code: str) -> dict[str, Any]:
    return reads.agency(reader(), code)


@blp.route("/agencies", methods=["POST"])
@blp.doc(**command_doc(cmd.RegisterAgency, "register an agency (admin)"))
@blp.response(201, AcceptedSchema)
def register_agency() -> dict[str, Any]:
    return run("register_agency")


@blp.route("/agencies/<string:code>/dissolution", methods=["POST"])
@blp.doc(**command_doc(cmd.DissolveAgency, "dissolve an agency (admin): its tokens stop working"))
@blp.response(201, AcceptedSchema)
def dissolve_agency(code: str) -> dict[str, Any]:
    return run("dissolve_agency", code=code)


@blp.route("/tokens", methods=["POST"])
@blp.doc(**command_doc(IssueTokenBody, "issue a bearer token (admin; recorded; shown once)"))
@blp.response(201, IssuedTokenSchema)
def issue_token() -> dict[str, Any]:
    root, ctx = services(), context()
    try:
        body = IssueTokenBody().load(json_body())
    except ValidationError as exc:
        raise InvalidCommand("invalid command", validation_fields(exc)) from None
    expires = expiry(datetime.now(UTC), body.get("expires_in_days"), body.get("expires_on"))
    token = secrets.token_urlsafe(24)
    result = root.dispatcher.dispatch("issue_token", {
        "token_id": token_id(token), "user": body["user"], "agency": body["agency"], "role": body["role"],
        "expires_at": expires.isoformat(timespec="seconds")}, ctx)
    root.tokens.issue(Actor(body["user"], body["agency"], body["role"]), token, expires_at=expires)
    return {"token": token, "token_id": token_id(token), "expires_at": expires.isoformat(timespec="seconds"),
            "notification_id": result.notification_id}


@blp.route("/tokens/<string:tid>/revocation", methods=["POST"])
@blp.doc(**command_doc(cmd.RevokeToken, "revoke a bearer token (admin; recorded)"))
@blp.response(201, AcceptedSchema)
def revoke_token(tid: str) -> dict[str, Any]:
    root = services()
    # role and body first, as every command: a missing body is 422 and a non-admin 403 before the lookup
    root.dispatcher.authorize("revoke_token", context())
    json_body()
    entry = root.tokens.entry(tid)
    if entry is None:
        raise NotFound(f"token {tid} is not issued", {"token_id": ["not issued"]})
    result = run("revoke_token", token_id=tid, **entry.actor.as_dict())
    root.tokens.revoke(tid)
    return result
