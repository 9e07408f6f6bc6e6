"""Every read model the system runs, by name (`eldercare projections run|status|rebuild NAME`)."""

from __future__ import annotations

from projections.agencies import AgenciesProjection
from projections.base import ViewProjection
from projections.complaints import ComplaintsProjection
from projections.credit import CREDIT_PROJECTIONS
from projections.duties import DUTIES_PROJECTIONS
from projections.facility_list import FacilityListProjection
from projections.fire_safety import FireSafetyProjection
from projections.prepaid import PrepaidProjection
from projections.spot_checks import SpotCheckProjection
from projections.timeline import TimelineProjection

# Each capability appends its projection class here.
PROJECTIONS: tuple[type[ViewProjection], ...] = (
    FacilityListProjection,
    TimelineProjection,
    SpotCheckProjection,
    ComplaintsProjection,
    *CREDIT_PROJECTIONS,
    FireSafetyProjection,
    PrepaidProjection,
    AgenciesProjection,
    *DUTIES_PROJECTIONS,
)
