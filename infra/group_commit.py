"""Group commit: the saves of concurrent threads in one process share one event-store transaction.

Why: every append to the PostgreSQL event store takes ``LOCK TABLE … IN EXCLUSIVE MODE`` and holds
it until its COMMIT has been flushed to disk (`eventsourcing.postgres`: notification ids must
become visible in order, or a reader could pass over one that commits later). Appends are therefore
serialised, one lock and one WAL flush each, and the API's concurrent commands queued on that lock
(`pg_stat_activity`, 8 clients: most active backends waited on ``Lock:relation`` of the events
table, the rest on ``IO:WALSync``; issue 15). Here the saves that arrive while one transaction is in
flight wait for it and then go together in the next: one lock, one flush, many commands.

How (leader and followers, no thread of its own, no timer):

- A save that finds no transaction in flight is the *leader*: it takes every save queued so far
  (its own first) and inserts them in one call of the recorder's own ``insert_events``.
- A save that arrives meanwhile queues and waits. When the leader is done it hands the lead to the
  first save still queued, so no thread serves others for longer than one transaction.
- At low load a save is alone in its transaction: nothing is delayed, nothing changes.
- Each save still returns only after the transaction holding its events committed (durable before
  acknowledged), and gets exactly its own notification ids, in its own order.
- If a shared transaction fails, no save is told another's outcome. An unreachable database is the
  same for all and raised to each; any other failure (a version conflict: two commands on one
  aggregate) sends every save back to insert alone, so each gets its own answer (`IntegrityError`
  → 409 for the one that lost the race, the others committed).
- Inserts with a keyword argument set (a process's tracking record) and empty ones are passed
  straight through: they must stay in their own transaction.

Bounds: a shared transaction holds at most `MAX_EVENTS` events; saves beyond wait for the next.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from typing import Any

from supervision.unavailable import as_unavailable

#: the most events one shared transaction holds (a save larger than this still goes alone, whole)
MAX_EVENTS = 2000

Insert = Callable[..., Sequence[int] | None]


class _Save:
    __slots__ = ("alone", "done", "error", "events", "ids", "lead")

    def __init__(self, events: Sequence[Any]) -> None:
        self.events = events
        self.done = threading.Event()
        self.lead = False
        self.alone = False
        self.ids: Sequence[int] | None = None
        self.error: BaseException | None = None


class GroupCommit:
    """Coalesces concurrent `insert_events(stored_events)` calls of one recorder (see the module)."""

    def __init__(self, insert: Insert, max_events: int = MAX_EVENTS) -> None:
        self._insert = insert
        self.max_events = max_events
        self._lock = threading.Lock()
        self._queue: list[_Save] = []
        self._leading = False
        #: transactions run and saves they held (for tests and benchmarks)
        self.transactions = 0
        self.saves = 0

    def insert_events(self, stored_events: Sequence[Any], **kwargs: Any) -> Sequence[int] | None:
        """The recorder's `insert_events`, shared with the saves of other threads (module doc)."""
        if not stored_events or any(v is not None for v in kwargs.values()):
            return self._insert(stored_events, **kwargs)
        mine = _Save(stored_events)
        with self._lock:
            self._queue.append(mine)
            lead = not self._leading
            self._leading = True
        if not lead:
            mine.done.wait()
            if not mine.lead:
                return self._outcome(mine)
        batch = self._take()
        try:
            self._commit(batch)
        finally:
            with self._lock:
                if self._queue:
                    after = self._queue[0]
                    after.lead = True
                    after.done.set()
                else:
                    self._leading = False
            for save in batch:
                if save is not mine:
                    save.done.set()
        return self._outcome(mine)

    def _take(self) -> list[_Save]:
        """The saves queued so far, oldest first, up to `max_events` events (the first always)."""
        with self._lock:
            batch, size = [], 0
            while self._queue:
                nxt = self._queue[0]
                if batch and size + len(nxt.events) > self.max_events:
                    break
                batch.append(self._queue.pop(0))
                size += len(nxt.events)
            return batch

    def _commit(self, batch: list[_Save]) -> None:
        """Insert the batch in one transaction; sets each save's ids, error or `alone`."""
        self.transactions += 1
        self.saves += len(batch)
        if len(batch) == 1:
            only = batch[0]
            try:
                only.ids = self._insert(only.events)
            except BaseException as exc:  # handed to its own thread, raised there
                only.error = exc
            return
        try:
            ids = self._insert([e for save in batch for e in save.events])
        except BaseException as exc:
            unavailable = isinstance(exc, Exception) and as_unavailable(exc) is not None
            for save in batch:
                if unavailable:
                    save.error = exc  # the same for every save: each raises it
                else:
                    save.alone = True  # whose fault it was is found by inserting alone
            if not isinstance(exc, Exception):
                raise  # the leading thread interrupted (its own save fails with it); the others go alone
            return
        start = 0
        for save in batch:
            save.ids = None if ids is None else ids[start : start + len(save.events)]
            start += len(save.events)

    def _outcome(self, save: _Save) -> Sequence[int] | None:
        if save.alone:
            return self._insert(save.events)
        if save.error is not None:
            raise save.error
        return save.ids


def install(recorder: Any, max_events: int = MAX_EVENTS) -> GroupCommit:
    """Route `recorder.insert_events` through a `GroupCommit` (an attribute of this one recorder
    object; the class is untouched). Returns it."""
    group = GroupCommit(recorder.insert_events, max_events)
    recorder.insert_events = group.insert_events
    return group
