"""Interview commands (约谈): summon, held / not attended, commitments fulfilled or overdue (clock)."""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import UUID

from supervision.application import Accepted, Context
from supervision.domain.interview import Interview, InterviewNotFound
from supervision.domain.uscc import validate_uscc
from supervision.domain.values import not_after
from supervision.duties_base import DutiesBase


class InterviewCommands(DutiesBase):
    def get_interview(self, interview_id: UUID | str, uscc: str | None = None) -> Interview:
        try:
            iid = interview_id if isinstance(interview_id, UUID) else UUID(str(interview_id))
        except ValueError:
            raise InterviewNotFound(str(interview_id)) from None
        interview = self._get(iid, Interview, lambda: InterviewNotFound(str(iid)))
        if uscc is not None and interview.uscc != validate_uscc(uscc):
            raise InterviewNotFound(str(iid))
        return interview

    def _interview_saved(self, interview: Interview, **data: Any) -> Accepted:
        nid = self._save(interview, what=f"interview {interview.id}")
        return self.accepted(
            interview,
            nid,
            interview_id=str(interview.id),
            uscc=interview.uscc,
            status=interview.status,
            **data,
        )

    def summon_interview(
        self,
        ctx: Context,
        *,
        uscc: str,
        reason: str,
        scheduled_on: date,
        summoned_roles: list[str],
        place: str = "",
        notice_no: str = "",
        occurred_on: date | None = None,
    ) -> Accepted:
        """约谈通知: summon the facility's head for a supervisory interview on `scheduled_on`."""
        when = self.check_occurred_on(occurred_on)
        facility = self.duty_facility(uscc, when, what="a summons")
        interview = Interview.summon(
            uscc=facility.uscc,
            reason=reason,
            scheduled_on=scheduled_on,
            place=place,
            summoned_roles=summoned_roles,
            notice_no=notice_no,
            occurred_on=when,
            actor=ctx.actor,
            source=ctx.source,
        )
        return self._interview_saved(interview, scheduled_on=scheduled_on)

    def hold_interview(
        self,
        ctx: Context,
        *,
        uscc: str,
        interview_id: UUID,
        attendees: list[dict[str, Any]],
        minutes: str,
        commitments: list[dict[str, Any]] | None = None,
        occurred_on: date | None = None,
    ) -> Accepted:
        """The interview took place: attendees sealed, commitments numbered 1..n with their deadlines."""
        when = self.check_occurred_on(occurred_on)
        interview = self.get_interview(interview_id, uscc)
        interview.hold(
            attendee_count=len(attendees),
            attendees_sealed=self.sealer.seal_optional({"attendees": attendees} if attendees else None),
            minutes=minutes,
            commitments=list(commitments or []),
            occurred_on=when,
            actor=ctx.actor,
            source=ctx.source,
        )
        return self._interview_saved(interview)

    def record_interview_not_attended(
        self, ctx: Context, *, uscc: str, interview_id: UUID, note: str = "", occurred_on: date | None = None
    ) -> Accepted:
        when = self.check_occurred_on(occurred_on)
        interview = self.get_interview(interview_id, uscc)
        interview.record_not_attended(note=note, occurred_on=when, actor=ctx.actor, source=ctx.source)
        return self._interview_saved(interview)

    def fulfil_interview_commitment(
        self,
        ctx: Context,
        *,
        uscc: str,
        interview_id: UUID,
        commitment_no: int,
        evidence: str,
        occurred_on: date | None = None,
    ) -> Accepted:
        when = self.check_occurred_on(occurred_on)
        interview = self.get_interview(interview_id, uscc)
        interview.fulfil_commitment(
            no=commitment_no, evidence=evidence, occurred_on=when, actor=ctx.actor, source=ctx.source
        )
        return self._interview_saved(interview, commitment_no=commitment_no)

    def mark_interview_commitment_overdue(
        self, ctx: Context, *, uscc: str, interview_id: UUID, commitment_no: int, today: date
    ) -> Accepted:
        interview = self.get_interview(interview_id, uscc)
        interview.mark_commitment_overdue(
            no=commitment_no,
            today=not_after(today, self.today(), "today"),
            actor=ctx.actor,
            source=ctx.source,
        )
        return self._interview_saved(interview, commitment_no=commitment_no)
