"""A process starting on a store at the same moment as others (spawned by test_concurrent_start)."""

from __future__ import annotations

import time
from pathlib import Path


def run(database_url: str, var_dir: str, start_at: float) -> str:
    """Wait for the common start time, then open the event store and every view, as a process of a
    fresh installation does; returns a token sealed with the key this process ended up with."""
    from tests.support import make_container

    container = make_container(database_url, Path(var_dir), seed=False)
    try:
        time.sleep(max(0.0, start_at - time.time()))
        container.app  # noqa: B018 - creates the event store's tables and function, checks the key
        container.projections  # noqa: B018 - creates every view's tables
        return container.sealer.seal({"who": "start_worker"})
    finally:
        container.close()
