"""The FireSafetyCase aggregate's rules (in memory, no store)."""

from datetime import date

import pytest

from supervision.domain.errors import Conflict, InvalidValue
from supervision.domain.fire_safety import FireSafetyCase, fire_case_id
from supervision.domain.values import Actor
from supervision.policy.fire_hazards import GB_35181_2017

FIRE = Actor("xf", "XFJY-140500", "fire")
USCC = "91350100M000100Y43"
FOUND = date(2026, 10, 1)


def overdue(c: FireSafetyCase, today: date, due: date = date(2026, 10, 31)) -> None:
    c.mark_rectification_overdue(due_on=due, today=today, actor=FIRE, source="clock")


def case(major: bool = False, **kw) -> FireSafetyCase:
    args = dict(uscc=USCC, finding_no="XF-1", category="evacuation", location="二层走廊", description="",
                major=major, major_criterion="GB 35181-2017 6.3.1" if major else None,
                origin="fire_authority", spot_check_inspection_id=None, occurred_on=FOUND, actor=FIRE,
                source="api")
    args.update(kw)
    return FireSafetyCase.find(**args)


def ordered(due: date = date(2026, 10, 31), **kw) -> FireSafetyCase:
    c = case(**kw)
    c.order_rectification(order_no="限-1", due_on=due, occurred_on=FOUND, actor=FIRE, source="api")
    return c


def test_the_case_id_is_derived_from_facility_and_finding_number_so_a_resend_collides():
    assert case().id == fire_case_id(USCC, "XF-1") == case().id


def test_a_deadline_on_or_before_the_finding_is_invalid():
    for due in (date(2026, 9, 30), FOUND):
        with pytest.raises(InvalidValue) as err:
            ordered(due)
        assert err.value.field == "due_on"


def test_a_major_hazard_cites_its_criterion_and_a_general_one_does_not():
    with pytest.raises(InvalidValue):
        case(major=True, major_criterion=None)
    with pytest.raises(InvalidValue):
        case(major=False, major_criterion="GB 35181-2017 5.1")
    assert GB_35181_2017.check("GB 35181-2017 6.3.1") is None
    assert GB_35181_2017.check("GB 35181-2017 5.2") is None
    assert GB_35181_2017.check("消防法 第十六条") is not None
    assert GB_35181_2017.check("GB 35181-2017 3.1") is not None  # chapter 3 holds definitions


def test_overdue_is_marked_once_per_deadline_and_says_whether_the_hazard_is_major():
    c = ordered(major=True)
    with pytest.raises(InvalidValue):
        overdue(c, date(2026, 10, 31))
    overdue(c, date(2026, 11, 5))
    event = c.collect_events()[-1]
    assert type(event).__qualname__ == "FireSafetyCase.RectificationOverdue"
    assert event.major is True and event.occurred_on == date(2026, 11, 1)
    assert event.detected_on == date(2026, 11, 5)
    with pytest.raises(Conflict):
        overdue(c, date(2026, 11, 6))


def test_a_verified_rectification_is_never_overdue():
    c = ordered()
    c.report_rectification(reported_by="facility", summary="已清理", evidence=[],
                           occurred_on=date(2026, 10, 20), actor=FIRE, source="api")
    c.verify_rectification(inspection_no="FC-1", notes="", occurred_on=date(2026, 10, 25), actor=FIRE,
                           source="api")
    with pytest.raises(Conflict):
        overdue(c, date(2026, 12, 1))


def test_a_rejection_with_a_new_deadline_replaces_the_old_one():
    c = ordered()
    c.report_rectification(reported_by="facility", summary="", evidence=[], occurred_on=date(2026, 10, 20),
                           actor=FIRE, source="api")
    c.reject_rectification(inspection_no="FC-1", reasons=["通道仍堵塞"], new_order_no="限-2",
                           new_due_on=date(2026, 11, 30), occurred_on=date(2026, 10, 25), actor=FIRE,
                           source="api")
    assert c.due_on == date(2026, 11, 30) and c.reported_on is None
    with pytest.raises(Conflict):  # the clock saw the old deadline: refused, not applied to the new one
        overdue(c, date(2026, 11, 5))


def test_only_sealed_premises_can_be_unsealed_and_sealing_is_not_repeated():
    c = ordered()
    with pytest.raises(Conflict):
        c.unseal_premises(decision_no="", reason="", occurred_on=FOUND, actor=FIRE, source="api")
    c.seal_premises(decision_no="封-1", scope="", occurred_on=FOUND, actor=FIRE, source="api")
    with pytest.raises(Conflict):
        c.seal_premises(decision_no="封-2", scope="", occurred_on=FOUND, actor=FIRE, source="api")
    c.unseal_premises(decision_no="解-1", reason="", occurred_on=date(2026, 10, 10), actor=FIRE, source="api")
    assert c.sealed is False
