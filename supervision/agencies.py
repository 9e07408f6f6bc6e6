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
from supervision.domain.errors import Conflict, InvalidValue, PermissionDenied
from supervision.domain.token_grant import TokenGrant, token_grant_id
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
        if code == ctx.actor.agency:
            # every token of the agency stops at once, the acting one too: nobody there could undo it
            raise PermissionDenied(f"an agency cannot dissolve itself ({code}): an admin of an agency "
                                   "whose jurisdiction holds it does (its tokens would all stop working, "
                                   "this one too)")
        agency = self.get_agency(code)
        agency.dissolve(reason=reason, occurred_on=when, actor=ctx.actor, source=ctx.source)
        nid = self._save(agency, what=f"agency {code}")
        self.forget_agency(code)
        return self.accepted(agency, nid, code=code)

    def ensure_agencies(self, ctx: Context, records: list[dict[str, Any]]) -> int:
        """Register the agencies not yet registered (seeding: demo, tests); returns how many."""
        when = self.today()
        fresh = [Agency.register(**r, occurred_on=when, actor=ctx.actor, source=ctx.source)
                 for r in records if not self._exists(agency_id(r["code"]))]
        if fresh:
            self._save(*fresh, what="the agency registry")
        self.__dict__.pop("_agency_cache", None)
        return len(fresh)

    # -- the audit of static tokens ------------------------------------------------------------
    def issue_token(self, ctx: Context, *, token_id: str, user: str, agency: str, role: str,
                    expires_at: str | None = None, occurred_on: date | None = None) -> Accepted:
        """Record that a token for (user, agency, role) was issued; the caller then stores it."""
        record = self.agency_record(agency)
        if record is None:
            raise AgencyNotFound(agency)
        if not record.active:
            raise InvalidValue("agency", f"{agency} is dissolved: its tokens would never work")
        from supervision.authority import role_fits  # the identity rule every use of the token meets

        if not role_fits(record, role):
            raise InvalidValue("role", f"role {role!r} does not belong to a {record.kind} agency ({agency}): "
                                       "the token would be refused on every use")
        grant = TokenGrant(token_id=token_id, user=user, agency=agency, role=role, expires_at=expires_at,
                           occurred_on=self.check_occurred_on(occurred_on), actor=ctx.actor,
                           source=ctx.source)
        nid = self._save(grant, conflict=lambda: Conflict(f"token {token_id} is already issued"))
        return self.accepted(grant, nid, token_id=token_id, user=user, agency=agency, role=role,
                             expires_at=expires_at)

    def revoke_token(self, ctx: Context, *, token_id: str, reason: str, user: str = "", agency: str = "",
                     role: str = "", occurred_on: date | None = None) -> Accepted:
        """Record a revocation (a token issued before issues were recorded gets its grant now)."""
        when = self.check_occurred_on(occurred_on)
        if self._exists(token_grant_id(token_id)):
            grant: TokenGrant = self.repository.get(token_grant_id(token_id))
        else:
            grant = TokenGrant(token_id=token_id, user=user, agency=agency, role=role, expires_at=None,
                               occurred_on=when, actor=ctx.actor, source=ctx.source)
        grant.revoke(reason=reason, occurred_on=when, actor=ctx.actor, source=ctx.source)
        nid = self._save(grant, what=f"token {token_id}")
        return self.accepted(grant, nid, token_id=token_id, agency=grant.agency)

    def token_agency(self, token_id: str) -> str | None:
        if not self._exists(token_grant_id(token_id)):
            return None
        return self.repository.get(token_grant_id(token_id)).agency
