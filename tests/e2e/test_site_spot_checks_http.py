"""The site and the changes feed show a published 双随机 result exactly as the public endpoint does,
and nothing of it before publication (notes, evidence and inspectors never)."""

from __future__ import annotations

from tests.e2e.test_spot_checks_http import (  # noqa: F401  (city_bureaus: autouse fixture)
    CAMPAIGNS,
    PUBLIC,
    certify,
    city_bureaus,
    draw_campaign,
    plan,
    record,
    register,
)

NOTE = "灭火器过期（张三房间）"


def changes(client) -> list[dict]:
    client.container.wait_for(client.container.app.recorder.max_notification_id())
    return client.get("/api/v1/public/changes?limit=500").json["items"]


def test_a_published_result_appears_on_the_facility_page_and_in_the_feed_only_once_published(pg_client):
    client = pg_client
    code = register(client, 1)
    certify(client, "MZ-A")
    certify(client, "MZ-B")
    campaign = plan(client, "2025-SSJ-SITE")
    assert draw_campaign(client, campaign).status_code == 201
    failed = [{"code": "FS-01", "result": "fail", "severity": "major", "note": NOTE},
              {"code": "SV-01", "result": "pass"}]
    shown = client.get(f"{CAMPAIGNS}/{campaign}/inspections/{code}", as_="civil_affairs").json
    inspector = shown["inspectors"][0]
    r = record(client, campaign, code, as_=inspector, conclusion="problems_rectification_ordered",
               items=failed, completed_on="2025-09-19")
    assert r.status_code == 201, r.json
    assert [c for c in changes(client) if c["kind"] == "result"] == []
    assert "尚无公示的抽查结果" in client.get(f"/facilities/{code}").get_data(as_text=True)
    assert client.get(f"/campaigns/{campaign}").status_code == 404  # nothing published yet

    r = client.post(f"{CAMPAIGNS}/{campaign}/inspections/{code}/publish", {"occurred_on": "2025-09-22"})
    assert r.status_code == 201, r.json
    (change,) = [c for c in changes(client) if c["kind"] == "result"]
    (public,) = client.get(f"{PUBLIC}?uscc={code}").json["items"]
    assert change["record"] == public and change["key"] == f"{campaign}/{code}"
    assert change["occurred_on"] == "2025-09-22" and change["event"] == "Inspection.ResultPublished"

    page = client.get(f"/facilities/{code}").get_data(as_text=True)
    assert "养老机构双随机抽查 2025-SSJ-SITE</a>（2025-09-22 公示）" in page
    assert "发现问题已责令改正" in page and "消防设施器材完好有效" in page and "不合格" in page
    assert "公示抽查结果" in page  # on the timeline
    assert f'href="/campaigns/{campaign}"' in page

    by_campaign = client.get(f"/campaigns/{campaign}")
    assert by_campaign.status_code == 200
    text = by_campaign.get_data(as_text=True)
    assert "养老机构双随机抽查 2025-SSJ-SITE" in text and "已公示 1 家" in text and "养老院1号" in text
    assert "发现问题已责令改正" in text and f"/api/v1/public/spot-check-draws/{campaign}" in text
    assert client.get(f"/api/v1/public/spot-check-draws/{campaign}").status_code == 200
    assert client.get("/campaigns/not-a-uuid").status_code == 404
    for private in (NOTE, "张三", "现场检查记录", inspector):
        assert private not in text
    for private in (NOTE, "张三", "现场检查记录", inspector, "MZ-A", "MZ-B"):
        assert private not in page
        assert private not in str(change)
