"""The clock process: appends `...Overdue`/`...Expired` events when deadlines pass.

Each capability registers a *deadline source*: a function that, for `today`, lists the commands
that are due (read from its own view). The clock dispatches them as the system actor with source
`clock`. Exactly once per deadline comes from the aggregates, not from the clock: marking an
already-marked deadline is refused by the aggregate's guard (or loses a version race), and the
clock counts that as "already done". So any number of clocks may run, as often as they like.
"""

from __future__ import annotations

import importlib
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import structlog

from projections.credit_policy import catch_up_policy_processes
from supervision.application import Context
from supervision.domain.errors import Conflict
from supervision.domain.values import SYSTEM_ACTOR
from supervision.unavailable import log_failure

log = structlog.get_logger(__name__)


@dataclass(frozen=True)
class Due:
    """A command that is due: e.g. ("mark_rectification_overdue", {"case_id": ..., ...})."""

    command: str
    payload: dict[str, Any]


#: deadline sources, one "module:function" per capability: f(container, today) -> iterable of Due.
#: Dotted paths, resolved when the clock runs, so capability modules may import this one.
DEADLINE_SOURCES: list[str] = ["infra.deadlines_calendar:due",  # first: revises provisional deadlines
                               "infra.deadlines_complaints:due", "infra.deadlines_spot_checks:due",
                               "infra.deadlines_fire:due", "infra.deadlines_prepaid:due",
                               "infra.deadlines_credit:due", "infra.deadlines_duties:due"]


def _resolve(path: str) -> Callable[..., Any]:
    module, _, name = path.partition(":")
    return getattr(importlib.import_module(module), name)


@dataclass
class TickReport:
    today: date
    appended: int = 0
    already_done: int = 0
    failed: list[str] = field(default_factory=list)


def tick(container: Any, today: date | None = None) -> TickReport:
    today = today or container.clock()
    report = TickReport(today)
    ctx = Context(SYSTEM_ACTOR, source="clock")
    # deadlines are read from views: make them current first (when the views run in background
    # threads, as under `serve`, wait for them: a second catch-up of the same view would collide)
    if getattr(container, "projection_service", None) is not None:
        container.wait_for(container.app.recorder.max_notification_id())
    else:
        for runner in container.runners():
            runner.catch_up()
    for path in DEADLINE_SOURCES:
        for due in _resolve(path)(container, today):
            try:
                payload = {**due.payload, "today": today.isoformat()}
                container.dispatcher.dispatch(due.command, payload, ctx)
                report.appended += 1
                log.info("deadline_passed", command=due.command, payload=due.payload)
            except Conflict:
                report.already_done += 1
            except Exception as exc:  # one bad deadline must not stop the others
                report.failed.append(f"{due.command} {due.payload}: {exc}")
                log.exception("deadline_failed", command=due.command)
    # what the markings caused (e.g. a listing proposed for an overdue major hazard) is visible when
    # the tick returns, not only after the next one
    catch_up_policy_processes(container)
    return report


def start_clock_loop(container: Any, interval: float = 60.0) -> Callable[[], None]:
    """For `serve`: tick every `interval` seconds in a thread; returns the stopper."""
    stop = threading.Event()

    def loop() -> None:
        while not stop.is_set():
            try:
                tick(container)
            except Exception as exc:
                log_failure(log, "tick_failed", exc)
            stop.wait(interval)

    thread = threading.Thread(target=loop, name="clock", daemon=True)
    thread.start()

    def stopper() -> None:
        stop.set()
        thread.join(timeout=10)

    return stopper
