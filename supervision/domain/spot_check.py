"""“双随机、一公开” spot checks: the campaign (plan, seed commitment, draw) and one Inspection per
drawn facility.

The draw is commit–reveal (docs/draw.md): `SeedCommitted` records SHA-256 of a seed the system made
(the seed itself sealed), then `Drawn` freezes the snapshot, reveals the seed and records the result,
so the events alone are enough to re-run and verify it. Every attempt stays in the stream; a new
commitment after the first is a redraw and needs a reason. The randomness is computed by the pure
`supervision.policy.draw` in the application.
An Inspection exists only for a drawn facility, with the inspectors drawn for it: results for any
other facility have nothing to attach to, and recusal violations cannot be recorded. A redraw
re-teams (`Redrawn`) or withdraws (`Withdrawn`) the inspections of the attempt it replaces.

Secrecy (`draw_visibility`): until the visit date the draw is known to the campaign's organisers
only; an inspector learns only their own assignments; from the visit date on it is public.
"""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from supervision.domain.errors import Conflict, InvalidValue, NotFound
from supervision.domain.facility import OWNERSHIPS
from supervision.domain.inspector import agency_code
from supervision.domain.uscc import validate_uscc
from supervision.domain.values import Actor, deterministic_id
from supervision.policy.calendar import is_provisional
from supervision.roles import ADMIN, CIVIL_AFFAIRS, FIRE, INSPECTOR, MARKET

CAMPAIGN_KINDS = ("annual", "special")
#: conclusions as the national disclosure system (国家企业信用信息公示系统) words them
CONCLUSIONS = {
    "no_problem": "未发现问题",
    "problems_rectification_ordered": "发现问题已责令改正",
    "problems_follow_up": "发现问题待后续处理",
    "refused": "不配合检查",
    "not_operating": "未发现开展本次抽查涉及的经营活动",
    "closed": "已关闭停业",
    "not_found": "检查对象不存在/无法联系",
}
#: conclusions reached by actually inspecting: every checklist item needs a result
INSPECTED_CONCLUSIONS = ("no_problem", "problems_rectification_ordered", "problems_follow_up")
PROBLEM_CONCLUSIONS = ("problems_rectification_ordered", "problems_follow_up")
ITEM_RESULTS = ("pass", "fail")
SEVERITIES = ("minor", "major", "serious")
_REGION_PREFIX = re.compile(r"^[1-8]\d{1,5}$")
_ITEM_CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-]{0,39}$")


def inspection_id(campaign_id: str, uscc: str) -> UUID:
    return deterministic_id("inspection", f"{campaign_id}:{uscc}")


class CampaignNotFound(NotFound):
    def __init__(self, campaign_id: str) -> None:
        super().__init__(f"spot-check campaign {campaign_id} does not exist", {"campaign_id": ["unknown"]})


class InspectionNotFound(NotFound):
    """Raised for a facility that was not drawn in the campaign (nothing to record against)."""

    def __init__(self, campaign_id: str, uscc: str) -> None:
        super().__init__(
            f"facility {uscc} was not drawn in spot-check campaign {campaign_id}",
            {"uscc": ["not drawn in this campaign"]},
        )


class CampaignAlreadyPlanned(Conflict):
    def __init__(self, reference: str) -> None:
        super().__init__(f"campaign {reference} is already planned", {"reference": ["already planned"]})


class NotEnoughEligibleInspectors(Conflict):
    """The pool cannot staff every drawn facility with enough inspectors free of recusal.

    `scope="directory"`: raised before the seed is revealed, for any facility of the snapshot that
    could not be staffed if drawn (so the refusal reveals nothing about the committed seed)."""

    def __init__(self, shortages: list[tuple[str, int, int]], scope: str = "drawn") -> None:
        lines = [f"{uscc}: {eligible} eligible, {needed} needed" for uscc, eligible, needed in shortages]
        what = "drawn facilit" if scope == "drawn" else "facilit"
        where = "" if scope == "drawn" else " in the campaign's directory (any of them may be drawn)"
        super().__init__(
            f"not enough eligible inspectors for {len(shortages)} {what}"
            f"{'y' if len(shortages) == 1 else 'ies'}{where} (after recusal); certify more inspectors",
            {"inspectors": lines},
        )
        self.shortages = shortages


class EmptyDirectory(Conflict):
    def __init__(self, region_prefix: str) -> None:
        super().__init__(
            f"no active facility in the campaign's scope (region {region_prefix})",
            {"scope": ["no active facility in scope"]},
        )


#: roles that organise a campaign when their agency is one of its agencies (admin always does)
ORGANISER_ROLES = (CIVIL_AFFAIRS, FIRE, MARKET)


def draw_visibility(actor: Actor | None, agencies: list[str], visit_on: date | None, today: date) -> str:
    """Who sees a campaign's draw (drawn facilities, teams, seed, snapshot) on `today`.

    "public" from the visit date on; before it "organiser" for admin and the officers of the
    campaign's agencies, "own" for an inspector (their own assignments only), "none" for everyone
    else, the public included. Unannounced checks (双随机 practice under 国发〔2019〕5号): the list
    must not reach the facilities before the inspectors do. No draw yet (`visit_on` None): "none"
    for all but organisers.
    """
    if visit_on is not None and today >= visit_on:
        return "public"
    if actor is None:
        return "none"
    if actor.role == ADMIN or (actor.role in ORGANISER_ROLES and actor.agency in agencies):
        return "organiser"
    if actor.role == INSPECTOR:
        return "own"
    return "none"


def check_campaign_plan(
    *,
    name: str,
    kind: str,
    agencies: list[str],
    region_prefix: str,
    ownerships: list[str],
    checklist: list[dict[str, str]],
) -> None:
    """Invariants of a campaign plan; schemas check shapes, this checks the rules."""
    if not name.strip():
        raise InvalidValue("name", "must not be blank")
    if kind not in CAMPAIGN_KINDS:
        raise InvalidValue("kind", f"must be one of {', '.join(CAMPAIGN_KINDS)}")
    if not agencies:
        raise InvalidValue("agencies", "at least one agency takes part")
    for agency in agencies:
        agency_code(agency, "agencies")
    if len(set(agencies)) != len(agencies):
        raise InvalidValue("agencies", "each agency once")
    if not isinstance(region_prefix, str) or not _REGION_PREFIX.match(region_prefix):
        raise InvalidValue("region_prefix", "must be a region code or prefix (2–6 digits, GB/T 2260)")
    if not ownerships or any(o not in OWNERSHIPS for o in ownerships) or len(set(ownerships)) != len(
        ownerships
    ):
        raise InvalidValue("ownerships", f"a non-empty set of {', '.join(OWNERSHIPS)}")
    if not checklist:
        raise InvalidValue("checklist", "at least one checklist item")
    codes = [item["code"] for item in checklist]
    if len(set(codes)) != len(codes):
        raise InvalidValue("checklist", "item codes must be unique")
    for item in checklist:
        if not _ITEM_CODE.match(item["code"]):
            raise InvalidValue("checklist", f"item code {item['code']!r}: letters, digits, '.', '_', '-'")
        if not item["title"].strip():
            raise InvalidValue("checklist", f"item {item['code']} needs a title")


class SpotCheckCampaign(Aggregate):
    """A 双随机 campaign: planned with its scope and sampling, then drawn exactly once."""

    @staticmethod
    def create_id(campaign_id: str, **_: Any) -> UUID:
        return UUID(campaign_id)

    @classmethod
    def plan(
        cls,
        *,
        campaign_id: str,
        reference: str | None,
        name: str,
        kind: str,
        agencies: list[str],
        region_prefix: str,
        ownerships: list[str],
        checklist: list[dict[str, str]],
        sampling: dict[str, Any],
        occurred_on: date,
        actor: Actor,
        source: str,
    ) -> SpotCheckCampaign:
        check_campaign_plan(
            name=name, kind=kind, agencies=agencies, region_prefix=region_prefix,
            ownerships=ownerships, checklist=checklist,
        )
        if sampling["inspectors_per_facility"] < 2:
            raise InvalidValue("inspectors_per_facility", "at least 2 inspectors per facility")
        return cls(
            campaign_id=campaign_id,
            reference=reference,
            name=name.strip(),
            kind=kind,
            agencies=list(agencies),
            region_prefix=region_prefix,
            ownerships=list(ownerships),
            checklist=[{"code": i["code"], "title": i["title"].strip()} for i in checklist],
            sampling=dict(sampling),
            occurred_on=occurred_on,
            actor=actor,
            source=source,
        )

    @event("Planned")
    def __init__(
        self,
        *,
        campaign_id: str,
        reference: str | None,
        name: str,
        kind: str,
        agencies: list[str],
        region_prefix: str,
        ownerships: list[str],
        checklist: list[dict[str, str]],
        sampling: dict[str, Any],
        occurred_on: date,
        actor: Actor,
        source: str,
    ) -> None:
        self.campaign_id = campaign_id
        self.reference = reference
        self.name = name
        self.kind = kind
        self.agencies = agencies
        self.region_prefix = region_prefix
        self.ownerships = ownerships
        self.checklist = checklist
        self.sampling = sampling
        self.planned_on = occurred_on
        self.drawn_on: date | None = None
        self.draw_inputs: dict[str, Any] | None = None
        self.draw_result: dict[str, Any] | None = None
        #: latest attempt with a commitment, and latest attempt drawn (0: none)
        self.attempt = 0
        self.drawn_attempt = 0
        self.commitment: str | None = None
        self.seed_sealed: str | None = None
        self.committed_on: date | None = None
        self.visit_on: date | None = None

    @property
    def is_drawn(self) -> bool:
        return self.drawn_on is not None

    @property
    def has_pending_commitment(self) -> bool:
        return self.attempt > self.drawn_attempt

    def commit_seed(
        self,
        *,
        commitment: str,
        seed_sealed: str,
        reason: str | None,
        results_recorded: int,
        today: date,
        occurred_on: date,
        actor: Actor,
        source: str,
    ) -> None:
        """Step 1: record SHA-256 of the system's seed (sealed) before any snapshot is taken.

        The first commitment needs no reason; any later one is a redraw (or replaces a commitment
        never drawn) and needs one, recorded and public. A redraw is refused once a result is
        recorded or the visit date has come (`results_recorded`, `today` come from the application).
        """
        reason = (reason or "").strip() or None
        if occurred_on < self.planned_on:
            raise InvalidValue("occurred_on", f"the commitment cannot precede the plan ({self.planned_on})")
        if self.attempt and reason is None:
            raise InvalidValue("reason", f"attempt {self.attempt} exists; a redraw needs a reason "
                                         "(it is recorded and public)")
        if self.is_drawn:
            assert self.drawn_on is not None
            if occurred_on < self.drawn_on:
                raise InvalidValue("occurred_on", f"precedes the current draw ({self.drawn_on})")
            if results_recorded:
                raise Conflict(f"{results_recorded} result(s) are recorded for the current draw; "
                               "it can no longer be redrawn", {"campaign_id": ["results recorded"]})
            if self.visit_on is not None and today >= self.visit_on:
                raise Conflict("the visits of the current draw have begun; it can no longer be redrawn",
                               {"campaign_id": ["visit date reached"]})
        self._seed_committed(
            campaign_id=self.campaign_id,
            attempt=self.attempt + 1,
            commitment=commitment,
            seed_sealed=seed_sealed,
            reason=reason,
            replaces_attempt=self.attempt or None,
            occurred_on=occurred_on,
            actor=actor,
            source=source,
        )

    @event("SeedCommitted")
    def _seed_committed(
        self,
        campaign_id: str,
        attempt: int,
        commitment: str,
        seed_sealed: str,
        reason: str | None,
        replaces_attempt: int | None,
        occurred_on: date,
        actor: Actor,
        source: str,
    ) -> None:
        self.attempt = attempt
        self.commitment = commitment
        self.seed_sealed = seed_sealed
        self.committed_on = occurred_on

    def check_drawable(self, occurred_on: date) -> None:
        """Guards of the draw, run before the application spends effort on the snapshot."""
        if not self.has_pending_commitment:
            if self.is_drawn:
                raise Conflict(
                    f"campaign {self.campaign_id} was already drawn on {self.drawn_on} (attempt "
                    f"{self.drawn_attempt}); a redraw needs a new commitment with a reason",
                    {"campaign_id": ["already drawn"]})
            raise Conflict(
                f"campaign {self.campaign_id} has no seed commitment; commit first, so that the "
                "commitment is public before the snapshot is frozen", {"campaign_id": ["no commitment"]})
        assert self.committed_on is not None
        if occurred_on < self.committed_on:
            raise InvalidValue("occurred_on", f"the draw cannot precede its commitment ({self.committed_on})")

    def record_draw(
        self,
        *,
        inputs: dict[str, Any],
        result: dict[str, Any],
        snapshot_digest: str,
        visit_on: date,
        occurred_on: date,
        actor: Actor,
        source: str,
    ) -> None:
        self.check_drawable(occurred_on)
        if visit_on < occurred_on:
            raise InvalidValue("visit_on", f"the visits cannot start before the draw ({occurred_on})")
        self._drawn(
            campaign_id=self.campaign_id,
            attempt=self.attempt,
            algorithm=inputs["algorithm"],
            commitment=self.commitment,
            seed=inputs["seed"],
            snapshot_digest=snapshot_digest,
            inputs=inputs,
            result=result,
            facility_count=len(result["facilities"]),
            visit_on=visit_on,
            occurred_on=occurred_on,
            actor=actor,
            source=source,
        )

    @event("Drawn")
    def _drawn(
        self,
        campaign_id: str,
        algorithm: str,
        seed: str,
        inputs: dict[str, Any],
        result: dict[str, Any],
        facility_count: int,
        occurred_on: date,
        actor: Actor,
        source: str,
        attempt: int = 1,
        commitment: str | None = None,
        snapshot_digest: str | None = None,
        visit_on: date | None = None,
    ) -> None:
        # attempt … visit_on default for draws recorded before commit–reveal (draw-v1, no commitment)
        self.drawn_on = occurred_on
        self.draw_inputs = inputs
        self.draw_result = result
        self.drawn_attempt = attempt
        self.attempt = max(self.attempt, attempt)
        self.visit_on = visit_on or occurred_on


class Inspection(Aggregate):
    """The spot check of one drawn facility: its team, its result, and the result's publication."""

    @staticmethod
    def create_id(campaign_id: str, uscc: str, **_: Any) -> UUID:
        return inspection_id(campaign_id, uscc)

    @classmethod
    def schedule(
        cls,
        *,
        campaign_id: str,
        uscc: str,
        level: str,
        inspectors: list[str],
        checklist: list[dict[str, str]],
        agencies: list[str],
        occurred_on: date,
        actor: Actor,
        source: str,
        attempt: int = 1,
    ) -> Inspection:
        if len(inspectors) < 2 or len(set(inspectors)) != len(inspectors):
            raise InvalidValue("inspectors", "at least 2 distinct inspectors per facility")
        return cls(
            campaign_id=campaign_id, uscc=validate_uscc(uscc), level=level, inspectors=list(inspectors),
            checklist=list(checklist), agencies=list(agencies), occurred_on=occurred_on, actor=actor,
            source=source, attempt=attempt,
        )

    @event("Scheduled")
    def __init__(
        self,
        *,
        campaign_id: str,
        uscc: str,
        level: str,
        inspectors: list[str],
        checklist: list[dict[str, str]],
        agencies: list[str],
        occurred_on: date,
        actor: Actor,
        source: str,
        attempt: int = 1,
    ) -> None:
        self.campaign_id = campaign_id
        self.uscc = uscc
        self.level = level
        self.inspectors = inspectors
        self.attempt = attempt
        self.withdrawn = False
        self.checklist = checklist
        self.agencies = agencies
        self.drawn_on = occurred_on
        self.result: dict[str, Any] | None = None
        self.publish_due_on: date | None = None
        self.published_on: date | None = None
        self.overdue_marked_on: date | None = None

    # -- guards -----------------------------------------------------------------------------
    def is_drawn_inspector(self, inspector_id: str) -> bool:
        return inspector_id in self.inspectors

    def check_active(self) -> None:
        """A facility a redraw left out is no longer drawn: nothing may be recorded against it."""
        if self.withdrawn:
            raise InspectionNotFound(self.campaign_id, self.uscc)

    # -- redraws ----------------------------------------------------------------------------
    def redraw(self, *, attempt: int, level: str, inspectors: list[str], occurred_on: date, actor: Actor,
               source: str) -> None:
        """The facility is drawn again by attempt `attempt`, with the team that attempt drew."""
        if self.result is not None:
            raise Conflict(f"a result for {self.uscc} is recorded; it cannot be redrawn",
                           {"uscc": ["result already recorded"]})
        if len(inspectors) < 2 or len(set(inspectors)) != len(inspectors):
            raise InvalidValue("inspectors", "at least 2 distinct inspectors per facility")
        self._redrawn(uscc=self.uscc, campaign_id=self.campaign_id, attempt=attempt, level=level,
                      inspectors=list(inspectors), occurred_on=occurred_on, actor=actor, source=source)

    @event("Redrawn")
    def _redrawn(self, uscc: str, campaign_id: str, attempt: int, level: str, inspectors: list[str],
                 occurred_on: date, actor: Actor, source: str) -> None:
        self.attempt, self.level, self.inspectors = attempt, level, inspectors
        self.drawn_on, self.withdrawn = occurred_on, False

    def withdraw(self, *, attempt: int, occurred_on: date, actor: Actor, source: str) -> None:
        """Attempt `attempt` no longer draws this facility."""
        if self.result is not None:
            raise Conflict(f"a result for {self.uscc} is recorded; it cannot be withdrawn",
                           {"uscc": ["result already recorded"]})
        self._withdrawn(uscc=self.uscc, campaign_id=self.campaign_id, attempt=attempt,
                        occurred_on=occurred_on, actor=actor, source=source)

    @event("Withdrawn")
    def _withdrawn(self, uscc: str, campaign_id: str, attempt: int, occurred_on: date, actor: Actor,
                   source: str) -> None:
        self.attempt, self.withdrawn = attempt, True

    def check_result_recorded(self) -> None:
        if self.result is None:
            raise Conflict(f"no result is recorded yet for {self.uscc}", {"uscc": ["no result recorded"]})

    def check_not_published(self) -> None:
        if self.published_on is not None:
            raise Conflict(
                f"the result for {self.uscc} was already published on {self.published_on}",
                {"uscc": ["already published"]},
            )

    def checked_items(self, items: list[dict[str, Any]], conclusion: str) -> list[dict[str, Any]]:
        """Items in checklist order with their titles; the conclusion must agree with them."""
        if conclusion not in CONCLUSIONS:
            raise InvalidValue("conclusion", f"must be one of {', '.join(CONCLUSIONS)}")
        titles = {c["code"]: c["title"] for c in self.checklist}
        by_code: dict[str, dict[str, Any]] = {}
        for item in items:
            code = item["code"]
            if code not in titles:
                raise InvalidValue("items", f"{code} is not on this campaign's checklist")
            if code in by_code:
                raise InvalidValue("items", f"{code} is given twice")
            if item["result"] not in ITEM_RESULTS:
                raise InvalidValue("items", f"{code}: result must be pass or fail")
            severity = item.get("severity")
            if item["result"] == "fail" and severity not in SEVERITIES:
                raise InvalidValue("items", f"{code}: a failed item needs a severity "
                                            f"({', '.join(SEVERITIES)})")
            if item["result"] == "pass" and severity is not None:
                raise InvalidValue("items", f"{code}: a passed item has no severity")
            by_code[code] = {"code": code, "title": titles[code], "result": item["result"],
                             "severity": severity, "note": (item.get("note") or "").strip()}
        failed = [i for i in by_code.values() if i["result"] == "fail"]
        if conclusion in INSPECTED_CONCLUSIONS:
            missing = [c for c in titles if c not in by_code]
            if missing:
                raise InvalidValue("items", f"{conclusion} needs a result for {', '.join(missing)}")
        if conclusion == "no_problem" and failed:
            raise InvalidValue("conclusion", "no_problem contradicts failed items")
        if conclusion in PROBLEM_CONCLUSIONS and not failed:
            raise InvalidValue("conclusion", f"{conclusion} needs at least one failed item")
        return [by_code[c] for c in titles if c in by_code]

    # -- commands ---------------------------------------------------------------------------
    def record_result(
        self,
        *,
        items: list[dict[str, Any]],
        conclusion: str,
        evidence: list[str],
        completed_on: date,
        publish_due_on: date,
        due_basis: str,
        due_note: str,
        publication_policy: str,
        occurred_on: date,
        actor: Actor,
        source: str,
    ) -> None:
        self.check_active()
        if self.result is not None:
            raise Conflict(
                f"a result for {self.uscc} was already recorded (completed {self.result['completed_on']})",
                {"uscc": ["result already recorded"]},
            )
        if completed_on < self.drawn_on:
            raise InvalidValue("completed_on", f"precedes the draw on {self.drawn_on}")
        if occurred_on < completed_on:
            raise InvalidValue("occurred_on", "a result cannot be recorded before the inspection ended")
        if publish_due_on <= completed_on:
            raise InvalidValue("publish_due_on", "must be after completion")
        checked = self.checked_items(items, conclusion)
        if any(not e.strip() for e in evidence):
            raise InvalidValue("evidence", "references must not be blank")
        failed = [i for i in checked if i["result"] == "fail"]
        worst = max((SEVERITIES.index(i["severity"]) for i in failed), default=None)
        self._result_recorded(
            uscc=self.uscc,
            campaign_id=self.campaign_id,
            conclusion=conclusion,
            items=checked,
            evidence=[e.strip() for e in evidence],
            inspectors=list(self.inspectors),
            completed_on=completed_on,
            publish_due_on=publish_due_on,
            due_basis=due_basis,
            due_note=due_note,
            publication_policy=publication_policy,
            problems_found=bool(failed) or conclusion in PROBLEM_CONCLUSIONS,
            max_severity=None if worst is None else SEVERITIES[worst],
            occurred_on=occurred_on,
            actor=actor,
            source=source,
        )

    @event("ResultRecorded")
    def _result_recorded(
        self,
        uscc: str,
        campaign_id: str,
        conclusion: str,
        items: list[dict[str, Any]],
        evidence: list[str],
        inspectors: list[str],
        completed_on: date,
        publish_due_on: date,
        due_basis: str,
        due_note: str,
        publication_policy: str,
        problems_found: bool,
        max_severity: str | None,
        occurred_on: date,
        actor: Actor,
        source: str,
    ) -> None:
        self.result = {"conclusion": conclusion, "items": items, "evidence": evidence,
                       "completed_on": completed_on}
        self.publish_due_on = publish_due_on
        self.publish_due_basis = due_basis

    def publish(self, *, channel: str, occurred_on: date, actor: Actor, source: str) -> None:
        """一公开: once; a late publication is still recorded, and says it was late."""
        self.check_result_recorded()
        self.check_not_published()
        assert self.result is not None and self.publish_due_on is not None
        if occurred_on < self.result["completed_on"]:
            raise InvalidValue("occurred_on", "publication cannot precede the inspection's completion")
        if not channel.strip():
            raise InvalidValue("channel", "must not be blank")
        self._result_published(
            uscc=self.uscc,
            campaign_id=self.campaign_id,
            conclusion=self.result["conclusion"],
            channel=channel.strip(),
            publish_due_on=self.publish_due_on,
            late=occurred_on > self.publish_due_on,
            occurred_on=occurred_on,
            actor=actor,
            source=source,
        )

    @event("ResultPublished")
    def _result_published(
        self,
        uscc: str,
        campaign_id: str,
        conclusion: str,
        channel: str,
        publish_due_on: date,
        late: bool,
        occurred_on: date,
        actor: Actor,
        source: str,
    ) -> None:
        self.published_on = occurred_on

    # -- deadline revision (a year's official schedule replaced the provisional calendar) -----
    def open_deadlines(self) -> dict[str, tuple[date, str]]:
        """The publication deadline while the result waits to be published: name → (due_on, basis)."""
        if self.result is None or self.published_on is not None or self.publish_due_on is None:
            return {}
        return {"publish": (self.publish_due_on, getattr(self, "publish_due_basis", "provisional"))}

    def revise_deadline(self, *, deadline: str, due_on: date, basis: str, note: str, occurred_on: date,
                        actor: Actor, source: str) -> bool:
        """Record a recomputed publication due date; withdraw an overdue marking made on the old one
        (the clock marks again if the new date has passed too). False when nothing changed."""
        if deadline not in self.open_deadlines():
            raise Conflict(f"the publication deadline of {self.uscc} is no longer open")
        old_due, old_basis = self.open_deadlines()[deadline]
        if old_due == due_on and is_provisional(old_basis) == is_provisional(basis):
            return False  # same date on the same kind of basis: nothing to revise
        self._deadline_revised(uscc=self.uscc, campaign_id=self.campaign_id, deadline=deadline,
                               old_due_on=old_due, due_on=due_on, old_basis=old_basis, basis=basis, note=note,
                               occurred_on=occurred_on, actor=actor, source=source)
        if self.overdue_marked_on is not None and due_on != old_due:
            self._overdue_withdrawn(
                uscc=self.uscc, campaign_id=self.campaign_id, deadline=deadline, due_on=old_due,
                reason=f"the due date was revised from {old_due.isoformat()} to {due_on.isoformat()} "
                       f"({basis}: {note})",
                occurred_on=occurred_on, actor=actor, source=source)
        return True

    @event("DeadlineRevised")
    def _deadline_revised(self, uscc: str, campaign_id: str, deadline: str, old_due_on: date, due_on: date,
                          old_basis: str, basis: str, note: str, occurred_on: date, actor: Actor,
                          source: str) -> None:
        self.publish_due_on, self.publish_due_basis = due_on, basis

    @event("OverdueWithdrawn")
    def _overdue_withdrawn(self, uscc: str, campaign_id: str, deadline: str, due_on: date, reason: str,
                           occurred_on: date, actor: Actor, source: str) -> None:
        """The marking stays in the history; this event says it no longer holds."""
        self.overdue_marked_on = None

    def mark_publication_overdue(self, *, today: date, actor: Actor, source: str) -> None:
        """Refused (Conflict) when already marked or published: that makes the clock exactly-once."""
        self.check_result_recorded()
        self.check_not_published()
        assert self.publish_due_on is not None
        if self.overdue_marked_on is not None:
            raise Conflict(
                f"publication for {self.uscc} was already marked overdue on {self.overdue_marked_on}",
                {"uscc": ["already marked overdue"]},
            )
        if today <= self.publish_due_on:
            raise Conflict(f"publication for {self.uscc} is due by {self.publish_due_on}; not overdue yet",
                           {"today": ["not overdue yet"]})
        self._publication_overdue(
            uscc=self.uscc,
            campaign_id=self.campaign_id,
            publish_due_on=self.publish_due_on,
            marked_on=today,
            occurred_on=self.publish_due_on + timedelta(days=1),
            actor=actor,
            source=source,
        )

    @event("PublicationOverdue")
    def _publication_overdue(
        self,
        uscc: str,
        campaign_id: str,
        publish_due_on: date,
        marked_on: date,
        occurred_on: date,
        actor: Actor,
        source: str,
    ) -> None:
        self.overdue_marked_on = marked_on
