"""The base of the event-sourced application: persistence, transcodings, saving with conflicts.

The capability mixins (facilities, spot checks, ...) hold one method per command; this base gives
them `_save`, `_get`, the injected clock and the sealer. Nothing connects before `infra` builds it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import date
from typing import Any, TypeVar
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError, Application
from eventsourcing.domain import Aggregate
from eventsourcing.persistence import IntegrityError, JSONTranscoder, Mapper, StoredEvent, Transcoding
from eventsourcing.utils import EnvType, resolve_topic

from supervision.commands.bounds import DEFAULT_MAX_MESSAGE_BYTES, MESSAGE_HEADROOM_BYTES
from supervision.crypto import Sealer
from supervision.domain.errors import ConcurrentModification, DomainError, NotFound
from supervision.domain.values import Actor, not_after
from supervision.policy.calendar import WorkingCalendar
from supervision.transcoder import FastJSONTranscoder

A = TypeVar("A", bound=Aggregate)


class DateAsISO(Transcoding):
    type = date
    name = "date"

    def encode(self, obj: date) -> str:
        return obj.isoformat()

    def decode(self, data: str) -> date:
        return date.fromisoformat(data)


class ActorAsDict(Transcoding):
    type = Actor
    name = "actor"

    def encode(self, obj: Actor) -> dict[str, str]:
        return obj.as_dict()

    def decode(self, data: dict[str, str]) -> Actor:
        return Actor(**data)


class EventTooLarge(DomainError):
    """A command's event would not fit the broker's message limit once the relay wraps it: refused
    (HTTP 413) before anything is written, so no record can ever block the relay."""

    category = "too_large"

    def __init__(self, event_type: str, size: int, limit: int) -> None:
        message = (f"the {event_type} event would be {size} bytes; with the relay's envelope "
                   f"({MESSAGE_HEADROOM_BYTES} bytes allowed) it exceeds the broker's message limit of "
                   f"{limit} bytes (ELDERCARE_MAX_MESSAGE_BYTES)")
        super().__init__(message, {"_body": [f"the event must stay under {limit - MESSAGE_HEADROOM_BYTES} "
                                             f"bytes (broker message limit {limit} bytes)"]})
        self.size = size
        self.limit = limit


class SizedMapper(Mapper[UUID]):
    """The store's mapper, refusing an event whose JSON plus the relay's headroom exceeds the broker's
    message limit. Every save of every entrypoint maps its events here before the recorder inserts any
    of them, so a refusal writes nothing. The stored state is the event's full JSON (UTF-8, compact, as
    the relay encodes it); the relay drops personal keys and adds its envelope keys, so its body is the
    stored size ± a few hundred bytes (measured: +27 bytes for a campaign). The headroom covers that, the
    CloudEvents headers (~200 bytes), the key and the record overhead
    (`tests/faults/test_door_http.py::test_the_event_size_estimate_is_honest_about_what_the_relay_sends`)."""

    def __init__(self, mapper: Mapper[UUID], limit: int) -> None:
        super().__init__(mapper.transcoder, mapper.compressor, mapper.cipher)
        self.limit = limit

    def to_stored_event(self, domain_event: Any) -> StoredEvent:
        stored = super().to_stored_event(domain_event)
        size = len(stored.state)
        if self.compressor or self.cipher:  # measure what the relay will send, not what is stored
            size = len(self.transcoder.encode(dict(vars(domain_event))))
        if size + MESSAGE_HEADROOM_BYTES > self.limit:
            raise EventTooLarge(type(domain_event).__qualname__, size, self.limit)
        return stored


@dataclass(frozen=True)
class Context:
    """Who issues a command and through which entrypoint (`source` on every event)."""

    actor: Actor
    source: str


@dataclass
class Accepted:
    """What a command returns: the id, the new version, and the last notification id so the
    caller can wait for its own write to reach the read models (read-your-writes)."""

    id: str
    version: int | None
    notification_id: int | None
    data: dict[str, Any] = field(default_factory=dict)


#: the event classes saved since `recording_writes()` began in this context (None: not recording)
_written: ContextVar[set[type] | None] = ContextVar("written_event_types", default=None)


@contextmanager
def recording_writes() -> Iterator[set[type]]:
    """Collect the classes of the events saved inside the block (this thread or task only).

    The HTTP layer waits for the views that handle them (read-your-writes for what the command
    changed), not for every view: a view with no handler for these events shows the same before
    and after the write.
    """
    types: set[type] = set()
    token = _written.set(types)
    try:
        yield types
    finally:
        _written.reset(token)


def _identities(items: Iterable[Any]) -> list[Any]:
    """The events a save is about to store (`StoredEvent`s as given, an aggregate's pending events
    read, not collected); empty when an item is of another kind."""
    out: list[Any] = []
    for item in items:
        if type(item) is StoredEvent:
            out.append(item)
            continue
        for event in getattr(item, "pending_events", None) or [item]:
            if getattr(event, "originator_version", None) is None or not hasattr(event, "timestamp"):
                return []
            out.append(event)
    return out


class SupervisionBase(Application[UUID]):
    name = "eldercare"

    def __init__(
        self,
        env: EnvType | None = None,
        *,
        sealer: Sealer,
        clock: Callable[[], date],
        calendar: WorkingCalendar | None = None,
        on_saved: Callable[[int], None] | None = None,
    ) -> None:
        super().__init__(env)
        self.sealer = sealer
        self.clock = clock
        self.calendar = calendar or WorkingCalendar()
        self.on_saved = on_saved

    def construct_mapper(self) -> Mapper[UUID]:
        limit = int(self.env.get("ELDERCARE_MAX_MESSAGE_BYTES") or DEFAULT_MAX_MESSAGE_BYTES)
        return SizedMapper(super().construct_mapper(), limit)

    def construct_transcoder(self) -> JSONTranscoder:
        """The library's JSON transcoder decoding with orjson (supervision/transcoder.py)."""
        transcoder = FastJSONTranscoder()
        self.register_transcodings(transcoder)
        return transcoder

    def register_transcodings(self, transcoder: JSONTranscoder) -> None:
        super().register_transcodings(transcoder)
        transcoder.register(DateAsISO())
        transcoder.register(ActorAsDict())

    def today(self) -> date:
        return self.clock()

    def check_occurred_on(self, occurred_on: date | None) -> date:
        """Default a missing `occurred_on` to today; refuse dates after today."""
        today = self.today()
        return today if occurred_on is None else not_after(occurred_on, today)

    def _get(self, aggregate_id: UUID, cls: type[A], not_found: Callable[[], NotFound]) -> A:
        try:
            aggregate = self.repository.get(aggregate_id)
        except AggregateNotFoundError:
            raise not_found() from None
        if not isinstance(aggregate, cls):
            raise not_found()
        return aggregate

    def _exists(self, aggregate_id: UUID) -> bool:
        return next(iter(self.events.get(aggregate_id, limit=1)), None) is not None

    def _save(
        self,
        *aggregates: Any,
        conflict: Callable[[], Exception] | None = None,
        what: str = "the record",
    ) -> int | None:
        """Append aggregates (or their collected events) atomically; a version conflict means
        another command won the race. Events a bulk import already mapped with this store's mapper
        (`StoredEvent`s, `infra.import_lines`) are inserted as they are, with any domain events
        beside them mapped here.

        A conflict with *this very save* is not a conflict: when the connection dies after the
        COMMIT but before its answer, the store's retry finds its own rows (`_stored_already`); the
        save succeeded and is answered so, never 409 (found by a new-user try killing connections
        under load: a registration that was stored answered "already registered")."""
        mine = _identities(aggregates)
        try:
            if any(type(a) is StoredEvent for a in aggregates):
                return self._insert_stored(aggregates)
            recordings = self.save(*aggregates)
        except IntegrityError:
            if mine and self._stored_already(mine):
                return self._saved_before(mine)
            raise (conflict() if conflict else ConcurrentModification(what)) from None
        last = recordings[-1].notification.id if recordings else None
        written = _written.get()
        if written is not None:
            written.update(type(r.domain_event) for r in recordings)
        if last is not None and self.on_saved is not None:
            self.on_saved(last)
        return last

    def _stored_already(self, mine: list[Any]) -> bool:
        """Is every one of these events stored exactly as this save would store it (same originator,
        version, topic and bytes: the timestamp and every field) — this save's own, committed by an
        attempt whose answer was lost?"""
        for event in mine:
            record = event if type(event) is StoredEvent else self.mapper.to_stored_event(event)
            found = self.recorder.select_events(record.originator_id, gt=record.originator_version - 1,
                                                lte=record.originator_version)
            if not found or (found[0].topic, found[0].state) != (record.topic, record.state):
                return False
        return True

    def _saved_before(self, mine: list[Any]) -> int | None:
        """The answer to a save found stored already: its events' classes are recorded as written,
        and the head stands for its notification id (the events are at or below it, so waiting for
        it is read-your-writes)."""
        written = _written.get()
        if written is not None:
            written.update(resolve_topic(e.topic) if type(e) is StoredEvent else type(e) for e in mine)
        last = self.recorder.max_notification_id()
        if last is not None and self.on_saved is not None:
            self.on_saved(last)
        return last

    def _insert_stored(self, items: Iterable[Any]) -> int | None:
        """`_save` of records mapped in advance (and domain events, mapped now): what `save` does with
        events (no aggregate to cache or snapshot) without mapping them a second time."""
        stored = [s if type(s) is StoredEvent else self.mapper.to_stored_event(s) for s in items]
        ids = self.recorder.insert_events(stored)
        written = _written.get()
        if written is not None:
            written.update(resolve_topic(s.topic) for s in stored)
        last = ids[-1] if ids else None
        if last is not None and self.on_saved is not None:
            self.on_saved(last)
        return last

    def accepted(self, aggregate: Aggregate, notification_id: int | None, **data: Any) -> Accepted:
        return Accepted(str(aggregate.id), aggregate.version, notification_id, data)

    def events_of(self, aggregate_ids: Iterable[UUID]) -> list[Any]:
        return [e for i in aggregate_ids for e in self.events.get(i)]
