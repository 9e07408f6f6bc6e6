"""The facility page's supervision rating (every point and the public fact behind it, in words), its
fire-safety status, the 重点关注对象名单 page and files, and the district overview — each equal to its
public endpoint, through the Flask client on PostgreSQL. Nothing typed by staff reaches a page."""

from __future__ import annotations

import csv
import io
from datetime import date

from infra.clock import tick
from supervision.web import facility_page
from tests.e2e.test_credit_lists_http import (  # noqa: F401  (city_bureaus: autouse fixture)
    CREDIT,
    FIRE,
    OTHER,
    USCC,
    at,
    city_bureaus,
    settle,
)
from tests.e2e.test_site_http import city, html  # noqa: F401  (fixture)

DESCRIPTION = "三楼走道堆满杂物（护工李某负责）"
LOCATION = "3号楼东侧疏散通道"


def major_hazard_overdue(client) -> None:
    """OTHER: a major evacuation hazard found 2026-05-10, to be rectified by 2026-06-01; never verified."""
    at(client, "2026-05-10")
    r = client.post(FIRE, {
        "uscc": OTHER, "finding_no": "XF-2026-031", "category": "evacuation", "location": LOCATION,
        "description": DESCRIPTION, "major": True, "major_criterion": "GB 35181-2017 6.3",
        "order_no": "XFZG-2026-031", "due_on": "2026-06-01", "occurred_on": "2026-05-10"}, as_="fire")
    assert r.status_code == 201, r.json
    at(client, "2026-06-02")
    assert tick(client.container).failed == []
    settle(client)


def key_attention(client) -> str:
    """OTHER on the key-attention list (criterion 8, a recorded conduct): proposed, noticed, confirmed."""
    event = client.get(f"/api/v1/facilities/{OTHER}/events", as_="civil_affairs").json[0]
    at(client, "2026-06-03")
    r = client.post(f"{CREDIT}/listings", {
        "uscc": OTHER, "criterion": "disclosure_failure", "list_kind": "key_attention",
        "evidence": [f"{event['aggregate_id']}:{event['version']}"], "reason": "未按规定报送年度工作报告",
        "occurred_on": "2026-06-03"})
    assert r.status_code == 201, r.json
    lid = r.json["id"]
    r = client.post(f"{CREDIT}/listings/{lid}/notice",
                    {"notice_no": "告知-KA-1", "occurred_on": "2026-06-03"})
    assert r.status_code == 201, r.json
    at(client, "2026-06-20")
    r = client.post(f"{CREDIT}/listings/{lid}/confirmation", {"occurred_on": "2026-06-20"})
    assert r.status_code == 201 and r.json["data"]["status"] == "listed", r.json
    settle(client)
    return lid


def test_the_rating_shows_each_public_point_in_words_and_equals_the_public_endpoint(city):  # noqa: F811
    client, _ = city
    major_hazard_overdue(client)
    rating = client.get(f"/api/v1/public/ratings/{OTHER}?as_of=2026-06-02").json
    assert [(p["fact"], p["points"]) for p in rating["points"]] == [
        ("major_fire_hazard", -20), ("rectification_overdue", -15)]
    assert rating["score"] == 65 and rating["level"] == "C" and rating["listings_in_force"] == []
    assert rating["score"] == rating["start_score"] + sum(p["points"] for p in rating["points"])
    assert rating["points"][0]["words"] == "发现重大火灾隐患（安全疏散，隐患编号 XF-2026-031）"
    assert rating["points"][0]["record_ref"] == "XF-2026-031"
    assert client.get(f"/api/v1/public/ratings/{OTHER}?as_of=2026-05-09").json["points"] == []
    # the regulators' rating holds the same points (nothing public was left out here)
    internal = client.get(f"/api/v1/facilities/{OTHER}/rating?as_of=2026-06-02", as_="civil_affairs").json
    assert internal["score"] == rating["score"] and internal["level"] == rating["level"]

    # the changes feed carries each public fact's rating change, with the rating as the API answers it
    feed = client.get("/api/v1/public/changes?limit=500").json["items"]
    rated = [c for c in feed if c["kind"] == "rating" and c["uscc"] == OTHER]
    assert [c["event"] for c in rated] == ["FireSafetyCase.HazardFound",
                                           "FireSafetyCase.RectificationOverdue"]
    assert rated[-1]["record"] == client.get(f"/api/v1/public/ratings/{OTHER}").json

    fire = client.get(f"/api/v1/public/fire-safety/{OTHER}").json
    counts = ("open_hazards", "open_major_hazards", "overdue_rectifications", "sealed")
    assert tuple(fire[k] for k in counts) == (1, 1, 1, False)
    (case,) = fire["open_cases"]
    assert case["finding_no"] == "XF-2026-031" and case["due_on"] == "2026-06-01" and case["overdue"] is True

    page = html(client, f"/facilities/{OTHER}")
    assert "<strong>C 级</strong>（65 分，截至 2026-06-02）" in page
    assert "发现重大火灾隐患（安全疏散，隐患编号 XF-2026-031）" in page and "火灾隐患逾期未整改" in page
    assert "合计 -35 分" in page and "2028-05-10" in page  # the point counts through 24 months later
    assert "<dt>逾期未整改</dt><dd><strong class=\"alert\">1 处</strong>" in page
    assert "<dt>临时查封</dt><dd>否</dd>" in page
    assert "已责令限期整改" in page and "GB 35181-2017 6.3" in page
    for typed in (DESCRIPTION, "李某", LOCATION, "XFZG-2026-031"):
        assert typed not in page
    assert "（监管评级 -20 分）" in page  # the timeline holds the public fact too

    at(client, "2026-06-23")
    listed = html(client, f"/facilities/{USCC}")  # a joint-punishment listing in force rates D
    assert "<strong>D 级</strong>" in listed and "在失信联合惩戒对象名单中" in listed

    assert client.get("/api/v1/public/ratings/91350100M000100Y44").status_code == 404
    # not yet registered on that day
    assert client.get(f"/api/v1/public/ratings/{OTHER}?as_of=2019-01-01").status_code == 404
    assert client.get(f"/api/v1/public/ratings/{OTHER}?as_of=2026-13-01").status_code == 422
    assert client.get(f"/api/v1/public/fire-safety/{OTHER}?x=1").status_code == 422


def test_the_key_attention_list_is_published_like_the_others_with_files_and_on_its_page(city):  # noqa: F811
    client, _ = city
    key_attention(client)
    api = client.get("/api/v1/public/credit/key-attention?as_of=2026-06-20").json
    assert api["total"] == 1 and api["items"][0]["uscc"] == OTHER
    assert api["items"][0]["list_kind"] == "key_attention"
    assert [m["code"] for m in api["items"][0]["measures"]] == ["key_supervision"]
    assert client.get("/api/v1/public/credit/key-attention?as_of=2026-06-19").json["total"] == 0
    feed = client.get("/api/v1/public/changes?limit=500").json["items"]
    (entry,) = [c for c in feed if c["kind"] == "list_entry"
                and c["record"]["list_kind"] == "key_attention"]
    assert entry["uscc"] == OTHER and entry["record"] == api["items"][0]

    page = html(client, "/lists/key-attention?as_of=2026-06-20")
    assert "<h1>重点关注对象名单</h1>" in page and "共 1 条" in page and OTHER in page
    assert "不按照规定报送年度工作报告" in page and "不实施联合惩戒措施" in page
    assert "未按规定报送年度工作报告" not in page  # the proposal's reason is staff text
    assert "共 0 条" in html(client, "/lists/key-attention?as_of=2026-06-19")

    r = client.get("/lists/key-attention.csv?as_of=2026-06-20")
    assert r.status_code == 200 and r.data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(r.data.decode("utf-8-sig"))))
    assert len(rows) == 2 and rows[1][0] == OTHER
    assert client.get("/lists/key-attention.xlsx?as_of=2026-06-20").status_code == 200
    assert "key-attention" in html(client, "/data-dictionary")

    facility = html(client, f"/facilities/{OTHER}")
    assert "重点关注对象名单</a>：不按照规定报送年度工作报告" in facility
    # the page reads everything on one connection: each part equals its public endpoint
    for uscc in (OTHER, USCC):
        parts = facility_page.read(client.container, uscc, date(2026, 6, 23))
        assert parts["f"] == client.get(f"/api/v1/facilities/{uscc}").json
        assert parts["grade"] == client.get(f"/api/v1/facilities/{uscc}/grade?as_of=2026-06-23").json
        assert parts["results"] == client.get(f"/api/v1/public/spot-check-results?uscc={uscc}").json["items"]
        assert parts["rating"] == client.get(f"/api/v1/public/ratings/{uscc}?as_of=2026-06-23").json
        assert parts["fire"] == client.get(f"/api/v1/public/fire-safety/{uscc}").json
        in_force = [e for name in ("joint-punishment", "key-attention")
                    for e in client.get(f"/api/v1/public/credit/{name}?as_of=2026-06-23").json["items"]
                    if e["uscc"] == uscc]
        assert parts["listed"] == in_force and len(in_force) == 1
    assert "<strong>D 级</strong>" in facility and "在重点关注对象名单中" in facility


def test_the_district_overview_draws_its_charts_on_the_server_with_the_numbers_in_tables(city):  # noqa: F811
    client, _ = city
    major_hazard_overdue(client)
    api = client.get("/api/v1/public/overview?region_code=1405&as_of=2026-06-02").json
    assert api["facilities"] == 2
    assert {r["key"]: r["count"] for r in api["ratings"]} == {"A": 1, "B": 0, "C": 1, "D": 0}
    assert {r["key"]: r["count"] for r in api["grades"]}["3"] == 1
    assert {r["key"]: r["count"] for r in api["grades"]}["ungraded"] == 1
    assert len(api["months"]) == 12 and api["months"][-1] == "2026-06"
    assert client.get("/api/v1/public/overview?region_code=1406").json["facilities"] == 0

    page = html(client, "/overview?region_code=1405&as_of=2026-06-02")
    assert page.count("<svg") == 3 and 'role="img"' in page  # no complaint: a sentence instead
    assert "近 12 个月没有办结的投诉" in page
    assert "<caption>各监管评级的机构数</caption>" in page and "<th scope=\"row\">C 级</th><td>1</td>" in page
    assert "<script" not in page and "http://" not in page.replace("http://www.w3.org", "")
    assert html(client, "/overview?region_code=99x", 422)
