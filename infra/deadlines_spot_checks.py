"""Deadline source of 一公开: results not published within 20 working days of completion."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any

from infra.clock import Due


def due(container: Any, today: date) -> Iterator[Due]:
    """Unpublished results whose `publish_due_on` is before today and not yet marked overdue.

    The view may lag behind the store; the Inspection's guard refuses a second mark (Conflict),
    which the clock counts as already done.
    """
    for row in container.view("spot_checks").due_publications(today):
        yield Due("mark_publication_overdue", {"campaign_id": row["campaign_id"], "uscc": row["uscc"]})
