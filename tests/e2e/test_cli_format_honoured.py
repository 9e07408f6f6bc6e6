"""`--format` is on every command (`apply_grammar`): a command whose plain answer is one captured line
(`token issue`, `token demo`, `projections run --once`) prints that line when no format is given —
`$(eldercare token demo civil_affairs)` keeps working — and the chosen format when one is. Seen case
(a fresh user): `eldercare token issue ... --format json` printed the bare token, the option ignored."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ELDERCARE = str(Path(sys.executable).with_name("eldercare"))


def test_a_chosen_format_is_never_ignored(tmp_path):
    var = tmp_path / "var"
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{var}/eldercare.sqlite", "ELDERCARE_VAR_DIR": str(var),
           "ELDERCARE_LOG_FORMAT": "json"}
    env.pop("ELDERCARE_TOKEN", None)

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        done = subprocess.run([ELDERCARE, *args], env=env, capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stderr
        return done

    run("agency", "add", "--bootstrap", "--code", "ADMIN-140500", "--kind", "admin", "--level", "city",
        "--region", "140500", "--name", "晋城市平台运维")
    issue = ("token", "issue", "--bootstrap", "--user", "ops", "--agency", "ADMIN-140500", "--role", "admin")
    plain = run(*issue).stdout.strip()
    assert plain and "{" not in plain and len(plain.split()) == 1
    chosen = json.loads(run(*issue, "--format", "json").stdout)
    assert chosen["user"] == "ops" and chosen["role"] == "admin" and chosen["token"] and chosen["token_id"]
    assert run(*issue, "--format", "csv").stdout.startswith("field,value\ntoken,")

    caught_up = json.loads(run("projections", "run", "--once", "--format", "json").stdout)
    assert {row["name"] for row in caught_up} >= {"facility_list", "agencies"}
    assert "facility_list: applied" in run("projections", "run", "--once").stdout
