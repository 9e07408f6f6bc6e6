"""The site in a real browser: Debian's Chromium driven by Playwright for Python clicks search →
facility → list (as of a date) → downloads, at 375 px wide, against the Flask app served by a werkzeug
server thread on PostgreSQL. Screenshots of each page land in the test's tmp folder (printed).

`./dev.sh test` installs `chromium` (apt-get) and `playwright` (pip) when missing; Playwright's own
browser download is never used."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from openpyxl import load_workbook
from werkzeug.serving import make_server

from tests.e2e.test_credit_lists_http import USCC, city_bureaus  # noqa: F401  (autouse fixture)
from tests.e2e.test_site_http import PERSONAL, city  # noqa: F401  (fixture)

CHROMIUM = Path("/usr/bin/chromium")
pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="/usr/bin/chromium missing: ./dev.sh test installs it"),
]


@pytest.fixture
def site(request):
    client, _ = request.getfixturevalue("city")
    server = make_server("127.0.0.1", 0, client.flask, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=10)


def test_a_person_searches_opens_the_facility_and_the_list_and_downloads_it_at_375_px(site, tmp_path):
    sync_api = pytest.importorskip("playwright.sync_api", reason="pip install playwright (./dev.sh test)")
    shots = tmp_path / "screenshots"
    shots.mkdir()
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=[
            "--no-sandbox", "--disable-gpu", "--disable-background-networking"])
        try:
            page = browser.new_page(viewport={"width": 375, "height": 812}, accept_downloads=True)
            outside: list[str] = []
            page.on("request", lambda r: outside.append(r.url) if not r.url.startswith(site) else None)

            def fits() -> None:
                width = page.evaluate("document.documentElement.scrollWidth")
                assert width <= 375, f"{page.url} is {width} px wide at 375 px"
                html = page.content()
                for personal in PERSONAL:
                    assert personal not in html

            page.goto(site + "/")
            assert page.locator("html").get_attribute("lang") == "zh-CN"
            page.get_by_label("机构名称、统一社会信用代码或行政区划代码").fill("夕阳红")
            page.get_by_role("button", name="查询").click()
            page.wait_for_load_state()
            assert "共 1 家" in page.content()
            fits()
            page.screenshot(path=str(shots / "1-search.png"), full_page=True)

            page.get_by_role("link", name="福州夕阳红养老院").click()
            page.wait_for_url(f"**/facilities/{USCC}")
            assert page.get_by_role("heading", level=1).inner_text() == "福州夕阳红养老院"
            assert "有效期至 2029-05-01" in page.content()
            fits()
            page.screenshot(path=str(shots / "2-facility.png"), full_page=True)

            page.locator("#main").get_by_role("link", name="失信联合惩戒对象名单").click()
            page.wait_for_url("**/lists/joint-punishment")
            page.get_by_label("截至日期").fill("2026-06-23")
            page.get_by_label("行政区划代码（可选，前缀即可）").fill("1405")
            page.get_by_role("button", name="查看").click()
            page.wait_for_url("**/lists/joint-punishment?as_of=2026-06-23&region_code=1405")
            assert "共 1 条" in page.content() and "王**" in page.content()
            fits()
            page.screenshot(path=str(shots / "3-list.png"), full_page=True)

            with page.expect_download() as csv_download:
                page.get_by_role("link", name="CSV").click()
            csv_path = tmp_path / csv_download.value.suggested_filename
            csv_download.value.save_as(csv_path)
            assert csv_path.name == "joint-punishment-1405-2026-06-23.csv"
            data = csv_path.read_bytes()
            assert data.startswith(b"\xef\xbb\xbf") and USCC.encode() in data

            with page.expect_download() as xlsx_download:
                page.get_by_role("link", name="Excel（XLSX）").click()
            xlsx_path = tmp_path / xlsx_download.value.suggested_filename
            xlsx_download.value.save_as(xlsx_path)
            rows = list(load_workbook(xlsx_path)["名单"].iter_rows(values_only=True))
            assert len(rows) == 2 and rows[1][0] == USCC

            page.get_by_role("link", name="数据字典").first.click()
            page.wait_for_url("**/data-dictionary")
            fits()
            page.screenshot(path=str(shots / "4-data-dictionary.png"), full_page=True)
            assert outside == []  # nothing fetched from outside the site
        finally:
            browser.close()
    print(f"screenshots: {sorted(str(s) for s in shots.iterdir())}")
    assert len(list(shots.iterdir())) == 4
