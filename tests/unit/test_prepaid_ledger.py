"""The PrepaidLedger aggregate's rules (in memory, no store)."""

from datetime import date

import pytest

from supervision.domain.errors import Conflict, InvalidValue
from supervision.domain.prepaid import PrepaidLedger, resident_ref
from supervision.domain.values import Actor

SJ = Actor("sj", "SCJG-140500", "market")
ON = date(2026, 11, 1)


def ledger() -> PrepaidLedger:
    led = PrepaidLedger.open(uscc="91350100M000100Y43", region_code="350102", occurred_on=ON, actor=SJ,
                             source="api")
    led.receive(receipt_no="R1", kind="deposit", resident_ref="A-1", amount_fen=100_000, covers_months=None,
                monthly_bed_fee_fen=300_000, last_year_avg_monthly_fee_fen=None, occurred_on=ON, actor=SJ,
                source="api")
    return led


def test_resident_references_may_not_be_id_or_phone_numbers():
    assert resident_ref(" A-0001 ") == "A-0001"
    for personal in ("11010519491231002X", "13800138000"):
        with pytest.raises(InvalidValue):
            resident_ref(personal)


def test_a_refund_cannot_exceed_what_that_resident_holds_of_that_kind():
    led = ledger()
    with pytest.raises(InvalidValue) as err:
        led.refund(refund_no="F1", kind="deposit", resident_ref="A-1", amount_fen=100_001, due_ref=None,
                   from_custody=False, occurred_on=ON, actor=SJ, source="api")
    assert err.value.field == "amount_fen"
    with pytest.raises(InvalidValue):
        led.refund(refund_no="F1", kind="service_fee", resident_ref="A-1", amount_fen=1, due_ref=None,
                   from_custody=False, occurred_on=ON, actor=SJ, source="api")
    led.refund(refund_no="F1", kind="deposit", resident_ref="A-1", amount_fen=100_000, due_ref=None,
               from_custody=False, occurred_on=ON, actor=SJ, source="api")
    assert led.balance("deposit", "A-1") == 0


def test_entry_numbers_are_unique_per_ledger():
    led = ledger()
    with pytest.raises(Conflict):
        led.receive(receipt_no="R1", kind="deposit", resident_ref="A-2", amount_fen=1, covers_months=None,
                    monthly_bed_fee_fen=1, last_year_avg_monthly_fee_fen=None, occurred_on=ON, actor=SJ,
                    source="api")


def test_money_is_whole_positive_fen():
    led = ledger()
    for bad in (1.5, -1, 0, True):
        with pytest.raises(InvalidValue):
            led.deposit_custody(deposit_no="C1", kind="deposit", amount_fen=bad, arrangement="bank_custody",
                                bank="", occurred_on=ON, actor=SJ, source="api")


def test_a_risk_signal_is_raised_once_per_episode():
    led = ledger()
    args = dict(signal="uncustodied_balance", rule_id="r", rule_version="1", occurred_on=ON, actor=SJ,
                source="policy:r")
    assert led.raise_risk_signal(details={}, **args) is True
    assert led.raise_risk_signal(details={}, **args) is False
    assert led.clear_risk_signal(**args) is True and led.clear_risk_signal(**args) is False
    assert led.raise_risk_signal(details={}, **args) is True


def test_a_refund_due_is_overdue_once_unless_paid():
    led = ledger()
    led.record_refund_due(due_ref="D1", kind="deposit", resident_ref="A-1", amount_fen=60_000,
                          due_on=date(2026, 11, 10), reason="退住", occurred_on=ON, actor=SJ, source="api")
    with pytest.raises(InvalidValue):
        led.mark_refund_overdue(due_ref="D1", due_on=date(2026, 11, 10), today=date(2026, 11, 10), actor=SJ,
                                source="clock")
    led.mark_refund_overdue(due_ref="D1", due_on=date(2026, 11, 10), today=date(2026, 11, 11), actor=SJ,
                            source="clock")
    assert [d["amount_fen"] for d in led.overdue_refunds()] == [60_000]
    with pytest.raises(Conflict):
        led.mark_refund_overdue(due_ref="D1", due_on=date(2026, 11, 10), today=date(2026, 11, 12), actor=SJ,
                                source="clock")
    led.refund(refund_no="F1", kind="deposit", resident_ref="A-1", amount_fen=60_000, due_ref="D1",
               from_custody=False, occurred_on=date(2026, 11, 12), actor=SJ, source="api")
    assert led.overdue_refunds() == []
