"""The shape every read model shares: a View (tables + tracking) and a Projection (handlers).

A view is an `eventsourcing-sqlalchemy` tracking recorder that also owns its tables, so one
implementation serves SQLite and PostgreSQL, and its rows and its tracking position are written in
one transaction: an event is applied exactly once per view, and a replayed position is refused.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import socket
import threading
import time
import warnings
import zlib
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from datetime import date, datetime
from decimal import Decimal
from operator import itemgetter
from pathlib import Path
from typing import Any, ClassVar, Generic, TypeVar
from uuid import UUID

import sqlalchemy.exc
from eventsourcing.persistence import IntegrityError, Tracking
from eventsourcing.projection import Projection
from eventsourcing.utils import get_topic
from eventsourcing_sqlalchemy.datastore import SQLAlchemyDatastore
from eventsourcing_sqlalchemy.recorders import SQLAlchemyTrackingRecorder
from sqlalchemy import MetaData, Table, bindparam, func, select, text
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.engine import Connection
from sqlalchemy.exc import SAWarning
from sqlalchemy.orm import Session


class View(SQLAlchemyTrackingRecorder):
    """Tables of one read model plus its tracking table (`<name>_tracking`)."""

    name: ClassVar[str] = ""

    def __init__(self, datastore: SQLAlchemyDatastore) -> None:
        with warnings.catch_warnings():
            # every view defines a tracking record class of the same name on its own table
            warnings.simplefilter("ignore", SAWarning)
            super().__init__(datastore, tracking_table_name=f"{self.name}_tracking")
        self.metadata = MetaData()
        self.define_tables(self.metadata)

    def define_tables(self, metadata: MetaData) -> None:
        """Declare this view's tables on `metadata`."""
        raise NotImplementedError

    @property
    def engine(self) -> Any:
        return self.datastore.engine

    @property
    def reader(self) -> Any:
        """The engine for queries: autocommit, so a read costs its statements only (no BEGIN and
        ROLLBACK round trips around them). Each statement still reads one consistent snapshot;
        a transaction over several gave no more under READ COMMITTED."""
        found = self.__dict__.get("_reader")
        if found is None:
            found = self.__dict__["_reader"] = self.engine.execution_options(isolation_level="AUTOCOMMIT")
        return found

    def create_table(self) -> None:
        with ddl_lock(self.engine):
            self._create_tables()

    def _create_tables(self) -> None:
        for attempt in (1, 2, 3):
            try:
                super().create_table()
                self.metadata.create_all(self.engine, checkfirst=True)
                break
            except Exception as exc:
                # another process created a table between our check and our CREATE: check again
                from projections.parked import created_concurrently

                if not created_concurrently(exc) or attempt == 3:
                    raise
        from projections.parked import parked_store

        parked_store(self.engine)  # every pipeline parks into the same table of this database

    def drop_tables(self) -> None:
        """Drop the view's tables and its position together (a relay or a demo starting over; a
        rebuild uses `reset_tables`, which is never seen half done)."""
        with ddl_lock(self.engine):
            self.metadata.drop_all(self.engine, checkfirst=True)
            self.tracking_table.drop(self.engine, checkfirst=True)

    def reset_tables(self, pipeline: str) -> None:
        """Drop and create again this view's tables and its tracking table (no position: 0) and
        forget what `pipeline` parked, all in ONE transaction (a rebuild's start).

        Dropped and created in separate transactions, the tables were missing for a moment: a runner
        of another process (the worker, a second rebuild) met "no such table" or `UndefinedTable`
        there, a CLI command died with exit 69, and a page of events was parked as poison. In one
        transaction nobody sees them missing: PostgreSQL's DDL is transactional (the tracking table
        is dropped first: every runner claims it first, so a runner mid-page finishes before, and the
        next one waits for the commit, then finds the new, empty tables and takes turns with the
        rebuild's catch-up); on SQLite `BEGIN IMMEDIATE` takes the database's write lock first.
        Raises the database's own errors (unreachable: the CLI's exit 69), having changed nothing.
        """
        from projections.parked import parked_store

        parked = parked_store(self.engine)  # its table is there before the transaction starts
        with ddl_lock(self.engine), self.engine.connect() as conn, conn.begin():
            begin_immediate(conn)
            self.tracking_table.drop(conn, checkfirst=True)
            self.metadata.drop_all(conn, checkfirst=True)
            self.tracking_table.create(conn)
            self.metadata.create_all(conn, checkfirst=False)
            parked.forget_pipeline(conn, pipeline)  # a rebuild parks its poison again

    def record_position(self, session: Session, tracking: Tracking) -> None:
        """Advance the position inside the caller's transaction; refuse going back or repeating."""
        current = self.max_tracking_id(tracking.application_name)
        if current is not None and current >= tracking.notification_id:
            raise IntegrityError(
                f"{self.name}: position {tracking.notification_id} already applied (at {current})"
            )
        record = (
            session.query(self.tracking_record_cls)
            .filter_by(application_name=tracking.application_name)
            .first()
        )
        if record is None:
            session.add(
                self.tracking_record_cls(
                    application_name=tracking.application_name,
                    notification_id=tracking.notification_id,
                )
            )
        else:
            record.notification_id = tracking.notification_id

    def claim_position(self, session: Session, application_name: str) -> Any:
        """Lock this view's tracking row for the caller's transaction and return it.

        Two runners of one view (the serve loop and `eldercare tick`, or two processes) then take
        turns: the second waits for the first to commit and reads the position it left, so no event
        is applied twice. The row is created at position 0 the first time. On PostgreSQL the lock
        is `SELECT ... FOR UPDATE`; SQLite has no row locks (`FOR UPDATE` is a no-op there), so the
        transaction is opened with `BEGIN IMMEDIATE` (the database's write lock) before the
        position is read.
        """
        begin_immediate(session)
        query = session.query(self.tracking_record_cls).filter_by(application_name=application_name)
        record = query.with_for_update().first()
        if record is None:
            try:
                with session.begin_nested():
                    session.add(
                        self.tracking_record_cls(application_name=application_name, notification_id=0)
                    )
            except sqlalchemy.exc.IntegrityError:
                pass  # another runner created it first
            record = query.with_for_update().first()
        return record

    def tables(self) -> list[Table]:
        return list(self.metadata.sorted_tables)

    def checksum(self) -> str:
        """SHA-256 over every row of every table in primary-key order: equal after a rebuild."""
        digest = hashlib.sha256()
        with self.engine.connect() as conn:
            for table in self.metadata.sorted_tables:  # `self.tables` is the recorder's list
                digest.update(table.name.encode())
                order = list(table.primary_key.columns) or list(table.columns)
                for row in conn.execute(select(table).order_by(*order)):
                    digest.update(json.dumps(list(row), default=_plain, sort_keys=True).encode())
        return digest.hexdigest()


def begin_immediate(session: Session | Connection) -> None:
    """On SQLite, open the session's (or connection's) transaction with the database write lock
    (`BEGIN IMMEDIATE`).

    Python's sqlite3 module begins transactions lazily, only before the first write, so a read of
    the position at the start of a transaction takes no lock and two processes read the same
    position: each applied the same page (3,397 receipts for 3,000). Taking the write lock before
    the first read makes the claim exclusive; a second process waits (busy timeout) and then reads
    the position the first left. Must be the transaction's first statement; a no-op elsewhere.
    """
    connection = session if isinstance(session, Connection) else session.connection()
    if connection.dialect.name != "sqlite":
        return
    driver = connection.connection.driver_connection
    if driver is not None and not driver.in_transaction:
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def _plain(value: Any) -> Any:
    if isinstance(value, date | datetime):
        return value.isoformat()
    if isinstance(value, UUID | Decimal):
        return str(value)
    if isinstance(value, bytes):
        return value.hex()
    raise TypeError(type(value))


V = TypeVar("V", bound=View)


def any_of(column: Any, values: list[Any], dialect: str, chunk: int = 500) -> Iterator[Any]:
    """Conditions `column ∈ values` that together cover all of `values`: on PostgreSQL one
    `IN (SELECT unnest(array))` with the array as a single parameter; elsewhere `IN` lists of `chunk`.

    Why (measured, issue 15): once psycopg prepared a statement and PostgreSQL planned it for any
    values (a generic plan), a table without statistics (a view being rebuilt, the relay's first
    catch-up) was read whole with each row compared with each value — an `IN` list of parameters or
    `= ANY(array)` alike: a page's DELETE went from 2-8 ms to 340 ms after ~15 pages and grew with the
    table (1 s at 40,000 rows). As a join with the unnested array the plan is a hash or index join
    whatever the planner knows: 1-9 ms at 20,000 rows."""
    if dialect == "postgresql":
        array = bindparam(f"{column.name}_any", list(values), type_=ARRAY(column.type))
        yield column.in_(select(func.unnest(array)))
        return
    for start in range(0, len(values), chunk):
        yield column.in_(values[start:start + chunk])


class RowBuffer:
    """Write-behind for one transaction: rows keyed by primary key, inserts and updates merged.

    A page of events often touches the same rows many times (a facility registered, then graded,
    then changed); one INSERT or UPDATE per row per page, sent as executemany, instead of one
    statement per event, is what makes rebuilding a large log fast. Updates of a row inserted in
    the same page fold into the insert; per-row order is kept because changes merge in order.
    """

    def __init__(self, table: Table) -> None:
        self.table = table
        self.keys = tuple(c.name for c in table.primary_key.columns)
        #: a row's primary key, a tuple in `keys` order
        self.key_of: Callable[[dict[str, Any]], tuple[Any, ...]] = (
            itemgetter(*self.keys) if len(self.keys) > 1
            else (lambda values, k=self.keys[0]: (values[k],)) if self.keys else (lambda values: ()))
        self.inserts: dict[tuple[Any, ...], dict[str, Any]] = {}
        self.updates: dict[tuple[Any, ...], dict[str, Any]] = {}

    def insert(self, values: dict[str, Any]) -> None:
        self.inserts[self.key_of(values)] = dict(values)

    def insert_new(self, values: dict[str, Any]) -> None:
        """`insert` of a dict the caller built for this call and never touches again (not copied)."""
        self.inserts[self.key_of(values)] = values

    def update(self, key: tuple[Any, ...], values: dict[str, Any]) -> None:
        """Change the row with primary key `key` (a tuple, in primary-key column order)."""
        target = self.inserts.get(key)
        if target is None:
            target = self.updates.setdefault(key, {})
        target.update(values)

    def flush(self, session: Session) -> None:
        # executemany needs one column set per statement: merged updates can widen a row
        inserts: dict[tuple[str, ...], list[dict[str, Any]]] = {}
        for values in self.inserts.values():
            inserts.setdefault(tuple(sorted(values)), []).append(values)
        connection = session.connection()
        for columns, rows in inserts.items():
            if not self._copy(connection, columns, rows):
                connection.execute(self.table.insert(), rows)
        by_columns: dict[tuple[str, ...], list[dict[str, Any]]] = {}
        for key, values in self.updates.items():
            columns = tuple(sorted(values))
            by_columns.setdefault(columns, []).append({
                **{f"_k_{k}": v for k, v in zip(self.keys, key, strict=True)},
                **{f"_v_{c}": v for c, v in values.items()},
            })
        where = [self.table.c[k] == bindparam(f"_k_{k}") for k in self.keys]
        for columns, rows in by_columns.items():
            statement = (
                self.table.update()
                .where(*where)
                .values({c: bindparam(f"_v_{c}") for c in columns})
            )
            session.connection().execute(statement, rows)
        self.inserts.clear()
        self.updates.clear()

    def _copy(self, connection: Any, columns: tuple[str, ...], rows: list[dict[str, Any]]) -> bool:
        """Insert `rows` (dicts with exactly `columns`) with one `COPY ... FROM STDIN` on PostgreSQL.

        COPY is the same insert for the database (constraints, indexes, defaults of the columns not
        named), without a protocol message per row: a page of 2,000 new rows costs a few
        milliseconds instead of tens. Values pass through the columns' bind processors as they do
        for an INSERT. Returns False, having written nothing, where an INSERT is needed instead: not
        PostgreSQL through psycopg 3, fewer than `COPY_MIN_ROWS` rows, or a column left out that has
        a Python-side default (SQLAlchemy fills those in, COPY would not).
        """
        if len(rows) < COPY_MIN_ROWS or connection.dialect.driver != "psycopg":
            return False
        key = (self.table, columns, connection.dialect.name)
        if key not in _COPY_PLANS:
            _COPY_PLANS[key] = _copy_plan(self.table, columns, connection.dialect)
        plan = _COPY_PLANS[key]
        if plan is None:
            return False
        statement, processors = plan
        cursor = connection.connection.driver_connection.cursor()
        try:
            with cursor.copy(statement) as copy:
                if any(processors):
                    pairs = list(zip(columns, processors, strict=True))
                    for values in rows:
                        copy.write_row([values[c] if p is None else p(values[c]) for c, p in pairs])
                else:
                    for values in rows:
                        copy.write_row([values[c] for c in columns])
        finally:
            cursor.close()
        return True


#: below this many rows an executemany INSERT is as quick as COPY (one round trip either way)
COPY_MIN_ROWS = 8
#: (table, column names, dialect name) -> `_copy_plan`: a few per table (one per column set written)
_COPY_PLANS: dict[tuple[Table, tuple[str, ...], str], tuple[Any, list[Any]] | None] = {}


def _copy_plan(table: Table, columns: tuple[str, ...], dialect: Any) -> tuple[Any, list[Any]] | None:
    """`(COPY statement, bind processor or None per column)` for rows of `columns` into `table`;
    None when a column left out has a Python-side default, which COPY cannot apply."""
    from psycopg import sql

    if any(c.default is not None for c in table.columns if c.name not in columns):
        return None
    statement = sql.SQL("COPY {} ({}) FROM STDIN").format(
        sql.Identifier(*([table.schema] if table.schema else []), table.name),
        sql.SQL(", ").join(sql.Identifier(c) for c in columns),
    )
    return statement, [table.c[c].type._cached_bind_processor(dialect) for c in columns]


def handles(*event_classes: type) -> Any:
    """Mark a projection method as the handler of these event classes."""

    def mark(method: Any) -> Any:
        method.__handles__ = event_classes
        return method

    return mark


class ViewProjection(Projection[V], Generic[V]):
    """Handlers (methods marked `@handles(Event)`) write rows through the session they are given.

    `process_event` is the library's one-event contract; the runner batches many events into one
    transaction instead, which is what makes rebuilding a million events fast.
    """

    view_class: ClassVar[type[View]]
    #: set to False for views that take every event (e.g. the timeline): `apply_any` gets them
    filter_topics: ClassVar[bool] = True
    _handlers: ClassVar[dict[type, str]] = {}

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        handlers = dict(cls._handlers)
        for attr, value in vars(cls).items():
            for event_class in getattr(value, "__handles__", ()):
                handlers[event_class] = attr
        cls._handlers = handlers

    def apply(self, event: Any, session: Session) -> None:
        """Dispatch on the event's class; events this view does not handle change nothing."""
        attr = self._handlers.get(type(event))
        if attr is not None:
            getattr(self, attr)(event, session)
        elif not self.filter_topics:
            self.apply_any(event, session)

    def apply_any(self, event: Any, session: Session) -> None:
        """Views that take every event override this."""

    def buffer(self, session: Session, table: Table) -> RowBuffer:
        """The transaction's write-behind buffer for `table` (kept on the session, so two runners
        sharing this projection never mix their rows). Flushed by `flush` before the commit."""
        buffers: dict[str, RowBuffer] = session.info.setdefault("row_buffers", {})
        found = buffers.get(table.name)
        if found is None:
            found = buffers[table.name] = RowBuffer(table)
        return found

    def flush(self, session: Session) -> None:
        """Write buffered rows; handlers that query their own tables call this first."""
        for buffer in session.info.get("row_buffers", {}).values():
            buffer.flush(session)

    def process_event(self, domain_event: Any, tracking: Tracking) -> None:
        with self.view.transaction(commit=True) as session:
            self.apply(domain_event, session)
            self.flush(session)
            self.view.record_position(session, tracking)

    @classmethod
    def handled_topics(cls) -> tuple[str, ...]:
        """Topics to read from the log: only the events this view handles (empty = all)."""
        if not cls.filter_topics:
            return ()
        topics: Iterable[str] = (get_topic(t) for t in cls._handlers)
        return tuple(sorted(topics))


def event_meta(event: Any) -> dict[str, Any]:
    """The provenance every event carries, flattened for a row."""
    return {
        "occurred_on": getattr(event, "occurred_on", None),
        "recorded_at": event.timestamp,
        "actor_user": getattr(getattr(event, "actor", None), "user", None),
        "source": getattr(event, "source", None),
    }


#: PostgreSQL advisory lock key that serialises the views' DDL across processes
DDL_LOCK_KEY = 7_265_001
_ddl_held = threading.local()


@contextmanager
def ddl_lock(engine: Any) -> Iterator[None]:
    """Hold the database-wide lock for CREATE/DROP of view tables (PostgreSQL; SQLite's own write lock
    serialises DDL already). Processes creating every view's tables while another drops and re-creates
    one (`projections rebuild --jobs`) otherwise meet PostgreSQL's "tuple concurrently updated" or a
    table dropped between a check and a CREATE INDEX. Re-entrant within a thread."""
    if engine.dialect.name != "postgresql" or getattr(_ddl_held, "depth", 0):
        _ddl_held.depth = getattr(_ddl_held, "depth", 0) + 1
        try:
            yield
        finally:
            _ddl_held.depth -= 1
        return
    with engine.connect() as conn:
        conn.exec_driver_sql(f"SELECT pg_advisory_lock({DDL_LOCK_KEY})")
        conn.commit()
        _ddl_held.depth = 1
        try:
            yield
        finally:
            _ddl_held.depth = 0
            conn.exec_driver_sql(f"SELECT pg_advisory_unlock({DDL_LOCK_KEY})")
            conn.commit()


class RebuildRunning(Exception):
    """Raised by `rebuild_lock` (so by `Runner.rebuild`) when another rebuild of the view holds its
    lock: nothing of the view was touched. The CLI names the view and the holder and exits 5
    (conflict) after rebuilding the other views."""

    def __init__(self, view: str, holder: str) -> None:
        super().__init__(view, holder)  # both in `args`: the error crosses a process pool pickled
        self.view = view
        self.holder = holder

    def __str__(self) -> str:
        return f"a rebuild of {self.view} is already running ({self.holder})"


#: PostgreSQL advisory locks of rebuilds: (this class, a number per view), a key space apart from
#: DDL_LOCK_KEY's (one bigint: PostgreSQL keeps one-key and two-key advisory locks apart)
REBUILD_LOCK_CLASS = 7_265
#: what `rebuild_lock` calls its holder in PostgreSQL's `application_name` (at most 63 bytes)
_REBUILD_APPLICATION = "eldercare rebuild "
_rebuilds_held = threading.local()


def rebuild_lock_number(name: str) -> int:
    """The view's number in the rebuild locks' advisory key space (stable across processes)."""
    return zlib.crc32(name.encode()) & 0x7FFF_FFFF


def _holder() -> str:
    return f"pid {os.getpid()} on {socket.gethostname()}"


@contextmanager
def rebuild_lock(view: View) -> Iterator[None]:
    """Hold `view`'s rebuild lock while the block runs, or raise `RebuildRunning` at once (having
    waited for nothing and changed nothing) when another rebuild of the view holds it.

    One rebuild of a view at a time, across processes and hosts. PostgreSQL: a session advisory
    lock (`REBUILD_LOCK_CLASS`, the view's number) on a connection kept for the block, whose
    `application_name` names the holder (pid and host); SQLite: `flock` on a file beside the views
    database (`<file>.rebuild-<view>.lock`, holding the holder's pid and host). Either is released
    when the holder ends, however it ends. Re-entrant within a thread: the CLI holds it around the
    rebuild and the checksum it prints. Runners do not take it: they take turns with a rebuild by
    claiming the position (`View.claim_position`).
    """
    held: set[tuple[str, str]] = _rebuilds_held.__dict__.setdefault("keys", set())
    key = (str(view.engine.url), view.name)
    if key in held:
        yield
        return
    if view.engine.dialect.name == "postgresql":
        lock = _advisory_rebuild_lock(view)
    else:
        database = view.engine.url.database
        if not database or database == ":memory:":  # one process only: the thread lock suffices
            lock = _process_rebuild_lock(key)
        else:
            lock = _file_rebuild_lock(view.name, Path(database))
    with lock:
        held.add(key)
        try:
            yield
        finally:
            held.discard(key)


@contextmanager
def _advisory_rebuild_lock(view: View) -> Iterator[None]:
    """PostgreSQL: `pg_try_advisory_lock` on a connection of its own, held for the block."""
    number = rebuild_lock_number(view.name)
    params = {"cls": REBUILD_LOCK_CLASS, "number": number}
    take = text("SELECT set_config('application_name', :name, false), "
                "pg_try_advisory_lock(CAST(:cls AS integer), CAST(:number AS integer))")
    with view.reader.connect() as conn:  # autocommit: the lock is the session's, not a transaction's
        for attempt in range(1, 4):
            # named before the lock is taken, so whoever is refused finds the holder named already
            if conn.execute(take, {**params, "name": (_REBUILD_APPLICATION + _holder())[:63]}).one()[1]:
                break
            holder = _advisory_holder(conn, params)
            if holder is not None or attempt == 3:  # else the holder finished meanwhile: try again
                conn.execute(text("RESET application_name"))
                raise RebuildRunning(view.name, holder or "another process")
        try:
            yield
        finally:
            try:
                conn.execute(text("SELECT pg_advisory_unlock(CAST(:cls AS integer), "
                                  "CAST(:number AS integer))"), params)
                conn.execute(text("RESET application_name"))
            except sqlalchemy.exc.DBAPIError:
                conn.invalidate()  # the connection broke: its session, and the lock, end with it


def _advisory_holder(conn: Connection, params: dict[str, int]) -> str | None:
    """Who holds the rebuild lock `params`: its pid and host, as it named itself (None: nobody)."""
    row = conn.execute(text(
        "SELECT a.application_name, a.pid, host(a.client_addr) FROM pg_locks l "
        "JOIN pg_stat_activity a ON a.pid = l.pid WHERE l.locktype = 'advisory' AND l.granted "
        "AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database()) "
        "AND l.classid = CAST(:cls AS oid) AND l.objid = CAST(:number AS oid) AND l.objsubid = 2"),
        params).first()
    if row is None:
        return None
    name, backend, client = row
    if name and name.startswith(_REBUILD_APPLICATION):
        return name.removeprefix(_REBUILD_APPLICATION)
    return f"PostgreSQL backend pid {backend}" + (f" of a client at {client}" if client else "")


@contextmanager
def _file_rebuild_lock(name: str, database: Path) -> Iterator[None]:
    """SQLite: an exclusive `flock` on `<database>.rebuild-<name>.lock`, which says who holds it."""
    path = database.with_name(f"{database.name}.rebuild-{name}.lock")
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        for attempt in range(1, 4):
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                holder = _file_holder(fd)
                if holder is not None or attempt == 3:  # else it finished meanwhile: try again
                    raise RebuildRunning(name, holder or "another process") from None
        try:
            os.ftruncate(fd, 0)
            os.pwrite(fd, _holder().encode(), 0)
            yield
        finally:
            os.ftruncate(fd, 0)  # names nobody: a process refused from now on tries again
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


def _file_holder(fd: int) -> str | None:
    """The holder a lock file names (None: it names none). Its holder writes it just after taking
    the lock and empties it as it lets go, so an empty file is read again for a moment."""
    for _ in range(20):
        said = os.pread(fd, 200, 0).decode("utf-8", "replace").strip()
        if said:
            return said
        time.sleep(0.01)
    return None


_process_locks: dict[tuple[str, str], threading.Lock] = {}
_process_locks_guard = threading.Lock()


@contextmanager
def _process_rebuild_lock(key: tuple[str, str]) -> Iterator[None]:
    """A database only this process sees (SQLite in memory): a lock of this process."""
    with _process_locks_guard:
        lock = _process_locks.setdefault(key, threading.Lock())
    if not lock.acquire(blocking=False):
        raise RebuildRunning(key[1], f"{_holder()}, another thread")
    try:
        yield
    finally:
        lock.release()
