"""Calendar commands: load a year's official holiday schedule, and revisit provisional deadlines.

The application's working calendar is library data + the schedules loaded here (events of the
`OfficialCalendar` aggregate) + the provisional statutory fallback (`supervision.policy.calendar`).

Revisiting (DOMAIN.md "Time and deadlines": a deadline computed without the notice is provisional and
is recomputed, as an event, when the notice is loaded): every *open* working-day deadline whose basis
is provisional — complaint acknowledgement and conclusion, spot-check publication, listing objection
window — is recomputed from its start day on the current calendar. A change is a `DeadlineRevised`
event on the deadline's aggregate (old and new due date, old and new basis, the note naming the data);
an overdue marking made on the old date is withdrawn by an `OverdueWithdrawn` event (never deleted),
and the clock marks it again if the new date has passed as well. Rectification orders and refunds have
explicit due dates (taken as written) and are never revisited.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from typing import Any
from uuid import UUID

from eventsourcing.utils import get_topic

from supervision.application import Accepted, Context, SupervisionBase
from supervision.domain.calendar_schedule import OfficialCalendar, official_calendar_id
from supervision.domain.complaint import Complaint
from supervision.domain.errors import Conflict
from supervision.domain.listing import Listing
from supervision.domain.spot_check import Inspection
from supervision.policy.calendar import CALENDAR_LIBRARY, Schedule, is_provisional
from supervision.policy.statutory_holidays import LUNAR_LIBRARY

#: events that start a working-day deadline → the basis fields they carry
_START_EVENTS: dict[type, tuple[str, ...]] = {
    Complaint.Received: ("ack_due_basis", "conclude_due_basis"),
    Inspection.ResultRecorded: ("due_basis",),
    Listing.NoticeServed: ("due_basis",),
}


@dataclass
class RevisionReport:
    """What a revisiting pass changed: one entry per revised deadline."""

    revised: list[dict[str, Any]] = field(default_factory=list)
    withdrawn: int = 0
    failed: list[str] = field(default_factory=list)


class CalendarCommands(SupervisionBase):
    #: the calendar fingerprint this process last revisited against (saves a scan per tick)
    _revisited_fingerprint: str = ""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.calendar.use_schedules(self.loaded_schedules)

    # -- reading ---------------------------------------------------------------------------
    def official_calendar(self) -> OfficialCalendar | None:
        if not self._exists(official_calendar_id()):
            return None
        return self.repository.get(official_calendar_id())

    def loaded_schedules(self) -> dict[int, Schedule]:
        """The loaded schedules by year (read from the store on each deadline computation, so a
        schedule loaded by another process counts from the next command on)."""
        calendar = self.official_calendar()
        return dict(calendar.schedules) if calendar is not None else {}

    def calendar_fingerprint(self) -> str:
        """Which calendar data deadlines are computed on now: libraries' versions + loaded notices."""
        parts = [CALENDAR_LIBRARY, LUNAR_LIBRARY]
        for year, s in sorted(self.loaded_schedules().items()):
            days = ",".join(d.isoformat() for d in sorted(s.holidays)) + "|" + ",".join(
                d.isoformat() for d in sorted(s.working_days))
            parts.append(f"{year}:{s.document_no}:{hashlib.sha256(days.encode()).hexdigest()[:16]}")
        return ";".join(parts)

    # -- commands --------------------------------------------------------------------------
    def load_calendar_schedule(
        self,
        ctx: Context,
        *,
        year: int,
        document_no: str,
        holidays: list[date],
        working_days: list[date] | None = None,
        occurred_on: date | None = None,
    ) -> Accepted:
        """Record a year's State Council schedule, then revisit every open provisional deadline.

        422 field by field when a statutory day is missing or a date is malformed; 409 when the same
        schedule is already loaded. Returns the revised deadlines in `data["revised"]`.
        """
        when = self.check_occurred_on(occurred_on)
        calendar = self.official_calendar() or OfficialCalendar(occurred_on=when, actor=ctx.actor,
                                                                source=ctx.source)
        schedule = Schedule(year=year, holidays=frozenset(holidays),
                            working_days=frozenset(working_days or ()), document_no=document_no.strip())
        calendar.load_schedule(schedule=schedule, occurred_on=when, actor=ctx.actor, source=ctx.source)
        self._save(calendar, what="the official calendar")
        report = self._revisit(ctx, when)
        nid = self._record_pass(ctx, when, report)
        self._revisited_fingerprint = self.calendar_fingerprint()
        calendar = self.official_calendar() or calendar  # the version after the pass
        return self.accepted(calendar, nid, year=year, document_no=schedule.document_no,
                             revised=report.revised, overdue_withdrawn=report.withdrawn, failed=report.failed)

    def revisit_provisional_deadlines(self, ctx: Context, *, today: date | None = None,
                                      only_if_changed: bool = False,
                                      occurred_on: date | None = None) -> Accepted:
        """Recompute every open provisional deadline on the current calendar.

        The clock calls it with `only_if_changed`: it scans only when the calendar data (library
        versions, loaded notices) differs from the last pass, so a library upgrade that gains a year
        is taken up once. A pass is recorded as an event when it revised something or when schedules
        were loaded; a pass that found nothing to do on a store without loaded schedules writes nothing.
        """
        when = today or self.check_occurred_on(occurred_on)
        fingerprint = self.calendar_fingerprint()
        calendar = self.official_calendar()
        last = calendar.fingerprint if calendar is not None else ""
        if only_if_changed and fingerprint in (last, self._revisited_fingerprint):
            return Accepted(str(official_calendar_id()), calendar.version if calendar else None, None,
                            {"revised": [], "overdue_withdrawn": 0, "skipped": True})
        report = self._revisit(ctx, when)
        nid = None
        if report.revised or calendar is not None:
            nid = self._record_pass(ctx, when, report)
        self._revisited_fingerprint = fingerprint
        return Accepted(str(official_calendar_id()), None, nid,
                        {"revised": report.revised, "overdue_withdrawn": report.withdrawn,
                         "failed": report.failed})

    # -- the pass --------------------------------------------------------------------------
    def _record_pass(self, ctx: Context, when: date, report: RevisionReport) -> int | None:
        calendar = self.official_calendar() or OfficialCalendar(occurred_on=when, actor=ctx.actor,
                                                                source=ctx.source)
        calendar.record_revision_pass(fingerprint=self.calendar_fingerprint(), revised=len(report.revised),
                                      withdrawn=report.withdrawn, occurred_on=when, actor=ctx.actor,
                                      source=ctx.source)
        return self._save(calendar, what="the official calendar")

    def _provisional_starts(self) -> Iterator[UUID]:
        """Aggregates whose deadline was computed provisionally when it started (log order, once)."""
        topics = [get_topic(cls) for cls in _START_EVENTS]
        seen: set[UUID] = set()
        start = 1
        while True:
            page = self.recorder.select_notifications(start, 500, topics=topics)
            if not page:
                return
            for notification in page:
                event = self.mapper.to_domain_event(notification)
                fields = _START_EVENTS[type(event)]
                provisional = any(is_provisional(getattr(event, f, None)) for f in fields)
                if provisional and event.originator_id not in seen:
                    seen.add(event.originator_id)
                    yield event.originator_id
            start = page[-1].id + 1

    def _periods(self, aggregate: Any) -> dict[str, tuple[date, int]]:
        """Each open deadline's start day and length in working days, from the policies in force."""
        if isinstance(aggregate, Complaint):
            policy = self.complaint_policy  # type: ignore[attr-defined]
            return {"acknowledge": (aggregate.received_on, policy.acknowledge_working_days),
                    "conclude": (aggregate.received_on, policy.conclude_working_days)}
        if isinstance(aggregate, Inspection):
            assert aggregate.result is not None
            return {"publish": (aggregate.result["completed_on"],
                                self.publication.working_days)}  # type: ignore[attr-defined]
        if isinstance(aggregate, Listing):
            assert aggregate.served_on is not None
            return {"objection": (aggregate.served_on,
                                  self.listing_procedure.objection_working_days)}  # type: ignore[attr-defined]
        return {}

    def _revisit(self, ctx: Context, when: date) -> RevisionReport:
        report = RevisionReport()
        for aggregate_id in list(self._provisional_starts()):
            try:
                self._revisit_one(ctx, aggregate_id, when, report)
            except Conflict as exc:  # changed meanwhile by another command: the next pass sees it
                report.failed.append(f"{aggregate_id}: {exc.message}")
        return report

    def _revisit_one(self, ctx: Context, aggregate_id: UUID, when: date, report: RevisionReport) -> None:
        aggregate = self.repository.get(aggregate_id)
        periods = self._periods(aggregate)
        changed: list[dict[str, Any]] = []
        withdrawn_before = _withdrawn_count(aggregate)
        for name, (old_due, basis) in aggregate.open_deadlines().items():
            if not is_provisional(basis) or name not in periods:
                continue
            start, n = periods[name]
            deadline = self.calendar.add_working_days(start, n)
            if aggregate.revise_deadline(deadline=name, due_on=deadline.due_on, basis=deadline.basis,
                                         note=deadline.note, occurred_on=when, actor=ctx.actor,
                                         source=ctx.source):
                changed.append({"aggregate_id": str(aggregate_id), "uscc": aggregate.uscc,
                                "kind": type(aggregate).__name__.lower(), "deadline": name,
                                "old_due_on": old_due.isoformat(), "due_on": deadline.due_on.isoformat(),
                                "basis": deadline.basis, "note": deadline.note})
        if changed:
            withdrawn = _withdrawn_count(aggregate) - withdrawn_before
            self._save(aggregate, what=f"{type(aggregate).__name__} {aggregate_id}")
            report.revised.extend(changed)
            report.withdrawn += withdrawn


def _withdrawn_count(aggregate: Any) -> int:
    """Overdue withdrawals among the aggregate's pending (unsaved) events."""
    return sum(1 for e in getattr(aggregate, "_pending_events", ()) if type(e).__name__ == "OverdueWithdrawn")

