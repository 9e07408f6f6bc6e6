"""A malformed setting is a configuration error for every entry point: `serve`, `worker` and `api`
exit 78 (EX_CONFIG, not restarted) with the setting named, as every other command does — not click's
usage error (exit 2), which says the command line was wrong."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[2]


@pytest.mark.parametrize("command", [["worker"], ["api", "--port", "0"], ["serve", "--port", "0"],
                                     ["projections", "status"]])
def test_a_malformed_setting_exits_78_naming_it(command, tmp_path):
    env = {**os.environ, "ELDERCARE_VAR_DIR": str(tmp_path / "var"), "ELDERCARE_TODAY": "2026-13-40",
           "DATABASE_URL": f"sqlite:///{tmp_path}/events.db", "PYTHONPATH": str(ROOT)}
    done = subprocess.run([sys.executable, "-m", "infra", *command], env=env, cwd=tmp_path,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 78, (done.returncode, done.stderr[-2000:])
    assert "ELDERCARE_TODAY='2026-13-40' is not a YYYY-MM-DD date" in done.stderr
    assert "Traceback" not in done.stderr and "Usage:" not in done.stderr
    assert not (tmp_path / "var").exists() and not (tmp_path / "events.db").exists()
