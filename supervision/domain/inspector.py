"""The Inspector aggregate: one entry of 执法检查人员名录库 (the certified inspector pool).

Keyed by the inspector's id (a natural key: the same id certified twice is a version conflict).
Names are official and stay in clear; ID numbers and phones are sealed by the application.
Declared conflicts of interest (回避) name a facility, so those events carry its `uscc`.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from supervision.domain.errors import Conflict, InvalidValue, NotFound
from supervision.domain.uscc import validate_uscc
from supervision.domain.values import Actor, deterministic_id
from supervision.domain.values import region_code as check_region_code

_INSPECTOR_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-]{1,49}$")
#: agency codes as tokens carry them: MZJ-140500 (民政局), XFJY-140500 (消防救援), SCJG-140500 (市场监管)
_AGENCY = re.compile(r"^[A-Z]{2,8}-\d{6}$")


def inspector_id(value: str) -> UUID:
    return deterministic_id("inspector", value)


def check_inspector_id(value: str, field: str = "inspector_id") -> str:
    if not isinstance(value, str) or not _INSPECTOR_ID.match(value):
        raise InvalidValue(field, "must be 2–50 letters, digits, '.', '_' or '-'")
    return value


def agency_code(value: str, field: str = "agency") -> str:
    if not isinstance(value, str) or not _AGENCY.match(value):
        raise InvalidValue(field, "must be an agency code like MZJ-140500, XFJY-140500 or SCJG-140500")
    return value


class InspectorNotFound(NotFound):
    def __init__(self, value: str) -> None:
        super().__init__(f"inspector {value} is not in the pool", {"inspector_id": ["not certified"]})


class InspectorAlreadyCertified(Conflict):
    def __init__(self, value: str) -> None:
        super().__init__(f"inspector {value} is already certified", {"inspector_id": ["already certified"]})


class Inspector(Aggregate):
    """A certified inspector (执法检查人员) of one agency."""

    @staticmethod
    def create_id(inspector_id: str, **_: Any) -> UUID:
        return deterministic_id("inspector", inspector_id)

    @classmethod
    def certify(
        cls,
        *,
        inspector_id: str,
        name: str,
        agency: str,
        region_code: str,
        certificate_no: str,
        personal_sealed: str | None,
        occurred_on: date,
        actor: Actor,
        source: str,
    ) -> Inspector:
        check_inspector_id(inspector_id)
        agency_code(agency)
        check_region_code(region_code)
        for field, value in (("name", name), ("certificate_no", certificate_no)):
            if not value.strip():
                raise InvalidValue(field, "must not be blank")
        return cls(
            inspector_id=inspector_id,
            name=name.strip(),
            agency=agency,
            region_code=region_code,
            certificate_no=certificate_no.strip(),
            personal_sealed=personal_sealed,
            occurred_on=occurred_on,
            actor=actor,
            source=source,
        )

    @event("Certified")
    def __init__(
        self,
        *,
        inspector_id: str,
        name: str,
        agency: str,
        region_code: str,
        certificate_no: str,
        personal_sealed: str | None,
        occurred_on: date,
        actor: Actor,
        source: str,
    ) -> None:
        self.inspector_id = inspector_id
        self.name = name
        self.agency = agency
        self.region_code = region_code
        self.certificate_no = certificate_no
        self.personal_sealed = personal_sealed
        self.certified_on = occurred_on
        self.decertified_on: date | None = None
        self.conflicts: dict[str, str] = {}

    # -- guards -----------------------------------------------------------------------------
    @property
    def is_certified(self) -> bool:
        return self.decertified_on is None

    def check_certified(self) -> None:
        if not self.is_certified:
            raise Conflict(
                f"inspector {self.inspector_id} was decertified on {self.decertified_on}",
                {"inspector_id": ["decertified"]},
            )

    def check_not_before_certification(self, occurred_on: date) -> None:
        if occurred_on < self.certified_on:
            raise InvalidValue("occurred_on", f"precedes the certification on {self.certified_on}")

    # -- commands ---------------------------------------------------------------------------
    def declare_conflict(
        self, *, uscc: str, reason: str, occurred_on: date, actor: Actor, source: str
    ) -> None:
        """回避: from now on the draw never assigns this inspector to that facility."""
        code = validate_uscc(uscc)
        self.check_certified()
        self.check_not_before_certification(occurred_on)
        if not reason.strip():
            raise InvalidValue("reason", "must not be blank")
        if code in self.conflicts:
            raise Conflict(
                f"inspector {self.inspector_id} already declared a conflict with {code}",
                {"uscc": ["conflict already declared"]},
            )
        self._conflict_declared(
            uscc=code, inspector_id=self.inspector_id, reason=reason.strip(),
            occurred_on=occurred_on, actor=actor, source=source,
        )

    @event("ConflictDeclared")
    def _conflict_declared(
        self, uscc: str, inspector_id: str, reason: str, occurred_on: date, actor: Actor, source: str
    ) -> None:
        self.conflicts[uscc] = reason

    def decertify(self, *, reason: str, occurred_on: date, actor: Actor, source: str) -> None:
        self.check_certified()
        self.check_not_before_certification(occurred_on)
        if not reason.strip():
            raise InvalidValue("reason", "must not be blank")
        self._decertified(
            inspector_id=self.inspector_id, reason=reason.strip(), occurred_on=occurred_on,
            actor=actor, source=source,
        )

    @event("Decertified")
    def _decertified(
        self, inspector_id: str, reason: str, occurred_on: date, actor: Actor, source: str
    ) -> None:
        self.decertified_on = occurred_on

