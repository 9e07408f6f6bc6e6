"""Complaint deadlines: 1 working day to acknowledge, 15 to conclude, on the official calendar."""

from __future__ import annotations

from datetime import date

import pytest

from supervision.policy.calendar import WorkingCalendar
from supervision.policy.complaints import COMPLAINT_DEADLINES_DEFAULT, ComplaintDeadlinePolicy

POLICY = COMPLAINT_DEADLINES_DEFAULT
CAL = WorkingCalendar()


def test_default_figures_are_versioned_with_their_source():
    assert (POLICY.acknowledge_working_days, POLICY.conclude_working_days) == (1, 15)
    assert POLICY.version and "12345" in POLICY.legal_basis and "(default)" in POLICY.legal_basis


def test_a_complaint_received_on_friday_is_due_for_acknowledgement_on_monday():
    assert POLICY.acknowledge_by(CAL, date(2026, 11, 27)).due_on == date(2026, 11, 30)


def test_the_day_of_receipt_is_not_counted():
    assert POLICY.acknowledge_by(CAL, date(2026, 11, 26)).due_on == date(2026, 11, 27)


def test_an_adjusted_working_saturday_counts_as_a_working_day():
    # 2026-02-14 is a Saturday worked in exchange for the Spring Festival holiday (调休上班)
    assert POLICY.acknowledge_by(CAL, date(2026, 2, 13)).due_on == date(2026, 2, 14)


def test_a_complaint_received_during_the_spring_festival_waits_for_the_first_working_day():
    ack = POLICY.acknowledge_by(CAL, date(2026, 2, 16))
    assert ack.due_on == date(2026, 2, 24) and ack.basis == "official"


def test_conclusion_deadline_skips_the_spring_festival_holiday():
    # 13, 14 (adjusted Saturday), then 24 Feb onwards; 28 Feb is an adjusted Saturday too
    deadline = POLICY.conclude_by(CAL, date(2026, 2, 12))
    assert deadline.due_on == date(2026, 3, 11) and deadline.basis == "official"


def test_a_year_without_official_data_falls_back_and_says_so():
    deadline = POLICY.conclude_by(CAL, date(2027, 12, 20))
    assert deadline.basis == "provisional" and "2028: provisional" in deadline.note


def test_inconsistent_figures_are_refused():
    with pytest.raises(ValueError):
        ComplaintDeadlinePolicy(id="x", version="1", legal_basis="-", acknowledge_working_days=20,
                                conclude_working_days=15)
    with pytest.raises(ValueError):
        ComplaintDeadlinePolicy(id="x", version="1", legal_basis="-", acknowledge_working_days=0,
                                conclude_working_days=15)
