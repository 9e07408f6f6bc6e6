"""Policy process: reads events and proposes credit listings (民发〔2019〕103号) through the dispatcher.

A projection that issues commands, as the system actor with source `policy:<rule id>`. It is
idempotent: a proposal's id is derived from its rule and evidence, so reprocessing an event (a crash
between command and position, or a rebuild from zero) gets "already proposed", which is recorded as
the same outcome. Its own table remembers what it needs across events (which fire cases are major)
and what it did for each triggering event.

Rules:
- `listing.major_fire_hazard_overdue`: a major fire hazard's rectification overdue → criterion 4.
- `listing.penalty`: a penalty decision (or a court's 失信被执行人 finding) whose conduct is a
  criterion marked automatic → that criterion, resting on the decision.
- `listing.spot_check_refused`: a spot check the facility refused → key-attention list, criterion 7.
"""

from __future__ import annotations

from typing import Any

import structlog
from sqlalchemy import Boolean, Column, MetaData, String, Table, Text, select
from sqlalchemy.orm import Session

from projections.base import View, ViewProjection, handles
from projections.optional_events import FIRE_HAZARD_FOUND, FIRE_RECTIFICATION_OVERDUE, SPOT_CHECK_RESULT
from supervision.application import Context
from supervision.domain.errors import ConcurrentModification, DomainError
from supervision.domain.listing import ListingAlreadyProposed, event_ref
from supervision.domain.penalty import PenaltyDecision
from supervision.domain.values import SYSTEM_ACTOR
from supervision.policy.listing_criteria import KEY_ATTENTION, criterion

log = structlog.get_logger(__name__)

RULE_FIRE = "listing.major_fire_hazard_overdue"
RULE_PENALTY = "listing.penalty"
RULE_REFUSED = "listing.spot_check_refused"


def catch_up_policy_processes(container: Any, rounds: int = 5) -> None:
    """Let the policy processes (projections that issue commands) react to everything stored so far,
    and to what their own commands stored, so a proposal caused by a command or a tick is visible
    when that command or tick returns. Under `serve` the background runners do it: wait for them."""
    app = container.app
    for _ in range(rounds):
        before = app.recorder.max_notification_id()
        if getattr(container, "projection_service", None) is not None:
            container.wait_for(before)
        else:
            for name, projection in container.projections.items():
                if hasattr(projection, "bind"):
                    container.runner(name).catch_up()
        if app.recorder.max_notification_id() == before:
            return


class CreditPolicyView(View):
    name = "credit_policy"

    def define_tables(self, metadata: MetaData) -> None:
        self.fire_cases = Table(
            "credit_policy_fire_cases",
            metadata,
            Column("case_id", String(36), primary_key=True),
            Column("uscc", String(18), nullable=False),
            Column("major", Boolean, nullable=False),
            Column("hazard_ref", String(60), nullable=False),
        )
        self.actions = Table(
            "credit_policy_actions",
            metadata,
            Column("event_ref", String(60), primary_key=True),
            Column("rule_id", String(60), nullable=False),
            Column("uscc", String(18), nullable=False, index=True),
            Column("listing_id", String(36)),
            Column("refused", Text),
        )

    def actions_for(self, uscc: str) -> list[dict[str, Any]]:
        t = self.actions
        with self.reader.connect() as conn:
            rows = conn.execute(select(t).where(t.c.uscc == uscc).order_by(t.c.event_ref)).all()
        return [dict(r._mapping) for r in rows]


def propose_listing(services: Any, actions: Table, event: Any, session: Session, rule_id: str,
                    payload: dict[str, Any]) -> None:
    """A policy process's proposal (民发〔2019〕103号): dispatch `propose_listing` as the system, keep
    what happened in `actions` (the listing, or why it was refused) in the caller's transaction.
    Shared by every policy process that proposes listings (credit, duties)."""
    ref = event_ref(event.originator_id, event.originator_version)
    ctx = Context(SYSTEM_ACTOR, source=f"policy:{rule_id}")
    listing_id: str | None = None
    refused: str | None = None
    for attempt in (1, 2):
        try:
            result = services.dispatcher.dispatch("propose_listing", payload, ctx)
            listing_id = result.data["listing_id"]
            log.info("listing_proposed", rule=rule_id, uscc=payload["uscc"], listing_id=listing_id)
        except ListingAlreadyProposed as exc:
            listing_id = str(exc.listing_id)
        except ConcurrentModification:
            if attempt == 1:
                continue  # another proposal for the same facility won the race: retry once
            raise
        except DomainError as exc:  # the rule fired but the command is refused: keep why
            refused = exc.message
            log.warning("listing_proposal_refused", rule=rule_id, uscc=payload["uscc"], reason=refused)
        break
    session.execute(actions.insert().values(
        event_ref=ref, rule_id=rule_id, uscc=payload["uscc"], listing_id=listing_id, refused=refused))


class CreditPolicyProjection(ViewProjection[CreditPolicyView]):
    name = "credit_policy"
    view_class = CreditPolicyView

    def bind(self, services: Any) -> None:
        """The composition root gives the process its dispatcher (built lazily, on first command)."""
        self.services = services

    def _propose(self, event: Any, session: Session, rule_id: str, payload: dict[str, Any]) -> None:
        propose_listing(self.services, self.view.actions, event, session, rule_id, payload)

    @handles(*FIRE_HAZARD_FOUND)
    def _hazard_found(self, event: Any, session: Session) -> None:
        session.execute(self.view.fire_cases.insert().values(
            case_id=str(event.originator_id), uscc=event.uscc, major=bool(event.major),
            hazard_ref=event_ref(event.originator_id, event.originator_version)))

    @handles(*FIRE_RECTIFICATION_OVERDUE)
    def _rectification_overdue(self, event: Any, session: Session) -> None:
        t = self.view.fire_cases
        case = session.execute(select(t).where(t.c.case_id == str(event.originator_id))).first()
        major = getattr(event, "major", None)
        if major is None:
            major = bool(case and case.major)
        if not major:
            return
        uscc = getattr(event, "uscc", None) or case.uscc
        evidence = [case.hazard_ref] if case else []
        evidence.append(event_ref(event.originator_id, event.originator_version))
        due_on = getattr(event, "due_on", None) or getattr(case, "due_on", None)
        self._propose(event, session, RULE_FIRE, {
            "uscc": uscc,
            "criterion": "major_fire_hazard_overdue",
            "evidence": evidence,
            "dedupe_key": f"fire_case:{event.originator_id}",
            "reason": "重大火灾隐患逾期未整改" + (f"（整改期限 {due_on}）" if due_on else ""),
            "occurred_on": event.occurred_on.isoformat(),
        })

    @handles(PenaltyDecision.Decided)
    def _penalty_decided(self, event: PenaltyDecision.Decided, session: Session) -> None:
        if not criterion(event.conduct).auto_on_penalty:
            return
        self._propose(event, session, RULE_PENALTY, {
            "uscc": event.uscc,
            "criterion": event.conduct,
            "penalty_decision_no": event.decision_no,
            "evidence": [event_ref(event.originator_id, event.originator_version)],
            "reason": f"{event.authority} {event.decision_no}",
            "occurred_on": event.occurred_on.isoformat(),
        })

    @handles(*SPOT_CHECK_RESULT)
    def _spot_check_result(self, event: Any, session: Session) -> None:
        if event.conclusion != "refused":
            return
        self._propose(event, session, RULE_REFUSED, {
            "uscc": event.uscc,
            "criterion": "obstructing_inspection",
            "list_kind": KEY_ATTENTION,
            "evidence": [event_ref(event.originator_id, event.originator_version)],
            "dedupe_key": f"inspection:{event.originator_id}",
            "reason": "不配合“双随机”抽查",
            "occurred_on": event.occurred_on.isoformat(),
        })
