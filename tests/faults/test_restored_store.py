"""An event store restored from an earlier backup, its views and relay position newer than it: new
events would get the notification ids the views and the relay already passed, and be skipped without
a word. Each pipeline refuses instead (a view is not run, the relay stops, the CLI exits 78), /healthz
and the status commands say why and what cures it, and the cure (rebuild, relay reset) works."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
import structlog.testing

from infra.kafka_relay import build_relay, relay_view
from infra.sample_city import facilities
from projections.failures import AheadOfStore
from supervision.api import create_app
from tests.integration.test_relay_faults import facility_event_ids, load_city
from tests.kafka_support import CIVIL, FAST_PRODUCER, read_topic
from tests.support import make_container

pytestmark = pytest.mark.integration

ELDERCARE = str(Path(sys.executable).parent / "eldercare")


def client_token(container) -> str:
    return container.tokens.issue(CIVIL.actor)


def copy_sqlite(source: Path, target: Path) -> None:
    """A consistent copy, as `sqlite3 .backup` makes it (WAL and all)."""
    with sqlite3.connect(source) as src, sqlite3.connect(target) as dst:
        src.backup(dst)


def test_views_and_relay_ahead_of_a_restored_store_refuse_and_the_cure_works(tmp_path, today, broker,
                                                                            unique_name):
    var = tmp_path / "var"
    store = tmp_path / "store.sqlite"
    url = f"sqlite:///{store}"
    prefix = unique_name("restored")

    def open_container():
        return make_container(url, var, today=today, topic_prefix=prefix,
                              kafka_bootstrap_servers=broker.bootstrap_servers)

    container = open_container()
    load_city(container, 5)
    container.close()
    copy_sqlite(store, tmp_path / "backup.sqlite")  # the backup: five facilities

    container = open_container()
    load_city(container, 10, start=5)
    for runner in container.runners():
        runner.catch_up()
    relay = build_relay(container, broker.bootstrap_servers, two_processes=False, **FAST_PRODUCER)
    relay.catch_up()
    relay.close()
    newest = container.app.recorder.max_notification_id()
    container.close()

    copy_sqlite(tmp_path / "backup.sqlite", store)  # restored: the last ten registrations are gone
    container = open_container()
    try:
        head = container.app.recorder.max_notification_id()
        assert head < newest

        env = {**os.environ, "DATABASE_URL": url, "ELDERCARE_VAR_DIR": str(var),
               "KAFKA_BOOTSTRAP_SERVERS": broker.bootstrap_servers, "ELDERCARE_TOPIC_PREFIX": prefix}
        status = subprocess.run([ELDERCARE, "projections", "status", "facility_list"], env=env,
                                capture_output=True, text=True, timeout=60)
        assert status.returncode == 0, status.stderr
        assert f"beyond the event store's last one ({head})" in status.stdout
        once = subprocess.run([ELDERCARE, "projections", "run", "--once", "facility_list"], env=env,
                              capture_output=True, text=True, timeout=60)
        assert once.returncode == 78 and "eldercare projections rebuild" in once.stderr
        assert "Traceback" not in once.stderr

        # a new registration takes a notification id the views already passed
        row = dict(list(facilities(16))[15])
        with structlog.testing.capture_logs() as logs:
            service = container.start_projections(poll_interval=0.05)
            container.dispatcher.dispatch("register_facility", row, CIVIL)
            service.stop()
            container.projection_service = None
        assert set(service.refused) == set(container.projections)  # every view was at `newest`
        assert {e["view"] for e in logs if e["event"] == "projection_refused"} == set(container.projections)
        assert create_app(container).test_client().get(f"/api/v1/facilities/{row['uscc']}").status_code == 404
        with pytest.raises(AheadOfStore):
            container.runner("facility_list").catch_up()

        relay = build_relay(container, broker.bootstrap_servers, two_processes=False, **FAST_PRODUCER)
        with pytest.raises(AheadOfStore, match="relay reset"):
            relay.catch_up()
        relay.close()

        # new events soon bring the head past the views' positions: the refusal holds all the same
        load_city(container, 12, start=20)
        assert container.app.recorder.max_notification_id() > newest
        service = container.start_projections(poll_interval=0.05)
        service.stop()
        container.projection_service = None
        assert set(service.refused) == set(container.projections)
        with pytest.raises(AheadOfStore):
            container.runner("timeline").catch_up()
        status = subprocess.run([ELDERCARE, "projections", "status", "facility_list"], env=env,
                                capture_output=True, text=True, timeout=60)
        assert "beyond the event store's last one" in status.stdout
        written = subprocess.run([ELDERCARE, "--token", client_token(container), "facility", "register",
                                  "--data", json.dumps(dict(list(facilities(40))[39]), ensure_ascii=False)],
                                 env=env, capture_output=True, text=True, timeout=60)
        assert written.returncode == 0, written.stderr
        assert "warning: recorded as notification" in written.stderr

        health = create_app(container).test_client().get("/healthz").get_json()
        assert health["status"] == "degraded"
        what = [p["what"] for p in health["problems"]]
        assert any(w.startswith("facility_list: refused:") and "projections rebuild" in w for w in what)
        assert any(w.startswith("relay: refused:") and "relay reset" in w for w in what), what
        relay = build_relay(container, broker.bootstrap_servers, two_processes=False, **FAST_PRODUCER)
        with pytest.raises(AheadOfStore, match="relay reset"):  # recorded: the head passed it since
            relay.catch_up()
        relay.close()

        # the cures: rebuild the views, reset the relay
        rebuilt = subprocess.run([ELDERCARE, "projections", "rebuild"], env=env, capture_output=True,
                                 text=True, timeout=300)
        assert rebuilt.returncode == 0, rebuilt.stderr[-2000:]
        reset = subprocess.run([ELDERCARE, "relay", "reset", "--yes"], env=env, capture_output=True,
                               text=True, timeout=60)
        assert reset.returncode == 0, reset.stderr
        assert create_app(container).test_client().get(f"/api/v1/facilities/{row['uscc']}").status_code == 200
        relay = build_relay(container, broker.bootstrap_servers, two_processes=False, **FAST_PRODUCER)
        assert relay.catch_up() == container.app.recorder.max_notification_id()
        relay.close()
        records = read_topic(broker.bootstrap_servers, f"{prefix}.facilities")
        ids = {r.headers and dict(r.headers)["ce_id"].decode() for r in records}
        assert facility_event_ids(container) <= ids  # the new registration too, under its own id
        assert create_app(container).test_client().get("/healthz").get_json()["status"] == "ok"
        head = container.app.recorder.max_notification_id()
        assert relay_view(container).max_tracking_id(container.app.name) == head
    finally:
        container.close()
