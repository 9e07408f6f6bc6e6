"""Every page of the site in a real browser at 375 px wide, checked by axe-core (run in the page):
no serious or critical violation anywhere; per-page axe counts printed; a screenshot of each page saved
under the test's tmp folder (paths printed with `-s`); no page wider than 375 px; nothing fetched from
outside the site; no personal value on any page.

Debian's Chromium through Playwright for Python and axe-core from the `axe-playwright-python` wheel
(`tests/browser.py`); the app is served by a werkzeug thread on PostgreSQL."""

from __future__ import annotations

import threading

import pytest
from werkzeug.serving import make_server

from tests.browser import axe_counts, chromium, needs_chromium, serious_violations
from tests.e2e.test_credit_lists_http import OTHER, USCC, at, city_bureaus, settle  # noqa: F401  (autouse)
from tests.e2e.test_site_draw_http import NOTE
from tests.e2e.test_site_http import PERSONAL, city  # noqa: F401  (fixture)
from tests.e2e.test_site_rating_http import DESCRIPTION, LOCATION, key_attention, major_hazard_overdue
from tests.e2e.test_spot_checks_http import CAMPAIGNS, certify, draw_campaign, plan, record, register

pytestmark = [pytest.mark.slow, needs_chromium]


@pytest.fixture
def story(city):  # noqa: F811
    """The city of test_site_http, plus: OTHER's major hazard overdue and key-attention listing, and a
    campaign over 140502 drawn, one result recorded and published."""
    client, _ = city
    major_hazard_overdue(client)
    key_attention(client)
    at(client, "2026-06-23")
    codes = [register(client, n) for n in range(1, 4)]
    for inspector_id in ("MZ-A", "MZ-B"):
        certify(client, inspector_id)
    campaign = plan(client, "2026-SSJ-AXE", region_prefix="140502", occurred_on="2026-06-20")
    assert draw_campaign(client, campaign, on="2026-06-21").status_code == 201
    settle(client)
    shown = client.get(f"{CAMPAIGNS}/{campaign}/inspections", as_="civil_affairs").json
    drawn = shown[0]
    items = [{"code": "FS-01", "result": "fail", "severity": "major", "note": NOTE},
             {"code": "SV-01", "result": "pass"}]
    r = record(client, campaign, drawn["uscc"], as_=drawn["inspectors"][0],
               conclusion="problems_rectification_ordered", items=items, completed_on="2026-06-22")
    assert r.status_code == 201, r.json
    r = client.post(f"{CAMPAIGNS}/{campaign}/inspections/{drawn['uscc']}/publish",
                    {"occurred_on": "2026-06-23"})
    assert r.status_code == 201, r.json
    settle(client)
    return client, campaign, drawn["uscc"], codes


@pytest.fixture
def site(story):
    client, *_ = story
    server = make_server("127.0.0.1", 0, client.flask, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}", story
    server.shutdown()
    thread.join(timeout=10)


def test_every_page_has_no_serious_axe_violation_and_fits_375_px(site, tmp_path):
    base, (_, campaign, drawn, _) = site
    pages = {
        "home": "/?q=1405",
        "facility-listed": f"/facilities/{USCC}",
        "facility-fire": f"/facilities/{OTHER}",
        "facility-result": f"/facilities/{drawn}",
        "blacklist": "/lists/blacklist?as_of=2026-06-23",
        "joint-punishment": "/lists/joint-punishment?as_of=2026-06-23",
        "key-attention": "/lists/key-attention?as_of=2026-06-23",
        "campaign": f"/campaigns/{campaign}",
        "draw": f"/campaigns/{campaign}/draw",
        "overview": "/overview?region_code=1405&as_of=2026-06-23",
        "data-dictionary": "/data-dictionary",
        "not-found": "/facilities/91350100M000100Y44",
        "bad-query": "/lists/blacklist?as_of=2026-13-01",
    }
    shots = tmp_path / "screenshots"
    shots.mkdir()
    figures: dict[str, dict[str, int]] = {}
    failures: dict[str, list[str]] = {}
    with chromium() as browser:
        page = browser.new_page(viewport={"width": 375, "height": 812})
        outside: list[str] = []
        page.on("request", lambda r: outside.append(r.url) if not r.url.startswith(base) else None)
        for n, (name, path) in enumerate(pages.items(), start=1):
            response = page.goto(base + path)
            assert response is not None
            expected = 404 if name == "not-found" else 422 if name == "bad-query" else 200
            assert response.status == expected, (path, response.status)
            assert page.locator("html").get_attribute("lang") == "zh-CN"
            assert page.locator("h1").count() == 1, path
            width = page.evaluate("document.documentElement.scrollWidth")
            assert width <= 375, f"{path} is {width} px wide at 375 px"
            html = page.content()
            for private in (*PERSONAL, DESCRIPTION, LOCATION, NOTE):
                assert private not in html, (path, private)
            shot = shots / f"{n:02d}-{name}.png"
            page.screenshot(path=str(shot), full_page=True)
            figures[name] = axe_counts(page)
            serious = serious_violations(page)
            if serious:
                failures[name] = serious
        # keyboard: the skip link is the first stop and takes focus to the main content
        page.goto(base + "/")
        page.keyboard.press("Tab")
        assert page.evaluate("document.activeElement.textContent") == "跳到正文"
        assert outside == []
    print("\naxe violations per page (minor / moderate / serious / critical):")
    for name, counts in figures.items():
        impacts = ("minor", "moderate", "serious", "critical")
        print(f"  {name:<18}", " / ".join(str(counts[k]) for k in impacts))
    print("screenshots:")
    for shot in sorted(shots.iterdir()):
        print(f"  {shot}")
    assert failures == {}, failures
    assert len(list(shots.iterdir())) == len(pages)
