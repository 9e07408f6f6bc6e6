"""The application: the union of the capability command mixins on one event store."""

from __future__ import annotations

from supervision.facilities import FacilityCommands


class SupervisionApp(FacilityCommands):
    """One `eventsourcing` Application; each capability adds its mixin to the bases."""
