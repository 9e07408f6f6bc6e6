"""`eldercare serve`: gunicorn serving the Flask app; projections run once, in the master.

Workers are forked without the master's connections: each worker builds its own container in
`load()`. The projections (and any other background loop) run only in the master, so each view has
exactly one writer however many workers serve requests.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import structlog
from gunicorn.app.base import BaseApplication

from infra.bootstrap import Container
from infra.settings import Settings

log = structlog.get_logger(__name__)

def _clock(container: Container) -> Callable[[], None]:
    from infra.clock import start_clock_loop

    return start_clock_loop(container)


#: Background loops started in the master besides the projections (clock, relay, ...): each
#: takes the container and returns its stopper.
BACKGROUND: list[Callable[[Container], Callable[[], None]]] = [_clock]
BACKGROUND.append(lambda c: __import__("infra.kafka_relay", fromlist=["start"]).start(c))  # relay


class Server(BaseApplication):  # type: ignore[misc]
    def __init__(self, settings: Settings, options: dict[str, Any], master: Container) -> None:
        self.settings = settings
        self.options = options
        self.master = master
        self.stoppers: list[Callable[[], None]] = []
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)
        self.cfg.set("when_ready", self._when_ready)
        self.cfg.set("on_exit", self._on_exit)

    def _when_ready(self, _arbiter: Any) -> None:
        service = self.master.start_projections()
        self.stoppers.append(service.stop)
        for start in BACKGROUND:
            self.stoppers.append(start(self.master))
        log.info("background_started", views=[r.name for r in service.runners], loops=len(BACKGROUND))

    def _on_exit(self, _arbiter: Any) -> None:
        for stop in reversed(self.stoppers):
            stop()
        self.master.close()

    def load(self) -> Any:
        from supervision.api import create_app

        return create_app(Container(self.settings))


def serve_forever(container: Container, host: str, port: int, workers: int = 1) -> None:
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
    Server(container.settings, options, container).run()
