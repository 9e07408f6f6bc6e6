"""The CLI says each problem once, naming its field.

Seen case (a fresh user): a refused command printed its field error twice — the summary line
`error: occurred_on: 2099-01-01 is in the future (...)`, then the field list repeating
`  occurred_on: 2099-01-01 is in the future (...)` (a domain `InvalidValue`'s message is "field:
problem" and its fields hold the same problem). Schema errors (several fields) keep their list.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support import ROLE_ACTORS, make_container

ROOT = Path(__file__).parents[2]
FACILITY = json.loads((ROOT / "examples" / "facility.json").read_text(encoding="utf-8"))


@pytest.fixture
def cli(tmp_path, today):
    url, var = f"sqlite:///{tmp_path}/events.sqlite", tmp_path / "var"
    container = make_container(url, var, today=today)
    token = container.tokens.issue(ROLE_ACTORS["civil_affairs"])
    container.close()
    env = {**{k: v for k, v in os.environ.items() if k != "ELDERCARE_CONFIG"}, "DATABASE_URL": url,
           "ELDERCARE_VAR_DIR": str(var), "ELDERCARE_TODAY": today.isoformat(), "ELDERCARE_TOKEN": token,
           "ELDERCARE_LOG_FORMAT": "json"}

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "infra", *args], env=env, cwd=ROOT,
                              capture_output=True, text=True, timeout=120)

    return run


def _problem_lines(stderr: str) -> list[str]:
    return [line.strip().removeprefix("error: ") for line in stderr.splitlines()
            if line.startswith(("error: ", "  "))]


def test_a_domain_field_error_is_printed_once_with_its_field(cli):
    done = cli("facility", "register", "--data", json.dumps({**FACILITY, "occurred_on": "2099-01-01"}))
    assert done.returncode == 2, done.stderr
    assert done.stderr.count("is in the future") == 1, done.stderr
    assert _problem_lines(done.stderr) == ["occurred_on: 2099-01-01 is in the future (today is 2026-11-26)"]


def test_a_schema_error_keeps_one_line_per_field_under_its_summary(cli):
    done = cli("facility", "register", "--data", json.dumps({**FACILITY, "total_beds": -1, "name": ""}))
    assert done.returncode == 2, done.stderr
    lines = _problem_lines(done.stderr)
    assert lines[0] == "invalid command" and len(lines) == len(set(lines)), done.stderr
    assert any(line.startswith("total_beds: ") for line in lines)
    assert any(line.startswith("name: ") for line in lines)
