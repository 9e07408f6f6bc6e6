"""Read model: the credit lists — blacklist, joint-punishment list, key-attention list, full history.

One row per listing with its in-force interval [valid_from, valid_to) so any date can be asked
("as of"), every step of every listing (the chain of events that explains it), and the penalty
decisions listings rest on. Values come only from events, so a rebuild is byte-identical.
Responsible persons are kept for regulators; public queries mask them (`mask_name`).
"""

from __future__ import annotations

import json
from datetime import date, timedelta
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Date,
    DateTime,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    and_,
    select,
)
from sqlalchemy.orm import Session

from projections.base import View, ViewProjection, _plain, handles
from projections.timeline import public_payload
from supervision.crypto import mask_name
from supervision.domain.facility import Facility
from supervision.domain.listing import LISTED, NOTICE_SERVED, Listing, event_ref
from supervision.domain.penalty import PenaltyDecision
from supervision.policy.listing_criteria import (
    JOINT_PUNISHMENT,
    KEY_ATTENTION,
    LISTING_PROCEDURE_2019,
    LISTING_PROCEDURES,
    MEASURE_TITLES,
)

_CHAIN_KEYS = ("event_ref", "event_type", "occurred_on", "actor_agency", "source", "details")


def _json(value: Any) -> str:
    return json.dumps(value, default=_plain, ensure_ascii=False, sort_keys=True)


class CreditListsView(View):
    name = "credit_lists"

    def define_tables(self, metadata: MetaData) -> None:
        self.facilities = Table(
            "credit_facilities",
            metadata,
            Column("uscc", String(18), primary_key=True),
            Column("name", String(200), nullable=False),
            Column("region_code", String(6), nullable=False),
        )
        self.listings = Table(
            "credit_listings",
            metadata,
            Column("listing_id", String(36), primary_key=True),
            Column("uscc", String(18), nullable=False, index=True),
            Column("list_kind", String(20), nullable=False, index=True),
            Column("criterion", String(40), nullable=False),
            Column("criterion_title", String(200), nullable=False),
            Column("legal_basis", Text, nullable=False),
            Column("authority", String(100), nullable=False),
            Column("reason", Text, nullable=False),
            Column("evidence", Text, nullable=False),
            Column("penalty_decision_no", String(100)),
            Column("responsible_persons", Text, nullable=False),
            Column("procedure_version", String(50), nullable=False),
            Column("proposed_by", String(100), nullable=False),
            Column("proposed_source", String(100), nullable=False),
            Column("proposed_on", Date, nullable=False),
            Column("status", String(20), nullable=False, index=True),
            Column("notice_no", String(100)),
            Column("served_on", Date),
            Column("objection_due_on", Date),
            Column("objection_due_basis", String(20)),
            Column("objection_due_note", Text),
            Column("objection_filed_on", Date),
            Column("objection_upheld", Boolean),
            Column("effective_on", Date, index=True),
            Column("expires_on", Date),
            Column("term_years", Integer),
            Column("measures", Text, nullable=False),
            Column("valid_to", Date),
            Column("end_reason", String(40)),
            Column("ended_on", Date),
            Column("version", Integer, nullable=False),
        )
        self.steps = Table(
            "credit_listing_steps",
            metadata,
            Column("listing_id", String(36), primary_key=True),
            Column("version", Integer, primary_key=True),
            Column("event_ref", String(60), nullable=False),
            Column("event_type", String(60), nullable=False),
            Column("occurred_on", Date, nullable=False),
            Column("recorded_at", DateTime(timezone=True), nullable=False),
            Column("actor_user", String(100)),
            Column("actor_agency", String(100)),
            Column("source", String(100)),
            Column("details", Text, nullable=False),
        )
        self.decisions = Table(
            "credit_penalty_decisions",
            metadata,
            Column("decision_no", String(100), primary_key=True),
            Column("uscc", String(18), nullable=False, index=True),
            Column("event_ref", String(60), nullable=False),
            Column("authority", String(200), nullable=False),
            Column("authority_kind", String(20), nullable=False),
            Column("conduct", String(40), nullable=False),
            Column("legal_basis", Text, nullable=False),
            Column("summary", Text, nullable=False),
            Column("fine_fen", BigInteger),  # money: up to bounds.MAX_FEN (10^13 fen)
            Column("evidence", Text, nullable=False),
            Column("decided_on", Date, nullable=False),
            Column("revoked_on", Date),
            Column("revocation_reason", Text),
            Column("revocation_ref", String(60)),
            Column("recorded_by_user", String(100)),
            Column("recorded_by_agency", String(100)),
            Column("revoked_by_user", String(100)),
            Column("revoked_by_agency", String(100)),
        )

    # -- queries ---------------------------------------------------------------------------
    def _rows(self, *conditions: Any, order: tuple[Any, ...] = ()) -> list[dict[str, Any]]:
        t, f = self.listings, self.facilities
        query = (
            select(t, f.c.name.label("facility_name"), f.c.region_code)
            .select_from(t.outerjoin(f, f.c.uscc == t.c.uscc))
            .where(*conditions)
            .order_by(*(order or (t.c.effective_on, t.c.proposed_on, t.c.listing_id)))
        )
        with self.reader.connect() as conn:
            rows = conn.execute(query).all()
        out = []
        for row in rows:
            item = dict(row._mapping)
            for key in ("evidence", "responsible_persons", "measures"):
                item[key] = json.loads(item[key])
            # outputs say inclusive "through" dates; the table keeps the half-open end (valid_to)
            end = item.pop("valid_to")
            item["through"] = end - timedelta(days=1) if end else None
            out.append(item)
        return out

    def in_force(self, kind: str, as_of: date, region_prefix: str = "") -> list[dict[str, Any]]:
        """Listings of `kind` in force on `as_of`: effective_on ≤ as_of < valid_to."""
        t, f = self.listings, self.facilities
        conditions = [t.c.list_kind == kind, t.c.effective_on <= as_of, t.c.valid_to > as_of]
        if region_prefix:
            conditions.append(f.c.region_code.startswith(region_prefix, autoescape=True))
        return self._rows(*conditions)

    def blacklist(self, as_of: date, region_prefix: str = "") -> list[dict[str, Any]]:
        """失信名单: one entry per facility with a joint-punishment listing in force."""
        by_facility: dict[str, dict[str, Any]] = {}
        for row in self.in_force(JOINT_PUNISHMENT, as_of, region_prefix):
            entry = by_facility.setdefault(row["uscc"], {
                "uscc": row["uscc"], "facility_name": row["facility_name"], "region_code": row["region_code"],
                "listed_since": row["effective_on"], "listed_until": row["expires_on"], "criteria": [],
                "listing_ids": [],
            })
            entry["criteria"].append(row["criterion"])
            entry["listing_ids"].append(row["listing_id"])
            entry["listed_since"] = min(entry["listed_since"], row["effective_on"])
            entry["listed_until"] = max(entry["listed_until"], row["expires_on"])
        return [by_facility[k] for k in sorted(by_facility)]

    def history(self, uscc: str | None = None, status: str | None = None) -> list[dict[str, Any]]:
        t = self.listings
        conditions = []
        if uscc:
            conditions.append(t.c.uscc == uscc)
        if status:
            conditions.append(t.c.status == status)
        return self._rows(*conditions, order=(t.c.proposed_on, t.c.listing_id))

    def get(self, listing_id: str) -> dict[str, Any] | None:
        rows = self._rows(self.listings.c.listing_id == listing_id)
        if not rows:
            return None
        row = rows[0]
        row["steps"] = self.steps_of(listing_id)
        return row

    def steps_of(self, listing_id: str) -> list[dict[str, Any]]:
        t = self.steps
        with self.reader.connect() as conn:
            rows = conn.execute(select(t).where(t.c.listing_id == listing_id).order_by(t.c.version)).all()
        out = []
        for row in rows:
            item = dict(row._mapping)
            item["details"] = json.loads(item["details"])
            out.append(item)
        return out

    def decision(self, decision_no: str) -> dict[str, Any] | None:
        t = self.decisions
        with self.reader.connect() as conn:
            row = conn.execute(select(t).where(t.c.decision_no == decision_no)).first()
        if row is None:
            return None
        item = dict(row._mapping)
        item["evidence"] = json.loads(item["evidence"])
        return item

    def decisions_of(self, uscc: str) -> list[dict[str, Any]]:
        t = self.decisions
        with self.reader.connect() as conn:
            rows = conn.execute(select(t.c.decision_no).where(t.c.uscc == uscc).order_by(
                t.c.decided_on, t.c.decision_no)).all()
        return [d for (no,) in rows if (d := self.decision(no)) is not None]

    def explain(self, listing_id: str) -> dict[str, Any] | None:
        """Why: the criterion and its legal basis, the decision it rests on, and every step."""
        row = self.get(listing_id)
        if row is None:
            return None
        procedure = LISTING_PROCEDURES.get(row["procedure_version"], LISTING_PROCEDURE_2019)
        return {
            "listing_id": listing_id,
            "uscc": row["uscc"],
            "facility_name": row["facility_name"],
            "list_kind": row["list_kind"],
            "status": row["status"],
            "rule": {"criterion": row["criterion"], "title": row["criterion_title"],
                     "legal_basis": row["legal_basis"], "procedure_version": row["procedure_version"]},
            "proposed_by": {"actor": row["proposed_by"], "source": row["proposed_source"]},
            "penalty_decision": (self.decision(row["penalty_decision_no"])
                                 if row["penalty_decision_no"] else None),
            "evidence": row["evidence"],
            # "through" dates are inclusive: in force from `from` through `through` (the day before
            # the half-open interval's end); `until` is the term's last day had it run its course
            "in_force": {"from": row["effective_on"], "until": row["expires_on"],
                         "through": row["through"],
                         "end_reason": row["end_reason"]},
            "chain": [{**{k: s[k] for k in _CHAIN_KEYS},
                       "legal_basis": procedure.step_basis(s["event_type"], s["details"])}
                      for s in row["steps"]],
        }

    def due(self, today: date) -> list[tuple[str, str]]:
        """Deadlines for the clock: (command, listing id) for windows passed and terms ended."""
        t = self.listings
        with self.reader.connect() as conn:
            confirm = conn.execute(select(t.c.listing_id).where(
                t.c.status == NOTICE_SERVED, t.c.objection_due_on < today).order_by(t.c.listing_id)).all()
            expire = conn.execute(select(t.c.listing_id).where(
                and_(t.c.status == LISTED, t.c.expires_on < today)).order_by(t.c.listing_id)).all()
        return [("confirm_listing", r[0]) for r in confirm] + [("expire_listing", r[0]) for r in expire]

    # -- public output (published data only, no personal data) ------------------------------
    @staticmethod
    def public_entry(row: dict[str, Any]) -> dict[str, Any]:
        persons = row.get("responsible_persons") or {}
        return {
            "uscc": row["uscc"],
            "facility_name": row["facility_name"],
            "region_code": row["region_code"],
            "list_kind": row["list_kind"],
            "criterion": row["criterion"],
            "criterion_title": row["criterion_title"],
            "legal_basis": row["legal_basis"],
            "authority": row["authority"],
            "penalty_decision_no": row["penalty_decision_no"],
            "effective_on": row["effective_on"],
            "expires_on": row["expires_on"],
            "measures": [{"code": m, "title": MEASURE_TITLES.get(m, m)} for m in row["measures"]],
            "responsible_persons": {k: mask_name(v) for k, v in sorted(persons.items()) if v},
        }


class CreditListsProjection(ViewProjection[CreditListsView]):
    name = "credit_lists"
    view_class = CreditListsView

    # -- facilities (names for the lists) --------------------------------------------------
    @handles(Facility.Registered)
    def _facility_registered(self, event: Facility.Registered, session: Session) -> None:
        self.buffer(session, self.view.facilities).insert(
            {"uscc": event.uscc, "name": event.profile["name"], "region_code": event.profile["region_code"]})

    @handles(Facility.ProfileChanged)
    def _facility_changed(self, event: Facility.ProfileChanged, session: Session) -> None:
        values = {k: event.changes[k] for k in ("name", "region_code") if k in event.changes}
        if values:
            self.buffer(session, self.view.facilities).update((event.uscc,), values)

    # -- penalty decisions -----------------------------------------------------------------
    @handles(PenaltyDecision.Decided)
    def _decided(self, event: PenaltyDecision.Decided, session: Session) -> None:
        session.execute(self.view.decisions.insert().values(
            decision_no=event.decision_no, uscc=event.uscc,
            event_ref=event_ref(event.originator_id, event.originator_version),
            authority=event.authority, authority_kind=event.authority_kind, conduct=event.conduct,
            legal_basis=event.legal_basis, summary=event.summary, fine_fen=event.fine_fen,
            evidence=_json(event.evidence), decided_on=event.decided_on,
            recorded_by_user=event.actor.user, recorded_by_agency=event.actor.agency,
        ))

    @handles(PenaltyDecision.Revoked)
    def _revoked(self, event: PenaltyDecision.Revoked, session: Session) -> None:
        t = self.view.decisions
        session.execute(t.update().where(t.c.decision_no == event.decision_no).values(
            revoked_on=event.occurred_on, revocation_reason=event.reason,
            revocation_ref=event_ref(event.originator_id, event.originator_version),
            revoked_by_user=event.actor.user, revoked_by_agency=event.actor.agency))

    # -- listings --------------------------------------------------------------------------
    def _step(self, event: Any, session: Session) -> None:
        actor = getattr(event, "actor", None)
        session.execute(self.view.steps.insert().values(
            listing_id=str(event.originator_id), version=event.originator_version,
            event_ref=event_ref(event.originator_id, event.originator_version),
            event_type=type(event).__qualname__, occurred_on=event.occurred_on, recorded_at=event.timestamp,
            actor_user=getattr(actor, "user", None), actor_agency=getattr(actor, "agency", None),
            source=event.source,
            details=_json({k: v for k, v in public_payload(event).items() if k != "responsible_persons"}),
        ))

    def _update(self, event: Any, session: Session, **values: Any) -> None:
        self._step(event, session)
        t = self.view.listings
        session.execute(t.update().where(t.c.listing_id == str(event.originator_id)).values(
            version=event.originator_version, **values))

    @handles(Listing.Proposed)
    def _proposed(self, event: Listing.Proposed, session: Session) -> None:
        session.execute(self.view.listings.insert().values(
            listing_id=str(event.originator_id), uscc=event.uscc, list_kind=event.list_kind,
            criterion=event.criterion, criterion_title=event.criterion_title, legal_basis=event.legal_basis,
            authority=event.authority, reason=event.reason, evidence=_json(event.evidence),
            penalty_decision_no=event.penalty_decision_no,
            responsible_persons=_json(event.responsible_persons), procedure_version=event.procedure_version,
            proposed_by=event.actor.agency, proposed_source=event.source, proposed_on=event.occurred_on,
            status="proposed", measures="[]", version=event.originator_version,
        ))
        self._step(event, session)

    @handles(Listing.NoticeServed)
    def _notice_served(self, event: Listing.NoticeServed, session: Session) -> None:
        self._update(event, session, status="notice_served", notice_no=event.notice_no,
                     served_on=event.occurred_on, objection_due_on=event.objection_due_on,
                     objection_due_basis=event.due_basis, objection_due_note=event.due_note)

    @handles(Listing.DeadlineRevised)
    def _deadline_revised(self, event: Listing.DeadlineRevised, session: Session) -> None:
        self._update(event, session, objection_due_on=event.due_on, objection_due_basis=event.basis,
                     objection_due_note=event.note)

    @handles(Listing.ObjectionFiled)
    def _objection_filed(self, event: Listing.ObjectionFiled, session: Session) -> None:
        self._update(event, session, status="objection_filed", objection_filed_on=event.occurred_on)

    @handles(Listing.ObjectionDecided)
    def _objection_decided(self, event: Listing.ObjectionDecided, session: Session) -> None:
        self._update(event, session, objection_upheld=event.upheld)

    @handles(Listing.Listed)
    def _listed(self, event: Listing.Listed, session: Session) -> None:
        self._update(event, session, status="listed", effective_on=event.effective_on,
                     expires_on=event.expires_on, term_years=event.term_years, measures=_json(event.measures),
                     valid_to=event.expires_on + timedelta(days=1))

    @handles(Listing.Dropped)
    def _dropped(self, event: Listing.Dropped, session: Session) -> None:
        self._update(event, session, status="dropped", end_reason=event.reason, ended_on=event.occurred_on)

    @handles(Listing.Removed)
    def _removed(self, event: Listing.Removed, session: Session) -> None:
        self._update(event, session, status="removed", end_reason=event.reason, ended_on=event.ended_on,
                     valid_to=event.ended_on)


KINDS = {"blacklist": JOINT_PUNISHMENT, "joint-punishment": JOINT_PUNISHMENT, "key-attention": KEY_ATTENTION}
