"""`eldercare complaint ...` as a real process on SQLite: the same commands and checks as the API."""

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


def test_complaint_cli_handles_a_complaint_and_only_a_regulator_reveals_the_identity(tmp_path):
    url, var = f"sqlite:///{tmp_path}/events.sqlite", tmp_path / "var"
    container = make_container(url, var)
    try:
        clerk = container.tokens.issue(Actor("mz-1", "MZJ-350102", "civil_affairs"))
        fire = container.tokens.issue(Actor("xf-1", "XFJY-350102", "fire"))
    finally:
        container.close()

    def run(token: str, *args: str) -> subprocess.CompletedProcess[str]:
        env = {**os.environ, "DATABASE_URL": url, "ELDERCARE_VAR_DIR": str(var),
               "ELDERCARE_TODAY": "2026-11-26", "ELDERCARE_LOG_FORMAT": "json", "ELDERCARE_TOKEN": token}
        return subprocess.run([ELDERCARE, *args], env=env, capture_output=True, text=True, timeout=60)

    assert run(clerk, "facility", "register", "--data", json.dumps(facility_payload())).returncode == 0
    body = {"uscc": USCC, "channel": "walk_in", "category": "food_safety", "summary": "饭菜变质",
            "complainant": {"name": "孙玉梅", "phone": "13600002222"}}
    registered = run(clerk, "complaint", "register", "--data", json.dumps(body, ensure_ascii=False))
    assert registered.returncode == 0, registered.stderr
    cid = json.loads(registered.stdout)["complaint_id"]
    assert run(clerk, "complaint", "acknowledge", cid).returncode == 0
    assert run(clerk, "complaint", "close", cid).returncode == 5  # conflict: not concluded yet

    listed = run(fire, "complaint", "list", "--uscc", USCC)
    assert listed.returncode == 0 and json.loads(listed.stdout)["items"][0]["status"] == "acknowledged"
    assert "孙玉梅" not in listed.stdout + listed.stderr

    denied = run(fire, "complaint", "reveal", cid, "--reason", "核实")
    assert denied.returncode == 3 and "孙玉梅" not in denied.stdout + denied.stderr
    revealed = run(clerk, "complaint", "reveal", cid, "--reason", "回访举报人")
    assert revealed.returncode == 0 and json.loads(revealed.stdout)["complainant"]["name"] == "孙玉梅"
    assert "孙玉梅" not in revealed.stderr  # printed for the regulator, never logged
