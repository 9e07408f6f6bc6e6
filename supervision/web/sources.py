"""What the site shows, read from the views the public API reads and rendered by the same shapes.

Each function answers exactly what its public endpoint answers (named in its docstring), so a page or a
download as of a date equals the API as of that date.
"""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from sqlalchemy import func, select

from supervision.public.shapes import (
    BlacklistEntryPublic,
    FacilityPublic,
    FireSafetyStatusPublic,
    GradeAsOfPublic,
    ListEntryPublic,
    RatingPublic,
    SpotCheckResultPublic,
)
from supervision.web.rating import connection, public_rating
from supervision.web.words import LIST_KINDS


def list_rows(services: Any, name: str, as_of: date, region_prefix: str = "") -> list[dict[str, Any]]:
    """`GET /api/v1/public/credit/{name}?as_of=&region_code=`'s items: blacklist, joint-punishment or
    key-attention."""
    from projections.credit_lists import JOINT_PUNISHMENT, KEY_ATTENTION, CreditListsView

    view = services.view("credit_lists")
    if name == "blacklist":
        return BlacklistEntryPublic.render_many(view.blacklist(as_of, region_prefix))
    if name == "joint-punishment":
        return ListEntryPublic.render_many(
            CreditListsView.public_entry(r) for r in view.in_force(JOINT_PUNISHMENT, as_of, region_prefix))
    if name == "key-attention":
        return ListEntryPublic.render_many(
            CreditListsView.public_entry(r) for r in view.in_force(KEY_ATTENTION, as_of, region_prefix))
    raise ValueError(f"not a public list: {name}")


def facility(services: Any, uscc: str) -> dict[str, Any] | None:
    """`GET /api/v1/facilities/{uscc}`: the registry entry, persons masked; None when unknown."""
    row = services.view("facility_list").get(uscc)
    return FacilityPublic.render(row) if row else None


def search(services: Any, *, name: str | None, region_code: str | None, page: int,
           page_size: int) -> tuple[list[dict[str, Any]], int]:
    """`GET /api/v1/facilities?name=&region_code=&page=&page_size=`."""
    from projections.facility_list import FacilityQuery

    rows, total = services.view("facility_list").search(
        FacilityQuery(name=name or None, region_code=region_code or None, page=page, page_size=page_size))
    return FacilityPublic.render_many(rows), total


#: the last district counts computed, keyed by (view, its position): recounted only after a change
_DISTRICTS: dict[tuple[int, int], list[tuple[str, int, int]]] = {}


def district_counts(services: Any) -> list[tuple[str, int, int]]:
    """(region code, facilities, of which open) per district: the totals `GET /api/v1/facilities
    ?region_code=<code>` (and `&status=open`) answer, counted in one query — and counted again only
    when the facility view has moved on (its tracking position), not on every page view."""
    view = services.view("facility_list")
    key = (id(view), view.max_tracking_id(services.app.name) or 0)
    cached = _DISTRICTS.get(key)
    if cached is not None:
        return cached
    t = view.facilities
    query = (select(t.c.region_code, func.count(), func.count().filter(t.c.status == "open"))
             .group_by(t.c.region_code).order_by(t.c.region_code))
    with view.engine.connect() as conn:
        counts = [(r[0], r[1], r[2]) for r in conn.execute(query).all()]
    _DISTRICTS.clear()
    _DISTRICTS[key] = counts
    return counts


def grade(services: Any, uscc: str, as_of: date) -> dict[str, Any]:
    """`GET /api/v1/facilities/{uscc}/grade?as_of=`."""
    return GradeAsOfPublic.render(services.view("grades").grade(uscc, as_of))


def results(services: Any, uscc: str, page_size: int = 100, name: str | None = None
            ) -> list[dict[str, Any]]:
    """`GET /api/v1/public/spot-check-results?uscc=`: published results only, newest first (`name`:
    the facility's registered name when the caller has it already)."""
    items, _ = services.view("spot_checks").public_results(uscc=uscc, page=1, page_size=page_size)
    if name is None:
        row = services.view("facility_list").get(uscc)
        name = row["name"] if row else None
    for item in items:
        item["facility_name"] = name
    return SpotCheckResultPublic.render_many(items)


def campaign_results(services: Any, campaign_id: str, page: int, page_size: int
                     ) -> tuple[list[dict[str, Any]], int]:
    """`GET /api/v1/public/spot-check-results?campaign_id=&page=&page_size=`: one campaign's published
    results (一公开), newest first."""
    items, total = services.view("spot_checks").public_results(campaign_id=campaign_id, page=page,
                                                                page_size=page_size)
    names = services.view("facility_list").names(item["uscc"] for item in items)
    for item in items:
        item["facility_name"] = names.get(item["uscc"])
    return SpotCheckResultPublic.render_many(items), total


def listings_of(services: Any, uscc: str, as_of: date, conn: Any = None) -> list[dict[str, Any]]:
    """This facility's entries of `GET /api/v1/public/credit/joint-punishment?as_of=` and of
    `…/key-attention`: the same rows (`CreditListsView.in_force`), asked for one facility."""
    from projections.credit_lists import JOINT_PUNISHMENT, KEY_ATTENTION, CreditListsView

    view = services.view("credit_lists")
    t, f = view.listings, view.facilities
    query = (select(t, f.c.name.label("facility_name"), f.c.region_code)
             .select_from(t.outerjoin(f, f.c.uscc == t.c.uscc))
             .where(t.c.uscc == uscc, t.c.list_kind.in_((JOINT_PUNISHMENT, KEY_ATTENTION)),
                    t.c.effective_on <= as_of, t.c.valid_to > as_of)
             .order_by(t.c.list_kind, t.c.effective_on, t.c.proposed_on, t.c.listing_id))
    with connection(services, conn) as c:
        rows = [dict(r._mapping) for r in c.execute(query)]
    for row in rows:
        for key in ("responsible_persons", "measures"):
            row[key] = json.loads(row[key])
    return ListEntryPublic.render_many(CreditListsView.public_entry(r) for r in rows)


def rating(services: Any, uscc: str, as_of: date, conn: Any = None) -> dict[str, Any]:
    """`GET /api/v1/public/ratings/{uscc}?as_of=`: the supervision rating from public facts, every
    point in words (`supervision.web.rating`)."""
    return RatingPublic.render(public_rating(services, uscc, as_of, conn))


def fire_status(services: Any, uscc: str, conn: Any = None) -> dict[str, Any]:
    """`GET /api/v1/public/fire-safety/{uscc}`: counts and open findings, from the fire-safety view's
    public columns (numbers, category, dates, flags; never the description, location or persons)."""
    return FireSafetyStatusPublic.render(fire_status_row(services, uscc, conn))


def fire_status_row(services: Any, uscc: str, conn: Any = None) -> dict[str, Any]:
    """The fire-safety status before its shape renders it (the API's response schema does)."""
    t = services.view("fire_safety").cases
    columns = (t.c.finding_no, t.c.category, t.c.major, t.c.major_criterion, t.c.found_on, t.c.status,
               t.c.due_on, t.c.overdue, t.c.sealed, t.c.sealed_on)
    with connection(services, conn) as c:
        rows = [dict(r._mapping) for r in c.execute(
            select(*columns).where(t.c.uscc == uscc)
            .order_by(t.c.due_on.is_(None), t.c.due_on, t.c.found_on, t.c.finding_no))]
    open_cases = [r for r in rows if r["status"] != "verified"]
    return {
        "uscc": uscc, "open_hazards": len(open_cases),
        "open_major_hazards": sum(1 for r in open_cases if r["major"]),
        "overdue_rectifications": sum(1 for r in open_cases if r["overdue"]),
        "sealed": any(r["sealed"] for r in rows), "rectified": len(rows) - len(open_cases),
        "open_cases": open_cases}


def timeline(fac: dict[str, Any], grade_now: dict[str, Any], published: list[dict[str, Any]],
             listed: list[dict[str, Any]], rated: dict[str, Any] | None = None) -> list[tuple[str, str]]:
    """Public facts only, oldest first, as (ISO date, words): each built from a field already shaped
    above (registry dates, grade assessments, published results, listings in force, the public
    rating's fire, prepaid and complaint facts)."""
    facts: list[tuple[str, str]] = []
    if fac.get("registered_on"):
        facts.append((fac["registered_on"], "完成备案"))
    if fac.get("opened_on"):
        facts.append((fac["opened_on"], "开业"))
    for g in [*grade_now.get("history", []), grade_now]:
        if g.get("assessed_on") and g.get("level"):
            facts.append((g["assessed_on"], f"等级评定：{g['level']}级（{g.get('assessing_body') or ''}，"
                                            f"证书 {g.get('certificate_no') or ''}）"))
    for r in published:
        if r.get("published_on"):
            facts.append((r["published_on"], f"公示抽查结果：{r.get('campaign_name') or ''}，"
                                              f"{r.get('conclusion_label') or r.get('conclusion')}"))
    for e in listed:
        if e.get("effective_on"):
            what = e.get("criterion_title") or e["criterion"]
            facts.append((e["effective_on"], f"列入{LIST_KINDS.get(e['list_kind'], e['list_kind'])}：{what}"))
    for p in (rated or {}).get("points", []):
        if p["record"] in ("fire_case", "prepaid_violation", "complaint"):  # results are listed above
            facts.append((p["occurred_on"], f"{p['words']}（监管评级 {p['points']} 分）"))
    if fac.get("closed_on"):
        facts.append((fac["closed_on"], "退出（停止运营）"))
    return sorted(set(facts))
