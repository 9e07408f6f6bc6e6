"""“双随机、一公开” commands: the inspector pool, campaigns and their verifiable draw, results and
their publication within 20 working days.

The draw gathers its snapshot through `spot_check_directory` (set by the composition root, reading
the views: the application never imports projections), draws the seed with `secrets` here, and
lets the pure `supervision.policy.draw` compute the result, which the `Drawn` event records.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from datetime import date
from typing import Any
from uuid import UUID, uuid4

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
    SpotCheckCampaign,
    inspection_id,
)
from supervision.domain.uscc import validate_uscc
from supervision.domain.values import deterministic_id, not_after
from supervision.policy.draw import DrawInputs, PoolEntry, draw, verify
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
        key = str(deterministic_id("spot_check_campaign", reference) if reference else uuid4())
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
        nid = self._save(campaign, conflict=lambda: CampaignAlreadyPlanned(reference or key))
        return self.accepted(campaign, nid, campaign_id=key, reference=reference)

    def draw_spot_check(
        self,
        ctx: Context,
        *,
        campaign_id: str | UUID,
        seed: str | None = None,
        occurred_on: date | None = None,
    ) -> Accepted:
        """Snapshot, seed and draw; the campaign and every drawn facility's Inspection in one save."""
        when = self.check_occurred_on(occurred_on)
        campaign = self.get_campaign(campaign_id)
        campaign.check_drawable(when)
        if self.spot_check_directory is None:
            raise RuntimeError("no spot-check directory is configured (infra.bootstrap sets it)")
        directory, pool = self.spot_check_directory(campaign.region_prefix, list(campaign.ownerships), when)
        if not directory:
            raise EmptyDirectory(campaign.region_prefix)
        sampling = campaign.sampling
        inputs = DrawInputs(
            seed=seed or secrets.token_hex(16),
            directory=tuple((uscc, level) for uscc, level in directory),
            pool=tuple(PoolEntry.from_record(p) for p in pool),
            agencies=tuple(campaign.agencies),
            ratios_percent=dict(sampling["ratios_percent"]),
            minimum_per_level=sampling["minimum_per_level"],
            inspectors_per_facility=sampling["inspectors_per_facility"],
        )
        result = draw(inputs)
        record = inputs.as_record()
        campaign.record_draw(inputs=record, result=result, occurred_on=when, actor=ctx.actor,
                             source=ctx.source)
        inspections = [
            Inspection.schedule(
                campaign_id=campaign.campaign_id,
                uscc=f["uscc"],
                level=f["level"],
                inspectors=list(f["inspectors"]),
                checklist=campaign.checklist,
                agencies=campaign.agencies,
                occurred_on=when,
                actor=ctx.actor,
                source=ctx.source,
            )
            for f in result["facilities"]
        ]
        nid = self._save(campaign, *inspections, what=f"campaign {campaign.campaign_id}")
        return self.accepted(
            campaign, nid, campaign_id=campaign.campaign_id, seed=record["seed"],
            algorithm=record["algorithm"], directory_size=len(record["directory"]),
            drawn=result["facilities"],
        )

    def verify_spot_check_draw(self, campaign_id: str | UUID) -> dict[str, Any]:
        """Re-run the pure draw on the inputs recorded in the `Drawn` event (read from the store,
        not from a view: the proof must rest on the record itself)."""
        campaign = self.get_campaign(campaign_id)
        events = self.events.get(campaign.id)
        drawn = next((e for e in events if isinstance(e, SpotCheckCampaign.Drawn)), None)
        if drawn is None:
            raise Conflict(f"campaign {campaign.campaign_id} has not been drawn yet",
                           {"campaign_id": ["not drawn yet"]})
        outcome = verify(drawn.inputs, drawn.result)
        return {
            "campaign_id": campaign.campaign_id,
            "algorithm": drawn.algorithm,
            "seed": drawn.seed,
            "drawn_on": drawn.occurred_on,
            "directory_size": len(drawn.inputs.get("directory", [])),
            "pool_size": len(drawn.inputs.get("pool", [])),
            "facility_count": drawn.facility_count,
            **outcome,
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
        """Only the inspectors drawn for the facility (or civil-affairs staff) record its result."""
        if completed_on is not None and occurred_on is not None and completed_on != occurred_on:
            raise InvalidValue("completed_on", "differs from occurred_on; give the completion date once")
        completed = not_after(completed_on, self.today(), "completed_on") if completed_on else None
        when = completed or self.check_occurred_on(occurred_on)
        inspection = self.get_inspection(campaign_id, uscc)
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
