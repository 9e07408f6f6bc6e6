"""Facility commands: 备案, profile changes, 等级评定, exit."""

from __future__ import annotations

from datetime import date
from typing import Any

from supervision.application import Accepted, Context, SupervisionBase
from supervision.domain.errors import (
    FacilityAlreadyRegistered,
    FacilityNotFound,
    InvalidCommand,
    VersionMismatch,
)
from supervision.domain.facility import Facility, facility_id
from supervision.domain.uscc import validate_uscc
from supervision.policy.grading import GRADING_GB_T_37276_2018
from supervision.policy.periods import last_day_in_force


class FacilityCommands(SupervisionBase):
    grading = GRADING_GB_T_37276_2018

    def get_facility(self, uscc: str) -> Facility:
        code = validate_uscc(uscc)
        return self._get(facility_id(code), Facility, lambda: FacilityNotFound(code))

    def register_facility(
        self,
        ctx: Context,
        *,
        uscc: str,
        occurred_on: date | None = None,
        personal: dict[str, Any] | None = None,
        **profile: Any,
    ) -> Accepted:
        when = self.check_occurred_on(occurred_on)
        facility = Facility.register(
            uscc=uscc,
            profile=profile,
            personal_sealed=self.sealer.seal_optional(personal),
            occurred_on=when,
            actor=ctx.actor,
            source=ctx.source,
        )
        nid = self._save(facility, conflict=lambda: FacilityAlreadyRegistered(facility.uscc))
        return self.accepted(facility, nid, uscc=facility.uscc)

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
        facility.assess_grade(
            level=level,
            score=score,
            parts=dict(parts or {}),
            assessing_body=assessing_body,
            certificate_no=certificate_no,
            valid_until=valid_until or last_day_in_force(when, self.grading.validity_years),
            policy_version=self.grading.version,
            occurred_on=when,
            actor=ctx.actor,
            source=ctx.source,
        )
        nid = self._save(facility, what=f"facility {facility.uscc}")
        return self.accepted(facility, nid, uscc=facility.uscc)

    def close_facility(
        self, ctx: Context, *, uscc: str, reason: str, occurred_on: date | None = None
    ) -> Accepted:
        when = self.check_occurred_on(occurred_on)
        facility = self.get_facility(uscc)
        facility.close(reason=reason, occurred_on=when, actor=ctx.actor, source=ctx.source)
        nid = self._save(facility, what=f"facility {facility.uscc}")
        return self.accepted(facility, nid, uscc=facility.uscc)
