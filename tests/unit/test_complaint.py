"""The Complaint aggregate without a store: its order of steps and its once-only overdue marks."""

from __future__ import annotations

from datetime import date
from uuid import uuid4

import pytest

from supervision.domain.complaint import Complaint, IllegalComplaintTransition, complaint_id
from supervision.domain.errors import Conflict, InvalidValue
from supervision.domain.values import Actor

OFFICER = Actor("mz-officer", "MZJ-140500", "civil_affairs")
CLOCK = Actor("clock", "system", "system")
RECEIVED = date(2026, 11, 26)


def received(**overrides) -> Complaint:
    args = dict(
        id=uuid4(), uscc="91350100M000100Y43", reference=None, channel="letter", category="fees",
        summary="押金过高", complainant_sealed="gAAAA-sealed",
        deadlines={"ack_due_on": date(2026, 11, 27), "ack_due_basis": "official", "ack_due_note": "",
                   "conclude_due_on": date(2026, 12, 17), "conclude_due_basis": "official",
                   "conclude_due_note": "", "policy_version": "complaints#default-1"},
        occurred_on=RECEIVED, actor=OFFICER, source="api",
    )
    args.update(overrides)
    return Complaint.receive(**args)


def test_a_hotline_ticket_always_maps_to_the_same_complaint_id():
    assert complaint_id("hotline_12345", "GD1") == complaint_id("hotline_12345", "GD1")
    assert complaint_id("hotline_12345", "GD1") != complaint_id("online", "GD1")


def test_steps_follow_the_procedure_and_record_whether_they_were_on_time():
    c = received()
    with pytest.raises(IllegalComplaintTransition):
        c.conclude(outcome="unsubstantiated", measures=[], penalty_decision_no=None, findings="",
                   occurred_on=RECEIVED, actor=OFFICER, source="api")
    c.acknowledge(note="", occurred_on=date(2026, 11, 30), actor=OFFICER, source="api")
    c.assign(agency="SCJG-140500", officer="", note="", occurred_on=date(2026, 11, 30), actor=OFFICER,
             source="api")
    c.assign(agency="MZJ-140502", officer="", note="", occurred_on=date(2026, 12, 1), actor=OFFICER,
             source="api")
    c.conclude(outcome="partly_substantiated", measures=["责令退还", " "], penalty_decision_no=None,
               findings="", occurred_on=date(2026, 12, 18), actor=OFFICER, source="api")
    with pytest.raises(IllegalComplaintTransition):
        c.assign(agency="X", officer="", note="", occurred_on=date(2026, 12, 18), actor=OFFICER, source="api")
    c.close(note="", occurred_on=date(2026, 12, 18), actor=OFFICER, source="api")
    events = c.collect_events()
    assert [type(e).__name__ for e in events] == [
        "Received", "Acknowledged", "Assigned", "Assigned", "Concluded", "Closed"]
    assert events[1].on_time is False and events[4].on_time is False
    assert events[4].measures == ["责令退还"] and events[4].category == "fees"


def test_a_step_cannot_be_dated_before_the_one_it_follows():
    c = received()
    with pytest.raises(InvalidValue):
        c.acknowledge(note="", occurred_on=date(2026, 11, 25), actor=OFFICER, source="import")


def test_each_overdue_mark_is_recorded_once_and_only_while_the_act_is_missing():
    c = received()
    with pytest.raises(Conflict):  # the due day itself is still on time
        c.mark_acknowledgement_overdue(today=date(2026, 11, 27), actor=CLOCK, source="clock")
    c.mark_acknowledgement_overdue(today=date(2026, 11, 30), actor=CLOCK, source="clock")
    with pytest.raises(Conflict):
        c.mark_acknowledgement_overdue(today=date(2026, 12, 1), actor=CLOCK, source="clock")
    c.acknowledge(note="", occurred_on=date(2026, 12, 1), actor=OFFICER, source="api")
    c.conclude(outcome="unsubstantiated", measures=[], penalty_decision_no=None, findings="",
               occurred_on=date(2026, 12, 2), actor=OFFICER, source="api")
    with pytest.raises(Conflict):  # concluded in time: nothing to mark
        c.mark_conclusion_overdue(today=date(2026, 12, 30), actor=CLOCK, source="clock")
    overdue = [e for e in c.collect_events() if type(e).__name__ == "AcknowledgementOverdue"]
    assert len(overdue) == 1 and overdue[0].occurred_on == date(2026, 11, 28)


def test_an_anonymous_complaint_has_no_identity_to_reveal():
    with pytest.raises(Conflict):
        received(complainant_sealed=None).reveal_identity(reason="核实", occurred_on=RECEIVED, actor=OFFICER,
                                                          source="api")
