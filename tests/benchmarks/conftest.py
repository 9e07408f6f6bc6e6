"""Benchmarks print figures; they assert only that the work was done, never how fast.

Small sizes by default so the suite exercises them; `./dev.sh bench` (ELDERCARE_BENCH_FULL=1) runs the
sizes the issues name.
"""

from __future__ import annotations

import os

FULL = os.environ.get("ELDERCARE_BENCH_FULL") == "1"


def size(full: int, quick: int) -> int:
    return full if FULL else quick


def report(title: str, rows: list[tuple[str, str]]) -> None:
    width = max(len(k) for k, _ in rows)
    print(f"\n== {title} ==")
    for key, value in rows:
        print(f"  {key:<{width}}  {value}")
