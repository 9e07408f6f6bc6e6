"""A name search looks for the text as typed: `%`, `_` and `\\` are characters of a name, not LIKE
wildcards. Seen case (a fresh user): `GET /api/v1/facilities?name=%25` and the public site's search box
with `%` or `_` listed every facility (the value went into `LIKE '%' || :name || '%'` unescaped); the
console's facility search too (all three read `facility_list.search`)."""

from __future__ import annotations

import pytest

from supervision.domain.uscc import with_check_character
from tests.e2e.test_console_session import signed_in
from tests.support import facility_payload

PLAIN = with_check_character("52350102MJ0000001")
PERCENT = with_check_character("52350102MJ0000002")
UNDERSCORE = with_check_character("52350102MJ0000003")
BACKSLASH = with_check_character("52350102MJ0000004")


@pytest.fixture
def named(client):
    for code, name in ((PLAIN, "鼓楼夕阳红养老院"), (PERCENT, "鼓楼满意100%养老院"),
                       (UNDERSCORE, "鼓楼A_B养老院"), (BACKSLASH, "鼓楼A\\B养老院")):
        r = client.post("/api/v1/facilities", facility_payload(uscc=code, name=name, region_code="350102"))
        assert r.status_code == 201, r.json
    return client


@pytest.mark.parametrize(("typed", "found"), [
    ("%", {PERCENT}), ("_", {UNDERSCORE}), ("A_B", {UNDERSCORE}), ("A%B", set()), ("\\", {BACKSLASH}),
    ("养老院", {PLAIN, PERCENT, UNDERSCORE, BACKSLASH}),
])
def test_the_api_s_name_search_takes_wildcards_literally(named, typed, found):
    r = named.get("/api/v1/facilities", query_string={"name": typed, "page_size": 50})
    assert r.status_code == 200, r.json
    assert {i["uscc"] for i in r.json["items"]} == found
    assert r.json["total"] == len(found)


def test_the_public_site_and_the_console_search_take_wildcards_literally(named):
    page = named.get("/", query_string={"q": "_"}).get_data(as_text=True)
    assert "鼓楼A_B养老院" in page and "鼓楼夕阳红养老院" not in page
    http, _ = signed_in(named, named.tokens["civil_affairs"])
    page = http.get("/console/facilities", query_string={"q": "%"}).get_data(as_text=True)
    assert "鼓楼满意100%养老院" in page and "鼓楼夕阳红养老院" not in page
