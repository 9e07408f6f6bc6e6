"""`eldercare worker`: the background process: projection runners, policy processes, clock, relay.

Started (and restarted when it dies) by `eldercare serve` (infra.supervisor), or on its own under
any process manager. It never forks, so its threads and connections are its own business; the
gunicorn processes hold neither before they fork (docs/processes.md).

Start-up: build the store and every view's tables (so the API workers find them), say "ready" on
the file descriptor in ``ELDERCARE_READY_FD`` if there is one, then follow the log. Woken at once
by datagrams from the processes that save (infra.wakeup); answers the requests waiting to read
their own writes. SIGTERM or SIGINT: stop every loop, close, exit 0.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import errno
import os
import signal
import sys
import threading
import time
from collections.abc import Callable
from typing import Any

import structlog

from infra.bootstrap import Container
from infra.settings import Settings, SettingsError
from infra.wakeup import Listener
from projections.registry import PROJECTIONS

log = structlog.get_logger(__name__)

#: exit code when the store could not be reached at start-up (the supervisor retries with backoff)
EXIT_UNAVAILABLE = 69
#: exit code for a setting that can never work (EX_CONFIG), a malformed setting or a database server
#: that refuses the configuration (supervision.unavailable.StoreMisconfigured): not restarted
EXIT_CONFIG = 78
#: EX_TEMPFAIL: another worker already serves this store (its wake-up socket is bound)
EXIT_ALREADY_RUNNING = 75


class WorkerAlreadyRunning(RuntimeError):
    """The store's wake-up address is held by another `eldercare worker` (one worker per database)."""
_PR_SET_PDEATHSIG = 1


def _clock(container: Container) -> Callable[[], None]:
    from infra.clock import start_clock_loop

    return start_clock_loop(container)


def _relay(container: Container) -> Callable[[], None]:
    """The relay, when KAFKA_BOOTSTRAP_SERVERS is set; woken by every save this worker hears of."""
    if not container.settings.kafka_bootstrap_servers:
        return lambda: None
    from consumers.relay import start_relay_thread
    from infra.kafka_relay import build_relay

    relay = build_relay(container)
    container.wake_hooks.append(lambda _id: relay.wakeup.set())
    log.info("relay_started", bootstrap=container.settings.kafka_bootstrap_servers)
    return start_relay_thread(relay)


#: Background loops besides the projections: each takes the container and returns its stopper.
BACKGROUND: list[Callable[[Container], Callable[[], None]]] = [_clock, _relay]


def die_with_parent(parent_pid: int | None) -> None:
    """Linux: have the kernel send SIGTERM when the supervisor dies (even by SIGKILL)."""
    if parent_pid is None or not sys.platform.startswith("linux"):
        return
    libc_name = ctypes.util.find_library("c")
    if libc_name:
        ctypes.CDLL(libc_name, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)
    if os.getppid() != parent_pid:  # the supervisor died before prctl took effect
        sys.exit(0)


class Worker:
    """Everything `serve` runs besides the HTTP API, in one process."""

    def __init__(self, settings: Settings, poll_interval: float = 0.5) -> None:
        self.container = Container(settings)
        self.container.views_pool_size = len(PROJECTIONS) + 1  # a connection per runner, kept open
        self.poll_interval = poll_interval  # the fallback only: saves wake the runners at once
        self.stoppers: list[Callable[[], None]] = []
        self.listener: Listener | None = None

    def prepare(self) -> None:
        """Create the store's and the views' tables (raises StoreUnavailable when unreachable)."""
        self.container.app  # noqa: B018 - builds the event store and its tables
        self.container.projections  # noqa: B018 - builds every view and its tables

    def wake(self) -> None:
        if self.container.projection_service is not None:
            self.container.projection_service.wake()
        for hook in self.container.wake_hooks:
            hook(0)

    def start(self) -> None:
        self.listener = _bind(self.container.worker_address, self.wake)
        service = self.container.start_projections(self.poll_interval)
        service.on_progress = self.listener.answer
        self.stoppers.append(service.stop)
        for start in BACKGROUND:
            self.stoppers.append(start(self.container))
        self.listener.start()
        log.info("worker_started", pid=os.getpid(), views=[r.name for r in service.runners],
                 loops=len(BACKGROUND))

    def stop(self) -> None:
        if self.listener is not None:
            self.listener.close()
        for stop in reversed(self.stoppers):
            try:
                stop()
            except Exception:  # stop the others all the same
                log.exception("worker_stop_failed")
        self.container.close()
        log.info("worker_stopped", pid=os.getpid())


def _bind(address: bytes, wake: Callable[[], None], attempts: int = 50) -> Listener:
    """Bind the wake-up socket; a worker being replaced may hold it for a moment longer."""
    for attempt in range(attempts):
        try:
            return Listener(address, wake)
        except OSError as exc:
            if attempt == attempts - 1:
                if exc.errno == errno.EADDRINUSE:
                    raise WorkerAlreadyRunning(
                        "another eldercare worker already serves this store (its wake-up socket "
                        f"{address!r} is in use); run one worker per database") from None
                raise
            time.sleep(0.1)
    raise AssertionError("unreachable")


def _say_ready() -> None:
    fd = os.environ.pop("ELDERCARE_READY_FD", None)
    if not fd:
        return
    with contextlib.suppress(OSError, ValueError):
        os.write(int(fd), b"ready\n")
        os.close(int(fd))


def run(settings: Settings) -> int:
    """The worker's main: returns the exit code."""
    from supervision.unavailable import StoreMisconfigured, StoreUnavailable, as_unavailable

    parent = os.environ.get("ELDERCARE_SUPERVISOR_PID")
    die_with_parent(int(parent) if parent else None)
    stop = threading.Event()

    def on_signal(_signum: int, _frame: Any) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    worker = Worker(settings)
    try:
        worker.prepare()
    except SettingsError as exc:  # permanent: the supervisor stops rather than restarting it
        log.error("worker_misconfigured", detail=str(exc))
        worker.container.close()
        return EXIT_CONFIG
    except Exception as exc:
        unavailable = exc if isinstance(exc, StoreUnavailable) else as_unavailable(exc)
        if unavailable is None:
            raise
        if isinstance(unavailable, StoreMisconfigured):  # no such database/role, bad password, ...
            log.error("worker_misconfigured", detail=str(unavailable), hint=unavailable.hint,
                      permanent=True)
            worker.container.close()
            return EXIT_CONFIG
        log.error("worker_store_unavailable", detail=str(unavailable))
        worker.container.close()
        return EXIT_UNAVAILABLE
    try:
        try:
            worker.start()
        except WorkerAlreadyRunning as exc:
            log.error("worker_already_running", detail=str(exc))
            return EXIT_ALREADY_RUNNING
        _say_ready()
        while not stop.wait(0.5):
            pass
        log.info("worker_stopping")
    finally:
        worker.stop()
    return 0
