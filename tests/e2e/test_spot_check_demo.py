"""The spot-check demo step on the commit–reveal flow: the system's seed, a verified draw, idempotent."""

from __future__ import annotations

from infra.demo import Demo, load_facilities
from infra.demo_spot_checks import REFERENCE, load
from supervision.domain.values import deterministic_id


def test_the_demo_draw_is_committed_before_it_is_drawn_verifies_and_loads_once(container):
    demo = Demo(container)
    load_facilities(container, 60, demo)
    summary = load(container, demo)
    assert "campaign JC-2026-SSJ-01 drew" in summary
    head = container.app.recorder.max_notification_id()
    assert "0 inspectors certified" in load(container, demo)
    assert container.app.recorder.max_notification_id() == head

    campaign_id = str(deterministic_id("spot_check_campaign", REFERENCE))
    outcome = container.app.verify_spot_check_draw(campaign_id)
    assert outcome["verified"] is True and outcome["algorithm"] == "draw-v2"
    assert [s["step"] for s in outcome["steps"]] == ["commitment", "order", "snapshot", "result"]
    assert outcome["visit_on"] <= container.app.today()  # the demo's draw is public today
