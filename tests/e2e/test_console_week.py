"""The regulator console in a real browser: one district's week (晋城市, its civil-affairs bureau and fire
brigade), and an agency of another district that finds nothing of it.

Debian's Chromium driven by Playwright for Python against the Flask app served by a werkzeug thread on
PostgreSQL, with the projections running. Time moves through the product's clock
(`container.clock.set` + `infra.clock.tick`, what `eldercare tick` runs). Each step's effect is checked
through the public site and the API, each page is checked by axe-core (no serious or critical
violation) and saved as a screenshot in the test's tmp folder (paths printed)."""

from __future__ import annotations

import json
import threading
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from werkzeug.serving import make_server

from infra.clock import tick
from supervision.domain.uscc import with_check_character
from supervision.domain.values import Actor
from tests.browser import axe_counts, chromium, needs_chromium, serious_violations
from tests.support import facility_payload

pytestmark = [pytest.mark.slow, needs_chromium]

MZJ, XF, OTHER_MZJ = "MZJ-140500", "XFJY-140500", "MZJ-140581"
CHECKLIST = [{"code": "FS-01", "title": "消防设施器材完好有效"},
             {"code": "SV-01", "title": "服务合同与收费公示"}]
ALL_PASS = [{"code": "FS-01", "result": "pass"}, {"code": "SV-01", "result": "pass"}]


def uscc(n: int, region: str) -> str:
    return with_check_character(f"52{region}MJ{n:07d}")


F1, F2, GAOPING = uscc(1, "140502"), uscc(2, "140502"), uscc(3, "140581")
NAMES = {F1: "城区夕阳红养老院", F2: "城区康宁护养中心", GAOPING: "高平市福寿园"}


@pytest.fixture
def district(pg_client):
    """晋城市: two facilities in 城区 (140502), one in 高平市 (140581), two certified inspectors of the
    city's civil-affairs bureau; tokens for the city's bureaus and for 高平市民政局."""
    client = pg_client
    client.container.clock.set(date(2026, 11, 23))  # Monday
    tokens = {
        "civil_affairs": client.token_for(Actor("mz-jc", MZJ, "civil_affairs")),
        "fire": client.token_for(Actor("xf-jc", XF, "fire")),
        "other": client.token_for(Actor("mz-gp", OTHER_MZJ, "civil_affairs")),
    }
    client.tokens["civil_affairs"], client.tokens["fire"] = tokens["civil_affairs"], tokens["fire"]
    for code, name in NAMES.items():
        region = code[2:8]
        r = client.post("/api/v1/facilities", facility_payload(uscc=code, region_code=region, name=name,
                                                               occurred_on="2024-03-01"))
        assert r.status_code == 201, r.json
    for inspector in ("MZ-A", "MZ-B"):
        r = client.post("/api/v1/inspectors", {
            "inspector_id": inspector, "name": f"检查员{inspector}", "agency": MZJ, "region_code": "140500",
            "certificate_no": f"晋执{inspector}", "occurred_on": "2025-01-10"}, as_="civil_affairs")
        assert r.status_code == 201, r.json
    r = client.post("/api/v1/complaints", {"uscc": F2, "channel": "hotline_12345", "category": "fees",
                                           "summary": "押金收取超过规定", "occurred_on": "2026-11-23"})
    assert r.status_code == 201, r.json
    client.container.wait_for(client.container.app.recorder.max_notification_id())
    return client, tokens


@pytest.fixture
def served(district):
    client, tokens = district
    server = make_server("127.0.0.1", 0, client.flask, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield client, tokens, f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=10)


class Tour:
    """Screenshots and axe figures of every page visited."""

    def __init__(self, page: Any, folder: Path, width: int | None = None) -> None:
        self.page, self.folder, self.shots, self.axe, self.width = page, folder, [], {}, width
        folder.mkdir()

    def check(self, name: str, line: str) -> None:
        page = self.page
        page.wait_for_load_state()
        assert page.locator("html").get_attribute("lang") == "zh-CN"
        assert page.get_by_role("heading", level=1).count() == 1
        if self.width:
            scroll = page.evaluate("document.documentElement.scrollWidth")
            assert scroll <= self.width, f"{page.url} is {scroll} px wide at {self.width} px"
        self.axe[name] = axe_counts(page)
        assert serious_violations(page) == [], (name, serious_violations(page))
        path = self.folder / f"{len(self.shots) + 1:02d}-{name}.png"
        page.screenshot(path=str(path), full_page=True)
        self.shots.append((str(path), line))

    def report(self) -> None:
        for path, line in self.shots:
            print(f"screenshot {path} — {line}")
        for name, counts in self.axe.items():
            print(f"axe {name}: {json.dumps(counts)}")


def sign_in_by_keyboard(page: Any, site: str, token: str) -> None:
    page.goto(site + "/console/signin")
    page.get_by_label("访问令牌").focus()
    page.keyboard.type(token)
    page.keyboard.press("Enter")
    page.wait_for_url("**/console/today")


def sign_out(page: Any) -> None:
    page.get_by_role("button", name="退出登录").click()
    page.wait_for_url("**/console/signin")


def tab_reaches_every_field(page: Any) -> None:
    """Keyboard only: Tab from the top of the page reaches every input of the form and its button,
    in the document's order."""
    wanted = page.eval_on_selector_all("form.form [id^=f-]", "els => els.map(e => e.id)")
    page.locator("body").focus()
    reached: list[str] = []
    for _ in range(len(wanted) + 30):
        page.keyboard.press("Tab")
        active = page.evaluate("document.activeElement.id || document.activeElement.tagName")
        if active.startswith("f-") and (not reached or reached[-1] != active):
            reached.append(active)  # a date input takes one Tab per part (year, month, day)
        if active == "BUTTON" and reached:
            break
    assert reached == wanted, (reached, wanted)


def submit(page: Any, values: dict[str, str]) -> None:
    """Fill a command form by its labels' field keys and submit it."""
    for name, value in values.items():
        field = page.locator(f"#f-{name}")
        if field.evaluate("e => e.tagName") == "SELECT":
            field.select_option(value)
        else:
            field.fill(value)
    page.locator("form.form button[type=submit]").click()
    page.wait_for_load_state()


def test_one_district_week_in_the_console(served, tmp_path):
    client, tokens, site = served
    container = client.container
    with chromium() as browser:
        page = browser.new_page(viewport={"width": 1280, "height": 900}, bypass_csp=True)  # axe is injected
        outside: list[str] = []
        page.on("request", lambda r: outside.append(r.url) if not r.url.startswith(site) else None)
        tour = Tour(page, tmp_path / "screenshots")

        # -- Monday: the civil-affairs bureau signs in; a wrong token is refused --------------------
        page.goto(site + "/console/")
        page.wait_for_url("**/console/signin")
        page.get_by_label("访问令牌").fill("not-a-token")
        page.get_by_role("button", name="登录").click()
        page.get_by_text("令牌无效").first.wait_for()  # the refusal page, not the form mid-navigation
        assert "令牌无效" in page.content()
        tour.check("signin", "登录页：错误的令牌被拒绝（401），提示在输入框旁")
        sign_in_by_keyboard(page, site, tokens["civil_affairs"])
        cookie = next(c for c in page.context.cookies() if c["name"] == "eldercare_console")
        assert cookie["httpOnly"] and cookie["sameSite"] == "Lax" and cookie["path"] == "/console"
        assert tokens["civil_affairs"] not in cookie["value"]
        row = page.locator("tr", has_text="投诉受理告知（1个工作日）")
        assert "2026-11-24" in row.inner_text() and "官方日历" in row.inner_text()
        tour.check("today-monday", "周一本周待办：12345热线投诉须在 11-24 前告知受理（官方日历）")
        row.get_by_role("link", name="告知受理").click()
        submit(page, {"note": "已电话告知受理"})
        page.wait_for_url("**/console/complaints")
        assert "已告知受理" in page.content() and "办结：2026-12-14（还剩 21 天）" in page.content()
        tour.check("complaints", "投诉收件箱：已告知受理，办结期限 12-14 倒计时 21 天")
        api = client.get(f"/api/v1/complaints?uscc={F2}", as_="civil_affairs").json["items"][0]
        assert api["status"] == "acknowledged"

        # a deposit over the national cap (12 × the monthly bed fee): warned first, then recorded
        page.goto(f"{site}/console/facilities/{F2}/prepaid")
        page.get_by_role("link", name="登记预收费用").click()
        submit(page, {"kind": "deposit", "resident_ref": "R-0001", "amount_fen": "1300000",
                      "monthly_bed_fee_fen": "100000", "receipt_no": "SJ-0001"})
        assert "上限 1200000分" in page.locator("#cap-warning").inner_text()
        tour.check("prepaid-warning", "登记押金：超过国家上限（12倍月床位费）先提示，确认后才登记")
        page.get_by_label("我已知晓超过上限，仍然登记").check()
        page.locator("form.form button[type=submit]").click()
        page.wait_for_url(f"**/console/facilities/{F2}/prepaid")
        assert "没有超过上限的收费" not in page.content()
        tour.check("prepaid", "预收费用页：余额、违规记录（规则及版本）、化名编号的老人余额")
        assert len(client.get(f"/api/v1/prepaid/{F2}", as_="civil_affairs").json["violations"]) == 1

        # plan a 双随机 campaign: first with a mistake, the API's field error shown beside the field
        page.get_by_role("link", name="双随机抽查").click()
        page.get_by_role("link", name="制定双随机抽查计划").click()
        page.wait_for_url("**/console/act/plan_spot_check_campaign")
        tab_reaches_every_field(page)
        submit(page, {"name": "2026年第四季度养老机构双随机抽查", "kind": "annual", "agencies": MZJ,
                      "region_prefix": "140502", "checklist": "[{\"code\": \"FS-01\"}]"})
        error = page.locator("#e-checklist")
        assert error.is_visible() and "title" in error.inner_text()
        assert page.locator("#f-checklist").get_attribute("aria-invalid") == "true"
        tour.check("plan-error", "制定抽查计划：检查事项缺少标题，接口的字段错误显示在该字段旁")
        submit(page, {"checklist": json.dumps(CHECKLIST, ensure_ascii=False),
                      "sampling_ratios": json.dumps({level: 100 for level in ("key", "D", "C", "B", "A")})})
        page.wait_for_url("**/console/campaigns/*")
        campaign_id = page.url.rsplit("/", 1)[1]
        assert "尚未承诺" in page.content()

        page.get_by_role("link", name="生成并承诺随机种子").click()
        submit(page, {})
        commitment = page.locator("dd code.hash").first.inner_text()
        assert len(commitment) == 64
        page.get_by_role("link", name="抽取检查对象和检查人员").click()
        submit(page, {"visit_on": "2026-11-23"})
        assert "抽取验证：通过" in page.content() and "快照摘要一致" in page.content()
        tour.check("campaign-drawn", "抽查任务：承诺（SHA-256）、揭示的种子、快照摘要和四步验证均通过")
        public_draw = client.get(f"/api/v1/public/spot-check-draws/{campaign_id}").json
        assert public_draw["attempts"][0]["commitment"] == commitment and public_draw["disclosed"]

        # record each drawn facility's result, then publish
        for code in (F1, F2):
            page.locator("tr", has_text=NAMES[code]).get_by_role("link", name="录入检查结果").click()
            if code == F1:
                tour.check("record-result-form", "录入检查结果表单（结论下拉、逐项结果 JSON）")
            submit(page, {"conclusion": "no_problem", "items": json.dumps(ALL_PASS),
                          "evidence": "现场检查记录 001"})
            page.wait_for_url(f"**/console/campaigns/{campaign_id}")
        assert page.content().count("公示检查结果") == 2 and "2026-12-21" in page.content()
        tour.check("campaign-recorded", "结果已录入：公示期限（20个工作日，官方日历）逐家显示")
        for code in (F1, F2):
            page.locator("tr", has_text=NAMES[code]).get_by_role("link", name="公示检查结果").click()
            submit(page, {"channel": "晋城市民政局门户网站"})
        assert page.content().count("已公示") == 2
        api = client.get(f"/api/v1/public/spot-check-results?campaign_id={campaign_id}").json
        assert api["total"] == 2
        page.goto(f"{site}/campaigns/{campaign_id}")  # the public site shows what was published
        assert NAMES[F1] in page.content() and NAMES[F2] in page.content()
        sign_out_page(page, site)

        # -- the fire brigade finds a major hazard at 城区夕阳红 with a deadline on Wednesday ---------
        sign_in_by_keyboard(page, site, tokens["fire"])
        page.get_by_role("link", name="机构").first.click()
        page.wait_for_url("**/console/facilities")
        page.get_by_role("link", name=NAMES[F1]).click()
        tour.check("facility-fire", "机构页（消防救援支队视角）：备案、等级、监管评级逐项、时间线")
        page.get_by_role("link", name="记录消防隐患").click()
        submit(page, {"finding_no": "XF-2026-117", "category": "evacuation", "location": "3号楼疏散通道",
                      "major": "true", "major_criterion": "GB 35181-2017 6.3", "order_no": "XFZG-2026-117",
                      "due_on": "2026-11-25"})
        page.wait_for_url(f"**/console/facilities/{F1}")
        assert "XF-2026-117（重大）" in page.content() and "2026-11-25" in page.content()

        # -- Thursday: the deadline passed unverified; the clock marks it overdue ----------------------
        container.clock.set(date(2026, 11, 26))
        report = tick(container)
        assert report.failed == [] and report.appended >= 1
        container.wait_for(container.app.recorder.max_notification_id())
        page.goto(site + "/console/today")
        row = page.locator("tr", has_text="消防隐患整改期限（重大隐患）")
        assert "已逾期" in row.inner_text() and "文书指定的日期" in row.inner_text()
        tour.check("today-fire-overdue", "周四本周待办（消防）：重大隐患整改期限 11-25 已逾期")
        page.goto(f"{site}/console/facilities/{F1}")
        assert "已逾期" in page.locator("tr", has_text="XF-2026-117").inner_text()
        events = client.get(f"/api/v1/facilities/{F1}/events", as_="admin").json
        assert [e["event_type"] for e in events].count("FireSafetyCase.RectificationOverdue") == 1
        sign_out(page)

        # -- the civil-affairs bureau: the overdue major hazard was proposed for listing (policy) -------
        sign_in_by_keyboard(page, site, tokens["civil_affairs"])
        row = page.locator("tr", has_text="待书面告知")
        assert NAMES[F1] in row.inner_text()
        tour.check("today-listing", "周四本周待办（民政）：逾期重大隐患已被提出列入名单，待书面告知")
        row.get_by_role("link", name="书面告知（异议期开始）").click()
        # keyboard only: Tab from the page's start to the notice number, type, Enter submits
        page.locator("body").focus()
        for _ in range(40):
            page.keyboard.press("Tab")
            if page.evaluate("document.activeElement.id") == "f-notice_no":
                break
        assert page.evaluate("document.activeElement.id") == "f-notice_no"
        page.keyboard.type("晋民告〔2026〕31号")
        page.keyboard.press("Enter")
        page.wait_for_url(f"**/console/facilities/{F1}")
        listing_row = page.locator("tr", has_text="已告知")
        assert "至 2026-12-03" in listing_row.inner_text()
        tour.check("facility-notice", "机构页：已书面告知，异议期至 12-03（官方日历）")
        listing_row.get_by_role("link", name="登记异议").click()
        submit(page, {"summary": "已申请延期整改，非无故拖延"})
        page.get_by_role("link", name="作出异议决定").click()
        submit(page, {"decision": "rejected"})  # reasons missing: the API's 422, beside the field
        assert "必填" in page.locator("#e-reasons").inner_text()
        tour.check("decide-error", "异议决定表单：理由未填，字段旁显示“必填”")
        submit(page, {"reasons": "未提交延期申请，复查仍未整改"})
        page.wait_for_url(f"**/console/facilities/{F1}")
        assert "已列入" in page.content()
        tour.check("facility-listed", "机构页：异议不成立，已列入失信联合惩戒对象名单，评级为重点关注")

        public = client.get("/api/v1/public/credit/joint-punishment?as_of=2026-11-26").json["items"]
        assert [i["uscc"] for i in public] == [F1]
        page.goto(site + "/lists/joint-punishment?as_of=2026-11-26")
        assert NAMES[F1] in page.content()

        page.goto(site + "/console/today")
        page.get_by_role("link", name="统计").click()
        page.wait_for_url("**/console/charts")
        trend = page.locator("tr", has_text="2026-11-23")
        assert trend.locator("td").first.inner_text() == "1"  # the hazard marked overdue this week
        assert page.locator("tr", has_text="重点关注").locator("td").first.inner_text() == "1"
        assert page.locator("tr", has_text="收费").locator("td").first.inner_text() == "1"
        tour.check("charts", "统计：本周 1 项逾期、评级分布（1 家重点关注）、投诉类别")

        page.goto(site + "/console/today")
        tour.check("today-end", "周四收尾：本周待办只剩未到期事项")
        sign_out(page)
        page.goto(site + "/console/today")
        page.wait_for_url("**/console/signin")  # signed out: the session is gone
        assert outside == []
    tour.report()
    assert len(tour.shots) >= 15


def sign_out_page(page: Any, site: str) -> None:
    page.goto(site + "/console/today")
    sign_out(page)


def test_an_agency_of_another_district_finds_nothing_of_the_first_to_act_on(served, tmp_path):
    client, tokens, site = served
    container = client.container
    # the first district has work waiting: a major hazard overdue at 城区夕阳红
    r = client.post("/api/v1/fire-safety/cases", {
        "uscc": F1, "finding_no": "XF-2026-118", "category": "evacuation", "location": "2号楼",
        "major": True, "major_criterion": "GB 35181-2017 6.3", "order_no": "XFZG-2026-118",
        "due_on": "2026-11-24", "occurred_on": "2026-11-23"}, as_="fire")
    assert r.status_code == 201, r.json
    container.clock.set(date(2026, 11, 26))
    assert tick(container).failed == []
    container.wait_for(container.app.recorder.max_notification_id())
    with chromium() as browser:  # on a phone's width this time: one column, nothing wider than 375 px
        page = browser.new_page(viewport={"width": 375, "height": 812}, bypass_csp=True)  # axe is injected
        tour = Tour(page, tmp_path / "screenshots", width=375)
        sign_in_by_keyboard(page, site, tokens["other"])
        assert "本周没有到期或逾期的事项" in page.content()
        assert NAMES[F1] not in page.content()
        tour.check("other-today", "高平市民政局：本周待办中没有城区的事项")
        page.get_by_role("link", name="机构").first.click()
        page.wait_for_url("**/console/facilities")
        assert NAMES[GAOPING] in page.content() and NAMES[F1] not in page.content()
        assert "共 1 家" in page.content()
        tour.check("other-facilities", "高平市民政局：机构列表只有本辖区的一家")
        response = page.goto(f"{site}/console/facilities/{F1}")
        assert response.status == 403 and "无权访问" in page.content()
        tour.check("other-refused", "直接打开城区机构页：403 无权访问（管辖规则）")
        page.goto(f"{site}/console/act/record_penalty_decision?uscc={F1}")
        submit(page, {"decision_no": "高民罚〔2026〕1号", "conduct": "abuse_cheating",
                      "legal_basis": "《养老机构管理办法》第四十六条"})
        assert page.url.endswith("/console/act/record_penalty_decision")
        assert "jurisdiction" in page.content() or "无权访问" in page.content()
        r = client.get("/api/v1/credit/penalty-decisions/高民罚〔2026〕1号", as_="admin")
        assert r.status_code == 404  # nothing was written
    tour.report()
