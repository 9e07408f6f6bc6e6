"""预收费用 over HTTP on PostgreSQL: receipts against caps, refunds, custody, risk signals."""

from __future__ import annotations

from datetime import date

from infra.clock import tick
from supervision.domain.uscc import with_check_character
from tests.support import facility_payload

FUJIAN = "91350100M000100Y43"  # region 350102: national caps only
NINGXIA = with_check_character("52640104MA0000001")
BEIJING = with_check_character("91110105MA0000002")


def base(uscc: str = FUJIAN) -> str:
    return f"/api/v1/prepaid/{uscc}"


def register(client, uscc: str = FUJIAN, region_code: str = "350102") -> None:
    r = client.post("/api/v1/facilities", facility_payload(uscc=uscc, region_code=region_code))
    assert r.status_code == 201, r.json


def receive(client, uscc: str = FUJIAN, **body):
    return client.post(f"{base(uscc)}/receipts", {"occurred_on": "2026-11-01", **body}, as_="market")


def head(client) -> int:
    return client.container.app.recorder.max_notification_id() or 0


def history(client, uscc: str = FUJIAN) -> list[dict]:
    return client.get(f"/api/v1/facilities/{uscc}/events", as_="admin").json


def of_type(client, name: str, uscc: str = FUJIAN) -> list[dict]:
    return [h for h in history(client, uscc) if h["event_type"] == f"PrepaidLedger.{name}"]


def run_clock(client, today: date):
    report = tick(client.container, today)
    client.container.wait_for(head(client))
    return report


def test_deposit_over_twelve_months_bed_fee_is_recorded_and_flagged(pg_client):
    register(pg_client)
    r = receive(pg_client, kind="deposit", resident_ref="R-0001", amount_fen=3_600_000,
                monthly_bed_fee_fen=300_000)
    assert r.status_code == 201 and r.json["data"]["violations"] == []  # exactly 12 months' bed fee
    r = receive(pg_client, kind="deposit", resident_ref="R-0002", amount_fen=3_700_000,
                monthly_bed_fee_fen=300_000, receipt_no="SJ-0002")
    assert r.status_code == 201, r.json
    assert r.json["data"]["violations"] == ["CN-deposit-12x-bed-fee"]
    received, exceeded = of_type(pg_client, "PrepaymentReceived")[-1], of_type(pg_client, "CapExceeded")
    assert len(exceeded) == 1 and exceeded[0]["aggregate_id"] == received["aggregate_id"]
    assert exceeded[0]["version"] == received["version"] + 1  # the violation follows in the same save
    assert exceeded[0]["payload"] | {"limit": 3_600_000, "actual": 3_700_000, "receipt_no": "SJ-0002"} \
        == exceeded[0]["payload"]
    assert exceeded[0]["payload"]["rule_version"] == "prepaid-caps-2024.1"
    assert exceeded[0]["source"] == "policy:CN-deposit-12x-bed-fee"
    summary = pg_client.get(base()).json
    deposit = next(k for k in summary["kinds"] if k["kind"] == "deposit")
    assert deposit["held_fen"] == 7_300_000 and deposit["custody_coverage_percent"] == 0.0
    assert [(v["rule_id"], v["limit"], v["actual"]) for v in summary["violations"]] == [
        ("CN-deposit-12x-bed-fee", 3_600_000, 3_700_000)]


def test_a_deposit_needs_the_monthly_bed_fee_its_cap_is_measured_against(pg_client):
    register(pg_client)
    r = receive(pg_client, kind="deposit", resident_ref="R-0001", amount_fen=100_000)
    assert r.status_code == 422 and "CN-deposit-12x-bed-fee" in r.json["fields"]["monthly_bed_fee_fen"][0]
    assert of_type(pg_client, "PrepaymentReceived") == []


def test_ningxia_caps_service_fees_at_six_months(pg_client):
    register(pg_client, NINGXIA, "640104")
    register(pg_client, FUJIAN, "350102")
    six = receive(pg_client, NINGXIA, kind="service_fee", resident_ref="N-1", amount_fen=1_200_000,
                  covers_months=6)
    assert six.status_code == 201 and six.json["data"]["violations"] == []
    seven = receive(pg_client, NINGXIA, kind="service_fee", resident_ref="N-2", amount_fen=1_400_000,
                    covers_months=7)
    assert seven.status_code == 201 and seven.json["data"]["violations"] == ["NX-service-fee-6-months"]
    [violation] = of_type(pg_client, "CapExceeded", NINGXIA)
    assert violation["payload"]["unit"] == "months" and violation["payload"]["limit"] == 6
    elsewhere = receive(pg_client, FUJIAN, kind="service_fee", resident_ref="F-1", amount_fen=1_400_000,
                        covers_months=7)
    assert elsewhere.json["data"]["violations"] == []  # the national cap is 12 months


def test_ningxia_caps_membership_fees_at_four_times_last_years_average_monthly_fee(pg_client):
    register(pg_client, NINGXIA, "640104")
    r = receive(pg_client, NINGXIA, kind="membership_fee", resident_ref="N-1", amount_fen=2_000_000)
    assert r.status_code == 422 and "last_year_avg_monthly_fee_fen" in r.json["fields"]
    r = receive(pg_client, NINGXIA, kind="membership_fee", resident_ref="N-1", amount_fen=2_000_000,
                last_year_avg_monthly_fee_fen=400_000)
    assert r.json["data"]["violations"] == ["NX-membership-fee-4x-avg-monthly-fee"]


def test_beijing_caps_service_fees_at_three_months(pg_client):
    register(pg_client, BEIJING, "110105")
    r = receive(pg_client, BEIJING, kind="service_fee", resident_ref="B-1", amount_fen=800_000,
                covers_months=4)
    assert r.json["data"]["violations"] == ["BJ-service-fee-3-months"]


def test_refund_larger_than_balance_is_refused_and_nothing_written(pg_client):
    register(pg_client)
    receive(pg_client, kind="deposit", resident_ref="R-0001", amount_fen=100_000, monthly_bed_fee_fen=300_000)
    before, summary = head(pg_client), pg_client.get(base()).json
    for body in (
        {"kind": "deposit", "resident_ref": "R-0001", "amount_fen": 100_001},
        {"kind": "service_fee", "resident_ref": "R-0001", "amount_fen": 1},
        {"kind": "deposit", "resident_ref": "R-0002", "amount_fen": 1},
    ):
        r = pg_client.post(f"{base()}/refunds", body, as_="market")
        assert r.status_code == 422 and "exceeds the resident's" in r.json["fields"]["amount_fen"][0], r.json
    assert head(pg_client) == before and pg_client.get(base()).json == summary
    r = pg_client.post(f"{base()}/refunds",
                       {"kind": "deposit", "resident_ref": "R-0001", "amount_fen": 100_000}, as_="market")
    assert r.status_code == 201
    assert pg_client.get(base()).json["kinds"][0]["held_fen"] == 0


def test_float_or_negative_money_is_422(pg_client):
    register(pg_client)
    before = head(pg_client)
    for bad in (1500.5, 1500.0, -1, 0, "1500", True, None):
        r = receive(pg_client, kind="deposit", resident_ref="R-0001", amount_fen=bad,
                    monthly_bed_fee_fen=300_000)
        assert r.status_code == 422 and "amount_fen" in r.json["fields"], (bad, r.json)
    r = receive(pg_client, kind="deposit", resident_ref="R-0001", amount_fen=100, monthly_bed_fee_fen=2.5)
    assert r.status_code == 422 and "no floats" in r.json["fields"]["monthly_bed_fee_fen"][0]
    r = pg_client.post(f"{base()}/custody-deposits", {"kind": "deposit", "amount_fen": -5}, as_="market")
    assert r.status_code == 422 and "must not be negative" in r.json["fields"]["amount_fen"][0]
    assert head(pg_client) == before


def test_a_resident_id_number_is_refused_as_a_resident_reference_and_never_stored(pg_client):
    register(pg_client)
    before = head(pg_client)
    r = receive(pg_client, kind="service_fee", resident_ref="11010519491231002X", amount_fen=100,
                covers_months=1)
    assert r.status_code == 422 and "ID number" in r.json["fields"]["resident_ref"][0]
    assert "11010519491231002X" not in r.get_data(as_text=True)
    assert head(pg_client) == before


def test_receipts_need_a_registered_open_facility(pg_client):
    r = receive(pg_client, kind="service_fee", resident_ref="R-1", amount_fen=100, covers_months=1)
    assert r.status_code == 404
    assert pg_client.get(base()).status_code == 404
    register(pg_client)
    assert pg_client.post(f"/api/v1/facilities/{FUJIAN}/exit", {"reason": "停业"}).status_code == 201
    r = receive(pg_client, kind="service_fee", resident_ref="R-1", amount_fen=100, covers_months=1)
    assert r.status_code == 409 and r.json["fields"] == {"uscc": ["facility closed"]}
    assert pg_client.post(f"{base()}/receipts", {"kind": "service_fee"}, as_="fire").status_code == 403


def test_an_uncustodied_balance_over_the_threshold_is_signalled_once_per_episode(pg_client):
    register(pg_client)
    for i, amount in enumerate((6_000_000, 5_000_000, 1_000_000)):  # 10万元 crossed on the second
        receive(pg_client, kind="membership_fee", resident_ref=f"M-{i}", amount_fen=amount)
    assert [s["payload"]["details"]["uncustodied_fen"] for s in of_type(pg_client, "RiskSignalRaised")] \
        == [11_000_000]
    r = pg_client.post(f"{base()}/custody-deposits", {"kind": "membership_fee", "amount_fen": 3_000_000,
                                                      "bank": "福州银行"}, as_="market")
    assert r.status_code == 201
    assert len(of_type(pg_client, "RiskSignalCleared")) == 1
    summary = pg_client.get(base()).json
    assert summary["risk_signals"] == [] and summary["custody_coverage_percent"] == 25.0
    receive(pg_client, kind="membership_fee", resident_ref="M-9", amount_fen=2_000_000)
    assert len(of_type(pg_client, "RiskSignalRaised")) == 2  # a new episode
    active = pg_client.get("/api/v1/prepaid/risk-signals?active=true", as_="civil_affairs").json
    assert [s["signal"] for s in active] == ["uncustodied_balance"]


def test_a_refund_not_paid_by_its_due_date_is_overdue_once_and_signals_risk(pg_client):
    register(pg_client)
    receive(pg_client, kind="deposit", resident_ref="R-0001", amount_fen=600_000, monthly_bed_fee_fen=300_000)
    r = pg_client.post(f"{base()}/refunds-due", {
        "kind": "deposit", "resident_ref": "R-0001", "amount_fen": 600_000, "due_on": "2026-11-10",
        "reason": "退住", "due_ref": "TZ-1", "occurred_on": "2026-11-03"}, as_="civil_affairs")
    assert r.status_code == 201, r.json
    assert run_clock(pg_client, date(2026, 11, 10)).appended == 0
    assert run_clock(pg_client, date(2026, 11, 11)).appended == 1
    assert run_clock(pg_client, date(2026, 11, 12)).appended == 0
    r = pg_client.post(f"{base()}/refunds-due/TZ-1/overdue", {"due_on": "2026-11-10", "today": "2026-11-12"},
                       as_="system")
    assert r.status_code == 409
    [overdue] = of_type(pg_client, "RefundOverdue")
    assert overdue["occurred_on"] == "2026-11-11" and overdue["payload"]["outstanding_fen"] == 600_000
    [signal] = of_type(pg_client, "RiskSignalRaised")
    assert signal["payload"]["signal"] == "refunds_overdue"
    assert pg_client.get(base()).json["refunds_overdue"] == 1
    r = pg_client.post(f"{base()}/refunds", {
        "kind": "deposit", "resident_ref": "R-0001", "amount_fen": 600_000, "due_ref": "TZ-1"}, as_="market")
    assert r.status_code == 201
    assert [s["payload"]["signal"] for s in of_type(pg_client, "RiskSignalCleared")] == ["refunds_overdue"]
    assert pg_client.get(base()).json["refunds_due_open"] == 0


def test_receipts_outpacing_residents_raise_a_signal(pg_client):
    register(pg_client)
    for i in range(4):  # the previous 90 days: four residents, 5万元 each
        receive(pg_client, kind="service_fee", resident_ref=f"P-{i}", amount_fen=5_000_000, covers_months=12,
                occurred_on=f"2026-06-0{i + 1}")
    assert of_type(pg_client, "RiskSignalRaised") == []
    for i in range(4):  # the last 90 days: as many residents, three times the money
        receive(pg_client, kind="service_fee", resident_ref=f"C-{i}", amount_fen=15_000_000, covers_months=12,
                occurred_on=f"2026-11-1{i}")
    # raised once, when the third receipt took the money to 9/4 of the previous window
    # while paying residents stood at 3/4 of it; the fourth receipt raises nothing new
    [signal] = of_type(pg_client, "RiskSignalRaised")
    assert signal["payload"]["signal"] == "receipts_outpace_residents"
    details = signal["payload"]["details"]
    assert (details["receipts_growth"], details["residents_growth"]) == ("9/4", "3/4")
    assert signal["occurred_on"] == "2026-11-12"


def test_the_public_summary_shows_no_resident_references(pg_client):
    register(pg_client)
    receive(pg_client, kind="deposit", resident_ref="R-SECRET-7", amount_fen=3_700_000,
            monthly_bed_fee_fen=300_000)
    public = pg_client.get(base())
    assert public.status_code == 200 and "R-SECRET-7" not in public.get_data(as_text=True)
    assert pg_client.get(f"{base()}/residents").status_code == 401
    assert pg_client.get(f"{base()}/residents", as_="fire").status_code == 403
    detail = pg_client.get(f"{base()}/residents", as_="market").json
    assert [(b["resident_ref"], b["held_fen"]) for b in detail["balances"]] == [("R-SECRET-7", 3_700_000)]
    violations = pg_client.get("/api/v1/prepaid/violations", as_="civil_affairs").json
    assert [v["resident_ref"] for v in violations] == ["R-SECRET-7"]
