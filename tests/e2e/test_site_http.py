"""The public disclosure site (supervision/web): pages, downloads, data dictionary and the changes
feed, through the Flask client on PostgreSQL. Every page is built from the public shapes; these tests
check it shows what the public API shows for the same date, and no personal data."""

from __future__ import annotations

import csv
import io

import pytest
from openpyxl import load_workbook

from supervision.public.shapes import BlacklistEntryPublic, ListEntryPublic
from supervision.web.columns import columns, flatten
from tests.e2e.test_credit_lists_http import (  # noqa: F401  (city_bureaus: autouse fixture)
    OTHER,
    USCC,
    at,
    city_bureaus,
    listed_by_hand,
    register,
    settle,
)
from tests.support import facility_payload

PERSONAL = ("王建国", "李芳", "13800138000", "11010519491231002X")
DECISION = "晋城民罚决字〔2026〕14号"


@pytest.fixture
def city(pg_client):
    """Two facilities in 晋城 (1405xx): USCC graded on 2026-05-01 then listed 2026-06-23; OTHER plain."""
    client = pg_client
    register(client)
    r = client.post("/api/v1/facilities", facility_payload(uscc=OTHER, name="晋城康乐颐养中心",
                                                           region_code="140581", occurred_on="2020-02-03"))
    assert r.status_code == 201, r.json
    at(client, "2026-05-02")
    r = client.post(f"/api/v1/facilities/{USCC}/grade-assessments", {
        "level": 3, "score": 600, "assessing_body": "晋城市民政局", "certificate_no": "JC-1",
        "occurred_on": "2026-05-01"})
    assert r.status_code == 201, r.json
    listing_id = listed_by_hand(client, DECISION)
    settle(client)
    return client, listing_id


def html(client, path: str, status: int = 200) -> str:
    r = client.get(path)
    assert r.status_code == status, (path, r.status_code, r.get_data(as_text=True)[:500])
    text = r.get_data(as_text=True)
    if status == 200:
        assert r.mimetype == "text/html" and '<html lang="zh-CN">' in text
    for personal in PERSONAL:
        assert personal not in text, (path, personal)
    return text


def test_home_finds_facilities_by_name_uscc_and_district_and_counts_each_district(city):
    client, _ = city
    home = html(client, "/")
    assert "<label for=\"q\">" in home and "140502" in home and "140581" in home
    by_name = html(client, "/?q=康乐")
    assert "晋城康乐颐养中心" in by_name and "共 1 家" in by_name and f"/facilities/{USCC}" not in by_name
    by_district = html(client, "/?q=1405")
    assert "共 2 家" in by_district and OTHER in by_district
    r = client.get(f"/?q={USCC}")
    assert r.status_code == 302 and r.headers["Location"].endswith(f"/facilities/{USCC}")
    assert "共 0 家" in html(client, "/?q=没有这家")


def test_facility_page_shows_grade_validity_list_status_and_public_timeline_without_persons(city):
    client, _ = city
    page = html(client, f"/facilities/{USCC}")
    assert "3 级" in page and "有效期至 2029-05-01" in page and "JC-1" in page and "民办 · 非营利" in page
    assert "失信联合惩戒对象名单" in page and "2026-06-23 至 2029-06-23" in page
    assert "王**" in page and "李*" in page
    for fact in ("完成备案", "等级评定：3级", "列入失信联合惩戒对象名单"):
        assert fact in page
    assert "尚无公示的抽查结果" in page
    other = html(client, f"/facilities/{OTHER}")
    assert "尚未评定等级" in other and "不在失信名单" in other
    html(client, "/facilities/91350100M000100Y44", 404)
    html(client, "/facilities/not-a-code", 404)


def test_list_pages_answer_as_of_a_date_with_criterion_basis_and_masked_persons(city):
    client, _ = city
    page = html(client, "/lists/joint-punishment?as_of=2026-06-23")
    assert 'type="date"' in page and 'value="2026-06-23"' in page and "共 1 条" in page
    assert "《养老机构管理办法》" in page or "法律依据" in page
    assert "王**" in page and DECISION in page
    assert "共 0 条" in html(client, "/lists/joint-punishment?as_of=2026-06-22")
    assert USCC in html(client, "/lists/blacklist?as_of=2026-06-23")
    assert USCC in html(client, "/lists/blacklist?as_of=2026-06-23&region_code=1405")
    assert "共 0 条" in html(client, "/lists/blacklist?as_of=2026-06-23&region_code=1406")
    assert "共 1 条" in html(client, "/lists/blacklist?as_of=2026-06-23&region_code=")  # empty field: all
    assert "共 0 条" in html(client, "/lists/key-attention?as_of=2026-06-23")
    html(client, "/lists/nothing", 404)
    bad = html(client, "/lists/blacklist?as_of=2026-13-01", 422)
    assert "as_of" in bad
    assert client.get("/lists/blacklist?when=2026-06-23").status_code == 422  # undeclared parameter


@pytest.mark.parametrize("name,shape", [("blacklist", BlacklistEntryPublic),
                                        ("joint-punishment", ListEntryPublic)])
def test_downloads_hold_the_api_rows_as_of_the_same_date_csv_with_bom_and_xlsx(city, name, shape):
    client, _ = city
    cols = columns(shape)
    for as_of, region in (("2026-06-22", ""), ("2026-06-23", ""), ("2029-06-23", ""),
                          ("2026-06-23", "140502"), ("2026-06-23", "1406")):
        query = f"as_of={as_of}&region_code={region}" if region else f"as_of={as_of}"
        api = client.get(f"/api/v1/public/credit/{name}?{query}").json["items"]
        expected = [[c.label for c in cols], *[flatten(row, cols) for row in api]]
        assert len(api) == (0 if as_of == "2026-06-22" or region == "1406" else 1)

        r = client.get(f"/lists/{name}.csv?{query}")
        assert r.status_code == 200 and r.mimetype == "text/csv"
        assert r.headers["Content-Type"] == "text/csv; charset=utf-8"  # once
        scope = f"-{region}" if region else ""
        assert f"{name}{scope}-{as_of}.csv" in r.headers["Content-Disposition"]
        assert r.data.startswith(b"\xef\xbb\xbf")
        rows = list(csv.reader(io.StringIO(r.data.decode("utf-8-sig"))))
        assert rows == expected

        r = client.get(f"/lists/{name}.xlsx?{query}")
        assert r.status_code == 200 and r.data[:2] == b"PK"
        book = load_workbook(io.BytesIO(r.data))
        got = [[c if c is not None else "" for c in row] for row in book["名单"].iter_rows(values_only=True)]
        assert got == expected
        assert [row[1] for row in book["数据字典"].iter_rows(min_row=2, values_only=True) if row[1]] == \
            [c.key for c in cols]
        for blob in (r.data, client.get(f"/lists/{name}.csv?{query}").data):
            for personal in PERSONAL:
                assert personal.encode() not in blob
    api = client.get(f"/api/v1/public/credit/{name}?as_of=2026-06-23").json["items"]
    assert name == "blacklist" or api[0]["responsible_persons"]["legal_representative"] == "王**"


def test_data_dictionary_lists_every_downloadable_column_with_why_it_is_public(city):
    client, _ = city
    page = html(client, "/data-dictionary")
    for shape in (BlacklistEntryPublic, ListEntryPublic):
        for col in columns(shape):
            assert f"<code>{col.key}</code>" in page and col.label in page
            assert col.why and col.why.replace("'", "&#39;") in page


def test_changes_feed_polled_with_its_cursor_builds_a_mirror_equal_to_the_public_endpoints(city):
    client, listing_id = city
    at(client, "2027-01-04")
    r = client.post(f"/api/v1/credit/listings/{listing_id}/removal", {
        "reason": "annulled", "basis": "行政复议撤销列入决定", "occurred_on": "2027-01-04"})
    assert r.status_code == 201, r.json
    settle(client)

    mirror: dict[tuple[str, str], dict] = {}
    cursor, pages, seen = 0, 0, []
    while True:
        r = client.get(f"/api/v1/public/changes?since={cursor}&limit=2")
        assert r.status_code == 200, r.json
        body = r.json
        assert len(body["items"]) <= 2 and body["since"] == cursor
        again = client.get(f"/api/v1/public/changes?since={cursor}&limit=2",
                           headers={"If-None-Match": r.headers["ETag"]})
        assert again.status_code == 304 and again.data == b"" and again.headers["ETag"] == r.headers["ETag"]
        for item in body["items"]:
            seen.append((item["id"], item["kind"]))
            key = (item["kind"].removeprefix("list_").replace("entry", "list").replace("exit", "list"),
                   item["key"])
            if item["kind"] == "list_exit":
                mirror[key] = {**mirror[key], "ended_on": item["ended_on"]}
            else:
                mirror[key] = item["record"]
        pages += 1
        cursor = body["next"]
        if not body["more"]:
            break
    # in order, none twice (one event may make two changes: a list entry and the rating it changes)
    ids = [i for i, _ in seen]
    assert ids == sorted(ids) and len(seen) == len(set(seen)) and pages >= 2
    text = str(mirror)
    for personal in PERSONAL:
        assert personal not in text
    # nothing new: the same cursor answers an empty page, and the cursor does not move
    tail = client.get(f"/api/v1/public/changes?since={cursor}").json
    assert tail["items"] == [] and tail["next"] == cursor

    facilities = {k[1]: v for k, v in mirror.items() if k[0] == "facility"}
    registry = client.get("/api/v1/facilities?page_size=500").json["items"]
    assert facilities == {f["uscc"]: f for f in registry}
    grades = {k[1]: v for k, v in mirror.items() if k[0] == "grade"}
    assert set(grades) == {USCC}
    api_grade = client.get(f"/api/v1/facilities/{USCC}/grade").json
    assert grades[USCC] == {k: api_grade[k] for k in grades[USCC]}
    entries = {k[1]: v for k, v in mirror.items() if k[0] == "list"}
    assert list(entries) == [listing_id]
    # the listing and its removal changed the public rating: the mirror holds today's, as the API says
    ratings = {k[1]: v for k, v in mirror.items() if k[0] == "rating"}
    assert ratings == {USCC: client.get(f"/api/v1/public/ratings/{USCC}").json}

    def in_force(day: str) -> list[dict]:
        return [{k: v for k, v in e.items() if k != "ended_on"} for e in entries.values()
                if e["effective_on"] <= day <= e["expires_on"]
                and not (e.get("ended_on") and day >= e["ended_on"])]

    for day in ("2026-06-22", "2026-06-23", "2027-01-03", "2027-01-04", "2029-06-23"):
        api = client.get(f"/api/v1/public/credit/joint-punishment?as_of={day}").json["items"]
        assert in_force(day) == api, day
    assert in_force("2027-01-03") != [] and in_force("2027-01-04") == []
    assert [m for m in mirror if m[0] == "list"] == [("list", listing_id)]
    assert client.get("/api/v1/public/changes?since=-1").status_code == 422
    beyond = client.get("/api/v1/public/changes?since=999999")  # a cursor the feed never gave
    assert beyond.status_code == 422 and "since" in beyond.json["fields"], beyond.json
    assert client.get("/api/v1/public/changes?limit=501").status_code == 422


def test_pages_name_the_listing_agency_as_the_public_knows_it(city):
    """列入机关 reads as the agency's name with its code (agencies are public bodies), not the code
    alone; a code the registry does not know stays as it is."""
    client, _ = city
    names = {a["code"]: a["name"] for a in client.container.view("agencies").search("", None)}
    listing = html(client, "/lists/joint-punishment?as_of=2026-06-23")
    facility = html(client, f"/facilities/{USCC}")
    shown = [code for code in names if f"{names[code]}（{code}）" in listing]
    assert shown, listing[listing.find("列入机关"):][:200]
    assert f"列入机关 {names[shown[0]]}（{shown[0]}）" in facility
