"""A separate process catching up views (spawned by the concurrency test): `run(url, var, done)`."""

from __future__ import annotations

import time
from pathlib import Path

VIEWS = ("prepaid", "facility_list", "timeline")


def run(database_url: str, var_dir: str, done_flag: str, batch_size: int) -> int:
    """Catch up `VIEWS` in small pages until `done_flag` exists, then once more; returns pages read."""
    from tests.support import make_container

    container = make_container(database_url, Path(var_dir))
    read = 0
    try:
        runners = [container.runner(name, batch_size=batch_size) for name in VIEWS]
        while True:
            finished = Path(done_flag).exists()
            for runner in runners:
                read += runner.catch_up()
            if finished:
                return read
            time.sleep(0.01)
    finally:
        container.close()
