"""Facility commands: 备案, profile changes, 等级评定, exit."""

from __future__ import annotations

from datetime import date
from typing import Any

from supervision.application import Accepted, Context, SupervisionBase
from supervision.credit import refuse_grading_if_jointly_punished
from supervision.domain.errors import (
    ConcurrentModification,
    FacilityAlreadyRegistered,
    FacilityNotFound,
    InvalidCommand,
    InvalidValue,
    VersionMismatch,
)
from supervision.domain.facility import Facility, facility_id
from supervision.domain.uscc import validate_uscc
from supervision.domain.values import not_after
from supervision.policy.grading import GRADING_GB_T_37276_2018
from supervision.policy.periods import last_day_in_force
from supervision.unavailable import as_unavailable


class FacilityCommands(SupervisionBase):
    grading = GRADING_GB_T_37276_2018

    def get_facility(self, uscc: str) -> Facility:
        code = validate_uscc(uscc)
        return self._get(facility_id(code), Facility, lambda: FacilityNotFound(code))

    def new_facility(
        self,
        ctx: Context,
        *,
        uscc: str,
        occurred_on: date | None = None,
        personal: dict[str, Any] | None = None,
        **profile: Any,
    ) -> Facility:
        """Build (not save) a registration: the bulk importer saves many in one transaction. A facility
        cannot have opened after today or before 1949-10-01 (422 `opened_on`)."""
        if profile.get("opened_on"):
            not_after(profile["opened_on"], self.today(), "opened_on")
        return Facility.register(
            uscc=uscc,
            profile=profile,
            personal_sealed=self.sealer.seal_optional(personal),
            occurred_on=self.check_occurred_on(occurred_on),
            actor=ctx.actor,
            source=ctx.source,
        )

    def register_facility(self, ctx: Context, **args: Any) -> Accepted:
        facility = self.new_facility(ctx, **args)
        nid = self._save(facility, conflict=lambda: FacilityAlreadyRegistered(facility.uscc))
        return self.accepted(facility, nid, uscc=facility.uscc)

    def register_facilities(self, facilities: list[Facility]) -> list[Exception | None]:
        """Save a batch atomically; if the batch is refused, save one by one so that only the rows
        at fault are refused (a duplicate USCC, an event over the broker's message limit, any other
        failure of the row itself).

        Returns, per facility, None (stored) or the error that rejected it. A database that cannot be
        reached is raised, never returned: it is no row's fault (`supervision.unavailable`).
        """
        if not facilities:
            return []
        # Collect first: a failed save has already drained the aggregates' pending events.
        pending = [f.collect_events() for f in facilities]
        try:
            self._save(*(e for events in pending for e in events))
            return [None] * len(facilities)
        except ConcurrentModification:
            pass
        except Exception as exc:
            if as_unavailable(exc) is not None:
                raise
            if len(facilities) == 1:
                return [exc]
        results: list[Exception | None] = []
        for facility, events in zip(facilities, pending, strict=True):
            try:
                self._save(*events, conflict=lambda f=facility: FacilityAlreadyRegistered(f.uscc))
                results.append(None)
            except Exception as exc:
                if as_unavailable(exc) is not None:
                    raise
                results.append(exc)
        return results

    def change_facility_profile(
        self,
        ctx: Context,
        *,
        uscc: str,
        expected_version: int | None = None,
        occurred_on: date | None = None,
        personal: dict[str, Any] | None = None,
        **changes: Any,
    ) -> Accepted:
        when = self.check_occurred_on(occurred_on)
        if changes.get("opened_on"):
            not_after(changes["opened_on"], self.today(), "opened_on")
        facility = self.get_facility(uscc)
        if expected_version is not None and expected_version != facility.version:
            raise VersionMismatch(expected_version, facility.version)
        changed = facility.change_profile(
            changes=changes,
            personal_sealed=self.sealer.seal_optional(personal) if personal else None,
            occurred_on=when,
            actor=ctx.actor,
            source=ctx.source,
        )
        nid = self._save(facility, what=f"facility {facility.uscc}") if changed else None
        return self.accepted(facility, nid, uscc=facility.uscc, changed=changed)

    def assess_facility_grade(
        self,
        ctx: Context,
        *,
        uscc: str,
        level: int,
        score: int,
        assessing_body: str,
        certificate_no: str,
        parts: dict[str, int] | None = None,
        valid_until: date | None = None,
        occurred_on: date | None = None,
    ) -> Accepted:
        when = self.check_occurred_on(occurred_on)
        problems = self.grading.check(level, score, parts)
        if problems:
            raise InvalidCommand("grade not supported by its scores", {"level": problems})
        facility = self.get_facility(uscc)
        refuse_grading_if_jointly_punished(self, facility.uscc, when)
        longest = last_day_in_force(when, self.grading.validity_years)
        if valid_until is not None and valid_until > longest:
            raise InvalidValue("valid_until", f"a grade is valid {self.grading.validity_years} years from "
                                              f"its certificate date: at most {longest.isoformat()}")
        facility.assess_grade(
            level=level,
            score=score,
            parts=dict(parts or {}),
            assessing_body=assessing_body,
            certificate_no=certificate_no,
            valid_until=valid_until or longest,
            policy_version=self.grading.version,
            occurred_on=when,
            actor=ctx.actor,
            source=ctx.source,
        )
        nid = self._save(facility, what=f"facility {facility.uscc}")
        return self.accepted(facility, nid, uscc=facility.uscc)

    def close_facility(
        self, ctx: Context, *, uscc: str, reason: str, occurred_on: date | None = None,
        public_summary: str | None = None,
    ) -> Accepted:
        when = self.check_occurred_on(occurred_on)
        facility = self.get_facility(uscc)
        facility.close(reason=reason, occurred_on=when, actor=ctx.actor, source=ctx.source,
                       public_summary=public_summary)
        nid = self._save(facility, what=f"facility {facility.uscc}")
        return self.accepted(facility, nid, uscc=facility.uscc)
