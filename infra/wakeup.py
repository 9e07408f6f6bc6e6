"""Wake-ups between the processes of one server: UNIX datagrams in Linux's abstract namespace.

Two messages travel, both to the background worker's one socket (see docs/processes.md):

- ``saved <notification id>``: sent by any process after it appended events (API workers, CLI,
  consumers). The worker wakes its projection runners and the relay at once, instead of waiting
  for the next poll.
- ``wait <notification id>[ <view>,<view>...]``: sent by an API request that wants to read its own
  write, from a socket of its own. The worker wakes its runners and, when every view named (every
  view, when none is) has applied that id, answers ``applied <notification id>`` to that socket.
  The request re-sends every ``RESEND_S`` while it waits, so a lost datagram or a restarted
  worker costs at most that.

Why datagrams and not polling the views' positions: one ``sendto`` costs microseconds and needs no
database round trip; an abstract address has no file to go stale, needs no clean-up when a process
is killed, and is keyed by the var dir and database, so two servers on one machine never mix.
Nothing is lost when no worker listens: the sender gets ECONNREFUSED and carries on (the worker
polls as a fallback, and the waiting request falls back to reading positions).
"""

from __future__ import annotations

import contextlib
import hashlib
import socket
import threading
import time
from collections.abc import Callable, Collection, Mapping
from pathlib import Path

import structlog

log = structlog.get_logger(__name__)

#: how often a waiting request repeats its `wait` (a lost datagram, a restarted worker), seconds
RESEND_S = 0.25
#: a `wait` nobody answered for this long is forgotten by the worker, seconds
PENDING_TTL_S = 30.0
_MAX_DATAGRAM = 4096


def worker_address(var_dir: Path, database_url: str) -> bytes:
    """The worker's abstract socket address for this var dir and database (bytes, leading NUL)."""
    key = hashlib.sha256(f"{var_dir.resolve()}|{database_url}".encode()).hexdigest()[:24]
    return b"\0eldercare-" + key.encode() + b"/worker"


def _dgram() -> socket.socket:
    return socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM | socket.SOCK_CLOEXEC)


class Announcer:
    """Sends ``saved <id>`` to the worker; never blocks, never raises (a wake-up is a hint)."""

    def __init__(self, address: bytes) -> None:
        self.address = address
        self._sock: socket.socket | None = None
        self._lock = threading.Lock()

    def saved(self, notification_id: int) -> bool:
        """True when the worker got the datagram (False: no worker listening, or its queue full)."""
        with self._lock:
            if self._sock is None:
                self._sock = _dgram()
                self._sock.setblocking(False)
            sock = self._sock
        try:
            sock.sendto(b"saved %d" % notification_id, self.address)
            return True
        except OSError:
            return False

    def close(self) -> None:
        with self._lock:
            if self._sock is not None:
                self._sock.close()
                self._sock = None


def await_applied(address: bytes, notification_id: int, timeout: float,
                  views: Collection[str] | None = None) -> bool | None:
    """Ask the worker to say when every view (or every one in `views`) applied `notification_id`;
    wait up to `timeout` s.

    Returns True (applied), False (not within `timeout`), or None when no worker listens at all
    (the caller then reads the views' positions itself).
    """
    deadline = time.monotonic() + timeout
    with _dgram() as sock:
        sock.bind(b"")  # Linux autobind: a fresh abstract address the worker can answer to
        request = b"wait %d" % notification_id
        if views is not None:
            request += b" " + ",".join(sorted(views)).encode()
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return False
            try:
                sock.sendto(request, address)
            except (ConnectionRefusedError, FileNotFoundError):
                return None
            except OSError:  # the worker's queue is full: it is busy, wait and ask again
                pass
            sock.settimeout(min(RESEND_S, remaining))
            try:
                while True:
                    data = sock.recv(_MAX_DATAGRAM)
                    word, _, value = data.partition(b" ")
                    if word == b"applied" and int(value) >= notification_id:
                        return True
            except TimeoutError:
                continue
            except (OSError, ValueError):
                continue


class Listener:
    """The worker's side: receives `saved`/`wait`, wakes the pipelines, answers the waiters.

    `wake` is called for every datagram (it only sets events, so it is cheap); `answer(positions)`
    is called by the projection service with every view's applied position whenever one moved.
    A `wait` naming views is answered when those views applied the id; one naming none, when every
    view did; a view this worker does not run never counts as applied.
    """

    def __init__(self, address: bytes, wake: Callable[[], None]) -> None:
        self.address = address
        self.wake = wake
        self.sock = _dgram()
        self.sock.bind(address)
        self.sock.settimeout(0.5)
        self.positions: dict[str, int] = {}
        self._pending: dict[bytes, tuple[int, frozenset[str] | None, float]] = {}
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="wakeup-listener", daemon=True)

    def start(self) -> Listener:
        self._thread.start()
        return self

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                data, sender = self.sock.recvfrom(_MAX_DATAGRAM)
            except TimeoutError:
                self._expire()
                continue
            except OSError:
                if self._stop.is_set():
                    return
                continue
            word, _, rest = data.partition(b" ")
            if word == b"wait" and sender:
                value, _, names = rest.partition(b" ")
                try:
                    wanted = int(value)
                    views = frozenset(names.decode().split(",")) if names else None
                except (ValueError, UnicodeDecodeError):
                    continue
                with self._lock:
                    if self._covered(wanted, views):
                        self._send(sender, wanted)
                        continue
                    self._pending[sender] = (wanted, views, time.monotonic())
            self.wake()

    def _covered(self, wanted: int, views: frozenset[str] | None) -> bool:
        positions = self.positions
        if not positions:
            return False
        return all(positions.get(v, 0) >= wanted for v in (positions if views is None else views))

    @property
    def position(self) -> int:
        """The notification id every view has applied."""
        return min(self.positions.values(), default=0)

    def answer(self, positions: Mapping[str, int]) -> None:
        """Each view's applied position: tell the requests waiting for what they now cover."""
        with self._lock:
            for name, at in positions.items():  # every view, even at 0: a missing one is not "applied"
                self.positions[name] = max(at, self.positions.get(name, 0))
            done = [(addr, wanted) for addr, (wanted, views, _) in self._pending.items()
                    if self._covered(wanted, views)]
            for addr, wanted in done:
                del self._pending[addr]
                self._send(addr, wanted)

    def _send(self, address: bytes, position: int) -> None:
        with contextlib.suppress(OSError):  # that request gave up (its socket is gone)
            self.sock.sendto(b"applied %d" % position, address)

    def _expire(self) -> None:
        cutoff = time.monotonic() - PENDING_TTL_S
        with self._lock:
            for addr in [a for a, (_, _, since) in self._pending.items() if since < cutoff]:
                del self._pending[addr]

    def close(self) -> None:
        self._stop.set()
        self._thread.join(timeout=2)
        self.sock.close()
