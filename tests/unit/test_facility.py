"""The Facility aggregate's invariants (in memory, no store)."""

from datetime import date

import pytest

from supervision.domain.errors import Conflict, FacilityClosed, InvalidValue
from supervision.domain.facility import Facility, facility_id
from supervision.domain.values import Actor

ACTOR = Actor("u", "MZJ-140500", "civil_affairs")
PROFILE = {
    "name": "阳城康乐养老院", "address": "阳城县1号", "region_code": "140522", "ownership": "private",
    "profit_status": "non_profit", "total_beds": 100, "nursing_beds": 55,
    "legal_representative": "王", "person_in_charge": "李", "opened_on": None,
}


def register(**profile):
    return Facility.register(uscc="91350100M000100Y43", profile={**PROFILE, **profile},
                             personal_sealed=None, occurred_on=date(2025, 1, 6), actor=ACTOR, source="api")


def test_the_aggregate_id_is_derived_from_the_uscc_so_a_second_registration_collides():
    assert register().id == facility_id("91350100M000100Y43") == register().id


def test_nursing_beds_may_not_exceed_total_beds():
    with pytest.raises(InvalidValue) as err:
        register(nursing_beds=101)
    assert err.value.field == "nursing_beds"


def test_region_code_must_have_six_digits():
    with pytest.raises(InvalidValue) as err:
        register(region_code="14052")
    assert err.value.field == "region_code"


def test_a_profile_change_records_only_what_changes():
    f = register()
    assert f.change_profile(changes={"total_beds": 100}, personal_sealed=None,
                            occurred_on=date(2025, 2, 1), actor=ACTOR, source="api") is False
    assert f.change_profile(changes={"total_beds": 120, "name": PROFILE["name"]}, personal_sealed=None,
                            occurred_on=date(2025, 2, 1), actor=ACTOR, source="api") is True
    events = f.collect_events()
    assert events[-1].changes == {"total_beds": 120}
    assert events[-1].actor == ACTOR and events[-1].source == "api"


def test_a_closed_facility_cannot_be_changed_or_closed_twice():
    f = register()
    f.close(reason="停业", occurred_on=date(2025, 3, 1), actor=ACTOR, source="api")
    with pytest.raises(FacilityClosed):
        f.change_profile(changes={"total_beds": 1}, personal_sealed=None,
                         occurred_on=date(2025, 3, 2), actor=ACTOR, source="api")
    with pytest.raises(Conflict):
        f.close(reason="again", occurred_on=date(2025, 3, 2), actor=ACTOR, source="api")
