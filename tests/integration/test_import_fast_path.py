"""The importer with the compiled `register_facility` fast path stores and rejects exactly what it does
with marshmallow alone: the same report (count, line numbers, reasons) and the same events.

A file of generated lines — good rows, rows with one or more faults from the door's tricky values,
duplicates, unknown keys, malformed JSON, command lines — is imported twice on fresh stores, once as
shipped and once with the fast path switched off; JSON lines and CSV alike.
"""

from __future__ import annotations

import csv
import io
import json
import random
from pathlib import Path
from typing import Any

import pytest

import infra.importer as importer
from infra.importer import import_stream
from infra.sample_city import facilities
from supervision.application import Context
from tests.support import ROLE_ACTORS, make_container, stored_events
from tests.unit.test_fast_facilities import _EVERY_VALUE, _IDS, _PHONES

CTX = Context(ROLE_ACTORS["civil_affairs"], source="import")
KEYS = ["uscc", "name", "address", "region_code", "ownership", "profit_status", "total_beds",
        "nursing_beds", "legal_representative", "person_in_charge", "opened_on", "occurred_on", "personal"]


def generated_rows(count: int, seed: int) -> list[dict[str, Any]]:
    rng = random.Random(seed)
    good = list(facilities(count, seed=seed))
    personal: list[Any] = [None, "13812345678", [], {}, {"extra": "x"}, {"contact_phone": None}]
    personal += [{"contact_phone": p} for p in _PHONES]
    personal += [{"legal_representative_id_number": n} for n in _IDS]
    rows = []
    for i, row in enumerate(good):
        row = dict(row)
        for _ in range(rng.choice([0, 0, 0, 1, 1, 2])):
            key = rng.choice([*KEYS, "extra"])
            if rng.random() < 0.2:
                row.pop(key, None)
            elif key == "personal":
                row[key] = rng.choice(personal)
            else:
                row[key] = rng.choice(_EVERY_VALUE)
        if i and rng.random() < 0.05:
            row["uscc"] = good[rng.randrange(i)]["uscc"]  # a duplicate (in this batch or an earlier one)
        rows.append(row)
    # and every single fault, exhaustively: each field of a good row given each tricky value
    for i, key in enumerate([*KEYS, "extra"]):
        for j, value in enumerate([*_EVERY_VALUE, *personal] if key == "personal" else _EVERY_VALUE):
            rows.append({**good[(i * 31 + j) % count], key: value})
    rng.shuffle(rows)
    return rows


def jsonl(rows: list[dict[str, Any]], seed: int) -> bytes:
    rng = random.Random(seed)
    lines = []
    for row in rows:
        lines.append(json.dumps(row, ensure_ascii=False, default=str))
        if rng.random() < 0.02:
            lines.append('{"uscc": ')  # malformed
        if rng.random() < 0.01:
            lines.append(json.dumps({"command": "close_facility", "data": {"uscc": row.get("uscc"),
                                     "reason": "停业", "occurred_on": "2026-01-02"}}, default=str))
    return ("\n".join(lines) + "\n").encode("utf-8", "surrogatepass")


def csv_bytes(rows: list[dict[str, Any]]) -> bytes:
    out = io.StringIO()
    columns = [k for k in KEYS if k != "personal"]
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow(["" if row.get(k) is None else str(row.get(k)) for k in columns])
    return out.getvalue().encode("utf-8", "surrogatepass")


def run(tmp_path: Path, name: str, data: bytes, fmt: str) -> tuple[Any, list[tuple[str, dict[str, Any]]]]:
    container = make_container(f"sqlite:///{tmp_path}/{name}.sqlite", tmp_path / f"var-{name}")
    try:
        report = import_stream(container, CTX, io.BytesIO(data), fmt, batch_size=50)
        return report, stored_events(container)
    finally:
        container.close()


@pytest.mark.parametrize("fmt", ["jsonl", "csv"])
def test_the_fast_path_imports_and_rejects_exactly_as_marshmallow(tmp_path, monkeypatch, fmt):
    rows = generated_rows(600, seed=15)
    data = jsonl(rows, seed=15) if fmt == "jsonl" else csv_bytes(rows)
    fast_report, fast_events = run(tmp_path, "fast", data, fmt)
    monkeypatch.setattr(importer, "fast_register_facility", lambda row: None)
    slow_report, slow_events = run(tmp_path, "slow", data, fmt)

    assert fast_report.imported == slow_report.imported
    assert sorted(fast_report.rejections) == sorted(slow_report.rejections)
    assert fast_events == slow_events
    # the file exercises both outcomes, and many different reasons
    assert fast_report.imported > 300 and fast_report.rejected > 1000
    assert len({reason for _, reason in fast_report.rejections}) > 20
