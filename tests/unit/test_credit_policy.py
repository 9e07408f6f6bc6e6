"""Listing criteria, the listing procedure's dates, the rating policy and the bureau rule, without stores."""

from __future__ import annotations

from datetime import date

import pytest

from supervision.credit import bureau_region_prefix, city_bureau
from supervision.domain.errors import InvalidValue
from supervision.domain.listing import (
    CreditRepairTooEarly,
    Listing,
    ListingStepRefused,
    ObjectionWindowClosed,
    ObjectionWindowOpen,
    parse_event_ref,
)
from supervision.domain.values import SYSTEM_ACTOR
from supervision.policy.listing_criteria import CRITERIA, JOINT_PUNISHMENT, LISTING_PROCEDURE_2019, criterion
from supervision.policy.periods import full_years_elapsed_from, last_day_in_force
from supervision.policy.rating import RATING_2026

ACT = {"actor": SYSTEM_ACTOR, "source": "api"}


def test_the_nine_criteria_of_103_plus_the_court_finding_each_cite_their_legal_text():
    numbers = sorted(c.number for c in CRITERIA)
    assert numbers == list(range(10))  # 0 = 失信被执行人
    for c in CRITERIA:
        assert "民发〔2019〕103号" in c.legal_basis and c.title
    assert "逾期不改" in criterion("major_fire_hazard_overdue").legal_basis
    assert criterion("other_serious").auto_on_penalty is False
    with pytest.raises(KeyError, match="unknown listing criterion"):
        criterion("littering")


def test_listing_procedure_defaults_are_versioned_data():
    p = LISTING_PROCEDURE_2019
    assert (p.objection_working_days, p.term_years, p.repair_min_full_years) == (5, 3, 2)
    assert "no_grading" in p.default_measures(JOINT_PUNISHMENT) and p.version


def test_rating_bands_window_and_fact_mapping():
    r = RATING_2026
    assert [r.rate([d], listed=False)[1] for d in (0, -10, -11, -25, -26, -40, -41)] == [
        "A", "A", "B", "B", "C", "C", "D"]
    assert r.rate([0], listed=True) == (100, "D")
    assert r.counts_on(date(2024, 6, 23), date(2026, 6, 23))
    assert not r.counts_on(date(2024, 6, 23), date(2026, 6, 24))
    assert not r.counts_on(date(2026, 6, 24), date(2026, 6, 23))
    assert r.fact_for_spot_check("refused") == "spot_check_failed"
    assert r.fact_for_spot_check("problems_rectification_ordered") == "spot_check_problems_found"
    assert r.fact_for_spot_check("no_problem") is None
    assert r.fact_for_complaint("substantiated", "abuse_cheating") == "abuse_complaint_substantiated"
    assert r.fact_for_complaint("partly_substantiated", "fees") == "complaint_substantiated"
    assert r.fact_for_complaint("unsubstantiated", "abuse_cheating") is None


def test_the_bureau_of_a_city_or_county_covers_its_region_only():
    assert bureau_region_prefix("MZJ-140500") == "1405"
    assert bureau_region_prefix("MZJ-140502") == "140502"
    assert bureau_region_prefix("MZJ-140000") is None  # provincial: not a listing authority
    assert bureau_region_prefix("MZJ-110000") == "11"  # a municipality is a city
    assert bureau_region_prefix("XFJY-140500") is None
    assert city_bureau("140502") == "MZJ-140500"


def test_event_references_are_aggregate_id_and_version():
    aid, version = parse_event_ref("0577fe9b-9a1b-52a7-bbd2-0d0dcc294216:3")
    assert str(aid).startswith("0577fe9b") and version == 3
    for bad in ("x:1", "0577fe9b-9a1b-52a7-bbd2-0d0dcc294216:0", "0577fe9b-9a1b-52a7-bbd2-0d0dcc294216"):
        with pytest.raises(InvalidValue):
            parse_event_ref(bad)


def _listed_on(effective: date) -> Listing:
    listing = Listing.propose(
        key="k", uscc="91350100M000100Y43", criterion="abuse_cheating", criterion_title="t", legal_basis="b",
        list_kind=JOINT_PUNISHMENT, evidence=[], penalty_decision_no="P-1", responsible_persons={},
        authority="MZJ-140500", reason="", procedure_version="v", occurred_on=date(2026, 6, 1), **ACT)
    listing.serve_notice(notice_no="N", objection_due_on=date(2026, 6, 12), due_basis="official", due_note="",
                         occurred_on=date(2026, 6, 5), **ACT)
    with pytest.raises(ObjectionWindowOpen):
        listing.list_(effective_on=date(2026, 6, 12), expires_on=date(2029, 6, 12), term_years=3,
                      measures=["no_grading"], occurred_on=date(2026, 6, 12), **ACT)
    with pytest.raises(ObjectionWindowClosed):
        listing.file_objection(summary="迟到的异议", occurred_on=date(2026, 6, 13), **ACT)
    listing.list_(effective_on=effective, expires_on=last_day_in_force(effective, 3), term_years=3,
                  measures=["no_grading"], occurred_on=effective, **ACT)
    return listing


def test_a_listing_is_in_force_through_its_last_day_and_repair_waits_two_full_years():
    listing = _listed_on(date(2026, 6, 23))
    assert listing.in_force_on(date(2026, 6, 23)) and listing.in_force_on(date(2029, 6, 23))
    assert not listing.in_force_on(date(2026, 6, 22)) and not listing.in_force_on(date(2029, 6, 24))
    earliest = full_years_elapsed_from(date(2026, 6, 23), 2)
    with pytest.raises(CreditRepairTooEarly):
        listing.repair(earliest_on=earliest, basis="x", occurred_on=date(2028, 6, 23), **ACT)
    listing.repair(earliest_on=earliest, basis="x", occurred_on=date(2028, 6, 24), **ACT)
    assert listing.status == "removed" and not listing.in_force_on(date(2028, 6, 24))
    assert listing.in_force_on(date(2028, 6, 23))
    with pytest.raises(ListingStepRefused):
        listing.expire(today=date(2029, 6, 24), **ACT)
