"""Bearer-token authentication: write endpoints need an actor; public reads need none."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any

from flask import current_app, g, request
from sqlalchemy import select

from supervision import authority
from supervision.api.errors import Unauthorized
from supervision.application import Context
from supervision.domain.errors import PermissionDenied
from supervision.domain.values import Actor
from supervision.jurisdiction import NATIONAL, covers, filter_prefix
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


# -- scoped non-public reads (issue 10): rows outside the caller's jurisdiction are not shown --------
def _narrowing_agency() -> Any:
    """The agency whose jurisdiction narrows reads; None when nothing is narrowed (the system
    role, or a national agency such as MZB-100000 / ADMIN-100000, which covers every region)."""
    agency = actor_agency_record()
    if agency is None or agency.level == NATIONAL:
        return None
    return agency


def _regions(usccs: set[str]) -> dict[str, str]:
    """USCC → region code, in one query to the `facility_list` view (unknown USCCs are absent)."""
    if not usccs:
        return {}
    view = current_app.extensions["eldercare"].view("facility_list")
    t = view.facilities
    with view.engine.connect() as conn:
        rows = conn.execute(select(t.c.uscc, t.c.region_code).where(t.c.uscc.in_(sorted(usccs)))).all()
    return {r[0]: r[1] for r in rows}


def scope_rows(rows: list[dict[str, Any]], key: str = "uscc", region_key: str | None = None,
               also: Callable[[Any, dict[str, Any]], bool] | None = None) -> list[dict[str, Any]]:
    """Keep the rows inside the signed-in actor's jurisdiction (`jurisdiction.covers`). A row's
    region is `row[region_key]` when given (a region code or prefix such as "1405"), else the region
    of the facility `row[key]` from `facility_list` (one query for all rows). A row of an unknown
    facility is dropped. `also(agency, row)` may admit further rows (e.g. a campaign's organiser)."""
    agency = _narrowing_agency()
    if agency is None:
        return rows
    regions = _regions({r[key] for r in rows if r.get(key)}) if region_key is None else {}

    def region_of(row: dict[str, Any]) -> str | None:
        return row.get(region_key) if region_key else regions.get(row.get(key) or "")

    return [r for r in rows if covers(agency, region_of(r)) or (also is not None and also(agency, r))]


def scope_page(view: Any, query: Any) -> dict[str, Any]:
    """A paged `view.search(query)` (query: a frozen dataclass with `page`, `page_size`) narrowed to
    the actor's jurisdiction before paging, so `total` counts only visible rows.
    Shape: {items, page, page_size, total}."""
    if _narrowing_agency() is None:
        items, total = view.search(query)
    else:
        everything, _ = view.search(replace(query, page=1, page_size=10**9))
        visible = scope_rows(everything)
        start = (query.page - 1) * query.page_size
        items, total = visible[start:start + query.page_size], len(visible)
    return {"items": items, "page": query.page, "page_size": query.page_size, "total": total}


def require_row_jurisdiction(row: dict[str, Any], what: str, key: str = "uscc",
                             region_key: str | None = None) -> dict[str, Any]:
    """Non-public single reads: 403 (the jurisdiction rule) when the row is outside the actor's
    jurisdiction; the row itself otherwise."""
    agency = _narrowing_agency()
    if agency is not None and not scope_rows([row], key, region_key):
        region = row.get(region_key) if region_key else _regions({row.get(key) or ""}).get(row.get(key) or "")
        raise PermissionDenied(
            f"jurisdiction rule: {what} (region {region}) is outside the jurisdiction of {agency.code}",
            {"region_code": [f"{region} outside {agency.code}"]})
    return row
