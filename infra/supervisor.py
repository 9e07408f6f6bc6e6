"""`eldercare serve`'s own process: starts the background worker and the API, restarts, stops.

The supervisor holds no threads and no database connection: it only starts programs (fork + exec,
so nothing of it runs in a child), watches them and forwards signals.

- Start: the worker (`eldercare worker`) and the API (`eldercare api`: the gunicorn master, which
  forks its workers) together, so they import in parallel. The worker creates the tables and says
  "ready" on a pipe; the API master waits for that (at most 60 s, or until the worker
  closed the pipe by failing) before it forks, so no API worker races the worker's `CREATE TABLE`.
- A child that exits while serving is started again after a backoff of 0.5 s doubling up to 30 s;
  one that had run for ``STABLE_S`` starts again after 0.5 s. Each exit is logged with its code.
- SIGTERM or SIGINT: SIGTERM to every child, wait up to ``STOP_WAIT_S``, then SIGKILL; exit 0.
- A child that exits 78 (EX_CONFIG: a setting that can never work, such as a key this store was not
  sealed with, or a database server that refuses the configuration: no such database or role,
  authentication failed — `supervision.unavailable.StoreMisconfigured`) is permanent: no restart;
  the supervisor stops the others and exits 78. A child that exits 69 (the database unreachable
  now) is restarted with the backoff above.
- Children get ``ELDERCARE_SUPERVISOR_PID`` and have the kernel stop them if the supervisor dies.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import structlog

log = structlog.get_logger(__name__)

STOP_WAIT_S = 20.0
STABLE_S = 60.0
BACKOFF_S = (0.5, 30.0)
#: a child's exit code that no restart can cure (EX_CONFIG)
EXIT_CONFIG = 78


@dataclass
class Child:
    """One supervised program: its argv, its process, its restart state."""

    name: str
    argv: list[str]
    proc: subprocess.Popen[bytes] | None = None
    started_at: float = 0.0
    failures: int = 0
    restart_at: float = 0.0
    restarts: int = 0
    extra_env: dict[str, str] = field(default_factory=dict)

    @property
    def pid(self) -> int | None:
        return self.proc.pid if self.proc else None


def cli_argv(*args: str) -> list[str]:
    """This interpreter running the `eldercare` CLI (works without the console script installed)."""
    return [sys.executable, "-m", "infra", *args]


class Supervisor:
    def __init__(self, children: Sequence[Child], env: dict[str, str] | None = None,
                 stop_wait: float = STOP_WAIT_S) -> None:
        self.children = list(children)
        self.env = {**os.environ, **(env or {}), "ELDERCARE_SUPERVISOR_PID": str(os.getpid())}
        self.stop_wait = stop_wait
        self.stopping: int | None = None

    # -- children ------------------------------------------------------------------------------
    def start(self, child: Child, pass_fd: tuple[str, int] | None = None) -> None:
        """Start `child`; `pass_fd` = (variable, fd): hand it that descriptor, named in its env."""
        env = {**self.env, **child.extra_env}
        fds: tuple[int, ...] = ()
        if pass_fd is not None:
            env[pass_fd[0]] = str(pass_fd[1])
            fds = (pass_fd[1],)
        child.proc = subprocess.Popen(child.argv, env=env, pass_fds=fds, close_fds=True)
        child.started_at = time.monotonic()
        log.info("child_started", child=child.name, pid=child.proc.pid, restarts=child.restarts)

    def _reap(self, child: Child, now: float) -> None:
        """A child exited: schedule its restart with backoff."""
        assert child.proc is not None
        code = child.proc.returncode
        ran = now - child.started_at
        child.failures = 1 if ran >= STABLE_S else child.failures + 1
        delay = min(BACKOFF_S[0] * 2 ** (child.failures - 1), BACKOFF_S[1])
        child.restart_at = now + delay
        child.proc = None
        log.warning("child_exited", child=child.name, code=code, ran_s=round(ran, 1), restart_in_s=delay)

    # -- main loop -----------------------------------------------------------------------------
    def run(self) -> int:
        previous = {sig: signal.signal(sig, self._on_signal) for sig in (signal.SIGTERM, signal.SIGINT)}
        try:
            # the worker creates the tables and says "ready" on a pipe; the API imports meanwhile
            # and waits for that word (or the pipe's end) before it forks its first worker
            first, *rest = self.children
            read_fd, write_fd = os.pipe()
            try:
                self.start(first, ("ELDERCARE_READY_FD", write_fd))
                for child in rest:
                    self.start(child, ("ELDERCARE_AFTER_READY_FD", read_fd))
            finally:
                os.close(write_fd)
                os.close(read_fd)
            while self.stopping is None:
                now = time.monotonic()
                for child in self.children:
                    if child.proc is not None and child.proc.poll() == EXIT_CONFIG:
                        log.error("child_misconfigured", child=child.name, code=EXIT_CONFIG,
                                  detail="a setting that no restart can cure: see the child's log above")
                        child.proc = None
                        self.stop_all()
                        return EXIT_CONFIG
                    if child.proc is not None and child.proc.poll() is not None:
                        self._reap(child, now)
                    if child.proc is None and now >= child.restart_at and self.stopping is None:
                        child.restarts += 1
                        self.start(child)
                time.sleep(0.1)
            log.info("supervisor_stopping", signal=signal.Signals(self.stopping).name)
            self.stop_all()
            return 0
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)

    def _on_signal(self, signum: int, _frame: Any) -> None:
        self.stopping = signum

    def stop_all(self) -> None:
        """SIGTERM to every child (the API first: no new requests), then SIGKILL after the wait."""
        running = [c for c in reversed(self.children) if c.proc is not None and c.proc.poll() is None]
        for child in running:
            with contextlib.suppress(ProcessLookupError):
                child.proc.send_signal(signal.SIGTERM)  # type: ignore[union-attr]
        deadline = time.monotonic() + self.stop_wait
        for child in running:
            assert child.proc is not None
            try:
                child.proc.wait(timeout=max(deadline - time.monotonic(), 0.1))
            except subprocess.TimeoutExpired:
                log.warning("child_killed", child=child.name, pid=child.proc.pid)
                child.proc.kill()
                child.proc.wait()
            log.info("child_stopped", child=child.name, code=child.proc.returncode)


def exit_now(code: int | str | None) -> None:
    """Exit without the interpreter's teardown, after flushing the logs.

    Why: freeing a large heap at exit takes seconds on a loaded machine, and in a forked gunicorn
    worker it first copies every shared page (copy-on-write); call it only once everything the
    process opened is closed, and never where an atexit handler must run (the demo's broker).
    """
    import logging

    for handler in logging.getLogger().handlers:
        with contextlib.suppress(Exception):
            handler.flush()
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(Exception):
            stream.flush()
    os._exit(code if isinstance(code, int) else (0 if code is None else 1))


def serve(host: str, port: int, workers: int, env: dict[str, str] | None = None) -> int:
    """`eldercare serve` (and the demo's serve): the worker and the API under one supervisor."""
    children = [
        Child("worker", cli_argv("worker")),
        Child("api", cli_argv("api", "--host", host, "--port", str(port), "--workers", str(workers))),
    ]
    return Supervisor(children, env=env).run()
