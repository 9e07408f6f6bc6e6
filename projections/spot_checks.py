"""Read model of “双随机、一公开”: the inspector pool, campaigns with their draws, inspections
(result, publication status, due date) and the public feed of published results.

It is also where the draw's snapshot comes from: the certified pool with each inspector's declared
conflicts and the facilities they inspected last time (recusal). No personal data: inspectors'
sealed ID numbers and phones are never copied in. The rows hold the whole draw (seed, teams); who may
see which part on which day is decided by the API (`draw_visibility`), not here.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Date,
    DateTime,
    Integer,
    MetaData,
    String,
    Table,
    func,
    select,
    update,
)
from sqlalchemy.orm import Session

from projections.base import View, ViewProjection, handles
from supervision.domain.inspector import Inspector
from supervision.domain.spot_check import CONCLUSIONS, Inspection, SpotCheckCampaign


class SpotCheckView(View):
    name = "spot_checks"

    def define_tables(self, metadata: MetaData) -> None:
        self.inspectors = Table(
            "spot_check_inspectors",
            metadata,
            Column("inspector_id", String(50), primary_key=True),
            Column("name", String(50), nullable=False),
            Column("agency", String(20), nullable=False, index=True),
            Column("region_code", String(6), nullable=False),
            Column("certificate_no", String(50), nullable=False),
            Column("status", String(12), nullable=False, index=True),
            Column("certified_on", Date, nullable=False),
            Column("decertified_on", Date),
            Column("decertify_reason", String(500)),
            Column("version", Integer, nullable=False),
            Column("updated_at", DateTime(timezone=True), nullable=False),
        )
        self.conflicts = Table(
            "spot_check_conflicts",
            metadata,
            Column("inspector_id", String(50), primary_key=True),
            Column("uscc", String(18), primary_key=True),
            Column("reason", String(500), nullable=False),
            Column("declared_on", Date, nullable=False),
        )
        self.campaigns = Table(
            "spot_check_campaigns",
            metadata,
            Column("campaign_id", String(36), primary_key=True),
            Column("reference", String(100)),
            Column("name", String(200), nullable=False),
            Column("kind", String(10), nullable=False),
            Column("agencies", JSON, nullable=False),
            Column("region_prefix", String(6), nullable=False),
            Column("ownerships", JSON, nullable=False),
            Column("checklist", JSON, nullable=False),
            Column("sampling", JSON, nullable=False),
            Column("planned_on", Date, nullable=False),
            Column("status", String(10), nullable=False, index=True),
            Column("drawn_on", Date),
            Column("algorithm", String(20)),
            Column("seed", String(128)),
            Column("directory_size", Integer),
            Column("pool_size", Integer),
            Column("drawn_count", Integer),
            Column("strata", JSON),
            Column("attempt", Integer, nullable=False, default=0),
            Column("commitment", String(64)),
            Column("committed_on", Date),
            Column("visit_on", Date),
            Column("snapshot_digest", String(64)),
            #: every attempt: attempt, status (committed/drawn/superseded), commitment, committed_on, reason
            Column("attempts", JSON, nullable=False, default=list),
            Column("updated_at", DateTime(timezone=True), nullable=False),
        )
        self.inspections = Table(
            "spot_check_inspections",
            metadata,
            Column("campaign_id", String(36), primary_key=True),
            Column("uscc", String(18), primary_key=True),
            Column("inspection_id", String(36), nullable=False, unique=True),
            Column("level", String(4), nullable=False),
            Column("inspectors", JSON, nullable=False),
            Column("attempt", Integer, nullable=False, default=1),
            Column("drawn_on", Date, nullable=False),
            Column("status", String(10), nullable=False, index=True),
            Column("conclusion", String(40)),
            Column("items", JSON),
            Column("evidence", JSON),
            Column("problems_found", Boolean),
            Column("max_severity", String(10)),
            Column("completed_on", Date, index=True),
            Column("publish_due_on", Date, index=True),
            Column("due_basis", String(16)),
            Column("due_note", String(500)),
            Column("published_on", Date),
            Column("channel", String(100)),
            Column("published_late", Boolean),
            Column("publication_overdue", Boolean, nullable=False, default=False),
            Column("overdue_marked_on", Date),
            Column("recorded_by", String(100)),
            Column("version", Integer, nullable=False),
            Column("updated_at", DateTime(timezone=True), nullable=False),
        )

    # -- inspector pool ---------------------------------------------------------------------
    def inspector_list(self, agency: str | None = None, status: str | None = None) -> list[dict[str, Any]]:
        t = self.inspectors
        conditions = []
        if agency:
            conditions.append(t.c.agency == agency)
        if status:
            conditions.append(t.c.status == status)
        with self.reader.connect() as conn:
            rows = conn.execute(select(t).where(*conditions).order_by(t.c.inspector_id)).all()
        conflicts = self._conflicts()
        return [{**dict(r._mapping), "conflicts": conflicts.get(r.inspector_id, [])} for r in rows]

    def inspector(self, inspector_id: str) -> dict[str, Any] | None:
        t = self.inspectors
        with self.reader.connect() as conn:
            row = conn.execute(select(t).where(t.c.inspector_id == inspector_id)).first()
        if row is None:
            return None
        return {**dict(row._mapping), "conflicts": self._conflicts(inspector_id).get(inspector_id, [])}

    def _conflicts(self, inspector_id: str | None = None) -> dict[str, list[dict[str, Any]]]:
        t = self.conflicts
        query = select(t).order_by(t.c.inspector_id, t.c.uscc)
        if inspector_id is not None:
            query = query.where(t.c.inspector_id == inspector_id)
        out: dict[str, list[dict[str, Any]]] = {}
        with self.reader.connect() as conn:
            for r in conn.execute(query):
                out.setdefault(r.inspector_id, []).append(
                    {"uscc": r.uscc, "reason": r.reason, "declared_on": r.declared_on}
                )
        return out

    def last_inspectors(self) -> dict[str, list[str]]:
        """Per facility, the team of its most recent inspection with a recorded result."""
        t = self.inspections
        out: dict[str, list[str]] = {}
        with self.reader.connect() as conn:
            rows = conn.execute(
                select(t.c.uscc, t.c.inspectors)
                .where(t.c.completed_on.is_not(None))
                .order_by(t.c.completed_on, t.c.drawn_on, t.c.campaign_id)
            ).all()
        for uscc, team in rows:
            out[uscc] = list(team)  # later inspections overwrite earlier ones
        return out

    def pool_snapshot(self) -> list[dict[str, Any]]:
        """The certified pool as the draw takes it, in inspector-id order."""
        last: dict[str, list[str]] = {}
        for uscc, team in self.last_inspectors().items():
            for inspector_id in team:
                last.setdefault(inspector_id, []).append(uscc)
        conflicts = self._conflicts()
        return [
            {
                "inspector_id": r["inspector_id"],
                "agency": r["agency"],
                "region_code": r["region_code"],
                "conflicts": sorted(c["uscc"] for c in conflicts.get(r["inspector_id"], [])),
                "last_inspected": sorted(last.get(r["inspector_id"], [])),
            }
            for r in self.inspector_list(status="certified")
        ]

    # -- campaigns and inspections ----------------------------------------------------------
    def campaign_list(self, status: str | None = None) -> list[dict[str, Any]]:
        t = self.campaigns
        conditions = [t.c.status == status] if status else []
        with self.reader.connect() as conn:
            rows = conn.execute(select(t).where(*conditions).order_by(t.c.planned_on, t.c.campaign_id)).all()
        return [dict(r._mapping) for r in rows]

    def campaign(self, campaign_id: str) -> dict[str, Any] | None:
        t = self.campaigns
        with self.reader.connect() as conn:
            row = conn.execute(select(t).where(t.c.campaign_id == campaign_id)).first()
        if row is None:
            return None
        return {**dict(row._mapping), "inspections": self.inspection_list(campaign_id)}

    def inspection_list(self, campaign_id: str, withdrawn: bool = False) -> list[dict[str, Any]]:
        """The campaign's inspections in USCC order; those a redraw withdrew only when asked."""
        t = self.inspections
        conditions = [t.c.campaign_id == campaign_id]
        if not withdrawn:
            conditions.append(t.c.status != "withdrawn")
        with self.reader.connect() as conn:
            rows = conn.execute(select(t).where(*conditions).order_by(t.c.uscc)).all()
        return [dict(r._mapping) for r in rows]

    def inspection(self, campaign_id: str, uscc: str) -> dict[str, Any] | None:
        t = self.inspections
        with self.reader.connect() as conn:
            row = conn.execute(select(t).where(t.c.campaign_id == campaign_id, t.c.uscc == uscc)).first()
        return dict(row._mapping) if row else None

    def due_publications(self, today: date) -> list[dict[str, Any]]:
        """Results recorded, not published, past their due date and not yet marked overdue."""
        t = self.inspections
        with self.reader.connect() as conn:
            rows = conn.execute(
                select(t.c.campaign_id, t.c.uscc, t.c.publish_due_on)
                .where(
                    t.c.status == "recorded",
                    t.c.publish_due_on < today,
                    t.c.publication_overdue.is_(False),
                )
                .order_by(t.c.publish_due_on, t.c.campaign_id, t.c.uscc)
            ).all()
        return [dict(r._mapping) for r in rows]

    def public_results(
        self, *, uscc: str | None = None, campaign_id: str | None = None, page: int = 1, page_size: int = 50
    ) -> tuple[list[dict[str, Any]], int]:
        """Published results only (一公开): conclusion and checklist outcome, no notes, no evidence,
        no inspector identities."""
        i, c = self.inspections, self.campaigns
        conditions = [i.c.status == "published"]
        if uscc:
            conditions.append(i.c.uscc == uscc)
        if campaign_id:
            conditions.append(i.c.campaign_id == campaign_id)
        joined = i.join(c, i.c.campaign_id == c.c.campaign_id)
        with self.reader.connect() as conn:
            total = conn.execute(select(func.count()).select_from(joined).where(*conditions)).scalar_one()
            rows = conn.execute(
                select(i.c.campaign_id, c.c.name.label("campaign_name"), c.c.kind, c.c.agencies, i.c.uscc,
                       i.c.conclusion, i.c["items"], i.c.completed_on, i.c.published_on, i.c.channel)
                .select_from(joined)
                .where(*conditions)
                .order_by(i.c.published_on.desc(), i.c.uscc)
                .limit(page_size)
                .offset((page - 1) * page_size)
            ).all()
        out = []
        for r in rows:
            item = dict(r._mapping)
            item["conclusion_label"] = CONCLUSIONS.get(item["conclusion"], item["conclusion"])
            public_keys = ("code", "title", "result", "severity")
            item["items"] = [{k: entry.get(k) for k in public_keys} for entry in item["items"] or []]
            out.append(item)
        return out, total


class SpotCheckProjection(ViewProjection[SpotCheckView]):
    name = "spot_checks"
    view_class = SpotCheckView

    # -- inspectors -------------------------------------------------------------------------
    @handles(Inspector.Certified)
    def _certified(self, event: Inspector.Certified, session: Session) -> None:
        session.execute(
            self.view.inspectors.insert().values(
                inspector_id=event.inspector_id, name=event.name, agency=event.agency,
                region_code=event.region_code, certificate_no=event.certificate_no, status="certified",
                certified_on=event.occurred_on, version=event.originator_version, updated_at=event.timestamp,
            )
        )

    @handles(Inspector.ConflictDeclared)
    def _conflict_declared(self, event: Inspector.ConflictDeclared, session: Session) -> None:
        session.execute(
            self.view.conflicts.insert().values(
                inspector_id=event.inspector_id, uscc=event.uscc, reason=event.reason,
                declared_on=event.occurred_on,
            )
        )
        self._touch_inspector(session, event)

    @handles(Inspector.Decertified)
    def _decertified(self, event: Inspector.Decertified, session: Session) -> None:
        self._touch_inspector(session, event, status="decertified", decertified_on=event.occurred_on,
                              decertify_reason=event.reason)

    def _touch_inspector(self, session: Session, event: Any, **values: Any) -> None:
        t = self.view.inspectors
        session.execute(
            update(t).where(t.c.inspector_id == event.inspector_id)
            .values(version=event.originator_version, updated_at=event.timestamp, **values)
        )

    # -- campaigns --------------------------------------------------------------------------
    @handles(SpotCheckCampaign.Planned)
    def _planned(self, event: SpotCheckCampaign.Planned, session: Session) -> None:
        session.execute(
            self.view.campaigns.insert().values(
                campaign_id=event.campaign_id, reference=event.reference, name=event.name, kind=event.kind,
                agencies=event.agencies, region_prefix=event.region_prefix, ownerships=event.ownerships,
                checklist=event.checklist, sampling=event.sampling, planned_on=event.occurred_on,
                status="planned", attempt=0, attempts=[], updated_at=event.timestamp,
            )
        )

    def _attempts(self, session: Session, campaign_id: str) -> list[dict[str, Any]]:
        t = self.view.campaigns
        value = session.execute(select(t.c.attempts).where(t.c.campaign_id == campaign_id)).scalar()
        return [dict(a) for a in value or []]

    @handles(SpotCheckCampaign.SeedCommitted)
    def _seed_committed(self, event: SpotCheckCampaign.SeedCommitted, session: Session) -> None:
        t = self.view.campaigns
        attempts = self._attempts(session, event.campaign_id)
        attempts.append({"attempt": event.attempt, "status": "committed", "commitment": event.commitment,
                         "committed_on": event.occurred_on.isoformat(), "reason": event.reason})
        session.execute(
            update(t).where(t.c.campaign_id == event.campaign_id).values(
                attempt=event.attempt, commitment=event.commitment, committed_on=event.occurred_on,
                attempts=attempts, updated_at=event.timestamp,
            )
        )

    @handles(SpotCheckCampaign.Drawn)
    def _drawn(self, event: SpotCheckCampaign.Drawn, session: Session) -> None:
        t = self.view.campaigns
        attempt = getattr(event, "attempt", 1)
        attempts = [{**a, "status": "superseded"} if a["status"] == "drawn" else a
                    for a in self._attempts(session, event.campaign_id)]
        if not any(a["attempt"] == attempt for a in attempts):  # drawn before commit–reveal
            attempts.append({"attempt": attempt, "status": "drawn", "commitment": None,
                             "committed_on": None, "reason": None})
        attempts = [{**a, "status": "drawn"} if a["attempt"] == attempt else a for a in attempts]
        session.execute(
            update(t).where(t.c.campaign_id == event.campaign_id).values(
                status="drawn", drawn_on=event.occurred_on, algorithm=event.algorithm, seed=event.seed,
                directory_size=len(event.inputs["directory"]), pool_size=len(event.inputs["pool"]),
                drawn_count=event.facility_count, strata=event.result.get("strata"),
                attempt=attempt, commitment=getattr(event, "commitment", None),
                visit_on=getattr(event, "visit_on", None) or event.occurred_on,
                snapshot_digest=getattr(event, "snapshot_digest", None), attempts=attempts,
                updated_at=event.timestamp,
            )
        )

    # -- inspections ------------------------------------------------------------------------
    @handles(Inspection.Scheduled)
    def _scheduled(self, event: Inspection.Scheduled, session: Session) -> None:
        session.execute(
            self.view.inspections.insert().values(
                campaign_id=event.campaign_id, uscc=event.uscc, inspection_id=str(event.originator_id),
                level=event.level, inspectors=event.inspectors, drawn_on=event.occurred_on, status="drawn",
                attempt=getattr(event, "attempt", 1),
                publication_overdue=False, version=event.originator_version, updated_at=event.timestamp,
            )
        )

    def _update_inspection(self, session: Session, event: Any, **values: Any) -> None:
        t = self.view.inspections
        session.execute(
            update(t).where(t.c.campaign_id == event.campaign_id, t.c.uscc == event.uscc)
            .values(version=event.originator_version, updated_at=event.timestamp, **values)
        )

    @handles(Inspection.Redrawn)
    def _redrawn(self, event: Inspection.Redrawn, session: Session) -> None:
        self._update_inspection(session, event, status="drawn", attempt=event.attempt, level=event.level,
                                inspectors=event.inspectors, drawn_on=event.occurred_on)

    @handles(Inspection.Withdrawn)
    def _withdrawn(self, event: Inspection.Withdrawn, session: Session) -> None:
        self._update_inspection(session, event, status="withdrawn", attempt=event.attempt)

    @handles(Inspection.ResultRecorded)
    def _result_recorded(self, event: Inspection.ResultRecorded, session: Session) -> None:
        self._update_inspection(
            session, event, status="recorded", conclusion=event.conclusion, items=event.items,
            evidence=event.evidence, problems_found=event.problems_found, max_severity=event.max_severity,
            completed_on=event.completed_on, publish_due_on=event.publish_due_on, due_basis=event.due_basis,
            due_note=event.due_note, recorded_by=event.actor.user,
        )

    @handles(Inspection.ResultPublished)
    def _result_published(self, event: Inspection.ResultPublished, session: Session) -> None:
        self._update_inspection(session, event, status="published", published_on=event.occurred_on,
                                channel=event.channel, published_late=event.late)

    @handles(Inspection.DeadlineRevised)
    def _deadline_revised(self, event: Inspection.DeadlineRevised, session: Session) -> None:
        self._update_inspection(session, event, publish_due_on=event.due_on, due_basis=event.basis,
                                due_note=event.note[:500])

    @handles(Inspection.OverdueWithdrawn)
    def _overdue_withdrawn(self, event: Inspection.OverdueWithdrawn, session: Session) -> None:
        self._update_inspection(session, event, publication_overdue=False, overdue_marked_on=None)

    @handles(Inspection.PublicationOverdue)
    def _publication_overdue(self, event: Inspection.PublicationOverdue, session: Session) -> None:
        self._update_inspection(session, event, publication_overdue=True, overdue_marked_on=event.marked_on)
