"""Processes of one fresh installation starting at the same moment (cron jobs, `projections rebuild
--jobs`, a worker and an import started together): each creates the event store's tables, its
insert function and the views' tables. PostgreSQL refuses concurrent DDL on one catalog row ("tuple
concurrently updated"); CI met it once in `projections rebuild --jobs 3`. Every process must start,
and all must end up with the one key of the installation."""

from __future__ import annotations

import multiprocessing
import time
from concurrent.futures import ProcessPoolExecutor

import pytest

from supervision.crypto import Sealer
from tests.faults import start_worker
from tests.support import fresh_pg_database

PROCESSES = 4
ROUNDS = 3


@pytest.mark.usefixtures("postgres")
def test_processes_starting_together_on_a_fresh_store_all_start_with_one_key(tmp_path):
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=PROCESSES, mp_context=context) as pool:
        list(pool.map(abs, range(PROCESSES)))  # the processes are up and imported before the clock starts
        for round_ in range(ROUNDS):
            var = tmp_path / f"var{round_}"
            with fresh_pg_database() as url:
                start_at = time.time() + 1.5
                futures = [pool.submit(start_worker.run, url, str(var), start_at) for _ in range(PROCESSES)]
                tokens = [f.result(timeout=120) for f in futures]
                key = (var / "secret.key").read_bytes().strip()
                sealer = Sealer([key])
                assert [sealer.unseal(t) for t in tokens] == [{"who": "start_worker"}] * PROCESSES
