"""Everything the facility page shows, read on one database connection.

Every view lives in the same database (one datastore), so the page takes one connection from the pool
(one checkout, one ping) and runs each read on it, instead of one checkout per view method. The reads
are the views' own queries, asked for one facility, and rendered by the same shapes as the public
endpoints they equal (tested against them):

| part | equals | shape |
| --- | --- | --- |
| registry entry | `GET /api/v1/facilities/{uscc}` (`FacilityListView.get`) | `FacilityPublic` |
| grade, history | `GET /api/v1/facilities/{uscc}/grade?as_of=` (`GradesView.grade`) | `GradeAsOfPublic` |
| results | `GET /api/v1/public/spot-check-results?uscc=` (`public_results`) | `SpotCheckResultPublic` |
| lists | `GET /api/v1/public/credit/{joint-punishment,key-attention}?as_of=`, its rows | `ListEntryPublic` |
| rating | `GET /api/v1/public/ratings/{uscc}?as_of=` | `RatingPublic` |
| fire safety | `GET /api/v1/public/fire-safety/{uscc}` | `FireSafetyStatusPublic` |

`read(services, uscc, today)` answers None for an unregistered facility.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import select

from supervision.domain.spot_check import CONCLUSIONS
from supervision.public.shapes import FacilityPublic, GradeAsOfPublic, SpotCheckResultPublic
from supervision.web import sources
from supervision.web.rating import connection

#: published results shown on the page, newest first
RESULTS = 100


def _grade(services: Any, conn: Any, uscc: str, as_of: date) -> dict[str, Any]:
    """`GradesView.grade(uscc, as_of)` on `conn`: the grade in force (valid or expired) and every
    assessment before it."""
    from projections.grades import UNGRADED

    view = services.view("grades")
    h, f = view.history, view.facilities
    current = conn.execute(
        select(h, f.c.name, f.c.region_code).select_from(h.join(f, f.c.uscc == h.c.uscc))
        .where(h.c.valid_from <= as_of, (h.c.valid_to.is_(None)) | (h.c.valid_to > as_of), h.c.uscc == uscc)
        .order_by(f.c.region_code, h.c.uscc)).all()
    rows = conn.execute(select(h).where(h.c.uscc == uscc, h.c.valid_from <= as_of)
                        .order_by(h.c.valid_from, h.c.event_version)).all()
    out = view._shown(dict(current[0]._mapping), as_of) if current else {"uscc": uscc, "level": None,
                                                                          "status": UNGRADED}
    out["as_of"] = as_of
    out["history"] = [view._shown(dict(r._mapping), as_of) for r in rows]
    return out


def _results(services: Any, conn: Any, uscc: str, name: str) -> list[dict[str, Any]]:
    """`SpotCheckView.public_results(uscc=…)`'s items on `conn`: published results, newest first."""
    view = services.view("spot_checks")
    i, c = view.inspections, view.campaigns
    rows = conn.execute(
        select(i.c.campaign_id, c.c.name.label("campaign_name"), c.c.kind, c.c.agencies, i.c.uscc,
               i.c.conclusion, i.c["items"], i.c.completed_on, i.c.published_on, i.c.channel)
        .select_from(i.join(c, i.c.campaign_id == c.c.campaign_id))
        .where(i.c.status == "published", i.c.uscc == uscc)
        .order_by(i.c.published_on.desc(), i.c.uscc).limit(RESULTS)).all()
    out = []
    for r in rows:
        item = dict(r._mapping)
        item["conclusion_label"] = CONCLUSIONS.get(item["conclusion"], item["conclusion"])
        item["items"] = [{k: entry.get(k) for k in ("code", "title", "result", "severity")}
                         for entry in item["items"] or []]
        item["facility_name"] = name
        out.append(item)
    return SpotCheckResultPublic.render_many(out)


def read(services: Any, uscc: str, today: date) -> dict[str, Any] | None:
    """The page's parts (already shaped), or None when `uscc` is not registered."""
    t = services.view("facility_list").facilities
    with connection(services) as conn:
        row = conn.execute(select(t).where(t.c.uscc == uscc)).first()
        if row is None:
            return None
        fac = FacilityPublic.render(dict(row._mapping))
        grade = GradeAsOfPublic.render(_grade(services, conn, uscc, today))
        published = _results(services, conn, uscc, fac["name"])
        listed = sources.listings_of(services, uscc, today, conn)
        rated = sources.rating(services, uscc, today, conn)
        fire = sources.fire_status(services, uscc, conn)
    return {"f": fac, "grade": grade, "results": published, "listed": listed, "rating": rated, "fire": fire,
            "timeline": sources.timeline(fac, grade, published, listed, rated)}
