"""Relay throughput (events/s, acks=all, PostgreSQL store) against a bare kafka-python producer sending
the same records to the same broker, and end-to-end latency command → topic with the relay running.

Small by default; ELDERCARE_BENCH_FULL=1 relays 100k events. Prints figures; asserts only that every
record arrived.
"""

from __future__ import annotations

import statistics
import threading
import time

import pytest
from kafka import KafkaConsumer, KafkaProducer, TopicPartition

from consumers.envelope import Message, header
from infra.kafka_relay import build_relay
from infra.sample_city import facilities
from tests.benchmarks.conftest import report, size
from tests.kafka_support import CIVIL, read_topic
from tests.support import fresh_pg_database, make_container

pytestmark = [pytest.mark.benchmark, pytest.mark.integration]

N = size(100_000, 2_000)
LATENCY_SAMPLES = size(500, 50)
PRODUCER = {"acks": "all", "enable_idempotence": True, "linger_ms": 5, "batch_size": 131072}


def store_facilities(container, count: int) -> None:
    app, load = container.app, container.dispatcher.load
    rows = list(facilities(count))
    for start in range(0, count, 1000):
        batch = [app.new_facility(CIVIL, **load("register_facility", r)) for r in rows[start:start + 1000]]
        assert app.register_facilities(batch) == [None] * len(batch)


def test_relay_throughput_against_a_bare_producer(postgres, broker, unique_name, tmp_path):
    with fresh_pg_database() as url:
        container = make_container(url, tmp_path / "var", topic_prefix=unique_name("bench"), seed=False)
        try:
            store_facilities(container, N)
            relay = build_relay(container, broker.bootstrap_servers, page_size=1000, **PRODUCER)
            sent: list[Message] = []
            original = relay.send
            relay.send = lambda messages: (sent.extend(messages), original(messages))[1]  # type: ignore
            relay._producer()  # connect and create topics outside the timing
            started = time.perf_counter()
            assert relay.catch_up() == N
            relay_s = time.perf_counter() - started
            relay.close()
        finally:
            container.close()
    assert len(sent) == N

    bare_topic = unique_name("bare")
    producer = KafkaProducer(bootstrap_servers=broker.bootstrap_servers, **PRODUCER)
    producer.send(bare_topic, b"warm-up").get(timeout=10)
    started = time.perf_counter()
    for m in sent:
        producer.send(bare_topic, value=m.value, key=m.key.encode(), headers=m.kafka_headers())
    producer.flush()
    bare_s = time.perf_counter() - started
    producer.close()
    report("relay throughput (PostgreSQL store, acks=all, idempotent)", [
        ("events", f"{N}"),
        ("relay", f"{N / relay_s:,.0f} events/s ({relay_s:.2f} s: read log, decode, schema-check, "
                  "send, wait for acks, record position)"),
        ("bare producer", f"{N / bare_s:,.0f} records/s ({bare_s:.2f} s: same records, send + flush)"),
        ("relay / bare", f"{bare_s / relay_s:.2f}"),
    ])


def test_latency_from_command_to_topic(postgres, broker, unique_name, tmp_path):
    with fresh_pg_database() as url:
        container = make_container(url, tmp_path / "var", topic_prefix=unique_name("lat"))
        relay = build_relay(container, broker.bootstrap_servers, **PRODUCER)
        stop = threading.Event()
        arrived: dict[str, float] = {}
        rows = list(facilities(20))
        store_facilities(container, len(rows))
        relay.catch_up()
        topic = relay.catalogue.full("facilities")
        # the broker holds an empty fetch for fetch_max_wait_ms (default 500): a latency-minded
        # consumer shortens it
        consumer = KafkaConsumer(bootstrap_servers=broker.bootstrap_servers, enable_auto_commit=False,
                                 fetch_max_wait_ms=10)
        consumer.assign([TopicPartition(topic, p) for p in consumer.partitions_for_topic(topic)])
        consumer.seek_to_beginning()

        def follow() -> None:
            while not stop.is_set():
                for batch in consumer.poll(timeout_ms=50).values():
                    now = time.perf_counter()
                    for record in batch:
                        arrived.setdefault(header(record.headers, "ce_id") or "", now)

        threads = [threading.Thread(target=follow), threading.Thread(target=relay.run_forever, args=(stop,))]
        for thread in threads:
            thread.start()
        latencies = []
        try:
            for i in range(LATENCY_SAMPLES):
                uscc = rows[i % len(rows)]["uscc"]
                sent_at = time.perf_counter()
                accepted = container.dispatcher.dispatch("change_facility_profile",
                                                         {"uscc": uscc, "total_beds": 500 + i}, CIVIL)
                ce_id = f"{accepted.id}:{accepted.version}"
                deadline = sent_at + 10
                while ce_id not in arrived and time.perf_counter() < deadline:
                    time.sleep(0.0005)
                assert ce_id in arrived
                latencies.append((arrived[ce_id] - sent_at) * 1000)
        finally:
            stop.set()
            for thread in threads:
                thread.join(30)
            consumer.close()
            relay.close()
            container.close()
    latencies.sort()
    p99 = latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))]
    report("end-to-end latency command → topic (relay polling every 0.1 s, acks=all)", [
        ("samples", f"{len(latencies)}"),
        ("p50", f"{statistics.median(latencies):.1f} ms"),
        ("p99", f"{p99:.1f} ms"),
        ("max", f"{latencies[-1]:.1f} ms"),
    ])
    assert len(read_topic(broker.bootstrap_servers, topic, quiet=0.5)) >= 20 + LATENCY_SAMPLES
