"""The relay keeps publishing where it published before: a changed ELDERCARE_TOPIC_PREFIX is refused
(new topics would hold only the events from then on, while the relay reported no lag) until the
operator puts it back or runs `eldercare relay reset`, which publishes the whole log again under the
new prefix (real PostgreSQL, real broker, the CLI as an operator runs it)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

import pytest
import structlog
import structlog.testing

from consumers.envelope import to_cloudevent
from consumers.relay import DestinationChanged, PositionMoved, start_relay_thread
from infra.kafka_relay import build_relay, catalogue, relay_view
from supervision.api import create_app
from tests.integration.test_relay_faults import facility_event_ids, load_city, mirror_of
from tests.kafka_support import CIVIL, FAST_PRODUCER, read_topic
from tests.support import make_container

pytestmark = pytest.mark.integration

ELDERCARE = str(Path(sys.executable).parent / "eldercare")


def cli(pg_url: str, var: Path, bootstrap: str, prefix: str, *args: str, timeout: float = 60):
    env = {**os.environ, "DATABASE_URL": pg_url, "KAFKA_BOOTSTRAP_SERVERS": bootstrap,
           "ELDERCARE_TOPIC_PREFIX": prefix, "ELDERCARE_VAR_DIR": str(var)}
    return subprocess.run([ELDERCARE, *args], env=env, capture_output=True, text=True, timeout=timeout)


def test_a_changed_topic_prefix_is_refused_until_reset_and_reset_publishes_everything_again(
        pg_url, tmp_path, today, broker, unique_name):
    old, new = unique_name("dest-old"), unique_name("dest-new")
    var = tmp_path / "var"
    container = make_container(pg_url, var, today=today, topic_prefix=old,
                               kafka_bootstrap_servers=broker.bootstrap_servers)
    renamed = None
    try:
        grades = load_city(container, 30)
        relay = build_relay(container, broker.bootstrap_servers, page_size=20, two_processes=False,
                            **FAST_PRODUCER)
        head = container.app.recorder.max_notification_id()
        assert relay.catch_up() == head
        relay.close()
        view = relay_view(container)
        assert view.destination(container.app.name) == old

        # the same store under another prefix: `relay run` stops at once with a configuration error
        refused = cli(pg_url, var, broker.bootstrap_servers, new, "relay", "run")
        assert refused.returncode == 78, refused.stderr[-2000:]
        assert f"under the topic prefix {old!r}" in refused.stderr
        assert "eldercare relay reset" in refused.stderr
        assert "Traceback" not in refused.stderr
        assert read_topic(broker.bootstrap_servers, f"{new}.facilities", timeout=3) == []
        assert view.max_tracking_id(container.app.name) == head  # nothing moved

        status = cli(pg_url, var, broker.bootstrap_servers, new, "relay", "status")
        assert status.returncode == 0, status.stderr
        assert f'"published_under": "{old}"' in status.stdout
        assert f"ELDERCARE_TOPIC_PREFIX is {new!r}" in status.stdout

        # /healthz of a server configured with the new prefix says why the topics stay empty
        renamed = make_container(pg_url, var, today=today, topic_prefix=new, seed=False,
                                 kafka_bootstrap_servers=broker.bootstrap_servers)
        health = create_app(renamed).test_client().get("/healthz").get_json()
        assert health["status"] == "degraded" and health["relay"]["lag"] == 0
        assert any(p["what"].startswith("relay: refuses to publish:") and new in p["what"]
                   for p in health["problems"])

        # reset: without --yes nothing changes; with it, position and list state are forgotten
        dry = cli(pg_url, var, broker.bootstrap_servers, new, "relay", "reset")
        assert dry.returncode == 2 and "--yes" in dry.stderr
        assert view.max_tracking_id(container.app.name) == head
        done = cli(pg_url, var, broker.bootstrap_servers, new, "relay", "reset", "--yes")
        assert done.returncode == 0, done.stderr
        assert f'"forgotten_position": {head}' in done.stdout
        assert view.max_tracking_id(container.app.name) is None and view.current("grades") == {}
        assert view.destination(container.app.name) == new

        # the old relay, still running, finds its position moved, then refuses: nothing recorded
        container.dispatcher.dispatch("register_facility", load_one(container), CIVIL)
        with pytest.raises(PositionMoved):
            relay.catch_up()
        with pytest.raises(DestinationChanged):
            relay.catch_up()
        assert view.max_tracking_id(container.app.name) is None
        relay.close()

        # the new relay publishes the whole log under the new prefix, list topics whole again
        relay = build_relay(renamed, broker.bootstrap_servers, page_size=20, two_processes=False,
                            **FAST_PRODUCER)
        head = renamed.app.recorder.max_notification_id()
        assert relay.catch_up() == head
        relay.close()
        expected = facility_event_ids(renamed)
        records = read_topic(broker.bootstrap_servers, f"{new}.facilities", expected=len(expected))
        assert {to_cloudevent(r.headers, r.key, r.value).get_id() for r in records} == expected
        mirrored = mirror_of(broker.bootstrap_servers, catalogue(renamed).full("grades"),
                             tmp_path / "m.sqlite", "m_grades")
        assert {u: e[0]["level"] for u, e in mirrored.items()} == grades
        assert mirrored == view.current("grades")
        assert create_app(renamed).test_client().get("/healthz").get_json()["status"] == "ok"
    finally:
        container.close()
        if renamed is not None:
            renamed.close()


def load_one(container) -> dict:
    from infra.sample_city import facilities

    row = list(facilities(31))[30]
    return dict(row)


def test_a_relay_from_before_the_check_adopts_its_prefix(pg_url, tmp_path, today, broker, unique_name):
    first, second = unique_name("adopt-a"), unique_name("adopt-b")
    container = make_container(pg_url, tmp_path / "var", today=today, topic_prefix=first)
    try:
        load_city(container, 5)
        view = relay_view(container)
        name = container.app.name
        relay = build_relay(container, broker.bootstrap_servers, two_processes=False, **FAST_PRODUCER)
        assert relay.catch_up() == container.app.recorder.max_notification_id()
        relay.close()
        # a store whose relay published before prefixes were recorded: the configured one is adopted
        with view.transaction(commit=True) as session:
            session.execute(view.destination_table.delete())
        relay = build_relay(container, broker.bootstrap_servers, two_processes=False, **FAST_PRODUCER)
        assert relay.catch_up() == 0
        assert view.destination(name) == first
        # and from then on another one is refused, before anything is sent
        relay.catalogue.prefix = second
        relay._destination_checked = False
        with pytest.raises(DestinationChanged, match=f"under the topic prefix {first!r}"):
            relay.catch_up()
        # in `serve`'s worker the relay thread ends with one error line; it is never retried
        with structlog.testing.capture_logs() as logs:
            stopper = start_relay_thread(relay, poll_interval=0.05)
            time.sleep(1.0)
            stopper()
        assert [e["event"] for e in logs if e["log_level"] == "error"] == ["relay_refused"]
        assert not [e for e in logs if e["event"] in ("relay_failed", "relay_broker_unavailable")]
        assert view.destination(name) == first
    finally:
        container.close()


def test_healthz_says_when_the_relay_leaves_events_unpublished(pg_url, tmp_path, today, broker, unique_name):
    """A broker down or a relay stopped: the topics other agencies read stop while every view is
    current. /healthz says so once the oldest unpublished event waited longer than the stall bound."""
    container = make_container(pg_url, tmp_path / "var", today=today, topic_prefix=unique_name("stall"),
                               kafka_bootstrap_servers=broker.bootstrap_servers)
    try:
        load_city(container, 3)
        relay = build_relay(container, broker.bootstrap_servers, two_processes=False, **FAST_PRODUCER)
        relay.catch_up()
        for runner in container.runners():
            runner.catch_up()
        client = create_app(container).test_client()
        assert client.get("/healthz").get_json()["status"] == "ok"

        load_city(container, 2, start=3)  # stored, not relayed: the relay is not running
        for runner in container.runners():
            runner.catch_up()
        container.settings = replace(container.settings, health_stall_s=1.0)
        body = client.get("/healthz").get_json()
        assert body["status"] == "ok" and body["relay"]["lag"] > 0  # waiting less than the bound
        time.sleep(1.5)
        body = client.get("/healthz").get_json()
        assert body["status"] == "degraded"
        assert [p["what"].split(":")[:2] for p in body["problems"]] == [["relay", " stalled"]]
        relay.catch_up()
        relay.close()
        assert client.get("/healthz").get_json()["status"] == "ok"
    finally:
        container.close()
