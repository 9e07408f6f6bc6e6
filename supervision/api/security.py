"""Bearer-token authentication: write endpoints need an actor; public reads need none."""

from __future__ import annotations

from typing import Any

from flask import current_app, g, request

from supervision import authority
from supervision.api.errors import Unauthorized
from supervision.application import Context
from supervision.domain.errors import PermissionDenied
from supervision.domain.values import Actor
from supervision.jurisdiction import covers, filter_prefix
from supervision.roles import SYSTEM


def current_actor(required: bool = True) -> Actor | None:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        if required:
            raise Unauthorized("a bearer token is required (Authorization: Bearer <token>)")
        return None
    actor = current_app.extensions["eldercare"].tokens.actor_for(token.strip())
    if actor is None:
        raise Unauthorized("unknown or revoked token")
    g.actor = actor
    return actor


def context() -> Context:
    actor = current_actor()
    assert actor is not None
    return Context(actor=actor, source="api")


def require_role(roles: tuple[str, ...] | frozenset[str] | set[str], what: str) -> None:
    """Reads of non-public data: the actor's role must be one of `roles` (admin always may)."""
    actor = current_actor()
    assert actor is not None
    if actor.role != "admin" and actor.role not in roles:
        raise PermissionDenied(f"role {actor.role!r} may not {what}; allowed: {', '.join(sorted(roles))}")


def actor_agency_record() -> Any:
    """The signed-in actor's registered agency (403 when unregistered, dissolved or not fitting the
    role); None for the system role, which is bound to no agency."""
    actor = current_actor()
    assert actor is not None
    if actor.role == SYSTEM:
        return None
    return authority.actor_agency(current_app.extensions["eldercare"].app, Context(actor, "api"))


def require_jurisdiction(region_code: str | None, what: str) -> None:
    """Non-public single reads: the object's region must be inside the actor's jurisdiction (403)."""
    agency = actor_agency_record()
    if agency is None or region_code is None:
        return
    if not covers(agency, region_code):
        raise PermissionDenied(
            f"jurisdiction rule: {what} (region {region_code}) is outside the jurisdiction of {agency.code}",
            {"region_code": [f"{region_code} outside {agency.code}"]})


def scoped_prefix(requested: str | None) -> str | None:
    """Non-public lists: the caller's region filter narrowed to the actor's jurisdiction; None when
    they do not overlap (answer with an empty list). The system role is not narrowed."""
    agency = actor_agency_record()
    if agency is None:
        return requested or ""
    return filter_prefix(agency, requested)
