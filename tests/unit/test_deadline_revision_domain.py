"""Revising a provisional deadline on the aggregates: only open deadlines, once per change, and an
overdue marking made on the old date withdrawn, never deleted (in memory, no store)."""

from __future__ import annotations

from datetime import date
from uuid import uuid4

import pytest

from supervision.domain.complaint import Complaint
from supervision.domain.errors import Conflict
from supervision.domain.spot_check import Inspection
from supervision.domain.values import Actor

ACT = {"actor": Actor("clock", "system", "system"), "source": "test"}
USCC = "91350100M000100Y43"
DOC_NOTE = "2027: 国办发明电〔2026〕12号"


def published_later() -> Inspection:
    i = Inspection.schedule(campaign_id=str(uuid4()), uscc=USCC, level="A", inspectors=["a1", "a2"],
                            checklist=[{"code": "FS-01", "title": "消防设施"}], agencies=["MZJ-140500"],
                            occurred_on=date(2027, 1, 4), **ACT)
    i.record_result(items=[{"code": "FS-01", "result": "pass"}], conclusion="no_problem", evidence=["记录"],
                    completed_on=date(2027, 1, 15), publish_due_on=date(2027, 2, 19), due_basis="provisional",
                    due_note="2027: provisional", publication_policy="v", occurred_on=date(2027, 1, 15),
                    **ACT)
    return i


def test_a_publication_deadline_revised_later_withdraws_the_marking_made_on_the_old_date():
    i = published_later()
    i.mark_publication_overdue(today=date(2027, 2, 20), **ACT)
    assert i.revise_deadline(deadline="publish", due_on=date(2027, 2, 22), basis="official", note=DOC_NOTE,
                             occurred_on=date(2027, 2, 20), **ACT)
    names = [type(e).__name__ for e in i.collect_events()]
    assert names[-3:] == ["PublicationOverdue", "DeadlineRevised", "OverdueWithdrawn"]
    assert i.overdue_marked_on is None and i.publish_due_on == date(2027, 2, 22)
    with pytest.raises(Conflict, match="not overdue yet"):
        i.mark_publication_overdue(today=date(2027, 2, 22), **ACT)
    i.mark_publication_overdue(today=date(2027, 2, 23), **ACT)  # marked again on the new basis
    # the same date on the same basis is no change; a published result is no longer open
    assert not i.revise_deadline(deadline="publish", due_on=date(2027, 2, 22), basis="official", note="x",
                                 occurred_on=date(2027, 2, 23), **ACT)
    i.publish(channel="国家企业信用信息公示系统", occurred_on=date(2027, 2, 24), **ACT)
    assert i.open_deadlines() == {}
    with pytest.raises(Conflict, match="no longer open"):
        i.revise_deadline(deadline="publish", due_on=date(2027, 2, 25), basis="official", note="x",
                          occurred_on=date(2027, 2, 24), **ACT)


def test_an_acknowledged_complaint_keeps_its_acknowledgement_deadline_and_revises_only_the_conclusion():
    c = Complaint.receive(
        id=uuid4(), uscc=USCC, reference=None, channel="online", category="fees", summary="收费",
        complainant_sealed=None, occurred_on=date(2026, 12, 31), actor=ACT["actor"], source="test",
        deadlines={"ack_due_on": date(2027, 1, 4), "ack_due_basis": "provisional", "ack_due_note": "p",
                   "conclude_due_on": date(2027, 1, 22), "conclude_due_basis": "fallback",
                   "conclude_due_note": "legacy basis name", "policy_version": "v"})
    c.acknowledge(note="", occurred_on=date(2027, 1, 4), **ACT)
    assert set(c.open_deadlines()) == {"conclude"}
    assert c.revise_deadline(deadline="conclude", due_on=date(2027, 1, 22), basis="official", note=DOC_NOTE,
                             occurred_on=date(2027, 1, 10), **ACT)  # "fallback" events count as provisional
    revised = c.collect_events()[-1]
    assert (revised.old_due_on, revised.due_on, revised.old_basis, revised.basis) == (
        date(2027, 1, 22), date(2027, 1, 22), "fallback", "official")
    with pytest.raises(Conflict):
        c.revise_deadline(deadline="acknowledge", due_on=date(2027, 1, 5), basis="official", note=DOC_NOTE,
                          occurred_on=date(2027, 1, 10), **ACT)
