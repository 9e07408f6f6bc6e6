"""Caps on prepaid fees (预收费用): national 民发〔2024〕19号 and stricter provincial rules.

Data with its source, not code: a province adds a `Cap` keyed by its region-code prefix. For each
kind and measure the strictest cap in force for the facility's region binds (a province may tighten
the national cap, never loosen it). A receipt over the binding cap is still recorded — it happened —
and a `CapExceeded` violation naming the rule and this policy's version follows in the same save.

Measures:
* `bed_fee_multiple`: the resident's balance of that kind after the receipt ≤ limit × the monthly bed
  fee (月床位费) given with the receipt. Balances, not single receipts, so splitting a deposit into
  several receipts does not escape the cap.
* `months_covered`: the period a prepaid service fee covers (`covers_months` on the receipt) ≤ limit.
* `avg_monthly_fee_multiple`: balance after the receipt ≤ limit × last year's average monthly fee.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

MEASURE_INPUTS = {
    "bed_fee_multiple": "monthly_bed_fee_fen",
    "months_covered": "covers_months",
    "avg_monthly_fee_multiple": "last_year_avg_monthly_fee_fen",
}
UNITS = {"bed_fee_multiple": "fen", "months_covered": "months", "avg_monthly_fee_multiple": "fen"}


@dataclass(frozen=True)
class Cap:
    rule_id: str
    kind: str
    measure: str
    limit: int
    #: "" for a national rule; "64" (宁夏), "11" (北京), or a city prefix such as "6401"
    region_prefix: str
    legal_basis: str
    #: the rule as the source states it (paraphrased from the cited document)
    source_text: str
    effective_from: date | None = None

    def applies(self, region_code: str, on: date) -> bool:
        in_force = self.effective_from is None or on >= self.effective_from
        return in_force and region_code.startswith(self.region_prefix)


@dataclass(frozen=True)
class CapInput:
    """What the caps read of one receipt."""

    kind: str
    amount_fen: int
    balance_after_fen: int
    covers_months: int | None = None
    monthly_bed_fee_fen: int | None = None
    last_year_avg_monthly_fee_fen: int | None = None


@dataclass(frozen=True)
class Violation:
    rule_id: str
    rule_version: str
    kind: str
    measure: str
    unit: str
    limit: int
    actual: int
    legal_basis: str


@dataclass(frozen=True)
class CapPolicy:
    id: str
    version: str
    caps: tuple[Cap, ...]

    def binding(self, region_code: str, kind: str, on: date) -> list[Cap]:
        """Per measure, the strictest cap in force for this region and kind."""
        best: dict[str, Cap] = {}
        for cap in self.caps:
            if cap.kind != kind or not cap.applies(region_code, on):
                continue
            current = best.get(cap.measure)
            if current is None or cap.limit < current.limit or (
                cap.limit == current.limit and len(cap.region_prefix) > len(current.region_prefix)
            ):
                best[cap.measure] = cap
        return [best[m] for m in sorted(best)]

    def required_inputs(self, region_code: str, kind: str, on: date) -> dict[str, str]:
        """Receipt fields the binding caps need, each with the rule that needs it."""
        return {MEASURE_INPUTS[c.measure]: c.rule_id for c in self.binding(region_code, kind, on)}

    def check(self, region_code: str, receipt: CapInput, on: date) -> list[Violation]:
        out: list[Violation] = []
        for cap in self.binding(region_code, receipt.kind, on):
            limit, actual = _limit_and_actual(cap, receipt)
            if actual > limit:
                out.append(Violation(cap.rule_id, self.version, cap.kind, cap.measure, UNITS[cap.measure],
                                     limit, actual, cap.legal_basis))
        return out


def _limit_and_actual(cap: Cap, receipt: CapInput) -> tuple[int, int]:
    base = getattr(receipt, MEASURE_INPUTS[cap.measure])
    if base is None:
        raise ValueError(f"{cap.rule_id} needs {MEASURE_INPUTS[cap.measure]} on the receipt")
    if cap.measure == "months_covered":
        return cap.limit, base
    return cap.limit * base, receipt.balance_after_fen


#: 民政部等7部门, 2024; the seeds cite it as the national 预收费 rules (seeds 001, 003: 预付费管理办法)
NATIONAL = "民发〔2024〕19号《关于加强养老机构预收费监管的指导意见》"

PREPAID_CAPS = CapPolicy(
    id="prepaid-caps",
    version="prepaid-caps-2024.1",
    caps=(
        Cap(
            rule_id="CN-deposit-12x-bed-fee",
            kind="deposit",
            measure="bed_fee_multiple",
            limit=12,
            region_prefix="",
            legal_basis=NATIONAL,
            source_text="押金最高不得超过老年人月床位费的12倍",
        ),
        Cap(
            rule_id="CN-service-fee-12-months",
            kind="service_fee",
            measure="months_covered",
            limit=12,
            region_prefix="",
            legal_basis=NATIONAL,
            source_text="预收服务费的收取周期最长不得超过12个月",
        ),
        Cap(
            rule_id="NX-service-fee-6-months",
            kind="service_fee",
            measure="months_covered",
            limit=6,
            region_prefix="64",
            legal_basis="宁夏回族自治区 养老机构预收费管理规定 (as cited in DOMAIN.md)",
            source_text="预收服务费的收取周期最长不得超过6个月",
        ),
        Cap(
            rule_id="NX-membership-fee-4x-avg-monthly-fee",
            kind="membership_fee",
            measure="avg_monthly_fee_multiple",
            limit=4,
            region_prefix="64",
            legal_basis="宁夏回族自治区 养老机构预收费管理规定 (as cited in DOMAIN.md)",
            source_text="会员费不得超过上年度月平均收费标准的4倍",
        ),
        Cap(
            rule_id="BJ-service-fee-3-months",
            kind="service_fee",
            measure="months_covered",
            limit=3,
            region_prefix="11",
            legal_basis="北京市 养老服务机构预收费管理规定 (as cited in DOMAIN.md)",
            source_text="预收服务费的收取周期最长不得超过3个月",
        ),
    ),
)
