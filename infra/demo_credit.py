"""Demo credit: carry the policy's automatic proposals through notice and the objection window.

The fire demo leaves one major hazard unrectified past its deadline; the policy process proposes
the facility for the joint-punishment list (criterion 4). Here the notice is served and, the window
having passed without objection, the listing is confirmed as the clock would — so the public lists
have an entry. Only the demo's own proposals are touched: those still at "proposed" whose evidence
is entirely records the demo created. A proposal about a user's facility (or resting on a user's
record) is never served notice or confirmed, however often the demo runs.
"""

from __future__ import annotations

from contextlib import suppress
from typing import Any

from infra.demo import DEMO_ACTORS, SOURCE, Demo
from supervision.application import Context
from supervision.domain.errors import Conflict
from supervision.domain.values import SYSTEM_ACTOR


def load(container: Any, demo: Demo) -> str:
    dispatcher = container.dispatcher
    ctx = Context(DEMO_ACTORS["civil_affairs"], source=SOURCE)
    for runner in container.runners():
        runner.catch_up()  # let the policy process see the demo's overdue hazard
    for runner in container.runners():
        runner.catch_up()  # and the views see its proposals
    view = container.view("credit_lists")
    ours = {row["listing_id"] for row in view.history() if demo.owns_evidence(row["evidence"])}
    proposed = [row for row in view.history(status="proposed") if row["listing_id"] in ours]
    for i, row in enumerate(proposed):
        dispatcher.dispatch("serve_listing_notice", {
            "listing_id": row["listing_id"], "notice_no": f"JC-XY-GZ-{i + 1:03d}",
            "occurred_on": row["proposed_on"].isoformat()}, ctx)
    container.runner("credit_lists").catch_up()
    today = container.clock()
    clock = Context(SYSTEM_ACTOR, source="clock")
    confirmed = 0
    for command, listing_id in view.due(today):
        if listing_id in ours:
            with suppress(Conflict):  # already done by a running clock
                dispatcher.dispatch(command, {"listing_id": listing_id, "today": today.isoformat()}, clock)
                confirmed += 1
    for runner in container.runners():
        runner.catch_up()
    in_force = [r for r in view.in_force("joint_punishment", today) if r.get("listing_id") in ours]
    return (f"credit: {len(proposed)} demo proposal(s) served notice, {confirmed} deadline(s) passed; "
            f"{len(in_force)} demo joint-punishment listing(s) in force")
