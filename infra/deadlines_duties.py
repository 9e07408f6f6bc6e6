"""Deadline source of the duties: reports missing, grace periods expired, interview commitments overdue.

Every command is refused by its aggregate when already marked (409), so the clock is exactly-once;
report due dates are recomputed from policy here only to find candidates — the aggregate stores
the due date it was opened with and decides.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any

from infra.clock import Due


def due(container: Any, today: date) -> Iterator[Due]:
    app = container.app
    reports = container.view("duty_reports")
    for row in reports.owed_missing(app.duty_report_policy, app.calendar, today):
        yield Due("mark_duty_report_missing", row)
    for row in reports.grace_expired_candidates(today):
        yield Due("mark_duty_report_grace_expired", row)
    for row in container.view("interviews").overdue_commitments(today):
        yield Due(
            "mark_interview_commitment_overdue",
            {"uscc": row["uscc"], "interview_id": row["interview_id"], "commitment_no": row["no"]},
        )
