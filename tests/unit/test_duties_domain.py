"""The duties' aggregates without a store: exactly-once marks and the public events they record."""

from __future__ import annotations

from datetime import date

import pytest

from consumers.topics import Catalogue
from consumers.topics_duties import DUTIES_NOT_RELAYED
from supervision.domain.duty_report import DutyReport
from supervision.domain.errors import Conflict, InvalidValue
from supervision.domain.interview import Interview
from supervision.domain.values import SYSTEM_ACTOR

USCC = "91350100M000100Y43"


def report(**kw) -> DutyReport:
    args = dict(
        uscc=USCC,
        kind="annual_report",
        period="2025",
        title="t",
        frequency="annual",
        due_on=date(2026, 5, 31),
        due_basis="official",
        due_note="",
        listing_criterion="disclosure_failure",
        public_filing=True,
        legal_basis="b",
        policy_version="v",
        occurred_on=date(2026, 6, 1),
        actor=SYSTEM_ACTOR,
        source="clock",
    )
    args.update(kw)
    return DutyReport.open(**args)


def test_a_missing_report_is_marked_once_and_not_before_the_day_after_its_due_date():
    r = report()
    with pytest.raises(Conflict):
        r.mark_missing(today=date(2026, 5, 31), actor=SYSTEM_ACTOR, source="clock")
    r.mark_missing(today=date(2026, 6, 3), actor=SYSTEM_ACTOR, source="clock")
    with pytest.raises(Conflict):
        r.mark_missing(today=date(2026, 6, 4), actor=SYSTEM_ACTOR, source="clock")
    [_, missing] = r.collect_events()
    assert missing.occurred_on == date(2026, 6, 1) and missing.detected_on == date(2026, 6, 3)


def test_grace_expires_only_after_a_reminder_and_never_once_filed():
    r = report()
    with pytest.raises(Conflict):
        r.remind(
            reference="",
            grace_due_on=date(2026, 6, 30),
            grace_basis="official",
            grace_note="",
            occurred_on=date(2026, 6, 5),
            actor=SYSTEM_ACTOR,
            source="api",
        )  # not missing yet
    r.mark_missing(today=date(2026, 6, 2), actor=SYSTEM_ACTOR, source="clock")
    with pytest.raises(Conflict):
        r.mark_grace_expired(today=date(2026, 7, 1), actor=SYSTEM_ACTOR, source="clock")
    r.remind(
        reference="催-1",
        grace_due_on=date(2026, 6, 26),
        grace_basis="official",
        grace_note="",
        occurred_on=date(2026, 6, 5),
        actor=SYSTEM_ACTOR,
        source="api",
    )
    r.submit(occurred_on=date(2026, 6, 20), actor=SYSTEM_ACTOR, source="api")
    with pytest.raises(Conflict):
        r.mark_grace_expired(today=date(2026, 7, 1), actor=SYSTEM_ACTOR, source="clock")
    names = [type(e).__qualname__ for e in r.collect_events()]
    assert names[-2:] == ["DutyReport.Submitted", "DutyReport.FilingDisclosed"]


def test_a_non_public_report_records_no_disclosure_and_a_late_filing_says_so():
    r = report(
        kind="operations_report",
        period="2026Q1",
        frequency="quarterly",
        public_filing=False,
        listing_criterion=None,
        due_on=date(2026, 4, 22),
    )
    r.submit(occurred_on=date(2026, 4, 25), actor=SYSTEM_ACTOR, source="api")
    events = r.collect_events()
    assert [type(e).__qualname__ for e in events] == ["DutyReport.Opened", "DutyReport.Submitted"]
    assert events[-1].late is True and events[-1].days_late == 3


def test_only_the_public_shapes_of_the_duties_are_routed_to_a_topic():
    catalogue = Catalogue()
    assert catalogue.for_event("DutyReport.FilingDisclosed").name == "duties-public"
    assert catalogue.for_event("Incident.InvestigationConcluded").name == "duties-public"
    for name in (
        "Incident.Reported",
        "Incident.ResponsibilityFound",
        "DutyReport.Submitted",
        "DutyReport.Missing",
        "DutyReport.Reminded",
        "Interview.Held",
        "Interview.Summoned",
    ):
        assert catalogue.for_event(name) is None, name
    assert "Incident.Reported" in DUTIES_NOT_RELAYED


def test_commitments_are_due_after_the_interview_and_overdue_once():
    i = Interview.summon(
        uscc=USCC,
        reason="r",
        scheduled_on=date(2026, 11, 10),
        place="",
        notice_no="",
        summoned_roles=["person_in_charge"],
        occurred_on=date(2026, 11, 3),
        actor=SYSTEM_ACTOR,
        source="api",
    )
    with pytest.raises(InvalidValue):
        i.hold(
            attendee_count=1,
            attendees_sealed=None,
            minutes="m",
            occurred_on=date(2026, 11, 10),
            commitments=[{"item": "x", "due_on": date(2026, 11, 10)}],
            actor=SYSTEM_ACTOR,
            source="api",
        )
    i.hold(
        attendee_count=1,
        attendees_sealed=None,
        minutes="m",
        occurred_on=date(2026, 11, 10),
        commitments=[{"item": "x", "due_on": date(2026, 11, 20)}],
        actor=SYSTEM_ACTOR,
        source="api",
    )
    i.mark_commitment_overdue(no=1, today=date(2026, 11, 21), actor=SYSTEM_ACTOR, source="clock")
    with pytest.raises(Conflict):
        i.mark_commitment_overdue(no=1, today=date(2026, 11, 22), actor=SYSTEM_ACTOR, source="clock")
