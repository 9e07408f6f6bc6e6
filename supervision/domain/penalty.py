"""行政处罚决定: a penalty decision by a competent authority (or a court's 失信被执行人 finding).

A listing on the credit lists rests on conduct "punished by the competent authority according to law"
(民发〔2019〕103号), so the decision is a fact of its own: keyed by its decision number (文书号), and
revoking it removes the listings that rest on it at once.
"""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from supervision.domain.errors import Conflict, InvalidValue, NotFound
from supervision.domain.values import Actor, deterministic_id

AUTHORITY_KINDS = ("civil_affairs", "fire", "market", "court", "other")


def penalty_decision_id(decision_no: str) -> UUID:
    return deterministic_id("penalty_decision", decision_no.strip())


class PenaltyDecisionNotFound(NotFound):
    def __init__(self, decision_no: str) -> None:
        super().__init__(f"penalty decision {decision_no} is not recorded",
                         {"decision_no": ["not recorded"]})


class PenaltyDecisionAlreadyRecorded(Conflict):
    def __init__(self, decision_no: str) -> None:
        super().__init__(f"penalty decision {decision_no} is already recorded",
                         {"decision_no": ["already recorded"]})


class PenaltyDecisionRevoked(Conflict):
    def __init__(self, decision_no: str, revoked_on: date) -> None:
        super().__init__(f"penalty decision {decision_no} was revoked on {revoked_on.isoformat()}",
                         {"decision_no": [f"revoked on {revoked_on.isoformat()}"]})


class PenaltyDecision(Aggregate):
    """One decision; only its revocation can follow (corrections are a new decision)."""

    @staticmethod
    def create_id(decision_no: str, **_: Any) -> UUID:
        return penalty_decision_id(decision_no)

    @classmethod
    def decide(
        cls,
        *,
        uscc: str,
        decision_no: str,
        authority: str,
        authority_kind: str,
        conduct: str,
        legal_basis: str,
        summary: str,
        fine_fen: int | None,
        evidence: list[str],
        occurred_on: date,
        actor: Actor,
        source: str,
    ) -> PenaltyDecision:
        if authority_kind not in AUTHORITY_KINDS:
            raise InvalidValue("authority_kind", f"must be one of {', '.join(AUTHORITY_KINDS)}")
        if not decision_no.strip():
            raise InvalidValue("decision_no", "must not be blank")
        return cls(
            decision_no=decision_no.strip(),
            uscc=uscc,
            authority=authority,
            authority_kind=authority_kind,
            conduct=conduct,
            legal_basis=legal_basis,
            summary=summary,
            fine_fen=fine_fen,
            evidence=list(evidence),
            decided_on=occurred_on,
            occurred_on=occurred_on,
            actor=actor,
            source=source,
        )

    @event("Decided")
    def __init__(
        self,
        *,
        decision_no: str,
        uscc: str,
        authority: str,
        authority_kind: str,
        conduct: str,
        legal_basis: str,
        summary: str,
        fine_fen: int | None,
        evidence: list[str],
        decided_on: date,
        occurred_on: date,
        actor: Actor,
        source: str,
    ) -> None:
        self.decision_no = decision_no
        self.uscc = uscc
        self.authority = authority
        self.authority_kind = authority_kind
        self.conduct = conduct
        self.legal_basis = legal_basis
        self.decided_on = decided_on
        self.evidence = list(evidence)
        self.revoked_on: date | None = None

    @property
    def is_revoked(self) -> bool:
        return self.revoked_on is not None

    def check_in_effect(self) -> None:
        if self.revoked_on is not None:
            raise PenaltyDecisionRevoked(self.decision_no, self.revoked_on)

    def revoke(self, *, reason: str, revoked_by: str, occurred_on: date, actor: Actor, source: str) -> None:
        """撤销: by reconsideration, litigation or the authority itself; the listings fall with it."""
        self.check_in_effect()
        if occurred_on < self.decided_on:
            raise InvalidValue("occurred_on", "a revocation cannot precede the decision")
        if not reason.strip():
            raise InvalidValue("reason", "must not be blank")
        self._revoked(uscc=self.uscc, decision_no=self.decision_no, reason=reason, revoked_by=revoked_by,
                      occurred_on=occurred_on, actor=actor, source=source)

    @event("Revoked")
    def _revoked(self, uscc: str, decision_no: str, reason: str, revoked_by: str, occurred_on: date,
                 actor: Actor, source: str) -> None:
        self.revoked_on = occurred_on
