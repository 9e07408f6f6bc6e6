"""Parked items are visible and fixable: `eldercare parked`, `projections status`, `/healthz`.

`/healthz` says "degraded" with what and since when as soon as anything is parked; `parked retry`
applies an item again after a fix and resolves it, or keeps it (with the new error) when it still
fails.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from sqlalchemy import select

from projections.facility_list import FacilityListProjection
from projections.parked import parked_store
from supervision.api import create_app
from tests.faults.poison import register, sample_rows, undecodable
from tests.support import make_container

ELDERCARE = str(Path(sys.executable).with_name("eldercare"))


def test_healthz_is_degraded_while_something_is_parked_and_says_what_and_since_when(container):
    http = create_app(container).test_client()
    register(container, sample_rows(2))
    for runner in container.runners():
        runner.catch_up()
    body = http.get("/healthz").json
    assert body["status"] == "ok" and body["parked"] == [] and body["problems"] == []
    assert body["views"]["facility_list"] == {"position": body["head"], "head": body["head"], "lag": 0}

    bad = undecodable(container)
    register(container, sample_rows(3)[2:])
    for runner in container.runners():
        runner.catch_up()
    response = http.get("/healthz")
    assert response.status_code == 200
    body = response.json
    assert body["status"] == "degraded"
    parked = {p["pipeline"]: p for p in body["parked"]}
    assert parked["facility_list"]["count"] == 1 and parked["facility_list"]["since"].endswith("Z")
    assert {"what": "facility_list: 1 item(s) parked", "since": parked["facility_list"]["since"]} in \
        body["problems"]
    assert body["views"]["facility_list"]["lag"] == 0  # parked, not stuck
    [item] = parked_store(container.datastore.engine).list("facility_list")
    assert item.position == bad


def test_a_parked_event_is_applied_after_the_fix_and_resolved(container, monkeypatch):
    rows = sample_rows(3)
    original = FacilityListProjection._registered

    def buggy(self, event, session):  # the bug: this facility's registration cannot be applied
        if event.uscc == rows[1]["uscc"]:
            raise ValueError("handler bug")
        return original(self, event, session)

    monkeypatch.setattr(FacilityListProjection, "_registered", buggy)
    register(container, rows)
    runner = container.runner("facility_list")
    runner.catch_up()
    [item] = runner.parked()
    assert item.error_class == "builtins.ValueError" and item.error_message == "handler bug"
    assert runner.view.get(rows[2]["uscc"]) is not None  # the event after it was applied

    monkeypatch.setattr(FacilityListProjection, "_registered", original)  # the fix
    assert runner.retry_parked(item) is True
    assert runner.view.get(rows[1]["uscc"]) is not None
    assert runner.parked() == [] and runner.status().parked == 0
    resolved = parked_store(container.datastore.engine).get(item.id)
    assert resolved.resolved_at is not None and resolved.retries == 1
    with runner.view.engine.connect() as conn:
        assert len(conn.execute(select(runner.view.facilities)).all()) == 3  # each once


def test_the_parked_cli_lists_shows_and_retries_and_status_counts_parked(tmp_path):
    url, var = f"sqlite:///{tmp_path}/events.sqlite", tmp_path / "var"
    container = make_container(url, var)
    try:
        register(container, sample_rows(1))
        bad = undecodable(container)
    finally:
        container.close()
    env = {**os.environ, "DATABASE_URL": url, "ELDERCARE_VAR_DIR": str(var), "ELDERCARE_LOG_FORMAT": "json"}

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([ELDERCARE, *args], env=env, capture_output=True, text=True, timeout=120)

    assert run("projections", "run", "--once").returncode == 0
    status = {s["name"]: s for s in json.loads(run("projections", "status").stdout)}
    assert status["facility_list"]["parked"] == 1 and status["facility_list"]["lag"] == 0
    listed = json.loads(run("parked", "list", "--pipeline", "facility_list").stdout)
    assert [(i["position"], i["pipeline"]) for i in listed] == [(bad, "facility_list")]
    shown = json.loads(run("parked", "show", str(listed[0]["id"])).stdout)
    assert "MapperDeserialisationError" in shown["error_class"] and shown["parked_at"].endswith("Z")
    retried = run("parked", "retry", str(listed[0]["id"]))
    assert retried.returncode == 1  # still undecodable: kept, the retry counted
    assert json.loads(retried.stdout)["retries"] == 1 and json.loads(retried.stdout)["resolved"] is False
    assert run("parked", "show", "999999").returncode == 4


def test_healthz_is_degraded_when_a_view_leaves_one_event_waiting_too_long(container, monkeypatch):
    """A hung or stopped worker shows even when the lag is a single event (not only past 1,000)."""
    http = create_app(container).test_client()
    register(container, sample_rows(1))  # nothing runs the views: the event waits
    body = http.get("/healthz").json
    assert body["views"]["facility_list"]["lag"] >= 1
    assert body["status"] == "ok", body["problems"]  # waiting less than STALL_SECONDS is normal
    from dataclasses import replace

    monkeypatch.setattr(container, "settings", replace(container.settings, health_stall_s=0.0))
    body = http.get("/healthz").json
    assert body["status"] == "degraded"
    stalled = [p for p in body["problems"] if p["what"].startswith("facility_list: stalled")]
    assert len(stalled) == 1 and stalled[0]["since"].endswith("Z"), body["problems"]
    for runner in container.runners():
        runner.catch_up()
    body = http.get("/healthz").json
    assert body["status"] == "ok" and body["problems"] == []
