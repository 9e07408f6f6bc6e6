"""A long catch-up translated in a second process publishes exactly what the one-process relay does.

The log (PostgreSQL) holds registrations, grade assessments (a `grades` list record each, built on
the list state the relay keeps across pages), a joint-punishment listing and its removal (a list
record, then a tombstone) and an event that can never be decoded (parked). The relay runs it once
with pages translated in its own process and once with the translator process
(consumers/relay_pipeline.py), pages of 10 so the state of one page's lists feeds the next while
both are in flight; every record sent to the real broker, the list state kept and the parked item
must be the same. A translator that dies mid-way costs a retry, never a record.
"""

from __future__ import annotations

import os
from datetime import timedelta
from typing import Any

import pytest

from consumers.envelope import to_cloudevent
from consumers.relay import PIPELINE, BrokerUnavailable, Relay
from infra.kafka_relay import TranslatorBuilder, build_relay
from infra.sample_city import facilities
from projections.parked import parked_store
from tests.faults.poison import undecodable
from tests.kafka_support import CIVIL, FAST_PRODUCER, list_facility, read_topic, revoke
from tests.support import make_container

pytestmark = pytest.mark.integration

PAGE = 10
UNDECODABLE = b"\xff{not json"  # tests.faults.poison.undecodable's state


@pytest.fixture
def container(pg_url, tmp_path, today, unique_name):
    c = make_container(pg_url, tmp_path / "var", today=today, topic_prefix=unique_name("two"))
    yield c
    c.close()


def _store_log(container: Any) -> None:
    app, load = container.app, container.dispatcher.load
    rows = list(facilities(40, seed=41))
    made = [app.new_facility(CIVIL, **load("register_facility", r)) for r in rows]
    for i, facility in enumerate(made):
        if i % 2 == 0:
            on = facility.registered_on
            for level in (2, 3):  # two assessments: the second replaces the first in the list
                facility.assess_grade(level=level, score=600 + level, parts={}, assessing_body="晋城市民政局",
                                      certificate_no=f"JC-{i}-{level}", valid_until=on + timedelta(days=1095),
                                      policy_version="test", occurred_on=on, actor=CIVIL.actor, source="api")
    app.save(*made[:20])
    undecodable(container)  # in the middle of the log: parked, the rest goes on
    app.save(*made[20:])
    list_facility(container.dispatcher, made[3].uscc, "晋民罚〔2026〕7号")
    revoke(container.dispatcher, "晋民罚〔2026〕7号")


def _run(relay: Relay) -> list[tuple[str, str | None, tuple[tuple[str, bytes], ...], bytes | None]]:
    sent: list[Any] = []
    original = relay._submit  # both paths hand records to the producer here (`send` and the pipelined pages)

    def capture(messages):
        sent.extend(messages)
        return original(messages)

    relay._submit = capture  # type: ignore[method-assign]
    head = relay.head()
    while relay.position() < head:
        relay.catch_up()
    relay.close()
    return [(m.topic, m.key, tuple(sorted(m.headers.items())), m.value) for m in sent]


def _state(container: Any, relay: Relay) -> tuple[Any, ...]:
    store = parked_store(container.datastore.engine)
    parked = [(p.position, p.error_class, p.error_message) for p in store.list(PIPELINE)]
    return relay.view.current(relay.catalogue.full("grades")), parked


def _reset(container: Any, relay: Relay) -> None:
    relay.view.drop_tables()
    relay.view.create_table()
    with container.datastore.engine.begin() as conn:
        parked_store(container.datastore.engine).forget_pipeline(conn, PIPELINE)


@pytest.mark.parametrize("pages_here_first", [0, 2], ids=["translator-only", "two-pages-here-first"])
def test_two_processes_publish_the_same_records_and_state_as_one(container, broker, monkeypatch,
                                                                pages_here_first):
    """`pages_here_first`: how many pages the relay's process publishes itself while the translator
    starts (it is made to wait that long, then for the translator to be ready) before handing over."""
    from consumers.relay_pipeline import Feed

    _store_log(container)
    one = build_relay(container, broker.bootstrap_servers, page_size=PAGE, two_processes=False,
                      **FAST_PRODUCER)
    records_one = _run(one)
    state_one = _state(container, one)
    _reset(container, one)

    two = build_relay(container, broker.bootstrap_servers, page_size=PAGE, **FAST_PRODUCER)
    assert two.pipeline is not None
    two.pipeline_min_events = 0  # this short log too (by default only a catch-up of 20,000)
    started: list[tuple[int, int]] = []
    begun: list[int] = []
    pages = two.pipeline.pages

    def counting(start, stop, page_size, **options):
        started.append((start, stop))
        return pages(start, stop, page_size, **options)

    asked = [0]
    ready, begin = Feed.ready, Feed.begin

    def ready_after_pages(feed):
        asked[0] += 1
        if asked[0] <= pages_here_first:
            return False
        while not ready(feed):
            feed.conn.poll(0.05)
        return True

    monkeypatch.setattr(Feed, "ready", ready_after_pages)
    monkeypatch.setattr(Feed, "begin", lambda feed, position: (begun.append(position), begin(feed, position)))
    two.pipeline.pages = counting  # type: ignore[method-assign]
    records_two = _run(two)
    assert started and started[0][0] == 0, "the catch-up went through the translator process"
    assert begun == [pages_here_first * PAGE], "the translator took over where the relay's process was"
    assert records_two == records_one
    topics = {topic.rpartition(".")[2] for topic, *_ in records_one}
    assert {"facilities", "grades", "joint-punishment"} <= topics, topics
    assert any(value is None for *_, value in records_one), "the listing's removal is a tombstone"
    assert _state(container, two) == state_one
    assert state_one[1] and "MapperDeserialisationError" in state_one[1][0][1]


class Collector:
    """The relay's end of the pipe, in-process: keeps what the translator sends."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, Any]] = []

    def send(self, item: tuple[str, Any]) -> None:
        self.sent.append(item)

    def poll(self, _timeout: float = 0) -> bool:
        return False

    def close(self) -> None:
        pass


def test_the_translator_carries_list_state_across_pages_nothing_committed_yet(container, broker):
    """With nothing committed between pages (the relay's process far behind), every page's list
    records must still build on the pages before it: the translator's own state, not the store's."""
    from consumers.relay_pipeline import _translate_pages

    _store_log(container)
    one = build_relay(container, broker.bootstrap_servers, page_size=2, two_processes=False, **FAST_PRODUCER)
    records_one = _run(one)
    _reset(container, one)  # the store holds no list state at all now
    conn = Collector()
    _translate_pages(conn, lambda: one.translator, 0, one.head(), 2)
    assert conn.sent[-1] == ("done", None)
    translated = [(m.topic, m.key, tuple(sorted(m.headers.items())), m.value)
                  for kind, batch in conn.sent if kind == "page" for m in batch.messages]
    assert translated == records_one
    assert any(value is None for *_, value in translated), "the removal found the listing of an earlier page"


class DyingBuilder(TranslatorBuilder):
    """A translator process that dies (no goodbye) after translating two pages."""

    def __call__(self):
        translator = super().__call__()
        translate = translator.translate
        calls = [0]

        def dying(notifications, batch):
            calls[0] += 1
            if calls[0] > 2:
                os._exit(3)
            translate(notifications, batch)

        translator.translate = dying
        return translator


def test_a_translator_that_dies_costs_a_retry_never_a_record(container, broker):
    from consumers.relay_pipeline import Pipeline, TranslatorFailed

    _store_log(container)
    relay = build_relay(container, broker.bootstrap_servers, page_size=PAGE, **FAST_PRODUCER)
    relay.pipeline = Pipeline(DyingBuilder(container.settings))
    relay.pipeline_min_events = 0
    relay.translate_while_translator_starts = False  # every page from the translator: it dies at the third
    sent: list[Any] = []
    original = relay._submit
    relay._submit = lambda messages: (sent.extend(messages), original(messages))[1]  # type: ignore[method-assign]
    with pytest.raises(TranslatorFailed, match="went away"):
        relay.catch_up()
    assert relay.position() == 2 * PAGE  # the two pages it sent are recorded, nothing beyond
    _retry_in_one_process_sends_nothing_twice(relay, sent)


class FailingBuilder(TranslatorBuilder):
    """A translator process that cannot build its translator (its store unreachable, say)."""

    def __call__(self):
        raise ConnectionError("the store is not reachable from the translator")


def test_a_translator_that_fails_to_start_stops_the_catch_up_after_the_pages_published_meanwhile(
        container, broker, monkeypatch):
    from consumers.relay_pipeline import Feed, Pipeline, TranslatorFailed

    _store_log(container)
    relay = build_relay(container, broker.bootstrap_servers, page_size=PAGE, **FAST_PRODUCER)
    relay.pipeline = Pipeline(FailingBuilder(container.settings))
    relay.pipeline_min_events = 0
    asked = [0]
    ready = Feed.ready

    def ready_after_one_page(feed):
        asked[0] += 1
        if asked[0] == 1:
            return False  # one page published here first
        while not ready(feed):  # raises once the translator reports its failure
            feed.conn.poll(0.05)
        return True

    monkeypatch.setattr(Feed, "ready", ready_after_one_page)
    sent: list[Any] = []
    original = relay._submit
    relay._submit = lambda messages: (sent.extend(messages), original(messages))[1]  # type: ignore[method-assign]
    with pytest.raises(TranslatorFailed, match="not reachable"):
        relay.catch_up()
    assert relay.position() == PAGE  # the page published here is recorded, nothing beyond
    _retry_in_one_process_sends_nothing_twice(relay, sent)


def _retry_in_one_process_sends_nothing_twice(relay: Any, sent: list[Any]) -> None:
    relay.pipeline = None
    relay.catch_up()
    assert relay.position() == relay.head()
    ids = [m.ce_id for m in sent]
    assert len(ids) == len(set(ids)), "nothing published twice: the retry starts at the position"
    relay.close()


def test_a_stall_with_the_next_page_in_flight_costs_a_retry_never_a_record_or_a_duplicate(container, broker):
    """Pages are pipelined: page n+1 is with the producer before page n's acks are looked at. A
    record that the broker does not take (a stall) fails its page while the next one is in
    flight: the position stops at the page's acknowledged prefix, the next page's acknowledged records are
    remembered, and the retry sends only what was not acknowledged — every record on the broker
    once."""
    from tests.faults.test_relay_faults import StallingProducer

    _store_log(container)
    relay = build_relay(container, broker.bootstrap_servers, page_size=PAGE, **FAST_PRODUCER)
    notes = container.app.recorder.select_notifications(relay.position() + 1, 10_000)
    facility_notes = [n for n in notes if ":Facility." in n.topic and n.state != UNDECODABLE]
    at = notes.index(facility_notes[0]) + 2 * PAGE + PAGE // 2  # mid-page, two pages of facilities in
    stalled_note, page = notes[at], at // PAGE  # (the seed agencies fill the first pages)
    assert stalled_note in facility_notes and len(notes) > (page + 1) * PAGE
    stall = f"{stalled_note.originator_id}:{stalled_note.originator_version}"
    relay.pipeline_min_events = 0
    relay.translate_while_translator_starts = False  # every page through the pipelined loop
    real_factory = relay.new_producer
    stalled: list[bool] = []
    relay.new_producer = lambda: StallingProducer(real_factory(), stall, stalled)
    submitted: list[int] = []
    original = relay._submit
    relay._submit = lambda messages: (submitted.append(len(messages)), original(messages))[1]  # type: ignore[method-assign]
    try:
        with pytest.raises(BrokerUnavailable, match="Failed to update metadata"):
            relay.catch_up()
        assert stalled, "the stall happened"
        assert len(submitted) == page + 2, "the next page was in flight when the stalled one failed"
        prefix = relay.position()
        assert notes[page * PAGE - 1].id <= prefix < stalled_note.id  # the page's acknowledged prefix
        assert relay.acknowledged_ahead, "the next page's acknowledged records are remembered"
        relay.catch_up()
        assert relay.position() == relay.head()
    finally:
        relay.close()
    topic = f"{container.settings.topic_prefix}.facilities"
    expected = [f"{n.originator_id}:{n.originator_version}" for n in facility_notes]
    records = read_topic(broker.bootstrap_servers, topic, expected=len(expected))
    ids = [to_cloudevent(r.headers, r.key, r.value).get_id() for r in records]
    assert sorted(ids) == sorted(expected), "every record once: none lost, none acknowledged sent again"
