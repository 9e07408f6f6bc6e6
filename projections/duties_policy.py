"""Policy process: duties of the supervised that propose credit listings (民发〔2019〕103号).

Like `projections/credit_policy.py`: a projection that issues `propose_listing` as the system actor
with source `policy:<rule id>`, idempotent through the proposal's dedupe key (reprocessing gets
"already proposed", recorded as the same outcome), and a table of what it did per triggering event.

Rules:
- `listing.incident_responsibility`: the competent authority found the facility mainly or directly
  responsible for an incident → criterion (5) `safety_accident`; the finding (with its decision
  number) is the competent authority's determination, so the criterion's own list applies
  (joint punishment).
- `listing.annual_report_missing`: an annual report still missing when the grace period after the
  reminder ended → criterion (8) `disclosure_failure`, a *recorded* conduct without a penalty
  decision: key-attention list only (DOMAIN.md "Which list"). Joint punishment follows only from
  the competent authority's penalty decision for that conduct (rule `listing.penalty`).
"""

from __future__ import annotations

from typing import Any

import structlog
from sqlalchemy import Column, MetaData, String, Table, Text, select
from sqlalchemy.orm import Session

from projections.base import View, ViewProjection, handles
from projections.credit_policy import propose_listing
from supervision.domain.duty_report import DutyReport
from supervision.domain.incident import Incident
from supervision.domain.listing import event_ref
from supervision.policy.incidents import LISTING_RESPONSIBILITIES
from supervision.policy.listing_criteria import KEY_ATTENTION

log = structlog.get_logger(__name__)

RULE_INCIDENT = "listing.incident_responsibility"
RULE_ANNUAL_REPORT = "listing.annual_report_missing"


class DutiesPolicyView(View):
    name = "duties_policy"

    def define_tables(self, metadata: MetaData) -> None:
        self.actions = Table(
            "duties_policy_actions",
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


class DutiesPolicyProjection(ViewProjection[DutiesPolicyView]):
    name = "duties_policy"
    view_class = DutiesPolicyView

    def bind(self, services: Any) -> None:
        """The composition root gives the process its dispatcher (built lazily, on first command)."""
        self.services = services

    def _propose(self, event: Any, session: Session, rule_id: str, payload: dict[str, Any]) -> None:
        propose_listing(self.services, self.view.actions, event, session, rule_id, payload)

    @handles(Incident.ResponsibilityFound)
    def _responsibility_found(self, event: Incident.ResponsibilityFound, session: Session) -> None:
        if event.responsibility not in LISTING_RESPONSIBILITIES:
            return
        self._propose(
            event,
            session,
            RULE_INCIDENT,
            {
                "uscc": event.uscc,
                "criterion": "safety_accident",
                "evidence": [
                    event_ref(event.originator_id, 1),
                    event_ref(event.originator_id, event.originator_version),
                ],
                "dedupe_key": f"incident:{event.originator_id}",
                "reason": f"{event.authority} {event.decision_no}：对{event.incident_on}发生的安全事故负有"
                f"{'主要' if event.responsibility == 'main' else '直接'}责任",
                "occurred_on": event.occurred_on.isoformat(),
            },
        )

    @handles(DutyReport.GraceExpired)
    def _grace_expired(self, event: DutyReport.GraceExpired, session: Session) -> None:
        if not event.listing_criterion:
            return
        self._propose(
            event,
            session,
            RULE_ANNUAL_REPORT,
            {
                "uscc": event.uscc,
                "criterion": event.listing_criterion,
                "list_kind": KEY_ATTENTION,
                "evidence": [event_ref(event.originator_id, event.originator_version)],
                "dedupe_key": f"duty_report:{event.originator_id}",
                "reason": f"{event.period}年度报告逾期未报送（应于{event.due_on}前报送，"
                f"{event.reminded_on}催报后宽限至{event.grace_due_on}仍未报送）",
                "occurred_on": event.occurred_on.isoformat(),
            },
        )
