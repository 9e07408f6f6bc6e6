"""The application: the union of the capability command mixins on one event store."""

from __future__ import annotations

from supervision.agencies import AgencyCommands
from supervision.calendar import CalendarCommands
from supervision.complaints import ComplaintCommands
from supervision.credit import CreditCommands
from supervision.duty_reports import DutyReportCommands
from supervision.facilities import FacilityCommands
from supervision.fire_safety import FireSafetyCommands
from supervision.incidents import IncidentCommands
from supervision.interviews import InterviewCommands
from supervision.prepaid import PrepaidCommands
from supervision.spot_checks import SpotCheckCommands


class SupervisionApp(FacilityCommands, ComplaintCommands, CreditCommands, SpotCheckCommands,
                     FireSafetyCommands, PrepaidCommands, CalendarCommands, AgencyCommands,
                     IncidentCommands, DutyReportCommands, InterviewCommands):
    """One `eventsourcing` Application; each capability adds its mixin to the bases."""

    # Fixed, not the class name: tracking positions of views and the relay are keyed by it.
    name = "eldercare"
