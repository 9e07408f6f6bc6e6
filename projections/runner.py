"""Runs projections: catch up in batches, then follow the log; status and rebuild.

Why not `eventsourcing.projection.ProjectionRunner`? It needs a recorder subscription, which
`eventsourcing.sqlite` does not offer, and it commits once per event. This runner polls the
notification log (works on both stores), applies a page of events per transaction with the
position in the same transaction, and is woken at once by in-process saves.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Collection
from dataclasses import dataclass
from typing import Any

import psycopg
import structlog
from eventsourcing.application import Application
from eventsourcing.persistence import Notification
from sqlalchemy import update

from projections.base import ViewProjection, begin_immediate, rebuild_lock
from projections.failures import REBUILD_CURE, AheadOfStore, is_transient, recorded_refusal, refuse_ahead
from projections.parked import ParkedItem, notification_key, parked_store
from supervision.unavailable import log_failure

log = structlog.get_logger(__name__)


@dataclass(frozen=True)
class Status:
    name: str
    position: int
    head: int
    parked: int = 0

    @property
    def lag(self) -> int:
        return max(self.head - self.position, 0)


class Runner:
    def __init__(
        self, app: Application[Any], projection: ViewProjection[Any], batch_size: int = 1000
    ) -> None:
        self.app = app
        self.projection = projection
        self.view = projection.view
        self.batch_size = batch_size
        self.topics = projection.handled_topics()
        self.wakeup = threading.Event()
        self.applied = threading.Condition()
        #: every notification up to here is applied or of no interest to this view (in memory;
        #: the view's tracking row may be behind by skipped notifications: `persist_skipped`)
        self.last_applied = 0
        self._persisted = 0  # the tracking row's position as this runner last wrote or read it
        self._persisted_at = 0.0
        #: the coordinator's order: the head to catch up to and this view's events up to it
        self.target: tuple[int, list[Any] | None] | None = None
        self.error: BaseException | None = None
        #: held while this runner's own thread works, and by the coordinator while it applies this
        #: view's events itself (`ProjectionService.apply_round`): one of them at a time
        self.busy = threading.Lock()
        #: a refusal recorded earlier (`AheadOfStore`) was looked for (`catch_up`)
        self._refusal_checked = False

    @property
    def name(self) -> str:
        return self.view.name

    def position(self) -> int:
        return self.view.max_tracking_id(self.app.name) or 0

    def head(self) -> int:
        return self.app.recorder.max_notification_id() or 0

    def status(self) -> Status:
        parked = parked_store(self.view.engine).count(self.name)
        return Status(self.name, self.position(), self.head(), parked)

    def catch_up(
        self,
        progress: Callable[[int], None] | None = None,
        *,
        head: int | None = None,
        known: list[Any] | None = None,
    ) -> int:
        """Apply every notification up to the head (or `head`); returns how many were read.

        A page is applied in one transaction with the position. When a page fails permanently,
        it is applied again event by event, each under its own savepoint: the poison events are
        parked (with their position, event id and error, in the same transaction) and every other
        event is applied once; the position then moves past the page. A transient failure (the
        database unreachable, a lock timeout) is raised: nothing was committed, the caller retries.

        `known` (the service's coordinator): this view's events after `last_applied` up to `head`,
        already read and decoded, `(notification, event)` pairs; used when the view's position is
        still the one this runner last saw, so the log is not read a second time.
        """
        if not self._refusal_checked:  # once per runner: a refusal recorded before holds
            refusal = recorded_refusal(self.view.engine, self.name)
            if refusal is not None:
                raise refusal
            self._refusal_checked = True
        head = self.head() if head is None else head
        read = 0
        if known is not None and len(known) < self.batch_size and self._persisted_at:
            start = self._persisted
            if head > start and self._apply_known(head, known):
                read += head - start
                if progress:
                    progress(head - start)
                self._seen(head, persisted=True)
                self.error = None
                return read
        window = self.batch_size * (SCAN_WINDOW_PAGES if self.topics else 1)  # ids per read
        ahead: AheadOfStore | None = None
        while True:
            with self.view.transaction(commit=True) as session:
                # The position is read under the lock (a row lock on PostgreSQL, the database's
                # write lock on SQLite): another runner of this view may have advanced it.
                claim = self.view.claim_position(session, self.app.name)
                start = claim.notification_id
                if start >= head:
                    if start > head and start > self.head():  # not just a newer head than ours
                        ahead = AheadOfStore(self.name, start, self.head(), REBUILD_CURE)
                        break  # recorded below, outside this transaction (SQLite: its write lock)
                    self._seen(start, persisted=True)
                    break
                if known is not None and start == self._persisted and len(known) < self.batch_size:
                    events = [(n, e) for n, e in known if n.id > start]
                    last = head
                else:
                    # Each read scans a bounded range of ids (`window`): without one, a table without
                    # statistics (autovacuum off, or just loaded) is read by a bitmap scan and sort of
                    # everything up to the head for every page, quadratic in the log.
                    stop = min(head, start + window)
                    page = self.app.recorder.select_notifications(
                        start=start + 1, limit=self.batch_size, stop=stop, topics=self.topics
                    )
                    # A filtered page shorter than the limit means nothing else of interest up to stop.
                    last = page[-1].id if len(page) == self.batch_size else stop
                    events = [(n, None) for n in page]
                    if self.topics:  # next window: what a full page took here, +25 %; twice if short
                        full = len(page) == self.batch_size
                        window = (max(self.batch_size, (last - start) * 5 // 4) if full
                                  else min(window * 2, self.batch_size * SCAN_WINDOW_MAX_PAGES))
                known = None
                self._apply_page(session, events)
                claim.notification_id = last
            read += last - start
            if progress:
                progress(last - start)
            self._seen(last, persisted=True)
        if ahead is not None:
            raise refuse_ahead(self.view.engine, self.name, ahead)
        self.error = None  # caught up: an earlier failure (kept for status and /healthz) is over
        return read

    def _apply_known(self, head: int, known: list[Any]) -> bool:
        """Apply the coordinator's events up to `head`, claiming the position with one statement.

        `UPDATE ... SET position = head WHERE position = <the one this runner last wrote>` both
        locks the tracking row (as `claim_position` does) and moves it, so the transaction is
        BEGIN, that UPDATE, the rows, COMMIT: two round trips fewer than claim, read, update. It
        matches nothing when another process moved the position meanwhile: then nothing was
        written and False is returned (the caller claims and reads the log itself).
        """
        start = self._persisted
        table = self.view.tracking_record_cls.__table__
        with self.view.transaction(commit=True) as session:
            begin_immediate(session)
            moved = session.execute(
                update(table)
                .where(table.c.application_name == self.app.name, table.c.notification_id == start)
                .values(notification_id=head)
            ).rowcount
            if moved != 1:
                return False
            self._apply_page(session, [(n, e) for n, e in known if start < n.id <= head])
        return True

    def _seen(self, position: int, persisted: bool = False) -> None:
        """Every notification up to `position` is applied, or of no interest to this view."""
        with self.applied:
            if persisted:
                self._persisted = position
                self._persisted_at = time.monotonic()
            # never back: the coordinator may have moved it past events of no interest meanwhile
            self.last_applied = max(self.last_applied, position)
            self.applied.notify_all()

    def notice_rebuild(self) -> bool:
        """Has a rebuild elsewhere (another process) set this view back? A rebuild resets the view
        and replays it to the head it read; this runner may have applied events beyond that
        meanwhile, and would then believe itself caught up until the view's next event (found by
        the concurrent-rebuild test under load: a view two events behind for good). When the stored
        position is below the one this runner last wrote, its in-memory position is set back to the
        stored one (True): the coordinator's next round finds it behind. False when not, or when the
        runner is busy (asked again later)."""
        if not self.busy.acquire(blocking=False):
            return False
        try:
            stored = self.position()
            with self.applied:
                if stored >= self._persisted:
                    return False
                self.last_applied = self._persisted = stored
                self._persisted_at = time.monotonic()
            return True
        finally:
            self.busy.release()

    def skip_to(self, head: int) -> None:
        """Nothing up to `head` is of interest to this view (the coordinator looked and wrote the
        position, `persist_positions`): it shows what it would show at `head` already."""
        if head > self.last_applied:
            self._seen(head)

    def persist_skipped(self) -> None:
        """Write a position moved in memory only (a fallback: the coordinator writes the positions
        it skips before it moves them, so this finds nothing to do unless that write failed)."""
        target = self.last_applied
        if target <= self._persisted:
            return
        with self.view.transaction(commit=True) as session:
            claim = self.view.claim_position(session, self.app.name)
            if claim.notification_id < self._persisted:  # rebuilt meanwhile: apply, not skip
                target = claim.notification_id
            elif claim.notification_id < target:
                claim.notification_id = target
            else:
                target = claim.notification_id
        with self.applied:
            self._persisted = target
            self._persisted_at = time.monotonic()

    def _decode(self, notification: Notification, event: Any) -> Any:
        return event if event is not None else self.app.mapper.to_domain_event(notification)

    def _apply_page(self, session: Any, page: list[tuple[Notification, Any]]) -> None:
        """All of `page` in one savepoint; on a permanent failure, event by event (see catch_up).
        `page` holds `(notification, decoded event or None)`."""
        if not page:
            return
        try:
            with session.begin_nested():
                for notification, event in page:
                    self.projection.apply(self._decode(notification, event), session)
                self.projection.flush(session)
            return
        except Exception as exc:
            session.info.clear()  # write-behind buffers and per-transaction caches went with it
            if is_transient(exc) or table_missing(exc):
                raise
            log.warning("projection_page_failed", view=self.name, first=page[0][0].id, last=page[-1][0].id,
                        error=f"{type(exc).__name__}: {str(exc)[:300]}")
        for notification, event in page:
            self._apply_one(session, notification, event)

    def _apply_one(self, session: Any, notification: Notification, event: Any = None) -> None:
        """One event under its own savepoint, flushed at once; parked when it fails permanently."""
        session.info.clear()  # everything before is flushed: caches read the tables again
        try:
            with session.begin_nested():
                self.projection.apply(self._decode(notification, event), session)
                self.projection.flush(session)
        except Exception as exc:
            session.info.clear()
            if is_transient(exc) or table_missing(exc):
                raise
            self.park(session, notification, exc)

    def park(self, session: Any, notification: Notification, exc: BaseException) -> None:
        """Record `notification` as parked for this view, in the transaction that steps over it."""
        item_id = f"{notification.originator_id}:{notification.originator_version}"
        parked_store(self.view.engine).park(
            session, pipeline=self.name, item_key=notification_key(notification.id),
            position=notification.id, item_id=item_id, error=exc)
        log.error("projection_event_parked", view=self.name, position=notification.id,
                  event_id=item_id, topic=notification.topic, error=f"{type(exc).__name__}: {str(exc)[:300]}")

    def parked(self) -> list[ParkedItem]:
        return parked_store(self.view.engine).list(self.name)

    def retry_parked(self, item: ParkedItem) -> bool:
        """Apply a parked event again (after a fix); resolved on success. Returns whether it was.

        The event is applied by itself, under the view's lock, without moving the position (which
        is already past it). Events after it were applied meanwhile: a handler that depends on
        order sees them already there, which is what a retry after a fix can offer.
        """
        assert item.position is not None
        store = parked_store(self.view.engine)
        notifications = self.app.recorder.select_notifications(start=item.position, limit=1,
                                                               stop=item.position)
        if not notifications or notifications[0].id != item.position:
            raise LookupError(f"notification {item.position} is not in the store")
        try:
            with self.view.transaction(commit=True) as session:
                self.view.claim_position(session, self.app.name)  # take turns with the runners
                with session.begin_nested():
                    event = self.app.mapper.to_domain_event(notifications[0])
                    self.projection.apply(event, session)
                    self.projection.flush(session)
                store.mark_retried(item, resolved=True, conn=session)
        except Exception as exc:
            if is_transient(exc):
                raise
            store.mark_retried(item, resolved=False, error=exc)
            return False
        return True

    def run_forever(
        self,
        stop: threading.Event,
        poll_interval: float = 0.5,
        on_round: Callable[[Runner], None] | None = None,
    ) -> None:
        """Follow the log until `stop` is set; errors stop this view and are kept for `status`.

        Under a `ProjectionService` the coordinator wakes this runner only when the log holds
        events this view handles (`target`), and moves it past the others in memory; without one,
        each round reads the head itself. `poll_interval` (s) is only the fallback. After each
        round `on_round(self)` is called. Positions moved in memory only are written within
        `PERSIST_SKIPPED_S`, so status and `/healthz` lag behind the truth by at most that.
        """
        failures = 0
        while not stop.is_set():
            self.wakeup.clear()
            order, self.target = self.target, None
            try:
                with self.busy:
                    if order is not None:
                        self.catch_up(head=order[0], known=order[1])
                    elif not self.coordinated:
                        self.catch_up()
                    if time.monotonic() - self._persisted_at >= PERSIST_SKIPPED_S:
                        self.persist_skipped()
            except Exception as exc:  # transient (permanent ones are parked inside catch_up)
                self.error = exc
                failures += 1
                delay = min(0.5 * 2 ** (failures - 1), 30.0)  # 0.5, 1, 2, ... 30 s
                log_failure(log, "projection_failed", exc, view=self.name, retry_in_s=delay)
                if order is not None and self.target is None:
                    self.target = (order[0], None)  # try again, reading the log itself
                back_off(stop, self.wakeup, delay)
                continue
            failures = 0
            if on_round is not None:
                on_round(self)
            pending = self.last_applied > self._persisted
            self.wakeup.wait(min(poll_interval, PERSIST_SKIPPED_S) if pending else poll_interval)

    #: set by a ProjectionService whose coordinator decides when this runner reads the log
    coordinated = False

    def rebuild(self, progress: Callable[[int], None] | None = None) -> int:
        """Replay this view from position 0 into new, empty tables; returns how many notifications
        were read (the catch-up's count).

        Holds the view's rebuild lock throughout (`rebuild_lock`): while another rebuild of this
        view runs (another process, host or thread), raises `RebuildRunning` at once, having changed
        nothing (the CLI exits 5). The tables are dropped and created again in one transaction
        (`View.reset_tables`), so runners elsewhere (the worker's) never meet the view without its
        tables: they wait for that transaction, then take turns with this catch-up page by page
        (`View.claim_position`), each event applied once. Database errors are raised as they are.
        """
        with rebuild_lock(self.view):
            with self.applied:
                self.last_applied = self._persisted = 0
            self.view.reset_tables(self.name)  # forgets what it parked, a refusal too
            self._refusal_checked = False
            return self.catch_up(progress)

    def wait(self, notification_id: int, timeout: float = 2.0) -> bool:
        """Block until this view applied `notification_id` (woken by the runner's own commits)."""
        if self.last_applied < notification_id and not self.coordinated:
            self._seen(self.position())  # another process may have moved it
        with self.applied:
            return self.applied.wait_for(lambda: self.last_applied >= notification_id, timeout)


#: a back-off after a failure lasts at least this long even when woken, seconds
BACK_OFF_FLOOR_S = 0.5


def back_off(stop: threading.Event, wakeup: threading.Event, delay: float) -> None:
    """Wait `delay` s after a failure (0.5, 1, 2, ... 30 s), or less: after `BACK_OFF_FLOOR_S`, a
    wake-up ends it — a save that woke us went through, so the store is back. Without this the
    views resumed up to 30 s after a long outage, every command answering 202 meanwhile (found by
    the new-user try). `stop` ends it at once."""
    if stop.wait(min(delay, BACK_OFF_FLOOR_S)) or delay <= BACK_OFF_FLOOR_S:
        return
    wakeup.clear()
    if not stop.is_set():  # stop() sets the wake-up after the stop: never missed
        wakeup.wait(delay - BACK_OFF_FLOOR_S)


def table_missing(exc: BaseException) -> bool:
    """Did `exc` say that a table is not there (PostgreSQL's `UndefinedTable`; SQLite's "no such
    table" is an OperationalError, transient already)? A view without its tables (dropped by hand,
    or by an older version's rebuild) is the database's state, not the events' fault: the page is
    retried, never parked as poison."""
    seen: BaseException | None = exc
    for _ in range(20):
        if seen is None:
            return False
        if isinstance(seen, psycopg.errors.UndefinedTable):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


def persist_positions(runners: list[Runner], head: int) -> None:
    """Move these views' positions to `head` (nothing up to it is of interest to them), in one
    round trip on PostgreSQL (one statement per view, sent together in autocommit: one implicit
    transaction). Each moves only from at least the position its runner last wrote and only
    forwards, so a concurrent claimer or a rebuild elsewhere is never overtaken; a view whose
    statement matched nothing is found out at its next claim (`_apply_known` matches nothing)."""
    if not runners:
        return
    engine = runners[0].view.reader
    statements = []
    for runner in runners:
        table = runner.view.tracking_record_cls.__table__
        statement = (
            update(table)
            .where(table.c.application_name == runner.app.name,
                   table.c.notification_id >= runner._persisted, table.c.notification_id < head)
            .values(notification_id=head)
        )
        statements.append(str(statement.compile(dialect=engine.dialect,
                                                compile_kwargs={"literal_binds": True})))
    with engine.connect() as conn:
        if conn.dialect.name == "postgresql":
            conn.exec_driver_sql(";\n".join(statements))
        else:
            with conn.begin():
                for sql in statements:
                    conn.exec_driver_sql(sql)
    now = time.monotonic()
    for runner in runners:
        with runner.applied:
            runner._persisted = max(runner._persisted, head)
            runner._persisted_at = now


def issues_commands(runner: Runner) -> bool:
    """A policy process (its projection is bound to the services to issue commands)."""
    return hasattr(runner.projection, "bind")


class _Moved(Exception):
    """Another process moved a position this round meant to claim: nothing was written."""


def claim_positions(session: Any, head: int, claimed: list[Runner], skipped: list[Runner]) -> bool:
    """In the caller's transaction, move each `claimed` view's position from the one its runner last
    wrote to `head` (locking its tracking row first, as `claim_position` does), and each `skipped`
    view's position forwards to `head` if it is behind. True when every claimed position matched.

    PostgreSQL: one statement of data-modifying CTEs, one round trip for all views; the claimed
    ones RETURN their name. SQLite (in-process, no round trips): a statement per view.

    The same round trip sets `synchronous_commit` off for this transaction: its COMMIT does not wait
    for the WAL to reach the disk. What it writes is derived (views and their positions, committed
    together, rebuilt from the event store at will), so a database crash can only take a view back
    to an earlier consistent position, from which it applies the same events again; the events
    themselves are stored with the store's synchronous commit before any command is answered.
    """
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        parts, returning = [], []
        for number, runner in enumerate(claimed + skipped):
            table, app = runner.view.tracking_record_cls.__table__.name, runner.app.name
            quoted = connection.dialect.identifier_preparer.quote(table)
            if number < len(claimed):
                where = f"notification_id = {int(runner._persisted)}"
                returning.append(f"SELECT name FROM c{number}")
                tail = f" RETURNING {_literal(runner.view.name)}::text AS name"
            else:
                where = f"notification_id >= {int(runner._persisted)} AND notification_id < {int(head)}"
                tail = ""
            parts.append(f"c{number} AS (UPDATE {quoted} SET notification_id = {int(head)} "
                         f"WHERE application_name = {_literal(app)} AND {where}{tail})")
        sql = ("WITH " + ", ".join(parts) + " SELECT claimed.name FROM ("
               + " UNION ALL ".join(returning) + ") AS claimed, "
               "(SELECT set_config('synchronous_commit', 'off', true)) AS local_setting")
        names = {row[0] for row in connection.exec_driver_sql(sql)}
        return names == {runner.view.name for runner in claimed}
    for runner in claimed + skipped:
        table = runner.view.tracking_record_cls.__table__
        condition = (table.c.notification_id == runner._persisted if runner in claimed else
                     (table.c.notification_id >= runner._persisted) & (table.c.notification_id < head))
        moved = connection.execute(update(table).where(table.c.application_name == runner.app.name, condition)
                                   .values(notification_id=head)).rowcount
        if runner in claimed and moved != 1:
            return False
    return True


def _literal(text: str) -> str:
    """A SQL string literal (names of views and of the application: ours, but quoted all the same)."""
    return "'" + text.replace("'", "''") + "'"


#: a view that reads only its own topics first scans this many pages' worth of notification ids per
#: transaction (a view that reads every event: one page's worth, always), then as many as its last
#: full page took (+25 %), doubled after a short page up to SCAN_WINDOW_MAX_PAGES pages' worth
SCAN_WINDOW_PAGES = 8
SCAN_WINDOW_MAX_PAGES = 64
#: how long a position moved in memory only (nothing of interest to the view) may stay unwritten, s
PERSIST_SKIPPED_S = 2.0
#: the coordinator reads at most this many notifications to sort them out per view; more, and every
#: runner behind reads the log itself (a catch-up after downtime)
COORDINATOR_PAGE = 500
#: how long a round waits for a runner busy in its own thread (its poll, persisting skipped
#: positions, a page of its own) before it falls back, seconds. Falling back at once cascaded under
#: steady writes: the fallback hands each runner its events to apply in its own thread, so the next
#: round found them busy and fell back too (measured, 8 writers: a third of the rounds fell back, and
#: each view then paid its own transaction for them)
BUSY_WAIT_S = 0.25
#: how often the coordinator compares each view's stored position with what its runner last wrote
#: (a rebuild in another process sets it back; see `Runner.notice_rebuild`), seconds
RECHECK_S = 5.0


class ProjectionService:
    """All runners of a process, each in its own thread (serve, `projections run`), plus one
    coordinator thread that reads the log once per wake-up for all of them.

    Why a coordinator: fifteen views each reading the head, their position and their page after
    every save cost fifteen times the round trips for one event, most of them to learn that the
    event is none of their business. The coordinator reads the head and the new notifications once,
    decodes each event once, wakes only the runners that handle one of them (handing them their
    events) and moves every other runner's position past them in memory (written within
    `PERSIST_SKIPPED_S`). Read-your-writes then waits only for the views that had work to do.
    """

    def __init__(self, runners: list[Runner], poll_interval: float = 0.5) -> None:
        self.runners = runners
        self.poll_interval = poll_interval
        self.stop_event = threading.Event()
        self.wakeup = threading.Event()
        self.threads: list[threading.Thread] = []
        #: called with every view's applied position (name -> notification id) whenever one may
        #: have moved (the worker answers waiting requests with it: infra.wakeup.Listener.answer)
        self.on_progress: Callable[[dict[str, int]], None] | None = None
        self._progress_lock = threading.Lock()
        #: views not run because their position is beyond the store's head (`AheadOfStore`)
        self.refused: dict[str, AheadOfStore] = {}

    def applied(self) -> int:
        """The notification id every view of this service has applied (0 before the first round)."""
        return min((r.last_applied for r in self.runners), default=0)

    def positions(self) -> dict[str, int]:
        """Each view's applied position (in memory: applied, or nothing of interest up to it)."""
        return {r.name: r.last_applied for r in self.runners}

    def _round_done(self, _runner: Runner | None = None) -> None:
        if self.on_progress is not None:
            with self._progress_lock:
                self.on_progress(self.positions())

    def start(self) -> None:
        # Each view's position, read once before the threads start: the first statement on a
        # SQLite file switches it to WAL, which fails ("database is locked") while another thread
        # already holds the write lock of its first claim. Unreachable now: the threads retry.
        for runner in self.runners:
            try:
                runner._seen(runner.position(), persisted=True)
            except Exception:
                break
        self._refuse_views_ahead_of_the_store()
        for runner in self.runners:
            runner.coordinated = True
            thread = threading.Thread(
                target=runner.run_forever, args=(self.stop_event, self.poll_interval, self._round_done),
                name=f"projection-{runner.name}", daemon=True,
            )
            thread.start()
            self.threads.append(thread)
        coordinator = threading.Thread(target=self._coordinate, name="projection-coordinator", daemon=True)
        coordinator.start()
        self.threads.append(coordinator)

    def _refuse_views_ahead_of_the_store(self) -> None:
        """A view whose position is beyond the store's head (read after the positions, so a view
        another process moved meanwhile is not mistaken) is not run: it would skip every new event
        up to its position without a word. Kept in `refused`; /healthz and `projections status`
        say so from the stored positions."""
        if not self.runners or not all(r._persisted_at for r in self.runners):
            return  # the store was unreachable: each runner's first catch-up checks it instead
        try:
            head = self.runners[0].head()
            recorded = {r.name: recorded_refusal(r.view.engine, r.name) for r in self.runners}
        except Exception:
            return
        for runner in [r for r in self.runners if r._persisted > head or recorded[r.name]]:
            refusal = recorded[runner.name] or refuse_ahead(
                runner.view.engine, runner.name,
                AheadOfStore(runner.name, runner._persisted, head, REBUILD_CURE))
            runner.error = refusal
            self.refused[runner.name] = refusal
            log.error("projection_refused", view=runner.name, error=str(refusal))
        self.runners = [r for r in self.runners if r.name not in self.refused]
        for runner in self.runners:  # looked for above: their threads need not look again
            runner._refusal_checked = True

    def _coordinate(self) -> None:
        failures = 0
        checked = time.monotonic()
        while not self.stop_event.is_set():
            self.wakeup.clear()
            try:
                self.dispatch()
                failures = 0
                if time.monotonic() - checked >= RECHECK_S:
                    checked = time.monotonic()
                    if [runner for runner in self.runners if runner.notice_rebuild()]:
                        self.wakeup.set()  # a view set back: its events again, in the next round
            except Exception as exc:  # the store unreachable: every runner reads the log itself meanwhile
                failures += 1
                log_failure(log, "projection_coordinator_failed", exc)
                for runner in self.runners:
                    runner.coordinated = False
                    runner.wakeup.set()
                back_off(self.stop_event, self.wakeup, min(0.5 * 2 ** (failures - 1), 30.0))
                continue
            for runner in self.runners:
                runner.coordinated = True
            self.wakeup.wait(self.poll_interval)

    def dispatch(self) -> None:
        """One round: read the head and what is new once, give each runner its part."""
        if not self.runners:
            return
        app = self.runners[0].app
        low = min(r.last_applied for r in self.runners)
        if not low:  # a view that never ran: each reads its own pages from its own position
            head = app.recorder.max_notification_id() or 0
            for runner in self.runners:
                if runner.last_applied < head:
                    runner.target = (head, None)
                    runner.wakeup.set()
            return
        # What is new, in one query: notification ids commit in order (the store serialises its
        # inserts), so the last one read is the head; a full page means a long way behind.
        page = app.recorder.select_notifications(start=low + 1, limit=COORDINATOR_PAGE)
        if not page:
            return
        head = page[-1].id
        behind = [r for r in self.runners if r.last_applied < head]
        if len(page) >= COORDINATOR_PAGE:
            head = app.recorder.max_notification_id() or head
            for runner in behind:  # each reads its own pages
                runner.target = (head, None)
                runner.wakeup.set()
            return
        decoded: dict[int, Any] = {}
        orders: list[tuple[Runner, list[Any]]] = []
        skipped: list[Runner] = []
        for runner in behind:
            mine = [n for n in page if n.id > runner.last_applied
                    and (not runner.topics or n.topic in runner.topics)]
            if not mine:
                skipped.append(runner)
                continue
            for n in mine:
                if n.id not in decoded:
                    decoded[n.id] = app.mapper.to_domain_event(n)
            orders.append((runner, [(n, decoded[n.id]) for n in mine]))
        # policy processes issue commands from their handlers: they keep their own transactions
        together = [(runner, events) for runner, events in orders if not issues_commands(runner)]
        if together and self.apply_round(head, together, skipped):
            for runner, events in orders:
                if issues_commands(runner):
                    runner.target = (head, events)
                    runner.wakeup.set()
            self._round_done()
            return
        if skipped:
            # written before any runner of this round commits: whoever reads positions from the
            # tables (the public changes feed takes the least of them as "processed") never sees
            # a skipped view behind a write that a command already answered for
            persist_positions(skipped, head)
            for runner in skipped:
                runner.skip_to(head)
        for runner, events in orders:
            runner.target = (head, events)
            runner.wakeup.set()
        if skipped:
            self._round_done()

    def apply_round(self, head: int, orders: list[tuple[Runner, list[Any]]], skipped: list[Runner]) -> bool:
        """Apply every view's new events of this round, and move the skipped views' positions, in
        ONE transaction in the coordinator's thread: BEGIN, one statement claiming every position,
        each view's rows, COMMIT. True when done; False (nothing written) when the slower path must
        do it: a runner stays busy in its own thread (`BUSY_WAIT_S`), another process moved a
        position meanwhile (a runner that applied a page of its own since: its claim fails), an
        event failed (each runner then applies its page under savepoints and parks what fails
        permanently) or the database failed (each runner retries with its backoff).

        Why: a runner per view committing its own transaction cost each view BEGIN, a claim, its
        rows and a COMMIT, and a read-your-writes request waited for the slowest of them plus the
        thread hand-offs (issue 15). A view's rows and its position still commit together.
        """
        if any(len(events) >= runner.batch_size or not runner._persisted_at for runner, events in orders):
            return False
        held: list[Runner] = []
        try:
            for runner, _ in orders:
                if not runner.busy.acquire(timeout=BUSY_WAIT_S):
                    return False
                held.append(runner)
            # a runner that was busy may have applied this round's events itself meanwhile (its own
            # page): its position then matches the claim, but the events would be applied twice
            if any(runner.last_applied >= events[0][0].id for runner, events in orders):
                return False
            mine = [runner for runner, _ in orders]
            view = mine[0].view
            try:
                with view.transaction(commit=True) as session:
                    begin_immediate(session)
                    if not claim_positions(session, head, mine, skipped):
                        raise _Moved
                    for runner, events in orders:
                        for _notification, event in events:
                            runner.projection.apply(event, session)
                        runner.projection.flush(session)
            except _Moved:
                return False
            except Exception as exc:
                log.warning("projection_round_failed", head=head, views=[r.name for r in mine],
                            transient=is_transient(exc), error=f"{type(exc).__name__}: {str(exc)[:300]}")
                return False
            for runner in mine:
                runner._seen(head, persisted=True)
                runner.error = None
        finally:
            for runner in held:
                runner.busy.release()
        now = time.monotonic()
        for runner in skipped:
            with runner.applied:
                runner._persisted = max(runner._persisted, head)
                runner._persisted_at = now
            runner.skip_to(head)
        return True

    def wake(self, _notification_id: int | None = None) -> None:
        self.wakeup.set()
        for runner in self.runners:
            if not runner.coordinated:
                runner.wakeup.set()

    def wait(
        self, notification_id: int | None, timeout: float = 2.0, views: Collection[str] | None = None
    ) -> bool:
        """Read-your-writes: block until every running view (or those in `views`) applied
        `notification_id`; False after `timeout` s."""
        if notification_id is None or not self.threads:
            return True
        self.wake()
        deadline = time.monotonic() + timeout
        return all(runner.wait(notification_id, max(deadline - time.monotonic(), 0.0))
                   for runner in self.runners if views is None or runner.name in views)

    def stop(self) -> None:
        self.stop_event.set()
        self.wakeup.set()
        for runner in self.runners:
            runner.wakeup.set()
        for thread in self.threads:
            thread.join(timeout=10)
