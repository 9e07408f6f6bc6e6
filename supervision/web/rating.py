"""The public supervision rating: the rating rule applied to the public facts only, every point in words.

The supervision rating view (`projections/supervision_rating.py`) keeps one row per fact that costs
points, citing its event. The public rating keeps the rows whose fact is itself public on `as_of`:

| fact | public when | its public record |
| --- | --- | --- |
| spot check failed / problems found | published (一公开) by `as_of` | `/api/v1/public/spot-check-results` |
| fire hazard, major hazard, overdue | at once (fire topic) | the finding number |
| prepaid-fee cap exceeded | at once (prepaid summary) | `/api/v1/prepaid/{uscc}` |
| complaint substantiated | on conclusion | `/api/v1/public/complaint-summary` |

Facts resting on records that are not public — 约谈 (interviews), incidents reported late or found
responsible, duty reports missing — and spot-check results not yet published do not count here: the
public score is the start score plus exactly the points shown, so nothing hidden can be read from it.
Listings in force on a published list (joint punishment, key attention) rate the facility D, as the
rule says. Words come from fixed vocabularies (`supervision.web.words`), never from staff text.

Returned dicts are rendered by `RatingPublic` (`supervision.public.shapes`).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import date, timedelta
from typing import Any

from sqlalchemy import select

from supervision.domain.spot_check import CONCLUSIONS
from supervision.policy.listing_criteria import CRITERIA_BY_CODE
from supervision.policy.rating import CURRENT_RATING, RatingPolicy
from supervision.web.words import COMPLAINT_CATEGORIES, FACT_RECORDS, HAZARD_CATEGORIES, PUBLIC_FACTS

SPOT_RECORD, FIRE_RECORD, COMPLAINT_RECORD = "spot_check_result", "fire_case", "complaint"


def _aggregate(event_ref: str) -> str:
    return event_ref.split(":", 1)[0]


@contextmanager
def connection(services: Any, conn: Any = None) -> Iterator[Any]:
    """`conn` when given, else a new one: every view lives in the same database (one datastore), so a
    page reads all its tables on one connection (one pool checkout, one ping)."""
    if conn is not None:
        yield conn
        return
    with services.view("supervision_rating").engine.connect() as opened:
        yield opened


def _lookups(services: Any, points: list[dict[str, Any]], as_of: date, conn: Any
             ) -> dict[str, dict[str, Any]]:
    """{aggregate id: public values} for the spot-check, fire and complaint records the points cite;
    a spot-check result is there only when published on or before `as_of`."""
    wanted: dict[str, set[str]] = defaultdict(set)
    for p in points:
        wanted[FACT_RECORDS.get(p["fact"], "")].add(_aggregate(p["event_ref"]))
    out: dict[str, dict[str, Any]] = {}
    if wanted[SPOT_RECORD]:
        view = services.view("spot_checks")
        i, c = view.inspections, view.campaigns
        query = (select(i.c.inspection_id, i.c.campaign_id, i.c.conclusion, c.c.name)
                 .select_from(i.join(c, i.c.campaign_id == c.c.campaign_id))
                 .where(i.c.inspection_id.in_(sorted(wanted[SPOT_RECORD])), i.c.status == "published",
                        i.c.published_on <= as_of))
        for row in conn.execute(query):
                out[row.inspection_id] = {"ref": row.campaign_id, "campaign": row.name,
                                          "conclusion": CONCLUSIONS.get(row.conclusion, row.conclusion)}
    if wanted[FIRE_RECORD]:
        view = services.view("fire_safety")
        t = view.cases
        for row in conn.execute(select(t.c.case_id, t.c.finding_no, t.c.category)
                                .where(t.c.case_id.in_(sorted(wanted[FIRE_RECORD])))):
                out[row.case_id] = {"ref": row.finding_no,
                                    "category": HAZARD_CATEGORIES.get(row.category, row.category)}
    if wanted[COMPLAINT_RECORD]:
        view = services.view("complaints")
        t = view.complaints
        for row in conn.execute(select(t.c.complaint_id, t.c.category)
                                .where(t.c.complaint_id.in_(sorted(wanted[COMPLAINT_RECORD])))):
                out[row.complaint_id] = {"category": COMPLAINT_CATEGORIES.get(row.category, row.category)}
    return out


def _words(fact: str, found: dict[str, Any]) -> str:
    title = PUBLIC_FACTS[fact]
    record = FACT_RECORDS[fact]
    if record == SPOT_RECORD:
        return f"{found['campaign']}：{found['conclusion']}"
    if record == FIRE_RECORD:
        return f"{title}（{found['category']}，隐患编号 {found['ref']}）"
    if record == COMPLAINT_RECORD:
        return f"{title}（投诉类别：{found['category']}）"
    return title


#: past this many facilities, read every row in force and keep theirs (no huge IN list)
MANY = 500


def _in_force(conn: Any, table: Any, codes: list[str], as_of: date) -> list[dict[str, Any]]:
    """Rows of the rating view's `table` counting on `as_of` for `codes` (facts, or listings)."""
    if not codes:
        return []
    conditions = [table.c.valid_from <= as_of, table.c.valid_to > as_of]
    if len(codes) <= MANY:
        conditions.append(table.c.uscc.in_(codes))
    rows = [dict(r._mapping) for r in conn.execute(select(table).where(*conditions))]
    if len(codes) > MANY:
        wanted = set(codes)
        rows = [r for r in rows if r["uscc"] in wanted]
    return sorted(rows, key=lambda r: (r["uscc"], r["valid_from"], r["event_ref"]))


def public_points(services: Any, usccs: Iterable[str], as_of: date, conn: Any = None
                  ) -> tuple[dict[str, list[dict[str, Any]]], dict[str, list[dict[str, Any]]]]:
    """({uscc: public points in force on as_of}, {uscc: published listings in force}) for `usccs`,
    read on `conn` (or a connection of its own)."""
    view = services.view("supervision_rating")
    codes = sorted(set(usccs))
    with connection(services, conn) as c:
        points = [p for p in _in_force(c, view.points, codes, as_of) if p["fact"] in PUBLIC_FACTS]
        found = _lookups(services, points, as_of, c)
        listings = _in_force(c, view.listings, codes, as_of)
    by_uscc: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for p in points:
        record = FACT_RECORDS[p["fact"]]
        values = found.get(_aggregate(p["event_ref"]))
        if values is None and record in (SPOT_RECORD, FIRE_RECORD, COMPLAINT_RECORD):
            continue  # an unpublished result (or a record the public views do not hold): not public
        values = values or {}
        by_uscc[p["uscc"]].append({
            "fact": p["fact"], "fact_title": PUBLIC_FACTS[p["fact"]], "points": p["points"],
            "occurred_on": p["occurred_on"], "counts_through": p["valid_to"] - timedelta(days=1),
            "record": record, "record_ref": values.get("ref"), "words": _words(p["fact"], values),
        })
    listed: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in listings:
        rule = CRITERIA_BY_CODE.get(row["criterion"])
        listed[row["uscc"]].append({
            "list_kind": row["list_kind"], "criterion": row["criterion"],
            "criterion_title": rule.title if rule else None, "effective_on": row["valid_from"],
            "through": row["valid_to"] - timedelta(days=1)})
    return by_uscc, listed


def rate(uscc: str, as_of: date, points: list[dict[str, Any]], listings: list[dict[str, Any]],
         policy: RatingPolicy = CURRENT_RATING) -> dict[str, Any]:
    """The rating dict `RatingPublic` renders: score = start + the points shown; a listing → D."""
    score, level = policy.rate((p["points"] for p in points), listed=bool(listings))
    return {
        "uscc": uscc, "as_of": as_of, "level": level, "score": score, "start_score": policy.start_score,
        "bands": [*(f"{lv} ≥ {m}" for m, lv in policy.bands),
                  f"{policy.floor_level} < {policy.bands[-1][0]}"],
        "window_months": policy.window_months, "policy_version": policy.version,
        "legal_basis": policy.legal_basis,
        "points": sorted(points, key=lambda p: (p["occurred_on"], p["fact"])),
        "listings_in_force": listings,
    }


def public_rating(services: Any, uscc: str, as_of: date, conn: Any = None) -> dict[str, Any]:
    """One facility's public rating on `as_of` (not yet rendered)."""
    points, listed = public_points(services, [uscc], as_of, conn)
    return rate(uscc, as_of, points.get(uscc, []), listed.get(uscc, []))


def public_levels(services: Any, usccs: list[str], as_of: date) -> dict[str, str]:
    """{uscc: public level} for many facilities (the overview's distribution)."""
    points, listed = public_points(services, usccs, as_of)
    policy = CURRENT_RATING
    return {u: policy.rate((p["points"] for p in points.get(u, [])), listed=bool(listed.get(u)))[1]
            for u in usccs}
