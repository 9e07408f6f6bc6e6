"""Parked items: the durable record of what a pipeline could not process and stepped over.

One table, `parked_items`, in the views database (beside the views' tracking tables), used by every
pipeline: each projection runner and policy process (`pipeline` = the view's name, `position` = the
notification id), the relay (`relay`, the notification id), and the inbound consumers
(`inbound.<topic>`, partition and offset) when even the dead-letter topic refuses a record.

A row says which item (`item_key`, unique per pipeline: `n:<notification id>` or
`p<partition>:o<offset>`), what it was (`item_id`: the event id `<aggregate id>:<version>` or the
record's `ce_id`/key), why (`error_class`, `error_message`) and when (`parked_at`). `retried_at` and
`retries` count `eldercare parked retry`; `resolved_at` is set once a retry succeeded. A runner parks
inside the transaction that advances its position, so an item is parked exactly when it is stepped over.

Nothing here holds personal data beyond what the error message says about a value; callers pass
messages, never record bodies.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from weakref import WeakKeyDictionary

from sqlalchemy import (
    BigInteger,
    Column,
    DateTime,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    func,
    select,
    update,
)
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.orm import Session

from projections.failures import PERMANENT, describe_error

metadata = MetaData()

parked_items = Table(
    "parked_items",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("pipeline", String(120), nullable=False),
    Column("item_key", String(80), nullable=False),
    Column("position", BigInteger),  # notification id (projections, policy processes, relay)
    Column("partition", Integer),  # inbound records
    Column("offset", BigInteger),
    Column("item_id", String(200)),  # event id <aggregate id>:<version>, or a record's ce_id
    Column("error_class", String(200), nullable=False),
    Column("error_message", Text, nullable=False),
    Column("kind", String(20), nullable=False, default=PERMANENT),
    Column("parked_at", DateTime(timezone=True), nullable=False),
    Column("retried_at", DateTime(timezone=True)),
    Column("retries", Integer, nullable=False, default=0),
    Column("resolved_at", DateTime(timezone=True)),
    UniqueConstraint("pipeline", "item_key", name="parked_items_pipeline_item"),
)


@dataclass(frozen=True)
class ParkedItem:
    """One parked item, as `eldercare parked show` and `/healthz` report it."""

    id: int
    pipeline: str
    item_key: str
    position: int | None
    partition: int | None
    offset: int | None
    item_id: str | None
    error_class: str
    error_message: str
    kind: str
    parked_at: datetime
    retried_at: datetime | None
    retries: int
    resolved_at: datetime | None

    def as_dict(self) -> dict[str, Any]:
        out = dict(vars(self))
        for key in ("parked_at", "retried_at", "resolved_at"):
            value = out[key]
            out[key] = _utc(value).isoformat().replace("+00:00", "Z") if value is not None else None
        return out


@dataclass(frozen=True)
class PipelineSummary:
    """Unresolved parked items of one pipeline: how many, since when (the oldest)."""

    pipeline: str
    count: int
    since: datetime

    def as_dict(self) -> dict[str, Any]:
        return {"pipeline": self.pipeline, "count": self.count,
                "since": _utc(self.since).isoformat().replace("+00:00", "Z")}


def _utc(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def notification_key(notification_id: int) -> str:
    return f"n:{notification_id}"


def record_key(partition: int, offset: int) -> str:
    return f"p{partition}:o{offset}"


class ParkedStore:
    """The `parked_items` table on one views engine. Get it with `parked_store(engine)`."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.table = parked_items

    def create_table(self) -> None:
        create_all_race_free(metadata, self.engine)

    # -- writing ---------------------------------------------------------------------------
    def park(
        self,
        conn: Session | Connection,
        *,
        pipeline: str,
        item_key: str,
        error: BaseException | tuple[str, str],
        position: int | None = None,
        partition: int | None = None,
        offset: int | None = None,
        item_id: str | None = None,
        now: datetime | None = None,
    ) -> None:
        """Record (or refresh) a parked item inside the caller's transaction.

        Parking the same item again (a retry that failed, a second runner) updates its error and
        keeps its first `parked_at`; a resolved item parked again is unresolved.
        """
        error_class, message = error if isinstance(error, tuple) else describe_error(error)
        t = self.table
        existing = conn.execute(
            select(t.c.id).where(t.c.pipeline == pipeline, t.c.item_key == item_key)
        ).first()
        if existing is None:
            conn.execute(t.insert().values(
                pipeline=pipeline, item_key=item_key, position=position, partition=partition,
                offset=offset, item_id=item_id, error_class=error_class, error_message=message,
                kind=PERMANENT, parked_at=now or datetime.now(UTC), retries=0))
        else:
            conn.execute(update(t).where(t.c.id == existing.id).values(
                error_class=error_class, error_message=message, resolved_at=None))

    def park_now(self, **kwargs: Any) -> None:
        """`park` in its own transaction (pipelines whose position is not in this database)."""
        with self.engine.begin() as conn:
            self.park(conn, **kwargs)

    def mark_retried(self, item: ParkedItem, *, resolved: bool, error: BaseException | None = None,
                     conn: Session | Connection | None = None) -> None:
        """Count a retry; resolved on success, otherwise the new error is kept."""
        values: dict[str, Any] = {"retried_at": datetime.now(UTC), "retries": self.table.c.retries + 1}
        if resolved:
            values["resolved_at"] = datetime.now(UTC)
        elif error is not None:
            values["error_class"], values["error_message"] = describe_error(error)
        statement = update(self.table).where(self.table.c.id == item.id).values(values)
        if conn is not None:
            conn.execute(statement)
        else:
            with self.engine.begin() as own:
                own.execute(statement)

    def forget_pipeline(self, conn: Session | Connection, pipeline: str) -> None:
        """A view rebuilt from 0 parks its poison again: its old rows go with its old tables."""
        conn.execute(self.table.delete().where(self.table.c.pipeline == pipeline))

    # -- reading ---------------------------------------------------------------------------
    def list(self, pipeline: str | None = None, *, include_resolved: bool = False,
             limit: int = 1000) -> list[ParkedItem]:
        t = self.table
        query = select(t).order_by(t.c.pipeline, t.c.position, t.c.partition, t.c.offset, t.c.id)
        if pipeline is not None:
            query = query.where(t.c.pipeline == pipeline)
        if not include_resolved:
            query = query.where(t.c.resolved_at.is_(None))
        with self.engine.connect() as conn:
            rows = conn.execute(query.limit(limit)).all()
        return [ParkedItem(**row._mapping) for row in rows]

    def with_key(self, item_key: str) -> list[ParkedItem]:
        """The unresolved items of every pipeline under `item_key` (e.g. a pipeline's refusal)."""
        t = self.table
        with self.engine.connect() as conn:
            rows = conn.execute(select(t).where(t.c.item_key == item_key, t.c.resolved_at.is_(None))).all()
        return [ParkedItem(**row._mapping) for row in rows]

    def get(self, item_id: int) -> ParkedItem | None:
        with self.engine.connect() as conn:
            row = conn.execute(select(self.table).where(self.table.c.id == item_id)).first()
        return ParkedItem(**row._mapping) if row is not None else None

    def summary(self) -> list[PipelineSummary]:
        """Unresolved items per pipeline, oldest first within none: ordered by pipeline name."""
        t = self.table
        query = (select(t.c.pipeline, func.count(), func.min(t.c.parked_at))
                 .where(t.c.resolved_at.is_(None)).group_by(t.c.pipeline).order_by(t.c.pipeline))
        with self.engine.connect() as conn:
            return [PipelineSummary(p, int(n), since) for p, n, since in conn.execute(query).all()]

    def count(self, pipeline: str) -> int:
        t = self.table
        query = select(func.count()).select_from(t).where(t.c.pipeline == pipeline,
                                                          t.c.resolved_at.is_(None))
        with self.engine.connect() as conn:
            return int(conn.execute(query).scalar_one())


def created_concurrently(exc: BaseException) -> bool:
    """Did CREATE fail because another process created the same table between check and create, or
    changed the same catalog row at the same moment ("tuple concurrently updated")? Checking again
    and creating what is still missing is then safe."""
    text = str(exc)
    return ("already exists" in text or ("duplicate key" in text and "pg_type" in text)
            or "tuple concurrently updated" in text)


def create_all_race_free(tables: MetaData, engine: Engine, attempts: int = 3) -> None:
    """`create_all(checkfirst=True)`, checking again when another process won the race."""
    for attempt in range(1, attempts + 1):
        try:
            tables.create_all(engine, checkfirst=True)
            return
        except Exception as exc:
            if not created_concurrently(exc) or attempt == attempts:
                raise


_stores: WeakKeyDictionary[Engine, ParkedStore] = WeakKeyDictionary()
_stores_lock = threading.Lock()


def parked_store(engine: Engine) -> ParkedStore:
    """The parked store of a views engine, its table created on first use (once per engine)."""
    with _stores_lock:
        store = _stores.get(engine)
        if store is None:
            store = ParkedStore(engine)
            store.create_table()
            _stores[engine] = store
        return store
