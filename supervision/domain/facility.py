"""The Facility aggregate: 备案 (registration), profile, 等级评定 (official grade), exit.

Keyed by `uuid5` of the USCC so a second registration of the same code is a version conflict.
Every event carries `uscc`, `occurred_on`, `actor` and `source` (ARCHITECTURE.md, "Events").
"""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from supervision.domain.errors import Conflict, FacilityClosed, InvalidValue
from supervision.domain.uscc import validate_uscc
from supervision.domain.values import Actor, deterministic_id, region_code

OWNERSHIPS = ("public", "public_built_private_run", "private")
PROFIT_STATUSES = ("for_profit", "non_profit")
PROFILE_FIELDS = (
    "name",
    "address",
    "region_code",
    "ownership",
    "profit_status",
    "total_beds",
    "nursing_beds",
    "legal_representative",
    "person_in_charge",
    "opened_on",
)


def facility_id(uscc: str) -> UUID:
    return deterministic_id("facility", uscc)


def check_profile(profile: dict[str, Any]) -> None:
    """Invariants of a facility profile, checked on registration and on every change."""
    region_code(profile["region_code"])
    if profile["ownership"] not in OWNERSHIPS:
        raise InvalidValue("ownership", f"must be one of {', '.join(OWNERSHIPS)}")
    if profile["profit_status"] not in PROFIT_STATUSES:
        raise InvalidValue("profit_status", f"must be one of {', '.join(PROFIT_STATUSES)}")
    for name in ("total_beds", "nursing_beds"):
        value = profile[name]
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise InvalidValue(name, "must be a non-negative integer")
    if profile["nursing_beds"] > profile["total_beds"]:
        raise InvalidValue("nursing_beds", "must not exceed total_beds")
    if not str(profile["name"]).strip():
        raise InvalidValue("name", "must not be blank")


class Facility(Aggregate):
    """An elderly-care institution as the civil-affairs bureau knows it."""

    @staticmethod
    def create_id(uscc: str, **_: Any) -> UUID:
        return facility_id(uscc)

    @classmethod
    def register(
        cls,
        *,
        uscc: str,
        profile: dict[str, Any],
        personal_sealed: str | None,
        occurred_on: date,
        actor: Actor,
        source: str,
    ) -> Facility:
        code = validate_uscc(uscc)
        check_profile(profile)
        return cls(
            uscc=code,
            profile=profile,
            personal_sealed=personal_sealed,
            occurred_on=occurred_on,
            actor=actor,
            source=source,
        )

    @event("Registered")
    def __init__(
        self,
        *,
        uscc: str,
        profile: dict[str, Any],
        personal_sealed: str | None,
        occurred_on: date,
        actor: Actor,
        source: str,
    ) -> None:
        self.uscc = uscc
        self.profile = dict(profile)
        self.personal_sealed = personal_sealed
        self.registered_on = occurred_on
        self.closed_on: date | None = None
        self.grade: dict[str, Any] | None = None
        self.certificate_nos: set[str] = set()  # a re-imported assessment is a duplicate, not a new grade

    # -- guards -----------------------------------------------------------------------------
    @property
    def is_closed(self) -> bool:
        return self.closed_on is not None

    def check_open(self) -> None:
        if self.is_closed:
            raise FacilityClosed(self.uscc)

    @property
    def began_on(self) -> date:
        """The first day the facility is known to have existed: its opening (`opened_on`, when the
        profile records it) or its registration (备案, often after the first residents), the earlier."""
        opened = self.profile.get("opened_on")
        if isinstance(opened, str):
            opened = date.fromisoformat(opened)
        return min(opened, self.registered_on) if isinstance(opened, date) else self.registered_on

    def check_not_before_start(self, day: date, what: str, field: str = "occurred_on") -> None:
        """A step of another record about this facility (a prepaid entry, a finding, a penalty
        decision, a complaint, an incident, an interview, a duty report) rests on the facility: it
        cannot be dated before the facility existed. Raises InvalidValue (422) on `field`."""
        began = self.began_on
        if day < began:
            raise InvalidValue(field, f"{what} cannot precede the facility's opening or registration "
                                      f"({began.isoformat()})")

    # -- commands ---------------------------------------------------------------------------
    def change_profile(
        self,
        *,
        changes: dict[str, Any],
        personal_sealed: str | None,
        occurred_on: date,
        actor: Actor,
        source: str,
    ) -> bool:
        """Record only what really changes; returns False when nothing would."""
        self.check_open()
        if occurred_on < self.registered_on:
            raise InvalidValue("occurred_on", "a profile change cannot precede registration")
        unknown = set(changes) - set(PROFILE_FIELDS)
        if unknown:
            raise InvalidValue(sorted(unknown)[0], "is not a profile field")
        diff = {k: v for k, v in changes.items() if self.profile.get(k) != v}
        if not diff and personal_sealed is None:
            return False
        check_profile({**self.profile, **diff})
        self._profile_changed(
            uscc=self.uscc,
            changes=diff,
            personal_sealed=personal_sealed,
            occurred_on=occurred_on,
            actor=actor,
            source=source,
        )
        return True

    @event("ProfileChanged")
    def _profile_changed(
        self,
        uscc: str,
        changes: dict[str, Any],
        personal_sealed: str | None,
        occurred_on: date,
        actor: Actor,
        source: str,
    ) -> None:
        self.profile.update(changes)
        if personal_sealed is not None:
            self.personal_sealed = personal_sealed

    def assess_grade(
        self,
        *,
        level: int,
        score: int,
        parts: dict[str, int],
        assessing_body: str,
        certificate_no: str,
        valid_until: date,
        policy_version: str,
        occurred_on: date,
        actor: Actor,
        source: str,
    ) -> None:
        self.check_open()
        if certificate_no in self.certificate_nos:
            raise Conflict(f"grade certificate {certificate_no} is already recorded",
                           {"certificate_no": ["already recorded"]})
        if valid_until <= occurred_on:
            raise InvalidValue("valid_until", "must be after the assessment date")
        if occurred_on < self.registered_on:
            raise InvalidValue("occurred_on", "assessment cannot precede registration")
        self._grade_assessed(
            uscc=self.uscc,
            level=level,
            score=score,
            parts=parts,
            assessing_body=assessing_body,
            certificate_no=certificate_no,
            valid_until=valid_until,
            policy_version=policy_version,
            occurred_on=occurred_on,
            actor=actor,
            source=source,
        )

    @event("GradeAssessed")
    def _grade_assessed(
        self,
        uscc: str,
        level: int,
        score: int,
        parts: dict[str, int],
        assessing_body: str,
        certificate_no: str,
        valid_until: date,
        policy_version: str,
        occurred_on: date,
        actor: Actor,
        source: str,
    ) -> None:
        self.certificate_nos.add(certificate_no)
        self.grade = {
            "level": level,
            "score": score,
            "assessing_body": assessing_body,
            "assessed_on": occurred_on,
            "valid_until": valid_until,
            "certificate_no": certificate_no,
        }

    def close(self, *, reason: str, occurred_on: date, actor: Actor, source: str,
              public_summary: str | None = None) -> None:
        """退出: the facility leaves the inspection directory; its history and listings stay."""
        if self.is_closed:
            raise Conflict(f"facility {self.uscc} already exited on {self.closed_on}")
        if occurred_on < self.registered_on:
            raise InvalidValue("occurred_on", "exit cannot precede registration")
        if not reason.strip():
            raise InvalidValue("reason", "must not be blank")
        self._closed(uscc=self.uscc, reason=reason, occurred_on=occurred_on, actor=actor, source=source,
                     public_summary=public_summary)

    @event("Closed")
    def _closed(self, uscc: str, reason: str, occurred_on: date, actor: Actor, source: str,
                public_summary: str | None = None) -> None:
        self.closed_on = occurred_on
        self.close_reason = reason
