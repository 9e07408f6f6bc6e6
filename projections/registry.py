"""Every read model the system runs, by name (`eldercare projections run|status|rebuild NAME`)."""

from __future__ import annotations

from projections.base import ViewProjection
from projections.facility_list import FacilityListProjection
from projections.timeline import TimelineProjection

# Each capability appends its projection class here.
PROJECTIONS: tuple[type[ViewProjection], ...] = (
    FacilityListProjection,
    TimelineProjection,
)
