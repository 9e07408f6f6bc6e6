"""Pytest fixtures for a real local Kafka-protocol broker (Tansu).

Load from a conftest with ``pytest_plugins = ["tests.broker_fixture"]``.

One broker per test session: it starts in well under a second, but tests
should still isolate themselves by topic/group name (see ``unique_name``),
not by restarting the broker.  Tests that kill or restart the broker must
use ``fresh_broker`` instead, so they cannot poison the shared one.

``ELDERCARE_TEST_BROKER_PORT`` pins the port (e.g. to attach a debugging
client; xdist worker N uses port+N); by default a free port is chosen.
The broker log lands in pytest's temp dir (``broker.log_path``).
"""

from __future__ import annotations

import itertools
import os
import uuid
from collections.abc import Callable, Iterator

import pytest

from infra.broker import LocalBroker

PORT_ENV = "ELDERCARE_TEST_BROKER_PORT"

_counter = itertools.count()


def _port_from_env() -> int | None:
    raw = os.environ.get(PORT_ENV, "").strip()
    if not raw:
        return None
    try:
        port = int(raw)
    except ValueError as exc:
        raise pytest.UsageError(f"{PORT_ENV} must be an integer, got {raw!r}") from exc
    # under pytest-xdist every worker owns a broker: pinned port + worker index
    worker = os.environ.get("PYTEST_XDIST_WORKER", "")
    return port + int(worker.removeprefix("gw")) if worker.startswith("gw") else port


@pytest.fixture(scope="session")
def broker(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalBroker]:
    """A started, session-wide broker; stopped at the end of the session."""
    log_dir = tmp_path_factory.mktemp("broker")
    with LocalBroker(port=_port_from_env(), log_dir=log_dir) as local:
        yield local
        if local.is_paused:  # a failing fault test must not hang teardown
            local.resume()


@pytest.fixture
def fresh_broker(tmp_path: os.PathLike[str]) -> Iterator[LocalBroker]:
    """A private broker on a free port for tests that kill/restart/pause it."""
    with LocalBroker(log_dir=tmp_path) as local:
        yield local


@pytest.fixture
def unique_name(request: pytest.FixtureRequest) -> Callable[[str], str]:
    """Factory of collision-free topic / group names for the shared broker."""
    base = request.node.name.replace("[", "-").replace("]", "").replace("/", "-")[:60]
    run = uuid.uuid4().hex[:6]

    def make(prefix: str = "t") -> str:
        return f"{prefix}.{base}.{run}.{next(_counter)}"

    return make
