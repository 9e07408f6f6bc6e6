"""Command → record on its topic, through `eldercare serve` with the relay in the background worker.

The worker's relay is woken by the `saved` datagram every API process sends after its append
(infra.wakeup, docs/processes.md), not by its poll interval. Measured: HTTP `PATCH` of a facility's
profile sent → its CloudEvent (`ce_id` = event id) read by a consumer that follows the topic
(`fetch_max_wait_ms` 10). Ceiling in the same run: the same consumer reading a record a bare
kafka-python producer (acks=all, idempotent) sends to the same broker. Goal (issue 15): p99 < 100 ms.

Small by default; ELDERCARE_BENCH_FULL=1 for 500 samples. Prints figures; asserts every record came.
"""

from __future__ import annotations

import json
import statistics
import threading
import time

import pytest
from kafka import KafkaConsumer, KafkaProducer, TopicPartition

from consumers.envelope import header
from infra.sample_city import facilities
from supervision.auth import TokenStore
from tests.benchmarks.conftest import report, size
from tests.benchmarks.serving import drive, serving
from tests.support import ROLE_ACTORS, fresh_pg_database, make_container

pytestmark = [pytest.mark.benchmark, pytest.mark.integration, pytest.mark.timeout(1200)]  # full size, loaded

SAMPLES = size(500, 40)


class Follower:
    """A consumer on every partition of `topic`, noting when each `ce_id` (or key) arrived."""

    def __init__(self, bootstrap: str, topic: str) -> None:
        self.arrived: dict[str, float] = {}
        self.consumer = KafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False,
                                      fetch_max_wait_ms=10)
        deadline = time.monotonic() + 30
        partitions = self.consumer.partitions_for_topic(topic)
        while not partitions and time.monotonic() < deadline:
            time.sleep(0.2)
            partitions = self.consumer.partitions_for_topic(topic)
        assert partitions, f"topic {topic} never appeared"
        self.consumer.assign([TopicPartition(topic, p) for p in partitions])
        self.consumer.seek_to_end()
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._follow, daemon=True)
        self.thread.start()

    def _follow(self) -> None:
        while not self.stop.is_set():
            for batch in self.consumer.poll(timeout_ms=20).values():
                now = time.perf_counter()
                for record in batch:
                    key = header(record.headers, "ce_id") or (record.key or b"").decode()
                    self.arrived.setdefault(key, now)

    def wait(self, key: str, since: float, budget: float = 15.0) -> float:
        """Milliseconds from `since` until `key` arrived."""
        deadline = time.perf_counter() + budget
        while key not in self.arrived and time.perf_counter() < deadline:
            time.sleep(0.0005)
        assert key in self.arrived, key
        return (self.arrived[key] - since) * 1000

    def close(self) -> None:
        self.stop.set()
        self.thread.join(10)
        self.consumer.close()


def _p99(latencies: list[float]) -> float:
    ordered = sorted(latencies)
    return ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]


def _summary(latencies: list[float]) -> str:
    return (f"p50 {statistics.median(latencies):.1f} ms, p99 {_p99(latencies):.1f} ms, "
            f"max {max(latencies):.1f} ms")


def test_command_to_topic_latency_through_serve(postgres, broker, unique_name, tmp_path):
    prefix = unique_name("c2t")
    var = tmp_path / "var"
    rows = list(facilities(10, seed=21))
    with fresh_pg_database() as url:
        make_container(url, var, topic_prefix=prefix).close()
        token = TokenStore(var / "tokens.json").issue(ROLE_ACTORS["civil_affairs"])
        auth = {"Authorization": f"Bearer {token}"}
        with serving(url, var, workers=2, KAFKA_BOOTSTRAP_SERVERS=broker.bootstrap_servers,
                     ELDERCARE_TOPIC_PREFIX=prefix) as port:
            registered = drive(port, lambda c, i: ("POST", "/api/v1/facilities", rows[i]), len(rows),
                               headers=auth)
            assert registered.ok() == len(rows), registered.bodies[:2]
            follower = Follower(broker.bootstrap_servers, f"{prefix}.facilities")
            try:
                time.sleep(1.0)  # the relay has published the registrations; the consumer is at the end
                product: list[float] = []
                for i in range(SAMPLES):
                    uscc = rows[i % len(rows)]["uscc"]
                    sent = time.perf_counter()
                    load = drive(port, lambda c, n, u=uscc, b=500 + i: (
                        "PATCH", f"/api/v1/facilities/{u}", {"total_beds": b}), 1, headers=auth,
                        keep_bodies=True)
                    assert load.ok() == 1, load.bodies
                    body = json.loads(load.bodies[0][1])
                    product.append(follower.wait(f"{body['id']}:{body['version']}", sent))
                producer = KafkaProducer(bootstrap_servers=broker.bootstrap_servers, acks="all",
                                         enable_idempotence=True, linger_ms=0)
                bare: list[float] = []
                for i in range(SAMPLES):
                    key = f"bare-{i}"
                    sent = time.perf_counter()
                    producer.send(f"{prefix}.facilities", key=key.encode(), value=b"{}")
                    producer.flush()
                    bare.append(follower.wait(key, sent))
                producer.close()
            finally:
                follower.close()
    report("command → record on topic (serve --workers 2, relay in the worker, PostgreSQL)", [
        ("samples", f"{SAMPLES}"),
        ("product: HTTP PATCH sent → its record consumed", _summary(product)),
        ("ceiling: bare producer send → record consumed", _summary(bare)),
        ("ratio p99 ceiling / product", f"{_p99(bare) / _p99(product):.2f}"),
    ])
