"""Helpers for tests against the real broker: read topics, produce inbound records, drive listings."""

from __future__ import annotations

import json
import time
from typing import Any

from kafka import KafkaConsumer, KafkaProducer, TopicPartition

from supervision.application import Context
from supervision.domain.values import Actor
from tests.support import ROLE_ACTORS

#: the dev broker answers JoinGroup after ~session_timeout_ms / 2
FAST_GROUP = {"session_timeout_ms": 2000, "heartbeat_interval_ms": 500, "max_poll_interval_ms": 10_000}
FAST_PRODUCER = {"request_timeout_ms": 1000, "delivery_timeout_ms": 30_000, "retry_backoff_ms": 100,
                 "bootstrap_timeout_ms": 1000, "reconnect_backoff_max_ms": 500}
CIVIL = Context(ROLE_ACTORS["civil_affairs"], source="api")
#: the 晋城市 bureau: the listing authority of the sample city's facilities (1405xx)
BUREAU = Context(Actor("jc-officer", "MZJ-140500", "civil_affairs"), source="api")


def read_topic(bootstrap: str, topic: str, expected: int | None = None, quiet: float = 1.5,
               timeout: float = 30.0) -> list[Any]:
    """Every record of `topic` from the beginning (manual assignment, no group): until `expected`
    records arrived and then `quiet` seconds without more, or `timeout`."""
    consumer = KafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
    try:
        deadline = time.monotonic() + timeout
        partitions = consumer.partitions_for_topic(topic)
        while not partitions and time.monotonic() < deadline:
            time.sleep(0.2)
            partitions = consumer.partitions_for_topic(topic)
        if not partitions:
            return []
        consumer.assign([TopicPartition(topic, p) for p in sorted(partitions)])
        consumer.seek_to_beginning()
        records: list[Any] = []
        last = time.monotonic()
        while time.monotonic() < deadline:
            polled = consumer.poll(timeout_ms=200)
            for batch in polled.values():
                records.extend(batch)
            if polled:
                last = time.monotonic()
            elif (expected is None or len(records) >= expected) and time.monotonic() - last >= quiet:
                break
        return records
    finally:
        consumer.close()


Record = tuple[bytes | None, dict[str, bytes], bytes | None]


def produce(bootstrap: str, topic: str, records: list[Record]) -> None:
    producer = KafkaProducer(bootstrap_servers=bootstrap, acks="all", enable_idempotence=True)
    try:
        for key, headers, value in records:
            producer.send(topic, key=key, value=value, headers=list(headers.items())).get(timeout=10)
    finally:
        producer.close()


def inbound_record(ce_id: str, ce_type: str, body: Any, key: str | None = None) -> tuple[
        bytes | None, dict[str, bytes], bytes]:
    headers = {"ce_specversion": b"1.0", "ce_id": ce_id.encode(), "ce_type": ce_type.encode(),
               "ce_source": b"/test/producer", "ce_time": b"2026-11-26T01:00:00Z",
               "content-type": b"application/json"}
    value = body if isinstance(body, bytes) else json.dumps(body, ensure_ascii=False).encode()
    return (key.encode() if key else None), headers, value


def list_facility(dispatcher: Any, uscc: str, decision_no: str, kind: str = "joint_punishment") -> str:
    """Penalty decision → proposal → notice → objection window passes → listed. Returns the listing id."""
    dispatcher.dispatch("record_penalty_decision", {
        "uscc": uscc, "decision_no": decision_no, "authority_kind": "civil_affairs",
        "conduct": "obstructing_inspection", "legal_basis": "《养老机构管理办法》第四十六条",
        "occurred_on": "2026-10-15"}, BUREAU)
    proposed = dispatcher.dispatch("propose_listing", {
        "uscc": uscc, "criterion": "obstructing_inspection", "list_kind": kind,
        "penalty_decision_no": decision_no, "occurred_on": "2026-10-20"}, BUREAU)
    listing_id = proposed.id
    dispatcher.dispatch("serve_listing_notice", {"listing_id": listing_id, "notice_no": f"N-{decision_no}",
                                                 "occurred_on": "2026-11-02"}, BUREAU)
    dispatcher.dispatch("confirm_listing", {"listing_id": listing_id, "occurred_on": "2026-11-26",
                                            "measures": ["key_supervision", "no_subsidies"]}, BUREAU)
    return listing_id


def revoke(dispatcher: Any, decision_no: str) -> None:
    dispatcher.dispatch("revoke_penalty_decision", {"decision_no": decision_no, "reason": "复议撤销",
                                                    "occurred_on": "2026-11-26"}, BUREAU)
