"""The relay: a tracked projection whose "view" is the broker.

It reads the notification log in order, turns each event into CloudEvents records (its domain topic
and, when the event changes a list, the facility's current list entry), publishes them with the
idempotent producer (acks=all), waits until the broker acknowledged every record of the batch, and
only then records its position — together with the list state it published, in one transaction.

So a crash (even `kill -9`) between publishing and recording re-publishes the same records with the
same `ce_id` on restart: at-least-once, and consumers de-duplicate. A broker that is down, paused or
restarted (empty) costs retries with backoff, never an event: the position does not move until the
broker has the records. After any send error the producer is replaced, because an idempotent
producer's sequence state cannot be trusted afterwards (and is fatal after a broker restart).
"""

from __future__ import annotations

import contextlib
import gc
import json
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

import structlog
from eventsourcing.application import Application
from eventsourcing.persistence import Notification, Tracking
from sqlalchemy import Column, MetaData, String, Table, Text, delete, select, update
from sqlalchemy.orm import Session

from consumers.envelope import (
    SCHEMA_VERSION,
    Message,
    ce_type,
    encode_body,
    event_id,
    message,
    plain,
    rfc3339,
    snake,
)
from consumers.producers import KAFKA_PYTHON
from consumers.producers import producer_factory as make_producer_factory
from consumers.topics import LIST_KINDS, Catalogue, Topic
from projections.base import RowBuffer, View, any_of
from projections.failures import AheadOfStore, TransientFailure, is_transient, recorded_refusal, refuse_ahead
from projections.parked import notification_key, parked_store
from supervision.public.events import GradeListItem, ListingListItem, RecordedResultPublic, public_event_data
from supervision.unavailable import log_failure

log = structlog.get_logger(__name__)

#: the relay's name in `parked_items`
PIPELINE = "relay"

#: provenance fields, lifted out of `data` into the body's own fields
_META = {"originator_id", "originator_version", "originator_topic", "timestamp", "occurred_on", "actor",
         "source", "uscc"}
LISTED = {"Listing.Listed"}
UNLISTED = {"Listing.Removed", "Listing.Expired", "Listing.Dropped"}
GRADE_SET = {"Facility.GradeAssessed"}
GRADE_ENDED = {"Facility.Closed", "Facility.GradeLapsed", "Facility.GradeExpired", "Facility.GradeRevoked"}
LIST_EVENTS = LISTED | UNLISTED | GRADE_SET | GRADE_ENDED
#: what a list entry shows of a listing (objection texts and evidence stay internal)
LISTING_FIELDS = ("criterion", "criterion_title", "legal_basis", "authority", "penalty_decision_no",
                  "responsible_persons", "effective_on", "expires_on", "term_years", "measures")

#: producer settings measured against the dev broker (see infra/broker.py); production raises timeouts
PRODUCER_DEFAULTS: dict[str, Any] = {
    "acks": "all",
    "enable_idempotence": True,
    "linger_ms": 5,
    "batch_size": 131072,
    "request_timeout_ms": 30000,
    "delivery_timeout_ms": 120000,
    "retry_backoff_ms": 100,
    "max_in_flight_requests_per_connection": 5,
    # fail a connection attempt in bounded time, so an absent broker is logged and retried by us
    "bootstrap_timeout_ms": 10000,
    # a send to a topic whose partitions are not known yet waits for metadata at most this long
    # (kafka-python's default, 60 s, held the relay that long behind a paused broker)
    "max_block_ms": 10000,
    "reconnect_backoff_max_ms": 2000,
}


class RelayView(View):
    """No read model: the relay's tracking position plus the list state it last published."""

    name = "relay"

    def define_tables(self, metadata: MetaData) -> None:
        self.list_state = Table(
            "relay_list_state",
            metadata,
            Column("topic", String(40), primary_key=True),
            Column("uscc", String(18), primary_key=True),
            Column("item", String(80), primary_key=True),
            Column("data", Text, nullable=False),
        )
        self.destination_table = Table(
            "relay_destination",
            metadata,
            Column("application_name", String(80), primary_key=True),
            Column("topic_prefix", Text, nullable=False),
        )

    def destination(self, application_name: str) -> str | None:
        """The topic prefix the relay publishes the log under (recorded at its first start); None
        before that."""
        t = self.destination_table
        with self.engine.connect() as conn:
            return conn.execute(select(t.c.topic_prefix).where(t.c.application_name == application_name)
                                ).scalar_one_or_none()

    def record_destination(self, session: Session, application_name: str, topic_prefix: str) -> None:
        t = self.destination_table
        session.execute(delete(t).where(t.c.application_name == application_name))
        session.execute(t.insert().values(application_name=application_name, topic_prefix=topic_prefix))

    def start_over(self, application_name: str, topic_prefix: str) -> int:
        """Forget the position and the published list state, and record `topic_prefix` as where the
        whole log is published next (`eldercare relay reset`), in one transaction; returns the
        position forgotten. A relay still running under the old prefix finds its position moved at
        its next page (its transaction rolls back) and then refuses to go on (`DestinationChanged`)."""
        position = self.max_tracking_id(application_name) or 0
        table = self.tracking_record_cls.__table__
        parked = parked_store(self.engine)
        with self.transaction(commit=True) as session:
            session.execute(delete(table).where(table.c.application_name == application_name))
            session.execute(delete(self.list_state))
            parked.forget_pipeline(session, PIPELINE)  # republished from 1: a poison parks again
            self.record_destination(session, application_name, topic_prefix)
        return position

    def items(self, topic: str, uscc: str) -> dict[str, dict[str, Any]]:
        return self.items_of([(topic, uscc)])[(topic, uscc)]

    def items_of(self, keys: Iterable[tuple[str, str]]) -> dict[tuple[str, str], dict[str, dict[str, Any]]]:
        """The published list state of many (topic, USCC) keys in one query per topic (`_usccs_in`); {}
        for a key with none."""
        t = self.list_state
        out: dict[tuple[str, str], dict[str, dict[str, Any]]] = {key: {} for key in keys}
        with self.engine.connect() as conn:
            for topic, usccs in _by_topic(out).items():
                for chosen in self._usccs_in(usccs):
                    query = select(t.c.uscc, t.c.item, t.c.data).where(t.c.topic == topic, chosen)
                    for row in conn.execute(query):
                        out[(topic, row.uscc)][row.item] = json.loads(row.data)
        return out

    def _usccs_in(self, usccs: list[str]) -> Iterator[Any]:
        """Conditions `uscc ∈ usccs` (`projections.base.any_of`: one array parameter on PostgreSQL, so
        a table the planner knows nothing of yet — the first catch-up, after `relay reset` — is still
        read by key, not whole with each row compared with each code)."""
        return any_of(self.list_state.c.uscc, usccs, self.engine.dialect.name)

    def current(self, topic: str) -> dict[str, list[dict[str, Any]]]:
        """What the list topic holds per USCC (the reference consumer's mirror must equal this)."""
        t = self.list_state
        out: dict[str, list[dict[str, Any]]] = {}
        with self.engine.connect() as conn:
            for row in conn.execute(select(t).where(t.c.topic == topic).order_by(t.c.uscc, t.c.item)):
                out.setdefault(row.uscc, []).append(json.loads(row.data))
        return out

    def replace(self, session: Session, topic: str, uscc: str, items: dict[str, dict[str, Any]]) -> None:
        self.replace_many(session, {(topic, uscc): items})

    def replace_many(self, session: Session, lists: dict[tuple[str, str], dict[str, dict[str, Any]]]) -> None:
        """Set the list state of many (topic, USCC) keys: one DELETE per topic (`_usccs_in`), and the
        rows in one `COPY` on PostgreSQL (an executemany INSERT elsewhere: `RowBuffer`)."""
        t = self.list_state
        for topic, usccs in _by_topic(lists).items():
            for chosen in self._usccs_in(usccs):
                session.execute(delete(t).where(t.c.topic == topic, chosen))
        rows = RowBuffer(t)
        for (topic, uscc), items in lists.items():
            for item, data in items.items():
                rows.insert_new({"topic": topic, "uscc": uscc, "item": item,
                                 "data": encode_body(data, sort_keys=True).decode()})
        rows.flush(session)


    def move_position(self, session: Session, application_name: str, start: int, to: int) -> bool:
        """Move the position from `start` to `to` in the caller's transaction with one statement;
        False when it is not at `start` (another relay moved it, or it was never written)."""
        table = self.tracking_record_cls.__table__
        return bool(session.execute(
            update(table)
            .where(table.c.application_name == application_name, table.c.notification_id == start)
            .values(notification_id=to)
        ).rowcount)


def _by_topic(keys: Iterable[tuple[str, str]]) -> dict[str, list[str]]:
    grouped: dict[str, list[str]] = {}
    for topic, uscc in keys:
        grouped.setdefault(topic, []).append(uscc)
    return grouped


class BrokerUnavailable(TransientFailure):
    """The broker did not acknowledge a batch in time (down, paused, restarted): transient."""


#: what cures a relay ahead of its store, or one under a changed prefix
RESET_CURE = "publish the whole log again: `eldercare relay reset --yes`"


class PositionMoved(TransientFailure):
    """The recorded position is no longer where this relay left it (another relay moved it, or an
    operator reset it): nothing of the page is recorded; the next attempt reads it again."""


class DestinationChanged(Exception):
    """The relay published the log under one topic prefix and is configured with another: new
    topics would hold only the events from here on while the relay reports no lag. Permanent: the
    relay refuses to publish until the configuration is put back or `eldercare relay reset`
    publishes the whole log again under the new prefix."""

    def __init__(self, recorded: str, configured: str, position: int) -> None:
        done = (f"published notifications 1–{position} under the topic prefix {recorded!r}" if position
                else f"is set to publish the log under the topic prefix {recorded!r}")
        super().__init__(
            f"the relay {done}, but ELDERCARE_TOPIC_PREFIX is {configured!r}: topics under "
            f"{configured!r} would miss what was published. Set ELDERCARE_TOPIC_PREFIX={recorded} "
            f"again, or run `eldercare relay reset` to publish the whole log under {configured!r}")
        self.recorded, self.configured, self.position = recorded, configured, position


@dataclass
class Unit:
    """The records of one notification, and the list state they leave (to commit with the position).

    `error` is set when the notification could not be translated (it is parked, nothing is sent).
    """

    notification_id: int
    event_id: str | None
    messages: list[Message] = field(default_factory=list)
    lists: dict[tuple[str, str], dict[str, dict[str, Any]]] = field(default_factory=dict)
    error: BaseException | None = None


@dataclass
class Batch:
    """Records of a page of notifications plus the list state to commit with its position."""

    last: int
    messages: list[Message] = field(default_factory=list)
    lists: dict[tuple[str, str], dict[str, dict[str, Any]]] = field(default_factory=dict)
    skipped: int = 0
    units: list[Unit] = field(default_factory=list)


class EventTranslator:
    """Events → records. Reads the store for context an event lacks (a complaint's category on its
    conclusion, the result a publication makes public, a listing's facility)."""

    def __init__(self, app: Application[Any], catalogue: Catalogue, view: RelayView, source: str) -> None:
        self.app = app
        self.catalogue = catalogue
        self.view = view
        self.source = source
        self._first_events: OrderedDict[UUID, Any] = OrderedDict()
        self._unrouted: set[str] = set()

    # -- routing ---------------------------------------------------------------------------
    @staticmethod
    def event_type(notification: Notification) -> str:
        return notification.topic.rpartition(":")[2]

    def wanted(self, etype: str) -> bool:
        if self.catalogue.for_event(etype) is not None or etype in LIST_EVENTS:
            return True
        if etype not in self._unrouted:
            self._unrouted.add(etype)
            log.debug("event_not_relayed", event_type=etype)
        return False

    def translate(self, notifications: Iterable[Notification], batch: Batch) -> None:
        """Each notification becomes a `Unit` of records. One that cannot be translated (its state
        does not decode, its body fails the topic schema) is a unit with an `error`, to be parked;
        a transient failure (the store unreachable while reading context) is raised.

        The page's events are decoded first, so the list state of every facility a grade event
        touches is read in one query, not one per (topic, USCC)."""
        decoded: list[tuple[Unit, str, Any]] = []
        for notification in notifications:
            etype = self.event_type(notification)
            unit = Unit(notification.id, f"{notification.originator_id}:{notification.originator_version}")
            batch.units.append(unit)
            if not self.wanted(etype):
                batch.skipped += 1
                continue
            try:
                decoded.append((unit, etype, self.app.mapper.to_domain_event(notification)))
            except Exception as exc:
                if is_transient(exc):
                    raise
                unit.error = exc
        graded = {("grades", event.uscc) for _, etype, event in decoded
                  if etype in GRADE_SET | GRADE_ENDED and isinstance(getattr(event, "uscc", None), str)}
        if graded - batch.lists.keys():
            batch.lists.update(self.view.items_of(graded - batch.lists.keys()))
        for unit, etype, event in decoded:
            try:
                topic = self.catalogue.for_event(etype)
                if topic is not None:
                    unit.messages.append(self.domain_message(topic, etype, event))
                if etype in LIST_EVENTS:
                    # copy-on-write: the batch's list state changes only once the whole event translated
                    pending: dict[tuple[str, str], dict[str, dict[str, Any]]] = {}
                    unit.messages.extend(self.list_messages(etype, event, batch, pending))
                    changed = {(m.topic, m.key) for m in unit.messages}
                    unit.lists = {key: items for key, items in pending.items()
                                  if (self.catalogue.full(key[0]), key[1]) in changed}
                    batch.lists.update(pending)
            except Exception as exc:
                if is_transient(exc):
                    raise
                unit.messages, unit.error = [], exc
                continue
            batch.messages.extend(unit.messages)

    # -- domain topics ---------------------------------------------------------------------
    def payload(self, event: Any) -> dict[str, Any]:
        return {k: plain(v) for k, v in vars(event).items() if k not in _META and not k.startswith("_")}

    def domain_message(self, topic: Topic, etype: str, event: Any) -> Message:
        eid = event_id(event.originator_id, event.originator_version)
        uscc = getattr(event, "uscc", None)
        recorded_at = rfc3339(event.timestamp)
        if topic.name == "complaints-summary":
            body = self.complaint_summary(etype, event, eid)
        else:
            data = self.payload(event)
            if etype == "Inspection.ResultPublished":
                data["result"] = self.published_result(event)
            actor = getattr(event, "actor", None)
            body = {
                "schema_version": SCHEMA_VERSION,
                "event_id": eid,
                "event_type": etype,
                "aggregate_id": str(event.originator_id),
                "aggregate_version": event.originator_version,
                "uscc": uscc,
                "occurred_on": plain(getattr(event, "occurred_on", None)),
                "recorded_at": recorded_at,
                "actor": {"agency": actor.agency, "role": actor.role} if actor is not None else None,
                "source": getattr(event, "source", None),
                "data": public_event_data(etype, data),  # allow-list: supervision/public/events.py
            }
        return message(
            topic=self.catalogue.full(topic.name), ce_id=eid, type_=ce_type(etype), source=self.source,
            time=recorded_at, subject=uscc, key=uscc or str(event.originator_id), body=body,
            schema=_schema(topic),
        )

    def first_event(self, aggregate_id: UUID) -> Any:
        cached = self._first_events.get(aggregate_id)
        if cached is None:
            cached = next(iter(self.app.events.get(aggregate_id, lte=1)))
            self._first_events[aggregate_id] = cached
            if len(self._first_events) > 10_000:
                self._first_events.popitem(last=False)
        return cached

    def complaint_summary(self, etype: str, event: Any, eid: str) -> dict[str, Any]:
        received = event if event.originator_version == 1 else self.first_event(event.originator_id)
        measures = getattr(event, "measures", None)
        due = {"acknowledge": getattr(received, "ack_due_on", None),
               "conclude": getattr(received, "conclude_due_on", None)}
        if event.originator_version > 1:  # due dates revised since receipt (a year's schedule loaded)
            for earlier in self.app.events.get(event.originator_id, lte=event.originator_version):
                if type(earlier).__qualname__ == "Complaint.DeadlineRevised":
                    due[earlier.deadline] = earlier.due_on
        return {
            "schema_version": SCHEMA_VERSION,
            "event_id": eid,
            "event_type": etype,
            "complaint_id": str(event.originator_id),
            "uscc": received.uscc,
            "occurred_on": plain(getattr(event, "occurred_on", None)),
            "recorded_at": rfc3339(event.timestamp),
            "category": getattr(received, "category", None),
            "channel": getattr(received, "channel", None),
            "received_on": plain(received.occurred_on),
            "ack_due_on": plain(due["acknowledge"]),
            "conclude_due_on": plain(due["conclude"]),
            "outcome": getattr(event, "outcome", None),
            "measures_count": len(measures) if isinstance(measures, list) else None,
            "penalty_decision_no": getattr(event, "penalty_decision_no", None),
        }

    def published_result(self, event: Any) -> dict[str, Any] | None:
        """Results are public only once published: the publication carries the recorded result."""
        recorded = None
        for earlier in self.app.events.get(event.originator_id, lte=event.originator_version):
            if type(earlier).__qualname__ == "Inspection.ResultRecorded":
                recorded = earlier
        return RecordedResultPublic.render(self.payload(recorded)) if recorded is not None else None

    # -- list topics -----------------------------------------------------------------------
    def _items(self, batch: Batch, pending: dict[tuple[str, str], dict[str, dict[str, Any]]], topic: str,
               uscc: str) -> dict[str, dict[str, Any]]:
        """A copy of a list's state to change (in `pending`); items themselves are never mutated."""
        key = (topic, uscc)
        if key not in pending:
            if key not in batch.lists:
                batch.lists[key] = self.view.items(topic, uscc)
            pending[key] = dict(batch.lists[key])
        return pending[key]

    def list_messages(self, etype: str, event: Any, batch: Batch,
                      pending: dict[tuple[str, str], dict[str, dict[str, Any]]]) -> list[Message]:
        changes: list[tuple[str, str]] = []
        if etype in GRADE_SET or etype in GRADE_ENDED:
            uscc = event.uscc
            items = self._items(batch, pending, "grades", uscc)
            before = dict(items)
            if etype in GRADE_SET:
                items["official"] = GradeListItem.render({
                    "kind": "official", "level": event.level, "score": event.score,
                    "assessed_on": plain(event.occurred_on), "valid_until": plain(event.valid_until),
                    "assessing_body": event.assessing_body, "certificate_no": event.certificate_no,
                })
            else:
                items.clear()
            if items != before:
                changes.append(("grades", uscc))
        else:
            history = list(self.app.events.get(event.originator_id, lte=event.originator_version))
            merged: dict[str, Any] = {}
            for earlier in history:
                merged.update(self.payload(earlier))
                if getattr(earlier, "uscc", None):
                    merged["uscc"] = earlier.uscc
            uscc = merged.get("uscc")
            if not uscc:
                log.warning("listing_without_uscc", listing_id=str(event.originator_id))
                return []
            kind = merged.get("list") or merged.get("list_kind") or merged.get("kind") or "joint_punishment"
            item_key = str(event.originator_id)
            for list_topic, kinds in LIST_KINDS.items():
                if kinds is not None and kind not in kinds:
                    continue
                items = self._items(batch, pending, list_topic, uscc)
                if etype in LISTED:
                    entry = {k: merged[k] for k in LISTING_FIELDS if k in merged}
                    # allow-list, persons masked (民发〔2019〕103号): supervision/public/events.py
                    entry.update(listing_id=item_key, list_kind=kind)
                    items[item_key] = ListingListItem.render(entry)
                    changes.append((list_topic, uscc))
                elif item_key in items:
                    del items[item_key]
                    changes.append((list_topic, uscc))
        return [self.list_message(t, u, event, pending[(t, u)]) for t, u in changes]

    def list_message(self, topic_name: str, uscc: str, event: Any, items: dict[str, Any]) -> Message:
        eid = event_id(event.originator_id, event.originator_version)
        list_name = snake(topic_name.replace("-", "_"))
        updated_at = rfc3339(event.timestamp)
        body = None
        if items:
            body = {
                "schema_version": SCHEMA_VERSION,
                "uscc": uscc,
                "list": list_name,
                "entries": [items[k] for k in sorted(items)],
                "caused_by": eid,
                "updated_at": updated_at,
            }
        topic = self.catalogue.get(topic_name)
        return message(
            topic=self.catalogue.full(topic_name), ce_id=f"{eid}:{topic_name}",
            type_=f"cn.eldercare.list.{list_name}.{'changed' if body else 'removed'}.v1",
            source=self.source, time=updated_at, subject=uscc, key=uscc, body=body,
            schema=_schema(topic),
        )



_SCHEMAS: dict[type, Any] = {}


def _schema(topic: Topic) -> Any:
    """Schema instances are reused: building one per record would dominate the relay's cost."""
    if topic.schema not in _SCHEMAS:
        _SCHEMAS[topic.schema] = topic.schema()
    return _SCHEMAS[topic.schema]


#: what the relay refuses to go on with (never retried): a changed prefix, a store behind it
REFUSALS = (DestinationChanged, AheadOfStore)


def destination_refusal(view: RelayView, application_name: str, configured: str) -> DestinationChanged | None:
    """Why the relay must not publish under the `configured` topic prefix (another is recorded), or
    None: what `Relay.check_destination` raises, `relay status` and `/healthz` show."""
    recorded = view.destination(application_name)
    if recorded is None or recorded == configured:
        return None
    return DestinationChanged(recorded, configured, view.max_tracking_id(application_name) or 0)


@dataclass(frozen=True)
class RelayStatus:
    position: int
    head: int
    last_error: str | None
    parked: int = 0

    @property
    def lag(self) -> int:
        return max(self.head - self.position, 0)


ProducerFactory = Callable[[], Any]


def producer_factory(bootstrap_servers: str, client: str = KAFKA_PYTHON, **overrides: Any) -> ProducerFactory:
    """The relay's producer (`client`: kafka-python or confluent, consumers/producers.py) with the
    relay's settings; built lazily, so nothing connects early."""
    return make_producer_factory(bootstrap_servers, client, **{**PRODUCER_DEFAULTS, **overrides})


class Relay:
    """Publishes the event log to the catalogue's topics; run by `eldercare relay run` and `serve`."""

    def __init__(
        self,
        app: Application[Any],
        view: RelayView,
        catalogue: Catalogue,
        new_producer: ProducerFactory,
        *,
        page_size: int = 500,
        ack_timeout: float = 30.0,
        prepare: Callable[[], None] | None = None,
        backoff: tuple[float, float] = (0.5, 30.0),
        bootstrap_servers: str = "",
        pipeline: Any = None,
    ) -> None:
        self.app = app
        self.view = view
        self.catalogue = catalogue
        self.new_producer = new_producer
        self.page_size = page_size
        self.ack_timeout = ack_timeout
        self.prepare = prepare
        self.backoff = backoff
        self.bootstrap_servers = bootstrap_servers
        self.translator = EventTranslator(app, catalogue, view, source=f"/eldercare/{app.name}")
        #: a `consumers.relay_pipeline.Pipeline` to catch up in two processes (None: never), used when
        #: the log is at least `pipeline_min_events` notifications ahead
        self.pipeline = pipeline
        from consumers.relay_pipeline import PIPELINE_MIN_EVENTS

        self.pipeline_min_events = PIPELINE_MIN_EVENTS
        #: while the translator process starts (a fresh interpreter: seconds), translate pages here
        self.translate_while_translator_starts = True
        self.producer: Any = None
        self.wakeup = threading.Event()
        self.last_error: str | None = None
        #: failed attempts since the last page that went through (0: healthy)
        self.failed_attempts = 0
        self.published = 0
        #: (topic, ce_id) acknowledged beyond the committed position (a record before them failed)
        self.acknowledged_ahead: set[tuple[str, str]] = set()
        #: the position this relay last committed (None: read it from the store); saves reading it
        #: before every page — if another relay moved it, committing from here fails and it is read
        self._committed: int | None = None
        #: the recorded topic prefix was compared with the configured one (`check_destination`)
        self._destination_checked = False

    # -- position --------------------------------------------------------------------------
    def position(self) -> int:
        return self.view.max_tracking_id(self.app.name) or 0

    def head(self) -> int:
        return self.app.recorder.max_notification_id() or 0

    def status(self) -> RelayStatus:
        return RelayStatus(self.position(), self.head(), self.last_error,
                           parked_store(self.view.engine).count(PIPELINE))

    # -- publishing ------------------------------------------------------------------------
    def _producer(self) -> Any:
        if self.producer is None:
            producer = self.new_producer()
            try:
                if self.prepare is not None:
                    self.prepare()
            except BaseException:
                producer.close(timeout=0)
                raise
            self.producer = producer
            log.info("relay_connected", bootstrap=self.bootstrap_servers, position=self.position())
        return self.producer

    def reset_producer(self) -> None:
        """Drop the producer after an error: its idempotence state may be stale or fatal."""
        if self.producer is not None:
            try:
                self.producer.close(timeout=0)
            except Exception:  # closing a broken client must not hide the original error
                log.debug("relay_producer_close_failed", exc_info=True)
            self.producer = None

    def send(self, messages: list[Message]) -> list[BaseException | None]:
        """Send and wait until the broker acknowledged the records (acks=all).

        Returns, per message, None (acknowledged) or why not: a record over the producer's
        `max_request_size` (default 1 MiB) or one the broker refuses is a permanent error; a record
        not acknowledged in time is a `BrokerUnavailable` (transient).
        """
        if not messages:
            return []
        return self._settle(self._submit(messages), wait=True)

    def _submit(self, messages: list[Message]) -> list[Any]:
        """Hand the records to the producer; returns per message its future, or None (acknowledged
        on an earlier try, see `acknowledged_ahead`), or the exception the producer raised at once."""
        if not messages:
            return []
        producer = self._producer()
        futures: list[Any] = []
        down: BaseException | None = None
        ahead = self.acknowledged_ahead
        for m in messages:
            if ahead and (m.topic, m.ce_id) in ahead:
                futures.append(None)  # acknowledged on an earlier try, beyond the committed prefix
                continue
            if down is not None:  # the broker is not answering: do not queue more behind it
                futures.append(BrokerUnavailable(f"not sent: {type(down).__name__}: {down}"))
                continue
            try:
                futures.append(producer.send(m.topic, value=m.value,
                                             key=m.key.encode() if m.key else None,
                                             headers=m.kafka_headers()))
            except Exception as exc:  # oversize, unencodable key, metadata timeout: per record
                futures.append(exc)
                if is_transient(exc):
                    down = exc
        return futures

    def _settle(self, futures: list[Any], wait: bool) -> list[BaseException | None]:
        """Per submitted record, None (acknowledged) or why not. Flushes the producer (up to
        `ack_timeout`) when `wait` or when a record is still unacknowledged; a record not done then
        is a `BrokerUnavailable`."""
        from kafka.errors import KafkaTimeoutError

        pending = [f for f in futures if f is not None and not isinstance(f, BaseException)]
        if pending and (wait or not all(f.is_done for f in pending)) and self.producer is not None:
            with contextlib.suppress(KafkaTimeoutError):  # records not done below are unacknowledged
                self.producer.flush(timeout=self.ack_timeout)
        outcomes: list[BaseException | None] = []
        for future in futures:
            if future is None or isinstance(future, BaseException):
                outcomes.append(future)
            elif not future.is_done:
                outcomes.append(BrokerUnavailable(f"broker did not acknowledge within {self.ack_timeout}s"))
            else:
                outcomes.append(None if future.succeeded() else future.exception)
        return outcomes

    def publish_batch(self) -> int:
        """Publish the next page of the log; returns how many notifications the position moved.

        The position moves over the acknowledged prefix of the page: notifications whose records
        were all acknowledged, or that were parked (a record that can never be published: oversize,
        unencodable, refused by the broker; an event that cannot be translated). At the first
        record not acknowledged in time, the prefix before it is committed and `BrokerUnavailable`
        raised: the retry starts after the prefix, so acknowledged records are not sent again.
        """
        position = self.position() if self._committed is None else self._committed
        # no separate read of the head: notification ids commit in order (the store serialises
        # its inserts), so whatever this page ends with is as far as the log goes for now
        page = self.app.recorder.select_notifications(start=position + 1, limit=self.page_size)
        if not page:
            self._committed = position
            return 0
        batch = Batch(last=page[-1].id)
        self.translator.translate(page, batch)
        return self.publish(batch, position)

    def publish(self, batch: Batch, position: int, sent: list[BaseException | None] | None = None,
                in_flight: tuple[list[Message], list[Any]] | None = None) -> int:
        """Send a translated page that starts right after `position`, wait for the acks, and record
        the new position with the list state in one transaction (see `publish_batch`); returns how
        many notifications the position moved. Raises `BrokerUnavailable` after committing the
        acknowledged prefix.

        `sent`: the page's outcomes when it was submitted and settled already (`_settle`);
        `in_flight`: the next page's (messages, futures), submitted before this one was settled. A
        failure here resets the producer, so the next page is settled first (its futures replaced
        by their outcomes, in place); on a transient failure its acknowledged records join
        `acknowledged_ahead`, so the retry does not send them again."""
        outcomes = iter(self.send(batch.messages) if sent is None else sent)
        moved_to, acknowledged, parked = position, [], []
        transient: BaseException | None = None
        failed = False
        for unit in batch.units:
            results = [next(outcomes) for _ in unit.messages]
            errors = [e for e in results if e is not None]
            failed = failed or bool(errors)
            if transient is None:
                transient = next((e for e in errors if is_transient(e)), None)
            if transient is not None:
                # acknowledged records beyond the prefix are not sent again on the retry
                self.acknowledged_ahead.update((m.topic, m.ce_id) for m, r in
                                               zip(unit.messages, results, strict=True) if r is None)
                continue
            error = unit.error or (errors[0] if errors else None)
            if error is not None:
                parked.append((unit, error))
            else:
                acknowledged.append(unit)
            moved_to = unit.notification_id
        if transient is None:
            moved_to = batch.last
            self.acknowledged_ahead.clear()
        if moved_to > position:
            store = parked_store(self.view.engine)
            with self.view.transaction(commit=True) as session:
                listed = [unit for unit in acknowledged if unit.lists]
                if listed and not self._record_all_lists(session, listed):
                    for unit in listed:  # one state the view cannot hold: find it, park its unit
                        if not self._record_lists(session, unit):
                            parked.append((unit, unit.error))
                for unit, error in parked:
                    store.park(session, pipeline=PIPELINE, item_key=notification_key(unit.notification_id),
                               position=unit.notification_id, item_id=unit.event_id, error=error)
                if not self.view.move_position(session, self.app.name, position, moved_to):
                    if position:  # not where this relay left it: nothing of this page is recorded
                        raise PositionMoved(f"the relay's position is no longer {position} (another relay "
                                            "moved it, or `eldercare relay reset`); reading it again")
                    self.view.record_position(session, Tracking(self.app.name, moved_to))  # the first
            for unit, error in parked:
                log.error("relay_event_parked", position=unit.notification_id, event_id=unit.event_id,
                          records=len(unit.messages), error=f"{type(error).__name__}: {str(error)[:300]}")
            self._committed = moved_to
        acknowledged = sum(len(u.messages) for u in batch.units if u.notification_id <= moved_to)
        self.published += acknowledged - sum(len(u.messages) for u, _ in parked)
        if failed and in_flight is not None:
            messages, futures = in_flight
            futures[:] = self._settle(futures, wait=True)
            if transient is not None:
                self.acknowledged_ahead.update((m.topic, m.ce_id) for m, r in
                                               zip(messages, futures, strict=True) if r is None)
        if failed:
            self.reset_producer()  # its idempotence state cannot be trusted after an error
        if transient is not None:
            raise BrokerUnavailable(f"{type(transient).__name__}: {transient}") from transient
        log.debug("relay_batch_published", position=moved_to, records=len(batch.messages),
                  skipped=batch.skipped, parked=len(parked))
        return moved_to - position

    def _record_all_lists(self, session: Session, units: list[Unit]) -> bool:
        """Keep the list state the page published in one statement pair (under a savepoint);
        False when the view refused it (then each unit is recorded on its own, to park the culprit)."""
        final: dict[tuple[str, str], dict[str, dict[str, Any]]] = {}
        for unit in units:
            final.update(unit.lists)  # in log order: the last state of each list wins
        try:
            with session.begin_nested():
                self.view.replace_many(session, final)
        except Exception as exc:
            if is_transient(exc):
                raise
            return False
        return True

    def _record_lists(self, session: Session, unit: Unit) -> bool:
        """Keep the list state a unit published (under a savepoint); a state the view cannot hold is
        a permanent failure of that unit (its `error` is set, it gets parked), not of the page."""
        try:
            with session.begin_nested():
                self.view.replace_many(session, unit.lists)
        except Exception as exc:
            if is_transient(exc):
                raise
            unit.error = exc
            return False
        return True

    def retry_parked(self, item: Any) -> bool:
        """Publish a parked event's records again (after a fix); resolved once all are acknowledged.

        The position is already past it and is not moved. A list record is sent with the list
        state as it is now (the next change of that list publishes the whole entry anyway).
        """
        store = parked_store(self.view.engine)
        found = self.app.recorder.select_notifications(start=item.position, limit=1, stop=item.position)
        if not found or found[0].id != item.position:
            raise LookupError(f"notification {item.position} is not in the store")
        batch = Batch(last=item.position)
        self.translator.translate(found, batch)
        unit = batch.units[0]
        if unit.error is not None:
            errors: list[BaseException] = [unit.error]
        else:
            errors = [e for e in self.send(unit.messages) if e is not None]
        if any(is_transient(e) for e in errors):
            self.reset_producer()
            raise BrokerUnavailable(f"{type(errors[0]).__name__}: {errors[0]}") from errors[0]
        store.mark_retried(item, resolved=not errors, error=errors[0] if errors else None)
        if errors:
            self.reset_producer()
        return not errors

    def catch_up(self, stop: threading.Event | None = None) -> int:
        """Publish until the position reaches the head (or `stop`); raises what a page raised.

        A long way behind (`pipeline_min_events`) and with a `pipeline`, pages are translated in a
        second process while this one sends (consumers/relay_pipeline.py); this one translates its
        own pages until that process has started (`translate_while_translator_starts`)."""
        try:
            if not self._destination_checked:
                self.check_destination()
            moved = self._catch_up_in_two_processes(stop) if self.pipeline is not None else 0
            while stop is None or not stop.is_set():
                step = self.publish_batch()
                self._succeeded()
                if not step:
                    break
                moved += step
        except BaseException:
            # read both again: whatever failed may have been the store, or an operator's reset
            self._committed, self._destination_checked = None, False
            raise
        return moved

    def check_destination(self) -> None:
        """Refuse to publish under another topic prefix than the log was published under so far, or
        from a position the store does not reach.

        Records the configured prefix when none is recorded (a new relay, or one from before this
        check: it adopts the prefix it is configured with). Raises `DestinationChanged` (permanent)
        when the recorded prefix differs: topics under the new prefix would start at the position,
        missing everything before it, while the relay reported no lag. Also at position 0: after
        `eldercare relay reset` under a new prefix, a relay still configured with the old one must not
        publish the whole log there again. Raises `AheadOfStore` (permanent) when the position is
        beyond the store's head (a store restored from an earlier backup): the relay would skip
        every new event up to it."""
        configured = self.catalogue.prefix
        refusal = destination_refusal(self.view, self.app.name, configured)
        if refusal is not None:
            raise refusal
        refused = recorded_refusal(self.view.engine, PIPELINE)
        if refused is not None:  # found earlier: holds after new events passed the position
            raise refused
        position = self.position()
        if position and position > (head := self.head()):  # read after the position: no race
            ahead = AheadOfStore("the relay", position, head, RESET_CURE)
            raise refuse_ahead(self.view.engine, PIPELINE, ahead)
        if self.view.destination(self.app.name) != configured:
            with self.view.transaction(commit=True) as session:
                self.view.record_destination(session, self.app.name, configured)
            log.info("relay_destination_recorded", topic_prefix=configured, position=self.position())
        self._destination_checked = True

    def _catch_up_in_two_processes(self, stop: threading.Event | None) -> int:
        position, head = self.position(), self.head()
        if head - position < max(self.pipeline_min_events, 2 * self.page_size):
            return 0
        self._producer()  # connect (and create topics) before a process is started for nothing
        moved = 0
        overlap = self.translate_while_translator_starts
        with spared_by_collector(), self.pipeline.pages(position, head, self.page_size,
                                                        handshake=overlap) as feed:
            if overlap:
                # the translator starts at whatever position this process reached meanwhile
                self._committed = position
                while not feed.ready():
                    if position >= head or (stop is not None and stop.is_set()):
                        return moved
                    step = self.publish_batch()
                    self._succeeded()
                    if not step:
                        return moved
                    position += step
                    moved += step
                feed.begin(position)
            # pipelined: page n+1 is handed to the producer before page n's acks are looked at, so
            # the producer never idles through a flush (page n's acks are almost always in by then);
            # page n's position is still recorded only after all its records were acknowledged
            pending: tuple[Batch, list[Message], list[Any]] | None = None
            try:
                for batch in feed:
                    futures = self._submit(batch.messages)
                    previous, pending = pending, None  # a page whose completion failed is not retried here
                    if previous is not None:
                        position, moved = self._complete(previous, position, moved, feed,
                                                         in_flight=(batch.messages, futures))
                    pending = (batch, batch.messages, futures)
                    if stop is not None and stop.is_set():
                        break
                previous, pending = pending, None
                if previous is not None:
                    position, moved = self._complete(previous, position, moved, feed, in_flight=None)
            except BaseException:
                # the feed failed (or this process is stopping): the page submitted last follows a
                # recorded position, so what of it was acknowledged is recorded before the error surfaces
                if pending is not None:
                    with contextlib.suppress(Exception):
                        self._complete(pending, position, moved, feed, in_flight=None)
                raise
        return moved

    def _complete(self, pending: tuple[Batch, list[Message], list[Any]], position: int, moved: int,
                  feed: Any, in_flight: tuple[list[Message], list[Any]] | None) -> tuple[int, int]:
        """Settle a submitted page and record its position (`publish`); returns (position, moved)."""
        batch, _, futures = pending
        step = self.publish(batch, position, sent=self._settle(futures, wait=in_flight is None),
                            in_flight=in_flight)
        self._succeeded()
        feed.committed(position + step)
        return position + step, moved + step

    def _succeeded(self) -> None:
        """A page went through: after failures, that is a recovery, logged once, at the first success
        (not only once the head is reached, which a busy store may postpone indefinitely)."""
        if self.failed_attempts:
            log.info("relay_recovered", position=self._logged_position(), attempts=self.failed_attempts)
        self.failed_attempts, self.last_error = 0, None

    def _failed(self, exc: BaseException) -> float:
        """Count a failed attempt; returns the backoff delay (s) before the next one."""
        self.failed_attempts += 1
        self.last_error = f"{type(exc).__name__}: {exc}"
        self.reset_producer()
        return min(self.backoff[0] * 2 ** (self.failed_attempts - 1), self.backoff[1])

    def _logged_position(self) -> int | None:
        """The position for a log line: None when the store cannot say (an outage being logged)."""
        try:
            return self.position()
        except Exception:
            return None

    def run_forever(self, stop: threading.Event, poll_interval: float = 0.1) -> None:
        """Follow the log until `stop` is set, retrying with exponential backoff on broker errors.

        Logs `relay_broker_unavailable` (broker) or `relay_failed` (anything else) per failed attempt,
        and `relay_recovered` at the first page published after one or more failed attempts. Raises
        `DestinationChanged` or `AheadOfStore` (`REFUSALS`: never retried; only the configuration
        or a reset cures them).
        """
        from kafka.errors import KafkaError

        while not stop.is_set():
            self.wakeup.clear()  # before reading: a save announced from here on wakes the wait below
            try:
                self.catch_up(stop)
            except REFUSALS as exc:
                self.last_error = str(exc)
                raise
            except (KafkaError, BrokerUnavailable, OSError) as exc:
                delay = self._failed(exc)
                log.warning("relay_broker_unavailable", bootstrap=self.bootstrap_servers,
                            position=self._logged_position(), attempt=self.failed_attempts, retry_in_s=delay,
                            error=self.last_error)
                stop.wait(delay)
                continue
            except Exception as exc:  # a bug or a store outage: keep the process, keep retrying
                delay = self._failed(exc)
                log_failure(log, "relay_failed", exc, position=self._logged_position(),
                            attempt=self.failed_attempts)
                stop.wait(delay)
                continue
            self.wakeup.wait(poll_interval)

    def close(self) -> None:
        if self.producer is not None:
            self.producer.close(timeout=self.ack_timeout)
            self.producer = None


@contextlib.contextmanager
def spared_by_collector() -> Iterator[None]:
    """While a long catch-up runs, the objects this process already held are left out of the
    garbage collector's full collections (`gc.freeze`), and given back to it afterwards
    (`gc.unfreeze`: nothing is lost, cyclic garbage among them is collected then).

    Why: every page received from the translator is many small objects, so full collections come
    every few pages, and each one walked the whole heap of the process (the application, its
    caches, whatever else `serve` holds): 1.1 s of a 7.4 s catch-up of 30,000 events, 0.25 s so.
    """
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


def start_relay_thread(relay: Relay, poll_interval: float = 0.1) -> Callable[[], None]:
    """For `serve` and the demo: the relay in a daemon thread; returns the stopper."""
    stop = threading.Event()

    def run() -> None:
        try:
            relay.run_forever(stop, poll_interval)
        except REFUSALS as exc:  # the rest of the process goes on; /healthz says why
            log.error("relay_refused", error=str(exc))

    thread = threading.Thread(target=run, name="relay", daemon=True)
    thread.start()

    def stopper() -> None:
        stop.set()
        relay.wakeup.set()
        thread.join(timeout=30)
        relay.close()

    return stopper

