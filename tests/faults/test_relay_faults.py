"""The relay never stops behind one record, and never re-sends what the broker acknowledged.

On the real broker: a facility whose record is larger than the producer's 1 MiB request limit and a
stored event that cannot be translated sit in the middle of good ones. Both are parked with their
position and reason; every good event reaches its topic exactly once; the position reaches the head.
A broker that stops answering mid-batch costs a retry of the records after the acknowledged prefix
only.
"""

from __future__ import annotations

import pytest
from kafka.errors import KafkaTimeoutError

from consumers.envelope import to_cloudevent
from consumers.relay import BrokerUnavailable
from infra.kafka_relay import build_relay
from projections.parked import parked_store
from tests.faults.poison import register, sample_rows, undecodable
from tests.kafka_support import FAST_PRODUCER, read_topic
from tests.support import make_container

pytestmark = pytest.mark.integration


@pytest.fixture
def kafka_container(pg_url, tmp_path, today, unique_name):
    # events of up to 4 MiB are stored (as before the door existed, or by another deployment): the relay
    # (1 MiB producer limit) must park what it can never publish
    c = make_container(pg_url, tmp_path / "var", today=today, topic_prefix=unique_name("faults"),
                       max_message_bytes=4 * 1024 * 1024)
    yield c
    c.close()


def facility_ids(container, positions: set[int]) -> set[str]:
    return {f"{n.originator_id}:{n.originator_version}"
            for n in container.app.recorder.select_notifications(1, 100_000)
            if ":Facility." in n.topic and n.id not in positions}


def published_ids(bootstrap: str, container, expected: int) -> list[str]:
    topic = f"{container.settings.topic_prefix}.facilities"
    records = read_topic(bootstrap, topic, expected=expected)
    return [to_cloudevent(r.headers, r.key, r.value).get_id() for r in records]


@pytest.mark.parametrize("client", ["kafka-python", "confluent"])
@pytest.mark.parametrize("pipelined", [False, True], ids=["one-process", "two-processes-pipelined"])
def test_an_oversize_or_untranslatable_event_is_parked_and_the_rest_published_once(kafka_container, broker,
                                                                                    client, pipelined):
    """`pipelined`: pages of 3 translated in the second process and sent with the next page already
    in flight when the oversize one fails (the producer is replaced after it: the page in flight is
    settled first)."""
    c = kafka_container
    rows = sample_rows(12)
    register(c, rows[:5])
    poison = {"oversize": register(c, rows[5:6], name="康" * 600_000)[0], "undecodable": undecodable(c)}
    register(c, rows[6:])
    relay = build_relay(c, broker.bootstrap_servers, client=client, page_size=3 if pipelined else 100,
                        **FAST_PRODUCER)
    if pipelined:
        relay.pipeline_min_events = 0
        relay.translate_while_translator_starts = False
        submitted: list[int] = []
        original = relay._submit
        relay._submit = lambda m: (submitted.append(len(m)), original(m))[1]  # type: ignore[method-assign]
    try:
        relay.catch_up()
        assert relay.position() == c.app.recorder.max_notification_id()
        status = relay.status()
    finally:
        relay.close()
    if pipelined:
        assert len(submitted) > 5, "the pages went through the pipelined loop"
    parked = {p.position: p for p in parked_store(c.datastore.engine).list("relay")}
    assert set(parked) == set(poison.values()) and status.parked == 2
    assert "MessageSizeTooLarge" in parked[poison["oversize"]].error_class
    assert "MapperDeserialisationError" in parked[poison["undecodable"]].error_class
    expected = facility_ids(c, set(poison.values()))
    ids = published_ids(broker.bootstrap_servers, c, len(expected))
    assert sorted(ids) == sorted(expected)  # every good event exactly once, no poison


class StallingProducer:
    """The real producer, except that one record's send times out once (a broker that stalls)."""

    def __init__(self, real, stall_ce_id: str, stalled: list[bool]) -> None:
        self.real = real
        self.stall_ce_id = stall_ce_id
        self.stalled = stalled  # shared by the replacement producers: it stalls once in all

    def send(self, topic, value=None, key=None, headers=None):
        ce_id = dict(headers or []).get("ce_id", b"").decode()
        if ce_id == self.stall_ce_id and not self.stalled:
            self.stalled.append(True)
            raise KafkaTimeoutError("Failed to update metadata after 1.0 secs.")
        return self.real.send(topic, value=value, key=key, headers=headers)

    def __getattr__(self, name):
        return getattr(self.real, name)


def test_records_acknowledged_before_a_stall_are_not_sent_again(kafka_container, broker):
    c = kafka_container
    rows = sample_rows(10)
    seeded = c.app.recorder.max_notification_id() or 0  # the seed agencies (not relayed)
    register(c, rows)
    notes = c.app.recorder.select_notifications(seeded + 1, 100)
    stall = f"{notes[6].originator_id}:{notes[6].originator_version}"
    relay = build_relay(c, broker.bootstrap_servers, page_size=100, **FAST_PRODUCER)
    real_factory = relay.new_producer
    stalled: list[bool] = []
    relay.new_producer = lambda: StallingProducer(real_factory(), stall, stalled)
    try:
        with pytest.raises(BrokerUnavailable, match="Failed to update metadata"):
            relay.publish_batch()
        assert relay.position() == notes[5].id  # the acknowledged prefix is committed
        relay.catch_up()
        assert relay.position() == c.app.recorder.max_notification_id()
    finally:
        relay.close()
    expected = facility_ids(c, set())
    ids = published_ids(broker.bootstrap_servers, c, len(expected))
    assert sorted(ids) == sorted(expected)  # nothing acknowledged was sent twice
