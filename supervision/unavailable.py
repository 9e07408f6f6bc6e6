"""Recognise "the database cannot be used" whatever layer raised it, and say whether waiting helps.

One classification shared by every caller (the CLI, the HTTP API, the worker, the importer, the
composition root):

- `StoreUnavailable` (**transient**): the server is down or unreachable right now — connection
  refused, a timeout, a pool timeout, a dropped connection, the server starting up or shutting
  down, a resolver that could not answer (``EAI_AGAIN``). Waiting may cure it: the CLI exits 69
  ("retry later"), the API answers 503 with ``Retry-After``, background loops retry with backoff.
- `StoreMisconfigured` (**permanent**, a subclass, so a caller that only knows "unavailable" still
  refuses the request): the server answered, and what it said is that the configuration is wrong —
  the database or the role does not exist, the password or another authentication failed, no
  ``pg_hba.conf`` entry admits this client, the connection string is malformed, or the host name
  does not exist (``EAI_NONAME``/``EAI_NODATA``: the resolver answered that the name is unknown, which
  in practice is a typo in ``DATABASE_URL``; a resolver that cannot answer now is transient). No
  retry cures it: the CLI and a starting process (`worker`, `api`, hence `serve`) exit 78
  (EX_CONFIG) and are not restarted; the API, when the database goes while it runs, still answers
  503 (the request may succeed once an operator fixes the setting) but says it is a configuration
  problem, without ``Retry-After``, and logs ``database_misconfigured``; the background loops of a
  running worker keep retrying with their backoff (capped at 30 s), each failure logged with the
  server's words, and ``/healthz`` names it "a configuration problem": a database that is created
  or restored later lets them carry on without a restart, which giving up would not.

How: the SQLSTATE where psycopg has one (``3D000`` invalid catalog name, ``28000`` invalid
authorization specification, ``28P01`` invalid password) on any link of the ``__cause__`` /
``__context__`` chain (eventsourcing and SQLAlchemy wrap psycopg's errors). psycopg 3 raises a plain
`psycopg.OperationalError` *without* a SQLSTATE for every failure during connect (libpq reports only a
message there), so those are recognised by libpq's and the server's message, in English; a server
whose ``lc_messages`` is another language yields an unrecognised message, which stays transient (the
former behaviour: retried, never wrongly given up on). A `psycopg_pool.PoolTimeout` carries no cause
at all and is always transient.

Messages never carry a password: libpq does not print it, and `redacted` removes any
``scheme://user:password@`` or ``password=...`` that might appear in a wrapped error's text.
"""

from __future__ import annotations

import re
import sqlite3
from dataclasses import dataclass
from typing import Any

import psycopg
import psycopg_pool
import sqlalchemy.exc
from eventsourcing import persistence


class StoreUnavailable(Exception):
    """The event store or the read-model database cannot be reached right now (transient)."""

    #: True for `StoreMisconfigured`: retrying cannot cure it (EX_CONFIG, not EX_UNAVAILABLE)
    permanent = False

    def __init__(self, detail: str) -> None:
        super().__init__(f"database unavailable: {detail}")
        self.detail = detail


class StoreMisconfigured(StoreUnavailable):
    """The database server refused this configuration (no such database or role, authentication
    failed, no ``pg_hba.conf`` entry, a malformed connection string, an unknown host name): a
    configuration error that no retry cures. `problem` says which, `hint` what to change."""

    permanent = True

    def __init__(self, detail: str, problem: str, hint: str) -> None:
        Exception.__init__(self, f"database misconfigured: {problem}: {detail}")
        self.detail = detail
        self.problem = problem
        self.hint = hint


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

#: errors whose message may name a configuration problem (a driver's or a wrapper of one)
_DRIVER_ERRORS: tuple[type[BaseException], ...] = (*_UNAVAILABLE, psycopg.Error, sqlalchemy.exc.DBAPIError)


@dataclass(frozen=True)
class _Permanent:
    problem: str
    hint: str


_NO_DATABASE = _Permanent("the database does not exist",
                          "create it (createdb NAME, then `eldercare init`) or correct the URL's "
                          "database name")
_NO_ROLE = _Permanent("the database role (user) does not exist",
                      "create the role (createuser NAME) or correct the URL's user name")
_AUTHENTICATION = _Permanent("authentication failed",
                             "correct the URL's user or password (percent-encode special characters)")
_NOT_ALLOWED = _Permanent("the server does not admit this client",
                          "ask the database administrator for a pg_hba.conf entry or the CONNECT "
                          "privilege, or correct the URL's user, database or host")
_MALFORMED = _Permanent("the connection string is malformed",
                        "correct the URL: postgresql://user[:password]@host[:port]/dbname")
_UNKNOWN_HOST = _Permanent("the host name does not exist",
                           "correct the URL's host name")

#: SQLSTATEs that name a configuration problem (psycopg.errors: InvalidCatalogName,
#: InvalidAuthorizationSpecification, InvalidPassword)
_BY_SQLSTATE = {"3D000": _NO_DATABASE, "28000": _AUTHENTICATION, "28P01": _AUTHENTICATION}

#: libpq's and the server's messages (English) for the same, when no SQLSTATE came with them
_BY_MESSAGE: tuple[tuple[re.Pattern[str], _Permanent], ...] = tuple(
    (re.compile(pattern, re.IGNORECASE), kind) for pattern, kind in (
        (r'database "[^"]*" does not exist', _NO_DATABASE),
        (r'role "[^"]*" does not exist', _NO_ROLE),
        (r"\b\w+ authentication failed for user", _AUTHENTICATION),  # password, ident, peer, GSSAPI ...
        (r"no password supplied", _AUTHENTICATION),
        (r'role "[^"]*" is not permitted to log in', _AUTHENTICATION),
        (r"no pg_hba\.conf entry for", _NOT_ALLOWED),
        (r"permission denied for database", _NOT_ALLOWED),
        (r"connection is bad: (invalid|missing|unterminated|unexpected)", _MALFORMED),
        (r'invalid (integer )?value "[^"]*" for connection option', _MALFORMED),
        (r"invalid connection option", _MALFORMED),
        (r"invalid (URI|percent-encoded)", _MALFORMED),
        (r"\b(in|of) URI\b", _MALFORMED),
        # getaddrinfo answered "no such name" (EAI_NONAME -2, EAI_NODATA -5); EAI_AGAIN is transient
        (r"(failed to resolve host|could not translate host name).*"
         r"(\[Errno -[25]\]|name or service not known|nodename nor servname|"
         r"no address associated with hostname)", _UNKNOWN_HOST),
    ))

_SECRETS = (
    (re.compile(r"(\b[a-z][a-z0-9+.-]*://[^\s:/@]*):[^\s@]*@", re.IGNORECASE), r"\1:***@"),
    (re.compile(r"\b(password|sslpassword)\s*=\s*('[^']*'|\S+)", re.IGNORECASE), r"\1=***"),
)


def redacted(text: str) -> str:
    """`text` without a password: ``scheme://user:secret@`` and ``password=secret`` are masked."""
    for pattern, replacement in _SECRETS:
        text = pattern.sub(replacement, text)
    return text


def _first_line(exc: BaseException) -> str:
    """The first line of `exc`'s message, without a password and without SQLAlchemy's
    ``(psycopg.OperationalError)`` prefix (the same failure reads alike whichever layer raised it)."""
    line = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
    return redacted(re.sub(r"^\([\w.]+\)\s*", "", line))[:300]


def _problem_line(exc: BaseException) -> str:
    """The first line, spaces collapsed."""
    return " ".join(_first_line(exc).split())


def _permanent(exc: BaseException) -> _Permanent | None:
    """The configuration problem `exc` itself names (not its causes), if any."""
    sqlstate = getattr(exc, "sqlstate", None)
    if isinstance(exc, psycopg.Error) and sqlstate in _BY_SQLSTATE:
        return _BY_SQLSTATE[sqlstate]
    if not isinstance(exc, _DRIVER_ERRORS):
        return None
    text = " ".join(str(exc).split())
    for pattern, kind in _BY_MESSAGE:
        if pattern.search(text):
            return kind
    return None


def as_unavailable(exc: BaseException) -> StoreUnavailable | None:
    """A `StoreUnavailable` when `exc` (or a cause) means the database cannot be used; a
    `StoreMisconfigured` when a link of the chain says that the configuration is wrong; None when
    `exc` has nothing to do with reaching the database.

    The whole chain is read for a permanent cause first: a transient-looking wrapper (SQLAlchemy's
    `OperationalError`, eventsourcing's) around "database does not exist" is still permanent.
    """
    chain: list[BaseException] = []
    seen: BaseException | None = exc
    while seen is not None and len(chain) < 20 and seen not in chain:
        chain.append(seen)
        seen = seen.__cause__ or seen.__context__
    for link in chain:
        if isinstance(link, StoreUnavailable):
            return link
        kind = _permanent(link)
        if kind is not None:
            return StoreMisconfigured(_problem_line(link), kind.problem, kind.hint)
    for link in chain:
        if isinstance(link, _UNAVAILABLE):
            return StoreUnavailable(_first_line(link))
    return None


def log_failure(logger: Any, event: str, exc: BaseException, **fields: Any) -> None:
    """Log a background loop's failed attempt (called inside its `except`; the loop retries with
    backoff either way). A database that refuses the configuration is logged at error level with
    `permanent=True`, the problem, the server's words and what to change, and no traceback (no retry
    cures it, and the operator needs the hint, not the stack); anything else with its traceback."""
    found = as_unavailable(exc)
    if isinstance(found, StoreMisconfigured):
        logger.error(event, permanent=True, problem=found.problem, detail=found.detail, hint=found.hint,
                     **fields)
    else:
        logger.exception(event, **fields)
