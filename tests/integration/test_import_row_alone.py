"""Each imported row is judged alone: a row whose event the store refuses at save (here: over the
broker's message limit) rejects only itself, never the good rows saved in the same batch (the
"one item blocks the items behind it" kind), on both stores and on both import paths."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from infra.import_pipeline import Pipeline
from infra.importer import import_stream
from infra.sample_city import facilities
from supervision.application import Context
from supervision.commands.bounds import MESSAGE_HEADROOM_BYTES
from tests.support import ROLE_ACTORS, make_container, stored_events

pytestmark = pytest.mark.integration

CTX = Context(ROLE_ACTORS["civil_affairs"], source="import")
ROWS = 120
#: rows whose address makes the event ~900 bytes larger than its neighbours'
LONG = {7, 55, 119}


def _lines() -> bytes:
    out = []
    for i, row in enumerate(facilities(ROWS, seed=5)):
        if i in LONG:
            row["address"] = "长治路" * 99 + "号"
        out.append(json.dumps(row, ensure_ascii=False))
    return ("\n".join(out) + "\n").encode("utf-8")


@pytest.mark.parametrize("helpers", [0, 1], ids=["one-process", "pipeline"])
def test_a_row_refused_at_save_rejects_only_itself(store_url, tmp_path: Path, helpers: int) -> None:
    # a limit between an ordinary registration's event (~700 bytes) and a long-address one (~1,300)
    limit = MESSAGE_HEADROOM_BYTES + 1000
    container = make_container(store_url, tmp_path / "var", max_message_bytes=limit)
    try:
        path = tmp_path / "rows.jsonl"
        path.write_bytes(_lines())
        # forced on a small file: the helper prepares every line after the first ten
        pipeline = Pipeline(helpers=helpers, min_bytes=0, chunk_lines=7, head_lines=10)
        with open(path, "rb") as stream:
            report = import_stream(container, CTX, stream, "jsonl", batch_size=50, pipeline=pipeline)
        numbers = sorted(n for n, _ in report.rejections)
        assert numbers == sorted(i + 1 for i in LONG), report.rejections
        assert all("message limit" in reason for _, reason in report.rejections), report.rejections
        assert report.imported == ROWS - len(LONG)
        registered = [e for e in stored_events(container) if e[0] == "Facility.Registered"]
        assert len(registered) == ROWS - len(LONG)
    finally:
        container.close()
