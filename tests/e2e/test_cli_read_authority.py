"""A CLI read answers what the HTTP API answers the same caller (docs/authority.md, "Reads from the
command line"): public reads in their public shape (persons masked) with or without a token; secured
reads only with a valid token, scoped to its agency's jurisdiction. `eldercare` runs as a real
process on SQLite and on PostgreSQL."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from supervision.domain.uscc import with_check_character
from supervision.domain.values import Actor
from tests.support import ROLE_ACTORS, facility_payload, make_container

ELDERCARE = str(Path(sys.executable).with_name("eldercare"))
TODAY = "2026-11-26"
#: a facility of 泽州县 (140525) and one of 阳城县 (140522), both in 晋城市
ZEZHOU = with_check_character("52140525MJY000011")
YANGCHENG = with_check_character("52140522MJY000022")
REPRESENTATIVE = "林明"


class Cli:
    """The store with two facilities and a complaint about each, and tokens of two county bureaus
    (阳城县, 泽州县), a revoked one and the national civil-affairs ministry's."""

    def __init__(self, url: str, var: Path) -> None:
        self.url, self.var = url, var
        container = make_container(url, var, today=date.fromisoformat(TODAY))
        try:
            ctx_actor = ROLE_ACTORS["civil_affairs"]
            ministry = container.tokens.issue(ctx_actor)
            self.tokens = {
                "ministry": ministry,
                "yangcheng": container.tokens.issue(Actor("yc-1", "MZJ-140522", "civil_affairs")),
                "zezhou": container.tokens.issue(Actor("zz-1", "MZJ-140525", "civil_affairs")),
            }
            revoked = container.tokens.issue(Actor("yc-2", "MZJ-140522", "civil_affairs"))
            container.tokens.revoke(next(e.id for e in container.tokens.entries() if e.actor.user == "yc-2"))
            self.tokens["revoked"] = revoked
        finally:
            container.close()
        self.complaints: dict[str, str] = {}
        for uscc, region in ((ZEZHOU, "140525"), (YANGCHENG, "140522")):
            body = facility_payload(uscc, region_code=region, name=f"晋城{region}养老院",
                                    address="晋城市示范路1号", legal_representative=REPRESENTATIVE)
            self.ok("ministry", "facility", "register", "--data", json.dumps(body, ensure_ascii=False))
            done = self.ok("ministry", "complaint", "register", "--data", json.dumps(
                {"uscc": uscc, "channel": "walk_in", "category": "food_safety", "summary": "饭菜变质"},
                ensure_ascii=False))
            self.complaints[region] = done["complaint_id"]

    def run(self, token: str | None, *args: str) -> subprocess.CompletedProcess[str]:
        """`eldercare ARGS --format json` as `token` (a key of `tokens`, a literal token, or None)."""
        env = {**os.environ, "DATABASE_URL": self.url, "ELDERCARE_VAR_DIR": str(self.var),
               "ELDERCARE_TODAY": TODAY, "ELDERCARE_LOG_FORMAT": "json"}
        env.pop("ELDERCARE_TOKEN", None)
        if token is not None:
            env["ELDERCARE_TOKEN"] = self.tokens.get(token, token)
        return subprocess.run([ELDERCARE, "--format", "json", *args], env=env, capture_output=True,
                              text=True, timeout=120)

    def ok(self, token: str | None, *args: str) -> Any:
        done = self.run(token, *args)
        assert done.returncode == 0, done.stderr
        return json.loads(done.stdout)


@pytest.fixture
def cli(store_url: str, tmp_path: Path) -> Cli:
    return Cli(store_url, tmp_path / "var")


#: secured reads of the CLI (each answers only a signed-in actor over HTTP)
SECURED = [
    ("complaint", "list"),
    ("complaint", "deadlines"),
    ("fire", "list"),
    ("prepaid", "violations"),
    ("incident", "list"),
    ("report", "list"),
    ("spot-check", "list"),
    ("inspector", "list"),
    ("agency", "list"),
    ("lists", "show", "joint-punishment"),
    ("facility", "explain", ZEZHOU),
]


def test_secured_reads_refuse_a_missing_a_garbage_and_a_revoked_token(cli: Cli) -> None:
    for args in SECURED:
        missing = cli.run(None, *args)
        assert missing.returncode == 2 and "a token is required" in missing.stderr, (args, missing.stderr)
        for bad in ("not-a-token", "revoked"):
            refused = cli.run(bad, *args)
            assert refused.returncode == 3, (args, bad, refused.stderr)
            assert "unknown or revoked token" in refused.stderr, (args, bad, refused.stderr)
            assert refused.stdout == ""
    assert cli.run(None, "complaint", "show", cli.complaints["140525"]).returncode == 2
    assert cli.run("revoked", "complaint", "show", cli.complaints["140525"]).returncode == 3


def test_facility_show_without_a_token_is_the_public_entry_with_persons_masked(cli: Cli) -> None:
    done = cli.run(None, "facility", "show", ZEZHOU)
    assert done.returncode == 0, done.stderr
    shown = json.loads(done.stdout)
    assert shown["legal_representative"] == "林*" and REPRESENTATIVE not in done.stdout
    assert "history" not in shown  # the timeline is a secured read (GET .../events)
    assert "personal" not in done.stdout and "13800138000" not in done.stdout
    listed = cli.ok(None, "facility", "list", "--region", "1405")
    assert {f["uscc"] for f in listed["items"]} == {ZEZHOU, YANGCHENG}
    assert REPRESENTATIVE not in json.dumps(listed, ensure_ascii=False)
    assert cli.run("not-a-token", "facility", "show", ZEZHOU).returncode == 3


def test_facility_history_is_for_a_regulator_of_the_facility_s_region(cli: Cli) -> None:
    own = cli.ok("zezhou", "facility", "show", ZEZHOU)
    assert own["legal_representative"] == "林*"  # the registry entry is the public one for everyone
    assert [e["event_type"] for e in own["history"]][:1] == ["Facility.Registered"]
    other = cli.run("yangcheng", "facility", "show", ZEZHOU, "--history")
    assert other.returncode == 3 and "jurisdiction rule" in other.stderr
    quiet = cli.ok("yangcheng", "facility", "show", ZEZHOU)  # history not asked for by name
    assert "history" not in quiet


def test_a_county_token_lists_only_its_own_county_s_complaints(cli: Cli) -> None:
    yangcheng = cli.ok("yangcheng", "complaint", "list", "--uscc", ZEZHOU)
    assert yangcheng["items"] == [] and yangcheng["total"] == 0
    everything = cli.ok("yangcheng", "complaint", "list")
    assert [c["uscc"] for c in everything["items"]] == [YANGCHENG]
    zezhou = cli.ok("zezhou", "complaint", "list", "--uscc", ZEZHOU)
    assert [c["complaint_id"] for c in zezhou["items"]] == [cli.complaints["140525"]]
    national = cli.ok("ministry", "complaint", "list")
    assert national["total"] == 2
    deadlines = cli.ok("yangcheng", "complaint", "deadlines")
    assert {d["uscc"] for d in deadlines} == {YANGCHENG}


def test_a_county_token_cannot_show_another_county_s_complaint(cli: Cli) -> None:
    refused = cli.run("yangcheng", "complaint", "show", cli.complaints["140525"])
    assert refused.returncode == 3 and "jurisdiction rule" in refused.stderr
    assert refused.stdout == "" and "饭菜变质" not in refused.stderr
    shown = cli.ok("zezhou", "complaint", "show", cli.complaints["140525"])
    assert shown["uscc"] == ZEZHOU and shown["summary"] == "饭菜变质"
    assert cli.ok("yangcheng", "complaint", "show", cli.complaints["140522"])["uscc"] == YANGCHENG


def test_public_reads_refuse_a_presented_token_that_is_not_valid(cli: Cli) -> None:
    """Seen case (a tester): `facility list` with an unknown token answered as if anonymous (exit 0)
    while `facility show` exited 3. A presented token is checked on every public read (exit 3, as
    HTTP's 401 invalid_token); without a token the public reads stay open."""
    public_reads = [("facility", "list"), ("facility", "show", ZEZHOU), ("calendar", "show", "2026"),
                    ("complaint", "summary", ZEZHOU), ("lists", "show", "blacklist", "--public"),
                    ("prepaid", "show", ZEZHOU)]
    for i, args in enumerate(public_reads):  # garbage and revoked in turn: one path
        bad = ("not-a-token", "revoked")[i % 2]
        refused = cli.run(bad, *args)
        assert refused.returncode == 3, (args, bad, refused.stdout, refused.stderr)
        assert "unknown or revoked token" in refused.stderr and not refused.stdout
        assert cli.run(None, *args).returncode == 0, args
