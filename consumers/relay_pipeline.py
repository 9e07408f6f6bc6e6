"""Catching up in two processes: one reads and translates pages, the relay's own process sends them.

Why: the relay's work per event is two halves of about the same cost — reading, decoding and
translating the event into records (its context reads, the allow-list render, the contract check,
JSON), and handing the records to the Kafka client and waiting for the acks. In one Python process
they take turns (and a thread would share the GIL: it was measured slower); in two processes they
overlap on two cores (issue 15). Only a long catch-up is worth a process start (2–3 s):
`Relay.catch_up` uses this when the log is at least `PIPELINE_MIN_EVENTS` notifications ahead of
the position (`Relay.pipeline_min_events`); fewer new events (the command → topic path, a short
outage) are translated in the relay's own process. While the translator starts, the relay publishes
pages itself (translated in its own process, as without a pipeline); once the translator says it is
ready, the relay tells it the position it reached and takes every later page from it.

Nothing changes in what is guaranteed. The translator process never writes: it only reads the log
and the list state. Every page still goes through `Relay.publish` in the relay's process: sent,
acknowledged (acks=all), then the position and the list state recorded in one transaction. The
translator runs at most a couple of pages ahead (the pipe between them is bounded by what the
operating system buffers, and each page is sent whole), and it keeps the list state of the pages
it translated until the relay reports them committed (`committed`), so a later page never reads a
list state older than a page still in flight. Any failure — of the broker, the store or the
translator — stops the translator (it is terminated; it holds no lock and writes nothing); the
relay retries from its recorded position as before.

The translator is started with `multiprocessing`'s *spawn* method: a fresh interpreter, never a
fork of a process with threads and open connections.
"""

from __future__ import annotations

import contextlib
import gc
import multiprocessing
import traceback
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import structlog

from consumers.relay import Batch, EventTranslator
from projections.failures import TransientFailure

log = structlog.get_logger(__name__)

#: catch up in two processes only when the log is at least this many notifications ahead of the
#: position: starting the translator costs about 2–3 s (a fresh interpreter importing the app), and it
#: saves about a third of ~0.5 ms per event, so it pays off from about 15,000 events
PIPELINE_MIN_EVENTS = 20_000
#: list states kept beyond those of pages in flight before the translator forgets them
CACHE_LIMIT = 50_000
#: seconds to wait for the translator's next page before treating it as gone
PAGE_TIMEOUT_S = 120.0


class TranslatorFailed(TransientFailure):
    """The translator process failed or went away (the store unreachable, killed): retried."""


@dataclass(frozen=True)
class RemoteError:
    """A permanent translation error, carried across processes by name and message (exceptions
    themselves do not always pickle); `rebuilt()` is an exception of a class with the same module
    and qualified name, so the parked item reads exactly as if translated in the relay's process."""

    module: str
    qualname: str
    message: str

    @classmethod
    def of(cls, exc: BaseException) -> RemoteError:
        return cls(type(exc).__module__, type(exc).__qualname__, str(exc))

    def rebuilt(self) -> Exception:
        kind = type(self.qualname.rpartition(".")[2], (Exception,),
                    {"__module__": self.module, "__qualname__": self.qualname})
        return kind(self.message)


def _translate_pages(conn: Any, build: Callable[[], EventTranslator], start: int | None, stop: int,
                     page_size: int) -> None:
    """The translator process: pages (start, stop] translated and sent whole, in order, over `conn`.

    Sends `("page", batch)` per page and `("done", None)` at `stop`, or `("failed", text)` and
    returns. Reads `("committed", position)` from the relay between pages to forget list states
    the store now holds. With `start=None` it sends `("ready", None)` once built and waits for the
    relay's `("start", position)`: the relay publishes pages itself while this process starts, and
    everything up to `position` is then committed (its list state is in the store).
    """
    try:
        translator = build()
        if start is None:
            conn.send(("ready", None))
            kind, start = conn.recv()
            if kind != "start":
                return
        # what the process holds once started (modules, the application, its caches) is never
        # garbage: out of the collector's sight, each collection scans only what the pages made
        # (it was a fifth of the translator's time)
        gc.freeze()
        cache: dict[tuple[str, str], dict[str, dict[str, Any]]] = {}
        changed_at: dict[tuple[str, str], int] = {}
        committed = start
        position = start
        while position < stop:
            while conn.poll():
                kind, value = conn.recv()
                if kind == "committed":
                    committed = max(committed, value)
            if len(cache) > CACHE_LIMIT:  # keep only what pages in flight changed
                cache = {k: v for k, v in cache.items() if changed_at.get(k, 0) > committed}
                changed_at = {k: n for k, n in changed_at.items() if n > committed}
            page = translator.app.recorder.select_notifications(start=position + 1, limit=page_size,
                                                                stop=stop)
            if not page:
                break
            batch = Batch(last=page[-1].id if len(page) == page_size else stop)
            batch.lists = cache
            translator.translate(page, batch)
            for unit in batch.units:
                for key in unit.lists:
                    changed_at[key] = unit.notification_id
                if unit.error is not None:
                    unit.error = RemoteError.of(unit.error)  # type: ignore[assignment]
            cache = batch.lists
            batch.lists = {}  # each unit carries its own; the relay records those
            conn.send(("page", batch))
            position = batch.last
        conn.send(("done", None))
    except (KeyboardInterrupt, SystemExit):
        return
    except BaseException as exc:  # reported to the relay, which retries from its position
        with contextlib.suppress(Exception):
            conn.send(("failed", f"{type(exc).__name__}: {exc}\n{traceback.format_exc(limit=5)}"))
    finally:
        with contextlib.suppress(Exception):
            conn.close()


class Pipeline:
    """Starts translator processes for `Relay.catch_up`.

    `build` must be picklable (a module-level function or an instance of a module-level class): it
    runs in the new process and returns the `EventTranslator` there (its own store connections).
    """

    def __init__(self, build: Callable[[], EventTranslator]) -> None:
        self.build = build

    @contextlib.contextmanager
    def pages(self, start: int, stop: int, page_size: int, *, handshake: bool = False) -> Iterator[Feed]:
        """A translator for pages (start, stop]. With `handshake`, it waits once started until
        `Feed.begin(position)` says where to start (`Feed.ready()` tells when it has started)."""
        context = multiprocessing.get_context("spawn")
        ours, theirs = context.Pipe(duplex=True)
        process = context.Process(target=_translate_pages,
                                  args=(theirs, self.build, None if handshake else start, stop, page_size),
                                  name="relay-translator", daemon=True)
        process.start()
        theirs.close()
        log.info("relay_translator_started", pid=process.pid, start=start, stop=stop)
        try:
            yield Feed(ours, process)
        finally:
            ours.close()
            if process.is_alive():
                process.terminate()
            process.join(timeout=10)
            if process.is_alive():  # pragma: no cover - terminate is enough for a process that only reads
                process.kill()
                process.join(timeout=5)


class Feed:
    """The relay's end of a translator: translated pages in order, and where the relay committed."""

    def __init__(self, conn: Any, process: Any) -> None:
        self.conn = conn
        self.process = process
        self.is_ready = False

    def ready(self) -> bool:
        """Has the translator (started with a handshake) started and is it waiting for `begin`?
        Never blocks; raises `TranslatorFailed` if it failed or went away meanwhile."""
        if not self.is_ready and self.conn.poll():
            kind, value = self._receive()
            if kind != "ready":
                raise TranslatorFailed(f"the relay's translator failed: {value}")
            self.is_ready = True
        return self.is_ready

    def begin(self, position: int) -> None:
        """Start translating after `position` (everything up to it is committed)."""
        self.conn.send(("start", position))

    def _receive(self) -> tuple[str, Any]:
        try:
            kind, value = self.conn.recv()
        except (EOFError, OSError) as exc:
            raise TranslatorFailed(f"the relay's translator went away (exit code "
                                   f"{self.process.exitcode})") from exc
        return kind, value

    def __iter__(self) -> Iterator[Batch]:
        while True:
            if not self.conn.poll(PAGE_TIMEOUT_S):
                raise TranslatorFailed(f"the relay's translator sent nothing in {PAGE_TIMEOUT_S:.0f} s")
            kind, value = self._receive()
            if kind == "ready":  # started with a handshake and `begin` sent: its pages follow
                continue
            if kind == "done":
                return
            if kind == "failed":
                raise TranslatorFailed(f"the relay's translator failed: {value}")
            for unit in value.units:
                if isinstance(unit.error, RemoteError):
                    unit.error = unit.error.rebuilt()
            yield value

    def committed(self, position: int) -> None:
        """Tell the translator the store now holds the list state up to `position`."""
        with contextlib.suppress(OSError):
            self.conn.send(("committed", position))
