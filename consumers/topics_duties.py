"""The duties' public topic, as data for the catalogue (`consumers/topics.py`).

Only an allow-list of events reaches it: `DutyReport.FilingDisclosed` (that an annual report was
filed, and when) and `Incident.InvestigationConcluded` (an incident's category and date, once the
investigation is concluded). Every other event of the routed aggregates — reports, summaries,
residents (sealed), findings, reminders — is derived into `DUTIES_NOT_RELAYED` from the aggregate
classes themselves, so an event added later stays off the topic until it is allow-listed here.
Interviews are not routed at all.
"""

from __future__ import annotations

from eventsourcing.domain import Aggregate

from consumers.envelope import SCHEMA_VERSION
from supervision.domain.duty_report import DutyReport
from supervision.domain.incident import Incident

DUTIES_TOPIC_NAME = "duties-public"
DUTIES_AGGREGATES: tuple[str, ...] = ("DutyReport", "Incident")
DUTIES_PUBLIC_EVENTS = frozenset({"DutyReport.FilingDisclosed", "Incident.InvestigationConcluded"})
DUTIES_PURPOSE = (
    "Duties of the supervised, public shapes only: annual reports filed (kind, period, date) and "
    "incidents whose investigation is concluded (category, incident date). No report content, "
    "no incident summary or finding, no resident data; interviews are never published."
)


def _event_names(*aggregates: type[Aggregate]) -> set[str]:
    return {
        value.__qualname__
        for aggregate in aggregates
        for value in vars(aggregate).values()
        if isinstance(value, type) and issubclass(value, Aggregate.Event)
    }


DUTIES_NOT_RELAYED = frozenset(_event_names(DutyReport, Incident) - DUTIES_PUBLIC_EVENTS)

DUTIES_EXAMPLE = {
    "schema_version": SCHEMA_VERSION,
    "event_id": "5b0c2d9e-8f7a-5e43-a1f0-2c3d4e5f6a7b:3",
    "event_type": "DutyReport.FilingDisclosed",
    "aggregate_id": "5b0c2d9e-8f7a-5e43-a1f0-2c3d4e5f6a7b",
    "aggregate_version": 3,
    "uscc": "91350100M000100Y43",
    "occurred_on": "2026-05-20",
    "recorded_at": "2026-05-20T03:10:00Z",
    "actor": {"agency": "MZJ-350102", "role": "civil_affairs"},
    "source": "api",
    "data": {"kind": "annual_report", "period": "2025", "filed_on": "2026-05-20"},
}
