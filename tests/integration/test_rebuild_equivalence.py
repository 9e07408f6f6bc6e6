"""A view built event by event equals the same view rebuilt in large write-behind pages."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from infra.sample_city import facilities
from projections.complaints import ComplaintQuery
from supervision.application import Context
from tests.support import ROLE_ACTORS, make_container

CTX = Context(ROLE_ACTORS["civil_affairs"], "api")


def test_one_event_per_transaction_and_large_pages_give_byte_identical_tables(pg_url, tmp_path):
    container = make_container(pg_url, tmp_path / "var", today=date(2026, 11, 26))
    try:
        app, dispatch = container.app, container.dispatcher.dispatch
        rows = list(facilities(40))
        for row in rows:
            dispatch("register_facility", row, CTX)
        for i, row in enumerate(rows):
            uscc = row["uscc"]
            dispatch("change_facility_profile", {"uscc": uscc, "total_beds": row["total_beds"] + 5}, CTX)
            if i % 2:
                dispatch("assess_facility_grade", {"uscc": uscc, "level": 3, "score": 600,
                         "assessing_body": "晋城市民政局", "certificate_no": f"C-{i}",
                         "occurred_on": "2026-09-01"}, CTX)
            if i % 4 == 1:  # a re-assessment closes the first grade's history row
                dispatch("assess_facility_grade", {"uscc": uscc, "level": 4, "score": 800,
                         "assessing_body": "晋城市民政局", "certificate_no": f"D-{i}",
                         "occurred_on": "2026-10-01"}, CTX)
            if i % 3 == 0:
                changes = {"uscc": uscc, "name": f"更名{i}", "nursing_beds": 0}
                dispatch("change_facility_profile", changes, CTX)
            if i % 5 == 0:
                dispatch("close_facility", {"uscc": uscc, "reason": "停业", "occurred_on": "2026-10-01"}, CTX)
            if i % 5 and i % 3 != 2:  # complaints through every step, some received in an earlier page
                complaint = dispatch("register_complaint", {
                    "uscc": uscc, "channel": "hotline_12345", "category": ("abuse_cheating", "fees")[i % 2],
                    "summary": "反映收费问题", "reference": f"W-{i}", "occurred_on": "2026-11-02",
                    "complainant": {"name": "赵小燕", "phone": "13912345678"}}, CTX)
                step = {"complaint_id": complaint.id, "occurred_on": "2026-11-03"}
                dispatch("acknowledge_complaint", step, CTX)
                if i % 3 == 0:
                    dispatch("reveal_complainant_identity", {"complaint_id": complaint.id, "reason": "核实"},
                             CTX)
                dispatch("assign_complaint", {**step, "agency": "MZJ-140502"}, CTX)
                if i % 4 != 3:
                    dispatch("conclude_complaint", {**step, "measures": ["责令整改"], "outcome": (
                        "substantiated", "unsubstantiated",
                                                                        "partly_substantiated")[i % 3]}, CTX)
                    dispatch("close_complaint", step, CTX)
        assert app.recorder.max_notification_id() > 120
        for name in ("facility_list", "timeline", "grades", "credit_lists", "complaints",
                     "supervision_rating"):
            one_by_one = container.runner(name, batch_size=1)
            one_by_one.catch_up()
            incremental = one_by_one.view.checksum()
            paged = container.runner(name, batch_size=5000)
            paged.rebuild()
            assert paged.view.checksum() == incremental, name
        grades = container.view("grades")
        with grades.engine.connect() as conn:
            history = conn.execute(select(grades.history.c.valid_from, grades.history.c.valid_to)
                                   .where(grades.history.c.uscc == rows[1]["uscc"])
                                   .order_by(grades.history.c.valid_from)).all()
        first, second = (date(2026, 9, 1), date(2026, 10, 1)), (date(2026, 10, 1), None)
        assert [tuple(r) for r in history] == [first, second]
        closed = container.view("facility_list").get(rows[0]["uscc"])
        assert closed["status"] == "closed" and closed["name"] == "更名0" and closed["nursing_beds"] == 0
        assert closed["total_beds"] == rows[0]["total_beds"] + 5 and closed["version"] == 4
        complaints, _ = container.view("complaints").search(ComplaintQuery(page_size=100))
        assert {c["status"] for c in complaints} == {"assigned", "closed"}
        assert sum(c["identity_reveals"] for c in complaints) == sum(
            1 for i in range(40) if i % 5 and i % 3 == 0)
        rated = container.view("supervision_rating")
        with rated.engine.connect() as conn:
            assert conn.execute(select(rated.points.c.fact)).all()  # substantiated complaints cost points
    finally:
        container.close()
