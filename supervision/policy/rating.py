"""Supervision rating (ours): A/B/C/D from points per fact in a rolling window (DOMAIN.md "Grades").

Every figure here is a **(default)**: a city may change points, window or bands by adding a new policy
version; ratings record the version they were computed with, and each deduction names its rule id.
The rating feeds the spot-check draw (国发〔2019〕5号: sampling ratio by credit risk).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import date, timedelta

from supervision.policy.periods import add_months

# fact codes (one per kind of event that costs points)
SPOT_CHECK_FAILED = "spot_check_failed"
SPOT_CHECK_PROBLEMS = "spot_check_problems_found"
FIRE_HAZARD = "fire_hazard"
MAJOR_FIRE_HAZARD = "major_fire_hazard"
RECTIFICATION_OVERDUE = "rectification_overdue"
PREPAID_VIOLATION = "prepaid_fee_violation"
COMPLAINT_SUBSTANTIATED = "complaint_substantiated"
ABUSE_COMPLAINT_SUBSTANTIATED = "abuse_complaint_substantiated"
# duties of the supervised (rating-2026.2): incidents, reports, supervisory interviews (约谈)
INCIDENT_REPORTED_LATE = "incident_reported_late"
INCIDENT_RESPONSIBILITY = "incident_responsibility"  # main or direct responsibility found
DUTY_REPORT_MISSING = "duty_report_missing"
INTERVIEW_HELD = "interview_held"
INTERVIEW_NOT_ATTENDED = "interview_not_attended"
INTERVIEW_COMMITMENT_OVERDUE = "interview_commitment_overdue"

KEY = "key"  # a listing in force: key supervision in the draw


@dataclass(frozen=True)
class RatingPolicy:
    id: str
    version: str
    legal_basis: str
    window_months: int
    start_score: int
    #: (minimum score, level), best first; below the last minimum is the floor level
    bands: tuple[tuple[int, str], ...]
    floor_level: str
    points: dict[str, int]
    #: spot-check conclusions that count as failed / as problems found
    failed_conclusions: tuple[str, ...]
    problem_conclusions: tuple[str, ...]
    #: complaint outcomes that count as substantiated, and the category that counts as abuse
    substantiated_outcomes: tuple[str, ...]
    abuse_category: str
    listed_level: str = "D"
    notes: tuple[str, ...] = field(default_factory=tuple)

    def counting_period(self, fact_on: date) -> tuple[date, date]:
        """[valid_from, valid_to): a fact counts from its day through the same day `window_months`
        later (the start day not counted, 民法典 第二百零一条), and no longer after that."""
        return fact_on, add_months(fact_on, self.window_months) + timedelta(days=1)

    def counts_on(self, fact_on: date, as_of: date) -> bool:
        valid_from, valid_to = self.counting_period(fact_on)
        return valid_from <= as_of < valid_to

    def level_for(self, score: int) -> str:
        for minimum, level in self.bands:
            if score >= minimum:
                return level
        return self.floor_level

    def rate(self, deductions: Iterable[int], listed: bool) -> tuple[int, str]:
        """Score and level from the deductions counting on a date; a listing in force means D."""
        score = self.start_score + sum(deductions)
        return score, (self.listed_level if listed else self.level_for(score))

    def fact_for_spot_check(self, conclusion: str) -> str | None:
        if conclusion in self.failed_conclusions:
            return SPOT_CHECK_FAILED
        if conclusion in self.problem_conclusions:
            return SPOT_CHECK_PROBLEMS
        return None

    def fact_for_complaint(self, outcome: str, category: str | None) -> str | None:
        if outcome not in self.substantiated_outcomes:
            return None
        return ABUSE_COMPLAINT_SUBSTANTIATED if category == self.abuse_category else COMPLAINT_SUBSTANTIATED


RATING_2026 = RatingPolicy(
    id="supervision_rating",
    version="rating-2026.1",
    legal_basis=(
        "国发〔2019〕5号 双随机、一公开（按信用风险确定抽查比例和频次）; 国办发〔2020〕48号 养老服务综合监管"
        "（信用监管、重点监管）; 民发〔2019〕103号（列入名单者实施重点监管）; 分值、窗口与分档为本系统默认值"
    ),
    window_months=24,
    start_score=100,
    bands=((90, "A"), (75, "B"), (60, "C")),
    floor_level="D",
    points={
        SPOT_CHECK_FAILED: -20,
        SPOT_CHECK_PROBLEMS: -5,
        FIRE_HAZARD: -5,
        MAJOR_FIRE_HAZARD: -20,
        RECTIFICATION_OVERDUE: -15,
        PREPAID_VIOLATION: -10,
        COMPLAINT_SUBSTANTIATED: -10,
        ABUSE_COMPLAINT_SUBSTANTIATED: -30,
    },
    failed_conclusions=("problems_follow_up", "refused"),
    problem_conclusions=("problems_rectification_ordered",),
    substantiated_outcomes=("substantiated", "partly_substantiated"),
    abuse_category="abuse_cheating",
    notes=(
        "start 100: A ≥ 90, B ≥ 75, C ≥ 60, else D",
        "a fact counts through the same day 24 months after it occurred",
        "any listing in force (key attention or joint punishment) rates the facility D and makes it "
        "'key' in the spot-check draw",
    ),
)

#: rating-2026.2 adds the duties of the supervised; every figure of 2026.1 is unchanged (defaults)
RATING_2026_2 = replace(
    RATING_2026,
    version="rating-2026.2",
    legal_basis=RATING_2026.legal_basis + "; 民发〔2019〕103号 列入情形第（5）（8）项; "
    "seed 001 建立完善养老服务安全监管约谈制度",
    points={
        **RATING_2026.points,
        INCIDENT_REPORTED_LATE: -10,
        INCIDENT_RESPONSIBILITY: -30,
        DUTY_REPORT_MISSING: -5,
        INTERVIEW_HELD: -5,
        INTERVIEW_NOT_ATTENDED: -15,
        INTERVIEW_COMMITMENT_OVERDUE: -10,
    },
    notes=(
        *RATING_2026.notes,
        "duties: incident reported late -10, main/direct responsibility for an incident -30, periodic or "
        "annual report missing -5, supervisory interview held -5, not attended -15, commitment overdue -10",
    ),
)

RATING_POLICIES: dict[str, RatingPolicy] = {p.version: p for p in (RATING_2026, RATING_2026_2)}
CURRENT_RATING = RATING_2026_2
