"""The Interview aggregate: a supervisory interview (约谈) of a facility's head and its follow-up.

Lifecycle: summoned (reason, date, place, who must attend) → held (attendees, minutes, commitments
each with a deadline) or not attended → each commitment fulfilled, or overdue (the clock, exactly
once per commitment). Attendees' names are personal data and enter sealed (`attendees_sealed`);
the minutes are free text for regulators only. Interviews have no public shape.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from eventsourcing.domain import Aggregate, event

from supervision.domain.errors import Conflict, InvalidValue, NotFound
from supervision.domain.values import Actor

#: who a summons may name (the persons themselves are in the facility's profile)
SUMMONED_ROLES = ("legal_representative", "person_in_charge", "operator_head", "safety_officer")
STATUSES = ("summoned", "held", "not_attended")


class InterviewNotFound(NotFound):
    def __init__(self, interview: str) -> None:
        super().__init__(f"interview {interview} is not recorded", {"interview_id": ["not recorded"]})


class IllegalInterviewStep(Conflict):
    def __init__(self, action: str, status: str) -> None:
        super().__init__(f"cannot {action} an interview that is {status}", {"status": [status]})


class Interview(Aggregate):
    """One 约谈 of one facility."""

    @classmethod
    def summon(
        cls,
        *,
        uscc: str,
        reason: str,
        scheduled_on: date,
        place: str,
        summoned_roles: list[str],
        notice_no: str,
        occurred_on: date,
        actor: Actor,
        source: str,
    ) -> Interview:
        if not reason.strip():
            raise InvalidValue("reason", "must say why the facility is summoned")
        if scheduled_on < occurred_on:
            raise InvalidValue("scheduled_on", "an interview is scheduled on or after the summons")
        roles = list(dict.fromkeys(summoned_roles))
        if not roles:
            raise InvalidValue("summoned_roles", "name at least one person to attend")
        for role in roles:
            if role not in SUMMONED_ROLES:
                raise InvalidValue("summoned_roles", f"must be among {', '.join(SUMMONED_ROLES)}")
        return cls(
            uscc=uscc,
            reason=reason.strip(),
            scheduled_on=scheduled_on,
            place=place.strip(),
            summoned_roles=roles,
            notice_no=notice_no.strip(),
            occurred_on=occurred_on,
            actor=actor,
            source=source,
        )

    @event("Summoned")
    def __init__(
        self,
        *,
        uscc: str,
        reason: str,
        scheduled_on: date,
        place: str,
        summoned_roles: list[str],
        notice_no: str,
        occurred_on: date,
        actor: Actor,
        source: str,
    ) -> None:
        self.uscc = uscc
        self.summoned_on = occurred_on
        self.scheduled_on = scheduled_on
        self.status = "summoned"
        self.held_on: date | None = None
        #: commitment number → {"item", "due_on", "fulfilled_on", "overdue_marked"}
        self.commitments: dict[int, dict[str, Any]] = {}

    def check_summoned(self, action: str) -> None:
        if self.status != "summoned":
            raise IllegalInterviewStep(action, self.status)

    def check_on_or_after_schedule(self, occurred_on: date) -> None:
        if occurred_on < self.scheduled_on:
            raise InvalidValue(
                "occurred_on", f"the interview is scheduled for {self.scheduled_on.isoformat()}"
            )

    def hold(
        self,
        *,
        attendee_count: int,
        attendees_sealed: str | None,
        minutes: str,
        commitments: list[dict[str, Any]],
        occurred_on: date,
        actor: Actor,
        source: str,
    ) -> None:
        """Record the interview as held, with the facility's commitments (item + due date each)."""
        self.check_summoned("hold")
        self.check_on_or_after_schedule(occurred_on)
        if attendee_count < 1:
            raise InvalidValue("attendee_count", "an interview held has at least one attendee")
        if not minutes.strip():
            raise InvalidValue("minutes", "must record what was said")
        numbered: list[dict[str, Any]] = []
        for i, c in enumerate(commitments, start=1):
            item, due_on = str(c.get("item", "")).strip(), c.get("due_on")
            if not item:
                raise InvalidValue(f"commitments[{i - 1}].item", "must not be blank")
            if not isinstance(due_on, date) or due_on <= occurred_on:
                raise InvalidValue(f"commitments[{i - 1}].due_on", "a commitment is due after the interview")
            numbered.append({"no": i, "item": item, "due_on": due_on})
        self._held(
            uscc=self.uscc,
            attendee_count=attendee_count,
            attendees_sealed=attendees_sealed,
            minutes=minutes.strip(),
            commitments=numbered,
            occurred_on=occurred_on,
            actor=actor,
            source=source,
        )

    @event("Held")
    def _held(
        self,
        uscc: str,
        attendee_count: int,
        attendees_sealed: str | None,
        minutes: str,
        commitments: list[dict[str, Any]],
        occurred_on: date,
        actor: Actor,
        source: str,
    ) -> None:
        self.status = "held"
        self.held_on = occurred_on
        for c in commitments:
            self.commitments[c["no"]] = {
                "item": c["item"],
                "due_on": c["due_on"],
                "fulfilled_on": None,
                "overdue_marked": False,
            }

    def record_not_attended(self, *, note: str, occurred_on: date, actor: Actor, source: str) -> None:
        self.check_summoned("record non-attendance of")
        self.check_on_or_after_schedule(occurred_on)
        self._not_attended(
            uscc=self.uscc,
            scheduled_on=self.scheduled_on,
            note=note.strip(),
            occurred_on=occurred_on,
            actor=actor,
            source=source,
        )

    @event("NotAttended")
    def _not_attended(
        self, uscc: str, scheduled_on: date, note: str, occurred_on: date, actor: Actor, source: str
    ) -> None:
        self.status = "not_attended"

    def _commitment(self, no: int) -> dict[str, Any]:
        if self.status != "held":
            raise IllegalInterviewStep("follow up the commitments of", self.status)
        if no not in self.commitments:
            raise NotFound(f"commitment {no} is not recorded", {"commitment_no": ["no such commitment"]})
        return self.commitments[no]

    def fulfil_commitment(
        self, *, no: int, evidence: str, occurred_on: date, actor: Actor, source: str
    ) -> None:
        c = self._commitment(no)
        if c["fulfilled_on"] is not None:
            raise Conflict(
                f"commitment {no} was fulfilled on {c['fulfilled_on']}",
                {"commitment_no": ["already fulfilled"]},
            )
        if occurred_on < self.held_on:  # type: ignore[operator]
            raise InvalidValue("occurred_on", "a commitment is fulfilled after the interview")
        if not evidence.strip():
            raise InvalidValue("evidence", "say how the fulfilment was verified")
        self._commitment_fulfilled(
            uscc=self.uscc,
            no=no,
            due_on=c["due_on"],
            on_time=occurred_on <= c["due_on"],
            evidence=evidence.strip(),
            occurred_on=occurred_on,
            actor=actor,
            source=source,
        )

    @event("CommitmentFulfilled")
    def _commitment_fulfilled(
        self,
        uscc: str,
        no: int,
        due_on: date,
        on_time: bool,
        evidence: str,
        occurred_on: date,
        actor: Actor,
        source: str,
    ) -> None:
        self.commitments[no]["fulfilled_on"] = occurred_on

    def mark_commitment_overdue(self, *, no: int, today: date, actor: Actor, source: str) -> None:
        """The clock: a commitment's deadline passed unfulfilled. Exactly once per commitment."""
        c = self._commitment(no)
        if c["overdue_marked"]:
            raise Conflict(f"commitment {no} is already marked overdue")
        if c["fulfilled_on"] is not None:
            raise Conflict(f"commitment {no} was fulfilled on {c['fulfilled_on']}")
        if today <= c["due_on"]:
            raise Conflict(f"commitment {no} is due by {c['due_on']}; not overdue yet")
        self._commitment_overdue(
            uscc=self.uscc,
            no=no,
            due_on=c["due_on"],
            detected_on=today,
            occurred_on=c["due_on"] + timedelta(days=1),
            actor=actor,
            source=source,
        )

    @event("CommitmentOverdue")
    def _commitment_overdue(
        self,
        uscc: str,
        no: int,
        due_on: date,
        detected_on: date,
        occurred_on: date,
        actor: Actor,
        source: str,
    ) -> None:
        self.commitments[no]["overdue_marked"] = True
