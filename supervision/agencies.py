"""Agency registry commands (admins only) and the lookup every command's authorisation uses.

`agency_record(code)` answers from the event store (the registry's source of truth), cached for a
few seconds per process: the dispatcher asks it once per command, the bulk importer thousands of
times a second. A dissolved agency's tokens stop working within `AGENCY_CACHE_SECONDS`.
"""

from __future__ import annotations

import time
from datetime import date
from typing import Any

from supervision.application import Accepted, Context, SupervisionBase
from supervision.domain.agency import Agency, AgencyAlreadyRegistered, AgencyNotFound, agency_id
from supervision.jurisdiction import AgencyRecord

AGENCY_CACHE_SECONDS = 5.0


class AgencyCommands(SupervisionBase):
    _agency_cache: dict[str, tuple[float, AgencyRecord | None]]

    def get_agency(self, code: str) -> Agency:
        return self._get(agency_id(code), Agency, lambda: AgencyNotFound(code))

    def agency_record(self, code: str) -> AgencyRecord | None:
        """The registered agency `code` (active or dissolved), or None when it is not registered."""
        cache = self.__dict__.setdefault("_agency_cache", {})
        hit = cache.get(code)
        now = time.monotonic()
        if hit is not None and now - hit[0] < AGENCY_CACHE_SECONDS:
            return hit[1]
        try:
            record: AgencyRecord | None = self.get_agency(code).record()
        except AgencyNotFound:
            record = None
        cache[code] = (now, record)
        return record

    def forget_agency(self, code: str) -> None:
        self.__dict__.get("_agency_cache", {}).pop(code, None)

    def register_agency(
        self, ctx: Context, *, code: str, kind: str, level: str, region_code: str, name: str,
        occurred_on: date | None = None,
    ) -> Accepted:
        when = self.check_occurred_on(occurred_on)
        agency = Agency.register(code=code, kind=kind, level=level, region_code=region_code, name=name,
                                 occurred_on=when, actor=ctx.actor, source=ctx.source)
        nid = self._save(agency, conflict=lambda: AgencyAlreadyRegistered(code))
        self.forget_agency(code)
        return self.accepted(agency, nid, **agency.record().as_dict())

    def dissolve_agency(self, ctx: Context, *, code: str, reason: str,
                        occurred_on: date | None = None) -> Accepted:
        when = self.check_occurred_on(occurred_on)
        agency = self.get_agency(code)
        agency.dissolve(reason=reason, occurred_on=when, actor=ctx.actor, source=ctx.source)
        nid = self._save(agency, what=f"agency {code}")
        self.forget_agency(code)
        return self.accepted(agency, nid, code=code)

    def ensure_agencies(self, ctx: Context, records: list[dict[str, Any]]) -> int:
        """Register the agencies not yet registered (seeding: demo, tests); returns how many."""
        added = 0
        for r in records:
            if self._exists(agency_id(r["code"])):
                continue
            self.register_agency(ctx, **r)
            added += 1
        return added
