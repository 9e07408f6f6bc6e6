"""Bearer-token authentication: write endpoints need an actor; public reads need none.

The jurisdiction helpers of the secured reads live in `supervision.scope.Reader` (the CLI uses them
too); the functions here are the same helpers for the request's signed-in actor.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import current_app, g, request

from supervision.api.errors import Unauthorized
from supervision.application import Context
from supervision.domain.values import Actor
from supervision.scope import Reader


def presented_token() -> str | None:
    """The bearer token the request presents: None when it presents none (no `Authorization`
    header, or another scheme); raises Unauthorized (invalid_request) for `Bearer` with nothing
    usable after it."""
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.strip().partition(" ")
    if scheme.lower() != "bearer":
        return None
    token = token.strip()
    if not token or any(c.isspace() or not c.isprintable() for c in token):
        raise Unauthorized("malformed bearer token (Authorization: Bearer <token>)", "invalid_request")
    return token


def current_actor(required: bool = True) -> Actor | None:
    """The actor of the request's bearer token. No token: None, or 401 when `required`. A token that
    is presented but not valid (unknown, revoked, expired, malformed) is 401 whether or not the
    endpoint needs one (RFC 6750 §3.1 `invalid_token`): never read as anonymous."""
    if "actor" in g:
        return g.actor  # type: ignore[no-any-return]
    token = presented_token()
    if token is None:
        if required:
            raise Unauthorized("a bearer token is required (Authorization: Bearer <token>)")
        return None
    actor = current_app.extensions["eldercare"].tokens.actor_for(token)
    if actor is None:
        raise Unauthorized("unknown or revoked token", "invalid_token")
    g.actor = actor
    return actor


def refuse_invalid_credentials() -> None:
    """Before every request: a presented bearer token must be valid, also on public reads and pages
    (they stay open to a request that presents none). Raises Unauthorized (401)."""
    current_actor(required=False)


def reader(required: bool = True) -> Reader:
    """The request's reader: its signed-in actor (401 when `required` and there is none, and always
    for an unknown or revoked token) and the composition root."""
    return Reader(current_app.extensions["eldercare"], current_actor(required), "api")


def context() -> Context:
    actor = current_actor()
    assert actor is not None
    return Context(actor=actor, source="api")


def require_role(roles: tuple[str, ...] | frozenset[str] | set[str], what: str) -> None:
    """Reads of non-public data: the actor's role must be one of `roles` (admin always may)."""
    reader().require_role(roles, what)


def actor_agency_record() -> Any:
    """The signed-in actor's registered agency (403 when unregistered, dissolved or not fitting the
    role); None for the system role, which is bound to no agency."""
    return reader().agency_record()


def require_jurisdiction(region_code: str | None, what: str) -> None:
    """Non-public single reads: the object's region must be inside the actor's jurisdiction (403)."""
    reader().require_jurisdiction(region_code, what)


def scoped_prefix(requested: str | None) -> str | None:
    """Non-public lists: the caller's region filter narrowed to the actor's jurisdiction; None when
    they do not overlap (answer with an empty list). The system role is not narrowed."""
    return reader().scoped_prefix(requested)


# -- scoped non-public reads (issue 10): rows outside the caller's jurisdiction are not shown --------
def scope_rows(rows: list[dict[str, Any]], key: str = "uscc", region_key: str | None = None,
               also: Callable[[Any, dict[str, Any]], bool] | None = None) -> list[dict[str, Any]]:
    """`Reader.scope_rows` for the signed-in actor: the rows inside its jurisdiction."""
    return reader().scope_rows(rows, key, region_key, also)


def scope_page(view: Any, query: Any) -> dict[str, Any]:
    """`Reader.scope_page` for the signed-in actor. Shape: {items, page, page_size, total}."""
    return reader().scope_page(view, query)


def require_row_jurisdiction(row: dict[str, Any], what: str, key: str = "uscc",
                             region_key: str | None = None) -> dict[str, Any]:
    """`Reader.require_row_jurisdiction` for the signed-in actor: 403 outside, the row inside."""
    return reader().require_row_jurisdiction(row, what, key, region_key)
