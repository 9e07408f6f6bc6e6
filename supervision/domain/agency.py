"""The Agency aggregate: one entry of the agency registry (民政 / 消防救援 / 市场监管 bureaus).

Agencies are data: code, kind, level, region code and name. A token or identity belongs to one
agency, and the agency's level and region decide its jurisdiction (`supervision.jurisdiction`).
Keyed by its code, so a second registration of the same code is a conflict. Nothing is deleted: a
dissolved agency stays in the history, and its tokens stop working.
"""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from supervision.domain.errors import Conflict, InvalidCommand, InvalidValue, NotFound
from supervision.domain.values import Actor, deterministic_id
from supervision.jurisdiction import AgencyRecord, level_problem


def agency_id(code: str) -> UUID:
    return deterministic_id("agency", code)


class AgencyNotFound(NotFound):
    def __init__(self, code: str) -> None:
        super().__init__(f"agency {code} is not in the agency registry", {"code": ["not registered"]})


class AgencyAlreadyRegistered(Conflict):
    def __init__(self, code: str) -> None:
        super().__init__(f"agency {code} is already registered", {"code": ["already registered"]})


class AgencyDissolved(Conflict):
    def __init__(self, code: str) -> None:
        super().__init__(f"agency {code} is dissolved", {"code": ["dissolved"]})


class Agency(Aggregate):
    """A regulator (or the platform operator) of a kind, at a level, for a region."""

    @staticmethod
    def create_id(code: str, **_: Any) -> UUID:
        return agency_id(code)

    @classmethod
    def register(cls, *, code: str, kind: str, level: str, region_code: str, name: str,
                 occurred_on: date, actor: Actor, source: str) -> Agency:
        problems = level_problem(code, kind, level, region_code)
        if not name.strip():
            problems["name"] = "must not be blank"
        if problems:
            raise InvalidCommand("inconsistent agency", {k: [v] for k, v in problems.items()})
        return cls(code=code, kind=kind, level=level, region_code=region_code, name=name.strip(),
                   occurred_on=occurred_on, actor=actor, source=source)

    @event("Registered")
    def __init__(self, *, code: str, kind: str, level: str, region_code: str, name: str,
                 occurred_on: date, actor: Actor, source: str) -> None:
        self.code, self.kind, self.level, self.region_code, self.name = code, kind, level, region_code, name
        self.registered_on = occurred_on
        self.dissolved_on: date | None = None

    def dissolve(self, *, reason: str, occurred_on: date, actor: Actor, source: str) -> None:
        """撤销/合并: the agency stops acting; its past acts keep their attribution."""
        if self.dissolved_on is not None:
            raise AgencyDissolved(self.code)
        if occurred_on < self.registered_on:
            raise InvalidValue("occurred_on", f"a dissolution cannot precede the agency's registration "
                                              f"({self.registered_on.isoformat()})")
        self._dissolved(code=self.code, reason=reason, occurred_on=occurred_on, actor=actor, source=source)

    @event("Dissolved")
    def _dissolved(self, code: str, reason: str, occurred_on: date, actor: Actor, source: str) -> None:
        self.dissolved_on = occurred_on

    def record(self) -> AgencyRecord:
        return AgencyRecord(code=self.code, kind=self.kind, level=self.level, region_code=self.region_code,
                            name=self.name, active=self.dissolved_on is None)
