"""The DutyReport aggregate: one facility's report of one kind for one period (定期报告 / 年度报告).

Keyed by `deterministic_id("duty_report", f"{uscc}:{kind}:{period}")`: the obligation is opened
(with its due date from policy) the first time anyone touches it — a submission, or the clock finding
it missing — so both name the same aggregate and a second opening is a version conflict.

Lifecycle: opened → submitted (on time or late), or → missing (the clock, exactly once) →
reminded (催报, with a grace period) → grace expired (the clock, exactly once; for the annual report
this is 民发〔2019〕103号 criterion (8)). A submission after any of these is accepted as late.
`FilingDisclosed` is the public shape (annual reports): kind, period and the filing date.
"""

from __future__ import annotations

from datetime import date, timedelta
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from supervision.domain.errors import Conflict, InvalidValue, NotFound
from supervision.domain.values import Actor, deterministic_id


def duty_report_id(uscc: str, kind: str, period: str) -> UUID:
    return deterministic_id("duty_report", f"{uscc}:{kind}:{period}")


class DutyReportNotFound(NotFound):
    def __init__(self, what: str) -> None:
        super().__init__(f"report {what} is not recorded", {"period": ["no such report obligation"]})


class DutyReport(Aggregate):
    """One report owed by one facility."""

    @staticmethod
    def create_id(uscc: str, kind: str, period: str, **_: object) -> UUID:
        return duty_report_id(uscc, kind, period)

    @classmethod
    def open(
        cls,
        *,
        uscc: str,
        kind: str,
        period: str,
        title: str,
        frequency: str,
        due_on: date,
        due_basis: str,
        due_note: str,
        listing_criterion: str | None,
        public_filing: bool,
        legal_basis: str,
        policy_version: str,
        occurred_on: date,
        actor: Actor,
        source: str,
    ) -> DutyReport:
        return cls(
            uscc=uscc,
            kind=kind,
            period=period,
            title=title,
            frequency=frequency,
            due_on=due_on,
            due_basis=due_basis,
            due_note=due_note,
            listing_criterion=listing_criterion,
            public_filing=public_filing,
            legal_basis=legal_basis,
            policy_version=policy_version,
            occurred_on=occurred_on,
            actor=actor,
            source=source,
        )

    @event("Opened")
    def __init__(
        self,
        *,
        uscc: str,
        kind: str,
        period: str,
        title: str,
        frequency: str,
        due_on: date,
        due_basis: str,
        due_note: str,
        listing_criterion: str | None,
        public_filing: bool,
        legal_basis: str,
        policy_version: str,
        occurred_on: date,
        actor: Actor,
        source: str,
    ) -> None:
        self.uscc = uscc
        self.public_filing = public_filing
        self.kind = kind
        self.period = period
        self.due_on = due_on
        self.listing_criterion = listing_criterion
        self.submitted_on: date | None = None
        self.missing_marked = False
        self.reminded_on: date | None = None
        self.grace_due_on: date | None = None
        self.grace_expired_marked = False

    # -- guards -----------------------------------------------------------------------------
    def check_not_submitted(self) -> None:
        if self.submitted_on is not None:
            raise Conflict(
                f"the {self.kind} for {self.period} was submitted on {self.submitted_on}",
                {"period": ["already submitted"]},
            )

    # -- commands ---------------------------------------------------------------------------
    def submit(self, *, occurred_on: date, actor: Actor, source: str) -> None:
        """Filed on `occurred_on`: late after the due date. A report whose obligation was opened
        with `public_filing` also records `FilingDisclosed`, the public shape (kind, period, date)."""
        self.check_not_submitted()
        late = occurred_on > self.due_on
        self._submitted(
            uscc=self.uscc,
            kind=self.kind,
            period=self.period,
            due_on=self.due_on,
            late=late,
            days_late=(occurred_on - self.due_on).days if late else 0,
            occurred_on=occurred_on,
            actor=actor,
            source=source,
        )
        if self.public_filing:
            self._filing_disclosed(
                uscc=self.uscc,
                kind=self.kind,
                period=self.period,
                filed_on=occurred_on,
                occurred_on=occurred_on,
                actor=actor,
                source=source,
            )

    @event("Submitted")
    def _submitted(
        self,
        uscc: str,
        kind: str,
        period: str,
        due_on: date,
        late: bool,
        days_late: int,
        occurred_on: date,
        actor: Actor,
        source: str,
    ) -> None:
        self.submitted_on = occurred_on

    @event("FilingDisclosed")
    def _filing_disclosed(
        self, uscc: str, kind: str, period: str, filed_on: date, occurred_on: date, actor: Actor, source: str
    ) -> None:
        """Nothing changes: the event is the public record that the report was filed, and when."""

    def mark_missing(self, *, today: date, actor: Actor, source: str) -> None:
        """The clock: due date passed without a submission. Exactly once."""
        if self.missing_marked:
            raise Conflict(f"the {self.kind} for {self.period} is already marked missing")
        self.check_not_submitted()
        if today <= self.due_on:
            raise Conflict(f"the {self.kind} for {self.period} is due by {self.due_on}; not missing yet")
        self._missing(
            uscc=self.uscc,
            kind=self.kind,
            period=self.period,
            due_on=self.due_on,
            detected_on=today,
            occurred_on=self.due_on + timedelta(days=1),
            actor=actor,
            source=source,
        )

    @event("Missing")
    def _missing(
        self,
        uscc: str,
        kind: str,
        period: str,
        due_on: date,
        detected_on: date,
        occurred_on: date,
        actor: Actor,
        source: str,
    ) -> None:
        self.missing_marked = True

    def remind(
        self,
        *,
        reference: str,
        grace_due_on: date,
        grace_basis: str,
        grace_note: str,
        occurred_on: date,
        actor: Actor,
        source: str,
    ) -> None:
        """催报: the regulator reminds the facility of a missing report and sets a grace period."""
        self.check_not_submitted()
        if not self.missing_marked:
            raise Conflict(
                f"the {self.kind} for {self.period} is not missing (due {self.due_on})",
                {"period": ["not missing"]},
            )
        if self.reminded_on is not None:
            raise Conflict(
                f"a reminder was already sent on {self.reminded_on}", {"period": ["already reminded"]}
            )
        if occurred_on <= self.due_on:
            raise InvalidValue("occurred_on", "a reminder follows the due date")
        if grace_due_on <= occurred_on:
            raise InvalidValue("grace_due_on", "the grace period ends after the reminder")
        self._reminded(
            uscc=self.uscc,
            kind=self.kind,
            period=self.period,
            reference=reference.strip(),
            grace_due_on=grace_due_on,
            grace_basis=grace_basis,
            grace_note=grace_note,
            occurred_on=occurred_on,
            actor=actor,
            source=source,
        )

    @event("Reminded")
    def _reminded(
        self,
        uscc: str,
        kind: str,
        period: str,
        reference: str,
        grace_due_on: date,
        grace_basis: str,
        grace_note: str,
        occurred_on: date,
        actor: Actor,
        source: str,
    ) -> None:
        self.reminded_on = occurred_on
        self.grace_due_on = grace_due_on

    def mark_grace_expired(self, *, today: date, actor: Actor, source: str) -> None:
        """The clock: still missing when the reminder's grace period ended. Exactly once."""
        if self.grace_expired_marked:
            raise Conflict(f"the grace period for the {self.kind} {self.period} is already marked expired")
        self.check_not_submitted()
        if self.grace_due_on is None:
            raise Conflict(f"no reminder was sent for the {self.kind} {self.period}")
        if today <= self.grace_due_on:
            raise Conflict(f"the grace period runs until {self.grace_due_on}; not expired yet")
        self._grace_expired(
            uscc=self.uscc,
            kind=self.kind,
            period=self.period,
            due_on=self.due_on,
            reminded_on=self.reminded_on,
            grace_due_on=self.grace_due_on,
            listing_criterion=self.listing_criterion,
            detected_on=today,
            occurred_on=self.grace_due_on + timedelta(days=1),
            actor=actor,
            source=source,
        )

    @event("GraceExpired")
    def _grace_expired(
        self,
        uscc: str,
        kind: str,
        period: str,
        due_on: date,
        reminded_on: date | None,
        grace_due_on: date,
        listing_criterion: str | None,
        detected_on: date,
        occurred_on: date,
        actor: Actor,
        source: str,
    ) -> None:
        self.grace_expired_marked = True
