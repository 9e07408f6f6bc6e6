"""The district overview's figures (`GET /api/v1/public/overview`, page `/overview`).

Counts of public records only, for the facilities whose region code starts with `region_code`:

- `ratings`: facilities per public supervision rating level on `as_of` (`supervision.web.rating`);
- `grades`: facilities per official grade in force (一级…五级), expired, or never graded;
- `overdue_publications`: spot-check results whose publication deadline fell in a month of the 12
  ending with `as_of` and that were published late or are still overdue (`PublicationOverdue` and
  `ResultPublished.late` are public on the spot-checks topic);
- `complaints`: concluded complaints per category, by month of conclusion (the complaint summary's
  public counts, over time).

Rendered by `OverviewPublic`.
"""

from __future__ import annotations

from collections import Counter
from datetime import date
from typing import Any

from sqlalchemy import select

from supervision.public.shapes import OverviewPublic
from supervision.web.rating import public_levels
from supervision.web.words import COMPLAINT_CATEGORIES

LEVELS = ("A", "B", "C", "D")
GRADE_KEYS = ("5", "4", "3", "2", "1", "expired", "ungraded")
GRADE_LABELS = {"5": "五级", "4": "四级", "3": "三级", "2": "二级", "1": "一级", "expired": "等级已过期",
                "ungraded": "未评定"}
OVERDUE_LABELS = {"overdue": "逾期未公示", "late": "逾期后公示"}


def months_ending(as_of: date, n: int = 12) -> list[str]:
    """The `n` calendar months ending with `as_of`'s, oldest first, as YYYY-MM."""
    y, m = as_of.year, as_of.month
    out = []
    for _ in range(n):
        out.append(f"{y:04d}-{m:02d}")
        y, m = (y, m - 1) if m > 1 else (y - 1, 12)
    return out[::-1]


def _usccs(services: Any, region_code: str) -> list[str]:
    view = services.view("facility_list")
    t = view.facilities
    query = select(t.c.uscc)
    if region_code:
        query = query.where(t.c.region_code.startswith(region_code, autoescape=True))
    with view.engine.connect() as conn:
        return [r[0] for r in conn.execute(query)]


def figures(services: Any, region_code: str, as_of: date) -> dict[str, Any]:
    """The overview rendered by `OverviewPublic` (what the page shows)."""
    return OverviewPublic.render(figures_row(services, region_code, as_of))


def figures_row(services: Any, region_code: str, as_of: date) -> dict[str, Any]:
    """The overview before its shape renders it (the API's response schema does)."""
    usccs = _usccs(services, region_code)
    members = set(usccs)
    months = months_ending(as_of)
    shown = set(months)

    levels = Counter(public_levels(services, usccs, as_of).values())
    ratings = [{"key": lv, "label": f"{lv} 级", "count": levels.get(lv, 0)} for lv in LEVELS]

    grades: Counter[str] = Counter()
    for row in services.view("grades").graded(as_of, region_code):
        grades[str(row["level"]) if row["status"] == "valid" else "expired"] += 1
    grades["ungraded"] = len(usccs) - sum(grades.values())
    grade_rows = [{"key": k, "label": GRADE_LABELS[k], "count": grades.get(k, 0)} for k in GRADE_KEYS]

    spot = services.view("spot_checks")
    i = spot.inspections
    late: Counter[tuple[str, str]] = Counter()
    with spot.engine.connect() as conn:
        rows = conn.execute(select(i.c.uscc, i.c.publish_due_on, i.c.published_on, i.c.publication_overdue,
                                   i.c.overdue_marked_on).where(i.c.publish_due_on.is_not(None),
                                                                i.c.publish_due_on <= as_of)).all()
    for r in rows:
        month = r.publish_due_on.strftime("%Y-%m")
        if r.uscc not in members or month not in shown:
            continue
        if r.published_on is not None and r.published_on <= as_of and r.published_on > r.publish_due_on:
            late[(month, "late")] += 1
        elif ((r.published_on is None or r.published_on > as_of) and r.publication_overdue
              and r.overdue_marked_on is not None and r.overdue_marked_on <= as_of):
            late[(month, "overdue")] += 1
    overdue = [{"month": m, "key": k, "label": OVERDUE_LABELS[k], "count": late.get((m, k), 0)}
               for m in months for k in OVERDUE_LABELS]

    view = services.view("complaints")
    t = view.complaints
    by_month: Counter[tuple[str, str]] = Counter()
    with view.engine.connect() as conn:
        rows = conn.execute(select(t.c.uscc, t.c.category, t.c.concluded_on)
                            .where(t.c.concluded_on.is_not(None), t.c.concluded_on <= as_of)).all()
    for r in rows:
        month = r.concluded_on.strftime("%Y-%m")
        if r.uscc in members and month in shown:
            by_month[(month, r.category)] += 1
    categories = [c for c in COMPLAINT_CATEGORIES if any(k[1] == c for k in by_month)]
    complaints = [{"month": m, "key": c, "label": COMPLAINT_CATEGORIES[c], "count": by_month.get((m, c), 0)}
                  for m in months for c in categories]

    return {"region_code": region_code, "as_of": as_of, "facilities": len(usccs), "ratings": ratings,
            "grades": grade_rows, "overdue_publications": overdue, "complaints": complaints, "months": months}
