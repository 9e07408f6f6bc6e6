"""Findings of a first-hour try of the running demo (helper `breakit`), each kept as the rule it broke."""

from __future__ import annotations

from supervision.domain.values import Actor
from tests.support import facility_payload

FUJIAN = "91350100M000100Y43"  # region 350102 (福州市鼓楼区)
RESIDENTS = f"/api/v1/prepaid/{FUJIAN}/residents"


def test_residents_prepaid_balances_are_read_only_inside_the_reader_s_jurisdiction(client):
    """Per-resident balances are a non-public read: an agency of another province gets 403 (issue 10:
    non-public reads are scoped like commands), an agency whose jurisdiction holds the facility 200."""
    registered = client.post("/api/v1/facilities", facility_payload(uscc=FUJIAN, region_code="350102"))
    assert registered.status_code == 201, registered.json
    r = client.post(f"/api/v1/prepaid/{FUJIAN}/receipts",
                    {"occurred_on": "2026-11-01", "kind": "deposit", "resident_ref": "R-0001",
                     "amount_fen": 300_000, "monthly_bed_fee_fen": 300_000}, as_="market")
    assert r.status_code in (201, 202), r.json
    shanxi = client.token_for(Actor("jc-sj", "SCJG-140500", "market"))
    fuzhou = client.token_for(Actor("fz-sj", "SCJG-350100", "market"))
    outside = client.http.get(RESIDENTS, headers={"Authorization": f"Bearer {shanxi}"})
    assert outside.status_code == 403 and "jurisdiction rule" in outside.json["error"]
    assert "R-0001" not in outside.get_data(as_text=True)
    inside = client.http.get(RESIDENTS, headers={"Authorization": f"Bearer {fuzhou}"})
    assert inside.status_code == 200, inside.json
    assert [b["resident_ref"] for b in inside.json["balances"]] == ["R-0001"]
