"""A large import in several processes: helpers read, parse, validate, seal and build; this one saves.

Why: the importer's work per facility row was about 400 µs of Python in one process against about
130 µs for the store's own append of the same event (issue 15): reading and parsing the line, the
schema's fast path, sealing the personal data (Fernet) and building the aggregate are about two
thirds of it, and a thread shares the GIL. Helper processes do that part (`infra.import_lines`) on
the other cores and send each finished chunk of lines over a pipe; the importing process only checks
the jurisdiction (it reads the actor's agency from the store), batches and saves, in file order,
with the same loop as the one-process path (`infra.importer.import_stream`).

How the file is shared: the importing process prepares the first `head_lines` lines itself while the
helpers start (a fresh interpreter importing the application takes 1–3 s). Every helper reads the whole
file (cheap: no parsing) and prepares only the lines of its own chunks — chunk `c` is the
`chunk_lines` lines numbered from `skip + c·chunk_lines` (`skip`: the first line after the head);
`owner` gives one chunk in every `main_every` to the importing process and the others to the helpers
in turn — so line numbers are counted exactly as in one process, and the importing process takes
the chunks in order, each from the helper that owns it or from its own preparing. A helper sends
every chunk of its own that has a line (blank ones included, possibly empty), then `done`; the first
`done` in that order (or the importing process's own chunk finding no line) ends the file.

Every line is prepared and mapped to the store's records (`infra.import_lines.BuiltFacility`) where it
is read: the importing process only loads them, checks the jurisdiction and inserts them.

Guarantees, beyond those of the one-process path (same lines stored, same rejections, same counts):

- bounded: a pipe holds what the operating system buffers (`PIPE_BYTES`, 1 MiB, where Linux allows
  it; 64 KiB otherwise) and a send blocks until it is read, so each helper is at most that plus one
  chunk (`chunk_lines` lines, ~0.2 MB pickled) ahead of the importing process, whatever the file's size;
- a helper holds no database connection and writes nothing: its application runs on an in-memory
  store (`eventsourcing.popo`) that it never saves to; only its sealer (the same keys, the first one
  seals) and its clock (the importer's) are real;
- failure: a helper that dies (killed) is seen at once (its pipe ends: `ImportHelperFailed` with its
  exit code), one that raises reports its traceback (`ImportHelperFailed`), one that sends nothing for
  `timeout_s` is given up; in every case every helper is terminated (then killed) and joined before the
  error reaches the caller, and what was committed before is what the report counts;
- helpers are started with `multiprocessing`'s *spawn* (a fresh interpreter, fork+exec in C): never
  a fork of a process with threads and open connections;
- only a file worth it: a helper takes about 1–3 s to start (importing the application); the
  pipeline is used for a regular file with at least `min_bytes` left to read (`PIPELINE_MIN_BYTES`,
  measured where it is defined). A stream that is not a file on disk (stdin, a pipe, the console's
  upload in memory) is imported in one process: its size is unknown until it is read, and forwarding
  its bytes to the helpers would cost the importing process the reading it is meant to shed.

The file is read up to the size it had when the import began (`HelperJob.end`), so that all helpers
agree on where it ends even if it grows meanwhile.
"""

from __future__ import annotations

import contextlib
import fcntl
import functools
import itertools
import multiprocessing
import os
import pickle
import resource
import stat
import time
import traceback
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from typing import IO, Any
from uuid import UUID

import structlog
from eventsourcing.persistence import StoredEvent

from infra.import_lines import (
    BuiltFacility,
    FacilityLine,
    Line,
    LinePreparer,
    Refused,
    csv_header,
    parse_csv,
    parse_json,
)
from supervision.application import Context

log = structlog.get_logger(__name__)

def default_helpers() -> int:
    """One helper per core beyond the importing process's own, at most two: a helper's work per row
    (~200 µs) is about 1.5 times the importing process's (~130 µs, mostly the save), so two keep it
    busy. On this project's 2-core machine that is one helper: measured under the load of other
    sessions (30,000 rows, SQLite), one helper took 9.4 s and 20.2 s where two took 14.0 s and
    30.1 s and three 18.3 s — the helpers' CPU then comes out of the same share of the machine."""
    try:
        cores = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        cores = os.cpu_count() or 1
    return max(1, min(2, cores - 1))


#: helper processes (`default_helpers()` when the module is imported)
HELPERS = default_helpers()
#: the least bytes left to read for which the pipeline is used (~40,000 rows of ~400 bytes): a
#: helper costs 1–3 s to start (a fresh interpreter importing the application) and saves at best
#: about a third of a row's time; measured on SQLite, 30,000 rows (11.5 MiB) took 9.9 s in one
#: process and 9.4 s with one helper, 3,000 rows 1.1 s and 2.9 s
PIPELINE_MIN_BYTES = 16 * 2**20
#: lines the importing process prepares itself while the helpers start (~1 s of its own work)
HEAD_LINES = 2048
#: lines per chunk: one pickled message of about 0.3 MB
CHUNK_LINES = 256
#: the importing process prepares one chunk in every this many itself (0: none). Why: its own work
#: per row (loading the helpers' lines, the jurisdiction, the saves) is about half a helper's
#: preparing, so with one helper it waited for the helper two thirds of the time (profiled at
#: 100,000 rows, SQLite); taking a third of the chunks balances the two processes, and on a machine
#: shared with other work two busy processes get more of it than one busy and one waiting
MAIN_EVERY = 3
#: bytes each pipe may hold (Linux: F_SETPIPE_SZ; 1 MiB is what an unprivileged process may set by
#: default): a helper keeps working, about 2,000 lines ahead, while this process waits on a save
PIPE_BYTES = 2**20
#: seconds without a message from the helper whose chunk is due before it is given up
RESULT_TIMEOUT_S = 60.0
#: seconds to wait for a terminated helper to exit before it is killed
JOIN_TIMEOUT_S = 5.0

#: the helper's application: an in-memory store it never saves to (the store's name-prefixed
#: variable too, which would otherwise win over the plain one if set in the environment)
IN_MEMORY = {"PERSISTENCE_MODULE": "eventsourcing.popo", "ELDERCARE_PERSISTENCE_MODULE": "eventsourcing.popo"}


class ImportHelperFailed(Exception):
    """A helper process of a large import died, raised, or fell silent: the import stopped there
    (what was committed before stays, and is what the report counts)."""


def owner(chunk: int, helpers: int, main_every: int) -> int:
    """Who prepares `chunk`: helper 0 .. `helpers` - 1, or `helpers` for the importing process, which
    takes the last chunk of every `main_every` (0: none); the helpers take the others in turn."""
    if main_every:
        if chunk % main_every == main_every - 1:
            return helpers
        chunk -= chunk // main_every
    return chunk % helpers


@dataclass(frozen=True)
class Today:
    """A clock that always answers the date the import began (for a clock that cannot be pickled)."""

    day: date

    def __call__(self) -> date:
        return self.day


@dataclass(frozen=True)
class HelperJob:
    """What one helper needs (pickled to it at start; `keys` are the sealer's keys, first seals).

    Reads `path` from byte `start` to byte `end`; the first line read is numbered `first`; `header`
    is a CSV file's columns (None for JSON Lines). Lines numbered below `skip` are the importing
    process's own (its head start); from `skip` on, prepares the lines of the chunks of
    `chunk_lines` lines that `owner` gives helper `index`.
    """

    path: str
    fmt: str
    start: int
    end: int
    first: int
    skip: int
    header: list[str] | None
    index: int
    helpers: int
    chunk_lines: int
    keys: tuple[bytes, ...] = field(repr=False)
    clock: Callable[[], date]
    ctx: Context
    #: the importing store's event size limit (its mapper maps here what it inserts as it is)
    max_message_bytes: int | None = None
    #: the importing process prepares one chunk in every `main_every` (`owner`)
    main_every: int = 0


def build_preparer(job: HelperJob) -> LinePreparer:
    """The helper's `LinePreparer`: the application on an in-memory store, with the importer's keys
    and clock, and the compiled fast path."""
    from supervision.app import SupervisionApp
    from supervision.commands.fast_facilities import fast_register_facility
    from supervision.crypto import Sealer
    from supervision.dispatcher import Dispatcher

    env = dict(IN_MEMORY)
    if job.max_message_bytes is not None:
        env["ELDERCARE_MAX_MESSAGE_BYTES"] = str(job.max_message_bytes)
    app = SupervisionApp(env=env, sealer=Sealer(list(job.keys)), clock=job.clock)
    return LinePreparer(Dispatcher(app), app, job.ctx, fast_register_facility)


def _prepare_chunks(conn: Any, job: HelperJob, build: Callable[[HelperJob], LinePreparer]) -> None:
    """The helper process: sends `("chunk", c, [Line, ...])` for each chunk `c` of its own that has a
    line, in order, then `("done", peak RSS in KiB)`; or `("failed", text)` and returns."""
    try:
        preparer = build(job)
        header = job.header
        mine = False
        chunk, out = -1, []
        with open(job.path, "rb") as stream:
            stream.seek(job.start)
            for number, raw in numbered(stream, job.start, job.end, job.first):
                if number < job.skip:
                    continue
                current = (number - job.skip) // job.chunk_lines
                if current != chunk:
                    if mine:
                        conn.send(("chunk", chunk, out))
                    chunk, out = current, []
                    mine = owner(current, job.helpers, job.main_every) == job.index
                if mine and raw.strip():
                    row = parse_json(raw) if header is None else parse_csv(raw, header)
                    out.append(pack(preparer.prepare(number, len(raw), row)))
        if mine:
            conn.send(("chunk", chunk, out))
        conn.send(("done", peak_rss_kib()))
    except (KeyboardInterrupt, SystemExit, BrokenPipeError):
        return  # stopped by the importing process
    except BaseException as exc:  # reported to the importing process, which stops the import
        with contextlib.suppress(Exception):
            conn.send(("failed", f"{type(exc).__name__}: {exc}\n{traceback.format_exc(limit=8)}"))
    finally:
        with contextlib.suppress(Exception):
            conn.close()


def pack(line: Line) -> Any:
    """A built facility line as a plain tuple for the pipe; any other line as it is. Pickling the
    objects (the named tuple, `BuiltFacility`, the `StoredEvent`, its UUID) cost the helper about 14 µs
    a row and the importing process 11 µs to load; the tuple about 4 and 8 (measured with
    `time.process_time`, 2,560 rows)."""
    if type(line) is FacilityLine and line.refused is None and type(line.facility) is BuiltFacility:
        events = line.facility.events
        if len(events) == 1 and type(events[0]) is StoredEvent and type(events[0].originator_id) is UUID:
            event = events[0]
            return (line.number, line.size, line.args, line.facility.uscc, event.originator_id.bytes,
                    event.originator_version, event.topic, event.state)
    return line


def unpack(item: Any) -> Line:
    """The line `pack` made `item` of (the named tuples of the other lines are not plain tuples)."""
    if type(item) is not tuple:
        line: Line = item
        return line
    number, size, args, uscc, originator_id, version, topic, state = item
    return FacilityLine(number, size, args,
                        BuiltFacility(uscc, [StoredEvent(UUID(bytes=originator_id), version, topic, state)]))


def peak_rss_kib() -> int:
    """This process's peak resident set size since it started its interpreter, KiB: Linux's VmHWM
    (`ru_maxrss` would also count the parent's pages at the fork before the exec)."""
    with contextlib.suppress(OSError, ValueError, StopIteration), open("/proc/self/status") as status:
        return int(next(line for line in status if line.startswith("VmHWM:")).split()[1])
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def numbered(stream: IO[bytes], start: int, end: int, first: int) -> Iterator[tuple[int, bytes]]:
    """(line number, raw bytes) of the lines of `stream` (positioned at byte `start`) up to byte
    `end`, the first numbered `first`; a line that crosses `end` (the file grew) is cut there."""
    position = start
    for number, raw in enumerate(stream, start=first):
        if position >= end:
            return
        position += len(raw)
        yield number, raw if position <= end else raw[: len(raw) - (position - end)]


@dataclass(frozen=True)
class Source:
    """Where a large import reads: a regular file, from byte `start` to byte `end`."""

    path: str
    start: int
    end: int


def file_source(stream: IO[bytes]) -> Source | None:
    """The file behind `stream` when it is a regular file on disk that a helper can open by its name
    (the same file: same device and inode); None for anything else (stdin, a pipe, bytes in memory)."""
    name = getattr(stream, "name", None)
    if not isinstance(name, str):
        return None
    try:
        opened = os.fstat(stream.fileno())
        named = os.stat(name)
        start = stream.tell()
    except (AttributeError, OSError, ValueError):  # io.UnsupportedOperation is both
        return None
    if not stat.S_ISREG(opened.st_mode) or (opened.st_dev, opened.st_ino) != (named.st_dev, named.st_ino):
        return None
    return Source(os.path.abspath(name), start, opened.st_size)


def _picklable_clock(clock: Callable[[], date]) -> Callable[[], date]:
    """The importer's clock if it can be sent to a helper (the container's `Clock`: a fixed date or
    today in Asia/Shanghai), else the date it says now."""
    try:
        pickle.dumps(clock)
    except Exception:
        return Today(clock())
    return clock


def sealing_keys(container: Any) -> tuple[bytes, ...]:
    """The keys the container's sealer was built with (the first seals): the configured ones, else the
    key file's (which `container.sealer` has created if it was missing)."""
    _ = container.sealer  # creates the key file of a new installation, as the one-process path would
    keys = tuple(container.settings.secret_keys)
    return keys or (container.settings.secret_key_path.read_bytes().strip(),)


@dataclass(frozen=True)
class Pipeline:
    """How a large import is split: `helpers` processes (0: always in one process), used for a file
    with at least `min_bytes` left; chunks of `chunk_lines` lines, the first `head_lines` prepared
    here; pipes of `pipe_bytes`; `build` makes a helper's `LinePreparer` (picklable: a module-level
    function; tests pass one that fails)."""

    helpers: int = HELPERS
    min_bytes: int = PIPELINE_MIN_BYTES
    chunk_lines: int = CHUNK_LINES
    head_lines: int = HEAD_LINES
    main_every: int = MAIN_EVERY
    pipe_bytes: int = PIPE_BYTES
    timeout_s: float = RESULT_TIMEOUT_S
    build: Callable[[HelperJob], LinePreparer] = build_preparer

    def applies(self, stream: IO[bytes]) -> Source | None:
        """The file to split when this stream is worth the helpers' start; None otherwise."""
        if self.helpers < 1:
            return None
        source = file_source(stream)
        if source is None or source.end - source.start < self.min_bytes:
            return None
        return source

    @contextlib.contextmanager
    def lines(self, container: Any, ctx: Context, stream: IO[bytes], fmt: str, source: Source,
              preparer: LinePreparer) -> Iterator[Feed]:
        """Start the helpers on `source` and yield their `Feed`: `feed.lines()` are the prepared lines,
        in file order — the first `head_lines` prepared here by `preparer` while the helpers start,
        the rest by the helpers (a CSV file whose header cannot be read: its one rejection, and no
        helper is started). On leaving, every helper is stopped and joined; `stream` is left at the
        end of what was read."""
        start, first, header = source.start, 1, None
        if fmt == "csv":
            header_line = stream.readline()
            columns = csv_header(header_line)
            if isinstance(columns, str):
                yield Feed([], self.timeout_s, iter([Refused(1, len(header_line), columns)]))
                return
            start, first, header = source.start + len(header_line), 2, columns
        skip = first + self.head_lines
        keys, clock = sealing_keys(container), _picklable_clock(container.clock)
        limit = getattr(container.app.mapper, "limit", None)
        jobs = [HelperJob(source.path, fmt, start, source.end, first, skip, header, index, self.helpers,
                          self.chunk_lines, keys, clock, ctx, limit, self.main_every)
                for index in range(self.helpers)]
        context = multiprocessing.get_context("spawn")
        helpers: list[tuple[Any, Any]] = []
        try:
            for job in jobs:
                ours, theirs = context.Pipe(duplex=False)
                widen(ours, self.pipe_bytes)
                process = context.Process(target=_prepare_chunks, args=(theirs, job, self.build),
                                          name=f"import-helper-{job.index}", daemon=True)
                helpers.append((ours, process))
                process.start()
                theirs.close()
            log.info("import_helpers_started", pids=[p.pid for _, p in helpers], bytes=source.end - start)
            parse = parse_json if header is None else functools.partial(parse_csv, header=header)
            own = OwnLines(numbered(stream, start, source.end, first), skip, self.chunk_lines, parse,
                           preparer)
            feed = Feed(helpers, self.timeout_s, own.head(), own, self.main_every)
            yield feed
            log.info("import_helpers_finished", peak_rss_kib=feed.peak_rss_kib,
                     waited_s=round(feed.waited_s, 3))
        finally:
            stop(helpers)
            with contextlib.suppress(OSError, ValueError):
                stream.seek(source.end)


class OwnLines:
    """The lines this process prepares itself, read from its own stream: the head (the lines numbered
    below `skip`, prepared while the helpers start: a fresh interpreter importing the application
    takes 1–3 s), then the chunks `owner` gives it; the lines of the helpers' chunks are read and
    stepped over."""

    def __init__(self, lines: Iterator[tuple[int, bytes]], skip: int, chunk_lines: int,
                 parse: Callable[[bytes], Any], preparer: LinePreparer) -> None:
        self.lines = lines
        self.skip = skip
        self.chunk_lines = chunk_lines
        self.parse = parse
        self.preparer = preparer
        #: a line read but not yet used (the first of a later chunk)
        self.pending: tuple[int, bytes] | None = None

    def _read(self) -> Iterator[tuple[int, bytes]]:
        """The pending line, then the stream's next; leaving a loop over it early leaves the stream
        where it was (a generator's `yield from` would close it)."""
        pending, self.pending = self.pending, None
        return self.lines if pending is None else itertools.chain((pending,), self.lines)

    def head(self) -> Iterator[Line]:
        for number, raw in self._read():
            if number >= self.skip:
                self.pending = (number, raw)
                return
            if raw.strip():
                yield self.preparer.prepare(number, len(raw), self.parse(raw))

    def chunk(self, chunk: int) -> list[Line] | None:
        """The prepared lines of `chunk` (blank lines left out); None when the file ends before it."""
        first = self.skip + chunk * self.chunk_lines
        end = first + self.chunk_lines
        out: list[Line] = []
        seen = False
        for number, raw in self._read():
            if number < first:
                continue
            if number >= end:
                self.pending = (number, raw)
                break
            seen = True
            if raw.strip():
                out.append(self.preparer.prepare(number, len(raw), self.parse(raw)))
        return out if seen else None


def widen(conn: Any, size: int) -> None:
    """Let the pipe behind `conn` hold `size` bytes (where the system allows; else it keeps its
    default, 64 KiB on Linux: still correct, a little less overlap)."""
    with contextlib.suppress(AttributeError, OSError):
        fcntl.fcntl(conn.fileno(), fcntl.F_SETPIPE_SZ, size)


def stop(helpers: list[tuple[Any, Any]]) -> None:
    """Close every pipe, terminate every helper still running, join each (killed after
    `JOIN_TIMEOUT_S`): no helper outlives the import."""
    for conn, _ in helpers:
        conn.close()
    for _, process in helpers:
        if process.pid is None:
            continue
        if process.is_alive():
            process.terminate()
        process.join(JOIN_TIMEOUT_S)
        if process.is_alive():  # pragma: no cover - a helper only reads and computes
            process.kill()
            process.join(JOIN_TIMEOUT_S)


class Feed:
    """The importing process's end of the helpers: their chunks, in file order."""

    def __init__(self, helpers: list[tuple[Any, Any]], timeout_s: float, head: Iterator[Line],
                 own: OwnLines | None = None, main_every: int = 0) -> None:
        self.helpers = helpers
        self.timeout_s = timeout_s
        #: the lines this process prepares itself, before the helpers' first chunk
        self.head = head
        #: the chunks this process prepares itself (`owner`), when `main_every`
        self.own = own
        self.main_every = main_every if own is not None else 0
        #: the largest peak resident size a helper reported (KiB; 0 until they finish)
        self.peak_rss_kib = 0
        #: seconds this process waited for a chunk (the helpers were behind)
        self.waited_s = 0.0

    def receive(self, index: int) -> tuple[str, Any, Any]:
        """The next message of helper `index`; raises `ImportHelperFailed` when it died, failed or
        sent nothing for `timeout_s`."""
        conn, process = self.helpers[index]
        waiting = time.perf_counter()
        ready = conn.poll(self.timeout_s)
        self.waited_s += time.perf_counter() - waiting
        if not ready:
            raise ImportHelperFailed(f"import helper {process.pid} sent nothing in {self.timeout_s:.0f} s")
        try:
            message = conn.recv()
        except (EOFError, OSError) as exc:
            process.join(JOIN_TIMEOUT_S)
            raise ImportHelperFailed(f"import helper {process.pid} went away (exit code "
                                     f"{process.exitcode})") from exc
        if message[0] == "failed":
            raise ImportHelperFailed(f"import helper {process.pid} failed: {message[1]}")
        if message[0] == "done":
            return "done", None, message[1]
        return message

    def lines(self) -> Iterator[Line]:
        """The head, then the chunks in order — the helpers', and this process's own — until the
        first `done` from the helper whose chunk is due, or this process's chunk finding the file's
        end (every helper then says `done`)."""
        yield from self.head
        count = len(self.helpers)
        if not count:
            return
        chunk = 0
        while True:
            index = owner(chunk, count, self.main_every)
            if index == count:
                assert self.own is not None
                own = self.own.chunk(chunk)
                if own is None:  # the file ended: no helper has a chunk left either
                    self._collect_done(range(count))
                    return
                yield from own
                chunk += 1
                continue
            kind, number, value = self.receive(index)
            if kind == "done":
                break
            if number != chunk:  # pragma: no cover - the protocol is in order by construction
                raise ImportHelperFailed(f"import helper sent chunk {number} where {chunk} was due")
            yield from map(unpack, value)
            chunk += 1
        self.peak_rss_kib = max(self.peak_rss_kib, value)
        self._collect_done(i for i in range(count) if i != index)

    def _collect_done(self, indexes: Iterable[int]) -> None:
        """The helpers' `done` after the file's end (their peak resident sizes)."""
        for index in indexes:  # none has a chunk left: each says done
            with contextlib.suppress(ImportHelperFailed):  # every line is in: only the figure is lost
                self.peak_rss_kib = max(self.peak_rss_kib, self.receive(index)[2])
