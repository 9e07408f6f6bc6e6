"""`eldercare import FILE` as operators run it (a real process), on SQLite and on PostgreSQL.

Good rows are stored, every bad row is reported with its line number and reason and writes nothing,
and the exit code is 2. An unreachable database is a clear message (CLI) or a 503 (HTTP).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from infra.importer import import_stream, text_stream
from supervision.application import Context
from supervision.domain.complaint import complaint_id
from supervision.domain.values import Actor
from tests.support import Client, make_container

ELDERCARE = str(Path(sys.executable).with_name("eldercare"))
IMPORTER = Actor("archive-clerk", "MZB-100000", "civil_affairs")  # national: rows of any region
TODAY = "2026-11-26"
GOOD_A, GOOD_B, GOOD_C = "91350100M000100Y43", "91110000802100433B", "91140502MA0K00001Q"
UNREACHABLE = "postgresql://postgres@127.0.0.1:1/x"

HEADER = "uscc,name,address,region_code,ownership,profit_status,total_beds,nursing_beds,occurred_on\n"


def row(uscc: str, name: str, total: int = 100, nursing: int = 60) -> str:
    return f"{uscc},{name},示范路1号,350102,private,non_profit,{total},{nursing},2024-05-06\n"


def cli(var_dir: Path, url: str, *args: str, token: str | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DATABASE_URL": url, "ELDERCARE_VAR_DIR": str(var_dir), "ELDERCARE_TODAY": TODAY,
           "ELDERCARE_LOG_FORMAT": "json"}
    env.pop("ELDERCARE_TOKEN", None)
    if token:
        env["ELDERCARE_TOKEN"] = token
    return subprocess.run([ELDERCARE, *args], env=env, capture_output=True, text=True, timeout=120)


def issue_token(var_dir: Path, url: str) -> str:
    container = make_container(url, var_dir)
    try:
        return container.tokens.issue(IMPORTER)
    finally:
        container.close()


def rejected_lines(stderr: str) -> dict[int, str]:
    out = {}
    for line in stderr.splitlines():
        if line.startswith("line ") and ": rejected: " in line:
            head, reason = line.split(": rejected: ", 1)
            out[int(head.removeprefix("line "))] = reason
    return out


def stored_events(var_dir: Path, url: str) -> list:
    container = make_container(url, var_dir)
    try:
        events = [container.app.mapper.to_domain_event(n)
                  for n in container.app.recorder.select_notifications(1, 1000)]
        return [e for e in events if not type(e).__qualname__.startswith("Agency.")]  # the seed
    finally:
        container.close()


def test_facility_csv_keeps_good_rows_and_reports_each_bad_row_by_line(store_url, tmp_path):
    var = tmp_path / "var"
    token = issue_token(var, store_url)
    good_c_row = row(GOOD_C, "晋城康乐养老院").replace("350102", "140502")
    csv = tmp_path / "facilities.csv"
    csv.write_text(
        HEADER
        + row(GOOD_A, "福州夕阳红养老院")  # line 2
        + row("91350100M000100Y44", "校验位错误养老院")  # line 3: bad check character
        + row(GOOD_B, "床位错误养老院", total=50, nursing=60)  # line 4: nursing > total
        + row(GOOD_A, "重复登记养老院")  # line 5: duplicate of line 2
        + f"{GOOD_B},列数错误养老院,示范路1号,350102\n"  # line 6: wrong column count
        + good_c_row,  # line 7
        encoding="utf-8",
    )
    rejects = tmp_path / "rejects.jsonl"
    result = cli(var, store_url, "import", str(csv), "--no-progress", "--rejects", str(rejects), token=token)

    assert result.returncode == 2, result.stderr
    assert "imported 2, rejected 4" in result.stdout
    # no worker runs here: the operator is told the lists lag, and by how much, not left to wonder
    told = [x for x in result.stderr.splitlines() if x.startswith("no background worker is running")]
    assert len(told) == 1 and "facility_list " in told[0], result.stderr
    assert "complaints" not in told[0]  # only the views that show what was imported
    reasons = rejected_lines(result.stderr)
    assert sorted(reasons) == [3, 4, 5, 6]
    assert "check character is wrong" in reasons[3]
    assert "nursing_beds: must not exceed total_beds" in reasons[4]
    assert f"facility {GOOD_A} is already registered" in reasons[5]
    assert "expected 9 columns, got 4" in reasons[6]
    assert [json.loads(x)["line"] for x in rejects.read_text(encoding="utf-8").splitlines()] == [3, 4, 5, 6]

    events = stored_events(var, store_url)  # nothing of a bad row was written
    assert [(type(e).__qualname__, e.uscc) for e in events] == [
        ("Facility.Registered", GOOD_A), ("Facility.Registered", GOOD_C)]
    assert events[0].profile["name"] == "福州夕阳红养老院"
    assert {(e.source, e.actor.user) for e in events} == {("import", "archive-clerk")}


def test_historical_commands_are_imported_with_their_own_dates_and_a_bad_line_is_reported(store_url,
                                                                                            tmp_path):
    var = tmp_path / "var"
    token = issue_token(var, store_url)
    ticket = str(complaint_id("hotline_12345", "GD2025030300017"))
    lines = [
        {"uscc": GOOD_A, "name": "福州夕阳红养老院", "address": "示范路1号", "region_code": "350102",
         "ownership": "private", "profit_status": "non_profit", "total_beds": 100, "nursing_beds": 60,
         "occurred_on": "2024-05-06"},
        {"command": "register_complaint", "data": {
            "uscc": GOOD_A, "channel": "hotline_12345", "category": "fees", "summary": "押金超过12个月床位费",
            "reference": "GD2025030300017", "occurred_on": "2025-03-03",
            "complainant": {"name": "钱桂英", "phone": "13700001111"}}},
        {"command": "acknowledge_complaint", "data": {"complaint_id": ticket, "occurred_on": "2025-03-04"}},
        {"command": "conclude_complaint", "data": {
            "complaint_id": ticket, "outcome": "substantiated", "measures": ["责令退还超收押金"],
            "occurred_on": "2025-03-20"}},
        # line 5, the bad one: level 5 needs at least 900 points
        {"command": "assess_facility_grade", "data": {
            "uscc": GOOD_A, "level": 5, "score": 700, "assessing_body": "福州市民政局",
            "certificate_no": "FZ-2025-001", "occurred_on": "2025-06-01"}},
        {"command": "assess_facility_grade", "data": {
            "uscc": GOOD_A, "level": 3, "score": 700, "assessing_body": "福州市民政局",
            "certificate_no": "FZ-2025-002", "occurred_on": "2025-06-02"}},
    ]
    path = tmp_path / "history.jsonl"
    path.write_text("".join(json.dumps(x, ensure_ascii=False) + "\n" for x in lines), encoding="utf-8")

    result = cli(var, store_url, "import", str(path), "--no-progress", token=token)

    assert result.returncode == 2, result.stderr
    assert "imported 5, rejected 1" in result.stdout
    reasons = rejected_lines(result.stderr)
    assert list(reasons) == [5] and "level 5 needs at least 900 points" in reasons[5]
    assert "钱桂英" not in result.stdout + result.stderr

    events = stored_events(var, store_url)
    assert [type(e).__qualname__ for e in events] == [
        "Facility.Registered", "Complaint.Received", "Complaint.Acknowledged", "Complaint.Concluded",
        "Facility.GradeAssessed"]
    received, acknowledged, concluded = events[1:4]
    assert str(received.originator_id) == ticket
    assert (received.occurred_on.isoformat(), received.ack_due_on.isoformat(),
            received.conclude_due_on.isoformat()) == ("2025-03-03", "2025-03-04", "2025-03-24")
    assert acknowledged.on_time and concluded.on_time and concluded.category == "fees"
    assert events[4].level == 3 and events[4].occurred_on.isoformat() == "2025-06-02"
    assert {(e.source, e.actor.user) for e in events} == {("import", "archive-clerk")}

    again = cli(var, store_url, "import", str(path), "--no-progress", token=token)
    assert again.returncode == 2  # a re-run adds nothing: every line is now a duplicate or a conflict
    assert "imported 0" in again.stdout and len(stored_events(var, store_url)) == len(events)


def test_a_command_line_without_its_date_or_of_the_wrong_shape_is_rejected(tmp_path):
    container = make_container(f"sqlite:///{tmp_path}/events.sqlite", tmp_path / "var")
    seeded = container.app.recorder.max_notification_id() or 0
    try:
        text = "\n".join(json.dumps(x) for x in [
            {"command": "close_facility", "data": {"uscc": GOOD_A, "reason": "停业"}},
            {"command": ["register_complaint"], "data": {}},
            {"command": "close_facility", "data": {"uscc": GOOD_A, "reason": "停业"},
             "occurred_on": "2025-01-01"},
            {"command": "no_such_command", "data": {}},
        ]) + "\n{not json\n"
        report = import_stream(container, Context(IMPORTER, "import"), text_stream(text), "jsonl")
        reasons = dict(report.rejections)
        assert report.imported == 0 and sorted(reasons) == [1, 2, 3, 4, 5]
        assert "needs its date" in reasons[1]
        assert "unknown command ['register_complaint']" in reasons[2]
        assert "unexpected key(s) 'occurred_on'" in reasons[3]
        assert "unknown command 'no_such_command'" in reasons[4]
        assert "malformed JSON" in reasons[5]
        assert (container.app.recorder.max_notification_id() or 0) == seeded
    finally:
        container.close()


def test_the_cli_says_database_unavailable_and_exits_non_zero(tmp_path):
    var = tmp_path / "var"
    token = issue_token(var, f"sqlite:///{tmp_path}/unused.sqlite")  # tokens live in a file
    path = tmp_path / "one.csv"
    path.write_text(HEADER + row(GOOD_A, "福州夕阳红养老院"), encoding="utf-8")
    result = cli(var, UNREACHABLE, "import", str(path), "--no-progress", token=token)
    assert result.returncode == 69, result.stderr
    assert "error: database unavailable" in result.stderr and "Traceback" not in result.stderr


def test_the_http_api_answers_503_with_a_clear_message_when_the_database_is_unavailable(tmp_path):
    container = make_container(UNREACHABLE, tmp_path / "var")
    try:
        client = Client(container)
        for response in (
            client.get("/api/v1/facilities"),
            client.get("/api/v1/complaints", as_="civil_affairs"),
            client.post("/api/v1/complaints", {"uscc": GOOD_A, "channel": "letter", "category": "fees",
                                               "summary": "押金过高"}),
        ):
            assert response.status_code == 503
            assert response.json["error"].startswith("database unavailable")
            assert response.json["error"].endswith("retry later")
            assert response.headers["Retry-After"] == "5"
    finally:
        container.close()


def test_rerunning_an_import_of_complaints_without_ticket_numbers_adds_nothing(tmp_path):
    url, var = f"sqlite:///{tmp_path}/events.sqlite", tmp_path / "var"
    token = issue_token(var, url)
    lines = [
        {"uscc": GOOD_A, "name": "福州夕阳红养老院", "address": "示范路1号", "region_code": "350102",
         "ownership": "private", "profit_status": "non_profit", "total_beds": 100, "nursing_beds": 60,
         "occurred_on": "2024-05-06"},
        {"command": "register_complaint", "data": {
            "uscc": GOOD_A, "channel": "letter", "category": "food_safety", "summary": "饭菜变质",
            "occurred_on": "2025-03-03"}},
        {"command": "register_complaint", "data": {
            "uscc": GOOD_A, "channel": "letter", "category": "food_safety", "summary": "饭菜再次变质",
            "occurred_on": "2025-03-03"}},
    ]
    path = tmp_path / "letters.jsonl"
    path.write_text("".join(json.dumps(x, ensure_ascii=False) + "\n" for x in lines), encoding="utf-8")
    first = cli(var, url, "import", str(path), "--no-progress", token=token)
    assert first.returncode == 0 and "imported 3, rejected 0" in first.stdout, first.stderr
    count = len(stored_events(var, url))
    again = cli(var, url, "import", str(path), "--no-progress", token=token)
    assert again.returncode == 2 and "imported 0, rejected 3" in again.stdout
    assert "already" in again.stderr
    assert len(stored_events(var, url)) == count == 3
