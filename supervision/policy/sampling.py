"""双随机 sampling ratios per supervision level (国发〔2019〕5号), as versioned data.

The ratios are our default reading of common local practice (DOMAIN.md): a city may change them
without code changes, and every campaign records the policy id and version it was planned with,
so an old draw still verifies against the figures it used.
"""

from __future__ import annotations

from dataclasses import dataclass, field

#: Supervision levels as the rating view reports them ("key" = 重点监管).
LEVELS = ("key", "D", "C", "B", "A")


@dataclass(frozen=True)
class SamplingPolicy:
    id: str
    version: str
    legal_basis: str
    #: percent of each level's facilities drawn (integers: no float rounding in events)
    ratios_percent: dict[str, int]
    #: at least this many facilities of a level that has any (DOMAIN.md: minimum 1)
    minimum_per_level: int = 1
    #: inspectors drawn per facility (DOMAIN.md: at least 2)
    inspectors_per_facility: int = 2
    notes: tuple[str, ...] = field(default_factory=tuple)

    def check_ratios(self, ratios: dict[str, int]) -> list[str]:
        """Why a campaign's own ratios cannot be used (empty when they can)."""
        problems = [f"unknown level {k!r}; levels are {', '.join(LEVELS)}" for k in ratios if k not in LEVELS]
        for level, pct in ratios.items():
            if isinstance(pct, bool) or not isinstance(pct, int) or not 1 <= pct <= 100:
                problems.append(f"{level}: ratio must be a whole percent between 1 and 100")
        return problems

    def ratios_for(self, overrides: dict[str, int] | None) -> dict[str, int]:
        """The policy ratios with a special campaign's overrides applied."""
        return {**self.ratios_percent, **(overrides or {})}

    def as_record(self, overrides: dict[str, int] | None = None) -> dict[str, object]:
        """What a campaign records about the sampling it uses."""
        return {
            "policy_id": self.id,
            "policy_version": self.version,
            "legal_basis": self.legal_basis,
            "ratios_percent": self.ratios_for(overrides),
            "overridden": sorted(overrides or {}),
            "minimum_per_level": self.minimum_per_level,
            "inspectors_per_facility": self.inspectors_per_facility,
        }


SAMPLING_GUOFA_2019_5 = SamplingPolicy(
    id="spot_check_sampling",
    version="国发〔2019〕5号#default-1",
    legal_basis=(
        "国务院关于在市场监管领域全面推行部门联合“双随机、一公开”监管的意见 (国发〔2019〕5号): "
        "抽查比例与频次根据信用风险分类确定; 对信用较差、风险较高的增加抽查比例和频次"
    ),
    ratios_percent={"key": 100, "D": 100, "C": 50, "B": 20, "A": 5},
    notes=("D (worst rating) is drawn like key supervision", "ratios are DOMAIN.md defaults"),
)


@dataclass(frozen=True)
class PublicationPolicy:
    """一公开: results are published within N working days of the inspection's completion."""

    id: str
    version: str
    legal_basis: str
    working_days: int


PUBLICATION_GUOFA_2019_5 = PublicationPolicy(
    id="spot_check_publication",
    version="国发〔2019〕5号#1",
    legal_basis=(
        "国发〔2019〕5号: 抽查检查结果按照“谁检查、谁录入、谁公开”的原则, "
        "通过国家企业信用信息公示系统, 自产生之日起20个工作日内依法向社会公示"
    ),
    working_days=20,
)
