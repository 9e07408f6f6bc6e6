"""A process refused at start leaves nothing behind: no empty `var/` (0700), no key file.

Seen case (a fresh user): a CLI command refused for a key the store was not sealed with, or for a
database that does not exist, exited with the right code but left an empty `var/` it had made (the
composition root made `var/` before anything was to be written in it). Now `var/` is made only by
what writes in it: a SQLite store, the key file, the token file.
"""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

from tests.faults.poison import register, sample_rows
from tests.support import make_container

ROOT = Path(__file__).parents[2]


def eldercare(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items()
             if k not in ("VIEWS_DATABASE_URL", "ELDERCARE_SECRET_KEYS", "ELDERCARE_CONFIG", "DATABASE_URL")}
    return subprocess.run([sys.executable, "-m", "infra", *args], env={**clean, **env}, cwd=ROOT,
                          capture_output=True, text=True, timeout=120)


def test_a_process_refused_for_a_key_the_store_does_not_know_leaves_no_var_dir(pg_url, tmp_path, today):
    first = make_container(pg_url, tmp_path / "var-a", today=today)
    register(first, sample_rows(1))  # personal data sealed with var-a's key
    first.close()
    for var, args in ((tmp_path / "var-b", ("projections", "status")),
                      (tmp_path / "var-c", ("facility", "list")),
                      (tmp_path / "var-d", ("worker",))):
        done = eldercare({"DATABASE_URL": pg_url, "ELDERCARE_VAR_DIR": str(var),
                          "ELDERCARE_TODAY": today.isoformat(), "ELDERCARE_LOG_FORMAT": "json"}, *args)
        assert done.returncode == 78, (args, done.stderr[-2000:])
        assert "sealed with another key" in done.stderr
        assert not var.exists(), (args, sorted(p.name for p in var.iterdir()))


def test_a_process_refused_for_a_database_that_does_not_exist_leaves_no_var_dir(postgres, tmp_path):
    var = tmp_path / "var"
    url = "postgresql://postgres@127.0.0.1:5432/hb_never_created_database"
    for args in (("facility", "list"), ("token", "issue", "--bootstrap", "--user", "root", "--agency",
                                        "ADMIN-100000", "--role", "admin")):
        done = eldercare({"DATABASE_URL": url, "ELDERCARE_VAR_DIR": str(var)}, *args)
        assert done.returncode == 78, (args, done.stderr)
        assert not var.exists(), args


def test_a_sqlite_store_still_gets_a_private_var_dir_when_it_is_created(tmp_path):
    var = tmp_path / "var"
    done = eldercare({"ELDERCARE_VAR_DIR": str(var), "DATABASE_URL": f"sqlite:///{var}/eldercare.sqlite"},
                     "init")
    assert done.returncode == 0, done.stderr
    assert stat.S_IMODE(var.stat().st_mode) == 0o700
    assert {"eldercare.sqlite", "eldercare-views.sqlite", "secret.key"} <= {p.name for p in var.iterdir()}
