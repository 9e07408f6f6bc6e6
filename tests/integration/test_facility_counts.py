"""`facility_list_counts` (issue 15): a list's total read from per-facet counts equals counting the
rows, after registrations, grades, exits and profile changes (region and ownership moved), with a
parked event among them, on SQLite and PostgreSQL; a store made before the table is counted once."""

from __future__ import annotations

from sqlalchemy import func, select

from projections.facility_list import FacilityQuery
from supervision.application import Context
from tests.faults.poison import register, sample_rows
from tests.support import ROLE_ACTORS

CTX = Context(ROLE_ACTORS["civil_affairs"], "api")


def _grouped(view) -> list[tuple]:
    t, c = view.facilities, view.counts
    grade = func.coalesce(t.c.grade_level, 0)
    with view.engine.connect() as conn:
        counted = conn.execute(
            select(t.c.region_code, t.c.ownership, t.c.profit_status, grade, t.c.status, func.count())
            .group_by(t.c.region_code, t.c.ownership, t.c.profit_status, grade, t.c.status)
            .order_by(t.c.region_code, t.c.ownership, t.c.profit_status, grade, t.c.status)).all()
        kept = conn.execute(select(c).order_by(*c.primary_key.columns)).all()
    return [tuple(r) for r in counted], [tuple(r) for r in kept]


def _totals_match(view) -> None:
    queries = [FacilityQuery(), FacilityQuery(region_code="14"), FacilityQuery(region_code="1405"),
               FacilityQuery(region_code="140502"), FacilityQuery(region_code="1405", ownership="private"),
               FacilityQuery(status="closed"), FacilityQuery(grade=3), FacilityQuery(grade=4, status="open"),
               FacilityQuery(region_code="1405", profit_status="non_profit", page=99),
               FacilityQuery(region_code="999999")]
    t = view.facilities
    for q in queries:
        _, total = view.search(q)
        where = []
        if q.region_code:
            where.append(t.c.region_code.startswith(q.region_code))
        for column, value in (("ownership", q.ownership), ("profit_status", q.profit_status),
                              ("grade_level", q.grade), ("status", q.status)):
            if value is not None:
                where.append(t.c[column] == value)
        with view.engine.connect() as conn:
            expected = conn.execute(select(func.count()).select_from(t).where(*where)).scalar_one()
        assert (total, type(total)) == (expected, int), q


def test_counts_follow_every_change_and_equal_counting_the_rows(container):
    dispatch = container.dispatcher.dispatch
    rows = sample_rows(30)
    register(container, rows[:20])
    register(container, rows[20:21], total_beds=2**63)  # parked: counted nowhere
    register(container, rows[21:])
    for i, row in enumerate(rows):
        if i == 20:
            continue
        uscc = row["uscc"]
        if i % 2:
            level, score = (3, 600) if i % 4 == 3 else (4, 800)
            dispatch("assess_facility_grade", {"uscc": uscc, "level": level, "score": score,
                     "assessing_body": "晋城市民政局", "certificate_no": f"C-{i}"}, CTX)
        if i % 3 == 0:
            dispatch("change_facility_profile", {"uscc": uscc, "region_code": "140581",
                                                 "ownership": "private"}, CTX)
        if i % 5 == 0:
            dispatch("close_facility", {"uscc": uscc, "reason": "停业"}, CTX)
    runner = container.runner("facility_list", batch_size=7)
    runner.catch_up()
    assert len(runner.parked()) == 1
    view = runner.view
    counted, kept = _grouped(view)
    assert kept == counted and sum(r[-1] for r in kept) == 29
    _totals_match(view)
    assert view.search(FacilityQuery(name=rows[0]["name"][:2]))[1] >= 1  # a name search counts rows

    # a store made before the counts table: the table is created and counted once
    view.counts.drop(view.engine)
    view.create_table()
    assert _grouped(view)[1] == counted
