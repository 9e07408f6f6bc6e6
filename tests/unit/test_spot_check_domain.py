"""Inspector, campaign and inspection invariants (in memory, no store)."""

from __future__ import annotations

from datetime import date
from uuid import uuid4

import pytest

from supervision.domain.errors import Conflict, InvalidValue
from supervision.domain.inspector import Inspector
from supervision.domain.spot_check import Inspection, InspectionNotFound, SpotCheckCampaign
from supervision.domain.values import Actor
from supervision.policy.sampling import SAMPLING_GUOFA_2019_5

ACTOR_ARGS = {"actor": Actor("mz-officer", "MZJ-140500", "civil_affairs"), "source": "api"}
USCC = "91350100M000100Y43"
CHECKLIST = [{"code": "FS-01", "title": "消防设施"}, {"code": "SV-01", "title": "服务合同"}]


def inspection() -> Inspection:
    return Inspection.schedule(campaign_id=str(uuid4()), uscc=USCC, level="A", inspectors=["a1", "a2"],
                               checklist=CHECKLIST, agencies=["MZJ-140500"], occurred_on=date(2025, 9, 1),
                               **ACTOR_ARGS)


def record(i: Inspection, conclusion: str, items: list[dict], completed: date = date(2025, 9, 26)) -> None:
    i.record_result(items=items, conclusion=conclusion, evidence=["记录1"], completed_on=completed,
                    publish_due_on=date(2025, 10, 30), due_basis="official", due_note="",
                    publication_policy="v", occurred_on=completed, **ACTOR_ARGS)


def test_an_inspector_declares_a_conflict_once_and_not_after_decertification():
    inspector = Inspector.certify(inspector_id="MZJ-001", name="赵明", agency="MZJ-140500",
                                  region_code="140500", certificate_no="晋0001", personal_sealed=None,
                                  occurred_on=date(2025, 1, 2), **ACTOR_ARGS)
    inspector.declare_conflict(uscc=USCC, reason="亲属任职", occurred_on=date(2025, 2, 1), **ACTOR_ARGS)
    with pytest.raises(Conflict):
        inspector.declare_conflict(uscc=USCC, reason="again", occurred_on=date(2025, 2, 1), **ACTOR_ARGS)
    inspector.decertify(reason="调离", occurred_on=date(2025, 3, 1), **ACTOR_ARGS)
    with pytest.raises(Conflict):
        inspector.declare_conflict(uscc="91110000802100433B", reason="x", occurred_on=date(2025, 3, 2),
                                   **ACTOR_ARGS)


def test_an_agency_code_must_look_like_one():
    with pytest.raises(InvalidValue) as err:
        Inspector.certify(inspector_id="X-1", name="n", agency="civil", region_code="140500",
                          certificate_no="c", personal_sealed=None, occurred_on=date(2025, 1, 2),
                          **ACTOR_ARGS)
    assert err.value.field == "agency"


def test_a_campaign_is_drawn_once():
    campaign = SpotCheckCampaign.plan(
        campaign_id=str(uuid4()), reference=None, name="抽查", kind="annual", agencies=["MZJ-140500"],
        region_prefix="1405", ownerships=["private"], checklist=CHECKLIST,
        sampling=SAMPLING_GUOFA_2019_5.as_record(), occurred_on=date(2025, 9, 1), **ACTOR_ARGS)
    drawn = {"inputs": {"algorithm": "draw-v2", "seed": "s"}, "result": {"facilities": []},
             "snapshot_digest": "d", "visit_on": date(2025, 9, 10)}
    campaign.commit_seed(commitment="c", seed_sealed="s", reason=None, results_recorded=0,
                         today=date(2025, 9, 2), occurred_on=date(2025, 9, 2), **ACTOR_ARGS)
    campaign.record_draw(**drawn, occurred_on=date(2025, 9, 2), **ACTOR_ARGS)
    with pytest.raises(Conflict):
        campaign.record_draw(**drawn, occurred_on=date(2025, 9, 3), **ACTOR_ARGS)


def test_a_facility_a_redraw_left_out_takes_no_result():
    i = inspection()
    i.withdraw(attempt=2, occurred_on=date(2025, 9, 2), **ACTOR_ARGS)
    with pytest.raises(InspectionNotFound) as err:
        record(i, "no_problem", [{"code": "FS-01", "result": "pass"}, {"code": "SV-01", "result": "pass"}])
    assert err.value.fields == {"uscc": ["not drawn in this campaign"]}


def test_the_conclusion_must_agree_with_the_checklist_items():
    passed = [{"code": "FS-01", "result": "pass"}, {"code": "SV-01", "result": "pass"}]
    failed = [{"code": "FS-01", "result": "fail", "severity": "major"}, {"code": "SV-01", "result": "pass"}]
    with pytest.raises(InvalidValue, match="needs a result for SV-01"):
        record(inspection(), "no_problem", passed[:1])
    with pytest.raises(InvalidValue, match="contradicts"):
        record(inspection(), "no_problem", failed)
    with pytest.raises(InvalidValue, match="at least one failed item"):
        record(inspection(), "problems_follow_up", passed)
    with pytest.raises(InvalidValue, match="needs a severity"):
        record(inspection(), "problems_follow_up", [{"code": "FS-01", "result": "fail"}, passed[1]])
    with pytest.raises(InvalidValue, match="not on this campaign's checklist"):
        record(inspection(), "refused", [{"code": "XX-01", "result": "pass"}])
    i = inspection()
    record(i, "problems_rectification_ordered", failed)
    event = i.collect_events()[-1]
    assert event.problems_found is True and event.max_severity == "major"
    assert event.items[0]["title"] == "消防设施" and event.inspectors == ["a1", "a2"]
    refused = inspection()
    record(refused, "refused", [])  # 不配合检查: nothing could be checked


def test_publication_is_once_and_overdue_is_marked_once_and_only_after_the_due_date():
    i = inspection()
    with pytest.raises(Conflict, match="no result"):
        i.publish(channel="公示系统", occurred_on=date(2025, 9, 27), **ACTOR_ARGS)
    record(i, "refused", [])
    with pytest.raises(Conflict, match="not overdue yet"):
        i.mark_publication_overdue(today=date(2025, 10, 30), **ACTOR_ARGS)
    i.mark_publication_overdue(today=date(2025, 10, 31), **ACTOR_ARGS)
    with pytest.raises(Conflict, match="already marked"):
        i.mark_publication_overdue(today=date(2025, 11, 1), **ACTOR_ARGS)
    i.publish(channel="公示系统", occurred_on=date(2025, 11, 3), **ACTOR_ARGS)
    assert i.collect_events()[-1].late is True
    with pytest.raises(Conflict, match="already published"):
        i.publish(channel="公示系统", occurred_on=date(2025, 11, 4), **ACTOR_ARGS)
