"""The official holiday schedules loaded by operators, as events: one `OfficialCalendar` aggregate.

Each year the State Council General Office publishes 国务院办公厅关于<year>年部分节假日安排的通知
(e.g. 国办发明电〔2026〕12号). Until `chinese-calendar` ships it, an operator loads it here
(`eldercare calendar load FILE`). The application's working calendar is: loaded schedules (these
events) → the library's data → the provisional statutory fallback; because the schedules are events,
a replay or a rebuild computes with exactly the calendar the system had.

`RevisionPassRecorded` notes which calendar data (fingerprint) the provisional deadlines were last
revisited against, so the clock revisits them once after each change (a load, or a library upgrade
that gains a year) instead of on every tick.
"""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from supervision.domain.errors import Conflict, InvalidCommand
from supervision.domain.values import Actor, deterministic_id
from supervision.policy.calendar import Schedule, check_schedule
from supervision.policy.statutory_holidays import rule_for


def official_calendar_id() -> UUID:
    return deterministic_id("official_calendar", "CN")


class ScheduleAlreadyLoaded(Conflict):
    def __init__(self, year: int, document_no: str) -> None:
        super().__init__(f"the {year} schedule of {document_no} is already loaded with these dates",
                         {"year": [f"already loaded from {document_no}"]})


class OfficialCalendar(Aggregate):
    """Loaded yearly schedules by year (a later load of the same year replaces the earlier one:
    a corrected notice; both stay in the history)."""

    @staticmethod
    def create_id(**_: Any) -> UUID:
        return official_calendar_id()

    @event("Opened")
    def __init__(self, *, occurred_on: date, actor: Actor, source: str) -> None:
        self.schedules: dict[int, Schedule] = {}
        self.fingerprint = ""

    def load_schedule(self, *, schedule: Schedule, occurred_on: date, actor: Actor, source: str) -> None:
        """Refused (422, field by field) when the notice lacks a statutory day or is malformed;
        refused (409) when the same dates from the same notice are already loaded."""
        problems = check_schedule(schedule)
        if problems:
            raise InvalidCommand(f"the {schedule.year} schedule is not valid", problems)
        if self.schedules.get(schedule.year) == schedule:
            raise ScheduleAlreadyLoaded(schedule.year, schedule.document_no)
        previous = self.schedules.get(schedule.year)
        self._schedule_loaded(
            year=schedule.year,
            holidays=sorted(schedule.holidays),
            working_days=sorted(schedule.working_days),
            document_no=schedule.document_no.strip(),
            statutory_basis=rule_for(schedule.year).source,
            replaces=previous.document_no if previous else None,
            occurred_on=occurred_on,
            actor=actor,
            source=source,
        )

    @event("ScheduleLoaded")
    def _schedule_loaded(self, year: int, holidays: list[date], working_days: list[date], document_no: str,
                         statutory_basis: str, replaces: str | None, occurred_on: date, actor: Actor,
                         source: str) -> None:
        self.schedules[year] = Schedule(year, frozenset(holidays), frozenset(working_days), document_no)

    def record_revision_pass(self, *, fingerprint: str, revised: int, withdrawn: int, occurred_on: date,
                             actor: Actor, source: str) -> None:
        self._revision_pass_recorded(fingerprint=fingerprint, revised=revised, withdrawn=withdrawn,
                                     occurred_on=occurred_on, actor=actor, source=source)

    @event("RevisionPassRecorded")
    def _revision_pass_recorded(self, fingerprint: str, revised: int, withdrawn: int, occurred_on: date,
                                actor: Actor, source: str) -> None:
        self.fingerprint = fingerprint
