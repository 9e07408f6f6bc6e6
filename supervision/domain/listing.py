"""Credit listings (失信联合惩戒对象名单 / 重点关注对象名单) and each facility's credit record.

`Listing` follows the procedure of 民发〔2019〕103号 step by step, every step an event:
proposed → notice served → (objection filed → objection decided) → listed | dropped → removed (expiry,
credit repair, revocation of the underlying decision). Nothing is deleted.

`CreditRecord` (one per facility, keyed by USCC) lists the facility's listings so that commands which
must know what is in force — grading refuses a jointly-punished facility, a revoked decision removes
its listings — can load them without reading a view.
"""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from supervision.domain.errors import Conflict, InvalidValue, NotFound
from supervision.domain.values import Actor, deterministic_id
from supervision.policy.calendar import is_provisional

PROPOSED = "proposed"
NOTICE_SERVED = "notice_served"
OBJECTION_FILED = "objection_filed"
LISTED = "listed"
DROPPED = "dropped"
REMOVED = "removed"
PENDING = (PROPOSED, NOTICE_SERVED, OBJECTION_FILED)

# why a listing ends
OBJECTION_UPHELD = "objection_upheld"
DECISION_REVOKED = "decision_revoked"  # the underlying penalty decision was revoked
ANNULLED = "annulled"  # the listing decision itself set aside (复议、诉讼)
WITHDRAWN = "withdrawn"  # a proposal withdrawn before listing
EXPIRED = "expired"
CREDIT_REPAIRED = "credit_repaired"

_EVENT_REF = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}:[1-9]\d*$")


def event_ref(aggregate_id: UUID | str, version: int) -> str:
    """How an event is cited as evidence: `<aggregate id>:<version>`, stable across rebuilds."""
    return f"{aggregate_id}:{version}"


def parse_event_ref(ref: str) -> tuple[UUID, int]:
    if not isinstance(ref, str) or not _EVENT_REF.match(ref):
        raise InvalidValue("evidence", f"{ref!r} is not an event reference '<aggregate id>:<version>'")
    aggregate_id, _, version = ref.partition(":")
    return UUID(aggregate_id), int(version)


def listing_id(key: str) -> UUID:
    """Deterministic from the rule and its evidence, so proposing the same thing twice is a 409."""
    return deterministic_id("listing", key)


def credit_record_id(uscc: str) -> UUID:
    return deterministic_id("credit_record", uscc)


class ListingNotFound(NotFound):
    def __init__(self, listing: str) -> None:
        super().__init__(f"listing {listing} does not exist", {"listing_id": ["unknown listing"]})


class ListingAlreadyProposed(Conflict):
    def __init__(self, listing: UUID) -> None:
        super().__init__(f"this conduct is already proposed for listing as {listing}",
                         {"listing_id": [str(listing)]})
        self.listing_id = listing


class ListingStepRefused(Conflict):
    """The step does not follow from the listing's current status."""

    def __init__(self, step: str, status: str, expected: tuple[str, ...]) -> None:
        super().__init__(
            f"cannot {step}: the listing is {status} (needs {' or '.join(expected)})",
            {"status": [f"is {status}"]},
        )


class ObjectionWindowClosed(Conflict):
    def __init__(self, due_on: date) -> None:
        super().__init__(f"the objection window closed on {due_on.isoformat()}",
                         {"occurred_on": [f"after the objection deadline {due_on.isoformat()}"]})


class ObjectionWindowOpen(Conflict):
    def __init__(self, due_on: date) -> None:
        super().__init__(f"the objection window runs until {due_on.isoformat()}; list after it",
                         {"occurred_on": [f"objection window open until {due_on.isoformat()}"]})


class CreditRepairTooEarly(Conflict):
    def __init__(self, earliest: date) -> None:
        super().__init__(
            f"credit repair may be applied for only after 2 full years, from {earliest.isoformat()}",
            {"occurred_on": [f"earliest {earliest.isoformat()}"]},
        )


class ListingNotExpired(Conflict):
    def __init__(self, expires_on: date) -> None:
        super().__init__(f"the listing is in force through {expires_on.isoformat()}",
                         {"today": [f"not after {expires_on.isoformat()}"]})


class JointlyPunishedCannotBeGraded(Conflict):
    def __init__(self, uscc: str, listing: UUID) -> None:
        super().__init__(
            f"facility {uscc} is on the joint-punishment list (listing {listing}) and cannot be graded",
            {"uscc": ["on the joint-punishment list"]},
        )


class Listing(Aggregate):
    """One proposal to list one facility under one criterion, followed to its end."""

    @staticmethod
    def create_id(key: str, **_: Any) -> UUID:
        return listing_id(key)

    @classmethod
    def propose(
        cls,
        *,
        key: str,
        uscc: str,
        criterion: str,
        criterion_title: str,
        legal_basis: str,
        list_kind: str,
        evidence: list[str],
        penalty_decision_no: str | None,
        responsible_persons: dict[str, str],
        authority: str,
        reason: str,
        procedure_version: str,
        occurred_on: date,
        actor: Actor,
        source: str,
    ) -> Listing:
        for ref in evidence:
            parse_event_ref(ref)
        return cls(
            key=key, uscc=uscc, criterion=criterion, criterion_title=criterion_title,
            legal_basis=legal_basis, list_kind=list_kind, evidence=list(evidence),
            penalty_decision_no=penalty_decision_no, responsible_persons=dict(responsible_persons),
            authority=authority, reason=reason, procedure_version=procedure_version,
            occurred_on=occurred_on, actor=actor, source=source,
        )

    @event("Proposed")
    def __init__(
        self,
        *,
        key: str,
        uscc: str,
        criterion: str,
        criterion_title: str,
        legal_basis: str,
        list_kind: str,
        evidence: list[str],
        penalty_decision_no: str | None,
        responsible_persons: dict[str, str],
        authority: str,
        reason: str,
        procedure_version: str,
        occurred_on: date,
        actor: Actor,
        source: str,
    ) -> None:
        self.key = key
        self.uscc = uscc
        self.criterion = criterion
        self.list_kind = list_kind
        self.penalty_decision_no = penalty_decision_no
        self.authority = authority
        self.proposed_on = occurred_on
        self.status = PROPOSED
        self.last_step_on = occurred_on
        self.served_on: date | None = None
        self.objection_due_on: date | None = None
        self.objection_filed_on: date | None = None
        self.effective_on: date | None = None
        self.expires_on: date | None = None
        self.ended_on: date | None = None
        self.objection_upheld: bool | None = None
        self.end_reason: str | None = None

    # -- queries ---------------------------------------------------------------------------
    def in_force_on(self, day: date) -> bool:
        """Listed and not yet ended on `day` (expiry counts even before the clock marks it)."""
        if self.effective_on is None or day < self.effective_on:
            return False
        if self.ended_on is not None:
            return day < self.ended_on
        return self.expires_on is None or day <= self.expires_on

    # -- guards ----------------------------------------------------------------------------
    def _check_status(self, step: str, *expected: str) -> None:
        if self.status not in expected:
            raise ListingStepRefused(step, self.status, expected)

    def _check_order(self, occurred_on: date) -> None:
        if occurred_on < self.last_step_on:
            raise InvalidValue("occurred_on",
                               f"cannot precede the previous step ({self.last_step_on.isoformat()})")

    # -- steps -----------------------------------------------------------------------------
    def serve_notice(self, *, notice_no: str, objection_due_on: date, due_basis: str, due_note: str,
                     occurred_on: date, actor: Actor, source: str) -> None:
        """书面告知: the facility learns of the proposal and may object until `objection_due_on`."""
        self._check_status("serve notice", PROPOSED)
        self._check_order(occurred_on)
        self._notice_served(uscc=self.uscc, notice_no=notice_no, objection_due_on=objection_due_on,
                            due_basis=due_basis, due_note=due_note, occurred_on=occurred_on,
                            actor=actor, source=source)

    @event("NoticeServed")
    def _notice_served(self, uscc: str, notice_no: str, objection_due_on: date, due_basis: str,
                       due_note: str, occurred_on: date, actor: Actor, source: str) -> None:
        self.status = NOTICE_SERVED
        self.served_on = self.last_step_on = occurred_on
        self.objection_due_on = objection_due_on
        self.objection_due_basis = due_basis

    def open_deadlines(self) -> dict[str, tuple[date, str]]:
        """The objection window while it runs (notice served, no objection, not listed yet)."""
        if self.status != NOTICE_SERVED or self.objection_due_on is None:
            return {}
        return {"objection": (self.objection_due_on, getattr(self, "objection_due_basis", "provisional"))}

    def revise_deadline(self, *, deadline: str, due_on: date, basis: str, note: str, occurred_on: date,
                        actor: Actor, source: str) -> bool:
        """Record a recomputed end of the objection window (a year's official schedule replaced the
        provisional calendar). False when nothing changed."""
        if deadline not in self.open_deadlines():
            raise ListingStepRefused("revise the objection window", self.status, (NOTICE_SERVED,))
        old_due, old_basis = self.open_deadlines()[deadline]
        if old_due == due_on and is_provisional(old_basis) == is_provisional(basis):
            return False  # same date on the same kind of basis: nothing to revise
        assert self.served_on is not None
        if due_on <= self.served_on:
            raise InvalidValue("due_on", "the objection window ends after the notice was served")
        self._deadline_revised(uscc=self.uscc, deadline=deadline, old_due_on=old_due, due_on=due_on,
                               old_basis=old_basis, basis=basis, note=note, occurred_on=occurred_on,
                               actor=actor, source=source)
        return True

    @event("DeadlineRevised")
    def _deadline_revised(self, uscc: str, deadline: str, old_due_on: date, due_on: date, old_basis: str,
                          basis: str, note: str, occurred_on: date, actor: Actor, source: str) -> None:
        self.objection_due_on, self.objection_due_basis = due_on, basis

    def file_objection(self, *, summary: str, occurred_on: date, actor: Actor, source: str) -> None:
        self._check_status("file an objection", NOTICE_SERVED)
        self._check_order(occurred_on)
        assert self.objection_due_on is not None
        if occurred_on > self.objection_due_on:
            raise ObjectionWindowClosed(self.objection_due_on)
        if not summary.strip():
            raise InvalidValue("summary", "must not be blank")
        self._objection_filed(uscc=self.uscc, summary=summary, occurred_on=occurred_on, actor=actor,
                              source=source)

    @event("ObjectionFiled")
    def _objection_filed(self, uscc: str, summary: str, occurred_on: date, actor: Actor, source: str) -> None:
        self.status = OBJECTION_FILED
        self.objection_filed_on = self.last_step_on = occurred_on

    def decide_objection(self, *, upheld: bool, reasons: str, occurred_on: date, actor: Actor,
                         source: str) -> None:
        """异议复核: upheld drops the proposal; rejected leaves it to be listed (same command)."""
        self._check_status("decide the objection", OBJECTION_FILED)
        self._check_order(occurred_on)
        if not reasons.strip():
            raise InvalidValue("reasons", "must not be blank")
        self._objection_decided(uscc=self.uscc, upheld=upheld, reasons=reasons, occurred_on=occurred_on,
                                actor=actor, source=source)
        if upheld:
            self._dropped(uscc=self.uscc, reason=OBJECTION_UPHELD, basis=reasons, occurred_on=occurred_on,
                          actor=actor, source=source)

    @event("ObjectionDecided")
    def _objection_decided(self, uscc: str, upheld: bool, reasons: str, occurred_on: date, actor: Actor,
                           source: str) -> None:
        self.objection_upheld = upheld
        self.last_step_on = occurred_on

    def list_(self, *, effective_on: date, expires_on: date, term_years: int, measures: list[str],
              occurred_on: date, actor: Actor, source: str) -> None:
        """列入: after the objection window passed without objection, or the objection was rejected."""
        rejected = self.status == OBJECTION_FILED and self.objection_upheld is False
        if not rejected:
            self._check_status("list", NOTICE_SERVED)
            assert self.objection_due_on is not None
            if occurred_on <= self.objection_due_on or effective_on <= self.objection_due_on:
                raise ObjectionWindowOpen(self.objection_due_on)
        self._check_order(occurred_on)
        if effective_on < occurred_on:
            raise InvalidValue("effective_on", "a listing cannot take effect before it is decided")
        if expires_on <= effective_on:
            raise InvalidValue("expires_on", "must be after the effective date")
        if not measures:
            raise InvalidValue("measures", "a listing needs at least one measure")
        self._listed(uscc=self.uscc, list_kind=self.list_kind, criterion=self.criterion,
                     effective_on=effective_on, expires_on=expires_on, term_years=term_years,
                     measures=list(measures), occurred_on=occurred_on, actor=actor, source=source)

    @event("Listed")
    def _listed(self, uscc: str, list_kind: str, criterion: str, effective_on: date, expires_on: date,
                term_years: int, measures: list[str], occurred_on: date, actor: Actor, source: str) -> None:
        self.status = LISTED
        self.effective_on = effective_on
        self.expires_on = expires_on
        self.measures = list(measures)
        self.last_step_on = occurred_on

    def drop(self, *, reason: str, basis: str, occurred_on: date, actor: Actor, source: str) -> None:
        """End a proposal that was never listed (withdrawn, decision revoked)."""
        self._check_status("drop", *PENDING)
        self._check_order(occurred_on)
        self._dropped(uscc=self.uscc, reason=reason, basis=basis, occurred_on=occurred_on, actor=actor,
                      source=source)

    @event("Dropped")
    def _dropped(self, uscc: str, reason: str, basis: str, occurred_on: date, actor: Actor,
                 source: str) -> None:
        self.status = DROPPED
        self.last_step_on = occurred_on
        self.end_reason = reason

    def expire(self, *, today: date, actor: Actor, source: str) -> None:
        """移出 on expiry: exactly once, the day after the last day in force or later."""
        self._check_status("expire", LISTED)
        assert self.expires_on is not None
        if today <= self.expires_on:
            raise ListingNotExpired(self.expires_on)
        self._removed(uscc=self.uscc, reason=EXPIRED, basis="列入期限届满",
                      ended_on=self.expires_on + timedelta(days=1), occurred_on=today, actor=actor,
                      source=source)

    def repair(self, *, earliest_on: date, basis: str, occurred_on: date, actor: Actor,
               source: str) -> None:
        """信用修复: early removal on application, not before `earliest_on` (2 full years)."""
        self._check_status("repair credit", LISTED)
        if not self.in_force_on(occurred_on):
            raise ListingStepRefused("repair credit", "no longer in force", ("in force",))
        if occurred_on < earliest_on:
            raise CreditRepairTooEarly(earliest_on)
        self._removed(uscc=self.uscc, reason=CREDIT_REPAIRED, basis=basis, ended_on=occurred_on,
                      occurred_on=occurred_on, actor=actor, source=source)

    def remove(self, *, reason: str, basis: str, occurred_on: date, actor: Actor, source: str) -> None:
        """Immediate removal: the decision it rests on, or the listing decision itself, was set aside."""
        self._check_status("remove", LISTED)
        self._check_order(occurred_on)
        assert self.expires_on is not None
        if occurred_on > self.expires_on:
            raise ListingStepRefused("remove", "expired", ("in force",))
        self._removed(uscc=self.uscc, reason=reason, basis=basis, ended_on=occurred_on,
                      occurred_on=occurred_on, actor=actor, source=source)

    @event("Removed")
    def _removed(self, uscc: str, reason: str, basis: str, ended_on: date, occurred_on: date, actor: Actor,
                 source: str) -> None:
        self.status = REMOVED
        self.ended_on = ended_on
        self.end_reason = reason
        self.last_step_on = occurred_on


class CreditRecord(Aggregate):
    """A facility's listings by id, with the decision each rests on (write-side index)."""

    @staticmethod
    def create_id(uscc: str, **_: Any) -> UUID:
        return credit_record_id(uscc)

    @event("Opened")
    def __init__(self, *, uscc: str, occurred_on: date, actor: Actor, source: str) -> None:
        self.uscc = uscc
        self.listings: dict[str, dict[str, Any]] = {}

    def attach(self, *, listing: Listing, occurred_on: date, actor: Actor, source: str) -> None:
        if str(listing.id) in self.listings:
            raise ListingAlreadyProposed(listing.id)
        self._listing_attached(uscc=self.uscc, listing_id=str(listing.id), list_kind=listing.list_kind,
                               criterion=listing.criterion, penalty_decision_no=listing.penalty_decision_no,
                               occurred_on=occurred_on, actor=actor, source=source)

    @event("ListingAttached")
    def _listing_attached(self, uscc: str, listing_id: str, list_kind: str, criterion: str,
                          penalty_decision_no: str | None, occurred_on: date, actor: Actor,
                          source: str) -> None:
        self.listings[listing_id] = {
            "list_kind": list_kind,
            "criterion": criterion,
            "penalty_decision_no": penalty_decision_no,
            "proposed_on": occurred_on,
        }

    def listing_ids(self, *, decision_no: str | None = None, kind: str | None = None) -> list[UUID]:
        return [
            UUID(i) for i, info in self.listings.items()
            if (decision_no is None or info["penalty_decision_no"] == decision_no)
            and (kind is None or info["list_kind"] == kind)
        ]
