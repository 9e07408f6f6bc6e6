"""Reference downstream consumer (market supervision): mirror the joint-punishment list locally.

It shows the contract other agencies code against: parse records with the CloudEvents SDK, key =
USCC, latest record per key is the state, a tombstone deletes, `ce_id` de-duplicates the
at-least-once stream. The mirror keeps its own offsets in the same transaction as its rows, so a
crash of the mirror itself neither loses nor repeats an effect, and it needs no consumer group.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from typing import Any

import structlog
from sqlalchemy import Column, Integer, MetaData, String, Table, Text, create_engine, delete, select
from sqlalchemy.engine import Connection, Engine

from consumers.envelope import to_cloudevent

log = structlog.get_logger(__name__)


class MirrorStore:
    """The downstream agency's own tables (any SQLAlchemy database); one table set per list topic."""

    def __init__(self, url_or_engine: str | Engine, table: str = "mirror_joint_punishment") -> None:
        self.engine = (create_engine(url_or_engine, hide_parameters=True) if isinstance(url_or_engine, str)
                       else url_or_engine)
        self.metadata = MetaData()
        self.entries = Table(
            table, self.metadata,
            Column("uscc", String(18), primary_key=True),
            Column("entries", Text, nullable=False),
            Column("ce_id", String(200), nullable=False),
        )
        self.seen = Table(f"{table}_seen", self.metadata, Column("ce_id", String(200), primary_key=True))
        self.offsets = Table(
            f"{table}_offsets", self.metadata,
            Column("topic", String(200), primary_key=True),
            Column("partition", Integer, primary_key=True),
            Column("next_offset", Integer, nullable=False),
        )
        self.metadata.create_all(self.engine)

    def positions(self, topic: str) -> dict[int, int]:
        with self.engine.connect() as conn:
            rows = conn.execute(select(self.offsets).where(self.offsets.c.topic == topic)).all()
        return {r.partition: r.next_offset for r in rows}

    def current(self) -> dict[str, list[dict[str, Any]]]:
        with self.engine.connect() as conn:
            rows = conn.execute(select(self.entries).order_by(self.entries.c.uscc)).all()
        return {r.uscc: json.loads(r.entries) for r in rows}

    def apply(self, conn: Connection, record: Any) -> str:
        """One record's effect: upsert, delete (tombstone) or nothing (already seen)."""
        event = to_cloudevent(record.headers, record.key, record.value)
        ce_id = event.get_id()
        topic, partition = record.topic, record.partition
        conn.execute(delete(self.offsets).where(self.offsets.c.topic == topic,
                                                self.offsets.c.partition == partition))
        conn.execute(self.offsets.insert().values(topic=topic, partition=partition,
                                                  next_offset=record.offset + 1))
        if conn.execute(select(self.seen.c.ce_id).where(self.seen.c.ce_id == ce_id)).first():
            return "duplicate"
        conn.execute(self.seen.insert().values(ce_id=ce_id))
        uscc = (record.key or b"").decode()
        conn.execute(delete(self.entries).where(self.entries.c.uscc == uscc))
        data = event.get_data()
        if record.value is None or not data:
            return "deleted"
        conn.execute(self.entries.insert().values(
            uscc=uscc, entries=json.dumps(data["entries"], ensure_ascii=False, sort_keys=True), ce_id=ce_id))
        return "upserted"


class Mirror:
    """Follows one topic with manual partition assignment, from the stored offsets (or the start)."""

    def __init__(self, store: MirrorStore, topic: str, new_consumer: Callable[[], Any]) -> None:
        self.store = store
        self.topic = topic
        self.new_consumer = new_consumer
        self.counts = {"upserted": 0, "deleted": 0, "duplicate": 0}

    def _assign(self, consumer: Any, wait: float) -> bool:
        from kafka import TopicPartition

        deadline = time.monotonic() + wait
        partitions = consumer.partitions_for_topic(self.topic)
        while not partitions and time.monotonic() < deadline:
            time.sleep(0.2)
            partitions = consumer.partitions_for_topic(self.topic)
        if not partitions:
            return False
        tps = [TopicPartition(self.topic, p) for p in sorted(partitions)]
        consumer.assign(tps)
        stored = self.store.positions(self.topic)
        for tp in tps:
            if tp.partition in stored:
                consumer.seek(tp, stored[tp.partition])
            else:
                consumer.seek_to_beginning(tp)
        return True

    def run(self, stop: threading.Event, quiet_s: float | None = None) -> dict[str, int]:
        """Until `stop`, or (with `quiet_s`) until nothing arrived for that long: `--once`."""
        consumer = self.new_consumer()
        try:
            if not self._assign(consumer, wait=quiet_s or 30.0):
                log.warning("mirror_topic_missing", topic=self.topic)
                return self.counts
            last_record = time.monotonic()
            while not stop.is_set():
                polled = consumer.poll(timeout_ms=200)
                if not polled:
                    if quiet_s is not None and time.monotonic() - last_record >= quiet_s:
                        break
                    continue
                last_record = time.monotonic()
                with self.store.engine.begin() as conn:
                    for records in polled.values():
                        for record in records:
                            self.counts[self.store.apply(conn, record)] += 1
            log.info("mirror_stopped", topic=self.topic, **self.counts)
            return self.counts
        finally:
            consumer.close()
