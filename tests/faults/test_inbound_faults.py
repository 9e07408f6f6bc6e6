"""An inbound consumer never re-polls one record for ever: every kind of poison goes to the DLQ.

On the real broker, between good 12345 work orders: a header *name* in GBK bytes (the client cannot
even parse the record), a value of `[`×5000 `]`×5000 (RecursionError), invalid JSON, a body failing
the schema, and a work order so large that its dead letter exceeds the DLQ producer's limit. Each
reaches the dead-letter topic with its reason (the oversize one truncated, with the original's
digest), the consumer commits past it, and every good work order after it is recorded exactly once.
Nothing of the complainant's identity is written to the log.
"""

from __future__ import annotations

import hashlib
import threading
import time

import pytest
import structlog
from kafka import KafkaConsumer, KafkaProducer, TopicPartition

from consumers.inbound import InboundConsumer
from infra.kafka_relay import catalogue
from projections.parked import parked_store
from supervision.application import Context
from supervision.domain.values import Actor
from tests.kafka_support import CIVIL, FAST_GROUP, inbound_record, read_topic
from tests.support import facility_payload, make_container

pytestmark = pytest.mark.integration

USCC = "91350100M000100Y43"
HOTLINE_TYPE = "cn.eldercare.inbound.hotline_complaint.v1"
PHONE = "13700001111"


class RawHeaderName(str):
    """A header name whose bytes on the wire are GBK, as a misconfigured producer sends them."""

    def __new__(cls, raw: bytes) -> RawHeaderName:
        made = super().__new__(cls, "x-gbk")
        made.raw = raw
        return made

    def encode(self, *args, **kwargs) -> bytes:
        return self.raw


def work_order(n: int, **extra) -> dict:
    return {"schema_version": 1, "uscc": USCC, "reference": f"12345-20261120-{n}", "category": "fees",
            "summary": "押金迟迟不退", "occurred_on": "2026-11-20",
            "complainant": {"name": "钱多多", "phone": PHONE}, **extra}


def send_all(bootstrap: str, topic: str, records: list) -> None:
    producer = KafkaProducer(bootstrap_servers=bootstrap, acks="all", max_request_size=4 * 1024 * 1024)
    try:
        for key, headers, value in records:
            producer.send(topic, key=key, value=value, headers=headers).get(timeout=10)
    finally:
        producer.close()


def test_every_kind_of_poison_record_is_dead_lettered_and_the_next_work_order_recorded(
        pg_url, tmp_path, today, broker, unique_name):
    container = make_container(pg_url, tmp_path / "var", today=today, topic_prefix=unique_name("in"))
    try:
        container.dispatcher.dispatch("register_facility", facility_payload(), CIVIL)
        cat = catalogue(container)
        topic = cat.get("inbound.hotline-complaints")
        source, dlq = cat.full(topic.name), cat.full(topic.dlq)

        def record(ce_id, body, extra_headers=()):
            key, headers, value = inbound_record(ce_id, HOTLINE_TYPE, body, key=USCC)
            return key, [*headers.items(), *extra_headers], value

        big = work_order(90, summary="很长" * 150_000)  # ~900 KB: its dead letter exceeds 512 KiB
        records = [
            record("w1", work_order(1)),
            record("gbk", work_order(2), [(RawHeaderName("投诉".encode("gbk")), b"1")]),
            record("w3", work_order(3)),
            record("deep", b"[" * 5000 + b"]" * 5000),
            record("w4", work_order(4)),
            record("json", b"{not json"),
            record("schema", {"schema_version": 1, "uscc": USCC}),  # no reference
            record("big", {**big, "uscc": "not-a-uscc"}),
            record("w5", work_order(5)),
        ]
        send_all(broker.bootstrap_servers, source, records)

        group = unique_name("g")
        ctx = Context(Actor("kafka-hotline-12345", "12345", "system"), source=f"kafka:{source}")
        consumer = InboundConsumer(
            topic, cat, container.dispatcher, ctx,
            lambda name: KafkaConsumer(name, bootstrap_servers=broker.bootstrap_servers, group_id=group,
                                       enable_auto_commit=False, auto_offset_reset="earliest", **FAST_GROUP),
            lambda: KafkaProducer(bootstrap_servers=broker.bootstrap_servers, acks="all",
                                  max_request_size=512 * 1024),
            poll_timeout_ms=200, parked=parked_store(container.datastore.engine))
        stop = threading.Event()
        with structlog.testing.capture_logs() as logs:
            thread = threading.Thread(target=consumer.run, args=(stop,))
            thread.start()
            try:
                deadline = time.monotonic() + 60
                while sum(consumer.counts.values()) < len(records) and time.monotonic() < deadline:
                    time.sleep(0.1)
            finally:
                stop.set()
                thread.join(30)
        assert consumer.counts == {"accepted": 4, "duplicate": 0, "rejected": 5}, consumer.counts

        stored = container.app.recorder.select_notifications(1, 1000)
        received = [container.app.mapper.to_domain_event(n) for n in stored if "Complaint" in n.topic
                    and n.originator_version == 1]
        assert sorted(e.reference for e in received) == [f"12345-20261120-{n}" for n in (1, 3, 4, 5)]

        dead = read_topic(broker.bootstrap_servers, dlq, expected=5)
        by_offset = {int(dict(r.headers)["dlq_source_offset"]): r for r in dead}
        assert sorted(by_offset) == [1, 3, 5, 6, 7]
        reasons = {o: dict(r.headers)["dlq_reason"].decode() for o, r in by_offset.items()}
        assert reasons[1].startswith("record cannot be read") and "UnicodeDecodeError" in reasons[1]
        assert not by_offset[1].value  # the client cannot read its bytes; its coordinates are kept
        assert "nests too deeply" in reasons[3]
        assert reasons[5].startswith("body is not UTF-8 JSON")
        assert "schema" in reasons[6]
        truncated = dict(by_offset[7].headers)
        assert truncated["dlq_truncated"] == b"true"
        original = records[7][2]
        assert truncated["dlq_original_sha256"].decode() == hashlib.sha256(original).hexdigest()
        assert by_offset[7].value == original[: len(by_offset[7].value)] and len(by_offset[7].value) < 200_000

        probe = KafkaConsumer(bootstrap_servers=broker.bootstrap_servers, group_id=group,
                              enable_auto_commit=False)
        try:
            committed = sum(probe.committed(TopicPartition(source, p)) or 0
                            for p in probe.partitions_for_topic(source))
        finally:
            probe.close()
        assert committed == len(records)  # a restart re-reads nothing
        assert parked_store(container.datastore.engine).list() == []  # the DLQ took every one
        assert PHONE not in repr(logs) and "钱多多" not in repr(logs)  # no identity in the logs
    finally:
        container.close()


def test_a_dead_letter_the_dlq_refuses_even_truncated_is_parked_locally_and_the_consumer_moves_on(
        pg_url, tmp_path, today, broker, unique_name):
    container = make_container(pg_url, tmp_path / "var", today=today, topic_prefix=unique_name("in"))
    try:
        container.dispatcher.dispatch("register_facility", facility_payload(), CIVIL)
        cat = catalogue(container)
        topic = cat.get("inbound.hotline-complaints")
        source = cat.full(topic.name)
        bad = inbound_record("bad", HOTLINE_TYPE, {"schema_version": 1, "uscc": USCC}, key=USCC)
        good = inbound_record("w1", HOTLINE_TYPE, work_order(1), key=USCC)
        send_all(broker.bootstrap_servers, source, [(k, list(h.items()), v) for k, h, v in (bad, good)])
        group = unique_name("g")
        ctx = Context(Actor("kafka-hotline-12345", "12345", "system"), source=f"kafka:{source}")
        store = parked_store(container.datastore.engine)
        consumer = InboundConsumer(
            topic, cat, container.dispatcher, ctx,
            lambda name: KafkaConsumer(name, bootstrap_servers=broker.bootstrap_servers, group_id=group,
                                       enable_auto_commit=False, auto_offset_reset="earliest", **FAST_GROUP),
            lambda: KafkaProducer(bootstrap_servers=broker.bootstrap_servers, acks="all",
                                  max_request_size=200),  # smaller than any dead letter's headers
            poll_timeout_ms=200, parked=store)
        stop = threading.Event()
        thread = threading.Thread(target=consumer.run, args=(stop,))
        thread.start()
        try:
            deadline = time.monotonic() + 60
            while sum(consumer.counts.values()) < 2 and time.monotonic() < deadline:
                time.sleep(0.1)
        finally:
            stop.set()
            thread.join(30)
        assert consumer.counts == {"accepted": 1, "duplicate": 0, "rejected": 1}
        [item] = store.list("inbound.hotline-complaints")
        assert (item.offset, item.item_id) == (0, "bad")
        assert "MessageSizeTooLarge" in item.error_class
        assert "body fails the topic schema" in item.error_message
        assert PHONE not in item.error_message
    finally:
        container.close()
