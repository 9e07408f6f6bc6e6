"""The duties capabilities' read models and their policy process, registered together."""

from __future__ import annotations

from projections.base import ViewProjection
from projections.duties_policy import DutiesPolicyProjection
from projections.duty_reports import DutyReportsProjection
from projections.incidents import IncidentsProjection
from projections.interviews import InterviewsProjection

DUTIES_PROJECTIONS: tuple[type[ViewProjection], ...] = (
    IncidentsProjection,
    DutyReportsProjection,
    InterviewsProjection,
    DutiesPolicyProjection,
)
