"""The Complaint aggregate: 投诉举报 from intake to closure, with its two working-day deadlines.

Lifecycle: received → acknowledged → (assigned, possibly re-assigned) → concluded → closed. Overdue
marks are recorded at most once each, and only while the act they wait for has not happened.
The complainant's identity only ever enters as ciphertext (`complainant_sealed`); revealing it is
itself an event, so every reading of an identity is on the record.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from supervision.domain.errors import Conflict, InvalidValue, NotFound
from supervision.domain.values import Actor, deterministic_id
from supervision.policy.calendar import is_provisional

CHANNELS = ("hotline_12345", "online", "letter", "walk_in", "referral")
CATEGORIES = (
    "abuse_cheating",  # 虐老欺老
    "service_quality",
    "fees",
    "fire_safety",
    "food_safety",
    "fraud_fundraising",  # 欺诈销售 / 非法集资
    "other",
)
OUTCOMES = ("substantiated", "partly_substantiated", "unsubstantiated")
STATUSES = ("received", "acknowledged", "assigned", "concluded", "closed")


def complaint_id(channel: str, reference: str) -> UUID:
    """An external ticket (e.g. a 12345 work-order number) maps to one complaint: redelivery is a 409."""
    return deterministic_id("complaint", f"{channel}:{reference}")


class ComplaintNotFound(NotFound):
    def __init__(self, complaint: str) -> None:
        super().__init__(f"complaint {complaint} does not exist", {"complaint_id": ["unknown complaint"]})


class ComplaintAlreadyRegistered(Conflict):
    def __init__(self, channel: str, reference: str) -> None:
        super().__init__(
            f"complaint {channel}:{reference} is already registered",
            {"reference": ["already registered for this channel"]},
        )


class IllegalComplaintTransition(Conflict):
    """The complaint's state does not allow this step (e.g. concluding before acknowledging)."""

    def __init__(self, action: str, status: str, why: str = "") -> None:
        detail = f": {why}" if why else ""
        super().__init__(f"cannot {action} a complaint that is {status}{detail}", {"status": [status]})


class Complaint(Aggregate):
    """One complaint or tip-off about one facility."""

    @classmethod
    def receive(
        cls,
        *,
        id: UUID,
        uscc: str,
        reference: str | None,
        channel: str,
        category: str,
        summary: str,
        complainant_sealed: str | None,
        deadlines: dict[str, Any],
        occurred_on: date,
        actor: Actor,
        source: str,
    ) -> Complaint:
        """`deadlines` are computed by the application from policy (ack_/conclude_ due_on, basis, note)."""
        if channel not in CHANNELS:
            raise InvalidValue("channel", f"must be one of {', '.join(CHANNELS)}")
        if category not in CATEGORIES:
            raise InvalidValue("category", f"must be one of {', '.join(CATEGORIES)}")
        if not summary.strip():
            raise InvalidValue("summary", "must not be blank")
        if reference is not None and not reference.strip():
            raise InvalidValue("reference", "must not be blank when given")
        if not occurred_on < deadlines["ack_due_on"] <= deadlines["conclude_due_on"]:
            raise InvalidValue("occurred_on", "deadlines must follow the day of receipt")
        # `_create` takes the id made by the application (uuid4, or derived from a ticket number).
        return cls._create(
            cls.Received,
            id=id,
            uscc=uscc,
            reference=reference,
            channel=channel,
            category=category,
            summary=summary.strip(),
            complainant_sealed=complainant_sealed,
            occurred_on=occurred_on,
            actor=actor,
            source=source,
            **deadlines,
        )

    @event("Received")
    def __init__(
        self,
        *,
        uscc: str,
        reference: str | None,
        channel: str,
        category: str,
        summary: str,
        complainant_sealed: str | None,
        ack_due_on: date,
        ack_due_basis: str,
        ack_due_note: str,
        conclude_due_on: date,
        conclude_due_basis: str,
        conclude_due_note: str,
        policy_version: str,
        occurred_on: date,
        actor: Actor,
        source: str,
    ) -> None:
        self.uscc = uscc
        self.reference = reference
        self.channel = channel
        self.category = category
        self.complainant_sealed = complainant_sealed
        self.received_on = occurred_on
        self.ack_due_on = ack_due_on
        self.conclude_due_on = conclude_due_on
        self.ack_due_basis = ack_due_basis
        self.conclude_due_basis = conclude_due_basis
        self.status = "received"
        self.last_step_on = occurred_on
        self.acknowledged_on: date | None = None
        self.concluded_on: date | None = None
        self.outcome: str | None = None
        self.ack_overdue_marked = False
        self.conclusion_overdue_marked = False

    # -- guards -----------------------------------------------------------------------------
    def check_status(self, action: str, *allowed: str, why: str = "") -> None:
        if self.status not in allowed:
            raise IllegalComplaintTransition(action, self.status, why)

    def _why_not_in_progress(self) -> str:
        return "acknowledge it first" if self.status == "received" else "it is no longer in progress"

    def check_not_before_last_step(self, occurred_on: date) -> None:
        """History stays in order: no step is dated before the one it follows (imports included)."""
        if occurred_on < self.last_step_on:
            raise InvalidValue(
                "occurred_on",
                f"{occurred_on.isoformat()} is before the complaint's previous step "
                f"({self.last_step_on.isoformat()})",
            )

    # -- commands ---------------------------------------------------------------------------
    def acknowledge(self, *, note: str, occurred_on: date, actor: Actor, source: str) -> None:
        self.check_status("acknowledge", "received", why="it was already acknowledged")
        self.check_not_before_last_step(occurred_on)
        self._acknowledged(
            uscc=self.uscc,
            note=note,
            on_time=occurred_on <= self.ack_due_on,
            occurred_on=occurred_on,
            actor=actor,
            source=source,
        )

    @event("Acknowledged")
    def _acknowledged(
        self, uscc: str, note: str, on_time: bool, occurred_on: date, actor: Actor, source: str
    ) -> None:
        self.status = "acknowledged"
        self.acknowledged_on = self.last_step_on = occurred_on

    def assign(
        self, *, agency: str, officer: str, note: str, occurred_on: date, actor: Actor, source: str
    ) -> None:
        """Hand the complaint to an agency/officer; re-assignment is allowed until it is concluded."""
        self.check_status("assign", "acknowledged", "assigned", why=self._why_not_in_progress())
        self.check_not_before_last_step(occurred_on)
        if not agency.strip():
            raise InvalidValue("agency", "must not be blank")
        self._assigned(
            uscc=self.uscc,
            agency=agency.strip(),
            officer=officer.strip(),
            note=note,
            occurred_on=occurred_on,
            actor=actor,
            source=source,
        )

    @event("Assigned")
    def _assigned(
        self, uscc: str, agency: str, officer: str, note: str, occurred_on: date, actor: Actor, source: str
    ) -> None:
        self.status = "assigned"
        self.last_step_on = occurred_on

    def conclude(
        self,
        *,
        outcome: str,
        measures: list[str],
        penalty_decision_no: str | None,
        findings: str,
        occurred_on: date,
        actor: Actor,
        source: str,
    ) -> None:
        self.check_status("conclude", "acknowledged", "assigned", why=self._why_not_in_progress())
        self.check_not_before_last_step(occurred_on)
        if outcome not in OUTCOMES:
            raise InvalidValue("outcome", f"must be one of {', '.join(OUTCOMES)}")
        cleaned = [m.strip() for m in measures if m.strip()]
        if outcome != "unsubstantiated" and not cleaned:
            raise InvalidValue("measures", "a (partly) substantiated complaint needs the measures taken")
        if penalty_decision_no is not None and outcome == "unsubstantiated":
            raise InvalidValue("penalty_decision_no", "an unsubstantiated complaint has no penalty decision")
        self._concluded(
            uscc=self.uscc,
            category=self.category,
            outcome=outcome,
            measures=cleaned,
            penalty_decision_no=penalty_decision_no,
            findings=findings,
            on_time=occurred_on <= self.conclude_due_on,
            occurred_on=occurred_on,
            actor=actor,
            source=source,
        )

    @event("Concluded")
    def _concluded(
        self,
        uscc: str,
        category: str,
        outcome: str,
        measures: list[str],
        penalty_decision_no: str | None,
        findings: str,
        on_time: bool,
        occurred_on: date,
        actor: Actor,
        source: str,
    ) -> None:
        self.status = "concluded"
        self.outcome = outcome
        self.concluded_on = self.last_step_on = occurred_on

    def close(self, *, note: str, occurred_on: date, actor: Actor, source: str) -> None:
        self.check_status("close", "concluded", why="only a concluded complaint can be closed")
        self.check_not_before_last_step(occurred_on)
        self._closed(uscc=self.uscc, note=note, occurred_on=occurred_on, actor=actor, source=source)

    @event("Closed")
    def _closed(self, uscc: str, note: str, occurred_on: date, actor: Actor, source: str) -> None:
        self.status = "closed"
        self.last_step_on = occurred_on

    # -- deadlines (the clock passes `today`; exactly once each) ----------------------------
    def mark_acknowledgement_overdue(self, *, today: date, actor: Actor, source: str) -> None:
        if self.ack_overdue_marked:
            raise Conflict("acknowledgement of this complaint is already marked overdue")
        if self.acknowledged_on is not None:
            raise Conflict("complaint was already acknowledged")
        if today <= self.ack_due_on:
            raise Conflict(f"acknowledgement is due by {self.ack_due_on.isoformat()}; not overdue yet")
        self._acknowledgement_overdue(
            uscc=self.uscc,
            due_on=self.ack_due_on,
            detected_on=today,
            occurred_on=self.ack_due_on + timedelta(days=1),
            actor=actor,
            source=source,
        )

    @event("AcknowledgementOverdue")
    def _acknowledgement_overdue(
        self, uscc: str, due_on: date, detected_on: date, occurred_on: date, actor: Actor, source: str
    ) -> None:
        self.ack_overdue_marked = True

    def mark_conclusion_overdue(self, *, today: date, actor: Actor, source: str) -> None:
        if self.conclusion_overdue_marked:
            raise Conflict("conclusion of this complaint is already marked overdue")
        if self.concluded_on is not None:
            raise Conflict("complaint was already concluded")
        if today <= self.conclude_due_on:
            raise Conflict(f"conclusion is due by {self.conclude_due_on.isoformat()}; not overdue yet")
        self._conclusion_overdue(
            uscc=self.uscc,
            due_on=self.conclude_due_on,
            detected_on=today,
            occurred_on=self.conclude_due_on + timedelta(days=1),
            actor=actor,
            source=source,
        )

    @event("ConclusionOverdue")
    def _conclusion_overdue(
        self, uscc: str, due_on: date, detected_on: date, occurred_on: date, actor: Actor, source: str
    ) -> None:
        self.conclusion_overdue_marked = True

    # -- deadline revision (a year's official schedule replaced the provisional calendar) -----
    def open_deadlines(self) -> dict[str, tuple[date, str]]:
        """Deadlines still waiting for their act: name → (due_on, basis)."""
        out: dict[str, tuple[date, str]] = {}
        if self.acknowledged_on is None:
            out["acknowledge"] = (self.ack_due_on, getattr(self, "ack_due_basis", "provisional"))
        if self.concluded_on is None:
            out["conclude"] = (self.conclude_due_on, getattr(self, "conclude_due_basis", "provisional"))
        return out

    def revise_deadline(self, *, deadline: str, due_on: date, basis: str, note: str, occurred_on: date,
                        actor: Actor, source: str) -> bool:
        """Record a recomputed due date of an open deadline; withdraw an overdue marking made on the
        old date (the clock marks again if the new date has passed too). False when nothing changed."""
        if deadline not in self.open_deadlines():
            raise Conflict(f"the {deadline} deadline of this complaint is no longer open")
        old_due, old_basis = self.open_deadlines()[deadline]
        if old_due == due_on and is_provisional(old_basis) == is_provisional(basis):
            return False  # same date on the same kind of basis: nothing to revise
        if due_on <= self.received_on:
            raise InvalidValue("due_on", "a deadline must follow the day of receipt")
        self._deadline_revised(uscc=self.uscc, deadline=deadline, old_due_on=old_due, due_on=due_on,
                               old_basis=old_basis, basis=basis, note=note, occurred_on=occurred_on,
                               actor=actor, source=source)
        marked = self.ack_overdue_marked if deadline == "acknowledge" else self.conclusion_overdue_marked
        if marked and due_on != old_due:
            self._overdue_withdrawn(
                uscc=self.uscc, deadline=deadline, due_on=old_due,
                reason=f"the due date was revised from {old_due.isoformat()} to {due_on.isoformat()} "
                       f"({basis}: {note})",
                occurred_on=occurred_on, actor=actor, source=source)
        return True

    @event("DeadlineRevised")
    def _deadline_revised(self, uscc: str, deadline: str, old_due_on: date, due_on: date, old_basis: str,
                          basis: str, note: str, occurred_on: date, actor: Actor, source: str) -> None:
        if deadline == "acknowledge":
            self.ack_due_on, self.ack_due_basis = due_on, basis
        else:
            self.conclude_due_on, self.conclude_due_basis = due_on, basis

    @event("OverdueWithdrawn")
    def _overdue_withdrawn(self, uscc: str, deadline: str, due_on: date, reason: str, occurred_on: date,
                           actor: Actor, source: str) -> None:
        """The marking stays in the history; this event says it no longer holds."""
        if deadline == "acknowledge":
            self.ack_overdue_marked = False
        else:
            self.conclusion_overdue_marked = False

    # -- identity -----------------------------------------------------------------------------
    def reveal_identity(self, *, reason: str, occurred_on: date, actor: Actor, source: str) -> str:
        """Record who read the complainant's identity and why; returns the sealed value to open."""
        if self.complainant_sealed is None:
            raise Conflict("anonymous complaint: no complainant identity was recorded",
                           {"complaint_id": ["anonymous"]})
        if not reason.strip():
            raise InvalidValue("reason", "must say why the identity is needed")
        self._identity_revealed(
            uscc=self.uscc, reason=reason.strip(), occurred_on=occurred_on, actor=actor, source=source
        )
        return self.complainant_sealed

    @event("IdentityRevealed")
    def _identity_revealed(
        self, uscc: str, reason: str, occurred_on: date, actor: Actor, source: str
    ) -> None:
        """Nothing changes: the event is the audit record of who read the identity and why."""
