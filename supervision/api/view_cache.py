"""Public reads answered from memory while the views they were read from have not moved.

A public list changes only when a view applies an event (its tracking position moves) or the day
changes (what is in force *as of today*). So each API worker process keeps the finished JSON bodies
of recent public GETs, keyed by (path, query string, today), each with the positions of the views it
was read from. A request whose views are still at those positions gets the same bytes back: one
round trip that reads the positions, instead of argument parsing, the page query, the count,
shaping through the public allow-list and JSON encoding (issue 15: those were ~90 % of a list
request's CPU at 100,000 facilities).

Correctness: the positions are read *before* the rows, so a body is never filed under a position
older than the data it holds. `eldercare parked retry` changes a view's rows without moving its
position; each success resolves its parked item, so the count of resolved items is read with the
positions and a retry is a change too (a view that moved in between only makes the next request miss). A
rebuild that ends at the same position holds the same rows (projections are deterministic); a code
change means a new process, an empty cache. Read-your-writes holds: a command answers only after
the views applied its event, which moved their positions.

Every such answer carries `ETag` (a digest of the key, the positions and the package version) and
`Cache-Control: no-cache`; a client that sends `If-None-Match` with it gets `304 Not Modified`, no
body (what disclosure platforms polling a list need).

Bounds: `MAX_ENTRIES` answers and `MAX_BYTES` of bodies per process, least recently used evicted
first; `ELDERCARE_PUBLIC_CACHE_ENTRIES=0` turns the cache off (every request computes its answer).
Only 200 answers are kept; errors (422, 404, 503) are never cached. The door checks that run before
every request (`check_request`, unknown query parameters) run before the cache is asked.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cache, wraps
from typing import Any

from flask import Response, current_app, request

from projections.parked import parked_items

MAX_ENTRIES = 512
MAX_BYTES = 64 * 1024 * 1024


@cache
def _version() -> str:
    """The installed package's version: a new release's answers never match an old ETag."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("eldercare-supervision")
    except PackageNotFoundError:
        return "dev"


@dataclass(frozen=True, slots=True)
class Entry:
    positions: tuple[int, ...]
    etag: str
    body: bytes


class ViewCache:
    """A bounded LRU of finished answers (thread-safe: gunicorn's gthread workers share it)."""

    def __init__(self, max_entries: int = MAX_ENTRIES, max_bytes: int = MAX_BYTES) -> None:
        self.max_entries = max_entries
        self.max_bytes = max_bytes
        self._entries: OrderedDict[tuple[Any, ...], Entry] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()
        self.hits = self.misses = 0

    @property
    def enabled(self) -> bool:
        return self.max_entries > 0

    def get(self, key: tuple[Any, ...], positions: tuple[int, ...]) -> Entry | None:
        with self._lock:
            entry = self._entries.get(key)
            if entry is None or entry.positions != positions:
                self.misses += 1
                return None
            self._entries.move_to_end(key)
            self.hits += 1
            return entry

    def put(self, key: tuple[Any, ...], entry: Entry) -> None:
        if len(entry.body) > self.max_bytes // 8:  # one huge answer must not empty the cache
            return
        with self._lock:
            old = self._entries.pop(key, None)
            if old is not None:
                self._bytes -= len(old.body)
            self._entries[key] = entry
            self._bytes += len(entry.body)
            while self._entries and (len(self._entries) > self.max_entries or self._bytes > self.max_bytes):
                _, evicted = self._entries.popitem(last=False)
                self._bytes -= len(evicted.body)

    def __len__(self) -> int:
        return len(self._entries)


def cache_for(app: Any) -> ViewCache:
    """The app's cache, made on first use from the settings' `public_cache_entries`
    (`ELDERCARE_PUBLIC_CACHE_ENTRIES`, default `MAX_ENTRIES`; 0 = off)."""
    found = app.extensions.get("eldercare.view_cache")
    if found is None:
        settings = getattr(app.extensions.get("eldercare"), "settings", None)
        entries = getattr(settings, "public_cache_entries", MAX_ENTRIES)
        found = app.extensions["eldercare.view_cache"] = ViewCache(entries)
    return found


class _Positions:
    """One statement reading several views' positions in one round trip (the views share the
    read-model database); compiled once per set of views."""

    def __init__(self, services: Any, names: Sequence[str]) -> None:
        views = [services.view(n) for n in names]
        self.reader = views[0].reader
        if any(v.engine is not views[0].engine for v in views[1:]):
            raise ValueError("views of one cached answer must share a database")
        pyformat = self.reader.dialect.paramstyle == "pyformat"

        def param(name: str) -> str:
            return f"%({name})s" if pyformat else f":{name}"

        columns = []
        self.params = {"app": services.app.name}
        for n, v in enumerate(views):
            columns.append(f"(SELECT max(notification_id) FROM {v.tracking_record_cls.__table__.name} "
                           f"WHERE application_name = {param('app')})")
            # `parked retry` applies a parked event without moving the position (it is past it
            # already): each success resolves its parked item, so resolved items count as a change
            columns.append(f"(SELECT count(*) FROM {parked_items.name} WHERE pipeline = {param(f'v{n}')} "
                           "AND resolved_at IS NOT NULL)")
            self.params[f"v{n}"] = v.name
        # driver-level SQL on a pooled driver connection: SQLAlchemy's statement machinery was half
        # of a cached answer's time, and its `Connection` around the statement another third
        self.sql = f"SELECT {', '.join(columns)}"

    def read(self) -> tuple[int, ...]:
        """The views' positions and resolved-parked counts, in one statement on a pooled driver
        connection, in autocommit (one round trip: no BEGIN, no ROLLBACK). A failure invalidates
        that connection (the pool opens a new one) and propagates (a store gone: 503)."""
        raw = self.reader.raw_connection()
        try:
            row = self._query(raw)
        except BaseException as exc:
            self._invalidate(raw, exc)
            raise
        finally:
            raw.close()
        if row is None:  # pragma: no cover - a SELECT without FROM always has its row
            raise RuntimeError("the positions statement returned no row")
        return tuple(int(p or 0) for p in row)

    def _invalidate(self, raw: Any, exc: BaseException) -> None:
        """A connection a statement failed on is in doubt: dropped. When the failure says the server
        went away (a restart, terminated backends), every connection the pool holds from before is
        dropped too, as SQLAlchemy's own statements do: one 503, not one per pooled connection."""
        pool = self.reader.pool
        dialect = self.reader.dialect
        gone = isinstance(exc, Exception) and dialect.is_disconnect(exc, raw.dbapi_connection, None)
        invalidate_all = getattr(pool, "_invalidate", None)  # SQLAlchemy 2.0's pool-wide invalidation
        if gone and invalidate_all is not None:
            invalidate_all(raw, exc)
        else:
            raw.invalidate(exc if isinstance(exc, Exception) else None)

    def _query(self, raw: Any) -> Any:
        driver = raw.driver_connection
        flip = getattr(driver, "autocommit", True) is False  # psycopg; sqlite3 starts no transaction
        if flip:
            driver.autocommit = True
        cursor = raw.cursor()
        try:
            cursor.execute(self.sql, self.params)
            row = cursor.fetchone()
        finally:
            cursor.close()
        if flip:
            driver.autocommit = False  # the pool's other users expect its default
        return row


def _positions(app: Any, names: tuple[str, ...]) -> _Positions:
    """The positions statement for `names` on this app's services, made once per app (kept beside
    its cache: a module-level map keyed by `id(services)` outlived its container, and a new one at
    the same address would have read the old database)."""
    statements = app.extensions.setdefault("eldercare.view_positions", {})
    found = statements.get(names)
    if found is None:
        found = statements.setdefault(names, _Positions(app.extensions["eldercare"], names))
    return found


def _etag(key: tuple[Any, ...], positions: tuple[int, ...]) -> str:
    return hashlib.blake2b(repr((_version(), key, positions)).encode(), digest_size=12).hexdigest()


def _answer(entry: Entry) -> Response:
    if request.if_none_match.contains_weak(entry.etag):
        response = Response(status=304)
    else:
        response = Response(entry.body, status=200, mimetype="application/json")
    return _validators(response, entry)


def _validators(response: Response, entry: Entry) -> Response:
    response.set_etag(entry.etag)
    response.headers["Cache-Control"] = "no-cache"  # keep it, but ask (If-None-Match) before use
    return response


def served_from_views(*views: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Decorate a public GET endpoint (placed right under `blp.route`, above `blp.arguments`) whose
    answer depends only on the URL, today's date and the rows of `views`.

    Never for an answer that depends on who asks (an actor, a jurisdiction, a token): those are
    computed every time."""
    names = tuple(views)

    def decorate(func: Callable[..., Any]) -> Callable[..., Any]:
        @wraps(func)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            app = current_app._get_current_object()  # type: ignore[attr-defined]
            cache = cache_for(app)
            if not cache.enabled or request.method not in ("GET", "HEAD"):
                return func(*args, **kwargs)
            services = app.extensions["eldercare"]
            positions = _positions(app, names).read()
            key = (request.path, request.query_string, services.clock())
            entry = cache.get(key, positions)
            if entry is not None:
                return _answer(entry)
            response = current_app.make_response(func(*args, **kwargs))
            if response.status_code != 200 or response.direct_passthrough:
                return response
            entry = Entry(positions, _etag(key, positions), response.get_data())
            cache.put(key, entry)
            if request.if_none_match.contains_weak(entry.etag):
                return _answer(entry)
            return _validators(response, entry)

        return wrapper

    return decorate
