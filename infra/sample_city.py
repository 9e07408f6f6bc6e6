"""A synthetic sample city (晋城市-like districts) with valid USCCs, deterministic by seed."""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any

from supervision.domain.uscc import ALPHABET, with_check_character

DISTRICTS = {
    "140502": "城区",
    "140521": "沁水县",
    "140522": "阳城县",
    "140524": "陵川县",
    "140525": "泽州县",
    "140581": "高平市",
}
# (registering authority + entity type, ownership, profit status)
KINDS = [
    ("12", "public", "non_profit"),  # 事业单位 (public institution)
    ("52", "private", "non_profit"),  # 民办非企业单位
    ("52", "public_built_private_run", "non_profit"),
    ("91", "private", "for_profit"),  # 企业
]
NAMES = ["康乐", "福寿", "颐养", "夕阳红", "安康", "松鹤", "仁爱", "惠民", "长青", "温馨", "幸福", "瑞祥"]
SURNAMES = "王李张刘陈杨赵黄周吴徐孙马朱胡郭何高林罗"
ORG_ALPHABET = "".join(c for c in sorted(ALPHABET) if c.isdigit() or c.isupper())


def make_uscc(rng: random.Random, prefix: str, region: str) -> str:
    body = "".join(rng.choice(ORG_ALPHABET) for _ in range(9))
    return with_check_character(prefix + region + body)


def facilities(count: int, seed: int = 2026, today: date | None = None) -> Iterator[dict[str, Any]]:
    """Registration payloads, as the API takes them."""
    rng = random.Random(seed)
    today = today or date(2026, 1, 1)
    regions = list(DISTRICTS)
    for i in range(count):
        region = regions[i % len(regions)]
        prefix, ownership, profit = KINDS[rng.randrange(len(KINDS))]
        total = rng.randrange(30, 400)
        suffix = "养老院" if profit == "non_profit" else "康养中心"
        name = f"{DISTRICTS[region]}{NAMES[i % len(NAMES)]}{suffix}{i + 1}号"
        yield {
            "uscc": make_uscc(rng, prefix, region),
            "name": name,
            "address": f"{DISTRICTS[region]}示范路{rng.randrange(1, 300)}号",
            "region_code": region,
            "ownership": ownership,
            "profit_status": profit,
            "total_beds": total,
            "nursing_beds": rng.randrange(0, total + 1),
            "legal_representative": rng.choice(SURNAMES) + rng.choice("建国秀英志强丽华明"),
            "person_in_charge": rng.choice(SURNAMES) + rng.choice("伟芳娜敏静磊"),
            "opened_on": (today - timedelta(days=rng.randrange(200, 4000))).isoformat(),
            "occurred_on": (today - timedelta(days=rng.randrange(100, 190))).isoformat(),
            "personal": {"contact_phone": f"1{rng.randrange(30, 99)}{rng.randrange(10**7, 10**8)}"},
        }
