"""Runs projections: catch up in batches, then follow the log; status and rebuild.

Why not `eventsourcing.projection.ProjectionRunner`? It needs a recorder subscription, which
`eventsourcing.sqlite` does not offer, and it commits once per event. This runner polls the
notification log (works on both stores), applies a page of events per transaction with the
position in the same transaction, and is woken at once by in-process saves.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import structlog
from eventsourcing.application import Application
from eventsourcing.persistence import Notification

from projections.base import ViewProjection
from projections.failures import is_transient
from projections.parked import ParkedItem, notification_key, parked_store

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
        self.last_applied = 0
        self.error: BaseException | None = None

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

    def catch_up(self, progress: Callable[[int], None] | None = None) -> int:
        """Apply every notification up to the current head; returns how many were read.

        A page is applied in one transaction with the position. When a page fails permanently,
        it is applied again event by event, each under its own savepoint: the poison events are
        parked (with their position, event id and error, in the same transaction) and every other
        event is applied once; the position then moves past the page. A transient failure (the
        database unreachable, a lock timeout) is raised: nothing was committed, the caller retries.
        """
        head = self.head()
        read = 0
        while self.position() < head:
            with self.view.transaction(commit=True) as session:
                # The position is read under the lock (a row lock on PostgreSQL, the database's
                # write lock on SQLite): another runner of this view may have advanced it.
                claim = self.view.claim_position(session, self.app.name)
                start = claim.notification_id
                if start >= head:
                    break
                page = self.app.recorder.select_notifications(
                    start=start + 1, limit=self.batch_size, stop=head, topics=self.topics
                )
                # A filtered page shorter than the limit means nothing else of interest up to head.
                last = page[-1].id if len(page) == self.batch_size else head
                self._apply_page(session, page)
                claim.notification_id = last
            read += last - start
            if progress:
                progress(last - start)
            with self.applied:
                self.last_applied = last
                self.applied.notify_all()
        self.error = None  # caught up: an earlier failure (kept for status and /healthz) is over
        return read

    def _apply_page(self, session: Any, page: list[Notification]) -> None:
        """All of `page` in one savepoint; on a permanent failure, event by event (see catch_up)."""
        try:
            with session.begin_nested():
                for notification in page:
                    self.projection.apply(self.app.mapper.to_domain_event(notification), session)
                self.projection.flush(session)
            return
        except Exception as exc:
            session.info.clear()  # write-behind buffers and per-transaction caches went with it
            if is_transient(exc):
                raise
            log.warning("projection_page_failed", view=self.name, first=page[0].id, last=page[-1].id,
                        error=f"{type(exc).__name__}: {str(exc)[:300]}")
        for notification in page:
            self._apply_one(session, notification)

    def _apply_one(self, session: Any, notification: Notification) -> None:
        """One event under its own savepoint, flushed at once; parked when it fails permanently."""
        session.info.clear()  # everything before is flushed: caches read the tables again
        try:
            with session.begin_nested():
                event = self.app.mapper.to_domain_event(notification)
                self.projection.apply(event, session)
                self.projection.flush(session)
        except Exception as exc:
            session.info.clear()
            if is_transient(exc):
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

        Woken at once by `wakeup` (saves in this process, datagrams from others: infra.wakeup);
        `poll_interval` (s) is only the fallback. After each round `last_applied` is the view's
        position (another process may have advanced it) and `on_round(self)` is called.
        """
        failures = 0
        while not stop.is_set():
            self.wakeup.clear()
            try:
                read = self.catch_up()
                if not read or not self.last_applied:
                    with self.applied:
                        self.last_applied = max(self.last_applied, self.position())
                        self.applied.notify_all()
            except Exception as exc:  # transient (permanent ones are parked inside catch_up)
                self.error = exc
                failures += 1
                delay = min(0.5 * 2 ** (failures - 1), 30.0)  # 0.5, 1, 2, ... 30 s
                log.exception("projection_failed", view=self.name, retry_in_s=delay)
                stop.wait(delay)
                continue
            failures = 0
            if on_round is not None:
                on_round(self)
            self.wakeup.wait(poll_interval)

    def rebuild(self, progress: Callable[[int], None] | None = None) -> int:
        self.view.drop_tables()
        self.view.create_table()
        with self.view.engine.begin() as conn:  # a rebuild parks its poison again
            parked_store(self.view.engine).forget_pipeline(conn, self.name)
        return self.catch_up(progress)

    def wait(self, notification_id: int, timeout: float = 2.0) -> bool:
        """Block until this view applied `notification_id` (woken by the runner's own commits)."""
        with self.applied:
            if self.last_applied < notification_id:
                self.last_applied = max(self.last_applied, self.position())
            return self.applied.wait_for(lambda: self.last_applied >= notification_id, timeout)


class ProjectionService:
    """All runners of a process, each in its own thread (serve, `projections run`)."""

    def __init__(self, runners: list[Runner], poll_interval: float = 0.5) -> None:
        self.runners = runners
        self.poll_interval = poll_interval
        self.stop_event = threading.Event()
        self.threads: list[threading.Thread] = []
        #: called with the position every view has applied, whenever it may have moved (the
        #: worker answers waiting requests with it: infra.wakeup.Listener.answer)
        self.on_progress: Callable[[int], None] | None = None

    def applied(self) -> int:
        """The notification id every view of this service has applied (0 before the first round)."""
        return min((r.last_applied for r in self.runners), default=0)

    def _round_done(self, _runner: Runner) -> None:
        if self.on_progress is not None:
            self.on_progress(self.applied())

    def start(self) -> None:
        for runner in self.runners:
            thread = threading.Thread(
                target=runner.run_forever, args=(self.stop_event, self.poll_interval, self._round_done),
                name=f"projection-{runner.name}", daemon=True,
            )
            thread.start()
            self.threads.append(thread)

    def wake(self, _notification_id: int | None = None) -> None:
        for runner in self.runners:
            runner.wakeup.set()

    def wait(self, notification_id: int | None, timeout: float = 2.0) -> bool:
        """Read-your-writes: block until every running view has applied `notification_id`."""
        if notification_id is None or not self.threads:
            return True
        return all(runner.wait(notification_id, timeout) for runner in self.runners)

    def stop(self) -> None:
        self.stop_event.set()
        self.wake()
        for thread in self.threads:
            thread.join(timeout=10)
