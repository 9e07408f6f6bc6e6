"""重大火灾隐患 (major fire hazard) criteria: which citations a major-hazard finding may carry.

GB 35181-2017 重大火灾隐患判定规则 decides whether a hazard is major either directly (直接判定, its
chapter 5) or by combining factors (综合判定, its chapter 6). A finding flagged major must cite the
clause it rests on, e.g. "GB 35181-2017 5.2" or "GB 35181-2017 6.3.1", so that the credit rule
"major fire hazard, rectification delayed past its deadline" (民发〔2019〕103号 第六条(四)) can be traced
to the standard. Kept as data: a revised standard is a new policy value, past findings keep theirs.
"""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class MajorHazardCriteria:
    id: str
    version: str
    legal_basis: str
    standard: str
    #: chapters of the standard whose clauses decide a major hazard
    chapters: tuple[str, ...]

    def pattern(self) -> re.Pattern[str]:
        chapters = "|".join(re.escape(c) for c in self.chapters)
        return re.compile(rf"^{re.escape(self.standard)}\s+(?:{chapters})(?:\.\d{{1,2}}){{1,3}}\b")

    def check(self, citation: str) -> str | None:
        """None when `citation` cites a deciding clause, else the reason it does not."""
        if not self.pattern().match(citation.strip()):
            chapters = " or ".join(self.chapters)
            return (
                f"must cite a clause of {self.standard} chapter {chapters}, "
                f'e.g. "{self.standard} {self.chapters[0]}.2"'
            )
        return None


GB_35181_2017 = MajorHazardCriteria(
    id="fire-major-hazard-criteria",
    version="GB 35181-2017#1",
    legal_basis="GB 35181-2017 重大火灾隐患判定规则 (第5章 直接判定要素, 第6章 综合判定要素)",
    standard="GB 35181-2017",
    chapters=("5", "6"),
)
