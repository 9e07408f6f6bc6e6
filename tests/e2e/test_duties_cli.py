"""`eldercare incident|report|interview` as real processes on SQLite: same commands, same checks."""

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


def test_duties_cli_records_an_incident_a_report_and_an_interview_and_refuses_bad_input(tmp_path):
    url, var = f"sqlite:///{tmp_path}/events.sqlite", tmp_path / "var"
    container = make_container(url, var)
    try:
        clerk = container.tokens.issue(Actor("mz-1", "MZJ-350102", "civil_affairs"))
    finally:
        container.close()

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        env = {
            **os.environ,
            "DATABASE_URL": url,
            "ELDERCARE_VAR_DIR": str(var),
            "ELDERCARE_TODAY": "2026-11-26",
            "ELDERCARE_LOG_FORMAT": "json",
            "ELDERCARE_TOKEN": clerk,
        }
        return subprocess.run([ELDERCARE, *args], env=env, capture_output=True, text=True, timeout=60)

    assert run("facility", "register", "--data", json.dumps(facility_payload())).returncode == 0
    body = {
        "uscc": USCC,
        "category": "fire",
        "severity": "general",
        "occurred_at": "2026-11-25T08:00:00",
        "reported_at": "2026-11-25T11:00:00",
        "summary": "配电箱冒烟",
        "residents": [{"name": "周桂兰"}],
    }
    reported = run("incident", "report", "--data", json.dumps(body, ensure_ascii=False))
    assert reported.returncode == 0, reported.stderr
    out = json.loads(reported.stdout)
    assert out["late"] is True  # a fire reported after 3 h: its deadline is 2 h
    listed = run("incident", "list", "--uscc", USCC, "--late")
    assert listed.returncode == 0 and json.loads(listed.stdout)["total"] == 1
    assert "周桂兰" not in listed.stdout + listed.stderr + reported.stderr
    assert (
        run(
            "incident",
            "finding",
            USCC,
            out["incident_id"],
            "--data",
            json.dumps({"authority": "X", "decision_no": "D-1", "responsibility": "maybe"}),
        ).returncode
        == 2
    )

    filed = run("report", "submit", USCC, "annual_report", "2025", "--data", '{"occurred_on": "2026-05-10"}')
    assert filed.returncode == 0 and json.loads(filed.stdout)["late"] is False
    assert run("report", "submit", USCC, "annual_report", "2025").returncode == 5  # already filed
    assert run("report", "remind", USCC, "annual_report", "2024").returncode == 4  # no such obligation

    summoned = run(
        "interview",
        "summon",
        "--data",
        json.dumps(
            {
                "uscc": USCC,
                "reason": "火情迟报",
                "scheduled_on": "2026-11-26",
                "summoned_roles": ["person_in_charge"],
            },
            ensure_ascii=False,
        ),
    )
    assert summoned.returncode == 0, summoned.stderr
    iid = json.loads(summoned.stdout)["interview_id"]
    held = run(
        "interview",
        "held",
        USCC,
        iid,
        "--data",
        json.dumps(
            {
                "attendees": [{"name": "李芳"}],
                "minutes": "约谈记录",
                "commitments": [{"item": "整改", "due_on": "2026-12-10"}],
            },
            ensure_ascii=False,
        ),
    )
    assert held.returncode == 0, held.stderr
    shown = run("interview", "show", iid)
    assert shown.returncode == 0 and json.loads(shown.stdout)["commitments"][0]["due_on"] == "2026-12-10"
    assert "李芳" not in shown.stdout
