"""`eldercare calendar load|show` as an operator runs them (PostgreSQL, the CLI as a subprocess)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import date
from pathlib import Path

from supervision.application import Context
from supervision.domain.values import Actor
from supervision.policy.statutory_holidays import statutory_holidays
from tests.support import facility_payload, make_container

ELDERCARE = str(Path(sys.executable).with_name("eldercare"))
TODAY = "2027-02-10"
DOC = "国办发明电〔2026〕12号"


def cli(var_dir: Path, url: str, token: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DATABASE_URL": url, "ELDERCARE_VAR_DIR": str(var_dir), "ELDERCARE_TODAY": TODAY,
           "ELDERCARE_LOG_FORMAT": "json", "ELDERCARE_TOKEN": token}
    return subprocess.run([ELDERCARE, *args], env=env, capture_output=True, text=True, timeout=120)


def test_calendar_load_refuses_a_notice_without_a_statutory_day_then_loads_and_revises(pg_url, tmp_path):
    container = make_container(pg_url, tmp_path, today=date.fromisoformat(TODAY))
    try:
        admin_actor = Actor("ops", "ADMIN-100000", "admin")
        admin = container.tokens.issue(admin_actor)
        officer = container.tokens.issue(Actor("mz", "MZB-100000", "civil_affairs"))
        ctx = Context(admin_actor, source="test")
        container.dispatcher.dispatch("register_facility", facility_payload(), ctx)
        complaint = container.dispatcher.dispatch("register_complaint", {
            "uscc": facility_payload()["uscc"], "channel": "online", "category": "fees", "summary": "收费",
            "occurred_on": "2027-02-08"}, ctx).data["complaint_id"]
    finally:
        container.close()

    days = sorted({*statutory_holidays(2027), date(2027, 2, 9)})
    notice = {"year": 2027, "document_no": DOC, "holidays": [d.isoformat() for d in days],
              "working_days": ["2027-01-30"]}
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({**notice, "holidays": notice["holidays"][1:]}), encoding="utf-8")
    refused = cli(tmp_path, pg_url, admin, "calendar", "load", str(bad))
    assert refused.returncode == 2
    assert "holidays: 2027-01-01 (元旦) is a statutory holiday" in refused.stderr
    assert str(tmp_path) not in refused.stderr + refused.stdout

    good = tmp_path / "notice-2027.json"
    good.write_text(json.dumps(notice, ensure_ascii=False), encoding="utf-8")
    assert cli(tmp_path, pg_url, officer, "calendar", "load", str(good)).returncode == 3  # admins only
    loaded = cli(tmp_path, pg_url, admin, "calendar", "load", str(good))
    assert loaded.returncode == 0, loaded.stderr
    out = json.loads(loaded.stdout)
    assert out["document_no"] == DOC
    assert {(r["aggregate_id"], r["deadline"], r["old_due_on"], r["due_on"]) for r in out["revised"]} >= {
        (complaint, "acknowledge", "2027-02-09", "2027-02-10")}
    assert all(r["note"] == f"2027: {DOC}" and r["basis"] == "official" for r in out["revised"])

    shown = json.loads(cli(tmp_path, pg_url, admin, "calendar", "show", "2027").stdout)
    assert shown["loaded_notice"]["document_no"] == DOC and shown["basis"] == "official"
    assert {"date": "2027-02-05", "name": "春节"} in shown["statutory_holidays"]
    assert shown["statutory_basis"].startswith("《全国年节及纪念日放假办法》(2024年修订")
    again = cli(tmp_path, pg_url, admin, "calendar", "load", str(good))
    assert again.returncode == 5  # the same notice twice: conflict
