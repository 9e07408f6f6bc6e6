"""Complaint commands: intake, acknowledgement, assignment, conclusion, closure, deadlines, audited reveal."""

from __future__ import annotations

import hashlib
import json
from datetime import date
from typing import Any
from uuid import UUID

from supervision.application import Accepted, Context, SupervisionBase
from supervision.domain.complaint import (
    Complaint,
    ComplaintAlreadyRegistered,
    ComplaintNotFound,
)
from supervision.domain.complaint import complaint_id as ticket_id
from supervision.domain.errors import FacilityNotFound
from supervision.domain.facility import Facility, facility_id
from supervision.domain.uscc import validate_uscc
from supervision.domain.values import deterministic_id, not_after
from supervision.idempotency import fresh_id, keyed, repeated
from supervision.policy.complaints import COMPLAINT_DEADLINES_DEFAULT, ComplaintDeadlinePolicy


class ComplaintCommands(SupervisionBase):
    complaint_policy: ComplaintDeadlinePolicy = COMPLAINT_DEADLINES_DEFAULT

    def get_complaint(self, complaint: UUID | str) -> Complaint:
        try:
            cid = complaint if isinstance(complaint, UUID) else UUID(str(complaint))
        except ValueError:
            raise ComplaintNotFound(str(complaint)) from None
        return self._get(cid, Complaint, lambda: ComplaintNotFound(str(cid)))

    def complaint_deadlines(self, received_on: date) -> dict[str, Any]:
        """Both due dates from policy on the official calendar, with basis and note, as stored."""
        ack = self.complaint_policy.acknowledge_by(self.calendar, received_on)
        conclude = self.complaint_policy.conclude_by(self.calendar, received_on)
        return {
            "ack_due_on": ack.due_on,
            "ack_due_basis": ack.basis,
            "ack_due_note": ack.note,
            "conclude_due_on": conclude.due_on,
            "conclude_due_basis": conclude.basis,
            "conclude_due_note": conclude.note,
            "policy_version": self.complaint_policy.version,
        }

    def register_complaint(
        self,
        ctx: Context,
        *,
        uscc: str,
        channel: str,
        category: str,
        summary: str,
        reference: str | None = None,
        complainant: dict[str, Any] | None = None,
        occurred_on: date | None = None,
    ) -> Accepted:
        when = self.check_occurred_on(occurred_on)
        code = validate_uscc(uscc)
        facility = self._get(facility_id(code), Facility, lambda: FacilityNotFound(code))
        facility.check_not_before_start(when, "a complaint's receipt")
        # A ticket number makes redelivery (hotline consumer, re-run import) a version conflict.
        # An imported record without one is keyed by its content, so re-running an import file
        # cannot duplicate it; live intake without a ticket gets a fresh id.
        if reference:
            new_id = ticket_id(channel, reference)
        elif ctx.source == "import":
            content = json.dumps([code, channel, category, summary, when.isoformat()], ensure_ascii=False)
            new_id = deterministic_id("complaint-import", hashlib.sha256(content.encode()).hexdigest())
        else:
            new_id = fresh_id("complaint")  # random, or from the request's idempotency key
        complaint = Complaint.receive(
            id=new_id,
            uscc=code,
            reference=reference,
            channel=channel,
            category=category,
            summary=summary,
            complainant_sealed=self.sealer.seal_optional(complainant),
            deadlines=self.complaint_deadlines(when),
            occurred_on=when,
            actor=ctx.actor,
            source=ctx.source,
        )
        nid = self._save(
            complaint,
            conflict=lambda: (repeated("complaint", new_id) if keyed() and not reference
                              else ComplaintAlreadyRegistered(channel, reference or str(new_id))),
        )
        return self.accepted(
            complaint,
            nid,
            complaint_id=str(complaint.id),
            uscc=code,
            reference=reference,
            ack_due_on=complaint.ack_due_on,
            conclude_due_on=complaint.conclude_due_on,
        )

    def _step(self, complaint: Complaint) -> Accepted:
        nid = self._save(complaint, what=f"complaint {complaint.id}")
        return self.accepted(complaint, nid, complaint_id=str(complaint.id), uscc=complaint.uscc,
                             status=complaint.status)

    def acknowledge_complaint(
        self, ctx: Context, *, complaint_id: UUID, note: str = "", occurred_on: date | None = None
    ) -> Accepted:
        when = self.check_occurred_on(occurred_on)
        complaint = self.get_complaint(complaint_id)
        complaint.acknowledge(note=note, occurred_on=when, actor=ctx.actor, source=ctx.source)
        return self._step(complaint)

    def assign_complaint(
        self,
        ctx: Context,
        *,
        complaint_id: UUID,
        agency: str,
        officer: str = "",
        note: str = "",
        occurred_on: date | None = None,
    ) -> Accepted:
        when = self.check_occurred_on(occurred_on)
        complaint = self.get_complaint(complaint_id)
        complaint.assign(agency=agency, officer=officer, note=note, occurred_on=when, actor=ctx.actor,
                         source=ctx.source)
        return self._step(complaint)

    def conclude_complaint(
        self,
        ctx: Context,
        *,
        complaint_id: UUID,
        outcome: str,
        measures: list[str] | None = None,
        penalty_decision_no: str | None = None,
        findings: str = "",
        occurred_on: date | None = None,
    ) -> Accepted:
        when = self.check_occurred_on(occurred_on)
        complaint = self.get_complaint(complaint_id)
        complaint.conclude(
            outcome=outcome,
            measures=list(measures or []),
            penalty_decision_no=penalty_decision_no,
            findings=findings,
            occurred_on=when,
            actor=ctx.actor,
            source=ctx.source,
        )
        return self._step(complaint)

    def close_complaint(
        self, ctx: Context, *, complaint_id: UUID, note: str = "", occurred_on: date | None = None
    ) -> Accepted:
        when = self.check_occurred_on(occurred_on)
        complaint = self.get_complaint(complaint_id)
        complaint.close(note=note, occurred_on=when, actor=ctx.actor, source=ctx.source)
        return self._step(complaint)

    def mark_complaint_acknowledgement_overdue(
        self, ctx: Context, *, complaint_id: UUID, today: date
    ) -> Accepted:
        complaint = self.get_complaint(complaint_id)
        complaint.mark_acknowledgement_overdue(
            today=not_after(today, self.today(), "today"), actor=ctx.actor, source=ctx.source
        )
        return self._step(complaint)

    def mark_complaint_conclusion_overdue(self, ctx: Context, *, complaint_id: UUID, today: date) -> Accepted:
        complaint = self.get_complaint(complaint_id)
        complaint.mark_conclusion_overdue(
            today=not_after(today, self.today(), "today"), actor=ctx.actor, source=ctx.source
        )
        return self._step(complaint)

    def reveal_complainant_identity(self, ctx: Context, *, complaint_id: UUID, reason: str) -> Accepted:
        """The audit event is saved first: no identity leaves unless its reading is on the record."""
        complaint = self.get_complaint(complaint_id)
        sealed = complaint.reveal_identity(
            reason=reason, occurred_on=self.today(), actor=ctx.actor, source=ctx.source
        )
        nid = self._save(complaint, what=f"complaint {complaint.id}")
        return self.accepted(complaint, nid, complaint_id=str(complaint.id), uscc=complaint.uscc,
                             complainant=self.sealer.unseal(sealed))
