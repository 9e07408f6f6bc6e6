"""等级评定 (GB/T 37276-2018) as local rules apply it: level thresholds on 1,000 points.

Kept as data with a version and its source so a city can change the figures without code changes;
past `GradeAssessed` events keep the version they were checked against.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class GradingPolicy:
    id: str
    version: str
    legal_basis: str
    #: minimum total score per level (1 = lowest, 5 = best)
    min_total: dict[int, int]
    #: maxima of the four parts; each part must reach the level's share of its maximum
    part_maxima: dict[str, int]
    min_part_share: dict[int, float]
    validity_years: int = 3
    reassessment_window_months: int = 6
    notes: tuple[str, ...] = field(default_factory=tuple)

    def check(self, level: int, score: int, parts: dict[str, int] | None = None) -> list[str]:
        """Return the reasons why `level` is not supported by the scores (empty when it is)."""
        problems: list[str] = []
        if level not in self.min_total:
            return [f"level must be 1–5, got {level}"]
        total_max = sum(self.part_maxima.values())
        if not 0 <= score <= total_max:
            problems.append(f"score must be between 0 and {total_max}")
        elif score < self.min_total[level]:
            problems.append(
                f"level {level} needs at least {self.min_total[level]} points, score is {score}"
            )
        for part, got in (parts or {}).items():
            maximum = self.part_maxima.get(part)
            if maximum is None:
                problems.append(f"unknown part {part!r}; parts are {', '.join(self.part_maxima)}")
                continue
            needed = self.min_part_share[level] * maximum
            if not 0 <= got <= maximum:
                problems.append(f"{part} must be between 0 and {maximum}")
            elif got < needed:
                problems.append(f"level {level} needs {part} ≥ {needed:g}, got {got}")
        return problems


GRADING_GB_T_37276_2018 = GradingPolicy(
    id="grading",
    version="GB/T 37276-2018#local-1",
    legal_basis="GB/T 37276-2018 养老机构等级划分与评定; 阜新市 实施意见 (十一); 晋城市 实施方案 14",
    min_total={1: 360, 2: 450, 3: 570, 4: 780, 5: 900},
    part_maxima={"environment": 120, "facilities": 130, "operations": 150, "services": 600},
    min_part_share={1: 0.4, 2: 0.5, 3: 0.6, 4: 0.8, 5: 0.9},
)
