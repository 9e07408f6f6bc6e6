"""`eldercare inspector ...` and `eldercare spot-check ...` as a real process on SQLite."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from supervision.domain.values import Actor
from tests.support import facility_payload, make_container

ELDERCARE = str(Path(sys.executable).with_name("eldercare"))
USCC = "91350100M000100Y43"


def test_spot_check_cli_plans_draws_verifies_records_and_publishes(tmp_path):
    url, var = f"sqlite:///{tmp_path}/events.sqlite", tmp_path / "var"
    container = make_container(url, var)
    try:
        clerk = container.tokens.issue(Actor("mz-1", "MZJ-350100", "civil_affairs"))
        outsider = container.tokens.issue(Actor("MZ-Z", "MZJ-350100", "inspector"))
    finally:
        container.close()

    def run(token: str, *args: str) -> subprocess.CompletedProcess[str]:
        env = {**os.environ, "DATABASE_URL": url, "ELDERCARE_VAR_DIR": str(var),
               "ELDERCARE_TODAY": "2025-09-30", "ELDERCARE_LOG_FORMAT": "json", "ELDERCARE_TOKEN": token}
        return subprocess.run([ELDERCARE, *args], env=env, capture_output=True, text=True, timeout=60)

    assert run(clerk, "facility", "register", "--data", json.dumps(facility_payload())).returncode == 0
    for iid in ("MZ-A", "MZ-B"):
        body = {"inspector_id": iid, "name": "检查员", "agency": "MZJ-350100", "region_code": "350100",
                "certificate_no": f"闽执{iid}"}
        done = run(clerk, "inspector", "certify", "--data", json.dumps(body, ensure_ascii=False))
        assert done.returncode == 0, done.stderr
    plan = {"name": "福州市养老机构抽查", "kind": "special", "agencies": ["MZJ-350100"],
            "region_prefix": "3501", "checklist": [{"code": "FS-01", "title": "消防设施"}],
            "occurred_on": "2025-09-01"}
    planned = run(clerk, "spot-check", "plan", "--data", json.dumps(plan, ensure_ascii=False))
    assert planned.returncode == 0, planned.stderr
    cid = json.loads(planned.stdout)["campaign_id"]
    refused = run(clerk, "spot-check", "draw", cid, "--seed", "cli-seed-0001", "--visit-on", "2025-09-03")
    assert refused.returncode == 2 and "--seed" in refused.stderr  # no command takes a seed
    early = run(clerk, "spot-check", "draw", cid, "--on", "2025-09-02", "--visit-on", "2025-09-03")
    assert early.returncode == 5 and "commit first" in early.stderr
    committed = run(clerk, "spot-check", "commit", cid, "--on", "2025-09-02")
    assert committed.returncode == 0, committed.stderr
    commitment = json.loads(committed.stdout)["commitment"]
    drawn = run(clerk, "spot-check", "draw", cid, "--on", "2025-09-02", "--visit-on", "2025-09-03")
    assert drawn.returncode == 0, drawn.stderr
    assert json.loads(drawn.stdout)["drawn"][0]["uscc"] == USCC
    again = run(clerk, "spot-check", "commit", cid, "--on", "2025-09-02")
    assert again.returncode == 2 and "reason" in again.stderr  # a redraw needs a reason

    verified = run(clerk, "spot-check", "verify", cid)
    assert verified.returncode == 0, verified.stderr
    outcome = json.loads(verified.stdout)
    assert outcome["verified"] is True and outcome["commitment"] == commitment

    result = {"conclusion": "no_problem", "items": [{"code": "FS-01", "result": "pass"}]}
    future = run(clerk, "spot-check", "result", cid, USCC, "--data",
                 json.dumps({**result, "completed_on": "2025-10-01"}))
    assert future.returncode == 2 and "completed_on" in future.stderr
    assert run(outsider, "spot-check", "result", cid, USCC, "--data", json.dumps(result)).returncode == 3
    assert run(clerk, "spot-check", "result", cid, USCC, "--data", json.dumps(result)).returncode == 0
    assert run(clerk, "spot-check", "publish", cid, USCC).returncode == 0
    assert run(clerk, "spot-check", "publish", cid, USCC).returncode == 5  # published once

    shown = json.loads(run(clerk, "spot-check", "list", cid).stdout)
    assert shown["inspections"][0]["status"] == "published"
    pool = json.loads(run(clerk, "inspector", "list").stdout)
    assert [i["inspector_id"] for i in pool] == ["MZ-A", "MZ-B"]
