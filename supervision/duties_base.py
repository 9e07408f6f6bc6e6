"""What the three duty capabilities (incidents, reports, interviews) share: the open facility check."""

from __future__ import annotations

from datetime import date

from supervision.application import SupervisionBase
from supervision.domain.errors import FacilityClosed, FacilityNotFound
from supervision.domain.facility import Facility, facility_id
from supervision.domain.uscc import validate_uscc


class DutiesBase(SupervisionBase):
    def duty_facility(self, uscc: str, when: date, closed_ok: bool = False, field: str = "occurred_on",
                      what: str = "a duty") -> Facility:
        """The registered facility, refused (409) for facts dated after its exit unless `closed_ok`,
        and (422 on `field`) for facts dated before it existed (`Facility.check_not_before_start`)."""
        code = validate_uscc(uscc)
        facility = self._get(facility_id(code), Facility, lambda: FacilityNotFound(code))
        facility.check_not_before_start(when, what, field)
        if not closed_ok and facility.closed_on is not None and when > facility.closed_on:
            raise FacilityClosed(code)
        return facility
