"""The central authority check the dispatcher runs on every command, after validation and before
the application method (so a refused command changes nothing).

Three rules, each refused with a 403 that names it:

1. **identity** — the actor's agency is in the agency registry and active, and the actor's role fits
   the agency's kind (a fire token belongs to a fire agency);
2. **jurisdiction** — every region the command acts on (the facility's region; a campaign's scope;
   a new inspector's or agency's region) is inside the actor's agency's jurisdiction
   (`supervision.jurisdiction.covers`);
3. **attribution** — a penalty decision's authority is the recording actor's agency; only that agency
   or its superior revokes it; an inspector's conflict (回避) is recorded by the inspector, by the
   inspector's own agency (or its superior), or by an organiser of a campaign the inspector's agency
   takes part in; a campaign is acted on only by the agencies it names.

`SCOPES` maps **every** command name to the function that finds what it acts on; a command missing
from it is refused (and a unit test fails), so no new command can forget its check. The `system`
role (the clock, policy processes, inbound consumers) is the one identity not bound to an agency.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from supervision.application import Context
from supervision.domain.errors import InvalidValue, NotFound, PermissionDenied
from supervision.jurisdiction import (
    ADMIN as ADMIN_KIND,
)
from supervision.jurisdiction import (
    ROLE_OF_KIND,
    AgencyRecord,
    covers,
    is_superior_or_same,
)
from supervision.roles import ADMIN, INSPECTOR, SYSTEM

#: penalty `authority_kind` spelling of each agency kind
AUTHORITY_KIND_OF = {"civil_affairs": "civil_affairs", "fire": "fire", "market_supervision": "market"}
#: a court's 失信被执行人 finding is recorded by an agency but decided by the court it names
COURT = "court"


class OutsideJurisdiction(PermissionDenied):
    """The command acts on a region outside the actor's agency's jurisdiction (per record: an
    inbound consumer may dead-letter it, unlike an identity refusal, which fails every record)."""


class AttributionRefused(PermissionDenied):
    """The act belongs to another agency (a decision's authority, an inspector, a campaign)."""


@dataclass
class Scope:
    """What one command acts on: regions to check, and extra attribution rules (callables that
    raise `PermissionDenied`)."""

    regions: list[tuple[str, str]] = field(default_factory=list)  # (region code, what it is)
    rules: list[Callable[[AgencyRecord], None]] = field(default_factory=list)


Resolver = Callable[[Any, dict[str, Any], Context], Scope]


def actor_agency(app: Any, ctx: Context) -> AgencyRecord:
    """The actor's registered, active agency whose kind fits the actor's role; else 403."""
    actor = ctx.actor
    record = app.agency_record(actor.agency)
    if record is None:
        raise PermissionDenied(
            f"identity rule: agency {actor.agency!r} of {actor.user!r} is not in the agency registry",
            {"agency": ["not registered"]},
        )
    if not record.active:
        raise PermissionDenied(f"identity rule: agency {record.code} is dissolved", {"agency": ["dissolved"]})
    if not role_fits(record, actor.role):
        raise PermissionDenied(
            f"identity rule: role {actor.role!r} does not belong to a {record.kind} agency ({record.code})",
            {"role": [f"does not fit agency kind {record.kind}"]},
        )
    return record


def role_fits(record: AgencyRecord, role: str) -> bool:
    """May someone of `role` act for this agency? Admins and inspectors belong to any agency; the other
    roles only to an agency of their own kind; an admin agency only has admins."""
    fits = role in (ADMIN, INSPECTOR) or ROLE_OF_KIND.get(record.kind) == role
    return fits and not (record.kind == ADMIN_KIND and role != ADMIN)


def check(app: Any, name: str, args: dict[str, Any], ctx: Context) -> dict[str, Any]:
    """Refuse the command (403) unless the actor may do it here; returns the arguments, with the
    penalty authority filled in from the actor's agency."""
    if ctx.actor.role == SYSTEM:
        return args
    resolver = SCOPES.get(name)
    if resolver is None:
        raise PermissionDenied(f"command {name} has no jurisdiction rule; refused")
    agency = actor_agency(app, ctx)
    scope = resolver(app, args, ctx)
    for region, what in scope.regions:
        if not covers(agency, region):
            raise OutsideJurisdiction(
                f"jurisdiction rule: {what} (region {region}) is outside the jurisdiction of "
                f"{agency.code} ({agency.level}, region {agency.region_code})",
                {"region_code": [f"{region} outside {agency.code}"]},
            )
    for rule in scope.rules:
        rule(agency)
    return args


# -- finding what a command acts on -----------------------------------------------------------
def _facility_region(app: Any, uscc: str | None) -> list[tuple[str, str]]:
    if not uscc:
        return []
    try:
        facility = app.get_facility(uscc)
    except (NotFound, InvalidValue):
        return []  # the command itself answers 404
    return [(facility.profile["region_code"], f"facility {facility.uscc}")]


def _by_uscc(app: Any, args: dict[str, Any], ctx: Context) -> Scope:
    return Scope(_facility_region(app, args.get("uscc")))


def _register_facility(app: Any, args: dict[str, Any], ctx: Context) -> Scope:
    return Scope([(args["region_code"], f"facility {args['uscc']}")])


def _change_facility(app: Any, args: dict[str, Any], ctx: Context) -> Scope:
    regions = _facility_region(app, args.get("uscc"))
    if args.get("region_code"):
        regions.append((args["region_code"], f"the new region of facility {args['uscc']}"))
    return Scope(regions)


def _aggregate_uscc(getter: str, *keys: str) -> Resolver:
    def resolve(app: Any, args: dict[str, Any], ctx: Context) -> Scope:
        try:
            target = getattr(app, getter)(*(args.get(k) for k in keys))
        except (NotFound, InvalidValue):
            return Scope()
        return Scope(_facility_region(app, target.uscc))

    return resolve


def _fire_case(app: Any, args: dict[str, Any], ctx: Context) -> Scope:
    try:
        case = app.get_fire_case(args.get("case_id"), args.get("uscc"), args.get("finding_no"))
    except (NotFound, InvalidValue):
        return Scope(_facility_region(app, args.get("uscc")))
    return Scope(_facility_region(app, case.uscc))


def _record_penalty(app: Any, args: dict[str, Any], ctx: Context) -> Scope:
    """The authority is the recording actor's agency (a court finding names its court)."""

    def attributed(agency: AgencyRecord) -> None:
        kind = args.get("authority_kind") or AUTHORITY_KIND_OF.get(agency.kind)
        if kind == COURT:
            if not args.get("authority"):
                raise InvalidValue("authority", "name the court whose finding is recorded")
            args["authority_kind"] = COURT
            return
        if ctx.actor.role != ADMIN and kind != AUTHORITY_KIND_OF.get(agency.kind):
            raise AttributionRefused(
                f"attribution rule: a {agency.kind} agency ({agency.code}) records only its own "
                f"decisions, not {kind} decisions", {"authority_kind": [f"must be {agency.kind}"]})
        if args.get("authority") and args["authority"] != agency.code:
            raise AttributionRefused(
                f"attribution rule: the deciding authority is the recording actor's agency "
                f"{agency.code}, not {args['authority']!r}", {"authority": [f"must be {agency.code}"]})
        args["authority"], args["authority_kind"] = agency.code, kind

    return Scope(_facility_region(app, args.get("uscc")), [attributed])


def _incident_authority(app: Any, args: dict[str, Any], ctx: Context) -> Scope:
    """An incident's investigating or finding authority is the recording actor's agency (the default),
    or a body outside the agency registry named in words; naming another registered agency is refused."""

    def attributed(agency: AgencyRecord) -> None:
        named = args.get("authority")
        if not named:
            args["authority"] = agency.code
        elif named != agency.code and ctx.actor.role != ADMIN and app.agency_record(named) is not None:
            raise AttributionRefused(
                f"attribution rule: {agency.code} records its own findings, not those of {named}",
                {"authority": [f"must be {agency.code} or a body outside the agency registry"]})

    return Scope(_facility_region(app, args.get("uscc")), [attributed])


def _revoke_penalty(app: Any, args: dict[str, Any], ctx: Context) -> Scope:
    """Only the agency that recorded the decision, or its superior of the same line, revokes it."""
    try:
        decision = app.get_penalty_decision(args["decision_no"])
    except NotFound:
        return Scope()
    first = next(iter(app.events.get(decision.id, limit=1)))
    recorder_code = first.actor.agency
    recorder = app.agency_record(recorder_code)

    def owner_or_superior(agency: AgencyRecord) -> None:
        if ctx.actor.role == ADMIN and agency.level == "national":
            return
        if not is_superior_or_same(agency, recorder or recorder_code):
            raise AttributionRefused(
                f"attribution rule: penalty decision {decision.decision_no} was recorded by "
                f"{recorder_code}; only it or its superior agency may revoke it",
                {"decision_no": [f"recorded by {recorder_code}"]})

    return Scope(_facility_region(app, decision.uscc), [owner_or_superior])


def _inspector_agency_rule(app: Any, inspector_agency: str, what: str, ctx: Context) -> Callable[..., None]:
    target = app.agency_record(inspector_agency)

    def same_or_superior(agency: AgencyRecord) -> None:
        if ctx.actor.role == ADMIN and covers(agency, target.region_code if target else None):
            return
        if not is_superior_or_same(agency, target or inspector_agency):
            raise AttributionRefused(
                f"attribution rule: {what} belongs to {inspector_agency}; only it or its superior agency "
                f"may act on it", {"agency": [f"not {inspector_agency} or its superior"]})

    return same_or_superior


def _certify_inspector(app: Any, args: dict[str, Any], ctx: Context) -> Scope:
    if app.agency_record(args["agency"]) is None:
        raise InvalidValue("agency", f"{args['agency']} is not in the agency registry")
    return Scope([(args["region_code"], f"inspector {args['inspector_id']}")],
                 [_inspector_agency_rule(app, args["agency"], f"inspector {args['inspector_id']}", ctx)])


def _decertify_inspector(app: Any, args: dict[str, Any], ctx: Context) -> Scope:
    try:
        inspector = app.get_inspector(args["inspector_id"])
    except (NotFound, InvalidValue):
        return Scope()
    return Scope([(inspector.region_code, f"inspector {inspector.inspector_id}")],
                 [_inspector_agency_rule(app, inspector.agency, f"inspector {inspector.inspector_id}", ctx)])


def _declare_conflict(app: Any, args: dict[str, Any], ctx: Context) -> Scope:
    """回避 steers the draw, so only those answerable for the inspector record it."""
    try:
        inspector = app.get_inspector(args["inspector_id"])
    except (NotFound, InvalidValue):
        return Scope()
    if ctx.actor.role == INSPECTOR:
        return Scope()  # the inspector's own declaration (the application checks it is theirs)
    own = _inspector_agency_rule(app, inspector.agency, f"inspector {inspector.inspector_id}", ctx)

    def own_agency_or_organiser(agency: AgencyRecord) -> None:
        try:
            own(agency)
        except PermissionDenied:
            if not _organises_with(app, agency, inspector.agency, args.get("uscc")):
                raise AttributionRefused(
                    f"attribution rule: a conflict of inspector {inspector.inspector_id} "
                    f"({inspector.agency}) is recorded by the inspector, their agency or its superior, "
                    f"or an organiser of a campaign {inspector.agency} takes part in",
                    {"inspector_id": [f"of {inspector.agency}"]}) from None

    return Scope([], [own_agency_or_organiser])


def _organises_with(app: Any, organiser: AgencyRecord, member: str, uscc: str | None) -> bool:
    """Is `organiser` named, with `member`, in a campaign whose scope holds the facility, and is the
    facility inside the organiser's own jurisdiction?"""
    campaigns = getattr(app, "campaigns_of_agency", None)
    regions = _facility_region(app, uscc)
    if campaigns is None or not regions or not covers(organiser, regions[0][0]):
        return False
    region = regions[0][0]
    return any(member in c["agencies"] and region.startswith(c["region_prefix"])
               for c in campaigns(organiser.code))


def _campaign_rule(campaign: Any, ctx: Context) -> Callable[[AgencyRecord], None]:
    def named(agency: AgencyRecord) -> None:
        if ctx.actor.role == ADMIN or agency.code in campaign.agencies:
            return
        raise AttributionRefused(
            f"campaign rule: campaign {campaign.id} is run by {', '.join(campaign.agencies)}; "
            f"{agency.code} is not one of them", {"campaign_id": ["not an agency of this campaign"]})

    return named


def _campaign(app: Any, args: dict[str, Any]) -> Any:
    try:
        return app.get_campaign(args["campaign_id"])
    except NotFound:
        return None


def _campaign_act(app: Any, args: dict[str, Any], ctx: Context) -> Scope:
    campaign = _campaign(app, args)
    if campaign is None:
        return Scope()
    scope = Scope(rules=[_campaign_rule(campaign, ctx)])
    if ctx.actor.role == INSPECTOR:
        return scope  # a drawn inspector acts where drawn (the application checks the assignment)
    scope.regions.append((campaign.region_prefix, f"campaign {campaign.id}"))
    scope.regions += _facility_region(app, args.get("uscc"))
    return scope


def _plan_campaign(app: Any, args: dict[str, Any], ctx: Context) -> Scope:
    unknown = [a for a in args["agencies"] if app.agency_record(a) is None]
    if unknown:
        raise InvalidValue("agencies", f"not in the agency registry: {', '.join(unknown)}")

    def organiser(agency: AgencyRecord) -> None:
        if ctx.actor.role != ADMIN and agency.code not in args["agencies"]:
            raise AttributionRefused(f"campaign rule: the planning agency {agency.code} must be one of the "
                                   "campaign's agencies", {"agencies": [f"must include {agency.code}"]})

    return Scope([(args["region_prefix"], "the campaign's scope")], [organiser])


def _assign_complaint(app: Any, args: dict[str, Any], ctx: Context) -> Scope:
    scope = _aggregate_uscc("get_complaint", "complaint_id")(app, args, ctx)
    target = app.agency_record(args["agency"])
    if target is None:
        raise InvalidValue("agency", f"{args['agency']} is not in the agency registry")
    return scope


def _agency_target(app: Any, args: dict[str, Any], ctx: Context) -> Scope:
    if "region_code" in args:
        return Scope([(args["region_code"], f"agency {args['code']}")])
    target = app.agency_record(args["code"])
    return Scope([(target.region_code, f"agency {target.code}")] if target else [])


def _token_target(app: Any, args: dict[str, Any], ctx: Context) -> Scope:
    """A token belongs to an agency: only an admin whose jurisdiction holds it issues or revokes it."""
    code = args.get("agency") or app.token_agency(args["token_id"]) or ""
    target = app.agency_record(code)
    if target is None:
        raise InvalidValue("agency", f"{code or 'the token agency'} is not in the agency registry")
    if args.get("agency") and app.token_agency(args["token_id"]) not in (None, code):
        raise InvalidValue("agency", "is not the agency the token was issued for")
    return Scope([(target.region_code, f"a token of agency {code}")])


def _national(app: Any, args: dict[str, Any], ctx: Context) -> Scope:
    """The State Council's holiday schedule is the whole country's: a national administrator's act."""
    return Scope([("100000", "the national working-day calendar")])


_listing = _aggregate_uscc("get_listing", "listing_id")
_complaint = _aggregate_uscc("get_complaint", "complaint_id")

SCOPES: dict[str, Resolver] = {
    # facilities
    "register_facility": _register_facility,
    "change_facility_profile": _change_facility,
    "assess_facility_grade": _by_uscc,
    "close_facility": _by_uscc,
    # spot checks
    "certify_inspector": _certify_inspector,
    "declare_inspector_conflict": _declare_conflict,
    "decertify_inspector": _decertify_inspector,
    "plan_spot_check_campaign": _plan_campaign,
    "commit_spot_check_seed": _campaign_act,
    "draw_spot_check": _campaign_act,
    "record_spot_check_result": _campaign_act,
    "publish_spot_check_result": _campaign_act,
    "mark_publication_overdue": _campaign_act,
    # complaints
    "register_complaint": _by_uscc,
    "acknowledge_complaint": _complaint,
    "assign_complaint": _assign_complaint,
    "conclude_complaint": _complaint,
    "close_complaint": _complaint,
    "mark_complaint_acknowledgement_overdue": _complaint,
    "mark_complaint_conclusion_overdue": _complaint,
    "reveal_complainant_identity": _complaint,
    # credit
    "record_penalty_decision": _record_penalty,
    "revoke_penalty_decision": _revoke_penalty,
    "propose_listing": _by_uscc,
    "serve_listing_notice": _listing,
    "file_listing_objection": _listing,
    "decide_listing_objection": _listing,
    "confirm_listing": _listing,
    "expire_listing": _listing,
    "repair_listing_credit": _listing,
    "remove_listing": _listing,
    # fire safety
    "record_fire_finding": _by_uscc,
    "order_rectification": _fire_case,
    "report_rectification": _fire_case,
    "verify_rectification": _fire_case,
    "reject_rectification": _fire_case,
    "seal_premises": _fire_case,
    "unseal_premises": _fire_case,
    "mark_rectification_overdue": _fire_case,
    # prepaid fees
    "record_prepayment": _by_uscc,
    "record_refund": _by_uscc,
    "record_refund_due": _by_uscc,
    "record_custody_deposit": _by_uscc,
    "mark_refund_overdue": _by_uscc,
    # the agency registry
    "register_agency": _agency_target,
    "dissolve_agency": _agency_target,
    "issue_token": _token_target,
    "revoke_token": _token_target,
    # duties of the supervised: every command names its facility (the record is checked against it)
    "classify_incident": _by_uscc,
    "find_incident_responsibility": _incident_authority,
    "fulfil_interview_commitment": _by_uscc,
    "hold_interview": _by_uscc,
    "mark_duty_report_grace_expired": _by_uscc,
    "mark_duty_report_missing": _by_uscc,
    "mark_interview_commitment_overdue": _by_uscc,
    "open_incident_investigation": _incident_authority,
    "record_interview_not_attended": _by_uscc,
    "remind_duty_report": _by_uscc,
    "report_incident": _by_uscc,
    "submit_duty_report": _by_uscc,
    "summon_interview": _by_uscc,
    # the official calendar
    "load_calendar_schedule": _national,
    "revisit_provisional_deadlines": _national,
}


def missing_scopes(names: Iterable[str]) -> list[str]:
    """Commands without a jurisdiction rule (a unit test keeps this empty)."""
    return sorted(n for n in names if n not in SCOPES)

