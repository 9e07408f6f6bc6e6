"""`eldercare api`: the gunicorn master serving the Flask app; no threads, no connections.

The master only forks and watches workers: it never builds a container, so a fork can never copy
a held lock or an open connection. Each worker builds its own container in `load()`, after the
fork. Background work (projections, policy processes, clock, relay) runs in the worker process
(infra.worker); `eldercare serve` supervises both (infra.supervisor, docs/processes.md).
"""

from __future__ import annotations

import os
import select
import sys
import threading
import time
from typing import Any

import structlog
from gunicorn.app.base import BaseApplication

from infra.settings import Settings, with_scheme
from supervision.unavailable import StoreMisconfigured, as_unavailable

log = structlog.get_logger(__name__)

#: how long the API waits for the worker's tables before serving anyway (seconds)
READY_WAIT_S = 60.0
#: EX_CONFIG: the database server refuses this configuration (`eldercare serve` does not restart it)
EXIT_CONFIG = 78


class Server(BaseApplication):  # type: ignore[misc]
    def __init__(self, settings: Settings, options: dict[str, Any]) -> None:
        self.settings = settings
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)
        self.cfg.set("pre_fork", _pre_fork)
        self.cfg.set("worker_exit", _worker_exit)

    def load(self) -> Any:
        from infra.bootstrap import Container
        from supervision.api import create_app

        return create_app(Container(self.settings))


def _pre_fork(_arbiter: Any, _worker: Any) -> None:
    """The rule this module keeps, checked where it matters: nothing but the main thread forks."""
    others = [t.name for t in threading.enumerate() if t is not threading.main_thread()]
    if others:
        log.error("fork_with_threads", threads=others, pid=os.getpid())


def await_worker_ready(timeout: float = READY_WAIT_S) -> None:
    """Under `serve`: wait until the worker created the tables (its word on the pipe, or the pipe's
    end when it failed), so no API worker races its `CREATE TABLE`. Without the pipe: at once."""
    fd = os.environ.pop("ELDERCARE_AFTER_READY_FD", None)
    if not fd:
        return
    started = time.monotonic()
    try:
        readable, _, _ = select.select([int(fd)], [], [], timeout)
        word = os.read(int(fd), 64) if readable else b""
        os.close(int(fd))
    except (OSError, ValueError):
        word = b""
    log.info("worker_ready_awaited", ready=word.startswith(b"ready"),
             waited_s=round(time.monotonic() - started, 3))


def _postgres_urls(settings: Settings) -> list[str]:
    """The SQLAlchemy URLs of the PostgreSQL databases this API uses (events, views), each once."""

    urls = []
    if not settings.is_sqlite:
        urls.append(with_scheme(settings.database_url, "postgresql+psycopg"))
    views = settings.views_sqlalchemy_url()
    if not views.startswith("sqlite"):
        urls.append(views)
    return list(dict.fromkeys(urls))


def misconfigured_store(settings: Settings) -> StoreMisconfigured | None:
    """A `StoreMisconfigured` when a PostgreSQL server refuses this configuration (no such database
    or role, authentication failed, no pg_hba.conf entry, an unknown host); None otherwise.

    One connection per database, opened and closed in the master before anything forks (no pool,
    no thread is left behind). A server that cannot be reached now is not a refusal: the API starts
    and answers 503 until it is back, as before. SQLite stores are not probed.
    """
    from sqlalchemy import create_engine
    from sqlalchemy.pool import NullPool

    for url in _postgres_urls(settings):
        try:
            engine = create_engine(url, poolclass=NullPool, connect_args={"connect_timeout": 5},
                                   hide_parameters=True)
        except Exception:  # a URL SQLAlchemy cannot parse: the settings' own check says it later
            continue
        try:
            with engine.connect():
                pass
        except Exception as exc:
            found = as_unavailable(exc)
            if isinstance(found, StoreMisconfigured):
                return found
        finally:
            engine.dispose()
    return None


def _worker_exit(_arbiter: Any, worker: Any) -> None:
    """In the exiting worker: close its container, then leave without the interpreter's teardown
    (which would copy every page shared with the master, seconds on a loaded machine)."""
    from infra.supervisor import exit_now

    app = getattr(worker, "wsgi", None)
    services = getattr(app, "extensions", {}).get("eldercare") if app is not None else None
    if services is not None and hasattr(services, "close"):
        try:
            services.close()
        except Exception:
            log.exception("worker_close_failed")
    exc = sys.exc_info()[1]
    exit_now(exc.code if isinstance(exc, SystemExit) else (1 if exc else 0))


def serve_api(settings: Settings, host: str, port: int, workers: int = 1) -> None:
    """Run the gunicorn master until SIGTERM/SIGINT (graceful: requests in flight finish).

    Exits 78 (EX_CONFIG) at start when a PostgreSQL server refuses the configuration
    (`misconfigured_store`); an unreachable one does not stop it (503 until it is back).

    The application's modules are imported here, before any fork, so a new worker starts in
    milliseconds; importing opens nothing (ARCHITECTURE: nothing connects at import time), and
    `pre_fork` logs an error should a thread ever exist at a fork.
    """
    import infra.bootstrap  # noqa: F401
    import supervision.api  # noqa: F401

    await_worker_ready()
    from infra.supervisor import exit_now

    refused = misconfigured_store(settings)
    if refused is not None:  # no restart cures it: exit 78 rather than answer 503 to every request
        log.error("api_misconfigured", detail=str(refused), hint=refused.hint, permanent=True)
        exit_now(EXIT_CONFIG)
    options = {
        "bind": f"{host}:{port}",
        "workers": workers,
        "worker_class": "infra.gunicorn_errors.JSONErrorWorker",  # gthread, JSON errors
        "threads": 8,
        "timeout": 60,
        "graceful_timeout": 10,
        "accesslog": None,  # the API logs one canonical line per request itself
        "control_socket_disable": True,
    }
    try:
        Server(settings, options).run()
    except SystemExit as stop:  # gunicorn's halt: the master holds nothing to close
        exit_now(stop.code)
    exit_now(0)
