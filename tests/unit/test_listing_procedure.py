"""民发〔2019〕103号 procedure: listing authority per region (municipalities), measures per list, the
legal chain of every step."""

from datetime import date

import pytest

from supervision.credit import bureau_region_prefix, city_bureau
from supervision.domain.errors import InvalidValue
from supervision.domain.listing import Listing
from supervision.domain.values import Actor
from supervision.policy.listing_criteria import JOINT_PUNISHMENT, KEY_ATTENTION, LISTING_PROCEDURE_2019

ACT = {"actor": Actor("u", "MZJ-140500", "civil_affairs"), "source": "test"}


@pytest.mark.parametrize(("district", "bureau"), [
    ("110105", "MZJ-110000"),  # 北京 朝阳区
    ("120101", "MZJ-120000"),  # 天津 和平区
    ("310115", "MZJ-310000"),  # 上海 浦东新区
    ("500103", "MZJ-500000"),  # 重庆 渝中区
    ("500229", "MZJ-500000"),  # 重庆 城口县 (a county under "500200", which has no bureau)
])
def test_a_municipality_lists_through_its_municipal_bureau_not_a_city_code(district: str,
                                                                          bureau: str) -> None:
    assert city_bureau(district) == bureau
    prefix = bureau_region_prefix(bureau)
    assert prefix is not None and district.startswith(prefix)
    assert bureau_region_prefix(f"MZJ-{district}") == district  # the district bureau (county level)
    assert bureau_region_prefix(f"MZJ-{district[:4]}00") is None  # e.g. MZJ-110100 does not exist


def test_an_ordinary_city_and_its_counties_keep_their_codes() -> None:
    assert city_bureau("140502") == "MZJ-140500"
    assert bureau_region_prefix("MZJ-140500") == "1405"
    assert bureau_region_prefix("MZJ-140000") is None  # a provincial department does not list


def test_a_key_attention_listing_refuses_joint_punishment_measures() -> None:
    with pytest.raises(InvalidValue) as refused:
        LISTING_PROCEDURE_2019.check_measures(KEY_ATTENTION, ["key_supervision", "no_grading"])
    assert refused.value.field == "measures"
    assert "no_grading" in refused.value.fields["measures"][0]
    assert "key supervision only" in refused.value.fields["measures"][0]
    LISTING_PROCEDURE_2019.check_measures(KEY_ATTENTION, ["key_supervision"])
    LISTING_PROCEDURE_2019.check_measures(JOINT_PUNISHMENT, ["no_grading", "no_subsidies"])
    with pytest.raises(InvalidValue, match="not a measure"):
        LISTING_PROCEDURE_2019.check_measures(JOINT_PUNISHMENT, ["public_shaming"])


def test_every_step_names_its_provision_and_key_figure() -> None:
    p = LISTING_PROCEDURE_2019
    notice = p.step_basis("Listing.NoticeServed", {"objection_due_on": "2026-06-12", "due_basis": "official"})
    assert notice["source"].startswith("民发〔2019〕103号")
    assert "书面告知" in notice["provision"]
    assert notice["figure"] == "objection window 5 working days, until 2026-06-12 (official)"
    listed = p.step_basis("Listing.Listed", {"effective_on": "2026-06-23", "expires_on": "2029-06-23"})
    assert listed["figure"] == "term 3 years, 2026-06-23 through 2029-06-23"
    repaired = p.step_basis("Listing.Removed", {"reason": "credit_repaired"})
    assert "信用修复" in repaired["provision"] and repaired["figure"] == "at least 2 full years after listing"
    revoked = p.step_basis("Listing.Removed", {"reason": "decision_revoked", "ended_on": "2027-01-05"})
    assert "立即移出" in revoked["provision"]
    for step in ("Proposed", "ObjectionFiled", "ObjectionDecided", "Dropped", "DeadlineRevised"):
        assert p.step_basis(f"Listing.{step}", {})["provision"], step


def _served(due_on: date, basis: str) -> Listing:
    listing = Listing.propose(
        key="k", uscc="91350100M000100Y43", criterion="abuse_cheating", criterion_title="t", legal_basis="b",
        list_kind=JOINT_PUNISHMENT, evidence=[], penalty_decision_no="P-1", responsible_persons={},
        authority="MZJ-140500", reason="", procedure_version="v", occurred_on=date(2026, 12, 28), **ACT)
    listing.serve_notice(notice_no="N", objection_due_on=due_on, due_basis=basis, due_note="x",
                         occurred_on=date(2026, 12, 31), **ACT)
    return listing


def test_an_open_objection_window_is_revised_once_and_a_closed_one_never() -> None:
    listing = _served(date(2027, 1, 8), "provisional")
    assert not listing.revise_deadline(deadline="objection", due_on=date(2027, 1, 8), basis="provisional",
                                       note="same", occurred_on=date(2027, 1, 2), **ACT)
    assert listing.revise_deadline(deadline="objection", due_on=date(2027, 1, 11), basis="official",
                                   note="2027: 国办发明电〔2026〕12号", occurred_on=date(2027, 1, 2), **ACT)
    revised = listing.collect_events()[-1]
    assert (revised.old_due_on, revised.due_on, revised.basis) == (date(2027, 1, 8), date(2027, 1, 11),
                                                                   "official")
    assert listing.objection_due_on == date(2027, 1, 11)
    listing.file_objection(summary="异议", occurred_on=date(2027, 1, 11), **ACT)
    assert listing.open_deadlines() == {}
