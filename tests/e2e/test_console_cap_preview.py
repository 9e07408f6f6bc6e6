"""A console preview never turns a command's own refusal into a 500: a deposit without its monthly
bed fee (a service fee without the months it covers) is the command's field error beside the field,
as the API answers it (422), and nothing is written. The caps' warning still comes before a receipt
over a cap (tests/e2e/test_console_pages.py).

Flask's client on PostgreSQL, as tests/e2e/test_console_incidents_prepaid.py."""

from __future__ import annotations

from datetime import date

import pytest

from supervision.domain.uscc import with_check_character
from supervision.domain.values import Actor
from tests.e2e.test_console_session import csrf_of, signed_in
from tests.support import facility_payload

F1 = with_check_character("52140502MJ0000001")
TAIYUAN = with_check_character("52140105MJ0000002")  # outside 晋城市
UNREGISTERED = with_check_character("52140502MJ0000099")
WRONG_CHECK = F1[:-1] + ("0" if F1[-1] != "0" else "1")
RECEIPT = {"uscc": F1, "kind": "membership_fee", "resident_ref": "M-1", "amount_fen": "100"}
COMPLAINT = {"uscc": F1, "channel": "online", "category": "fees", "summary": "押金收取超过规定",
             "occurred_on": "2026-11-20"}


@pytest.fixture
def city(pg_client):
    """晋城市城区 (140502): a facility with a membership fee of 4000 fen for M-1 and an acknowledged
    complaint; one facility in 太原 (140105); the city's civil-affairs and market tokens."""
    client = pg_client
    client.container.clock.set(date(2026, 11, 23))
    tokens = {"mz": client.token_for(Actor("mz-jc", "MZJ-140500", "civil_affairs")),
              "sc": client.token_for(Actor("sc-jc", "SCJG-140500", "market"))}
    client.tokens["civil_affairs"] = tokens["mz"]
    for code, region in ((F1, "140502"), (TAIYUAN, "140105")):
        r = client.post("/api/v1/facilities", facility_payload(uscc=code, region_code=region,
                                                               occurred_on="2024-03-01"), as_="admin")
        assert r.status_code == 201, r.json
    r = client.post(f"/api/v1/prepaid/{F1}/receipts", {"kind": "membership_fee", "resident_ref": "M-1",
                                                       "amount_fen": 4000}, as_="civil_affairs")
    assert r.status_code in (200, 201), r.json
    r = client.post("/api/v1/complaints", COMPLAINT, as_="civil_affairs")
    assert r.status_code == 201, r.json
    complaint = r.json["id"]
    r = client.post(f"/api/v1/complaints/{complaint}/acknowledgement", {"occurred_on": "2026-11-21"},
                    as_="civil_affairs")
    assert r.status_code in (200, 201), r.json
    client.container.wait_for(client.container.app.recorder.max_notification_id())
    return client, tokens, complaint


def act(http, command: str, data: dict[str, str]):
    csrf = csrf_of(http, "/console/today")  # a role refused the form still gets the command's answer
    return http.post(f"/console/act/{command}", data={**data, "csrf_token": csrf})



def test_a_deposit_without_its_monthly_bed_fee_is_the_commands_field_error_not_a_500(city):
    client, tokens, _ = city
    http, _ = signed_in(client, tokens["sc"])
    for receipt in ({**RECEIPT, "kind": "deposit"}, {**RECEIPT, "kind": "service_fee"}):
        r = act(http, "record_prepayment", receipt)
        page = r.get_data(as_text=True)
        assert r.status_code == 422, r.status_code
        field = "monthly_bed_fee_fen" if receipt["kind"] == "deposit" else "covers_months"
        assert f'id="e-{field}"' in page and "行政区划 140502 登记" in page, page
    api = client.post(f"/api/v1/prepaid/{F1}/receipts", {"kind": "deposit", "resident_ref": "M-1",
                                                         "amount_fen": 100}, as_="civil_affairs")
    assert api.status_code == 422 and api.json["fields"]["monthly_bed_fee_fen"] == [
        "required for a deposit in region 140502 by rule CN-deposit-12x-bed-fee"]  # the API keeps English
    balances = client.get(f"/api/v1/prepaid/{F1}/residents", as_="civil_affairs").json["balances"]
    assert [b["kind"] for b in balances] == ["membership_fee"]  # nothing written
