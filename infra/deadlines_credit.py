"""Deadlines of the listing procedure, read from the `credit_lists` view for the clock.

- objection window passed without an objection → `confirm_listing` (listed from the day after the
  window closed, whenever the clock runs);
- last day in force passed → `expire_listing` (removed; exactly once, the aggregate refuses a repeat).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any

from infra.clock import Due


def due(container: Any, today: date) -> Iterable[Due]:
    for command, listing_id in container.view("credit_lists").due(today):
        yield Due(command, {"listing_id": listing_id})
