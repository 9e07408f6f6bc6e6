"""What each read answers, for the HTTP API and the CLI alike (one function per read).

A secured read takes a `supervision.scope.Reader` (the signed-in actor) and applies the role check
and the jurisdiction scoping of docs/authority.md: single records outside the reader's jurisdiction
are 403 (`PermissionDenied`, CLI exit 3), lists are narrowed. A public read takes the composition
root only; its answer is shaped by the caller (`supervision/public/` shapes: names masked, fields
allow-listed) — the API through its response schema, the CLI through the same shape.
Unknown records raise their `...NotFound` (404, CLI exit 4).
"""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import UUID

from supervision.commands.complaints import READ_ROLES as COMPLAINT_READ_ROLES
from supervision.commands.duty_reports import REPORT_ROLES
from supervision.commands.incidents import INCIDENT_ROLES
from supervision.commands.interviews import INTERVIEW_ROLES
from supervision.domain.errors import FacilityNotFound, InvalidValue, NotFound, PermissionDenied
from supervision.domain.uscc import validate_uscc
from supervision.domain.values import Actor
from supervision.roles import ADMIN, CIVIL_AFFAIRS, FIRE, MARKET
from supervision.scope import Reader

#: roles that read a facility's full history (not inspectors: it holds draws before their visit)
HISTORY_ROLES = (CIVIL_AFFAIRS, FIRE, MARKET)
#: roles that read each kind of non-public record (admin always may)
INCIDENT_READ_ROLES = INCIDENT_ROLES
INTERVIEW_READ_ROLES = INTERVIEW_ROLES
DUTY_REPORT_READ_ROLES = (*REPORT_ROLES, FIRE)
PREPAID_READ_ROLES = (CIVIL_AFFAIRS, MARKET, ADMIN)
#: credit lists by their names in URLs and on the command line
LIST_NAMES = ("blacklist", "joint-punishment", "key-attention")


def _key(value: str, not_found: type[NotFound]) -> str:
    """A record id as a canonical UUID; one that is not a UUID names no record (`not_found(value)`)."""
    try:
        return str(UUID(value))
    except ValueError:
        raise not_found(value) from None


def _scoped_record(r: Reader, view: str, record_id: str, not_found: type[NotFound],
                   what: str) -> dict[str, Any]:
    """The row of `view` under the UUID `record_id`: `not_found` when there is none, 403 outside the
    reader's jurisdiction."""
    key = _key(record_id, not_found)
    row = r.view(view).get(key)
    if row is None:
        raise not_found(record_id)
    return r.require_row_jurisdiction(row, f"{what} {key}")


# -- facilities (public registry; history and explanation secured) ------------------------------
def facility(services: Any, uscc: str, as_of: date | None = None) -> dict[str, Any]:
    """The facility's registry row (unshaped). `FacilityNotFound` for an unknown or impossible USCC;
    `NotFound` when `as_of` is before it was registered (there was nothing to rate, grade or list)."""
    try:
        code = validate_uscc(uscc)
    except InvalidValue:
        raise FacilityNotFound(uscc) from None
    row = services.view("facility_list").get(code)
    if row is None:
        raise FacilityNotFound(code)
    if as_of is not None and row.get("registered_on") and as_of < row["registered_on"]:
        raise NotFound(f"facility {code} was not registered on {as_of.isoformat()} "
                       f"(registered {row['registered_on'].isoformat()})",
                       {"as_of": ["before the facility was registered"]})
    return row


def facility_page(services: Any, query: Any) -> dict[str, Any]:
    """The public registry, one page: {items (`FacilityPublic`), page, page_size, total}."""
    from supervision.public.shapes import FacilityPublic

    items, total = services.view("facility_list").search(query)
    return {"items": FacilityPublic.render_many(items), "page": query.page, "page_size": query.page_size,
            "total": total}


def facility_history(r: Reader, uscc: str) -> list[dict[str, Any]]:
    """The facility's full event history (regulators of its region; draws hidden until the visit)."""
    r.require_role(HISTORY_ROLES, "read a facility's full history")
    row = facility(r.services, uscc)
    r.require_jurisdiction(row["region_code"], f"facility {row['uscc']}")
    return hide_undisclosed_draws(r, r.view("timeline").history(row["uscc"]))


def explain_facility(services: Any, uscc: str, as_of: date) -> dict[str, Any]:
    """Why a facility stands where it does on a date: grade, rating points, listings and decisions."""
    lists = services.view("credit_lists")
    listings = lists.history(uscc=uscc)
    return {
        "uscc": uscc,
        "as_of": as_of,
        "grade": services.view("grades").grade(uscc, as_of),
        "rating": services.view("supervision_rating").rating(uscc, as_of),
        "listings": [lists.explain(row["listing_id"]) for row in listings if row["proposed_on"] <= as_of],
        "penalty_decisions": [d for d in lists.decisions_of(uscc) if d["decided_on"] <= as_of],
    }


def facility_explanation(r: Reader, uscc: str, as_of: date) -> dict[str, Any]:
    """`explain_facility` for a signed-in reader whose jurisdiction holds the facility (else 403)."""
    r.signed_in()
    code = r.require_row_jurisdiction(facility(r.services, uscc), f"facility {uscc}")["uscc"]
    return explain_facility(r.services, code, as_of)


# -- complaints ---------------------------------------------------------------------------------
def _complaint_reader(r: Reader) -> None:
    r.require_role(COMPLAINT_READ_ROLES, "read complaints")


def complaint_page(r: Reader, query: Any) -> dict[str, Any]:
    """Complaints in the reader's jurisdiction, newest first: {items, page, page_size, total}."""
    _complaint_reader(r)
    return r.scope_page(r.view("complaints"), query)


def complaint_deadlines(r: Reader, as_of: date | None, uscc: str | None) -> list[dict[str, Any]]:
    """Deadlines still waiting, soonest first, in the reader's jurisdiction."""
    _complaint_reader(r)
    return r.scope_rows(r.view("complaints").deadlines(as_of or r.services.clock(), uscc))


def complaint(r: Reader, complaint_id: str) -> dict[str, Any]:
    """One complaint (no complainant identity); 404 unknown, 403 outside the jurisdiction."""
    from supervision.domain.complaint import ComplaintNotFound

    _complaint_reader(r)
    cid = _key(complaint_id, ComplaintNotFound)
    row = r.view("complaints").get(cid)
    if row is None:
        raise ComplaintNotFound(cid)
    r.require_facility_jurisdiction(row["uscc"], f"complaint {cid}")
    return row


def complaint_summary(services: Any, uscc: str) -> dict[str, Any]:
    """Public: concluded complaints of a known facility by category and outcome (unshaped)."""
    if services.view("facility_list").get(uscc) is None:
        raise FacilityNotFound(uscc)
    return services.view("complaints").public_summary(uscc)


# -- fire safety, incidents, interviews, duty reports -------------------------------------------
def fire_case_page(r: Reader, query: Any) -> dict[str, Any]:
    """Fire-safety cases in the reader's jurisdiction: {items, page, page_size, total}."""
    r.signed_in()
    return r.scope_page(r.view("fire_safety"), query)


def fire_case(r: Reader, case_id: str) -> dict[str, Any]:
    """One fire-safety case; 404 unknown, 403 outside the jurisdiction."""
    from supervision.domain.fire_safety import FireCaseNotFound

    r.signed_in()
    return _scoped_record(r, "fire_safety", case_id, FireCaseNotFound, "fire-safety case")


def incident_page(r: Reader, query: Any) -> dict[str, Any]:
    """Incidents (regulators) in the reader's jurisdiction: {items, page, page_size, total}."""
    r.require_role(INCIDENT_READ_ROLES, "read incidents")
    return r.scope_page(r.view("incidents"), query)


def interview(r: Reader, interview_id: str) -> dict[str, Any]:
    """One interview (attendees sealed); 404 unknown, 403 outside the jurisdiction."""
    from supervision.domain.interview import InterviewNotFound

    r.require_role(INTERVIEW_READ_ROLES, "read interviews")
    return _scoped_record(r, "interviews", interview_id, InterviewNotFound, "interview")


def duty_report_page(r: Reader, query: Any) -> dict[str, Any]:
    """Report obligations in the reader's jurisdiction: {items, page, page_size, total}."""
    r.require_role(DUTY_REPORT_READ_ROLES, "read report obligations")
    return r.scope_page(r.view("duty_reports"), query)


# -- prepaid ------------------------------------------------------------------------------------
def _prepaid_reader(r: Reader) -> None:
    r.require_role(PREPAID_READ_ROLES, "read residents' prepaid balances")


def known_facility(services: Any, uscc: str) -> str:
    """The USCC of a registered facility; `FacilityNotFound` otherwise (impossible codes too)."""
    return facility(services, uscc)["uscc"]


def prepaid_summary(services: Any, uscc: str) -> dict[str, Any]:
    """Public: a facility's prepaid balances, custody, violations and signals (unshaped)."""
    return services.view("prepaid").summary(known_facility(services, uscc))


def prepaid_residents(r: Reader, uscc: str, kind: str | None = None) -> dict[str, Any]:
    """Per-resident balances and refunds due (pseudonymous references), for regulators of the
    facility's region: {uscc, balances, refunds_due}."""
    _prepaid_reader(r)
    code = known_facility(r.services, uscc)
    r.require_facility_jurisdiction(code, f"facility {code}'s resident balances")
    view = r.view("prepaid")
    return {"uscc": code, "balances": view.resident_balances(code, kind),
            "refunds_due": view.refunds_due(code)}


def prepaid_violations(r: Reader, uscc: str | None) -> list[dict[str, Any]]:
    """Cap violations in the reader's jurisdiction."""
    _prepaid_reader(r)
    return r.scope_rows(r.view("prepaid").violation_list(validate_uscc(uscc) if uscc else None))


def prepaid_signals(r: Reader, uscc: str | None, active: bool | None) -> list[dict[str, Any]]:
    """Illegal fund-raising risk signals in the reader's jurisdiction (`active`: open episodes)."""
    _prepaid_reader(r)
    return r.scope_rows(r.view("prepaid").signal_list(validate_uscc(uscc) if uscc else None, active))


# -- credit -------------------------------------------------------------------------------------
def _list_name(name: str) -> str:
    if name not in LIST_NAMES:
        raise InvalidValue("name", f"must be one of {', '.join(LIST_NAMES)}")
    return name


def _in_force(services: Any, name: str, day: date, region: str) -> list[dict[str, Any]]:
    from projections.credit_lists import KINDS

    view = services.view("credit_lists")
    if name == "blacklist":
        return view.blacklist(day, region)
    return view.in_force(KINDS[name], day, region)


def credit_list(r: Reader, name: str, day: date, region_code: str) -> dict[str, Any]:
    """A credit list in force on `day`, narrowed to the reader's jurisdiction (full detail):
    {list, as_of, total, items}."""
    r.signed_in()
    _list_name(name)
    region = r.scoped_prefix(region_code)  # None: no overlap with the caller's jurisdiction
    items = _in_force(r.services, name, day, region) if region is not None else []
    return {"list": name, "as_of": day, "total": len(items), "items": items}


def public_credit_list(services: Any, name: str, day: date, region_code: str) -> dict[str, Any]:
    """信用公示: the list in force on `day`, published form (persons masked, fields allow-listed):
    {list, as_of, total, items}."""
    from projections.credit_lists import CreditListsView
    from supervision.public.shapes import BlacklistEntryPublic, ListEntryPublic

    rows = _in_force(services, _list_name(name), day, region_code)
    if name == "blacklist":
        items = BlacklistEntryPublic.render_many(rows)
    else:
        items = ListEntryPublic.render_many(CreditListsView.public_entry(row) for row in rows)
    return {"list": name, "as_of": day, "total": len(items), "items": items}


def listing_explanation(r: Reader, listing_id: str) -> dict[str, Any]:
    """Why a listing: criterion, legal basis, decision, chain of events; 404 / 403 outside."""
    from supervision.domain.listing import ListingNotFound

    r.signed_in()
    out = r.view("credit_lists").explain(listing_id)
    if out is None:
        raise ListingNotFound(listing_id)
    return r.require_row_jurisdiction(out, f"listing {listing_id}")


# -- spot checks ----------------------------------------------------------------------------------
#: campaign fields that give the draw away before the visit (the seed rebuilds it from the snapshot)
SECRET_CAMPAIGN_FIELDS = ("seed", "visit_on")
#: timeline events that name a drawn facility (and its team) before the visit
DRAW_EVENT_TYPES = frozenset({"Inspection.Scheduled", "Inspection.Redrawn", "Inspection.Withdrawn"})


def visibility(row: dict[str, Any], actor: Actor | None, today: date) -> str:
    """public | organiser | own | none: what `actor` sees of this campaign row's draw on `today`."""
    from supervision.domain.spot_check import draw_visibility

    visit_on = row.get("visit_on") if row.get("status") == "drawn" else None
    return draw_visibility(actor, list(row["agencies"]), visit_on, today)


def inspections_for(row: dict[str, Any], inspections: list[dict[str, Any]], actor: Actor | None,
                    today: date) -> list[dict[str, Any]]:
    """The inspections of campaign `row` that `actor` may see today (an inspector: their own)."""
    seen = visibility(row, actor, today)
    if seen in ("public", "organiser"):
        return inspections
    if seen == "own" and actor is not None:
        return [i for i in inspections if actor.user in (i.get("inspectors") or [])]
    return []


def redact_campaign(row: dict[str, Any], actor: Actor | None, today: date) -> dict[str, Any]:
    """A campaign row as `actor` may see it today."""
    seen = visibility(row, actor, today)
    out = {**row, "draw_visibility": seen}
    if seen not in ("public", "organiser"):
        out.update(dict.fromkeys(SECRET_CAMPAIGN_FIELDS))
    if "inspections" in row:
        out["inspections"] = inspections_for(row, row["inspections"], actor, today)
    return out


def hide_undisclosed_draws(r: Reader, entries: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """A facility's history without the draw events the reader may not see yet (`draw_visibility`):
    a regulator outside a campaign must not learn from the timeline that a facility was drawn."""
    seen: dict[str, bool] = {}

    def visible(campaign_id: str) -> bool:
        if campaign_id not in seen:
            row = r.view("spot_checks").campaign(campaign_id)
            seen[campaign_id] = row is not None and visibility(row, r.actor, r.today()) in (
                "public", "organiser")
        return seen[campaign_id]

    return [e for e in entries if e.get("event_type") not in DRAW_EVENT_TYPES
            or visible(str((e.get("payload") or {}).get("campaign_id")))]


def organises(r: Reader, row: dict[str, Any]) -> bool:
    """The reader's agency organises the campaign (it sees it even when the campaign's region
    prefix is wider than its jurisdiction)."""
    return getattr(r.actor, "agency", None) in (row.get("agencies") or [])


def require_campaign_scope(r: Reader, row: dict[str, Any], key: str) -> None:
    """403 (jurisdiction rule) unless the campaign's region prefix is inside the reader's
    jurisdiction or the reader's agency organises it."""
    if not organises(r, row):
        r.require_row_jurisdiction(row, f"campaign {key}", region_key="region_prefix")


def campaigns(r: Reader) -> list[dict[str, Any]]:
    """Campaigns in the reader's jurisdiction or organised by its agency, redacted for the reader."""
    r.signed_in()
    rows = r.scope_rows(r.view("spot_checks").campaign_list(), region_key="region_prefix",
                        also=lambda _agency, row: organises(r, row))
    return [redact_campaign(row, r.actor, r.today()) for row in rows]


def campaign(r: Reader, campaign_id: str) -> dict[str, Any]:
    """One campaign with its draw, redacted for the reader; 404 unknown, 403 outside."""
    from supervision.domain.spot_check import CampaignNotFound
    from supervision.spot_checks import campaign_key

    r.signed_in()
    key = campaign_key(campaign_id)
    row = r.view("spot_checks").campaign(key)
    if row is None:
        raise CampaignNotFound(key)
    require_campaign_scope(r, row, key)
    return redact_campaign(row, r.actor, r.today())


def verify_draw(r: Reader, campaign_id: str) -> dict[str, Any]:
    """commitment → seed → snapshot → result of the current draw. Public from the visit date on;
    before it the campaign's organisers only (403: the seed rebuilds the draw). Anyone may ask."""
    from supervision.domain.spot_check import CampaignNotFound
    from supervision.spot_checks import campaign_key

    key = campaign_key(campaign_id)
    row = r.view("spot_checks").campaign(key)
    if row is None:
        raise CampaignNotFound(key)
    if row["status"] == "drawn" and visibility(row, r.actor, r.today()) not in ("public", "organiser"):
        raise PermissionDenied("the draw stays with the campaign's organisers until the visit date; "
                               "its commitment is public at /api/v1/public/spot-check-draws/{campaign_id}")
    return r.services.app.verify_spot_check_draw(key)


def inspectors(r: Reader, **query: Any) -> list[dict[str, Any]]:
    """The inspector pool with declared conflicts, inspectors of the reader's jurisdiction only."""
    r.signed_in()
    return r.scope_rows(r.view("spot_checks").inspector_list(**query), region_key="region_code")


# -- agencies, calendar ---------------------------------------------------------------------------
def agencies(r: Reader, region_code: str, kind: str | None) -> list[dict[str, Any]]:
    """The agency registry (any signed-in actor; public bodies, not scoped)."""
    r.signed_in()
    return r.view("agencies").search(region_code, kind)


def agency(r: Reader, code: str) -> dict[str, Any]:
    """One registered agency (any signed-in actor); `AgencyNotFound` otherwise."""
    from supervision.domain.agency import AgencyNotFound

    r.signed_in()
    row = r.view("agencies").get(code)
    if row is None:
        raise AgencyNotFound(code)
    return row


def calendar_year(app: Any, year: int) -> dict[str, Any]:
    """Public: the statutory holidays of `year`, the loaded notice if any, and which data deadlines
    use. `ValueError` (saying why) for a year no rule covers or after 2100."""
    from supervision.policy.statutory_holidays import rule_for, statutory_holidays

    rule = rule_for(year)
    if year > 2100:
        raise ValueError("no calendar kept after 2100")
    loaded = app.loaded_schedules().get(year)
    probe = app.calendar.add_working_days(date(year, 1, 1), 1)
    return {
        "year": year,
        "statutory_basis": rule.source,
        "statutory_holidays": [{"date": d, "name": n} for d, n in statutory_holidays(year).items()],
        "loaded_notice": None if loaded is None else {
            "document_no": loaded.document_no, "holidays": sorted(loaded.holidays),
            "working_days": sorted(loaded.working_days)},
        "basis": probe.basis,
        "note": probe.note,
    }
