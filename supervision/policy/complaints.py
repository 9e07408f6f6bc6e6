"""Complaint (投诉举报) handling deadlines, counted in working days from receipt.

DOMAIN.md marks both figures **(default)**: a city may change them, so they are data with a version
and their source. A `Complaint.Received` event stores the computed due dates, their basis and the
policy version, so a later change of figures never rewrites the deadlines of complaints already in.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from supervision.policy.calendar import Deadline, WorkingCalendar


@dataclass(frozen=True)
class ComplaintDeadlinePolicy:
    id: str
    version: str
    legal_basis: str
    #: working days after the day of receipt (which is not counted) to acknowledge the complaint
    acknowledge_working_days: int
    #: working days after the day of receipt to conclude it (outcome and measures recorded)
    conclude_working_days: int

    def __post_init__(self) -> None:
        if not 1 <= self.acknowledge_working_days <= self.conclude_working_days:
            raise ValueError("need 1 <= acknowledge_working_days <= conclude_working_days")

    def acknowledge_by(self, calendar: WorkingCalendar, received_on: date) -> Deadline:
        return calendar.add_working_days(received_on, self.acknowledge_working_days)

    def conclude_by(self, calendar: WorkingCalendar, received_on: date) -> Deadline:
        return calendar.add_working_days(received_on, self.conclude_working_days)


COMPLAINT_DEADLINES_DEFAULT = ComplaintDeadlinePolicy(
    id="complaint_deadlines",
    version="complaints#default-1",
    legal_basis=(
        "DOMAIN.md (default): 投诉举报 acknowledged within 1 working day and concluded within 15 working "
        "days of receipt, as common local practice for 12345 hotline work orders "
        "(国办发〔2020〕53号 关于进一步优化地方政务服务便民热线的指导意见: 受理、派单、办理、答复 "
        "with time limits set locally); seeds 001, 002, 004 (依法依规严厉惩处欺老、虐老行为). "
        "The day of receipt is not counted (民法典 第二百零一条)."
    ),
    acknowledge_working_days=1,
    conclude_working_days=15,
)
