"""The duties demo step on PostgreSQL: it loads once, a second run adds nothing, the clock follows."""

from __future__ import annotations

from infra.clock import tick
from infra.demo import Demo, load_facilities
from infra.demo_duties import load


def test_the_duties_demo_step_is_idempotent_and_its_overdue_commitment_is_marked_once(pg_container):
    demo = Demo(pg_container)
    load_facilities(pg_container, 8, demo)
    first = load(pg_container, demo)
    assert "duties: 4 new" in first or "duties: 5 new" in first, first
    head = pg_container.app.recorder.max_notification_id()
    second = load(pg_container, demo)
    assert "duties: 0 new" in second and pg_container.app.recorder.max_notification_id() == head
    report = tick(pg_container)
    assert report.failed == [] and report.appended >= 1  # commitment 2 of the held interview
    pg_container.runner("interviews").catch_up()
    overdue = pg_container.view("interviews").overdue_commitments(pg_container.app.today())
    assert overdue == []
    assert tick(pg_container).appended == 0
