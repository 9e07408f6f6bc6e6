"""Who reads, and what they may see: the jurisdiction of every secured read (issue 10), for the HTTP
API (`supervision/api/security.py` builds a `Reader` from the bearer token) and the CLI
(`infra.cli_support.State.reader` builds one from `--token` / ELDERCARE_TOKEN) alike.

A `Reader` is the signed-in actor plus the composition root; its methods refuse (403,
`PermissionDenied`; CLI exit 3) or narrow (lists) by the actor's registered agency
(`jurisdiction.covers`). National agencies and the system role are not narrowed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date
from typing import Any

from sqlalchemy import select

from supervision import authority
from supervision.application import Context
from supervision.domain.errors import PermissionDenied
from supervision.domain.values import Actor
from supervision.jurisdiction import NATIONAL, covers, filter_prefix
from supervision.roles import SYSTEM


@dataclass(frozen=True)
class Reader:
    """`services`: the composition root (views, app, clock); `actor`: the signed-in actor, None for
    an anonymous caller (public reads only); `source`: "api" or "cli" (the `Context` source)."""

    services: Any
    actor: Actor | None
    source: str = "api"

    # -- what every read needs ------------------------------------------------------------------
    def view(self, name: str) -> Any:
        return self.services.view(name)

    def today(self) -> date:
        """The application's today (Asia/Shanghai; `ELDERCARE_TODAY` in tests)."""
        return self.services.app.today()

    def signed_in(self) -> Actor:
        """The actor; `PermissionDenied` for an anonymous reader (callers authenticate first: HTTP
        answers 401, the CLI exits 2/3, before a secured read gets here)."""
        if self.actor is None:
            raise PermissionDenied("a signed-in actor is required for this read")
        return self.actor

    def require_role(self, roles: tuple[str, ...] | frozenset[str] | set[str], what: str) -> None:
        """Reads of non-public data: the actor's role must be one of `roles` (admin always may); 403."""
        actor = self.signed_in()
        if actor.role != "admin" and actor.role not in roles:
            raise PermissionDenied(f"role {actor.role!r} may not {what}; allowed: {', '.join(sorted(roles))}")

    # -- the actor's agency -----------------------------------------------------------------------
    def agency_record(self) -> Any:
        """The actor's registered agency (403 when unregistered, dissolved or not fitting the role);
        None for the system role, which is bound to no agency."""
        actor = self.signed_in()
        if actor.role == SYSTEM:
            return None
        return authority.actor_agency(self.services.app, Context(actor, self.source))

    def narrowing_agency(self) -> Any:
        """The agency whose jurisdiction narrows reads; None when nothing is narrowed (the system
        role, or a national agency such as MZB-100000 / ADMIN-100000, which covers every region)."""
        agency = self.agency_record()
        if agency is None or agency.level == NATIONAL:
            return None
        return agency

    # -- single reads -----------------------------------------------------------------------------
    def require_jurisdiction(self, region_code: str | None, what: str) -> None:
        """The object's region must be inside the actor's jurisdiction (403, the jurisdiction rule)."""
        agency = self.agency_record()
        if agency is None or region_code is None:
            return
        if not covers(agency, region_code):
            raise _outside(what, region_code, agency)

    def require_facility_jurisdiction(self, uscc: str, what: str) -> None:
        """`require_jurisdiction` for the region of facility `uscc` (unknown facility: not checked)."""
        row = self.view("facility_list").get(uscc) or {}
        self.require_jurisdiction(row.get("region_code"), what)

    def require_row_jurisdiction(self, row: dict[str, Any], what: str, key: str = "uscc",
                                 region_key: str | None = None) -> dict[str, Any]:
        """403 (the jurisdiction rule) when the row is outside the actor's jurisdiction; the row
        itself otherwise."""
        agency = self.narrowing_agency()
        if agency is not None and not self.scope_rows([row], key, region_key):
            uscc = row.get(key) or ""
            region = row.get(region_key) if region_key else self.regions({uscc}).get(uscc)
            raise _outside(what, region, agency)
        return row

    # -- lists ------------------------------------------------------------------------------------
    def scoped_prefix(self, requested: str | None) -> str | None:
        """A list's region filter narrowed to the actor's jurisdiction; None when they do not
        overlap (answer with an empty list). The system role is not narrowed."""
        agency = self.agency_record()
        if agency is None:
            return requested or ""
        return filter_prefix(agency, requested)

    def regions(self, usccs: set[str]) -> dict[str, str]:
        """USCC → region code, in one query to the `facility_list` view (unknown USCCs are absent)."""
        if not usccs:
            return {}
        view = self.view("facility_list")
        t = view.facilities
        with view.engine.connect() as conn:
            rows = conn.execute(select(t.c.uscc, t.c.region_code).where(t.c.uscc.in_(sorted(usccs)))).all()
        return {r[0]: r[1] for r in rows}

    def scope_rows(self, rows: list[dict[str, Any]], key: str = "uscc", region_key: str | None = None,
                   also: Callable[[Any, dict[str, Any]], bool] | None = None) -> list[dict[str, Any]]:
        """The rows inside the actor's jurisdiction. A row's region is `row[region_key]` when given
        (a region code or prefix such as "1405"), else the region of the facility `row[key]` from
        `facility_list` (one query for all rows); a row of an unknown facility is dropped.
        `also(agency, row)` may admit further rows (e.g. a campaign's organiser)."""
        agency = self.narrowing_agency()
        if agency is None:
            return rows
        regions = self.regions({r[key] for r in rows if r.get(key)}) if region_key is None else {}

        def region_of(row: dict[str, Any]) -> str | None:
            return row.get(region_key) if region_key else regions.get(row.get(key) or "")

        return [r for r in rows if covers(agency, region_of(r)) or (also is not None and also(agency, r))]

    def scope_page(self, view: Any, query: Any) -> dict[str, Any]:
        """A paged `view.search(query)` (query: a frozen dataclass with `page`, `page_size`) narrowed
        to the actor's jurisdiction before paging, so `total` counts only visible rows.
        Shape: {items, page, page_size, total}."""
        if self.narrowing_agency() is None:
            items, total = view.search(query)
        else:
            everything, _ = view.search(replace(query, page=1, page_size=10**9))
            visible = self.scope_rows(everything)
            start = (query.page - 1) * query.page_size
            items, total = visible[start:start + query.page_size], len(visible)
        return {"items": items, "page": query.page, "page_size": query.page_size, "total": total}


def _outside(what: str, region: str | None, agency: Any) -> PermissionDenied:
    """The refusal of a read outside `agency`'s jurisdiction (the jurisdiction rule, 403)."""
    return PermissionDenied(
        f"jurisdiction rule: {what} (region {region}) is outside the jurisdiction of {agency.code}",
        {"region_code": [f"{region} outside {agency.code}"]})
