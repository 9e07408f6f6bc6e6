"""The demo only touches what it created, by identity, however often it runs (issue 9, item 8).

Seen: a second `./dev.sh demo` on existing data served notice on, and confirmed, a listing proposal
for a facility the user had registered, with the sample city's notice number. Now an aggregate is
the demo's only when its first event was recorded with source "demo".
"""

from __future__ import annotations

import importlib
import re
from datetime import timedelta
from pathlib import Path

import pytest

from infra.demo import DEMO_STEPS, SOURCE, Demo, load_facilities
from supervision.application import Context
from supervision.domain.values import SYSTEM_ACTOR
from tests.support import ROLE_ACTORS, facility_payload, make_container

USER_USCC = "91350100M000100Y43"


@pytest.fixture
def container(tmp_path: Path, today):
    c = make_container(f"sqlite:///{tmp_path}/events.sqlite", tmp_path / "var", today=today)
    yield c
    c.close()


def settle(container) -> None:
    for _ in range(2):  # policy processes append; their events are then projected
        for runner in container.runners():
            runner.catch_up()


def users_overdue_major_hazard(container, today) -> None:
    """A user's own facility with an unrectified major hazard: the policy proposes it for listing."""
    user = Context(ROLE_ACTORS["civil_affairs"], source="api")
    fire = Context(ROLE_ACTORS["fire"], source="api")
    d = container.dispatcher
    d.dispatch("register_facility", {**facility_payload(region_code="140502"), "occurred_on": "2025-01-06"},
               user)
    found, due = today - timedelta(days=50), today - timedelta(days=20)
    case = d.dispatch("record_fire_finding", {
        "uscc": USER_USCC, "finding_no": "XF-USER-001", "category": "evacuation", "location": "1号楼",
        "description": "安全出口上锁", "major": True, "major_criterion": "GB 35181-2017 6.3.1",
        "order_no": "用户限字1号", "due_on": due.isoformat(), "occurred_on": found.isoformat()}, fire)
    clock = Context(SYSTEM_ACTOR, source="clock")
    d.dispatch("mark_rectification_overdue", {"case_id": case.id, "due_on": due.isoformat(),
                                              "today": today.isoformat()}, clock)
    settle(container)


def run_demo_steps(container) -> list[str]:
    demo = Demo(container)
    lines = [str(load_facilities(container, 12, demo))]
    for path in DEMO_STEPS:
        module, _, name = path.partition(":")
        lines.append(getattr(importlib.import_module(module), name)(container, demo))
    settle(container)
    return lines


def events_about(container, uscc: str) -> list:
    app = container.app
    head = app.recorder.max_notification_id() or 0
    notifications = app.recorder.select_notifications(start=1, limit=head + 1)
    return [e for e in map(app.mapper.to_domain_event, notifications) if getattr(e, "uscc", None) == uscc]


def test_running_the_demo_twice_never_acts_on_a_users_facility_or_listing(container, today):
    users_overdue_major_hazard(container, today)
    (user_listing,) = container.view("credit_lists").history(uscc=USER_USCC)
    assert user_listing["status"] == "proposed"

    first = run_demo_steps(container)
    head = container.app.recorder.max_notification_id()
    second = run_demo_steps(container)

    # the user's proposal is still only proposed: no notice served, nothing confirmed
    (after,) = container.view("credit_lists").history(uscc=USER_USCC)
    assert after["status"] == "proposed" and after["notice_no"] is None
    # nothing about the user's facility was recorded by the demo: no complaint, case, result, notice
    assert [e for e in events_about(container, USER_USCC) if getattr(e, "source", None) == SOURCE] == []
    # the demo did carry its own proposal through: listed in the public joint-punishment list
    assert any("demo proposal(s) served notice" in line for line in first), first
    assert any(r["uscc"] != USER_USCC for r in container.view("credit_lists").in_force(
        "joint_punishment", today))
    # and a second run added nothing at all
    assert container.app.recorder.max_notification_id() == head, second


def test_on_a_fresh_store_the_demo_carries_every_step_through(container):
    lines = run_demo_steps(container)
    spot_checks = next(line for line in lines if line.startswith("spot checks"))
    drawn, recorded, published = map(int, re.findall(r"(\d+) (?:facilities|results|published)", spot_checks))
    assert drawn >= 1 and recorded == min(drawn, 3) and published == min(drawn, 2), spot_checks
    assert "3 new" in next(line for line in lines if line.startswith("fire-safety"))
    assert any("demo joint-punishment listing(s) in force" in line for line in lines), lines
