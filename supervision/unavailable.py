"""Recognise 'the database is unreachable' whatever layer raised it, so callers get 503/exit 69."""

from __future__ import annotations

import sqlite3

import psycopg
import psycopg_pool
import sqlalchemy.exc
from eventsourcing import persistence


class StoreUnavailable(Exception):
    """The event store or the read-model database cannot be reached right now."""

    def __init__(self, detail: str) -> None:
        super().__init__(f"database unavailable: {detail}")
        self.detail = detail


_UNAVAILABLE: tuple[type[BaseException], ...] = (
    persistence.OperationalError,
    persistence.InterfaceError,
    psycopg.OperationalError,
    psycopg.InterfaceError,
    psycopg_pool.PoolTimeout,
    sqlalchemy.exc.OperationalError,
    sqlalchemy.exc.InterfaceError,
    sqlite3.OperationalError,
    ConnectionError,
)


def as_unavailable(exc: BaseException) -> StoreUnavailable | None:
    """Return a `StoreUnavailable` when `exc` (or its cause) means the database is unreachable."""
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, StoreUnavailable):
            return seen
        if isinstance(seen, _UNAVAILABLE):
            first_line = (str(seen).strip().splitlines() or [type(seen).__name__])[0]
            return StoreUnavailable(first_line[:300])
        seen = seen.__cause__ or seen.__context__
    return None
