"""Prepaid-fee caps and illegal fund-raising risk rules, as pure functions (no store)."""

from datetime import date, timedelta
from fractions import Fraction

import pytest

from supervision.policy.prepaid_caps import PREPAID_CAPS, CapInput
from supervision.policy.prepaid_risk import (
    PREPAID_RISK,
    receipts_outpace_residents,
    refunds_overdue,
    uncustodied_balance,
)

ON = date(2026, 11, 1)
FUJIAN, NINGXIA, BEIJING = "350102", "640104", "110105"


def deposit(balance_after: int, bed_fee: int = 300_000) -> CapInput:
    return CapInput(kind="deposit", amount_fen=balance_after, balance_after_fen=balance_after,
                    monthly_bed_fee_fen=bed_fee)


def service_fee(months: int) -> CapInput:
    return CapInput(kind="service_fee", amount_fen=100_000 * months, balance_after_fen=100_000 * months,
                    covers_months=months)


def test_a_deposit_of_exactly_twelve_months_bed_fee_is_within_the_national_cap():
    assert PREPAID_CAPS.check(FUJIAN, deposit(12 * 300_000), ON) == []


def test_a_deposit_over_twelve_months_bed_fee_violates_the_national_cap_with_limit_and_actual():
    [v] = PREPAID_CAPS.check(FUJIAN, deposit(12 * 300_000 + 1), ON)
    assert (v.rule_id, v.unit, v.limit, v.actual) == ("CN-deposit-12x-bed-fee", "fen", 3_600_000, 3_600_001)
    assert v.rule_version == PREPAID_CAPS.version and "民发〔2024〕19号" in v.legal_basis


def test_the_deposit_cap_reads_the_residents_balance_so_split_receipts_do_not_escape_it():
    split = CapInput(kind="deposit", amount_fen=1_000_000, balance_after_fen=4_000_000,
                     monthly_bed_fee_fen=300_000)
    assert [v.actual for v in PREPAID_CAPS.check(FUJIAN, split, ON)] == [4_000_000]


@pytest.mark.parametrize(("region", "allowed", "rule"), [
    (FUJIAN, 12, "CN-service-fee-12-months"),
    (NINGXIA, 6, "NX-service-fee-6-months"),
    (BEIJING, 3, "BJ-service-fee-3-months"),
])
def test_service_fees_are_capped_in_months_by_the_strictest_rule_for_the_region(region, allowed, rule):
    assert PREPAID_CAPS.check(region, service_fee(allowed), ON) == []
    [v] = PREPAID_CAPS.check(region, service_fee(allowed + 1), ON)
    assert (v.rule_id, v.unit, v.limit, v.actual) == (rule, "months", allowed, allowed + 1)


def test_ningxia_caps_membership_fees_at_four_times_last_years_average_monthly_fee():
    assert PREPAID_CAPS.required_inputs(NINGXIA, "membership_fee", ON) == {
        "last_year_avg_monthly_fee_fen": "NX-membership-fee-4x-avg-monthly-fee"}
    assert PREPAID_CAPS.required_inputs(FUJIAN, "membership_fee", ON) == {}
    fee = CapInput(kind="membership_fee", amount_fen=1_600_001, balance_after_fen=1_600_001,
                   last_year_avg_monthly_fee_fen=400_000)
    [v] = PREPAID_CAPS.check(NINGXIA, fee, ON)
    assert (v.limit, v.actual) == (1_600_000, 1_600_001)
    assert PREPAID_CAPS.check(FUJIAN, fee, ON) == []


def test_each_cap_names_the_inputs_it_needs():
    assert PREPAID_CAPS.required_inputs(FUJIAN, "deposit", ON) == {
        "monthly_bed_fee_fen": "CN-deposit-12x-bed-fee"}
    assert set(PREPAID_CAPS.required_inputs(NINGXIA, "service_fee", ON)) == {"covers_months"}


def test_uncustodied_deposits_and_membership_fees_above_the_threshold_are_a_signal():
    threshold = PREPAID_RISK.uncustodied_threshold_fen
    held = {"deposit": threshold, "membership_fee": 1, "service_fee": 99 * threshold}
    assert uncustodied_balance(held, {"deposit": 1}, PREPAID_RISK) is None  # exactly at the threshold
    finding = uncustodied_balance(held, {}, PREPAID_RISK)
    assert finding is not None and finding.details["uncustodied_fen"] == threshold + 1
    # custody beyond one kind's balance does not cover another kind
    assert uncustodied_balance(held, {"deposit": 2 * threshold}, PREPAID_RISK) is None
    assert uncustodied_balance({"membership_fee": threshold + 1}, {"deposit": threshold}, PREPAID_RISK)


def test_one_overdue_refund_is_a_signal_by_default():
    assert refunds_overdue([], PREPAID_RISK) is None
    finding = refunds_overdue([50_000, 20_000], PREPAID_RISK)
    assert finding is not None and finding.details == {"overdue_refunds": 2, "outstanding_fen": 70_000,
                                                       "min_count": 1}


def receipts(start: date, count: int, residents: int, amount: int) -> list[tuple[date, str, int]]:
    return [(start + timedelta(days=i), f"R{i % residents}", amount) for i in range(count)]


AS_OF = date(2026, 11, 20)
PREVIOUS = date(2026, 6, 1)  # inside (as_of − 180, as_of − 90]
CURRENT = date(2026, 10, 1)  # inside (as_of − 90, as_of]


def test_receipts_tripling_with_the_same_residents_outpace_them():
    history = receipts(PREVIOUS, 4, 4, 5_000_000) + receipts(CURRENT, 4, 4, 15_000_000)
    finding = receipts_outpace_residents(history, AS_OF, PREPAID_RISK)
    assert finding is not None
    assert finding.details["receipts_growth"] == "3" and finding.details["residents_growth"] == "1"


def test_receipts_growing_with_the_residents_are_no_signal():
    history = receipts(PREVIOUS, 4, 4, 5_000_000) + receipts(CURRENT, 12, 12, 5_000_000)
    assert receipts_outpace_residents(history, AS_OF, PREPAID_RISK) is None


def test_receipts_merely_doubling_need_twice_the_residents_growth():
    # receipts ×2, residents ×1.5: 2 < 2 × 1.5
    history = receipts(PREVIOUS, 4, 4, 5_000_000) + receipts(CURRENT, 6, 6, 6_666_667)
    assert receipts_outpace_residents(history, AS_OF, PREPAID_RISK) is None
    # receipts ×2, residents ×1: 2 ≥ 2 × 1
    history = receipts(PREVIOUS, 4, 4, 5_000_000) + receipts(CURRENT, 4, 4, 10_000_000)
    assert receipts_outpace_residents(history, AS_OF, PREPAID_RISK) is not None


def test_small_amounts_or_no_previous_window_are_no_signal():
    small = receipts(PREVIOUS, 1, 1, 100) + receipts(CURRENT, 1, 1, 10_000)
    assert receipts_outpace_residents(small, AS_OF, PREPAID_RISK) is None
    assert receipts_outpace_residents(receipts(CURRENT, 4, 1, 50_000_000), AS_OF, PREPAID_RISK) is None


def test_the_policy_is_versioned_data_with_its_basis():
    assert PREPAID_RISK.version and "民发〔2024〕19号" in PREPAID_RISK.legal_basis
    assert PREPAID_RISK.outpace_factor == Fraction(2)
    assert all(c.source_text and c.legal_basis for c in PREPAID_CAPS.caps)
