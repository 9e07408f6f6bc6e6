"""Demo credit: carry the policy's automatic proposals through notice and the objection window.

The fire demo leaves one major hazard unrectified past its deadline; the policy process proposes
the facility for the joint-punishment list (criterion 4). Here the notice is served and, the window
having passed without objection, the clock lists it — so the public lists have an entry.
Idempotent: only listings still at "proposed" are touched.
"""

from __future__ import annotations

from typing import Any

from infra.clock import tick
from infra.demo import DEMO_ACTORS
from supervision.application import Context


def load(container: Any, tokens: dict[str, str]) -> str:
    dispatcher = container.dispatcher
    ctx = Context(DEMO_ACTORS["civil_affairs"], source="demo")
    for runner in container.runners():
        runner.catch_up()  # let the policy process see the demo's overdue hazard
    for runner in container.runners():
        runner.catch_up()  # and the views see its proposals
    proposed = container.view("credit_lists").history(status="proposed")
    for i, row in enumerate(proposed):
        dispatcher.dispatch("serve_listing_notice", {
            "listing_id": row["listing_id"], "notice_no": f"JC-XY-GZ-{i + 1:03d}",
            "occurred_on": row["proposed_on"].isoformat()}, ctx)
    report = tick(container)
    for runner in container.runners():
        runner.catch_up()
    in_force = container.view("credit_lists").in_force("joint_punishment", container.clock())
    return (f"credit: {len(proposed)} proposal(s) served notice, clock appended {report.appended} event(s); "
            f"{len(in_force)} joint-punishment listing(s) in force")
