"""Fire-safety commands: findings, rectification orders, reports, re-inspection, sealing, overdue."""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError

from supervision.application import Accepted, Context, SupervisionBase
from supervision.domain.errors import (
    FacilityClosed,
    FacilityNotFound,
    InvalidValue,
    NotFound,
    PermissionDenied,
)
from supervision.domain.facility import Facility, facility_id
from supervision.domain.fire_safety import (
    FireCaseNotFound,
    FireFindingAlreadyRecorded,
    FireSafetyCase,
    fire_case_id,
)
from supervision.domain.uscc import validate_uscc
from supervision.policy.fire_hazards import GB_35181_2017, MajorHazardCriteria
from supervision.roles import ADMIN, FIRE


class SpotCheckInspectionNotFound(NotFound):
    def __init__(self, inspection_id: str) -> None:
        super().__init__(
            f"spot-check inspection {inspection_id} is not recorded",
            {"spot_check_inspection_id": ["not recorded"]},
        )


class FireSafetyCommands(SupervisionBase):
    fire_hazard_criteria: MajorHazardCriteria = GB_35181_2017

    def get_fire_case(
        self, case_id: UUID | None = None, uscc: str | None = None, finding_no: str | None = None
    ) -> FireSafetyCase:
        """By id, or by its natural key (USCC + finding number) as the fire authority knows it."""
        if case_id is None:
            if not uscc or not finding_no:
                raise InvalidValue("case_id", "give case_id, or uscc and finding_no")
            case_id = fire_case_id(validate_uscc(uscc), finding_no)
        return self._get(case_id, FireSafetyCase, lambda: FireCaseNotFound(str(case_id)))

    def _check_inspection(self, inspection_id: str, uscc: str) -> None:
        """A spot-check finding names a recorded `Inspection` of the same facility.

        Checked by class name, so fire safety does not depend on the spot-check module.
        """
        try:
            inspection = self.repository.get(UUID(inspection_id))
        except (ValueError, AggregateNotFoundError):
            raise SpotCheckInspectionNotFound(inspection_id) from None
        if type(inspection).__name__ != "Inspection":
            raise SpotCheckInspectionNotFound(inspection_id)
        if getattr(inspection, "uscc", None) != uscc:
            raise InvalidValue("spot_check_inspection_id", f"is not an inspection of facility {uscc}")

    def _saved_case(self, case: FireSafetyCase, **data: Any) -> Accepted:
        """Every follow-up on a case ends the same way: append, and answer with its USCC."""
        nid = self._save(case, what=f"fire-safety case {case.id}")
        return self.accepted(case, nid, uscc=case.uscc, **data)

    def record_fire_finding(
        self,
        ctx: Context,
        *,
        uscc: str,
        finding_no: str,
        category: str,
        location: str,
        major: bool = False,
        major_criterion: str | None = None,
        description: str = "",
        public_summary: str | None = None,
        origin: str = "fire_authority",
        spot_check_inspection_id: str | None = None,
        order_no: str | None = None,
        due_on: date | None = None,
        occurred_on: date | None = None,
    ) -> Accepted:
        """A hazard found; with `order_no` and `due_on` the rectification order is recorded too."""
        when = self.check_occurred_on(occurred_on)
        code = validate_uscc(uscc)
        if origin != "spot_check" and ctx.actor.role not in (FIRE, ADMIN):
            raise PermissionDenied(f"role {ctx.actor.role!r} may record findings from spot checks only")
        if major and major_criterion:
            problem = self.fire_hazard_criteria.check(major_criterion)
            if problem:
                raise InvalidValue("major_criterion", problem)
        if (order_no is None) != (due_on is None):
            raise InvalidValue("due_on" if due_on is None else "order_no",
                               "a rectification order needs both order_no and due_on")
        facility = self._get(facility_id(code), Facility, lambda: FacilityNotFound(code))
        if facility.closed_on is not None and when > facility.closed_on:
            raise FacilityClosed(code)
        facility.check_not_before_start(when, "a finding")
        if origin == "spot_check" and spot_check_inspection_id:
            self._check_inspection(spot_check_inspection_id, code)
        case = FireSafetyCase.find(
            uscc=code,
            finding_no=finding_no,
            category=category,
            location=location,
            description=description,
            public_summary=public_summary,
            major=major,
            major_criterion=major_criterion,
            origin=origin,
            spot_check_inspection_id=spot_check_inspection_id,
            occurred_on=when,
            actor=ctx.actor,
            source=ctx.source,
        )
        if order_no is not None and due_on is not None:
            case.order_rectification(order_no=order_no, due_on=due_on, occurred_on=when, actor=ctx.actor,
                                     source=ctx.source)
        nid = self._save(case, conflict=lambda: FireFindingAlreadyRecorded(code, case.finding_no))
        return self.accepted(case, nid, uscc=code, finding_no=case.finding_no, major=case.major,
                             due_on=case.due_on)

    def order_rectification(
        self,
        ctx: Context,
        *,
        order_no: str,
        due_on: date,
        case_id: UUID | None = None,
        uscc: str | None = None,
        finding_no: str | None = None,
        occurred_on: date | None = None,
    ) -> Accepted:
        when = self.check_occurred_on(occurred_on)
        case = self.get_fire_case(case_id, uscc, finding_no)
        case.order_rectification(order_no=order_no, due_on=due_on, occurred_on=when, actor=ctx.actor,
                                 source=ctx.source)
        return self._saved_case(case, due_on=case.due_on)

    def report_rectification(
        self,
        ctx: Context,
        *,
        reported_by: str = "facility",
        summary: str = "",
        evidence: list[str] | None = None,
        case_id: UUID | None = None,
        uscc: str | None = None,
        finding_no: str | None = None,
        occurred_on: date | None = None,
    ) -> Accepted:
        when = self.check_occurred_on(occurred_on)
        case = self.get_fire_case(case_id, uscc, finding_no)
        case.report_rectification(reported_by=reported_by, summary=summary, evidence=list(evidence or []),
                                  occurred_on=when, actor=ctx.actor, source=ctx.source)
        return self._saved_case(case)

    def verify_rectification(
        self,
        ctx: Context,
        *,
        inspection_no: str,
        notes: str = "",
        case_id: UUID | None = None,
        uscc: str | None = None,
        finding_no: str | None = None,
        occurred_on: date | None = None,
    ) -> Accepted:
        when = self.check_occurred_on(occurred_on)
        case = self.get_fire_case(case_id, uscc, finding_no)
        case.verify_rectification(inspection_no=inspection_no, notes=notes, occurred_on=when, actor=ctx.actor,
                                  source=ctx.source)
        return self._saved_case(case)

    def reject_rectification(
        self,
        ctx: Context,
        *,
        inspection_no: str,
        reasons: list[str],
        new_order_no: str | None = None,
        new_due_on: date | None = None,
        case_id: UUID | None = None,
        uscc: str | None = None,
        finding_no: str | None = None,
        occurred_on: date | None = None,
    ) -> Accepted:
        when = self.check_occurred_on(occurred_on)
        case = self.get_fire_case(case_id, uscc, finding_no)
        case.reject_rectification(inspection_no=inspection_no, reasons=reasons, new_order_no=new_order_no,
                                  new_due_on=new_due_on, occurred_on=when, actor=ctx.actor, source=ctx.source)
        return self._saved_case(case, due_on=case.due_on)

    def seal_premises(
        self,
        ctx: Context,
        *,
        decision_no: str,
        scope: str = "",
        case_id: UUID | None = None,
        uscc: str | None = None,
        finding_no: str | None = None,
        occurred_on: date | None = None,
    ) -> Accepted:
        when = self.check_occurred_on(occurred_on)
        case = self.get_fire_case(case_id, uscc, finding_no)
        case.seal_premises(decision_no=decision_no, scope=scope, occurred_on=when, actor=ctx.actor,
                           source=ctx.source)
        return self._saved_case(case, sealed=True)

    def unseal_premises(
        self,
        ctx: Context,
        *,
        decision_no: str = "",
        reason: str = "",
        case_id: UUID | None = None,
        uscc: str | None = None,
        finding_no: str | None = None,
        occurred_on: date | None = None,
    ) -> Accepted:
        when = self.check_occurred_on(occurred_on)
        case = self.get_fire_case(case_id, uscc, finding_no)
        case.unseal_premises(decision_no=decision_no, reason=reason, occurred_on=when, actor=ctx.actor,
                             source=ctx.source)
        return self._saved_case(case, sealed=False)

    def mark_rectification_overdue(
        self,
        ctx: Context,
        *,
        due_on: date,
        today: date,
        case_id: UUID | None = None,
        uscc: str | None = None,
        finding_no: str | None = None,
        occurred_on: date | None = None,
    ) -> Accepted:
        """The clock's command: `today` is passed in; the overdue date derives from `due_on`."""
        case = self.get_fire_case(case_id, uscc, finding_no)
        case.mark_rectification_overdue(due_on=due_on, today=today, actor=ctx.actor, source=ctx.source)
        return self._saved_case(case, due_on=due_on, major=case.major)
