"""A CLI-only user sees the listing a penalty decision caused as soon as `penalty decide` returns, and
the municipality's listing authority is the municipal bureau (民发〔2019〕103号, "谁监管、谁列入")."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from supervision.domain.values import Actor
from tests.support import make_container

ELDERCARE = str(Path(sys.executable).with_name("eldercare"))
TODAY = "2026-11-26"
USCC = "91110000802100433B"
FACILITY = {"uscc": USCC, "name": "北京朝阳颐养院", "address": "朝阳路1号", "region_code": "110105",
            "ownership": "private", "profit_status": "non_profit", "total_beds": 80, "nursing_beds": 40,
            "occurred_on": "2025-01-06"}


def cli(var_dir: Path, url: str, token: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DATABASE_URL": url, "ELDERCARE_VAR_DIR": str(var_dir), "ELDERCARE_TODAY": TODAY,
           "ELDERCARE_LOG_FORMAT": "json", "ELDERCARE_TOKEN": token}
    return subprocess.run([ELDERCARE, *args], env=env, capture_output=True, text=True, timeout=120)


def test_a_proposal_caused_by_a_cli_command_is_visible_when_it_returns_with_the_municipal_bureau(
        pg_url, tmp_path):
    container = make_container(pg_url, tmp_path)
    try:
        admin = container.tokens.issue(Actor("ops", "MZJ-110000", "admin"))
    finally:
        container.close()
    done = cli(tmp_path, pg_url, admin, "facility", "register", "--data", json.dumps(FACILITY))
    assert done.returncode == 0, done.stderr
    done = cli(tmp_path, pg_url, admin, "penalty", "decide", USCC, "--decision-no", "京朝民罚〔2026〕7号",
               "--authority-kind", "civil_affairs",
               "--conduct", "abuse_cheating", "--legal-basis", "《养老机构管理办法》第四十六条",
               "--on", "2026-11-20")
    assert done.returncode == 0, done.stderr

    explained = cli(tmp_path, pg_url, admin, "facility", "explain", USCC)  # no tick in between
    assert explained.returncode == 0, explained.stderr
    listings = json.loads(explained.stdout)["listings"]
    assert len(listings) == 1
    listing = listings[0]
    assert listing["status"] == "proposed" and listing["rule"]["criterion"] == "abuse_cheating"
    first = listing["chain"][0]
    assert first["event_type"] == "Listing.Proposed"
    assert first["details"]["authority"] == "MZJ-110000"  # not a non-existent MZJ-110100
    assert first["legal_basis"]["source"].startswith("民发〔2019〕103号")
    assert first["legal_basis"]["figure"] == "criterion abuse_cheating; authority MZJ-110000"

    # the notice step carries the objection window with its basis and note
    served = cli(tmp_path, pg_url, admin, "listing", "serve-notice", listing["listing_id"],
                 "--notice-no", "京朝民告〔2026〕1号")
    assert served.returncode == 0, served.stderr
    shown = json.loads(cli(tmp_path, pg_url, admin, "listing", "show", listing["listing_id"]).stdout)
    notice = shown["chain"][-1]
    assert notice["event_type"] == "Listing.NoticeServed"
    assert notice["legal_basis"]["figure"] == "objection window 5 working days, until 2026-12-03 (official)"
    assert notice["details"]["due_note"] == "2026: chinese-calendar 1.11.0"
