"""A policy process (credit listing proposals) never stops behind one event, and acts once per event.

Between two penalty decisions whose conduct is listed automatically (民发〔2019〕103号): a decision
whose state is not JSON, one nested 5,000 levels deep, and one whose handler cannot read it (no
fields). The three are parked with their reasons; both good decisions are proposed for listing,
exactly once — also after the policy's view is rebuilt from zero.
"""

from __future__ import annotations

from eventsourcing.utils import get_topic

from projections.parked import parked_store
from supervision.application import Context
from supervision.domain.penalty import PenaltyDecision
from supervision.domain.values import Actor
from tests.faults.poison import raw_event, register, sample_rows, too_deep, undecodable

DECIDED = get_topic(PenaltyDecision.Decided)
# the 晋城市 bureau: the listing authority of the sample city's facilities (谁监管、谁列入)
CIVIL = Context(Actor("jc-officer", "MZJ-140500", "civil_affairs"), source="api")


def decide(container, uscc: str, no: str) -> None:
    container.dispatcher.dispatch("record_penalty_decision", {
        "uscc": uscc, "decision_no": no, "authority_kind": "civil_affairs",
        "conduct": "abuse_cheating", "legal_basis": "《养老机构管理办法》第四十六条",
        "summary": "殴打入住老人",
        "fine_fen": 3_000_000, "occurred_on": "2026-11-20"}, CIVIL)


def proposals(container) -> list[str]:
    return [n.topic for n in container.app.recorder.select_notifications(1, 10_000)
            if n.topic.endswith("Listing.Proposed")]


def test_poison_decisions_are_parked_and_each_good_one_is_proposed_once(container):
    rows = sample_rows(2)
    register(container, rows)
    decide(container, rows[0]["uscc"], "晋城民罚决字〔2026〕1号")
    poison = {undecodable(container, DECIDED), too_deep(container, DECIDED),
              raw_event(container, DECIDED, b"{}")}
    decide(container, rows[1]["uscc"], "晋城民罚决字〔2026〕2号")

    runner = container.runner("credit_policy", batch_size=50)
    runner.catch_up()
    runner.catch_up()  # the proposals it appended are after the head it started from
    assert runner.position() == container.app.recorder.max_notification_id()
    parked = {p.position: p for p in parked_store(container.datastore.engine).list("credit_policy")}
    assert set(parked) == poison
    assert any("AttributeError" in p.error_class for p in parked.values())  # the handler's own failure
    assert len(proposals(container)) == 2
    actions = {a["uscc"] for u in (rows[0]["uscc"], rows[1]["uscc"]) for a in runner.view.actions_for(u)}
    assert actions == {rows[0]["uscc"], rows[1]["uscc"]}

    runner.rebuild()   # and replayed from zero: the proposals are "already proposed"
    assert len(proposals(container)) == 2
    assert {p.position for p in parked_store(container.datastore.engine).list("credit_policy")} == poison


def test_a_fine_no_column_holds_is_parked_and_a_facility_registered_afterwards_is_listed(pg_container):
    """Issue 9, item 1: ¥30M overflowed `credit_lists` on PostgreSQL for ever. The door now refuses
    fines over 10^13 fen and the column is BIGINT, so the poison is made past the door (the application
    method, as an older version's event would be): a fine no BIGINT holds is parked by the view, and
    everything after it is applied."""
    from datetime import date

    rows = sample_rows(2)
    register(pg_container, rows[:1])
    pg_container.app.record_penalty_decision(
        CIVIL, uscc=rows[0]["uscc"], decision_no="晋城民罚决字〔2026〕9号", authority="晋城市城区民政局",
        authority_kind="civil_affairs", conduct="abuse_cheating",
        legal_basis="《养老机构管理办法》第四十六条", fine_fen=2**63, occurred_on=date(2026, 11, 20))
    decision = pg_container.app.recorder.max_notification_id()
    register(pg_container, rows[1:])
    for runner in pg_container.runners():
        runner.catch_up()
    head = pg_container.app.recorder.max_notification_id()
    for runner in pg_container.runners():
        runner.catch_up()
        assert runner.position() == pg_container.app.recorder.max_notification_id(), runner.name
    [item] = parked_store(pg_container.datastore.engine).list("credit_lists")
    assert item.position == decision and "DataError" in item.error_class
    assert "out of range" in item.error_message
    assert pg_container.view("facility_list").get(rows[1]["uscc"]) is not None  # not 404
    assert head > decision
