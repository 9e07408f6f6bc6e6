"""`eldercare fire` / `eldercare prepaid` as operators run them, and the idempotent demo step."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from infra.clock import tick
from infra.demo import Demo, load_facilities
from infra.demo_fire_prepaid import load
from projections.fire_safety import FireCaseQuery
from supervision.domain.values import Actor
from tests.support import make_container

ELDERCARE = str(Path(sys.executable).with_name("eldercare"))
TODAY = "2026-11-26"
USCC = "91350100M000100Y43"
FACILITY = {"uscc": USCC, "name": "福州夕阳红养老院", "address": "示范路1号", "region_code": "350102",
            "ownership": "private", "profit_status": "non_profit", "total_beds": 100, "nursing_beds": 60,
            "occurred_on": "2025-01-06"}


def cli(var_dir: Path, url: str, token: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DATABASE_URL": url, "ELDERCARE_VAR_DIR": str(var_dir), "ELDERCARE_TODAY": TODAY,
           "ELDERCARE_LOG_FORMAT": "json", "ELDERCARE_TOKEN": token}
    return subprocess.run([ELDERCARE, *args], env=env, capture_output=True, text=True, timeout=120)


def test_the_cli_records_a_finding_and_a_receipt_and_refuses_bad_input_with_exit_2(pg_url, tmp_path):
    container = make_container(pg_url, tmp_path)
    try:
        admin = container.tokens.issue(Actor("ops", "MZJ-350102", "admin"))
    finally:
        container.close()
    registered = cli(tmp_path, pg_url, admin, "facility", "register", "--data", json.dumps(FACILITY))
    assert registered.returncode == 0, registered.stderr
    finding = {"uscc": USCC, "finding_no": "XF-9", "category": "electrical", "location": "厨房",
               "order_no": "限-9", "due_on": "2026-12-15"}
    done = cli(tmp_path, pg_url, admin, "fire", "record", "--data", json.dumps(finding))
    assert done.returncode == 0, done.stderr
    case_id = json.loads(done.stdout)["id"]
    order = '{"order_no": "x", "due_on": "2020-01-01"}'
    bad = cli(tmp_path, pg_url, admin, "fire", "order", case_id, "--data", order)
    assert bad.returncode == 2 and "due_on" in bad.stderr
    shown = json.loads(cli(tmp_path, pg_url, admin, "fire", "list", "--open").stdout)
    assert [c["case_id"] for c in shown["items"]] == [case_id] and shown["items"][0]["due_on"] == "2026-12-15"

    money = {"kind": "deposit", "resident_ref": "R-1", "amount_fen": 12.5, "monthly_bed_fee_fen": 300_000}
    bad = cli(tmp_path, pg_url, admin, "prepaid", "receive", USCC, "--data", json.dumps(money))
    assert bad.returncode == 2 and "amount_fen" in bad.stderr
    money["amount_fen"] = 4_000_000
    done = cli(tmp_path, pg_url, admin, "prepaid", "receive", USCC, "--data", json.dumps(money))
    assert done.returncode == 0 and json.loads(done.stdout)["violations"] == ["CN-deposit-12x-bed-fee"]
    ledger = json.loads(cli(tmp_path, pg_url, admin, "prepaid", "show", USCC).stdout)
    assert ledger["held_fen"] == 4_000_000 and "R-1" not in json.dumps(ledger)


def test_the_demo_step_is_idempotent(pg_container):
    demo = Demo(pg_container)
    load_facilities(pg_container, 6, demo)
    first = load(pg_container, demo)
    assert "3 new" in first and "1 new" in first
    head = pg_container.app.recorder.max_notification_id()
    second = load(pg_container, demo)
    assert "0 new" in second and pg_container.app.recorder.max_notification_id() == head
    pg_container.runner("fire_safety").catch_up()
    pg_container.runner("prepaid").catch_up()
    assert tick(pg_container).appended == 0  # the demo's overdue major hazard is already marked
    overdue, _ = pg_container.view("fire_safety").search(FireCaseQuery(overdue=True, major=True))
    assert len(overdue) == 1
