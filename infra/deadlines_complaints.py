"""Complaint deadlines for the clock: acknowledgement and conclusion overdue, read from the view."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any

from infra.clock import Due


def due(container: Any, today: date) -> Iterator[Due]:
    view = container.view("complaints")
    for complaint_id in view.acknowledgement_overdue(today):
        yield Due("mark_complaint_acknowledgement_overdue", {"complaint_id": complaint_id})
    for complaint_id in view.conclusion_overdue(today):
        yield Due("mark_complaint_conclusion_overdue", {"complaint_id": complaint_id})
