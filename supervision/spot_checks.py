"""“双随机、一公开” commands: the inspector pool, campaigns and their verifiable draw, results and
their publication within 20 working days.

The draw is commit–reveal (docs/draw.md). `commit_spot_check_seed` makes the seed with `secrets`
(nobody supplies one) and records only its SHA-256 commitment, the seed sealed. `draw_spot_check`
then gathers the snapshot through `spot_check_directory` (set by the composition root, reading the
views: the application never imports projections), opens the sealed seed, and lets the pure
`supervision.policy.draw` compute the result, which the `Drawn` event records with the seed, the
snapshot and its digest. `spot_check_draw_record` / `verify_spot_check_draw` read every attempt
back from the event store.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from datetime import date
from typing import Any
from uuid import UUID

from supervision.application import Accepted, Context, SupervisionBase
from supervision.domain.errors import (
    Conflict,
    FacilityNotFound,
    InvalidCommand,
    InvalidValue,
    NotFound,
    PermissionDenied,
)
from supervision.domain.facility import OWNERSHIPS, facility_id
from supervision.domain.inspector import (
    Inspector,
    InspectorAlreadyCertified,
    InspectorNotFound,
    check_inspector_id,
    inspector_id,
)
from supervision.domain.spot_check import (
    CampaignAlreadyPlanned,
    CampaignNotFound,
    EmptyDirectory,
    Inspection,
    InspectionNotFound,
    NotEnoughEligibleInspectors,
    SpotCheckCampaign,
    inspection_id,
)
from supervision.domain.uscc import validate_uscc
from supervision.domain.values import deterministic_id, not_after
from supervision.idempotency import fresh_id, repeated
from supervision.policy.draw import (
    DRAW_PROTOCOL,
    DrawInputs,
    PoolEntry,
    commitment_of,
    draw,
    snapshot_digest,
    snapshot_of,
    staffing_shortages,
    verify_chain,
)
from supervision.policy.sampling import PUBLICATION_GUOFA_2019_5, SAMPLING_GUOFA_2019_5
from supervision.roles import ADMIN, INSPECTOR

#: (region_prefix, ownerships, today) -> ([(uscc, level)] in USCC order, [pool entry dicts])
DirectoryProvider = Callable[[str, list[str], date], tuple[list[tuple[str, str]], list[dict[str, Any]]]]

#: where results are published unless the command names another channel
DEFAULT_CHANNEL = "国家企业信用信息公示系统"


def campaign_key(value: str | UUID) -> str:
    """Canonical campaign id; anything that is not a UUID names no campaign (404)."""
    try:
        return str(UUID(str(value)))
    except ValueError:
        raise CampaignNotFound(str(value)) from None


def agency_kind(agency: str) -> str:
    """MZJ-140500 → MZJ: the kind of agency (民政 / 消防救援 / 市场监管)."""
    return agency.split("-", 1)[0]


class SpotCheckCommands(SupervisionBase):
    sampling = SAMPLING_GUOFA_2019_5
    publication = PUBLICATION_GUOFA_2019_5
    #: set by the composition root (infra.spot_check_directory); reads the views for the draw
    spot_check_directory: DirectoryProvider | None = None

    # -- lookups ----------------------------------------------------------------------------
    def get_inspector(self, value: str) -> Inspector:
        check_inspector_id(value)
        return self._get(inspector_id(value), Inspector, lambda: InspectorNotFound(value))

    def get_campaign(self, campaign_id: str | UUID) -> SpotCheckCampaign:
        key = campaign_key(campaign_id)
        return self._get(UUID(key), SpotCheckCampaign, lambda: CampaignNotFound(key))

    def get_inspection(self, campaign_id: str | UUID, uscc: str) -> Inspection:
        key, code = campaign_key(campaign_id), validate_uscc(uscc)

        def not_found() -> NotFound:
            if not self._exists(UUID(key)):
                return CampaignNotFound(key)
            return InspectionNotFound(key, code)

        return self._get(inspection_id(key, code), Inspection, not_found)

    # -- inspector pool (执法检查人员名录库) ---------------------------------------------------
    def certify_inspector(
        self,
        ctx: Context,
        *,
        inspector_id: str,
        name: str,
        agency: str,
        region_code: str,
        certificate_no: str,
        personal: dict[str, Any] | None = None,
        occurred_on: date | None = None,
    ) -> Accepted:
        """Each agency keeps its own inspectors in the shared pool (admin may certify for any)."""
        when = self.check_occurred_on(occurred_on)
        if ctx.actor.role != ADMIN and agency_kind(agency) != agency_kind(ctx.actor.agency):
            raise PermissionDenied(f"{ctx.actor.agency} may not certify inspectors of {agency}")
        inspector = Inspector.certify(
            inspector_id=inspector_id,
            name=name,
            agency=agency,
            region_code=region_code,
            certificate_no=certificate_no,
            personal_sealed=self.sealer.seal_optional(personal),
            occurred_on=when,
            actor=ctx.actor,
            source=ctx.source,
        )
        nid = self._save(inspector, conflict=lambda: InspectorAlreadyCertified(inspector_id))
        return self.accepted(inspector, nid, inspector_id=inspector_id, agency=agency)

    def declare_inspector_conflict(
        self, ctx: Context, *, inspector_id: str, uscc: str, reason: str, occurred_on: date | None = None
    ) -> Accepted:
        """回避: declared by the inspector or by a regulator; the draw then never pairs them."""
        when = self.check_occurred_on(occurred_on)
        if ctx.actor.role == INSPECTOR and ctx.actor.user != inspector_id:
            raise PermissionDenied("an inspector may declare only their own conflicts of interest")
        code = validate_uscc(uscc)
        if not self._exists(facility_id(code)):
            raise FacilityNotFound(code)
        inspector = self.get_inspector(inspector_id)
        inspector.declare_conflict(uscc=code, reason=reason, occurred_on=when, actor=ctx.actor,
                                   source=ctx.source)
        nid = self._save(inspector, what=f"inspector {inspector_id}")
        return self.accepted(inspector, nid, inspector_id=inspector_id, uscc=code)

    def decertify_inspector(
        self, ctx: Context, *, inspector_id: str, reason: str, occurred_on: date | None = None
    ) -> Accepted:
        when = self.check_occurred_on(occurred_on)
        inspector = self.get_inspector(inspector_id)
        if ctx.actor.role != ADMIN and agency_kind(inspector.agency) != agency_kind(ctx.actor.agency):
            raise PermissionDenied(f"{ctx.actor.agency} may not decertify inspectors of {inspector.agency}")
        inspector.decertify(reason=reason, occurred_on=when, actor=ctx.actor, source=ctx.source)
        nid = self._save(inspector, what=f"inspector {inspector_id}")
        return self.accepted(inspector, nid, inspector_id=inspector_id)

    # -- campaigns and the draw -------------------------------------------------------------
    def plan_spot_check_campaign(
        self,
        ctx: Context,
        *,
        name: str,
        kind: str,
        agencies: list[str],
        region_prefix: str,
        checklist: list[dict[str, str]],
        ownerships: list[str] | None = None,
        reference: str | None = None,
        sampling_ratios: dict[str, int] | None = None,
        inspectors_per_facility: int | None = None,
        occurred_on: date | None = None,
    ) -> Accepted:
        when = self.check_occurred_on(occurred_on)
        problems = self.sampling.check_ratios(sampling_ratios or {})
        if problems:
            raise InvalidCommand("invalid sampling ratios", {"sampling_ratios": problems})
        sampling = self.sampling.as_record(sampling_ratios)
        if inspectors_per_facility is not None:
            sampling["inspectors_per_facility"] = inspectors_per_facility
        key = str(deterministic_id("spot_check_campaign", reference) if reference
                  else fresh_id("spot_check_campaign"))
        campaign = SpotCheckCampaign.plan(
            campaign_id=key,
            reference=reference,
            name=name,
            kind=kind,
            agencies=list(agencies),
            region_prefix=region_prefix,
            ownerships=list(ownerships or OWNERSHIPS),
            checklist=list(checklist),
            sampling=sampling,
            occurred_on=when,
            actor=ctx.actor,
            source=ctx.source,
        )
        nid = self._save(campaign, conflict=lambda: (CampaignAlreadyPlanned(reference) if reference
                                                     else repeated("campaign", key)))
        return self.accepted(campaign, nid, campaign_id=key, reference=reference)

    @staticmethod
    def check_organiser(ctx: Context, campaign: SpotCheckCampaign, what: str) -> None:
        """Only the campaign's own agencies (and admin) commit and draw: whoever draws sees the
        result before the visit, so nobody else may."""
        if ctx.actor.role != ADMIN and ctx.actor.agency not in campaign.agencies:
            raise PermissionDenied(f"{ctx.actor.agency} is not one of campaign {campaign.campaign_id}'s "
                                   f"agencies ({', '.join(campaign.agencies)}) and may not {what}")

    def _current_inspections(self, campaign: SpotCheckCampaign) -> list[Inspection]:
        """The inspections the campaign's current draw scheduled (empty before any draw)."""
        facilities = (campaign.draw_result or {}).get("facilities", [])
        return [self.get_inspection(campaign.campaign_id, f["uscc"]) for f in facilities]

    def commit_spot_check_seed(
        self,
        ctx: Context,
        *,
        campaign_id: str | UUID,
        reason: str | None = None,
        occurred_on: date | None = None,
    ) -> Accepted:
        """Step 1 of the draw: a CSPRNG seed, its SHA-256 commitment public, the seed sealed.

        Returns the commitment, never the seed. A commitment after the first is a redraw: it needs
        a reason and is refused once a result is recorded or the visit date has come.
        """
        when = self.check_occurred_on(occurred_on)
        campaign = self.get_campaign(campaign_id)
        self.check_organiser(ctx, campaign, "commit its draw's seed")
        recorded = sum(1 for i in self._current_inspections(campaign) if i.result is not None)
        seed = secrets.token_hex(DRAW_PROTOCOL.seed_bytes)
        commitment = commitment_of(seed)
        campaign.commit_seed(
            commitment=commitment,
            seed_sealed=self.sealer.seal({"seed": seed}),
            reason=reason,
            results_recorded=recorded,
            today=self.today(),
            occurred_on=when,
            actor=ctx.actor,
            source=ctx.source,
        )
        del seed
        nid = self._save(campaign, what=f"campaign {campaign.campaign_id}")
        return self.accepted(campaign, nid, campaign_id=campaign.campaign_id, attempt=campaign.attempt,
                             commitment=commitment, protocol=DRAW_PROTOCOL.version)

    def draw_spot_check(
        self,
        ctx: Context,
        *,
        campaign_id: str | UUID,
        visit_on: date,
        occurred_on: date | None = None,
    ) -> Accepted:
        """Step 2: freeze the snapshot, reveal the committed seed, draw; the campaign and every
        drawn facility's Inspection (scheduled, re-teamed or withdrawn) in one save.

        Refusals (empty scope, a facility of the scope that could not be staffed) come before the
        seed is opened, write nothing and leave the commitment pending.
        """
        when = self.check_occurred_on(occurred_on)
        campaign = self.get_campaign(campaign_id)
        self.check_organiser(ctx, campaign, "draw it")
        campaign.check_drawable(when)
        if visit_on < when:
            raise InvalidValue("visit_on", f"the visits cannot start before the draw ({when})")
        if self.spot_check_directory is None:
            raise RuntimeError("no spot-check directory is configured (infra.bootstrap sets it)")
        directory, pool = self.spot_check_directory(campaign.region_prefix, list(campaign.ownerships), when)
        if not directory:
            raise EmptyDirectory(campaign.region_prefix)
        sampling = campaign.sampling
        entries = tuple(PoolEntry.from_record(p) for p in pool)
        shortages = staffing_shortages(directory, entries, campaign.agencies,
                                       sampling["inspectors_per_facility"])
        if shortages:
            raise NotEnoughEligibleInspectors(shortages, scope="directory")
        assert campaign.seed_sealed is not None and campaign.commitment is not None
        seed = self.sealer.unseal(campaign.seed_sealed)["seed"]
        if commitment_of(seed) != campaign.commitment:
            raise Conflict("the sealed seed does not match its commitment; commit again with a reason",
                           {"campaign_id": ["seed does not match commitment"]})
        inputs = DrawInputs(
            seed=seed,
            directory=tuple((uscc, level) for uscc, level in directory),
            pool=entries,
            agencies=tuple(campaign.agencies),
            ratios_percent=dict(sampling["ratios_percent"]),
            minimum_per_level=sampling["minimum_per_level"],
            inspectors_per_facility=sampling["inspectors_per_facility"],
        )
        result = draw(inputs)
        record = inputs.as_record()
        digest = snapshot_digest(snapshot_of(record))
        previous = {i.uscc: i for i in self._current_inspections(campaign) if not i.withdrawn}
        campaign.record_draw(inputs=record, result=result, snapshot_digest=digest, visit_on=visit_on,
                             occurred_on=when, actor=ctx.actor, source=ctx.source)
        attempt = campaign.attempt
        touched: list[Inspection] = []
        for f in result["facilities"]:
            key = inspection_id(campaign.campaign_id, f["uscc"])
            existing = previous.pop(f["uscc"], None)
            if existing is None and self._exists(key):
                existing = self.get_inspection(campaign.campaign_id, f["uscc"])  # withdrawn earlier
            if existing is not None:
                existing.redraw(attempt=attempt, level=f["level"], inspectors=list(f["inspectors"]),
                                occurred_on=when, actor=ctx.actor, source=ctx.source)
                touched.append(existing)
                continue
            touched.append(Inspection.schedule(
                campaign_id=campaign.campaign_id,
                uscc=f["uscc"],
                level=f["level"],
                inspectors=list(f["inspectors"]),
                checklist=campaign.checklist,
                agencies=campaign.agencies,
                occurred_on=when,
                actor=ctx.actor,
                source=ctx.source,
                attempt=attempt,
            ))
        for left_out in previous.values():
            left_out.withdraw(attempt=attempt, occurred_on=when, actor=ctx.actor, source=ctx.source)
            touched.append(left_out)
        nid = self._save(campaign, *touched, what=f"campaign {campaign.campaign_id}")
        return self.accepted(
            campaign, nid, campaign_id=campaign.campaign_id, attempt=attempt, commitment=campaign.commitment,
            seed=seed, algorithm=record["algorithm"], snapshot_digest=digest,
            directory_size=len(record["directory"]), visit_on=visit_on, drawn=result["facilities"],
        )

    def spot_check_draw_record(self, campaign_id: str | UUID) -> dict[str, Any]:
        """Every attempt of a campaign's draw, read from the event store (not a view: the proof
        rests on the record itself).

        `{"campaign_id", "agencies", "current_attempt", "visit_on", "attempts": [{"attempt",
        "status" (committed | drawn | superseded), "commitment", "committed_on", "committed_at",
        "reason", "committed_by", and once drawn "drawn_on", "drawn_at", "drawn_by", "seed",
        "algorithm", "snapshot_digest", "snapshot", "result", "visit_on"}]}`. Callers decide who may
        see the drawn parts (`draw_visibility`); the sealed seed of a pending commitment never leaves.
        """
        campaign = self.get_campaign(campaign_id)
        attempts: dict[int, dict[str, Any]] = {}
        for e in self.events.get(campaign.id):
            if isinstance(e, SpotCheckCampaign.SeedCommitted):
                attempts[e.attempt] = {
                    "attempt": e.attempt, "status": "committed", "commitment": e.commitment,
                    "committed_on": e.occurred_on, "committed_at": e.timestamp, "reason": e.reason,
                    "committed_by": e.actor.agency,
                }
            elif isinstance(e, SpotCheckCampaign.Drawn):
                number = getattr(e, "attempt", 1)
                entry = attempts.setdefault(number, {
                    "attempt": number, "commitment": None, "committed_on": None, "committed_at": None,
                    "reason": None, "committed_by": None})
                entry.update(
                    status="drawn", drawn_on=e.occurred_on, drawn_at=e.timestamp, drawn_by=e.actor.agency,
                    seed=e.seed, algorithm=e.algorithm,
                    snapshot_digest=getattr(e, "snapshot_digest", None) or snapshot_digest(
                        snapshot_of(e.inputs)),
                    snapshot=snapshot_of(e.inputs), result=e.result,
                    visit_on=getattr(e, "visit_on", None) or e.occurred_on,
                )
        for number, entry in attempts.items():
            if entry["status"] == "drawn" and number != campaign.drawn_attempt:
                entry["status"] = "superseded"
        return {
            "campaign_id": campaign.campaign_id,
            "agencies": list(campaign.agencies),
            "current_attempt": campaign.attempt,
            "visit_on": campaign.visit_on if campaign.is_drawn else None,
            "attempts": [attempts[n] for n in sorted(attempts)],
        }

    def verify_spot_check_draw(self, campaign_id: str | UUID) -> dict[str, Any]:
        """commitment → seed → snapshot → result for the current draw, plus the order of the record:
        the commitment must precede the snapshot. 409 before any draw."""
        record = self.spot_check_draw_record(campaign_id)
        drawn = [a for a in record["attempts"] if a["status"] == "drawn"]
        if not drawn:
            raise Conflict(f"campaign {record['campaign_id']} has not been drawn yet",
                           {"campaign_id": ["not drawn yet"]})
        current = drawn[-1]
        chain = verify_chain(current)
        steps = list(chain["steps"])
        differences = list(chain["differences"])
        ordered = current["committed_at"] is not None and current["committed_at"] < current["drawn_at"]
        steps.insert(1, {"step": "order", "ok": ordered, "detail":
                         "the commitment was recorded before the snapshot was frozen" if ordered
                         else "no commitment precedes the snapshot"})
        if not ordered:
            differences.append("order: no commitment precedes the snapshot")
        return {
            "campaign_id": record["campaign_id"],
            "attempt": current["attempt"],
            "attempts": len(record["attempts"]),
            "redraws": [{"attempt": a["attempt"], "reason": a["reason"], "committed_on": a["committed_on"]}
                        for a in record["attempts"] if a["attempt"] > 1],
            "algorithm": current["algorithm"],
            "commitment": current["commitment"],
            "committed_on": current["committed_on"],
            "seed": current["seed"],
            "snapshot_digest": current["snapshot_digest"],
            "drawn_on": current["drawn_on"],
            "visit_on": current["visit_on"],
            "directory_size": len(current["snapshot"].get("directory", [])),
            "pool_size": len(current["snapshot"].get("pool", [])),
            "facility_count": len(current["result"].get("facilities", [])),
            "steps": steps,
            "verified": not differences,
            "differences": differences,
        }

    # -- results and publication (一公开) ----------------------------------------------------
    def record_spot_check_result(
        self,
        ctx: Context,
        *,
        campaign_id: str | UUID,
        uscc: str,
        conclusion: str,
        items: list[dict[str, Any]] | None = None,
        evidence: list[str] | None = None,
        completed_on: date | None = None,
        occurred_on: date | None = None,
    ) -> Accepted:
        """Only the inspectors drawn for the facility (or civil-affairs staff) record its result, completed
        on or after the campaign's visit date (422 `completed_on` before it: a result published before the
        visits would disclose the draw while the draw record still hides it)."""
        if completed_on is not None and occurred_on is not None and completed_on != occurred_on:
            raise InvalidValue("completed_on", "differs from occurred_on; give the completion date once")
        completed = not_after(completed_on, self.today(), "completed_on") if completed_on else None
        when = completed or self.check_occurred_on(occurred_on)
        inspection = self.get_inspection(campaign_id, uscc)
        inspection.check_active()
        visit_on = self.get_campaign(inspection.campaign_id).visit_on
        if visit_on is not None and when < visit_on:  # the draw stays secret until the visits start
            raise InvalidValue("completed_on", f"the visits start on {visit_on.isoformat()}: a result "
                                               f"cannot be completed on {when.isoformat()}, before them")
        if ctx.actor.role == INSPECTOR and not inspection.is_drawn_inspector(ctx.actor.user):
            raise PermissionDenied(
                f"inspector {ctx.actor.user} was not drawn for {inspection.uscc} in this campaign"
            )
        deadline = self.calendar.add_working_days(when, self.publication.working_days)
        inspection.record_result(
            items=list(items or []),
            conclusion=conclusion,
            evidence=list(evidence or []),
            completed_on=when,
            publish_due_on=deadline.due_on,
            due_basis=deadline.basis,
            due_note=deadline.note,
            publication_policy=self.publication.version,
            occurred_on=when,
            actor=ctx.actor,
            source=ctx.source,
        )
        nid = self._save(inspection, what=f"inspection of {inspection.uscc}")
        return self.accepted(
            inspection, nid, campaign_id=inspection.campaign_id, uscc=inspection.uscc,
            publish_due_on=deadline.due_on, due_basis=deadline.basis, due_note=deadline.note,
        )

    def publish_spot_check_result(
        self,
        ctx: Context,
        *,
        campaign_id: str | UUID,
        uscc: str,
        channel: str | None = None,
        occurred_on: date | None = None,
    ) -> Accepted:
        when = self.check_occurred_on(occurred_on)
        inspection = self.get_inspection(campaign_id, uscc)
        inspection.publish(channel=channel or DEFAULT_CHANNEL, occurred_on=when, actor=ctx.actor,
                           source=ctx.source)
        nid = self._save(inspection, what=f"inspection of {inspection.uscc}")
        return self.accepted(inspection, nid, campaign_id=inspection.campaign_id, uscc=inspection.uscc,
                             published_on=when, late=when > (inspection.publish_due_on or when))

    def mark_publication_overdue(
        self,
        ctx: Context,
        *,
        campaign_id: str | UUID,
        uscc: str,
        today: date,
        occurred_on: date | None = None,
    ) -> Accepted:
        """The clock's command; a Conflict when already marked or published keeps it exactly-once."""
        inspection = self.get_inspection(campaign_id, uscc)
        inspection.mark_publication_overdue(today=today, actor=ctx.actor, source=ctx.source)
        nid = self._save(inspection, what=f"inspection of {inspection.uscc}")
        return self.accepted(inspection, nid, campaign_id=inspection.campaign_id, uscc=inspection.uscc,
                             publish_due_on=inspection.publish_due_on)
