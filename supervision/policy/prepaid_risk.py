"""Risk signals of illegal fund-raising (非法集资) in prepaid fees — DOMAIN.md defaults, as data.

Three signals, each a pure function over the ledger's figures returning a `Finding` (or None):

* `uncustodied_balance`: deposits and membership fees held but neither in bank custody nor covered
  by the risk reserve exceed a threshold (民发〔2024〕19号 requires custody or a risk reserve).
* `refunds_overdue`: at least N refunds are past their due date and unpaid (a facility that ends or
  suspends service must refund what is due).
* `receipts_outpace_residents`: over the last `window_days` (ending on the day evaluated) the prepaid
  receipts are at least `min_receipts_fen`, at least `receipts_growth` times those of the window
  before, and grew at least `outpace_factor` times as fast as the number of distinct paying residents:
  ``cur_fen / prev_fen ≥ outpace_factor × cur_residents / prev_residents``. Money collected faster than
  people arrive is the fund-raising pattern; a facility without a previous window has no baseline and
  is left to the custody signal.

The application raises a signal once per episode and clears it when the finding no longer holds.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from fractions import Fraction
from typing import Any


@dataclass(frozen=True)
class RiskPolicy:
    id: str
    version: str
    legal_basis: str
    uncustodied_threshold_fen: int
    uncustodied_kinds: tuple[str, ...]
    overdue_refunds_min: int
    window_days: int
    min_receipts_fen: int
    receipts_growth: Fraction
    outpace_factor: Fraction

    def rule_id(self, signal: str) -> str:
        return f"{self.id}:{signal}"


@dataclass(frozen=True)
class Finding:
    signal: str
    details: dict[str, Any] = field(default_factory=dict)


def uncustodied_balance(
    held: Mapping[str, int], custodied: Mapping[str, int], policy: RiskPolicy
) -> Finding | None:
    """Held minus custodied, per kind (never below zero), summed over the kinds that need custody."""
    gaps = {k: max(held.get(k, 0) - custodied.get(k, 0), 0) for k in policy.uncustodied_kinds}
    total = sum(gaps.values())
    if total <= policy.uncustodied_threshold_fen:
        return None
    return Finding("uncustodied_balance", {
        "uncustodied_fen": total, "threshold_fen": policy.uncustodied_threshold_fen,
        **{f"{k}_uncustodied_fen": v for k, v in gaps.items()},
    })


def refunds_overdue(outstanding_fen: Iterable[int], policy: RiskPolicy) -> Finding | None:
    """`outstanding_fen`: what is still owed on each refund that is overdue."""
    amounts = list(outstanding_fen)
    if len(amounts) < policy.overdue_refunds_min:
        return None
    return Finding("refunds_overdue", {
        "overdue_refunds": len(amounts), "outstanding_fen": sum(amounts),
        "min_count": policy.overdue_refunds_min,
    })


def receipts_outpace_residents(
    receipts: Iterable[tuple[date, str, int]], as_of: date, policy: RiskPolicy
) -> Finding | None:
    """`receipts`: (occurred_on, resident_ref, amount_fen) of every prepayment, any kind, any order."""
    window = timedelta(days=policy.window_days)
    cur_start, prev_start = as_of - window, as_of - 2 * window
    cur_fen = prev_fen = 0
    cur_res: set[str] = set()
    prev_res: set[str] = set()
    for on, ref, amount in receipts:
        if cur_start < on <= as_of:
            cur_fen += amount
            cur_res.add(ref)
        elif prev_start < on <= cur_start:
            prev_fen += amount
            prev_res.add(ref)
    if prev_fen == 0 or cur_fen < policy.min_receipts_fen:
        return None
    receipts_growth = Fraction(cur_fen, prev_fen)
    residents_growth = Fraction(len(cur_res), len(prev_res))
    if receipts_growth < policy.receipts_growth or receipts_growth < policy.outpace_factor * residents_growth:
        return None
    return Finding("receipts_outpace_residents", {
        "window_days": policy.window_days, "window_end": as_of.isoformat(),
        "receipts_fen": cur_fen, "previous_receipts_fen": prev_fen,
        "paying_residents": len(cur_res), "previous_paying_residents": len(prev_res),
        "receipts_growth": str(receipts_growth), "residents_growth": str(residents_growth),
    })


PREPAID_RISK = RiskPolicy(
    id="prepaid-risk",
    version="prepaid-risk-2026.1 (default)",
    legal_basis=(
        "民发〔2024〕19号 预收费监管 (资金存管/风险保证金); 防范和处置非法集资条例; DOMAIN.md defaults"
    ),
    uncustodied_threshold_fen=10_000_000,  # 10万元
    uncustodied_kinds=("deposit", "membership_fee"),
    overdue_refunds_min=1,
    window_days=90,
    min_receipts_fen=20_000_000,  # 20万元
    receipts_growth=Fraction(2),
    outpace_factor=Fraction(2),
)
