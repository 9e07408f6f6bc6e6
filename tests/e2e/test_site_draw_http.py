"""The draw verification page re-runs a campaign's draw on the public record (commitment, revealed
seed, snapshot) and shows the match; before the visit date it shows the commitments only. A spot-check
result counts in the public rating only once it is published."""

from __future__ import annotations

from tests.e2e.test_spot_checks_http import (  # noqa: F401  (city_bureaus: autouse fixture)
    CAMPAIGNS,
    PUBLIC_DRAWS,
    certify,
    city_bureaus,
    commit,
    draw_campaign,
    draw_only,
    plan,
    record,
    register,
)

NOTE = "二楼灭火器过期（王某房间）"


def text(client, path: str, status: int = 200) -> str:
    r = client.get(path)
    assert r.status_code == status, (path, r.status_code)
    return r.get_data(as_text=True)


def test_the_draw_page_reruns_the_public_record_and_shows_every_step_and_facility_matching(pg_client):
    client = pg_client
    codes = [register(client, n) for n in range(1, 9)]
    for inspector_id in ("MZ-A", "MZ-B", "MZ-C"):
        certify(client, inspector_id)
    campaign = plan(client, "2025-SSJ-DRAW")
    assert draw_campaign(client, campaign).status_code == 201
    client.container.wait_for(client.container.app.recorder.max_notification_id())
    public = client.get(f"{PUBLIC_DRAWS}/{campaign}").json
    attempt = public["attempts"][0]

    page = text(client, f"/campaigns/{campaign}/draw")
    assert "第 1 次抽取的核对：<span class=\"ok\">一致</span>" in page
    assert attempt["seed"] in page and attempt["commitment"] in page and attempt["snapshot_digest"] in page
    assert page.count("✓ 通过") == 4 and "✗" not in page  # commitment, order, snapshot, re-run
    drawn = [f["uscc"] for f in attempt["result"]["facilities"]]
    assert drawn and page.count("✓ 相同") == len(drawn)
    for code in codes:
        assert code in page  # the whole directory snapshot (8 facilities) is listed
    assert "检查对象 8 家" in page and "执法检查人员 3 名" in page
    assert "检查员" not in page and "晋执" not in page  # pool codes only
    assert f'href="/api/v1/public/spot-check-draws/{campaign}"' in page

    assert text(client, "/campaigns/00000000-0000-0000-0000-000000000000/draw", 404)
    assert client.get(f"/campaigns/{campaign}/draw?x=1").status_code == 422


def test_before_the_visit_date_the_page_shows_the_commitment_only(pg_client):
    client = pg_client
    for n in range(1, 5):
        register(client, n)
    for inspector_id in ("MZ-A", "MZ-B"):
        certify(client, inspector_id)
    campaign = plan(client, "2025-SSJ-SECRET")
    assert commit(client, campaign, "2025-09-02").status_code == 201
    assert draw_only(client, campaign, "2025-09-02", "2035-09-01").status_code == 201
    client.container.wait_for(client.container.app.recorder.max_notification_id())
    (attempt,) = client.get(f"{PUBLIC_DRAWS}/{campaign}").json["attempts"]
    assert attempt["seed"] is None
    page = text(client, f"/campaigns/{campaign}/draw")
    assert attempt["commitment"] in page and "自检查日起公开" in page
    assert "第 1 次抽取的核对" not in page


def test_a_result_counts_in_the_public_rating_only_once_published(pg_client):
    client = pg_client
    code = register(client, 1)
    certify(client, "MZ-A")
    certify(client, "MZ-B")
    campaign = plan(client, "2025-SSJ-RATE")
    assert draw_campaign(client, campaign).status_code == 201
    shown = client.get(f"{CAMPAIGNS}/{campaign}/inspections/{code}", as_="civil_affairs").json
    inspector = shown["inspectors"][0]
    items = [{"code": "FS-01", "result": "fail", "severity": "major", "note": NOTE},
             {"code": "SV-01", "result": "pass"}]
    r = record(client, campaign, code, as_=inspector, conclusion="problems_rectification_ordered",
               items=items, completed_on="2025-09-19")
    assert r.status_code == 201, r.json
    client.container.wait_for(client.container.app.recorder.max_notification_id())
    internal = client.get(f"/api/v1/facilities/{code}/rating?as_of=2025-09-30", as_="civil_affairs").json
    assert [p["points"] for p in internal["points"]] == [-5]
    public = client.get(f"/api/v1/public/ratings/{code}?as_of=2025-09-30").json
    assert public["points"] == [] and public["score"] == 100 and public["level"] == "A"

    r = client.post(f"{CAMPAIGNS}/{campaign}/inspections/{code}/publish", {"occurred_on": "2025-09-22"})
    assert r.status_code == 201, r.json
    client.container.wait_for(client.container.app.recorder.max_notification_id())
    (point,) = client.get(f"/api/v1/public/ratings/{code}?as_of=2025-09-30").json["points"]
    assert point["fact"] == "spot_check_problems_found" and point["points"] == -5
    assert point["occurred_on"] == "2025-09-19" and point["record_ref"] == campaign
    assert point["words"] == "养老机构双随机抽查 2025-SSJ-RATE：发现问题已责令改正"
    # asked as of a day before the publication, the result was not public yet
    assert client.get(f"/api/v1/public/ratings/{code}?as_of=2025-09-21").json["points"] == []
    page = text(client, f"/facilities/{code}")
    assert f'<a href="/campaigns/{campaign}">养老机构双随机抽查 2025-SSJ-RATE：发现问题已责令改正</a>' in page
    assert NOTE not in page and inspector not in page
