"""A projection never stops behind one event: poison is parked with its reason, the rest applied once.

For every read model, poison events of each kind sit in the middle of a stream of good ones: a
state that is not JSON (decode error), a state nested 5,000 levels deep (RecursionError), a value
no column can hold (2**63 beds: SQLite's OverflowError, PostgreSQL's DataError) and, on PostgreSQL,
a NUL character in a name. Each is parked with its position and reason; every event after it is
applied exactly once; the view equals its own rebuild, and its figures equal the store's.
"""

from __future__ import annotations

from sqlalchemy import func, select

from projections.parked import parked_store
from tests.faults.poison import REGISTERED_TOPIC, register, sample_rows, too_deep, undecodable


def _seed(container):
    rows = sample_rows(24)
    good = register(container, rows[:8])
    poison = {"undecodable": undecodable(container), "too_deep": too_deep(container)}
    good += register(container, rows[8:12])
    poison["out_of_range"] = register(container, rows[12:13], total_beds=2**63)[0]
    if not container.settings.is_sqlite:
        poison["nul"] = register(container, rows[13:14], name="康乐\x00养老院")[0]
    else:
        good += register(container, rows[13:14])
    good += register(container, rows[14:24])
    skipped = {12} if container.settings.is_sqlite else {12, 13}
    good_usccs = {r["uscc"] for i, r in enumerate(rows) if i not in skipped}
    return poison, good_usccs


def test_poison_events_are_parked_and_every_event_after_them_is_applied_once(container):
    poison, good_usccs = _seed(container)
    head = container.app.recorder.max_notification_id()
    statuses = {}
    for runner in container.runners():
        runner.batch_size = 5  # pages that hold poison and good events together
        runner.catch_up()
        statuses[runner.name] = runner.status()
    # no view is stuck: all at the head
    assert {s.name: s.position for s in statuses.values()} == {n: head for n in statuses}

    store = parked_store(container.datastore.engine)
    facility_list = {p.position: p for p in store.list("facility_list")}
    assert set(facility_list) == set(poison.values())
    assert statuses["facility_list"].parked == len(poison)
    reasons = {kind: facility_list[pos].error_class for kind, pos in poison.items()}
    messages = {kind: facility_list[pos].error_message for kind, pos in poison.items()}
    assert "MapperDeserialisationError" in reasons["too_deep"] and "recursion" in messages["too_deep"]
    assert "MapperDeserialisationError" in reasons["undecodable"]
    assert "can't decode" in messages["undecodable"]
    if container.settings.is_sqlite:
        assert "OverflowError" in reasons["out_of_range"]
    else:
        assert "DataError" in reasons["out_of_range"] and "DataError" in reasons["nul"]
    for item in facility_list.values():
        assert item.error_message and item.parked_at and item.item_id and item.resolved_at is None

    # every view that reads registrations parked the undecodable ones, none parked a good event
    for runner in container.runners():
        parked = {p.position for p in store.list(runner.name)}
        assert parked <= set(poison.values()), runner.name
        if REGISTERED_TOPIC in runner.topics or not runner.topics:
            assert {poison["undecodable"], poison["too_deep"]} <= parked, runner.name

    # figures equal the store's: each good facility once, none of the poison
    view = container.view("facility_list")
    with view.engine.connect() as conn:
        usccs = [r[0] for r in conn.execute(select(view.facilities.c.uscc))]
        count = conn.execute(select(func.count()).select_from(view.facilities)).scalar_one()
    assert count == len(good_usccs) == len(usccs)
    assert set(usccs) == good_usccs

    # a rebuild from zero parks the same events and gives the same tables
    for runner in container.runners():
        before = runner.view.checksum()
        runner.batch_size = 1000
        runner.rebuild()
        assert runner.view.checksum() == before, runner.name
        assert {p.position for p in store.list(runner.name)} <= set(poison.values())
    assert {p.position for p in store.list("facility_list")} == set(poison.values())


def test_a_parked_event_is_retried_after_a_fix_and_resolved(container):
    rows = sample_rows(3)
    register(container, rows[:1])
    bad = undecodable(container)
    register(container, rows[1:])
    runner = container.runner("facility_list")
    runner.catch_up()
    [item] = runner.parked()
    assert item.position == bad
    assert runner.retry_parked(item) is False  # nothing was fixed: still parked, retry counted
    again = parked_store(container.datastore.engine).get(item.id)
    assert again.retries == 1 and again.resolved_at is None and again.retried_at is not None
    assert runner.status().parked == 1
