"""The “双随机” draw as a pure function: same inputs, same result, on any machine, forever.

Inputs are recorded in `SpotCheckCampaign.Drawn` (seed, ordered directory snapshot with each
facility's supervision level, ordered inspector pool snapshot, agencies, ratios, algorithm
version), so anyone can re-run `draw` on the event and compare (`verify`).

Algorithm `draw-v1` (change the version, never the behaviour, when this changes):
1. `rng = random.Random(int(sha256(seed).hexdigest(), 16))` — seeding from an integer, not from
   the string, so the result does not rest on how Python hashes strings.
2. Directory sorted by USCC. For each level in `LEVELS` order (key, D, C, B, A), draw
   `min(n, max(minimum, ceil(n × percent / 100)))` of that level's n facilities.
3. Drawn facilities sorted by USCC; for each, the eligible inspectors (pool sorted by id) are those
   of a campaign agency, without a declared conflict with the facility and who were not on its
   last inspection (回避); `inspectors_per_facility` of them are drawn.
Sampling uses a partial Fisher–Yates shuffle driven by `getrandbits` only, so it does not depend on
`random.sample`'s implementation details either.
"""

from __future__ import annotations

import hashlib
import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from supervision.domain.errors import InvalidValue
from supervision.domain.spot_check import NotEnoughEligibleInspectors
from supervision.policy.sampling import LEVELS

ALGORITHM = "draw-v1"
T = TypeVar("T")


@dataclass(frozen=True)
class PoolEntry:
    """One certified inspector as the draw sees them (no names, no personal data)."""

    inspector_id: str
    agency: str
    region_code: str
    conflicts: tuple[str, ...] = ()
    last_inspected: tuple[str, ...] = ()

    def as_record(self) -> dict[str, Any]:
        return {
            "inspector_id": self.inspector_id,
            "agency": self.agency,
            "region_code": self.region_code,
            "conflicts": sorted(self.conflicts),
            "last_inspected": sorted(self.last_inspected),
        }

    @classmethod
    def from_record(cls, data: Mapping[str, Any]) -> PoolEntry:
        return cls(
            inspector_id=data["inspector_id"],
            agency=data["agency"],
            region_code=data["region_code"],
            conflicts=tuple(data.get("conflicts", ())),
            last_inspected=tuple(data.get("last_inspected", ())),
        )

    def recusal(self, uscc: str, agencies: Sequence[str]) -> str | None:
        """Why this inspector may not inspect `uscc` in a campaign of `agencies` (None: eligible)."""
        if self.agency not in agencies:
            return "outside the campaign's agencies"
        if uscc in self.conflicts:
            return "declared conflict of interest"
        if uscc in self.last_inspected:
            return "inspected this facility last time"
        return None


@dataclass(frozen=True)
class DrawInputs:
    seed: str
    directory: tuple[tuple[str, str], ...]
    pool: tuple[PoolEntry, ...]
    agencies: tuple[str, ...]
    ratios_percent: Mapping[str, int]
    minimum_per_level: int = 1
    inspectors_per_facility: int = 2
    algorithm: str = ALGORITHM

    def as_record(self) -> dict[str, Any]:
        """JSON-ready, in canonical order: what the Drawn event stores."""
        return {
            "algorithm": self.algorithm,
            "seed": self.seed,
            "directory": [[uscc, level] for uscc, level in sorted(self.directory)],
            "pool": [p.as_record() for p in sorted(self.pool, key=lambda p: p.inspector_id)],
            "agencies": list(self.agencies),
            "ratios_percent": dict(self.ratios_percent),
            "minimum_per_level": self.minimum_per_level,
            "inspectors_per_facility": self.inspectors_per_facility,
        }

    @classmethod
    def from_record(cls, data: Mapping[str, Any]) -> DrawInputs:
        return cls(
            seed=data["seed"],
            directory=tuple((uscc, level) for uscc, level in data["directory"]),
            pool=tuple(PoolEntry.from_record(p) for p in data["pool"]),
            agencies=tuple(data["agencies"]),
            ratios_percent=dict(data["ratios_percent"]),
            minimum_per_level=data["minimum_per_level"],
            inspectors_per_facility=data["inspectors_per_facility"],
            algorithm=data["algorithm"],
        )


def rng_for(seed: str) -> random.Random:
    return random.Random(int(hashlib.sha256(seed.encode("utf-8")).hexdigest(), 16))


def _below(rng: random.Random, n: int) -> int:
    """Uniform in [0, n) by rejection on `getrandbits` (no modulo bias)."""
    k = n.bit_length()
    r = rng.getrandbits(k)
    while r >= n:
        r = rng.getrandbits(k)
    return r


def sample(rng: random.Random, population: Sequence[T], k: int) -> list[T]:
    """k distinct items in draw order (partial Fisher–Yates)."""
    items = list(population)
    for i in range(k):
        j = i + _below(rng, len(items) - i)
        items[i], items[j] = items[j], items[i]
    return items[:k]


def level_quota(n: int, percent: int, minimum: int) -> int:
    """How many of a level's n facilities are drawn: the ratio rounded up, at least `minimum`."""
    if n == 0:
        return 0
    return min(n, max(minimum, -(-n * percent // 100)))


def draw(inputs: DrawInputs) -> dict[str, Any]:
    """Draw 1 (facilities by level) then draw 2 (inspectors per facility, recusals excluded).

    Raises `NotEnoughEligibleInspectors` naming every facility that cannot be staffed.
    """
    if inputs.algorithm != ALGORITHM:
        raise InvalidValue("algorithm", f"unknown draw algorithm {inputs.algorithm!r}; this is {ALGORITHM}")
    if inputs.inspectors_per_facility < 2:
        raise InvalidValue("inspectors_per_facility", "at least 2 inspectors per facility")
    directory = sorted(inputs.directory)
    usccs = [u for u, _ in directory]
    if len(set(usccs)) != len(usccs):
        raise InvalidValue("directory", "a facility appears twice in the directory snapshot")
    unknown = sorted({lvl for _, lvl in directory if lvl not in LEVELS or lvl not in inputs.ratios_percent})
    if unknown:
        raise InvalidValue("directory", f"no sampling ratio for level(s) {', '.join(unknown)}")
    pool = sorted(inputs.pool, key=lambda p: p.inspector_id)
    if len({p.inspector_id for p in pool}) != len(pool):
        raise InvalidValue("pool", "an inspector appears twice in the pool snapshot")

    rng = rng_for(inputs.seed)
    strata: dict[str, dict[str, int]] = {}
    chosen: dict[str, str] = {}
    for level in LEVELS:
        members = [u for u, lvl in directory if lvl == level]
        quota = level_quota(len(members), inputs.ratios_percent.get(level, 0), inputs.minimum_per_level)
        strata[level] = {"population": len(members), "drawn": quota,
                         "percent": inputs.ratios_percent.get(level, 0)}
        for uscc in sample(rng, members, quota):
            chosen[uscc] = level

    facilities: list[dict[str, Any]] = []
    shortages: list[tuple[str, int, int]] = []
    need = inputs.inspectors_per_facility
    for uscc in sorted(chosen):
        eligible = [p.inspector_id for p in pool if p.recusal(uscc, inputs.agencies) is None]
        if len(eligible) < need:
            shortages.append((uscc, len(eligible), need))
            continue
        facilities.append({"uscc": uscc, "level": chosen[uscc], "inspectors": sample(rng, eligible, need)})
    if shortages:
        raise NotEnoughEligibleInspectors(shortages)
    return {"facilities": facilities, "strata": strata}


def verify(inputs_record: Mapping[str, Any], result_record: Mapping[str, Any]) -> dict[str, Any]:
    """Re-run the draw on recorded inputs; list every difference from the recorded result.

    Also re-checks each recorded team against the recusal rules, so a tampered result is caught
    even where the re-run would have failed.
    """
    differences: list[str] = []
    try:
        inputs = DrawInputs.from_record(inputs_record)
    except (KeyError, TypeError, ValueError) as exc:
        return {"verified": False, "differences": [f"recorded inputs are unreadable: {exc!r}"]}
    rerun: dict[str, Any] | None
    try:
        rerun = draw(inputs)
    except (InvalidValue, NotEnoughEligibleInspectors) as exc:
        rerun = None
        differences.append(f"re-running the draw fails: {exc.message}")
    recorded = {f["uscc"]: f for f in result_record.get("facilities", [])}
    if rerun is not None:
        again = {f["uscc"]: f for f in rerun["facilities"]}
        for uscc in sorted(set(recorded) - set(again)):
            differences.append(f"{uscc}: recorded as drawn, not drawn on re-run")
        for uscc in sorted(set(again) - set(recorded)):
            differences.append(f"{uscc}: drawn on re-run, missing from the record")
        for uscc in sorted(set(recorded) & set(again)):
            a, b = list(recorded[uscc]["inspectors"]), list(again[uscc]["inspectors"])
            if a != b:
                differences.append(f"{uscc}: recorded inspectors {a}, re-run gives {b}")
            if recorded[uscc].get("level") != again[uscc]["level"]:
                differences.append(f"{uscc}: recorded level {recorded[uscc].get('level')}, "
                                   f"snapshot says {again[uscc]['level']}")
        if dict(result_record.get("strata", {})) != rerun["strata"]:
            differences.append("per-level counts differ from the re-run")
    pool = {p.inspector_id: p for p in inputs.pool}
    for uscc, entry in sorted(recorded.items()):
        for inspector in entry["inspectors"]:
            member = pool.get(inspector)
            reason = "not in the pool snapshot" if member is None else member.recusal(uscc, inputs.agencies)
            if reason:
                differences.append(f"{uscc}: inspector {inspector} should have been recused ({reason})")
    return {"verified": not differences, "differences": differences}
