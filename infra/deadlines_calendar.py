"""Deadline source run first by the clock: revisit provisional deadlines when the calendar changed.

When the calendar data differs from the last pass (a schedule loaded by another process, or a
`chinese-calendar` upgrade that gains a year), every open provisional deadline is recomputed and each
change recorded (`...DeadlineRevised`, `...OverdueWithdrawn`). It yields no `Due`: the revision is not
an overdue marking and does not count in the tick's report. Afterwards the views are brought up to
date, so the overdue sources after this one read the revised dates in the same tick.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any

import structlog

from infra.clock import Due
from supervision.application import Context
from supervision.domain.values import SYSTEM_ACTOR

log = structlog.get_logger(__name__)


def due(container: Any, today: date) -> Iterator[Due]:
    ctx = Context(SYSTEM_ACTOR, source="clock")
    result = container.dispatcher.dispatch(
        "revisit_provisional_deadlines", {"today": today.isoformat(), "only_if_changed": True}, ctx)
    revised = result.data.get("revised") or []
    if revised:
        log.info("provisional_deadlines_revised", count=len(revised),
                 overdue_withdrawn=result.data.get("overdue_withdrawn", 0))
        if getattr(container, "projection_service", None) is not None:
            container.wait_for(result.notification_id)
        else:
            for runner in container.runners():
                runner.catch_up()
    yield from ()
