"""A view's back-off after a failure ends early when a save wakes it (the store is back), never
before its floor, and at once on stop (projections.runner.back_off)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from projections.runner import BACK_OFF_FLOOR_S, back_off


def _timed(stop: threading.Event, wakeup: threading.Event, delay: float, then: Callable[[], None],
           after: float) -> float:
    started = time.monotonic()
    timer = threading.Timer(after, then)
    timer.start()
    back_off(stop, wakeup, delay)
    timer.cancel()
    return time.monotonic() - started


def test_a_wake_up_ends_a_long_back_off_after_its_floor() -> None:
    stop, wakeup = threading.Event(), threading.Event()
    took = _timed(stop, wakeup, 30.0, wakeup.set, after=BACK_OFF_FLOOR_S + 0.3)
    assert BACK_OFF_FLOOR_S + 0.2 < took < 5.0, took


def test_a_wake_up_before_the_floor_does_not_end_it_early() -> None:
    stop, wakeup = threading.Event(), threading.Event()
    took = _timed(stop, wakeup, 1.0, wakeup.set, after=0.05)  # a wake-up that arrived while failing
    assert took >= 0.95, took  # the floor, then the rest: it was cleared, not taken as new


def test_stop_ends_it_at_once() -> None:
    stop, wakeup = threading.Event(), threading.Event()

    def stopping() -> None:
        stop.set()
        wakeup.set()

    took = _timed(stop, wakeup, 30.0, stopping, after=BACK_OFF_FLOOR_S + 0.2)
    assert took < 2.0, took
