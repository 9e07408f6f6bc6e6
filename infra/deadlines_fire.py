"""Deadline source: rectification orders whose `due_on` passed without a verified rectification."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any

from infra.clock import Due


def due(container: Any, today: date) -> Iterator[Due]:
    """One `mark_rectification_overdue` per case and deadline; the aggregate refuses repeats."""
    for row in container.view("fire_safety").overdue_candidates(today):
        payload = {"case_id": row["case_id"], "due_on": row["due_on"].isoformat()}
        yield Due("mark_rectification_overdue", payload)
