"""Faults against the real broker: kill -9 of the relay, a paused broker, a broker that is not there
yet, poison inbound records. In every case nothing is lost and the downstream mirror stays exact."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import structlog
from kafka import KafkaConsumer, TopicPartition

from consumers.envelope import to_cloudevent
from consumers.inbound import InboundConsumer
from consumers.mirror import Mirror, MirrorStore
from infra.broker import LocalBroker, free_port
from infra.kafka_relay import build_relay, catalogue, relay_view
from infra.sample_city import facilities
from supervision.application import Context
from supervision.domain.values import Actor
from tests.kafka_support import (
    CIVIL,
    FAST_GROUP,
    FAST_PRODUCER,
    inbound_record,
    list_facility,
    produce,
    read_topic,
)
from tests.support import facility_payload, make_container

pytestmark = pytest.mark.integration

ELDERCARE = str(Path(sys.executable).parent / "eldercare")


def load_city(container, count: int, graded_every: int = 3, start: int = 0) -> dict[str, int]:
    """`count` facilities (the sample city's from `start` on) in one batch, every `graded_every`-th
    graded: returns the expected grades."""
    app = container.app
    rows = list(facilities(start + count))[start:]
    built = [app.new_facility(CIVIL, **container.dispatcher.load("register_facility", r)) for r in rows]
    assert app.register_facilities(built) == [None] * count
    grades = {}
    for i, facility in enumerate(built):
        if i % graded_every == 0:
            facility.assess_grade(level=3, score=620, parts={}, assessing_body="晋城市民政局",
                                  certificate_no=f"JC-{i}", valid_until=app.today().replace(year=2029),
                                  policy_version="test", occurred_on=app.today(), actor=CIVIL.actor,
                                  source="api")
            grades[facility.uscc] = 3
    app._save(*[f for i, f in enumerate(built) if i % graded_every == 0])
    return grades


def facility_event_ids(container) -> set[str]:
    return {f"{n.originator_id}:{n.originator_version}"
            for n in container.app.recorder.select_notifications(1, 1_000_000)
            if ":Facility." in n.topic}


def mirror_of(bootstrap: str, topic: str, path: Path, table: str) -> dict:
    store = MirrorStore(f"sqlite:///{path}", table=table)
    Mirror(store, topic, lambda: KafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)).run(
        threading.Event(), quiet_s=1.5)
    return store.current()


def wait_for(predicate, timeout: float, interval: float = 0.02) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(interval)
    return predicate()


def test_relay_killed_mid_stream_resumes_and_loses_nothing(pg_url, tmp_path, today, broker, unique_name):
    prefix = unique_name("kill")
    container = make_container(pg_url, tmp_path / "var", today=today, topic_prefix=prefix)
    try:
        expected_grades = load_city(container, 1500)
        d = container.dispatcher
        listed = {}
        for i, row in enumerate(list(facilities(3))[1:3]):
            listed[row["uscc"]] = list_facility(d, row["uscc"], f"晋民罚〔2026〕{i + 10}号")
        head = container.app.recorder.max_notification_id()
        view = relay_view(container)
        env = {**os.environ, "DATABASE_URL": pg_url, "KAFKA_BOOTSTRAP_SERVERS": broker.bootstrap_servers,
               "ELDERCARE_TOPIC_PREFIX": prefix, "ELDERCARE_VAR_DIR": str(tmp_path / "var"),
               "ELDERCARE_LOG_FORMAT": "json"}
        cmd = [ELDERCARE, "relay", "run", "--batch-size", "20", "--request-timeout-ms", "1000"]
        position = lambda: view.max_tracking_id(container.app.name) or 0  # noqa: E731

        first = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        assert wait_for(lambda: position() >= head // 3, 60), first.stderr.read().decode()[-2000:]
        first.send_signal(signal.SIGKILL)
        first.wait(10)
        killed_at = position()
        assert 0 < killed_at < head, "the kill must land mid-stream"

        second = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        try:
            assert wait_for(lambda: position() == head, 120), second.stderr.read().decode()[-2000:]
        finally:
            second.send_signal(signal.SIGTERM)
            assert second.wait(30) == 0

        cat = catalogue(container)
        expected_ids = facility_event_ids(container)
        records = read_topic(broker.bootstrap_servers, cat.full("facilities"), expected=len(expected_ids))
        ids = [to_cloudevent(r.headers, r.key, r.value).get_id() for r in records]
        assert set(ids) == expected_ids  # every event at least once
        assert len(ids) - len(set(ids)) <= 20 + 20  # at most the batch in flight when killed, re-sent

        grades = mirror_of(broker.bootstrap_servers, cat.full("grades"), tmp_path / "m.sqlite", "m_grades")
        assert {u: e[0]["level"] for u, e in grades.items()} == expected_grades  # no gaps, no extras
        assert grades == view.current("grades")
        jp = mirror_of(broker.bootstrap_servers, cat.full("joint-punishment"), tmp_path / "m.sqlite", "m_jp")
        assert set(jp) == set(listed) and all(len(e) == 1 for e in jp.values())  # no duplicates
        assert jp == view.current("joint-punishment")
    finally:
        container.close()


def test_paused_broker_makes_the_relay_retry_and_catch_up(pg_url, tmp_path, today, fresh_broker):
    """Events stored while the broker is paused make the relay fail (it must: the test waits for
    the failure before resuming), then it catches up, logs its recovery, and nothing is lost."""
    container = make_container(pg_url, tmp_path / "var", today=today)
    relay = build_relay(container, fresh_broker.bootstrap_servers, page_size=50, ack_timeout=2.0,
                        backoff=(0.2, 1.0), **FAST_PRODUCER)
    stop = threading.Event()
    thread = threading.Thread(target=relay.run_forever, args=(stop, 0.05))
    try:
        load_city(container, 600)
        with structlog.testing.capture_logs() as logs:
            thread.start()
            assert wait_for(lambda: relay.position() > 0, 30)
            fresh_broker.pause()
            # whether or not the relay had reached the head, these can only be published once resumed
            load_city(container, 600, start=600)
            head = container.app.recorder.max_notification_id()
            assert wait_for(lambda: any(e["event"] == "relay_broker_unavailable" for e in logs), 30), (
                "the relay must fail while the broker is paused")
            paused_at = relay.position()
            fresh_broker.resume()
            assert wait_for(lambda: relay.position() == head, 60), relay.last_error
            # logged at the first page published after the failure, before the head was reached
            assert wait_for(lambda: any(e["event"] == "relay_recovered" for e in logs), 5)
        assert paused_at < head, "the pause must land mid-stream"
        failed = next(i for i, e in enumerate(logs) if e["event"] == "relay_broker_unavailable")
        recovered = next(i for i, e in enumerate(logs) if e["event"] == "relay_recovered")
        assert failed < recovered and logs[recovered]["attempts"] >= 1
        assert relay.failed_attempts == 0 and relay.last_error is None
        records = read_topic(fresh_broker.bootstrap_servers, relay.catalogue.full("facilities"),
                             expected=len(facility_event_ids(container)))
        assert {to_cloudevent(r.headers, r.key, r.value).get_id() for r in records} == facility_event_ids(
            container)
    finally:
        if fresh_broker.is_paused:
            fresh_broker.resume()
        stop.set()
        thread.join(30)
        relay.reset_producer()
        container.close()


def test_broker_unreachable_at_start_is_retried_with_backoff_and_nothing_is_lost(pg_url, tmp_path, today):
    container = make_container(pg_url, tmp_path / "var", today=today)
    port = free_port()
    relay = build_relay(container, f"127.0.0.1:{port}", backoff=(0.2, 0.8), **FAST_PRODUCER)
    stop = threading.Event()
    thread = threading.Thread(target=relay.run_forever, args=(stop, 0.05))
    try:
        load_city(container, 50)
        head = container.app.recorder.max_notification_id()
        with structlog.testing.capture_logs() as logs:
            thread.start()
            assert wait_for(lambda: sum(e["event"] == "relay_broker_unavailable" for e in logs) >= 3, 30)
            assert relay.position() == 0 and "Unable to bootstrap" in (relay.last_error or "")
            waits = [e["retry_in_s"] for e in logs if e["event"] == "relay_broker_unavailable"]
            assert waits[:3] == [0.2, 0.4, 0.8] and all(e["bootstrap"] == f"127.0.0.1:{port}" for e in logs
                                                        if e["event"] == "relay_broker_unavailable")
            assert container.app.recorder.max_notification_id() == head  # the store kept everything
            with LocalBroker(port=port, log_dir=tmp_path) as late:
                assert wait_for(lambda: relay.position() == head, 30), relay.last_error
                records = read_topic(late.bootstrap_servers, relay.catalogue.full("facilities"),
                                     expected=len(facility_event_ids(container)))
                stop.set()
                thread.join(30)
                relay.reset_producer()
        assert {to_cloudevent(r.headers, r.key, r.value).get_id() for r in records} == facility_event_ids(
            container)
    finally:
        stop.set()
        thread.join(30)
        container.close()


FIRE_TYPE = "cn.eldercare.inbound.fire_finding.v1"


def finding(no: str, uscc: str = "91350100M000100Y43", **extra) -> dict:
    return {"schema_version": 1, "uscc": uscc, "finding_no": no, "category": "evacuation",
            "location": "2号楼疏散通道", "occurred_on": "2026-11-20", **extra}


def test_poison_inbound_records_go_to_the_dead_letter_topic_and_the_consumer_moves_on(
        pg_url, tmp_path, today, broker, unique_name):
    container = make_container(pg_url, tmp_path / "var", today=today, topic_prefix=unique_name("in"))
    container.dispatcher.dispatch("register_facility", facility_payload(), CIVIL)
    cat = catalogue(container)
    topic = cat.get("inbound.fire-safety-findings")
    source, dlq = cat.full(topic.name), cat.full(topic.dlq)
    poison = b"{not json"
    records = [
        inbound_record("m1", FIRE_TYPE, finding("XF-1"), key="91350100M000100Y43"),
        inbound_record("m2", FIRE_TYPE, poison, key="91350100M000100Y43"),
        inbound_record("m3", FIRE_TYPE, finding("XF-3", category="arson")),
        inbound_record("m4", FIRE_TYPE, finding("XF-4", uscc="91110000802100433B")),  # not registered
        inbound_record("m5", FIRE_TYPE, finding("XF-5"), key="91350100M000100Y43"),
        inbound_record("m1", FIRE_TYPE, finding("XF-1"), key="91350100M000100Y43"),  # redelivered
    ]
    produce(broker.bootstrap_servers, source, records)
    group = unique_name("g")
    ctx = Context(Actor("kafka-fire", "XFJY-350100", "fire"), source=f"kafka:{source}")
    consumer = InboundConsumer(
        topic, cat, container.dispatcher, ctx,
        lambda name: KafkaConsumer(name, bootstrap_servers=broker.bootstrap_servers, group_id=group,
                                   enable_auto_commit=False, auto_offset_reset="earliest", **FAST_GROUP),
        lambda: __import__("kafka").KafkaProducer(bootstrap_servers=broker.bootstrap_servers, acks="all"),
        poll_timeout_ms=200)
    stop = threading.Event()
    thread = threading.Thread(target=consumer.run, args=(stop,))
    thread.start()
    try:
        assert wait_for(lambda: sum(consumer.counts.values()) == 6, 30), consumer.counts
    finally:
        stop.set()
        thread.join(30)
    assert consumer.counts == {"accepted": 2, "duplicate": 1, "rejected": 3}
    stored = container.app.recorder.select_notifications(1, 100)
    cases = [n for n in stored if "FireSafetyCase.HazardFound" in n.topic]
    assert len(cases) == 2
    event = container.app.mapper.to_domain_event(cases[0])
    assert event.source == f"kafka:{source}" and event.actor.user == "kafka-fire"

    dead = read_topic(broker.bootstrap_servers, dlq, expected=3)
    dead.sort(key=lambda r: dict(r.headers)["ce_id"])  # unkeyed records land on any partition
    assert [dict(r.headers)["ce_id"] for r in dead] == [b"m2", b"m3", b"m4"]
    assert dead[0].value == poison and dead[0].key == b"91350100M000100Y43"  # original bytes
    reasons = [dict(r.headers)["dlq_reason"].decode() for r in dead]
    assert reasons[0].startswith("body is not UTF-8 JSON") and reasons[1] == "invalid record_fire_finding"
    assert "not registered" in reasons[2]
    assert b"category" in dict(dead[1].headers)["dlq_fields"]

    probe = KafkaConsumer(bootstrap_servers=broker.bootstrap_servers, group_id=group,
                          enable_auto_commit=False)
    try:
        committed = sum(probe.committed(TopicPartition(source, p)) or 0
                        for p in probe.partitions_for_topic(source))
    finally:
        probe.close()
    assert committed == 6  # everything handled was committed; a restart re-reads nothing
