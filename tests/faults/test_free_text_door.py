"""Free text keeps no personal numbers and no invisible characters; an audit reason must say something.

Seen (a fresh user, 2026-11-30): a complaint summary carrying "电话13912345678，身份证140502196501011233"
was stored in clear and shown to a market-supervision reader of the facility's history, while the
complainant's identity itself is sealed; an identity reveal with the reason "  \\u200b " returned the
identity; a facility name ending in zero-width spaces looked identical to another's. Each is now a 422
naming the field, and nothing is written.
"""

from __future__ import annotations

import pytest

from supervision.commands import bounds
from tests.e2e.test_complaints_http import BASE, complaint_payload, setup_facility
from tests.support import facility_payload

FAC = "/api/v1/facilities"


def head(client) -> int:
    return client.container.app.recorder.max_notification_id() or 0


def refused(client, response, field: str, before: int) -> None:
    assert response.status_code == 422, (response.status_code, response.json)
    assert field in str(response.json["fields"]), response.json
    assert head(client) == before
    assert "13912345678" not in response.get_data(as_text=True)  # never echoed


@pytest.mark.parametrize("summary", [
    "家属王小明（电话13912345678）反映乱收费",
    "家属反映乱收费，联系139-1234-5678",
    "家属反映乱收费，电话１３９１２３４５６７８",  # full-width digits
    "家属（身份证140502196501011233）反映乱收费",
])
def test_a_complaint_summary_with_a_personal_number_is_refused(pg_client, summary):
    setup_facility(pg_client)
    before = head(pg_client)
    refused(pg_client, pg_client.post(BASE, complaint_payload(summary=summary)), "summary", before)


def test_numbers_that_are_not_personal_are_kept(pg_client):
    setup_facility(pg_client)
    ok = complaint_payload(summary="2026年11月收费12000元，合同编号20261101，床位138号，"
                                   "票据号14050219650101（14位）")
    assert pg_client.post(BASE, ok).status_code == 201


@pytest.mark.parametrize("reason", ["  \u200b ", "   ", ".", "查"])
def test_an_identity_reveal_needs_a_reason_in_words(pg_client, reason):
    setup_facility(pg_client)
    cid = pg_client.post(BASE, complaint_payload()).json["data"]["complaint_id"]
    before = head(pg_client)
    r = pg_client.post(f"{BASE}/{cid}/identity-reveals", {"reason": reason})
    assert r.status_code == 422 and "reason" in r.json["fields"], r.json
    assert head(pg_client) == before
    assert "赵秀兰" not in r.get_data(as_text=True)


@pytest.mark.parametrize("name", ["夕阳红养老院\u200b\u200b", "夕阳\u200d红养老院", "\ufeff夕阳红养老院"])
def test_invisible_characters_in_a_name_are_refused(pg_client, name):
    before = head(pg_client)
    r = pg_client.post(FAC, facility_payload(name=name))
    assert r.status_code == 422 and "name" in r.json["fields"], r.json
    assert "invisible" in str(r.json["fields"]["name"])
    assert head(pg_client) == before


def test_the_scan_and_the_loop_agree_on_the_invisible_characters():
    for ch in "\u00ad\u200b\u200c\u200d\u2060\ufeff":
        assert bounds.text_problem(f"a{ch}b") is not None
        assert bounds.text_problem(f"a{ch}b", multiline=True) is not None


@pytest.mark.parametrize(("field", "value", "says"), [
    ("region_code", "140599", "not a division code"),
    ("region_code", "140500", "province or city code"),
    ("region_code", "140523", "abolished in 1993"),
    ("opened_on", "2030-01-01", "in the future"),
    ("opened_on", "0001-01-01", "between 1949-10-01 and 2199-12-31"),
])
def test_a_facility_where_no_facility_can_be_is_refused(pg_client, field, value, says):
    """Seen: 140599 (no such division) became its own district on the site; a facility opening in 2030
    showed as 运营中."""
    before = head(pg_client)
    r = pg_client.post(FAC, facility_payload(**{field: value}))
    assert r.status_code == 422 and says in str(r.json["fields"].get(field)), r.json
    assert head(pg_client) == before


def test_a_fact_dated_before_1949_is_refused(pg_client):
    setup_facility(pg_client)
    before = head(pg_client)
    r = pg_client.post("/api/v1/fire-safety/cases", {"uscc": "91350100M000100Y43", "finding_no": "XF-1",
                                                       "category": "other", "location": "x",
                                                       "occurred_on": "1900-01-01"}, as_="fire")
    assert r.status_code == 422 and "occurred_on" in r.json["fields"], r.json
    assert head(pg_client) == before


def test_a_public_summary_with_a_personal_number_is_refused(pg_client):
    """Seen: public_summary "联系人赵六13700001111" on a fire finding went to the public topic as written."""
    setup_facility(pg_client)
    before = head(pg_client)
    r = pg_client.post("/api/v1/fire-safety/cases", {"uscc": "91350100M000100Y43", "finding_no": "XF-2",
                                                       "category": "other", "location": "x",
                                                       "public_summary": "联系人赵六13700001111"}, as_="fire")
    assert r.status_code == 422 and "public_summary" in r.json["fields"], r.json
    assert head(pg_client) == before
