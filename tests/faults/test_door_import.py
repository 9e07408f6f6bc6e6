"""`eldercare import` as operators run it (a real process), with poison lines among good ones.

Every line that fails in any way — nested arrays, bad UTF-8, a lone surrogate, an oversize line, values
out of range, a NUL, other scripts' digits — is rejected with its line number and reason into the
rejects file, the good lines around it are imported, no traceback is printed and the exit code is 2.
"""

from __future__ import annotations

import json

from supervision.commands import bounds
from tests.e2e.test_import_cli import GOOD_A, GOOD_B, GOOD_C, HEADER, cli, issue_token, stored_events


def facility(uscc: str, **overrides) -> dict:
    return {"uscc": uscc, "name": "晋城康乐养老院", "address": "示范路1号", "region_code": "140502",
            "ownership": "private", "profit_status": "non_profit", "total_beds": 100, "nursing_beds": 60,
            "occurred_on": "2024-05-06", **overrides}


def line(data: dict) -> bytes:
    return json.dumps(data, ensure_ascii=False).encode() + b"\n"


def test_poison_lines_are_rejected_by_number_and_the_good_lines_around_them_are_imported(store_url, tmp_path):
    var = tmp_path / "var"
    token = issue_token(var, store_url)
    poison = {
        2: b"[" * 1024 + b"]" * 1024 + b"\n",  # 2 KB of nested arrays (the seen case)
        3: b'{"uscc": "' + GOOD_B.encode() + b'", "name": ' + b"[" * 5000 + b"]" * 5000 + b"}\n",
        4: b'{"uscc": "\xff\xfe"}\n',  # not UTF-8
        5: b'{"uscc": "' + GOOD_B.encode() + b'", "name": "\\ud800"}\n',  # lone surrogate
        6: line(facility(GOOD_B, total_beds=2**63)),
        7: line(facility(GOOD_B, name="a\u0000b")),
        8: line(facility(GOOD_B, region_code="1٤٠٥٠٢")),
        9: line(facility(GOOD_B, region_code="140502\n")),
        10: b'{"name": "' + b"a" * (bounds.MAX_IMPORT_LINE_BYTES + 1) + b'"}\n',
        11: line({"command": "record_penalty_decision", "data": {
            "uscc": GOOD_A, "decision_no": "X-1", "authority_kind": "civil_affairs",
            "conduct": "abuse_cheating", "legal_basis": "第四十六条", "fine_fen": bounds.MAX_FEN + 1,
            "occurred_on": "2025-01-01"}}),
        12: b"1e999999\n",
    }
    lines = [line(facility(GOOD_A)), *poison.values(), line(facility(GOOD_C, region_code="1４０５０２"))]
    path = tmp_path / "mixed.jsonl"
    path.write_bytes(b"".join(lines))
    rejects = tmp_path / "rejects.jsonl"

    result = cli(var, store_url, "import", str(path), "--no-progress", "--rejects", str(rejects), token=token)

    assert result.returncode == 2, result.stderr[-2000:]
    assert "Traceback" not in result.stderr
    assert f"imported 2, rejected {len(poison)}" in result.stdout, result.stdout
    rejected = {r["line"]: r["reason"] for r in map(json.loads, rejects.read_text("utf-8").splitlines())}
    assert sorted(rejected) == sorted(poison)
    assert "nested deeper than 32" in rejected[2] and "nested deeper than 32" in rejected[3]
    assert "malformed JSON" in rejected[4]
    assert "surrogate" in rejected[5]
    assert "total_beds" in rejected[6] and "name" in rejected[7]
    assert "region_code" in rejected[8] and "region_code" in rejected[9]
    assert str(bounds.MAX_IMPORT_LINE_BYTES) in rejected[10]
    assert "fine_fen" in rejected[11]
    events = stored_events(var, store_url)
    assert [(type(e).__qualname__, e.uscc) for e in events] == [
        ("Facility.Registered", GOOD_A), ("Facility.Registered", GOOD_C)]
    assert events[1].profile["region_code"] == "140502"


def test_a_csv_with_other_scripts_digits_in_a_count_is_rejected_not_a_traceback(store_url, tmp_path):
    var = tmp_path / "var"
    token = issue_token(var, store_url)
    path = tmp_path / "beds.csv"
    path.write_text(
        HEADER
        + f"{GOOD_A},晋城康乐养老院,示范路1号,140502,private,non_profit,１٠٠,60,2024-05-06\n"
        + f"{GOOD_B},晋城康乐养老院,示范路1号,140502,private,non_profit,²,60,2024-05-06\n"
        + f"{GOOD_C},晋城康乐养老院,示范路1号,140502,private,non_profit,100,60,2024-05-06\n",
        encoding="utf-8")
    result = cli(var, store_url, "import", str(path), "--no-progress", token=token)
    assert result.returncode == 2 and "Traceback" not in result.stderr, result.stderr[-2000:]
    assert "imported 1, rejected 2" in result.stdout
    assert [e.uscc for e in stored_events(var, store_url)] == [GOOD_C]
