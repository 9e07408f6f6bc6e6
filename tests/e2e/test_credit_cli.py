"""`eldercare penalty|listing|lists|facility explain` as a real process on SQLite."""

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


def test_a_regulator_lists_a_facility_from_the_cli_and_the_published_list_masks_its_head(tmp_path):
    url, var = f"sqlite:///{tmp_path}/events.sqlite", tmp_path / "var"
    container = make_container(url, var)
    try:
        clerk = container.tokens.issue(Actor("mz-1", "MZJ-350100", "civil_affairs"))
    finally:
        container.close()

    def run(*args: str, today: str = "2026-06-23") -> subprocess.CompletedProcess[str]:
        env = {**os.environ, "DATABASE_URL": url, "ELDERCARE_VAR_DIR": str(var), "ELDERCARE_TODAY": today,
               "ELDERCARE_LOG_FORMAT": "json", "ELDERCARE_TOKEN": clerk}
        return subprocess.run([ELDERCARE, *args], env=env, capture_output=True, text=True, timeout=60)

    assert run("facility", "register", "--data", json.dumps(facility_payload())).returncode == 0
    decided = run("penalty", "decide", USCC, "--decision-no", "榕民罚〔2026〕1号",
                  "--authority", "MZJ-350100",
                  "--authority-kind", "civil_affairs", "--conduct", "fraud_fundraising",
                  "--legal-basis", "《防范和处置非法集资条例》第三十条", "--on", "2026-06-01")
    assert decided.returncode == 0, decided.stderr
    bad = run("listing", "propose", USCC, "--criterion", "littering")
    assert bad.returncode == 2 and "criterion" in bad.stderr
    # the decision proposed the listing when `penalty decide` returned (the policy process caught up
    # within the command), so proposing it again by hand is a conflict naming it
    proposed = run("listing", "propose", USCC, "--criterion", "fraud_fundraising",
                   "--decision", "榕民罚〔2026〕1号", "--on", "2026-06-02")
    assert proposed.returncode == 5 and "already proposed" in proposed.stderr
    lid = json.loads(run("facility", "explain", USCC).stdout)["listings"][0]["listing_id"]
    assert lid in proposed.stderr
    assert run("listing", "serve-notice", lid, "--notice-no", "N-1", "--on", "2026-06-05").returncode == 0
    assert run("listing", "decide", lid).returncode == 0  # window closed 2026-06-12: listed today

    shown = run("lists", "show", "joint-punishment", "--as-of", "2026-06-23", "--public")
    assert shown.returncode == 0, shown.stderr
    (entry,) = json.loads(shown.stdout)["items"]
    assert entry["responsible_persons"]["legal_representative"] == "王**" and "王建国" not in shown.stdout
    assert json.loads(run("lists", "show", "blacklist", "--as-of", "2026-06-22").stdout)["items"] == []

    why = run("facility", "explain", USCC, "--as-of", "2026-06-23")
    assert why.returncode == 0, why.stderr
    explained = json.loads(why.stdout)
    assert explained["rating"]["draw_level"] == "key"
    assert explained["listings"][0]["rule"]["criterion"] == "fraud_fundraising"
    early = run("listing", "repair", lid, "--no-further-violation", "--on", "2027-06-23", today="2027-06-23")
    assert early.returncode == 5 and "2028-06-24" in early.stderr
