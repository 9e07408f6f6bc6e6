"""Read model: the supervision rating (A/B/C/D, or "key" for the draw), every point traced to its event.

The view stores facts, never a rating: one row per event that costs points (with the rule, the policy
version and the interval in which it counts) and one row per listing interval. A rating "as of" any
date is computed from those rows, so it needs no clock, answers the past, and a rebuild is identical.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from sqlalchemy import Column, Date, Integer, MetaData, String, Table, select
from sqlalchemy.orm import Session

from projections.base import View, ViewProjection, any_of, handles
from projections.optional_events import (
    COMPLAINT_CONCLUDED,
    COMPLAINT_RECEIVED,
    FIRE_HAZARD_FOUND,
    FIRE_RECTIFICATION_OVERDUE,
    PREPAID_CAP_EXCEEDED,
    SPOT_CHECK_RESULT,
)
from supervision.domain.duty_report import DutyReport
from supervision.domain.incident import Incident
from supervision.domain.interview import Interview
from supervision.domain.listing import Listing, event_ref
from supervision.policy.incidents import LISTING_RESPONSIBILITIES
from supervision.policy.rating import (
    CURRENT_RATING,
    DUTY_REPORT_MISSING,
    FIRE_HAZARD,
    INCIDENT_REPORTED_LATE,
    INCIDENT_RESPONSIBILITY,
    INTERVIEW_COMMITMENT_OVERDUE,
    INTERVIEW_HELD,
    INTERVIEW_NOT_ATTENDED,
    KEY,
    MAJOR_FIRE_HAZARD,
    PREPAID_VIOLATION,
    RECTIFICATION_OVERDUE,
    RatingPolicy,
)


class SupervisionRatingView(View):
    name = "supervision_rating"
    policy: RatingPolicy = CURRENT_RATING

    def define_tables(self, metadata: MetaData) -> None:
        self.points = Table(
            "rating_points",
            metadata,
            Column("event_ref", String(60), primary_key=True),
            Column("uscc", String(18), nullable=False, index=True),
            Column("event_type", String(80), nullable=False),
            Column("fact", String(40), nullable=False),
            Column("points", Integer, nullable=False),
            Column("policy_version", String(30), nullable=False),
            Column("detail", String(200), nullable=False),
            Column("occurred_on", Date, nullable=False),
            Column("valid_from", Date, nullable=False),
            Column("valid_to", Date, nullable=False),
        )
        self.listings = Table(
            "rating_listings",
            metadata,
            Column("listing_id", String(36), primary_key=True),
            Column("uscc", String(18), nullable=False, index=True),
            Column("list_kind", String(20), nullable=False),
            Column("criterion", String(40), nullable=False),
            Column("event_ref", String(60), nullable=False),
            Column("valid_from", Date, nullable=False),
            Column("valid_to", Date, nullable=False),
        )
        self.complaints = Table(
            "rating_complaints",
            metadata,
            Column("complaint_id", String(36), primary_key=True),
            Column("uscc", String(18), nullable=False),
            Column("category", String(40), nullable=False),
        )

    # -- queries ---------------------------------------------------------------------------
    def _in_force(self, table: Table, usccs: list[str], as_of: date) -> list[dict[str, Any]]:
        if not usccs:
            return []
        query = (
            select(table)
            .where(table.c.uscc.in_(usccs), table.c.valid_from <= as_of, table.c.valid_to > as_of)
            .order_by(table.c.uscc, table.c.valid_from, table.c.event_ref)
        )
        with self.reader.connect() as conn:
            return [dict(r._mapping) for r in conn.execute(query).all()]

    def rating(self, uscc: str, as_of: date) -> dict[str, Any]:
        """The rating on `as_of` with each deduction and listing that made it, and the policy used."""
        points = self._in_force(self.points, [uscc], as_of)
        listings = self._in_force(self.listings, [uscc], as_of)
        score, level = self.policy.rate((p["points"] for p in points), listed=bool(listings))
        return {
            "uscc": uscc,
            "as_of": as_of,
            "level": level,
            "draw_level": KEY if listings else level,
            "score": score,
            "start_score": self.policy.start_score,
            "policy": {"id": self.policy.id, "version": self.policy.version,
                       "window_months": self.policy.window_months, "legal_basis": self.policy.legal_basis,
                       "bands": [{"min": m, "level": lv} for m, lv in self.policy.bands]},
            # outputs say "through" dates (inclusive ends); the tables keep half-open intervals
            "points": [{**{k: p[k] for k in ("event_ref", "event_type", "fact", "points", "policy_version",
                                             "detail", "occurred_on")},
                        "counts_through": p["valid_to"] - timedelta(days=1)} for p in points],
            "listings_in_force": [{**{k: r[k] for k in ("listing_id", "list_kind", "criterion", "event_ref",
                                                        "valid_from")},
                                   "valid_through": r["valid_to"] - timedelta(days=1)} for r in listings],
        }

    def levels(self, usccs: list[str], as_of: date) -> dict[str, str]:
        """For the spot-check draw: "key" when a listing is in force, else A–D; unrated is "A"."""
        deductions: dict[str, int] = {}
        for p in self._in_force(self.points, usccs, as_of):
            deductions[p["uscc"]] = deductions.get(p["uscc"], 0) + p["points"]
        listed = {r["uscc"] for r in self._in_force(self.listings, usccs, as_of)}
        out: dict[str, str] = {}
        for uscc in usccs:
            if uscc in listed:
                out[uscc] = KEY
            else:
                out[uscc] = self.policy.rate([deductions.get(uscc, 0)], listed=False)[1]
        return out


class SupervisionRatingProjection(ViewProjection[SupervisionRatingView]):
    """Rows are written behind (projections.base.RowBuffer): one INSERT/UPDATE per row per page."""

    name = "supervision_rating"
    view_class = SupervisionRatingView

    def _point(self, event: Any, session: Session, fact: str, detail: str, on: date | None = None,
               uscc: str | None = None) -> None:
        policy = self.view.policy
        fact_on = on or event.occurred_on
        valid_from, valid_to = policy.counting_period(fact_on)
        self.buffer(session, self.view.points).insert(dict(
            event_ref=event_ref(event.originator_id, event.originator_version), uscc=uscc or event.uscc,
            event_type=type(event).__qualname__, fact=fact, points=policy.points[fact],
            policy_version=policy.version, detail=detail[:200], occurred_on=fact_on,
            valid_from=valid_from, valid_to=valid_to,
        ))

    @handles(*SPOT_CHECK_RESULT)
    def _spot_check_result(self, event: Any, session: Session) -> None:
        fact = self.view.policy.fact_for_spot_check(event.conclusion)
        if fact:
            on = getattr(event, "completed_on", None) or event.occurred_on
            self._point(event, session, fact, f"spot-check conclusion {event.conclusion}", on)

    @handles(*FIRE_HAZARD_FOUND)
    def _hazard_found(self, event: Any, session: Session) -> None:
        fact = MAJOR_FIRE_HAZARD if event.major else FIRE_HAZARD
        self._point(event, session, fact, f"fire hazard {getattr(event, 'category', '')}".strip())

    @handles(*FIRE_RECTIFICATION_OVERDUE)
    def _rectification_overdue(self, event: Any, session: Session) -> None:
        self._point(event, session, RECTIFICATION_OVERDUE, "rectification not verified by its deadline")

    @handles(*PREPAID_CAP_EXCEEDED)
    def _cap_exceeded(self, event: Any, session: Session) -> None:
        rule = getattr(event, "rule_id", None) or getattr(event, "rule", "")
        self._point(event, session, PREPAID_VIOLATION, f"prepaid-fee cap exceeded {rule}".strip())

    @handles(*COMPLAINT_RECEIVED)
    def _complaint_received(self, event: Any, session: Session) -> None:
        self.buffer(session, self.view.complaints).insert(dict(
            complaint_id=str(event.originator_id), uscc=event.uscc, category=event.category))

    @handles(*COMPLAINT_CONCLUDED)
    def _complaint_concluded(self, event: Any, session: Session) -> None:
        # received in this page: still in the write-behind buffer; earlier: in the table, read for
        # every such conclusion of the page at once (`flush`)
        row: Any = self.buffer(session, self.view.complaints).inserts.get((str(event.originator_id),))
        if row is None:
            session.info.setdefault("rating_concluded", []).append(event)
            return
        self._concluded(event, session, row)

    def flush(self, session: Session) -> None:
        """Rate the conclusions of complaints received in earlier transactions (their category and
        facility read with one SELECT: `any_of`), then write the buffered rows."""
        pending: list[Any] = session.info.pop("rating_concluded", [])
        if pending:
            t = self.view.complaints
            ids = sorted({str(e.originator_id) for e in pending})
            found: dict[str, dict[str, Any]] = {}
            for chosen in any_of(t.c.complaint_id, ids, session.connection().dialect.name, chunk=1000):
                query = select(t.c.complaint_id, t.c.uscc, t.c.category).where(chosen)
                for r in session.connection().execute(query):
                    found[r.complaint_id] = {"uscc": r.uscc, "category": r.category}
            for event in pending:
                self._concluded(event, session, found.get(str(event.originator_id)))
        super().flush(session)

    def _concluded(self, event: Any, session: Session, row: dict[str, Any] | None) -> None:
        """The point a conclusion costs, if any; `row`: the complaint's `uscc` and `category` (None:
        never received by this view)."""
        category = row["category"] if row else None
        fact = self.view.policy.fact_for_complaint(event.outcome, category)
        if fact:
            uscc = getattr(event, "uscc", None) or (row["uscc"] if row else None)
            self._point(event, session, fact, f"complaint {category} {event.outcome}", uscc=uscc)

    # -- duties of the supervised (rating-2026.2) -------------------------------------------
    @handles(Incident.Reported)
    def _incident_reported(self, event: Incident.Reported, session: Session) -> None:
        if event.late:
            self._point(event, session, INCIDENT_REPORTED_LATE,
                        f"incident {event.category} reported after {event.deadline_hours} h")

    @handles(Incident.ResponsibilityFound)
    def _incident_responsibility(self, event: Incident.ResponsibilityFound, session: Session) -> None:
        if event.responsibility in LISTING_RESPONSIBILITIES:
            self._point(event, session, INCIDENT_RESPONSIBILITY,
                        f"{event.responsibility} responsibility for incident {event.category} "
                        f"({event.decision_no})")

    @handles(DutyReport.Missing)
    def _report_missing(self, event: DutyReport.Missing, session: Session) -> None:
        self._point(event, session, DUTY_REPORT_MISSING, f"{event.kind} {event.period} missing")

    @handles(Interview.Held)
    def _interview_held(self, event: Interview.Held, session: Session) -> None:
        self._point(event, session, INTERVIEW_HELD, "supervisory interview held")

    @handles(Interview.NotAttended)
    def _interview_not_attended(self, event: Interview.NotAttended, session: Session) -> None:
        self._point(event, session, INTERVIEW_NOT_ATTENDED, "supervisory interview not attended")

    @handles(Interview.CommitmentOverdue)
    def _commitment_overdue(self, event: Interview.CommitmentOverdue, session: Session) -> None:
        self._point(event, session, INTERVIEW_COMMITMENT_OVERDUE, f"interview commitment {event.no} overdue")

    @handles(Listing.Listed)
    def _listed(self, event: Listing.Listed, session: Session) -> None:
        self.buffer(session, self.view.listings).insert(dict(
            listing_id=str(event.originator_id), uscc=event.uscc, list_kind=event.list_kind,
            criterion=event.criterion, event_ref=event_ref(event.originator_id, event.originator_version),
            valid_from=event.effective_on, valid_to=event.expires_on + timedelta(days=1),
        ))

    @handles(Listing.Removed)
    def _removed(self, event: Listing.Removed, session: Session) -> None:
        self.buffer(session, self.view.listings).update((str(event.originator_id),),
                                                         {"valid_to": event.ended_on})
