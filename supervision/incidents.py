"""Incident commands (突发重大情况): report, classify, open an investigation, find responsibility."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo

from supervision.application import Accepted, Context
from supervision.domain.errors import InvalidValue
from supervision.domain.incident import Incident, IncidentNotFound
from supervision.domain.uscc import validate_uscc
from supervision.duties_base import DutiesBase
from supervision.idempotency import fresh_id, repeated
from supervision.policy.incidents import INCIDENT_REPORTING_DEFAULT, IncidentReportPolicy

SHANGHAI = ZoneInfo("Asia/Shanghai")


def local(moment: datetime, field: str) -> datetime:
    """An instant in Asia/Shanghai; a naive time is read as Asia/Shanghai (DOMAIN.md "Time")."""
    if not isinstance(moment, datetime):
        raise InvalidValue(field, "must be a date and time")
    return moment.replace(tzinfo=SHANGHAI) if moment.tzinfo is None else moment.astimezone(SHANGHAI)


class IncidentCommands(DutiesBase):
    incident_policy: IncidentReportPolicy = INCIDENT_REPORTING_DEFAULT

    def get_incident(self, incident_id: UUID | str, uscc: str | None = None) -> Incident:
        """By id; with `uscc`, an incident of another facility is "not found" too."""
        try:
            iid = incident_id if isinstance(incident_id, UUID) else UUID(str(incident_id))
        except ValueError:
            raise IncidentNotFound(str(incident_id)) from None
        incident = self._get(iid, Incident, lambda: IncidentNotFound(str(iid)))
        if uscc is not None and incident.uscc != validate_uscc(uscc):
            raise IncidentNotFound(str(iid))
        return incident

    def report_incident(
        self,
        ctx: Context,
        *,
        uscc: str,
        category: str,
        severity: str,
        occurred_at: datetime,
        reported_at: datetime,
        summary: str,
        reporter: str = "operator",
        deaths: int = 0,
        injuries: int = 0,
        residents: list[dict[str, Any]] | None = None,
        occurred_on: date | None = None,
    ) -> Accepted:
        """Record a report; its lateness is measured against the policy's deadline for the category.

        `occurred_on` (if given) must be the incident's day; residents are sealed before they enter
        the event. Errors: 422 (times, category), 404 (facility), 409 (facility closed).
        """
        happened, reported = local(occurred_at, "occurred_at"), local(reported_at, "reported_at")
        incident_on = self.check_occurred_on(happened.date())
        self.check_occurred_on(reported.date())
        if occurred_on is not None and occurred_on != incident_on:
            raise InvalidValue("occurred_on", "must be the day of occurred_at (Asia/Shanghai) when given")
        facility = self.duty_facility(uscc, incident_on, field="occurred_at", what="an incident")
        try:
            due_at = self.incident_policy.report_due_at(category, happened)
        except KeyError:
            raise InvalidValue("category", "unknown incident category") from None
        incident = Incident.report(
            id=fresh_id("incident"),  # random, or from the request's idempotency key
            uscc=facility.uscc,
            category=category,
            severity=severity,
            reporter=reporter,
            occurred_at=happened,
            reported_at=reported,
            report_due_at=due_at,
            late=self.incident_policy.is_late(category, happened, reported),
            deadline_hours=self.incident_policy.hours_for(category),
            policy_version=self.incident_policy.version,
            summary=summary,
            deaths=deaths,
            injuries=injuries,
            residents_sealed=self.sealer.seal_optional({"residents": residents} if residents else None),
            occurred_on=incident_on,
            actor=ctx.actor,
            source=ctx.source,
        )
        nid = self._save(incident, conflict=lambda: repeated("incident", incident.id))
        return self.accepted(
            incident,
            nid,
            incident_id=str(incident.id),
            uscc=incident.uscc,
            report_due_at=due_at.isoformat(),
            late=incident.late,
        )

    def _incident_saved(self, incident: Incident) -> Accepted:
        nid = self._save(incident, what=f"incident {incident.id}")
        return self.accepted(
            incident, nid, incident_id=str(incident.id), uscc=incident.uscc, status=incident.status
        )

    def classify_incident(
        self,
        ctx: Context,
        *,
        uscc: str,
        incident_id: UUID,
        category: str,
        severity: str,
        reason: str,
        occurred_on: date | None = None,
    ) -> Accepted:
        when = self.check_occurred_on(occurred_on)
        incident = self.get_incident(incident_id, uscc)
        incident.classify(
            category=category,
            severity=severity,
            reason=reason,
            occurred_on=when,
            actor=ctx.actor,
            source=ctx.source,
        )
        return self._incident_saved(incident)

    def open_incident_investigation(
        self, ctx: Context, *, uscc: str, incident_id: UUID, authority: str | None = None,
        occurred_on: date | None = None
    ) -> Accepted:
        when = self.check_occurred_on(occurred_on)
        incident = self.get_incident(incident_id, uscc)
        incident.open_investigation(authority=authority or ctx.actor.agency, occurred_on=when,
                                    actor=ctx.actor, source=ctx.source)
        return self._incident_saved(incident)

    def find_incident_responsibility(
        self,
        ctx: Context,
        *,
        uscc: str,
        incident_id: UUID,
        decision_no: str,
        responsibility: str,
        authority: str | None = None,
        cause: str = "",
        occurred_on: date | None = None,
    ) -> Accepted:
        """The competent authority's finding concludes the investigation (main/direct → criterion 5)."""
        when = self.check_occurred_on(occurred_on)
        incident = self.get_incident(incident_id, uscc)
        incident.find_responsibility(
            authority=authority or ctx.actor.agency,
            decision_no=decision_no,
            responsibility=responsibility,
            cause=cause,
            occurred_on=when,
            actor=ctx.actor,
            source=ctx.source,
        )
        return self._incident_saved(incident)
