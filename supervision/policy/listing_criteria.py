"""Listing criteria and procedure of 民发〔2019〕103号 养老服务市场失信联合惩戒对象名单管理办法（试行）.

Each criterion is a rule with a stable code (the `conduct` of a `PenaltyDecision`, the `criterion` of a
`Listing`), its legal text, the list it leads to by default and whether a recorded penalty for that
conduct proposes a listing automatically. The procedure figures (objection window, term, credit-repair
wait, measures) are data with a version so a city can change them; past listings keep the version they
were proposed under.
"""

from __future__ import annotations

from dataclasses import dataclass, field

JOINT_PUNISHMENT = "joint_punishment"  # 失信联合惩戒对象名单
KEY_ATTENTION = "key_attention"  # 重点关注对象名单
LIST_KINDS = (JOINT_PUNISHMENT, KEY_ATTENTION)

_SOURCE = "民发〔2019〕103号《养老服务市场失信联合惩戒对象名单管理办法（试行）》"


@dataclass(frozen=True)
class Criterion:
    code: str
    number: int  # item of the 办法's list; 0 for the court finding (失信被执行人)
    title: str
    legal_basis: str
    default_kind: str = JOINT_PUNISHMENT
    #: a `PenaltyDecision` for this conduct proposes a listing without a regulator's hand
    auto_on_penalty: bool = True


def _item(number: int, text: str) -> str:
    return f"{_SOURCE} 列入情形第（{number}）项：{text}"


CRITERIA: tuple[Criterion, ...] = (
    Criterion("beyond_scope", 1, "超出章程规定的宗旨和业务范围进行活动",
              _item(1, "超出章程规定的宗旨和业务范围进行活动的")),
    Criterion("abuse_cheating", 2, "因养老服务行为侵害老年人合法权益（虐老、欺老）",
              _item(2, "因养老服务行为侵害老年人合法权益的")),
    Criterion("fraud_fundraising", 3, "以非法集资或欺骗手段销售“保健”产品等方式诈骗老年人财物",
              _item(3, "以非法集资或者欺骗手段销售“保健”产品等方式诈骗老年人财物的")),
    Criterion("major_fire_hazard_overdue", 4, "存在重大火灾隐患，无故拖延，逾期不改",
              _item(4, "存在重大火灾隐患，无故拖延，逾期不改的")),
    Criterion("safety_accident", 5, "对发生的安全事故负有主要或者直接责任",
              _item(5, "对发生的安全事故负有主要或者直接责任的")),
    Criterion("subsidy_fraud", 6, "虚报冒领等方式骗取政府补贴资金等涉及财政资金违法行为",
              _item(6, "存在采取虚报冒领等方式骗取政府补贴资金等涉及财政资金违法行为的")),
    Criterion("obstructing_inspection", 7, "拒不接受或不按规定接受监督检查，或检查时隐瞒真实情况、弄虚作假",
              _item(7, "拒不接受或者不按照规定接受监督检查，或者在接受监督检查时隐瞒真实情况、弄虚作假的")),
    Criterion("disclosure_failure", 8, "不按照规定报送年度工作报告、履行信息公开义务",
              _item(8, "不按照规定报送年度工作报告、履行信息公开义务的")),
    Criterion("other_serious", 9, "其他违反养老服务管理有关规定的严重违法失信情形",
              _item(9, "其他违反养老服务管理有关规定的严重违法失信情形"), auto_on_penalty=False),
    Criterion("court_defaulter", 0, "被人民法院认定为失信被执行人",
              f"{_SOURCE}：养老服务机构和从业人员被人民法院认定为失信被执行人的，应当列入联合惩戒对象名单"),
)

CRITERIA_BY_CODE: dict[str, Criterion] = {c.code: c for c in CRITERIA}
CRITERION_CODES: tuple[str, ...] = tuple(CRITERIA_BY_CODE)


def criterion(code: str) -> Criterion:
    """The criterion with this code; KeyError names the known codes."""
    try:
        return CRITERIA_BY_CODE[code]
    except KeyError:
        raise KeyError(f"unknown listing criterion {code!r}; known: {', '.join(CRITERION_CODES)}") from None


@dataclass(frozen=True)
class ListingProcedure:
    """The figures of the listing procedure (DOMAIN.md "Credit lists"; (default) marks local choice)."""

    id: str
    version: str
    legal_basis: str
    objection_working_days: int = 5  # (default)
    term_years: int = 3  # (default)
    repair_min_full_years: int = 2
    measures: dict[str, tuple[str, ...]] = field(default_factory=dict)

    def default_measures(self, kind: str) -> list[str]:
        return list(self.measures.get(kind, ()))


LISTING_PROCEDURE_2019 = ListingProcedure(
    id="listing_procedure",
    version="民发〔2019〕103号#1",
    legal_basis=(
        f"{_SOURCE}：列入前书面告知、异议期（默认5个工作日）、列入期限（默认3年）、"
        "列入满2年后可申请提前移出（未再发生严重违法失信行为或已履行义务、完成整改），"
        "据以列入的决定被撤销的立即移出；谁监管、谁列入、谁惩戒、谁负责"
    ),
    measures={
        JOINT_PUNISHMENT: (
            "key_supervision",  # 列为重点监管对象，提高抽查比例和频次
            "no_subsidies",  # 限制或取消政府补贴、资助
            "no_grading",  # 不得参加等级评定
            "no_government_purchasing",  # 限制参加政府采购、政府购买服务
            "shared_with_agencies",  # 推送相关部门实施联合惩戒
        ),
        KEY_ATTENTION: ("key_supervision",),
    },
)

#: human-readable names of the measures (public output)
MEASURE_TITLES: dict[str, str] = {
    "key_supervision": "列为重点监管对象，提高抽查比例和频次",
    "no_subsidies": "限制或取消政府补贴、资助",
    "no_grading": "不得参加养老机构等级评定",
    "no_government_purchasing": "限制参加政府采购和政府购买服务",
    "shared_with_agencies": "推送有关部门依法实施联合惩戒",
}
