"""Bulk import by upload through Flask's client on PostgreSQL: the CLI's importer run in bounded steps
(a job record, a progress page refreshing itself), per-line jurisdiction, the rejects file with line,
reason and the original line, the size limit, CSRF, and jobs visible only to their uploader."""

from __future__ import annotations

import io
import json
import re
from datetime import date

import pytest

from supervision.console import imports
from supervision.domain.uscc import with_check_character
from supervision.domain.values import Actor
from tests.e2e.test_console_session import csrf_of, signed_in

HEADER = "uscc,name,address,region_code,ownership,profit_status,total_beds,nursing_beds,occurred_on\n"


def code(n: int, region: str = "140502") -> str:
    return with_check_character(f"91{region}MA{n:07d}")


def csv_file(good: int) -> tuple[str, dict[int, str]]:
    """`good` rows in 城区 (140502), then three bad lines; returns the text and line → what it is."""
    lines = [HEADER] + [f"{code(i)},城区养老院{i},示范路{i}号,140502,private,non_profit,80,40,2024-05-06\n"
                        for i in range(1, good + 1)]
    bad = {
        good + 2: f"{code(9001, '350102')},福州养老院,示范路1号,350102,private,non_profit,80,40,2024-05-06\n",
        good + 3: "not,enough,columns\n",
        good + 4: f"{code(9002)},床位不对,示范路2号,140502,private,non_profit,10,40,2024-05-06\n",
    }
    return "".join(lines) + "".join(bad.values()), bad


@pytest.fixture
def uploader(pg_client):
    pg_client.container.clock.set(date(2026, 11, 23))
    tokens = {"mz": pg_client.token_for(Actor("mz-jc", "MZJ-140500", "civil_affairs")),
              "other": pg_client.token_for(Actor("mz-gp", "MZJ-140581", "civil_affairs"))}
    pg_client.tokens["civil_affairs"] = tokens["mz"]
    return pg_client, tokens


def upload(http, content: bytes, filename: str, fmt: str = "auto"):
    csrf = csrf_of(http, "/console/imports")
    return http.post("/console/imports", data={"csrf_token": csrf, "format": fmt,
                                              "file": (io.BytesIO(content), filename)},
                     content_type="multipart/form-data")


def test_an_upload_is_imported_in_steps_with_a_progress_bar_and_a_rejects_file(uploader, monkeypatch):
    client, tokens = uploader
    monkeypatch.setattr(imports, "CHUNK_LINES", 40)
    monkeypatch.setattr(imports, "STEP_SECONDS", 0.0)  # one chunk per page view: the bar must move
    text, bad = csv_file(120)
    http, _ = signed_in(client, tokens["mz"])
    r = upload(http, text.encode(), "城区机构.csv")
    assert r.status_code == 303, r.get_data(as_text=True)
    job_url = r.headers["Location"]
    job_id = job_url.rsplit("/", 1)[1]

    first = http.get(job_url)
    page = first.get_data(as_text=True)
    assert first.status_code == 200 and first.headers["Cache-Control"] == "no-store"
    assert "<progress" in page and "正在导入：已导入 0 行" in page and "import.js" in page
    assert "http-equiv" not in page  # no timed refresh (WCAG 2.2.1)
    assert "已导入 0 行" in http.get(job_url).get_data(as_text=True)  # reading it changes nothing
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)

    # the page's script: JSON steps with the token in a header
    step = http.post(f"{job_url}/step", headers={"X-CSRFToken": csrf, "Accept": "application/json"})
    assert step.status_code == 200 and step.json == {
        "offset": len((HEADER + "".join(text.splitlines(keepends=True)[1:41])).encode()),
        "size": len(text.encode()), "imported": 40, "rejected": 0, "status": "running"}
    assert http.post(f"{job_url}/step", headers={"Accept": "application/json"}).status_code == 400  # CSRF
    # without the script: the 继续导入 button, back to the page
    steps = 1
    while "导入完成" not in page:
        r = http.post(f"{job_url}/step", data={"csrf_token": csrf})
        assert r.status_code == 303 and r.headers["Location"].endswith(job_url)
        page = http.get(job_url).get_data(as_text=True)
        steps += 1
        assert steps < 10
    assert steps == 4  # 123 lines after the header, 40 a step
    assert "已导入 120 行，拒绝 3 行" in page and "继续导入" not in page
    progress = re.search(r'<progress id="progress" max="(\d+)" value="(\d+)"', page)
    assert progress.group(1) == progress.group(2) == str(len(text.encode()))

    rejects = http.get(f"/console/imports/{job_id}/rejects.jsonl")
    assert rejects.status_code == 200 and "attachment" in rejects.headers["Content-Disposition"]
    assert rejects.headers["Cache-Control"] == "no-store"
    rows = [json.loads(line) for line in rejects.get_data(as_text=True).splitlines()]
    assert [r["line"] for r in rows] == sorted(bad)
    for row in rows:
        assert row["original"] == bad[row["line"]].rstrip("\n")
    reasons = {r["line"]: r["reason"] for r in rows}
    assert "350102" in reasons[122] or "jurisdiction" in reasons[122].lower(), reasons[122]
    assert "expected 9 columns" in reasons[123]
    assert "nursing" in reasons[124]

    # what the API shows: the good rows and nothing of the refused ones
    client.container.wait_for(client.container.app.recorder.max_notification_id())
    assert client.get(f"/api/v1/facilities/{code(120)}", as_="civil_affairs").status_code == 200
    assert client.get(f"/api/v1/facilities/{code(9002)}", as_="civil_affairs").status_code == 404
    listing = http.get("/console/imports").get_data(as_text=True)
    assert "城区机构.csv" in listing and "已完成" in listing

    # the job is the uploader's: another agency's regulator gets 404 for the page and the file
    other, _ = signed_in(client, tokens["other"])
    assert other.get(job_url).status_code == 404
    assert other.get(f"/console/imports/{job_id}/rejects.jsonl").status_code == 404
    assert "城区机构.csv" not in other.get("/console/imports").get_data(as_text=True)
    assert not (imports.jobs_dir(client.container) / job_id / "upload").exists()  # deleted when done


def test_jsonl_commands_are_dispatched_line_by_line(uploader):
    client, tokens = uploader
    http, _ = signed_in(client, tokens["mz"])
    facility = {"uscc": code(1), "name": "城区养老院", "address": "示范路1号", "region_code": "140502",
                "ownership": "private", "profit_status": "non_profit", "total_beds": 80, "nursing_beds": 40,
                "occurred_on": "2024-05-06"}
    lines = [json.dumps(facility, ensure_ascii=False),
             json.dumps({"command": "register_complaint", "data": {
                 "uscc": code(1), "channel": "hotline_12345", "category": "fees", "summary": "押金过高",
                 "occurred_on": "2026-11-20"}}, ensure_ascii=False),
             json.dumps({"command": "register_complaint", "data": {
                 "uscc": code(1), "channel": "hotline_12345", "category": "fees", "summary": "未注明日期"}},
                 ensure_ascii=False),
             "[1, 2]", "{not json"]
    r = upload(http, ("\n".join(lines) + "\n").encode(), "history.jsonl")
    assert r.status_code == 303
    csrf = csrf_of(http, r.headers["Location"])
    assert http.post(r.headers["Location"] + "/step", data={"csrf_token": csrf}).status_code == 303
    page = http.get(r.headers["Location"]).get_data(as_text=True)
    assert "导入完成：已导入 2 行，拒绝 3 行" in page
    rows = http.get(r.headers["Location"] + "/rejects.jsonl").get_data(as_text=True).splitlines()
    assert [json.loads(x)["line"] for x in rows] == [3, 4, 5]
    assert "occurred_on" in json.loads(rows[0])["reason"]
    client.container.wait_for(client.container.app.recorder.max_notification_id())
    inbox = client.get(f"/api/v1/complaints?uscc={code(1)}", as_="civil_affairs").json
    assert [c["summary"] for c in inbox["items"]] == ["押金过高"]


def test_uploads_are_limited_checked_and_need_csrf(uploader, monkeypatch):
    client, tokens = uploader
    http, _ = signed_in(client, tokens["mz"])
    monkeypatch.setenv("ELDERCARE_CONSOLE_IMPORT_MAX_BYTES", "2048")
    big = upload(http, b"x" * 4096, "big.jsonl")
    assert big.status_code == 413 and "文件过大" in big.get_data(as_text=True)
    monkeypatch.delenv("ELDERCARE_CONSOLE_IMPORT_MAX_BYTES")
    empty = upload(http, b"", "empty.csv")
    assert empty.status_code == 422 and "文件为空" in empty.get_data(as_text=True)
    header = upload(http, "\xff\xfe".encode("latin-1") + b"\n1,2\n", "bad.csv")
    assert header.status_code == 422 and "表头" in header.get_data(as_text=True)
    missing = http.post("/console/imports", data={"csrf_token": csrf_of(http, "/console/imports")})
    assert missing.status_code == 422 and "请选择要上传的文件" in missing.get_data(as_text=True)
    no_csrf = http.post("/console/imports", data={"file": (io.BytesIO(HEADER.encode()), "x.csv")},
                        content_type="multipart/form-data")
    assert no_csrf.status_code == 400
    assert imports.mine(client.container, _ctx()) == []
    assert http.get("/console/imports/" + "0" * 32).status_code == 404
    assert http.get("/console/imports/..%2f..%2fetc").status_code == 404


def _ctx():
    from supervision.application import Context

    return Context(actor=Actor("mz-jc", "MZJ-140500", "civil_affairs"), source="import")
