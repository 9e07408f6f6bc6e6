"""Claiming a view's position is exclusive between processes, on SQLite as on PostgreSQL.

Issue 9, item 6: with `serve`, `import` and `tick` catching up the same views at once on SQLite, the
prepaid views showed 3,397 receipts for 3,000 in the store (a page applied twice). Here several
processes (spawned, each with its own engines) catch up the same views in small pages while events
are appended; afterwards every view equals one rebuild and the money totals equal the store's.
"""

from __future__ import annotations

import multiprocessing
from concurrent.futures import ProcessPoolExecutor
from datetime import date

import pytest
from sqlalchemy import func, select

from supervision.application import Context
from tests.faults import claim_worker
from tests.faults.poison import register, sample_rows
from tests.support import ROLE_ACTORS, make_container

PROCESSES = 3
RECEIPTS = 240


def _store_totals(container) -> tuple[int, int]:
    """(sum of amount_fen, count) of every prepayment receipt in the event store."""
    total = count = 0
    for notification in container.app.recorder.select_notifications(1, 10_000_000):
        if notification.topic.endswith("PrepaymentReceived"):
            event = container.app.mapper.to_domain_event(notification)
            if hasattr(event, "amount_fen") and hasattr(event, "receipt_no"):
                total += event.amount_fen
                count += 1
    return total, count


@pytest.mark.timeout(600)
def test_processes_catching_up_at_once_give_one_rebuilds_tables_and_the_stores_money(store_url, tmp_path):
    var = tmp_path / "var"
    container = make_container(store_url, var, today=date(2026, 11, 26))
    try:
        rows = sample_rows(3)
        register(container, rows)
        assert container.projections  # tables exist before the race on positions starts
        done = tmp_path / "writer-done"
        ctx = Context(ROLE_ACTORS["market"], source="import")
        spawn = multiprocessing.get_context("spawn")
        with ProcessPoolExecutor(PROCESSES, mp_context=spawn) as pool:
            futures = [pool.submit(claim_worker.run, store_url, str(var), str(done), 7)
                       for _ in range(PROCESSES)]
            for i in range(RECEIPTS):
                container.dispatcher.dispatch("record_prepayment", {
                    "uscc": rows[i % 3]["uscc"], "kind": "deposit", "resident_ref": f"R-{i:05d}",
                    "amount_fen": 100_000 + i, "monthly_bed_fee_fen": 300_000,
                    "occurred_on": "2026-11-20"}, ctx)
            done.touch()
            read = [f.result(timeout=300) for f in futures]
        assert sum(read) > 0

        expected_total, expected_count = _store_totals(container)
        assert expected_count == RECEIPTS
        prepaid = container.view("prepaid")
        with prepaid.engine.connect() as conn:
            total, receipts = conn.execute(select(func.sum(prepaid.totals.c.received_fen),
                                                  func.sum(prepaid.totals.c.receipts))).one()
        assert (total, receipts) == (expected_total, expected_count)

        head = container.app.recorder.max_notification_id()
        for name in claim_worker.VIEWS:
            runner = container.runner(name)
            assert runner.position() == head
            concurrent = runner.view.checksum()
            runner.rebuild()
            assert runner.view.checksum() == concurrent, name
    finally:
        container.close()
