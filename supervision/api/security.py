"""Bearer-token authentication: write endpoints need an actor; public reads need none."""

from __future__ import annotations

from flask import current_app, g, request

from supervision.api.errors import Unauthorized
from supervision.application import Context
from supervision.domain.errors import PermissionDenied
from supervision.domain.values import Actor


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
