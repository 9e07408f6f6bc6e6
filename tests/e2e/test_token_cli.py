"""`eldercare token issue|revoke|list` and `agency add|show`: the bootstrap path on the server's own
var/, then an admin token; every issue and revocation is recorded."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from pathlib import Path

from infra.bootstrap import Container
from infra.settings import Settings

ELDERCARE = str(Path(sys.executable).with_name("eldercare"))


def test_a_new_installation_bootstraps_an_admin_then_tokens_need_that_admin(tmp_path):
    var = tmp_path / "var"
    url = f"sqlite:///{var}/eldercare.sqlite"

    def run(*args: str, token: str | None = None) -> subprocess.CompletedProcess[str]:
        env = {**os.environ, "DATABASE_URL": url, "ELDERCARE_VAR_DIR": str(var),
               "ELDERCARE_LOG_FORMAT": "json"}
        env.pop("ELDERCARE_TOKEN", None)
        if token:
            env["ELDERCARE_TOKEN"] = token
        return subprocess.run([ELDERCARE, *args], env=env, capture_output=True, text=True, timeout=120)

    added = run("agency", "add", "--bootstrap", "--code", "ADMIN-140500", "--kind", "admin",
                "--level", "city", "--region", "140500", "--name", "晋城市平台运维")
    assert added.returncode == 0, added.stderr
    assert run("agency", "add", "--bootstrap", "--code", "MZJ-140522", "--kind", "civil_affairs",
               "--level", "county", "--region", "140522", "--name", "阳城县民政局").returncode == 0
    refused = run("token", "issue", "--user", "x", "--agency", "ADMIN-140500", "--role", "admin")
    assert refused.returncode == 3 and "admin token" in refused.stderr
    boot = run("token", "issue", "--bootstrap", "--user", "ops", "--agency", "ADMIN-140500",
               "--role", "admin", "--expires-in", "7d")
    assert boot.returncode == 0, boot.stderr
    admin = boot.stdout.strip()
    clerk = run("token", "issue", "--user", "li", "--agency", "MZJ-140522", "--role", "civil_affairs",
                "--expires-on", "2099-01-01", token=admin)
    assert clerk.returncode == 2 and "366 days" in clerk.stderr  # expiry is bounded
    clerk = run("token", "issue", "--user", "li", "--agency", "MZJ-140522", "--role", "civil_affairs",
                "--expires-in", "30d", token=admin)
    assert clerk.returncode == 0, clerk.stderr
    listed = json.loads(run("token", "list", token=admin).stdout)
    li = next(t for t in listed if t["user"] == "li")
    assert li["revoked_at"] is None and clerk.stdout.strip() not in json.dumps(listed)
    not_admin = run("token", "revoke", li["id"], "--reason", "调离", token=clerk.stdout.strip())
    assert not_admin.returncode == 3
    revoked = run("token", "revoke", li["id"], "--reason", "调离", token=admin)
    assert revoked.returncode == 0, revoked.stderr
    # the registry is not scoped, but read by a signed-in actor, as GET /api/v1/agencies/{code}
    assert run("agency", "show", "MZJ-140522", token=admin).returncode == 0
    assert run("agency", "show", "MZJ-140522").returncode == 2  # no token

    container = Container(Settings(database_url=url, var_dir=var))
    try:
        kinds = [type(container.app.mapper.to_domain_event(n)).__qualname__
                 for n in container.app.recorder.select_notifications(1, 100)]
        assert kinds == ["Agency.Registered", "Agency.Registered", "TokenGrant.Issued", "TokenGrant.Issued",
                         "TokenGrant.Revoked"]
        assert container.tokens.actor_for(clerk.stdout.strip()) is None
    finally:
        container.close()
    assert stat.S_IMODE(var.stat().st_mode) == 0o700
    assert stat.S_IMODE((var / "tokens.json").stat().st_mode) == 0o600
