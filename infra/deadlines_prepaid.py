"""Deadline source: refunds not paid in full by their due date."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any

from infra.clock import Due


def due(container: Any, today: date) -> Iterator[Due]:
    """One `mark_refund_overdue` per refund due; the ledger refuses a second mark (409)."""
    for row in container.view("prepaid").overdue_candidates(today):
        yield Due("mark_refund_overdue", {
            "uscc": row["uscc"], "due_ref": row["due_ref"], "due_on": row["due_on"].isoformat()})
