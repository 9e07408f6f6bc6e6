"""Report commands (定期报告 / 年度报告): submit, missing (clock), remind (催报), grace expired (clock)."""

from __future__ import annotations

from datetime import date

from eventsourcing.application import AggregateNotFoundError

from supervision.application import Accepted, Context
from supervision.domain.duty_report import DutyReport, DutyReportNotFound, duty_report_id
from supervision.domain.errors import InvalidValue
from supervision.domain.facility import Facility
from supervision.domain.values import not_after
from supervision.duties_base import DutiesBase
from supervision.policy.duty_reports import DUTY_REPORTS_DEFAULT, DutyReportPolicy, check_period, period_end


class DutyReportCommands(DutiesBase):
    duty_report_policy: DutyReportPolicy = DUTY_REPORTS_DEFAULT

    def _obligation(
        self, ctx: Context, facility: Facility, kind: str, period: str, opened_on: date
    ) -> DutyReport:
        """The report aggregate, opened from policy the first time it is touched.

        Refused (422) when the facility's kind owes no such report, or the period is not owed
        (before the first tracked year, ending before registration, or not yet ended).
        """
        existing = self._existing_report(facility.uscc, kind, period)
        if existing is not None:
            return existing
        profile = facility.profile
        schedule = self.duty_report_policy.schedule(kind, profile["ownership"], profile["profit_status"])
        if schedule is None:
            raise InvalidValue(
                "kind", f"a {profile['ownership']} {profile['profit_status']} facility owes no {kind}"
            )
        try:
            check_period(schedule.frequency, period)
        except ValueError as exc:
            raise InvalidValue("period", str(exc)) from None
        owed = set(
            self.duty_report_policy.periods(
                schedule, facility.registered_on, facility.closed_on, until=period_end(period)
            )
        )
        if period not in owed:
            raise InvalidValue(
                "period",
                f"{period} is not owed (a period ending after registration and before exit"
                + (f", from {first}" if (first := self.duty_report_policy.first_year) else "")
                + ")",
            )
        if period_end(period) >= opened_on:
            raise InvalidValue("period", f"{period} has not ended yet")
        due = self.duty_report_policy.due(schedule, period, self.calendar)
        return DutyReport.open(
            uscc=facility.uscc,
            kind=kind,
            period=period,
            title=schedule.title,
            frequency=schedule.frequency,
            due_on=due.due_on,
            due_basis=due.basis,
            due_note=due.note,
            listing_criterion=schedule.listing_criterion,
            public_filing=schedule.public_filing,
            legal_basis=schedule.legal_basis,
            policy_version=self.duty_report_policy.version,
            occurred_on=opened_on,
            actor=ctx.actor,
            source=ctx.source,
        )

    def _existing_report(self, uscc: str, kind: str, period: str) -> DutyReport | None:
        try:
            found = self.repository.get(duty_report_id(uscc, kind, period))
        except AggregateNotFoundError:
            return None
        return found if isinstance(found, DutyReport) else None

    def get_duty_report(self, uscc: str, kind: str, period: str) -> DutyReport:
        found = self._existing_report(uscc, kind, period)
        if found is None:
            raise DutyReportNotFound(f"{kind} {period} of {uscc}")
        return found

    def _report_saved(self, report: DutyReport, **data: object) -> Accepted:
        nid = self._save(report, what=f"the {report.kind} {report.period} of {report.uscc}")
        return self.accepted(
            report,
            nid,
            uscc=report.uscc,
            kind=report.kind,
            period=report.period,
            due_on=report.due_on,
            **data,
        )

    def submit_duty_report(
        self, ctx: Context, *, uscc: str, kind: str, period: str, occurred_on: date | None = None
    ) -> Accepted:
        """Record that the facility filed its report (on `occurred_on`); after the due date it is late."""
        when = self.check_occurred_on(occurred_on)
        facility = self.duty_facility(uscc, when, closed_ok=True, what="a submission")
        report = self._obligation(ctx, facility, kind, period, when)
        report.submit(occurred_on=when, actor=ctx.actor, source=ctx.source)
        return self._report_saved(report, late=report.submitted_on is not None and when > report.due_on)

    def mark_duty_report_missing(
        self, ctx: Context, *, uscc: str, kind: str, period: str, today: date
    ) -> Accepted:
        """The clock: the due date passed without a submission (409 when already marked or not due)."""
        day = not_after(today, self.today(), "today")
        facility = self.duty_facility(uscc, day, closed_ok=True)
        report = self._obligation(ctx, facility, kind, period, day)
        report.mark_missing(today=day, actor=ctx.actor, source=ctx.source)
        return self._report_saved(report)

    def remind_duty_report(
        self,
        ctx: Context,
        *,
        uscc: str,
        kind: str,
        period: str,
        reference: str = "",
        occurred_on: date | None = None,
    ) -> Accepted:
        """催报: remind the facility of a missing report; the grace period is counted in working days."""
        when = self.check_occurred_on(occurred_on)
        report = self.get_duty_report(self.duty_facility(uscc, when, closed_ok=True).uscc, kind, period)
        grace = self.duty_report_policy.grace_until(when, self.calendar)
        report.remind(
            reference=reference,
            grace_due_on=grace.due_on,
            grace_basis=grace.basis,
            grace_note=grace.note,
            occurred_on=when,
            actor=ctx.actor,
            source=ctx.source,
        )
        return self._report_saved(report, grace_due_on=grace.due_on)

    def mark_duty_report_grace_expired(
        self, ctx: Context, *, uscc: str, kind: str, period: str, today: date
    ) -> Accepted:
        day = not_after(today, self.today(), "today")
        report = self.get_duty_report(self.duty_facility(uscc, day, closed_ok=True).uscc, kind, period)
        report.mark_grace_expired(today=day, actor=ctx.actor, source=ctx.source)
        return self._report_saved(report)
