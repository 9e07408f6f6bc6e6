"""The console's bulk import, audited identity reveal and grade check in a real browser (Debian's
Chromium via Playwright, axe-core per page, screenshots in the test's tmp folder).

- Import: a CSV of 城区 facilities with three bad lines is uploaded; the page's script posts bounded
  steps and moves the bar; the server made unreachable after two steps, the bar stays part-way and
  the 继续导入 button appears; pressed, the import runs to its end; the rejects file (line, reason,
  original line) is downloaded.
- Reveal: the complaint's page, the reason form refused empty, the identity shown once, the audit row.
- Grade: the level's threshold checked before submit by the console's own script under the page's CSP
  (no request leaves), then a score that reaches it is recorded.
- Incident: reported by form, listed on the facility page with its next steps."""

from __future__ import annotations

import json
from typing import Any

import pytest

from supervision.console import imports
from tests.browser import chromium, needs_chromium
from tests.e2e import test_console_week as week
from tests.e2e.test_console_import import csv_file
from tests.e2e.test_console_week import F1, Tour, sign_in_by_keyboard

district, served = week.district, week.served  # the week's district and its server (fixtures)

pytestmark = [pytest.mark.slow, needs_chromium]

NAME, ID_NUMBER, PHONE = "赵秀兰", "11010519491231002X", "13912345678"


def test_import_reveal_and_grade_in_the_browser(served, tmp_path, monkeypatch):
    client, tokens, site = served
    container = client.container
    monkeypatch.setattr(imports, "CHUNK_LINES", 30)
    monkeypatch.setattr(imports, "STEP_SECONDS", 0.0)  # a step per view: the bar is seen moving
    r = client.post("/api/v1/complaints", {
        "uscc": F1, "channel": "hotline_12345", "category": "service_quality", "summary": "夜间无人值守",
        "occurred_on": "2026-11-23", "complainant": {"name": NAME, "id_number": ID_NUMBER, "phone": PHONE}},
        as_="civil_affairs")
    assert r.status_code == 201, r.json
    complaint_page = f"**/console/complaints/{r.json['id']}"
    text, bad = csv_file(150)
    upload = tmp_path / "城区机构名录.csv"
    upload.write_text(text, encoding="utf-8")

    with chromium() as browser:
        page = browser.new_page(viewport={"width": 1280, "height": 900}, bypass_csp=True)  # axe is injected
        outside: list[str] = []
        page.on("request", lambda r: outside.append(r.url) if not r.url.startswith(site) else None)
        tour = Tour(page, tmp_path / "screenshots")
        sign_in_by_keyboard(page, site, tokens["civil_affairs"])

        # 1. bulk import by upload
        page.get_by_role("link", name="批量导入").click()
        tour.check("import-form", "批量导入: upload form (CSV / JSONL, size limit), no jobs yet")
        page.get_by_label("文件").set_input_files(str(upload))
        page.get_by_label("格式").select_option("auto")
        steps = {"n": 0}

        def two_steps_then_fail(route: Any) -> None:  # the server goes away after two steps
            steps["n"] += 1
            route.continue_() if steps["n"] <= 2 else route.abort()

        page.route("**/step", two_steps_then_fail)
        page.get_by_role("button", name="上传并开始导入").click()
        page.wait_for_url("**/console/imports/*")
        continue_button = page.get_by_role("button", name="继续导入")
        continue_button.wait_for(state="visible", timeout=30_000)  # the script gave up after 5 tries
        status = page.locator("#import-status")
        assert "导入暂停" in status.inner_text()
        value = int(page.locator("#progress").get_attribute("value"))
        assert 0 < value < len(text.encode())
        tour.check("import-paused", f"import part-way: bar at {value} of {len(text.encode())} bytes after "
                                    "two steps, the server unreachable, 继续导入 offered")
        page.unroute("**/step")
        continue_button.click()  # one step by form (303 back), then the script steps on to the end
        page.get_by_role("link", name="查看导入结果和拒绝清单").wait_for(state="visible", timeout=60_000)
        assert "导入完成：已导入 150 行，拒绝 3 行" in status.inner_text()
        assert int(page.locator("#progress").get_attribute("value")) == len(text.encode())
        tour.check("import-complete", "import finished in the page: bar full, totals, link to the results")
        page.get_by_role("link", name="查看导入结果和拒绝清单").click()
        assert "导入完成：已导入 150 行，拒绝 3 行" in status.inner_text()
        tour.check("import-done", "import results: 150 imported, 3 rejected, rejects listed, download link")
        with page.expect_download() as got:
            page.get_by_role("link", name="下载拒绝清单").click()
        rows = [json.loads(x) for x in got.value.path().read_text(encoding="utf-8").splitlines()]
        assert [(r["line"], r["original"]) for r in rows] == [(n, line.rstrip("\n")) for n, line in
                                                              sorted(bad.items())]
        container.wait_for(container.app.recorder.max_notification_id())
        listed = client.get("/api/v1/facilities?region_code=140502&page_size=500", as_="civil_affairs").json
        assert listed["total"] == 150 + 2  # the imported rows and the district's two

        # 2. the audited identity reveal
        page.goto(site + "/console/complaints")
        page.get_by_role("link", name="夜间无人值守").click()
        page.wait_for_url(complaint_page)  # a click starts the navigation; content() mid-way is ''
        assert "尚无查阅记录" in page.content()
        page.get_by_role("link", name="查阅投诉人身份（须说明理由，全程留痕）").click()
        tour.check("reveal-form", "identity reveal: reason required, the audit explained")
        page.get_by_role("button", name="记录理由并查阅").click()
        assert page.locator("#e-reason").is_visible()
        tour.check("reveal-refused", "identity reveal without a reason: 422 beside the field, none revealed")
        page.get_by_label("查阅理由").fill("需当面回访投诉人核实夜间值守情况")
        page.get_by_role("button", name="记录理由并查阅").click()
        assert page.locator("#identity").inner_text().count(NAME) == 1 and ID_NUMBER in page.content()
        tour.check("revealed", "the identity shown once (no-store), the reading recorded")
        page.get_by_role("link", name="返回投诉详情").click()
        page.wait_for_url(complaint_page)
        assert NAME not in page.content() and "身份查阅记录（1 次）" in page.content()
        tour.check("complaint-audit", "the complaint with its reveal audit: who, when, why; no identity")

        # 3. the grade form's check before submit, under the page's own CSP (a page without bypass)
        strict = browser.new_page(viewport={"width": 1280, "height": 900})
        blocked: list[str] = []
        strict.on("console", lambda m: blocked.append(m.text) if "Security Policy" in m.text else None)
        posts: list[str] = []
        strict.on("request", lambda r: posts.append(r.url) if r.method == "POST" else None)
        sign_in_by_keyboard(strict, site, tokens["civil_affairs"])
        posts.clear()
        grade_form = f"{site}/console/act/assess_facility_grade?uscc={F1}"
        strict.goto(grade_form)
        fill_grade(strict, level="4", score="700")
        strict.locator("form.form button[type=submit]").click()
        assert "四级需要总分至少 780 分，当前 700 分" in strict.locator("#grade-check").inner_text()
        assert strict.locator("#f-score").get_attribute("aria-invalid") == "true"
        assert strict.evaluate("document.activeElement.id") == "f-score"
        assert posts == [] and blocked == [] and strict.url == grade_form  # nothing left the page

        page.goto(grade_form)
        fill_grade(page, level="4", score="700")
        page.locator("form.form button[type=submit]").click()
        tour.check("grade-precheck", "grade form: level 4 needs 780, score 700 refused before submit")
        strict.locator("#f-score").fill("800")
        assert strict.locator("#grade-check").inner_text() == ""
        strict.locator("form.form button[type=submit]").click()
        strict.wait_for_url(f"**/console/facilities/{F1}")
        assert posts and blocked == []
        strict.close()
        container.wait_for(container.app.recorder.max_notification_id())
        grade = client.get(f"/api/v1/facilities/{F1}", as_="civil_affairs").json
        assert (grade.get("grade_level"), grade.get("grade_score")) == (4, 800), grade

        # 4. an incident reported by form, shown on the facility page with its next steps
        page.goto(f"{site}/console/act/report_incident?uscc={F1}")
        for name, value in (("category", "missing_resident"), ("severity", "general"),
                            ("reporter", "operator")):
            page.locator(f"#f-{name}").select_option(value)
        for name, value in (("occurred_at", "2026-11-22T19:00:00+08:00"),
                            ("reported_at", "2026-11-22T20:00:00+08:00"),
                            ("summary", "一名老人晚饭后走失，一小时后在附近公园找到")):
            page.locator(f"#f-{name}").fill(value)
        tour.check("incident-form", "incident report form: categories, severities in Chinese; ISO times")
        page.locator("form.form button[type=submit]").click()
        page.wait_for_url(f"**/console/facilities/{F1}")
        assert "事故（1 起）" in page.content() and "老人走失 · 一般" in page.content()
        tour.check("facility-incidents", "facility page: the incident on time, 启动调查 and 调整类别和等级")
        assert outside == []
    tour.report()


def fill_grade(page: Any, level: str, score: str) -> None:
    for name, value in (("level", level), ("score", score), ("assessing_body", "晋城市等级评定委员会"),
                        ("certificate_no", "晋城等评2026-018")):
        page.locator(f"#f-{name}").fill(value)
