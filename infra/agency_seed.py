"""The agencies the demo and the tests start with (idempotent: registered once, as events).

A deployment registers its own with `eldercare agency add` or `POST /api/v1/agencies`; this list only
gives the sample city (晋城市, Shanxi), the regions the tests use (福州 Fujian, 银川 Ningxia,
北京 as a municipality) and the national ministries and platform operator.
"""

from __future__ import annotations

from typing import Any

from supervision.application import Context
from supervision.domain.values import SYSTEM_ACTOR

_KIND_PREFIX = {"civil_affairs": "MZJ", "fire": "XFJY", "market_supervision": "SCJG"}
_KIND_NAME = {"civil_affairs": "民政局", "fire": "消防救援支队", "market_supervision": "市场监督管理局"}
_NATIONAL = [
    ("MZB-100000", "civil_affairs", "中华人民共和国民政部"),
    ("XFJY-100000", "fire", "国家消防救援局"),
    ("SCJG-100000", "market_supervision", "国家市场监督管理总局"),
    ("ADMIN-100000", "admin", "养老机构综合监管平台运维"),
]
#: (region code, level, place name): every kind of agency is seeded for each
_REGIONS = [
    ("140000", "province", "山西省"), ("140500", "city", "晋城市"), ("140502", "county", "晋城市城区"),
    ("140521", "county", "沁水县"), ("140522", "county", "阳城县"), ("140524", "county", "陵川县"),
    ("140525", "county", "泽州县"), ("140581", "county", "高平市"),
    ("350000", "province", "福建省"), ("350100", "city", "福州市"), ("350102", "county", "福州市鼓楼区"),
    ("640000", "province", "宁夏回族自治区"), ("640100", "city", "银川市"),
    ("640104", "county", "银川市兴庆区"),
    ("110000", "province", "北京市"), ("110101", "county", "北京市东城区"),
    ("110105", "county", "北京市朝阳区"),
]


def seed_records() -> list[dict[str, Any]]:
    out = [{"code": code, "kind": kind, "level": "national", "region_code": "100000", "name": name}
           for code, kind, name in _NATIONAL]
    for region, level, place in _REGIONS:
        for kind, prefix in _KIND_PREFIX.items():
            out.append({"code": f"{prefix}-{region}", "kind": kind, "level": level, "region_code": region,
                        "name": f"{place}{_KIND_NAME[kind]}"})
    return out


def seed_agencies(container: Any) -> str:
    """Register the seed agencies not yet registered; returns a summary line."""
    added = container.app.ensure_agencies(Context(SYSTEM_ACTOR, source="demo"), seed_records())
    return f"agencies: {added} new ({len(seed_records())} in the seed)"
