"""`--format` is on every command (`apply_grammar`): a command whose plain answer is one captured line
(`token issue`, `token demo`, `projections run --once`) prints that line when no format is given —
`$(eldercare token demo civil_affairs)` keeps working — and the chosen format when one is. Seen case
(a fresh user): `eldercare token issue ... --format json` printed the bare token, the option ignored."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

ELDERCARE = str(Path(sys.executable).with_name("eldercare"))


def cli(tmp_path: Path) -> tuple[dict[str, str], Callable[..., subprocess.CompletedProcess[str]]]:
    """The environment of a new SQLite store under `tmp_path` (no token), and `run(*args)` of the CLI
    in it, which must exit 0."""
    var = tmp_path / "var"
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{var}/eldercare.sqlite", "ELDERCARE_VAR_DIR": str(var),
           "ELDERCARE_LOG_FORMAT": "json"}
    env.pop("ELDERCARE_TOKEN", None)

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        done = subprocess.run([ELDERCARE, *args], env=env, capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stderr
        return done

    return env, run


def test_a_chosen_format_is_never_ignored(tmp_path):
    _, run = cli(tmp_path)

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


def test_rebuild_and_import_print_their_results_in_the_chosen_format(tmp_path):
    """Seen case (a tester): `projections rebuild --format json` printed one line per view (and the
    progress bar on stdout). Each view's result is collected and printed in the chosen format at the
    end; without --format the lines are as they were. `import` says its summary the same way."""
    env, run = cli(tmp_path)

    run("agency", "add", "--bootstrap", "--code", "MZJ-140500", "--kind", "civil_affairs", "--level", "city",
        "--region", "140500", "--name", "晋城市民政局")
    env["ELDERCARE_TOKEN"] = run("token", "issue", "--bootstrap", "--user", "mz", "--agency", "MZJ-140500",
                                 "--role", "civil_affairs").stdout.strip()
    facilities = str(Path(__file__).parents[2] / "examples" / "facilities.csv")
    imported = json.loads(run("import", facilities, "--format", "json").stdout)
    assert imported["imported"] >= 1 and imported["rejected"] == 0 and "rows_per_s" in imported

    plain = run("projections", "rebuild", "facility_list").stdout
    assert "facility_list: rebuilt to" in plain
    rows = json.loads(run("projections", "rebuild", "--format", "json").stdout)
    assert {row["name"] for row in rows} >= {"facility_list", "agencies", "timeline"}
    assert all(row["status"] == "rebuilt" and len(row["checksum"]) == 64 for row in rows)
    listed = next(row for row in rows if row["name"] == "facility_list")
    assert listed["position"] == json.loads(run("projections", "status", "facility_list").stdout)[0]["head"]
    csv_out = run("projections", "rebuild", "facility_list", "--format", "csv").stdout
    assert csv_out.startswith("name,status,position,checksum,detail\nfacility_list,rebuilt,")
    assert len(csv_out.splitlines()) == 2  # no progress bar, no plain line
