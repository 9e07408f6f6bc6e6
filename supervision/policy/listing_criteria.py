"""Listing criteria and procedure of 民发〔2019〕103号 养老服务市场失信联合惩戒对象名单管理办法（试行）.

Each criterion is a rule with a stable code (the `conduct` of a `PenaltyDecision`, the `criterion` of a
`Listing`), its legal text, the list it leads to by default and whether a recorded penalty for that
conduct proposes a listing automatically. The procedure figures (objection window, term, credit-repair
wait, measures) are data with a version so a city can change them; past listings keep the version they
were proposed under.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

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


class _Missing(dict[str, Any]):
    """Template values; a value the step did not record shows as "?" instead of failing."""

    def __missing__(self, key: str) -> str:
        return "?"


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

    def check_measures(self, kind: str, measures: list[str]) -> None:
        """Refuse measures the list cannot impose (422 on `measures`).

        The key-attention list (重点关注对象名单) is for conduct only recorded, not punished by a
        decision: it carries key supervision, never the joint-punishment measures (惩戒 such as
        exclusion from grading, subsidies or government purchasing), which 民发〔2019〕103号 ties to the
        joint-punishment list ("谁列入、谁惩戒") and which need a penalty decision behind them. So a
        key-attention listing asking for "no_grading" is refused rather than silently ignored or
        enforced (DOMAIN.md "Which list").
        """
        from supervision.domain.errors import InvalidValue

        allowed = self.measures.get(kind, ())
        refused = [m for m in measures if m not in allowed]
        if refused:
            names = ", ".join(refused)
            if kind == KEY_ATTENTION:
                raise InvalidValue("measures", f"{names}: a key-attention listing carries key supervision "
                                   "only; joint-punishment measures need the joint-punishment list")
            raise InvalidValue("measures", f"{names}: not a measure of the {kind} list")

    def step_basis(self, event_type: str, details: dict[str, Any]) -> dict[str, str]:
        """The provision a listing step applies and its key figure, for `explain` (the legal chain).

        Keyed by the event's name (`Listing.NoticeServed`, ...); figures come from this procedure
        version and from the step's own recorded values (due dates, term, reason).
        """
        name = event_type.rsplit(".", 1)[-1]
        reason = details.get("reason") or ""
        provision, figure = _STEPS.get((name, reason), _STEPS.get((name, ""), ("", "")))
        values = _Missing({k: v for k, v in details.items() if isinstance(v, str | int)})
        values.update(objection=self.objection_working_days, term=self.term_years,
                      repair=self.repair_min_full_years)
        figure = figure.format_map(values)
        return {"source": _SOURCE, "provision": provision, "figure": figure}


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

#: procedures by version: a listing is explained by the procedure it was proposed under
LISTING_PROCEDURES: dict[str, ListingProcedure] = {LISTING_PROCEDURE_2019.version: LISTING_PROCEDURE_2019}

#: (event name, reason) → (provision applied, key figure as a template over the procedure's figures and
#: the step's recorded values). Provisions are named by subject: the 办法's article numbers are not
#: kept here until checked against the published text.
_STEPS: dict[tuple[str, str], tuple[str, str]] = {
    ("Proposed", ""): (
        "列入情形与列入主体：县级以上人民政府民政部门按照“谁监管、谁列入、谁惩戒、谁负责”提出列入",
        "criterion {criterion}; authority {authority}"),
    ("NoticeServed", ""): (
        "列入前书面告知：告知列入的事由、依据和提出异议的权利",
        "objection window {objection} working days, until {objection_due_on} ({due_basis})"),
    ("DeadlineRevised", ""): (
        "期间以工作日计算，按国务院公布的节假日安排（民法典第二百零一条—第二百零三条）",
        "objection window until {due_on} ({basis}), was {old_due_on}"),
    ("ObjectionFiled", ""): ("异议期内提出异议及证据材料", "within {objection} working days of the notice"),
    ("ObjectionDecided", ""): ("民政部门对异议进行核实并作出决定", "upheld: not listed; rejected: listed"),
    ("Listed", ""): ("作出列入决定并公开，列入期限届满自动移出",
                     "term {term} years, {effective_on} through {expires_on}"),
    ("Dropped", "objection_upheld"): ("异议成立的，不予列入", ""),
    ("Dropped", "decision_revoked"): ("据以列入的处罚决定被撤销的，不予列入", ""),
    ("Dropped", ""): ("列入建议撤回，不予列入", ""),
    ("Removed", "expired"): ("列入期限届满，移出名单", "term {term} years ended; out from {ended_on}"),
    ("Removed", "credit_repaired"): (
        "信用修复：列入满规定期限，未再发生严重失信行为或已履行义务、完成整改的，可申请提前移出",
        "at least {repair} full years after listing"),
    ("Removed", "decision_revoked"): ("据以列入的决定被撤销的，立即移出", "removed on {ended_on}"),
    ("Removed", "annulled"): ("列入决定经复议、诉讼被撤销的，立即移出", "removed on {ended_on}"),
}

#: human-readable names of the measures (public output)
MEASURE_TITLES: dict[str, str] = {
    "key_supervision": "列为重点监管对象，提高抽查比例和频次",
    "no_subsidies": "限制或取消政府补贴、资助",
    "no_grading": "不得参加养老机构等级评定",
    "no_government_purchasing": "限制参加政府采购和政府购买服务",
    "shared_with_agencies": "推送有关部门依法实施联合惩戒",
}
