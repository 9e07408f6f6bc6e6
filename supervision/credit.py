"""Credit commands: 行政处罚决定 and the listing procedure of 民发〔2019〕103号.

"谁监管、谁列入": a listing is decided by the civil-affairs bureau of the facility's region, so a
civil-affairs actor's agency code (`MZJ-<region>`) must cover the facility's region code. Policy
processes (role system) propose in the name of the city bureau of the facility's region.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date, timedelta
from typing import Any
from uuid import UUID

from supervision.application import Accepted, Context, SupervisionBase
from supervision.domain.errors import ConcurrentModification, InvalidValue, PermissionDenied
from supervision.domain.listing import (
    ANNULLED,
    DECISION_REVOKED,
    LISTED,
    PENDING,
    WITHDRAWN,
    CreditRecord,
    JointlyPunishedCannotBeGraded,
    Listing,
    ListingAlreadyProposed,
    ListingNotFound,
    ListingStepRefused,
    credit_record_id,
    listing_id,
    parse_event_ref,
)
from supervision.domain.penalty import (
    PenaltyDecision,
    PenaltyDecisionAlreadyRecorded,
    PenaltyDecisionNotFound,
    penalty_decision_id,
)
from supervision.domain.values import Actor
from supervision.policy.listing_criteria import (
    JOINT_PUNISHMENT,
    LISTING_PROCEDURE_2019,
    ListingProcedure,
    criterion,
)
from supervision.policy.periods import full_years_elapsed_from, last_day_in_force
from supervision.roles import ADMIN, CIVIL_AFFAIRS, SYSTEM

_BUREAU = re.compile(r"^MZJ-(\d{6})$")
#: 直辖市: the provincial-level code is also the city (Beijing, Tianjin, Shanghai, Chongqing)
MUNICIPALITIES = ("11", "12", "31", "50")


def bureau_region_prefix(agency: str) -> str | None:
    """MZJ-140500 (city bureau) → "1405"; MZJ-140502 (county) → "140502"; MZJ-110000 (Beijing, a
    municipality and so a city) → "11"; MZJ-110105 (a Beijing district) → "110105"; a provincial
    bureau, a non-existent municipal "city" bureau (MZJ-110100) or another agency → None."""
    match = _BUREAU.match(agency or "")
    if not match:
        return None
    code = match.group(1)
    if code[:2] in MUNICIPALITIES and code[2:4] != "00" and code[4:] == "00":
        return None  # e.g. MZJ-110100: no such bureau in a municipality
    while code.endswith("00") and len(code) > 2:
        code = code[:-2]
    if len(code) == 2 and code not in MUNICIPALITIES:
        return None
    return code


def city_bureau(region_code: str) -> str:
    """The city-level civil-affairs bureau of a region (县级以上民政部门, "谁监管、谁列入").

    Municipalities (直辖市 北京 110000, 天津 120000, 上海 310000, 重庆 500000) are provincial-level
    cities: their city-level bureau is the municipal bureau (MZJ-110000); "110100" (市辖区) or
    "500200" (县) are statistical groupings with no bureau of their own.
    """
    if region_code[:2] in MUNICIPALITIES:
        return f"MZJ-{region_code[:2]}0000"
    return f"MZJ-{region_code[:4]}00"


def refuse_grading_if_jointly_punished(app: SupervisionBase, uscc: str, on: date) -> None:
    """A facility on the joint-punishment list cannot be graded (民发〔2019〕103号 惩戒措施)."""
    record_id = credit_record_id(uscc)
    if not app._exists(record_id):
        return
    record = app.repository.get(record_id)
    for lid in record.listing_ids(kind=JOINT_PUNISHMENT):
        listing = app.repository.get(lid)
        if listing.in_force_on(on):
            raise JointlyPunishedCannotBeGraded(uscc, lid)


class CreditCommands(SupervisionBase):
    listing_procedure: ListingProcedure = LISTING_PROCEDURE_2019

    # -- loading ---------------------------------------------------------------------------
    def get_listing(self, lid: str | UUID) -> Listing:
        try:
            key = lid if isinstance(lid, UUID) else UUID(str(lid))
        except ValueError:
            raise ListingNotFound(str(lid)) from None
        return self._get(key, Listing, lambda: ListingNotFound(str(lid)))

    def get_penalty_decision(self, decision_no: str) -> PenaltyDecision:
        return self._get(penalty_decision_id(decision_no), PenaltyDecision,
                         lambda: PenaltyDecisionNotFound(decision_no))

    def _credit_record(self, uscc: str, ctx: Context, when: date) -> CreditRecord:
        record_id = credit_record_id(uscc)
        if self._exists(record_id):
            return self.repository.get(record_id)
        return CreditRecord(uscc=uscc, occurred_on=when, actor=ctx.actor, source=ctx.source)

    def _check_listing_bureau(self, actor: Actor, region_code: str) -> None:
        """谁监管、谁列入: civil-affairs staff act only for facilities of their bureau's region."""
        if actor.role in (ADMIN, SYSTEM):
            return
        prefix = bureau_region_prefix(actor.agency)
        if prefix is None or not region_code.startswith(prefix):
            raise PermissionDenied(
                f"agency {actor.agency} is not the civil-affairs bureau of region {region_code}",
                {"uscc": [f"facility in region {region_code}"]},
            )

    def _check_evidence_refs(self, refs: Iterable[str], uscc: str) -> list[str]:
        """Evidence must name recorded events, and events about another facility are refused."""
        out: list[str] = []
        for ref in refs:
            aggregate_id, version = parse_event_ref(ref)
            found = list(self.events.get(aggregate_id, gt=version - 1, lte=version))
            if not found:
                raise InvalidValue("evidence", f"{ref} names no recorded event")
            about = getattr(found[0], "uscc", None)
            if about and about != uscc:
                raise InvalidValue("evidence", f"{ref} is about facility {about}, not {uscc}")
            if ref not in out:
                out.append(ref)
        return out

    def _listing_region(self, listing: Listing) -> str:
        return self.get_facility(listing.uscc).profile["region_code"]  # type: ignore[attr-defined]

    def _listing_step(self, ctx: Context, listing_ref: str) -> Listing:
        listing = self.get_listing(listing_ref)
        self._check_listing_bureau(ctx.actor, self._listing_region(listing))
        return listing

    # -- penalty decisions -----------------------------------------------------------------
    def record_penalty_decision(
        self,
        ctx: Context,
        *,
        uscc: str,
        decision_no: str,
        authority: str,
        authority_kind: str,
        conduct: str,
        legal_basis: str,
        summary: str = "",
        fine_fen: int | None = None,
        evidence: list[str] | None = None,
        occurred_on: date | None = None,
    ) -> Accepted:
        when = self.check_occurred_on(occurred_on)
        facility = self.get_facility(uscc)  # type: ignore[attr-defined]
        facility.check_not_before_start(when, "a penalty decision")
        decision = PenaltyDecision.decide(
            uscc=facility.uscc, decision_no=decision_no, authority=authority,
            authority_kind=authority_kind, conduct=conduct, legal_basis=legal_basis, summary=summary,
            fine_fen=fine_fen, evidence=self._check_evidence_refs(evidence or [], facility.uscc),
            occurred_on=when, actor=ctx.actor, source=ctx.source,
        )
        nid = self._save(decision, conflict=lambda: PenaltyDecisionAlreadyRecorded(decision.decision_no))
        return self.accepted(decision, nid, uscc=facility.uscc, decision_no=decision.decision_no)

    def revoke_penalty_decision(
        self, ctx: Context, *, decision_no: str, reason: str, revoked_by: str = "",
        occurred_on: date | None = None,
    ) -> Accepted:
        """Revocation removes every listing resting on the decision at once (same transaction)."""
        when = self.check_occurred_on(occurred_on)
        decision = self.get_penalty_decision(decision_no)
        decision.revoke(reason=reason, revoked_by=revoked_by or ctx.actor.agency, occurred_on=when,
                        actor=ctx.actor, source=ctx.source)
        changed: list[Any] = [decision]
        ended: list[str] = []
        record_id = credit_record_id(decision.uscc)
        if self._exists(record_id):
            record: CreditRecord = self.repository.get(record_id)
            for lid in record.listing_ids(decision_no=decision.decision_no):
                listing: Listing = self.repository.get(lid)
                basis = f"处罚决定 {decision.decision_no} 已撤销：{reason}"
                if listing.status in PENDING:
                    listing.drop(reason=DECISION_REVOKED, basis=basis,
                                 occurred_on=max(when, listing.last_step_on), actor=ctx.actor,
                                 source=ctx.source)
                elif listing.status == LISTED and listing.in_force_on(when):
                    listing.remove(reason=DECISION_REVOKED, basis=basis, occurred_on=when, actor=ctx.actor,
                                   source=ctx.source)
                else:
                    continue
                changed.append(listing)
                ended.append(str(lid))
        nid = self._save(*changed, what=f"penalty decision {decision.decision_no}")
        return self.accepted(decision, nid, uscc=decision.uscc, decision_no=decision.decision_no,
                             listings_ended=ended)

    # -- the listing procedure -------------------------------------------------------------
    def propose_listing(
        self,
        ctx: Context,
        *,
        uscc: str,
        criterion: str,
        list_kind: str | None = None,
        evidence: list[str] | None = None,
        penalty_decision_no: str | None = None,
        reason: str = "",
        dedupe_key: str | None = None,
        responsible_persons: dict[str, str] | None = None,
        occurred_on: date | None = None,
    ) -> Accepted:
        when = self.check_occurred_on(occurred_on)
        rule = _criterion(criterion)
        facility = self.get_facility(uscc)  # type: ignore[attr-defined]
        facility.check_not_before_start(when, "a listing proposal")
        region = facility.profile["region_code"]
        self._check_listing_bureau(ctx.actor, region)
        if dedupe_key:
            basis = dedupe_key
        elif penalty_decision_no:
            basis = f"penalty:{penalty_decision_no}"
        else:
            basis = "evidence:" + ",".join(sorted(set(evidence or [])))
        key = f"{rule.code}:{facility.uscc}:{basis}"
        if self._exists(listing_id(key)):  # first, so a policy process replaying gets a plain 409
            raise ListingAlreadyProposed(listing_id(key))
        refs = self._check_evidence_refs(evidence or [], facility.uscc)
        if penalty_decision_no:
            decision = self.get_penalty_decision(penalty_decision_no)
            decision.check_in_effect()
            if decision.uscc != facility.uscc:
                raise InvalidValue("penalty_decision_no", f"decision is about facility {decision.uscc}")
            if decision.conduct != rule.code:
                raise InvalidValue("penalty_decision_no",
                                   f"decision punishes {decision.conduct}, not {rule.code}")
            if when < decision.decided_on:
                raise InvalidValue("occurred_on", "a proposal cannot precede the decision it rests on")
        elif not refs:
            raise InvalidValue("evidence", "a listing rests on a penalty decision or on evidence events")
        persons = {
            "legal_representative": facility.profile.get("legal_representative") or "",
            "person_in_charge": facility.profile.get("person_in_charge") or "",
            **{k: v for k, v in (responsible_persons or {}).items() if v},
        }
        authority = ctx.actor.agency if ctx.actor.role == CIVIL_AFFAIRS else city_bureau(region)
        listing = Listing.propose(
            key=key, uscc=facility.uscc, criterion=rule.code, criterion_title=rule.title,
            legal_basis=rule.legal_basis, list_kind=list_kind or rule.default_kind, evidence=refs,
            penalty_decision_no=penalty_decision_no, responsible_persons=persons, authority=authority,
            reason=reason, procedure_version=self.listing_procedure.version, occurred_on=when,
            actor=ctx.actor, source=ctx.source,
        )
        record = self._credit_record(facility.uscc, ctx, when)
        record.attach(listing=listing, occurred_on=when, actor=ctx.actor, source=ctx.source)

        def conflict() -> Exception:
            if self._exists(listing.id):
                return ListingAlreadyProposed(listing.id)
            return ConcurrentModification(f"the credit record of {facility.uscc}")

        nid = self._save(listing, record, conflict=conflict)
        return self.accepted(listing, nid, listing_id=str(listing.id), uscc=facility.uscc,
                             status=listing.status, list_kind=listing.list_kind)

    def serve_listing_notice(
        self, ctx: Context, *, listing_id: str, notice_no: str, occurred_on: date | None = None
    ) -> Accepted:
        when = self.check_occurred_on(occurred_on)
        listing = self._listing_step(ctx, listing_id)
        due = self.calendar.add_working_days(when, self.listing_procedure.objection_working_days)
        listing.serve_notice(notice_no=notice_no, objection_due_on=due.due_on, due_basis=due.basis,
                             due_note=due.note, occurred_on=when, actor=ctx.actor, source=ctx.source)
        return self._listing_saved(listing, objection_due_on=due.due_on.isoformat(), due_basis=due.basis)

    def file_listing_objection(
        self, ctx: Context, *, listing_id: str, summary: str, occurred_on: date | None = None
    ) -> Accepted:
        when = self.check_occurred_on(occurred_on)
        listing = self._listing_step(ctx, listing_id)
        listing.file_objection(summary=summary, occurred_on=when, actor=ctx.actor, source=ctx.source)
        return self._listing_saved(listing)

    def decide_listing_objection(
        self, ctx: Context, *, listing_id: str, decision: str, reasons: str,
        effective_on: date | None = None, measures: list[str] | None = None, occurred_on: date | None = None,
    ) -> Accepted:
        """Upheld → dropped; rejected → listed in the same transaction (effective default: that day)."""
        when = self.check_occurred_on(occurred_on)
        listing = self._listing_step(ctx, listing_id)
        listing.decide_objection(upheld=decision == "upheld", reasons=reasons, occurred_on=when,
                                 actor=ctx.actor, source=ctx.source)
        if decision == "rejected":
            self._list_now(ctx, listing, effective_on or when, measures, when)
        return self._listing_saved(listing)

    def confirm_listing(
        self, ctx: Context, *, listing_id: str, effective_on: date | None = None,
        measures: list[str] | None = None, today: date | None = None, occurred_on: date | None = None,
    ) -> Accepted:
        """No objection within the window → listed. The clock lists as of the day after the window
        closed (whenever it runs); by hand, the default is the day of the decision."""
        listing = self._listing_step(ctx, listing_id)
        if today is not None and occurred_on is None and listing.objection_due_on is not None:
            when = min(listing.objection_due_on + timedelta(days=1), today)
        else:
            when = self.check_occurred_on(occurred_on)
        self._list_now(ctx, listing, effective_on or when, measures, when)
        return self._listing_saved(listing)

    def _list_now(self, ctx: Context, listing: Listing, effective_on: date, measures: list[str] | None,
              when: date) -> None:
        procedure = self.listing_procedure
        procedure.check_measures(listing.list_kind, measures or [])
        listing.list_(
            effective_on=effective_on,
            expires_on=last_day_in_force(effective_on, procedure.term_years),
            term_years=procedure.term_years,
            measures=measures or procedure.default_measures(listing.list_kind),
            occurred_on=when, actor=ctx.actor, source=ctx.source,
        )

    def expire_listing(self, ctx: Context, *, listing_id: str, today: date) -> Accepted:
        """The clock's step: exactly once (a second call finds the listing removed → 409)."""
        listing = self.get_listing(listing_id)
        listing.expire(today=today, actor=ctx.actor, source=ctx.source)
        return self._listing_saved(listing)

    def repair_listing_credit(
        self, ctx: Context, *, listing_id: str, no_further_violation: bool = False,
        obligations_fulfilled: bool = False, rectification_completed: bool = False, basis: str = "",
        occurred_on: date | None = None,
    ) -> Accepted:
        """信用修复: on application ≥ 2 full years after listing, when the facility committed no further
        serious violation, or has fulfilled its obligations and completed rectification."""
        when = self.check_occurred_on(occurred_on)
        listing = self._listing_step(ctx, listing_id)
        if listing.status != LISTED or listing.effective_on is None:
            raise ListingStepRefused("repair credit", listing.status, (LISTED,))
        if not (no_further_violation or (obligations_fulfilled and rectification_completed)):
            raise InvalidValue(
                "no_further_violation",
                "credit repair needs no further serious violation, or obligations fulfilled and "
                "rectification completed",
            )
        if no_further_violation:
            self._check_no_later_listing(listing)
        listing.repair(
            earliest_on=full_years_elapsed_from(listing.effective_on,
                                                self.listing_procedure.repair_min_full_years),
            basis=basis or "信用修复申请", occurred_on=when, actor=ctx.actor, source=ctx.source,
        )
        return self._listing_saved(listing)

    def _check_no_later_listing(self, listing: Listing) -> None:
        """A claim of "no further serious violation" is checked against the facility's credit record."""
        record: CreditRecord = self.repository.get(credit_record_id(listing.uscc))
        assert listing.effective_on is not None
        for lid, info in record.listings.items():
            if lid != str(listing.id) and info["proposed_on"] > listing.effective_on:
                other: Listing = self.repository.get(UUID(lid))
                if other.status in (*PENDING, LISTED):
                    raise InvalidValue("no_further_violation",
                                       f"listing {lid} ({info['criterion']}) was proposed since")

    def remove_listing(
        self, ctx: Context, *, listing_id: str, reason: str, basis: str, occurred_on: date | None = None
    ) -> Accepted:
        """By hand: a proposal withdrawn, or a listing whose decision (or the listing decision itself)
        was set aside. Removal is immediate."""
        when = self.check_occurred_on(occurred_on)
        listing = self._listing_step(ctx, listing_id)
        if listing.status in PENDING:
            listing.drop(reason=reason, basis=basis, occurred_on=when, actor=ctx.actor, source=ctx.source)
        elif reason == WITHDRAWN:
            raise ListingStepRefused("withdraw", listing.status, PENDING)
        else:
            listing.remove(reason=reason, basis=basis, occurred_on=when, actor=ctx.actor, source=ctx.source)
        return self._listing_saved(listing)

    def _listing_saved(self, listing: Listing, **data: Any) -> Accepted:
        nid = self._save(listing, what=f"listing {listing.id}")
        return self.accepted(listing, nid, listing_id=str(listing.id), uscc=listing.uscc,
                             status=listing.status, **data)


def _criterion(code: str) -> Any:
    try:
        return criterion(code)
    except KeyError as exc:
        raise InvalidValue("criterion", str(exc.args[0])) from None


REMOVAL_REASONS = (DECISION_REVOKED, ANNULLED, WITHDRAWN)
