"""Every pipeline failure is transient (retry with backoff) or permanent (park the item, move on).

One classification for the projection runner, the policy processes, the relay and the inbound
consumers, so "the database is down" is never parked and "this event can never be stored" is never
retried for ever:

- **transient**: the database or the broker is unreachable, a connection dropped, a lock or a
  request timed out. Nothing is wrong with the item; the same item will succeed later.
- **permanent**: the item itself can never succeed — a value out of range (`DataError`, SQLite's
  `OverflowError`), a constraint it breaks, a record it cannot be decoded from, an oversize record,
  a nesting too deep to walk (`RecursionError`), a handler's `ValueError`/`TypeError`/`KeyError`.
  Anything not recognised as transient is permanent: parking keeps the item (with its error) for
  `eldercare parked retry` after a fix, while retrying a bug would stop the pipeline behind it.
"""

from __future__ import annotations

import sqlite3
from typing import Any, Literal

import psycopg
import sqlalchemy.exc
from eventsourcing import persistence

from supervision.domain.errors import ConcurrentModification
from supervision.redact import without_row_values
from supervision.unavailable import StoreUnavailable

Kind = Literal["transient", "permanent"]
TRANSIENT: Kind = "transient"
PERMANENT: Kind = "permanent"

#: failures that say nothing about the item: the store or the broker is not answering right now
_TRANSIENT_TYPES: tuple[type[BaseException], ...] = (
    StoreUnavailable,
    ConcurrentModification,  # another command won a race on the same aggregate: try again
    persistence.OperationalError,
    persistence.InterfaceError,
    sqlalchemy.exc.OperationalError,
    sqlalchemy.exc.InterfaceError,
    sqlalchemy.exc.DisconnectionError,
    sqlalchemy.exc.TimeoutError,
    psycopg.OperationalError,
    psycopg.InterfaceError,
    sqlite3.OperationalError,
    ConnectionError,
    TimeoutError,
)

#: failures that are about the item even when a transient-looking class wraps them
_PERMANENT_TYPES: tuple[type[BaseException], ...] = (
    RecursionError,
    OverflowError,
    UnicodeError,
    persistence.DataError,
    persistence.IntegrityError,
    sqlalchemy.exc.DataError,
    sqlalchemy.exc.IntegrityError,
    psycopg.DataError,
    psycopg.IntegrityError,
)


class PermanentFailure(Exception):
    """Raised by a pipeline for an item it knows can never succeed (e.g. a record over the broker's
    size limit); `reason` is what gets parked."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class TransientFailure(Exception):
    """Raised by a pipeline when its outside world (store, broker) is not answering."""


#: what cures a view ahead of its store
REBUILD_CURE = "rebuild the views from the store: `eldercare projections rebuild`"


class AheadOfStore(Exception):
    """A pipeline's recorded position is beyond the event store's last notification: the store was
    restored from an earlier backup, or the positions belong to another store. Going on would skip
    every new event up to that position without a word (a view or topic silently missing them);
    nothing is applied until an operator rebuilds the views (or resets the relay)."""

    def __init__(self, pipeline: str, position: int, head: int, cure: str) -> None:
        super().__init__(
            f"{pipeline} is at notification {position}, beyond the event store's last one ({head}): the "
            f"store was restored from an earlier backup, or this database's positions belong to "
            f"another store; {cure}")
        self.pipeline, self.position, self.head = pipeline, position, head

    @classmethod
    def recorded(cls, message: str) -> AheadOfStore:
        """The refusal as it was recorded when found (`AHEAD_KEY`): it holds after new events
        brought the head past the position again, until the cure (a rebuild, a relay reset)."""
        refusal = cls.__new__(cls)
        Exception.__init__(refusal, message)
        refusal.pipeline, refusal.position, refusal.head = "", 0, 0
        return refusal


#: the parked item a pipeline found ahead of its store leaves (durable: new events soon bring the
#: head past the position, and the events between would be skipped without a word); a rebuild of
#: the view (`View.reset_tables`) or `relay reset` forgets it
AHEAD_KEY = "ahead-of-store"


def refuse_ahead(engine: Any, pipeline: str, refusal: AheadOfStore) -> AheadOfStore:
    """Record `refusal` (a parked item of `pipeline`, `AHEAD_KEY`) and return it, to be raised."""
    from projections.parked import parked_store

    parked_store(engine).park_now(pipeline=pipeline, item_key=AHEAD_KEY, position=refusal.position,
                                  error=refusal)
    return refusal


def recorded_refusal(engine: Any, pipeline: str) -> AheadOfStore | None:
    """The refusal recorded for `pipeline` (`refuse_ahead`), or None."""
    from projections.parked import parked_store

    found = [item for item in parked_store(engine).with_key(AHEAD_KEY) if item.pipeline == pipeline]
    return AheadOfStore.recorded(found[0].error_message) if found else None


def _kafka_kind(exc: BaseException) -> Kind | None:
    try:
        from kafka import errors as kafka_errors
    except ImportError:  # pragma: no cover - kafka-python is a dependency
        return None
    if isinstance(exc, kafka_errors.MessageSizeTooLargeError | kafka_errors.RecordListTooLargeError):
        return PERMANENT
    unreachable = tuple(getattr(kafka_errors, name) for name in (
        "KafkaTimeoutError", "NoBrokersAvailable", "KafkaConnectionError", "NodeNotReadyError",
        "BrokerNotAvailableError", "MetadataEmptyBrokerList") if hasattr(kafka_errors, name))
    if isinstance(exc, unreachable):
        return TRANSIENT
    if isinstance(exc, kafka_errors.KafkaError):
        return TRANSIENT if getattr(exc, "retriable", False) else PERMANENT
    return None


def classify(exc: BaseException) -> Kind:
    """`transient` or `permanent` for a failure raised while processing one item.

    Walks the cause chain (our code and the libraries wrap driver errors): the first recognised
    link decides. SQLAlchemy errors whose connection was invalidated are transient whatever their
    class. Unrecognised failures are permanent (see the module docstring).
    """
    seen: BaseException | None = exc
    depth = 0
    while seen is not None and depth < 20:
        if isinstance(seen, PermanentFailure):
            return PERMANENT
        if isinstance(seen, TransientFailure):
            return TRANSIENT
        if isinstance(seen, sqlalchemy.exc.DBAPIError) and seen.connection_invalidated:
            return TRANSIENT
        kafka = _kafka_kind(seen)
        if kafka is not None:
            return kafka
        if isinstance(seen, _PERMANENT_TYPES):
            return PERMANENT
        if isinstance(seen, _TRANSIENT_TYPES):
            return TRANSIENT
        seen = seen.__cause__ or seen.__context__
        depth += 1
    return PERMANENT


def is_transient(exc: BaseException) -> bool:
    return classify(exc) == TRANSIENT


def describe_error(exc: BaseException, limit: int = 2000) -> tuple[str, str]:
    """(error class, first `limit` characters of its message) for a parked item."""
    message = without_row_values(str(exc) or repr(exc))  # a constraint's DETAIL quotes the row
    return f"{type(exc).__module__}.{type(exc).__qualname__}", message[:limit]


def backoff_delay(attempt: int, base: float = 0.5, cap: float = 30.0) -> float:
    """Seconds to wait before retry `attempt` (1, 2, ...): doubling from `base`, bounded by `cap`."""
    return float(min(base * 2 ** max(attempt - 1, 0), cap))
