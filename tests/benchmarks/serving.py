"""Benchmark support: `eldercare serve` as a real process, a trivial ceiling app on the same gunicorn
configuration, and a keep-alive HTTP load driver (requests/s, latency percentiles).

The ceiling (`tests.benchmarks.ceiling_app`) runs under gunicorn with the options `eldercare api`
uses (gthread, 8 threads, `--workers` as asked), so the ratio product / ceiling isolates what the
product does per request beyond what Flask, gunicorn, the client and the database cost anyway.
"""

from __future__ import annotations

import http.client
import json
import os
import socket
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tests.support import stop_process

ROOT = Path(__file__).parents[2]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait_healthy(port: int, path: str, proc: subprocess.Popen[bytes], log: Path,
                  budget: float = 120) -> None:
    deadline = time.monotonic() + budget
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited {proc.returncode}:\n{log.read_text()[-4000:]}")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            conn.request("GET", path)
            if conn.getresponse().status == 200:
                conn.close()
                return
        except OSError:
            pass
        time.sleep(0.2)
    proc.kill()
    raise RuntimeError(f"server not healthy within {budget} s:\n{log.read_text()[-4000:]}")


@contextmanager
def _process(argv: list[str], env: dict[str, str], port: int, health: str, log: Path) -> Iterator[int]:
    with open(log, "wb") as out:
        proc = subprocess.Popen(argv, env=env, stdout=out, stderr=subprocess.STDOUT, cwd=ROOT)
        try:
            _wait_healthy(port, health, proc, log)
            yield proc.pid
        finally:
            stop_process(proc)


def serve_env(database_url: str, var: Path, **extra: str) -> dict[str, str]:
    env = {**os.environ, "DATABASE_URL": database_url, "ELDERCARE_VAR_DIR": str(var),
           "ELDERCARE_LOG_FORMAT": "json", "ELDERCARE_LOG_LEVEL": "WARNING", "ELDERCARE_TODAY": "2026-11-26",
           "PYTHONPATH": str(ROOT)}
    env.update(extra)
    return env


@contextmanager
def serving(database_url: str, var: Path, workers: int = 2, **extra: str) -> Iterator[int]:
    """`eldercare serve --workers N` on a free port; yields the port."""
    port = free_port()
    argv = [sys.executable, "-m", "infra", "serve", "--port", str(port), "--workers", str(workers)]
    with _process(argv, serve_env(database_url, var, **extra), port, "/healthz", var.parent / "serve.log"):
        yield port


@contextmanager
def api_only(database_url: str, var: Path, workers: int = 2, **extra: str) -> Iterator[int]:
    """`eldercare api --workers N` alone (no background worker: nothing but requests runs)."""
    port = free_port()
    argv = [sys.executable, "-m", "infra", "api", "--host", "127.0.0.1", "--port", str(port),
            "--workers", str(workers)]
    with _process(argv, serve_env(database_url, var, **extra), port, "/api/v1/facilities?page_size=1",
                  var.parent / "api.log"):
        yield port


@contextmanager
def ceiling(database_url: str, log_dir: Path, workers: int = 2) -> Iterator[int]:
    """The trivial app (tests.benchmarks.ceiling_app) under `eldercare api`'s gunicorn options."""
    port = free_port()
    argv = [sys.executable, "-m", "gunicorn", "--bind", f"127.0.0.1:{port}", "--workers", str(workers),
            "--worker-class", "gthread", "--threads", "8", "--timeout", "60",
            "tests.benchmarks.ceiling_app:app"]
    env = {**os.environ, "CEILING_DATABASE_URL": database_url, "PYTHONPATH": str(ROOT)}
    with _process(argv, env, port, "/ping", log_dir / "ceiling.log"):
        yield port


@dataclass
class Load:
    """What a run of requests measured: latencies (ms) and status codes."""

    seconds: float = 0.0
    latencies: list[float] = field(default_factory=list)
    statuses: dict[int, int] = field(default_factory=dict)
    bodies: list[Any] = field(default_factory=list)

    @property
    def count(self) -> int:
        return len(self.latencies)

    @property
    def rate(self) -> float:
        return self.count / self.seconds if self.seconds else 0.0

    def pct(self, q: float) -> float:
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(len(ordered) * q))] if ordered else 0.0

    @property
    def p50(self) -> float:
        return statistics.median(self.latencies) if self.latencies else 0.0

    @property
    def p99(self) -> float:
        return self.pct(0.99)

    def ok(self) -> int:
        return sum(n for code, n in self.statuses.items() if 200 <= code < 300)

    def summary(self) -> str:
        return (f"{self.rate:,.0f} req/s, p50 {self.p50:.1f} ms, p99 {self.p99:.1f} ms "
                f"({self.count} requests, statuses {dict(sorted(self.statuses.items()))})")


Request = tuple[str, str, dict[str, Any] | None]  # method, path, JSON body


def drive(port: int, requests: Callable[[int, int], Request], per_client: int, clients: int = 1,
          headers: dict[str, str] | None = None, keep_bodies: bool = False) -> Load:
    """`clients` threads, each with its own keep-alive connection, each sending `per_client`
    requests `requests(client, i)` back to back. Latency is send → full body read."""
    load = Load()
    lock = threading.Lock()
    start = threading.Barrier(clients + 1)

    def client(number: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        mine: list[float] = []
        statuses: dict[int, int] = {}
        bodies: list[Any] = []
        start.wait()
        for i in range(per_client):
            method, path, body = requests(number, i)
            data = json.dumps(body).encode() if body is not None else None
            hdrs = {"Content-Type": "application/json", **(headers or {})}
            sent = time.perf_counter()
            conn.request(method, path, body=data, headers=hdrs)
            response = conn.getresponse()
            raw = response.read()
            mine.append((time.perf_counter() - sent) * 1000)
            statuses[response.status] = statuses.get(response.status, 0) + 1
            if keep_bodies or response.status >= 300:
                kept = raw if keep_bodies else raw[:2000]
                bodies.append((response.status, kept, dict(response.getheaders())))
        conn.close()
        with lock:
            load.latencies.extend(mine)
            for code, n in statuses.items():
                load.statuses[code] = load.statuses.get(code, 0) + n
            load.bodies.extend(bodies)

    threads = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
    for thread in threads:
        thread.start()
    start.wait()
    began = time.perf_counter()
    for thread in threads:
        thread.join()
    load.seconds = time.perf_counter() - began
    return load
