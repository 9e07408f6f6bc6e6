"""`eldercare projections rebuild --jobs N` (a real process): every view rebuilt in worker processes
gives the same tables, byte for byte, as the views the runners built event by event."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from datetime import date
from pathlib import Path

from infra.sample_city import facilities
from supervision.application import Context
from tests.support import ROLE_ACTORS, make_container

ELDERCARE = str(Path(sys.executable).with_name("eldercare"))
CTX = Context(ROLE_ACTORS["civil_affairs"], "api")
TODAY = "2026-11-26"


def test_rebuilding_views_in_parallel_processes_gives_the_tables_the_runners_built(pg_url, tmp_path):
    container = make_container(pg_url, tmp_path / "var", today=date.fromisoformat(TODAY))
    try:
        dispatch = container.dispatcher.dispatch
        for i, row in enumerate(facilities(12)):
            dispatch("register_facility", row, CTX)
            if i % 2:
                dispatch("assess_facility_grade", {"uscc": row["uscc"], "level": 3, "score": 600,
                         "assessing_body": "晋城市民政局", "certificate_no": f"C-{i}"}, CTX)
            if i % 3 == 0:
                dispatch("register_complaint", {"uscc": row["uscc"], "channel": "hotline_12345",
                         "category": "fees", "summary": "反映收费问题", "reference": f"W-{i}"}, CTX)
        expected = {}
        for runner in container.runners():
            runner.catch_up()
            expected[runner.name] = (runner.position(), runner.view.checksum())
    finally:
        container.close()

    env = {**os.environ, "DATABASE_URL": pg_url, "ELDERCARE_VAR_DIR": str(tmp_path / "var"),
           "ELDERCARE_TODAY": TODAY, "ELDERCARE_LOG_FORMAT": "json"}
    done = subprocess.run([ELDERCARE, "projections", "rebuild", "--jobs", "3", "--no-progress"], env=env,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    rebuilt = {m[1]: (int(m[2]), m[3]) for m in
               re.finditer(r"^(\w+): rebuilt to (\d+) checksum ([0-9a-f]{64})$", done.stdout, re.M)}
    assert rebuilt == expected
