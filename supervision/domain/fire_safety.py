"""The FireSafetyCase aggregate: one fire-safety finding (消防安全隐患) and what follows from it.

Finding → 责令限期整改 (rectification order with `due_on`) → rectification reported → re-inspection
verifies or rejects (a rejection may set a new deadline); 临时查封 (sealing) and its lifting are events
too. A deadline passed without a verified rectification is marked `RectificationOverdue` exactly once
per `due_on`; the event says whether the hazard is major (重大火灾隐患), which is a listing criterion.

Keyed by `deterministic_id("fire", f"{uscc}:{finding_no}")`, so a re-sent finding is a version
conflict (409) — the Kafka consumer of the fire authority's findings relies on that.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from supervision.domain.errors import Conflict, InvalidValue, NotFound
from supervision.domain.values import Actor, deterministic_id

CATEGORIES = (
    "evacuation",  # 安全疏散
    "electrical",  # 电气线路、用电
    "fire_equipment",  # 消防设施、器材
    "fire_separation",  # 防火分隔
    "flammable_decoration",  # 易燃可燃装修材料
    "hot_work",  # 动火、用火
    "management",  # 消防安全管理
    "other",
)
ORIGINS = ("fire_authority", "spot_check")
REPORTERS = ("facility", "civil_affairs", "fire")


def fire_case_id(uscc: str, finding_no: str) -> UUID:
    return deterministic_id("fire", f"{uscc}:{finding_no}")


class FireCaseNotFound(NotFound):
    def __init__(self, case: str) -> None:
        super().__init__(f"fire-safety case {case} is not recorded", {"case_id": ["not recorded"]})


class FireFindingAlreadyRecorded(Conflict):
    def __init__(self, uscc: str, finding_no: str) -> None:
        super().__init__(
            f"finding {finding_no} of facility {uscc} is already recorded",
            {"finding_no": ["already recorded"]},
        )


class FireSafetyCase(Aggregate):
    """One hazard found at one facility, from its finding until the rectification is verified."""

    @staticmethod
    def create_id(uscc: str, finding_no: str, **_: Any) -> UUID:
        return fire_case_id(uscc, finding_no)

    @classmethod
    def find(
        cls,
        *,
        uscc: str,
        finding_no: str,
        category: str,
        location: str,
        description: str,
        major: bool,
        major_criterion: str | None,
        origin: str,
        spot_check_inspection_id: str | None,
        occurred_on: date,
        actor: Actor,
        source: str,
        public_summary: str | None = None,
    ) -> FireSafetyCase:
        if not finding_no.strip():
            raise InvalidValue("finding_no", "must not be blank")
        if category not in CATEGORIES:
            raise InvalidValue("category", f"must be one of {', '.join(CATEGORIES)}")
        if not location.strip():
            raise InvalidValue("location", "must not be blank")
        if major and not (major_criterion or "").strip():
            raise InvalidValue("major_criterion", "a major fire hazard must cite its GB 35181-2017 criterion")
        if not major and major_criterion:
            raise InvalidValue("major_criterion", "is only recorded for a major fire hazard")
        if origin not in ORIGINS:
            raise InvalidValue("origin", f"must be one of {', '.join(ORIGINS)}")
        if origin == "spot_check" and not spot_check_inspection_id:
            raise InvalidValue("spot_check_inspection_id", "a spot-check finding names its inspection")
        if origin != "spot_check" and spot_check_inspection_id:
            raise InvalidValue("spot_check_inspection_id", "only spot-check findings name an inspection")
        return cls(
            uscc=uscc,
            finding_no=finding_no.strip(),
            category=category,
            location=location.strip(),
            description=description,
            public_summary=public_summary,
            major=major,
            major_criterion=major_criterion if major else None,
            origin=origin,
            spot_check_inspection_id=spot_check_inspection_id,
            occurred_on=occurred_on,
            actor=actor,
            source=source,
        )

    @event("HazardFound")
    def __init__(
        self,
        *,
        uscc: str,
        finding_no: str,
        category: str,
        location: str,
        description: str,
        major: bool,
        major_criterion: str | None,
        origin: str,
        spot_check_inspection_id: str | None,
        occurred_on: date,
        actor: Actor,
        source: str,
        public_summary: str | None = None,
    ) -> None:
        self.uscc = uscc
        self.finding_no = finding_no
        self.category = category
        self.major = major
        self.major_criterion = major_criterion
        self.found_on = occurred_on
        self.order_no: str | None = None
        self.due_on: date | None = None
        self.reported_on: date | None = None
        self.verified_on: date | None = None
        self.overdue_marked: list[date] = []
        self.sealed = False
        self.sealed_on: date | None = None

    # -- guards -----------------------------------------------------------------------------
    @property
    def is_verified(self) -> bool:
        return self.verified_on is not None

    def check_not_verified(self) -> None:
        if self.is_verified:
            raise Conflict(
                f"the rectification of finding {self.finding_no} was verified on {self.verified_on}",
                {"case_id": ["rectification already verified"]},
            )

    def check_report_pending(self) -> None:
        if self.reported_on is None:
            raise Conflict(
                "no rectification report awaits re-inspection", {"case_id": ["no rectification reported"]}
            )

    def check_not_before_finding(self, occurred_on: date) -> None:
        if occurred_on < self.found_on:
            raise InvalidValue("occurred_on", f"cannot precede the finding on {self.found_on.isoformat()}")

    def _check_deadline(self, due_on: date, ordered_on: date) -> None:
        """Explicit due dates are taken as written, but must come after the finding and the order."""
        if due_on <= self.found_on:
            raise InvalidValue("due_on", f"must be after the finding date {self.found_on.isoformat()}")
        if due_on <= ordered_on:
            raise InvalidValue("due_on", f"must be after the order date {ordered_on.isoformat()}")

    # -- commands ---------------------------------------------------------------------------
    def order_rectification(
        self, *, order_no: str, due_on: date, occurred_on: date, actor: Actor, source: str
    ) -> None:
        """责令限期整改; a later order replaces the deadline (extension, or after a rejection)."""
        self.check_not_verified()
        self.check_not_before_finding(occurred_on)
        if self.reported_on is not None:
            raise Conflict(
                f"a rectification reported on {self.reported_on} awaits re-inspection",
                {"case_id": ["rectification report pending"]},
            )
        if not order_no.strip():
            raise InvalidValue("order_no", "must not be blank")
        self._check_deadline(due_on, occurred_on)
        self._rectification_ordered(
            uscc=self.uscc, order_no=order_no.strip(), due_on=due_on, occurred_on=occurred_on,
            actor=actor, source=source,
        )

    @event("RectificationOrdered")
    def _rectification_ordered(
        self, uscc: str, order_no: str, due_on: date, occurred_on: date, actor: Actor, source: str
    ) -> None:
        self.order_no, self.due_on = order_no, due_on

    def report_rectification(
        self,
        *,
        reported_by: str,
        summary: str,
        evidence: list[str],
        occurred_on: date,
        actor: Actor,
        source: str,
    ) -> None:
        self.check_not_verified()
        self.check_not_before_finding(occurred_on)
        if self.due_on is None:
            raise Conflict("no rectification has been ordered", {"case_id": ["no rectification ordered"]})
        if self.reported_on is not None:
            raise Conflict(
                f"a rectification was already reported on {self.reported_on}",
                {"case_id": ["rectification report pending"]},
            )
        if reported_by not in REPORTERS:
            raise InvalidValue("reported_by", f"must be one of {', '.join(REPORTERS)}")
        self._rectification_reported(
            uscc=self.uscc, order_no=self.order_no, due_on=self.due_on, reported_by=reported_by,
            summary=summary, evidence=list(evidence), occurred_on=occurred_on, actor=actor, source=source,
        )

    @event("RectificationReported")
    def _rectification_reported(
        self,
        uscc: str,
        order_no: str | None,
        due_on: date | None,
        reported_by: str,
        summary: str,
        evidence: list[str],
        occurred_on: date,
        actor: Actor,
        source: str,
    ) -> None:
        self.reported_on = occurred_on

    def _check_reinspection(self, occurred_on: date) -> None:
        self.check_not_verified()
        self.check_report_pending()
        assert self.reported_on is not None
        if occurred_on < self.reported_on:
            raise InvalidValue(
                "occurred_on", f"re-inspection cannot precede the report on {self.reported_on.isoformat()}"
            )

    def verify_rectification(
        self, *, inspection_no: str, notes: str, occurred_on: date, actor: Actor, source: str
    ) -> None:
        """复查合格: the case is closed and can never become overdue."""
        self._check_reinspection(occurred_on)
        self._rectification_verified(
            uscc=self.uscc, order_no=self.order_no, due_on=self.due_on, inspection_no=inspection_no,
            notes=notes, major=self.major, occurred_on=occurred_on, actor=actor, source=source,
        )

    @event("RectificationVerified")
    def _rectification_verified(
        self,
        uscc: str,
        order_no: str | None,
        due_on: date | None,
        inspection_no: str,
        notes: str,
        major: bool,
        occurred_on: date,
        actor: Actor,
        source: str,
    ) -> None:
        self.verified_on = occurred_on
        self.reported_on = None

    def reject_rectification(
        self,
        *,
        inspection_no: str,
        reasons: list[str],
        new_order_no: str | None,
        new_due_on: date | None,
        occurred_on: date,
        actor: Actor,
        source: str,
    ) -> None:
        """复查不合格; with a new deadline a new order follows in the same save."""
        self._check_reinspection(occurred_on)
        if not reasons:
            raise InvalidValue("reasons", "a rejection states at least one reason")
        if (new_due_on is None) != (new_order_no is None):
            raise InvalidValue("new_due_on", "a new deadline needs both new_due_on and new_order_no")
        if new_due_on is not None:
            self._check_deadline(new_due_on, occurred_on)
        self._rectification_rejected(
            uscc=self.uscc, order_no=self.order_no, due_on=self.due_on, inspection_no=inspection_no,
            reasons=list(reasons), occurred_on=occurred_on, actor=actor, source=source,
        )
        if new_due_on is not None and new_order_no is not None:
            self.order_rectification(
                order_no=new_order_no, due_on=new_due_on, occurred_on=occurred_on, actor=actor, source=source
            )

    @event("RectificationRejected")
    def _rectification_rejected(
        self,
        uscc: str,
        order_no: str | None,
        due_on: date | None,
        inspection_no: str,
        reasons: list[str],
        occurred_on: date,
        actor: Actor,
        source: str,
    ) -> None:
        self.reported_on = None

    def seal_premises(
        self, *, decision_no: str, scope: str, occurred_on: date, actor: Actor, source: str
    ) -> None:
        """临时查封 by the fire authority."""
        self.check_not_before_finding(occurred_on)
        if self.sealed:
            raise Conflict("the premises are already sealed", {"case_id": ["already sealed"]})
        self.check_not_verified()
        if not decision_no.strip():
            raise InvalidValue("decision_no", "must not be blank")
        self._premises_sealed(
            uscc=self.uscc, decision_no=decision_no.strip(), scope=scope, major=self.major,
            occurred_on=occurred_on, actor=actor, source=source,
        )

    @event("PremisesSealed")
    def _premises_sealed(
        self, uscc: str, decision_no: str, scope: str, major: bool, occurred_on: date, actor: Actor,
        source: str,
    ) -> None:
        self.sealed = True
        self.sealed_on = occurred_on

    def unseal_premises(
        self, *, decision_no: str, reason: str, occurred_on: date, actor: Actor, source: str
    ) -> None:
        """Lifting the sealing: only sealed premises can be unsealed."""
        if not self.sealed:
            raise Conflict("the premises are not sealed", {"case_id": ["not sealed"]})
        if self.sealed_on is not None and occurred_on < self.sealed_on:
            raise InvalidValue("occurred_on", f"cannot precede the sealing on {self.sealed_on.isoformat()}")
        self._premises_unsealed(
            uscc=self.uscc, decision_no=decision_no, reason=reason, occurred_on=occurred_on, actor=actor,
            source=source,
        )

    @event("PremisesUnsealed")
    def _premises_unsealed(
        self, uscc: str, decision_no: str, reason: str, occurred_on: date, actor: Actor, source: str
    ) -> None:
        self.sealed = False

    def mark_rectification_overdue(self, *, due_on: date, today: date, actor: Actor, source: str) -> None:
        """The deadline passed without a verified rectification: at most once per `due_on`.

        `due_on` is the deadline the caller saw (in a view); a different current deadline means the
        order changed since, so the mark is refused rather than applied to the wrong deadline.
        """
        self.check_not_verified()
        if self.due_on is None:
            raise Conflict("no rectification has been ordered", {"case_id": ["no rectification ordered"]})
        if due_on != self.due_on:
            raise Conflict(
                f"the current deadline is {self.due_on}, not {due_on}", {"due_on": ["deadline changed"]}
            )
        if due_on in self.overdue_marked:
            raise Conflict(f"already marked overdue for the deadline {due_on}",
                           {"due_on": ["already marked"]})
        if today <= due_on:
            raise InvalidValue("today", f"the deadline {due_on.isoformat()} has not passed")
        self._rectification_overdue(
            uscc=self.uscc,
            finding_no=self.finding_no,
            order_no=self.order_no,
            due_on=due_on,
            major=self.major,
            major_criterion=self.major_criterion,
            category=self.category,
            rectification_reported_on=self.reported_on,
            detected_on=today,
            occurred_on=due_on + timedelta(days=1),  # overdue from the day after the deadline
            actor=actor,
            source=source,
        )

    @event("RectificationOverdue")
    def _rectification_overdue(
        self,
        uscc: str,
        finding_no: str,
        order_no: str | None,
        due_on: date,
        major: bool,
        major_criterion: str | None,
        category: str,
        rectification_reported_on: date | None,
        detected_on: date,
        occurred_on: date,
        actor: Actor,
        source: str,
    ) -> None:
        self.overdue_marked = [*self.overdue_marked, due_on]
