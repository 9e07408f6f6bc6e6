"""Jurisdiction (管辖): which regions an agency may act on, from GB/T 2260 region codes.

Pure functions over `AgencyRecord` values (no I/O), used by the dispatcher's central check, the
scoped reads and the spot-check draw.

GB/T 2260 codes are `PPCCDD`: province `PP0000`, prefecture-level city `PPCC00`, county-level
division `PPCCDD`. Rules:

- a **county** agency covers exactly its own region code;
- a **city** agency covers every code starting with `PPCC`;
- a **province** agency covers every code starting with `PP`. The municipalities (直辖市 北京 110000,
  天津 120000, 上海 310000, 重庆 500000) have two levels only: the municipal bureau (level
  `province`, e.g. MZJ-110000, covering 11xxxx) and the district bureaus (level `county`, e.g.
  MZJ-110101); there is no `110100` city bureau;
- a **national** agency (民政部, 国家消防救援局, 国家市场监管总局 or the platform operator) covers
  every region; its region code is `100000`.

An agency is the *superior* of another when it is of the same kind and its jurisdiction contains
the other's region (the city bureau is the superior of its county bureaus; the province of both).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Protocol

#: agency kinds; a token's role must fit its agency's kind (admin and inspector fit every kind)
CIVIL_AFFAIRS = "civil_affairs"  # 民政 (MZJ-…)
FIRE = "fire"  # 消防救援 (XFJY-…)
MARKET_SUPERVISION = "market_supervision"  # 市场监管 (SCJG-…)
ADMIN = "admin"  # the platform operator (no supervisory power of its own beyond its region)
KINDS = (CIVIL_AFFAIRS, FIRE, MARKET_SUPERVISION, ADMIN)

NATIONAL, PROVINCE, CITY, COUNTY = "national", "province", "city", "county"
LEVELS = (NATIONAL, PROVINCE, CITY, COUNTY)
NATIONAL_REGION = "100000"

#: 直辖市: provincial-level codes whose districts sit directly below the municipal bureau
MUNICIPALITIES = ("11", "12", "31", "50")

#: which token roles fit an agency kind (roles not listed here fit every kind: admin, inspector)
ROLE_OF_KIND = {CIVIL_AFFAIRS: "civil_affairs", FIRE: "fire", MARKET_SUPERVISION: "market", ADMIN: "admin"}

_CODE = re.compile(r"^[A-Z]{2,8}-\d{6}$")
_REGION = re.compile(r"^[1-8]\d{5}$")


class AgencyLike(Protocol):
    code: str
    kind: str
    level: str
    region_code: str


@dataclass(frozen=True)
class AgencyRecord:
    """One agency as the registry knows it (the read side of the `Agency` aggregate)."""

    code: str
    kind: str
    level: str
    region_code: str
    name: str
    active: bool = True

    def as_dict(self) -> dict[str, object]:
        return {"code": self.code, "kind": self.kind, "level": self.level,
                "region_code": self.region_code, "name": self.name, "active": self.active}


def level_problem(code: str, kind: str, level: str, region_code: str) -> dict[str, str]:
    """Field → message for an inconsistent agency definition (empty when it is consistent)."""
    out: dict[str, str] = {}
    if not isinstance(code, str) or not _CODE.match(code):
        out["code"] = "must look like MZJ-140500: 2–8 capital letters, '-', a 6-digit region code"
    if kind not in KINDS:
        out["kind"] = f"must be one of {', '.join(KINDS)}"
    if level not in LEVELS:
        out["level"] = f"must be one of {', '.join(LEVELS)}"
        return out
    if level == NATIONAL:
        if region_code != NATIONAL_REGION:
            out["region_code"] = f"a national agency's region code is {NATIONAL_REGION}"
        return out
    if not isinstance(region_code, str) or not _REGION.match(region_code) or region_code == NATIONAL_REGION:
        out["region_code"] = "must be a 6-digit administrative region code (GB/T 2260)"
        return out
    pp, cc, dd = region_code[:2], region_code[2:4], region_code[4:]
    if level == PROVINCE and (cc, dd) != ("00", "00"):
        out["region_code"] = "a province-level agency's region ends in 0000 (e.g. 140000, 110000)"
    elif level == CITY:
        if pp in MUNICIPALITIES:
            out["region_code"] = (f"{pp}0000 is a municipality: its bureaus are the municipal one (level "
                                  "province) and the district ones (level county); there is no city level")
        elif cc == "00" or dd != "00":
            out["region_code"] = "a city-level agency's region ends in 00 but not 0000 (e.g. 140500)"
    elif level == COUNTY and (cc == "00" or dd == "00"):
        out["region_code"] = "a county-level agency's region is a district or county code (e.g. 140522)"
    return out


def prefix(agency: AgencyLike) -> str:
    """The region-code prefix an agency covers ('' for national)."""
    if agency.level == NATIONAL:
        return ""
    if agency.level == PROVINCE:
        return agency.region_code[:2]
    if agency.level == CITY:
        return agency.region_code[:4]
    return agency.region_code


def covers(agency: AgencyLike | None, region_code: str | None) -> bool:
    """Does `agency`'s jurisdiction contain `region_code`? A region prefix (a campaign's scope, a
    list filter such as "1405") is covered when every code it stands for is covered."""
    if agency is None or not region_code or not getattr(agency, "active", True):
        return False
    own = prefix(agency)
    scope = _scope_prefix(region_code)
    return scope.startswith(own)


def _scope_prefix(region: str) -> str:
    """"140500" → "1405", "140000" → "14", "14" → "14", "140522" → "140522", "100000" → ""."""
    if region == NATIONAL_REGION:
        return ""
    if len(region) == 6:
        if region.endswith("0000"):
            return region[:2]
        if region.endswith("00"):
            return region[:4]
    return region


def is_superior_or_same(agency: AgencyLike | None, other: AgencyLike | str | None) -> bool:
    """`agency` is `other` or of the same kind with `other`'s region inside its jurisdiction
    (the agency that recorded a decision, or a higher agency of the same line, 上级机关)."""
    if agency is None or other is None:
        return False
    if isinstance(other, str):
        return agency.code == other
    if agency.code == other.code:
        return True
    if agency.kind != other.kind or LEVELS.index(agency.level) >= LEVELS.index(other.level):
        return False
    return covers(agency, other.region_code)


def filter_prefix(agency: AgencyLike, requested: str | None) -> str | None:
    """Scope a list query: the narrower of the caller's region filter and the agency's jurisdiction,
    or None when the two do not overlap (the answer is then empty)."""
    own = prefix(agency)
    if not requested:
        return own
    req = _scope_prefix(requested) if len(requested) == 6 else requested
    if req.startswith(own):
        return req
    if own.startswith(req):
        return own
    return None
