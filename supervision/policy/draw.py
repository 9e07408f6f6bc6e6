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

Algorithm `draw-v2` (every new draw) is `draw-v1` with one change: the generator is seeded from
`SHA-256("eldercare-draw-v2" NUL seed)` instead of `SHA-256(seed)`. The seed's public commitment is
`SHA-256(seed)` (see `commitment_of`), published before the snapshot is frozen; under v1 that
commitment would itself be the generator's seed, and anyone could compute the draw from it before
the reveal. `draw-v1` stays only so that draws recorded with it still verify.

Commit–reveal (DRAW_PROTOCOL; docs/draw.md): the application makes the seed with `secrets`, records
`commitment_of(seed)` (seed sealed at rest), later freezes the snapshot, reveals the seed and records
`snapshot_digest(snapshot_of(inputs))` with the result. `verify_chain` checks commitment → seed →
snapshot → result from those public values alone.
"""

from __future__ import annotations

import hashlib
import json
import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from supervision.domain.errors import InvalidValue
from supervision.domain.spot_check import NotEnoughEligibleInspectors
from supervision.policy.sampling import LEVELS

ALGORITHM = "draw-v2"
#: algorithms this module can re-run (old draws keep verifying with the one they were made with)
ALGORITHMS = ("draw-v1", "draw-v2")
_V2_DOMAIN = b"eldercare-draw-v2\x00"
#: the parts of the recorded inputs that make up the frozen snapshot (everything but the seed)
SNAPSHOT_KEYS = ("directory", "pool", "agencies", "ratios_percent", "minimum_per_level",
                 "inspectors_per_facility")
T = TypeVar("T")


@dataclass(frozen=True)
class DrawProtocol:
    """The commit–reveal rule of the draw, as data (id, version, legal basis)."""

    id: str
    version: str
    legal_basis: str
    #: bytes of CSPRNG output in a seed (hex-encoded in events): too many to guess from the commitment
    seed_bytes: int
    commitment: str


DRAW_PROTOCOL = DrawProtocol(
    id="spot-check-draw-commit-reveal",
    version="2026-11",
    legal_basis=("国发〔2019〕5号《关于在市场监管领域全面推行部门联合“双随机、一公开”监管的意见》: "
                 "random selection of objects and inspectors, by the system, traceable (全程留痕)"),
    seed_bytes=32,
    commitment="sha256(utf-8 seed), hex",
)


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


def rng_for(seed: str, algorithm: str = ALGORITHM) -> random.Random:
    """The draw's generator. v2 separates it from the public commitment `SHA-256(seed)`."""
    data = seed.encode("utf-8")
    if algorithm != "draw-v1":
        data = _V2_DOMAIN + data
    return random.Random(int(hashlib.sha256(data).hexdigest(), 16))


def commitment_of(seed: str) -> str:
    """SHA-256 of the seed (hex): recorded and public before the snapshot is frozen."""
    return hashlib.sha256(seed.encode("utf-8")).hexdigest()


def canonical_json(value: Any) -> bytes:
    """The bytes a digest is taken over: sorted keys, no spaces, UTF-8 (anyone can rebuild them)."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def snapshot_of(inputs_record: Mapping[str, Any]) -> dict[str, Any]:
    """The frozen snapshot inside recorded inputs: directory, pool and campaign parameters."""
    return {key: inputs_record[key] for key in SNAPSHOT_KEYS}


def snapshot_digest(snapshot: Mapping[str, Any]) -> str:
    """SHA-256 (hex) of the snapshot's canonical JSON."""
    return hashlib.sha256(canonical_json(dict(snapshot))).hexdigest()


def staffing_shortages(
    directory: Sequence[tuple[str, str]], pool: Sequence[PoolEntry], agencies: Sequence[str], need: int
) -> list[tuple[str, int, int]]:
    """Facilities of the whole directory that could not be staffed if drawn: (uscc, eligible, need).

    Seed-independent on purpose: checked before the seed is revealed, so a refused draw tells
    nobody which facilities the committed seed would have drawn.
    """
    members = [p for p in pool if p.agency in agencies]
    recused: dict[str, int] = {}
    for p in members:
        for uscc in set(p.conflicts) | set(p.last_inspected):
            recused[uscc] = recused.get(uscc, 0) + 1
    out = []
    for uscc, _ in sorted(directory):
        eligible = len(members) - recused.get(uscc, 0)
        if eligible < need:
            out.append((uscc, eligible, need))
    return out


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
    if inputs.algorithm not in ALGORITHMS:
        raise InvalidValue("algorithm", f"unknown draw algorithm {inputs.algorithm!r}; "
                                        f"known: {', '.join(ALGORITHMS)}")
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

    rng = rng_for(inputs.seed, inputs.algorithm)
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


def verify_chain(record: Mapping[str, Any]) -> dict[str, Any]:
    """Check a disclosed draw from its public values alone: commitment → seed → snapshot → result.

    `record` holds `commitment`, `seed`, `snapshot_digest`, `snapshot` (SNAPSHOT_KEYS), `algorithm`
    and `result` (as the public draw endpoint returns them). Returns `{"verified", "differences",
    "steps": [{"step", "ok", "detail"}]}`; a seed other than the committed one fails step 1.
    """
    steps: list[dict[str, Any]] = []
    differences: list[str] = []

    def step(name: str, ok: bool, detail: str) -> None:
        steps.append({"step": name, "ok": ok, "detail": detail})
        if not ok:
            differences.append(f"{name}: {detail}")

    seed, commitment = record.get("seed"), record.get("commitment")
    if not commitment:
        step("commitment", False, "no commitment was recorded before this draw")
    elif not isinstance(seed, str):
        step("commitment", False, "the seed is not disclosed")
    else:
        ok = commitment_of(seed) == commitment
        step("commitment", ok, "SHA-256(seed) equals the commitment recorded before the snapshot" if ok
             else "SHA-256(seed) differs from the commitment recorded before the snapshot")
    snapshot = record.get("snapshot")
    if not isinstance(snapshot, Mapping):
        step("snapshot", False, "the snapshot is not disclosed")
        return {"verified": False, "differences": differences, "steps": steps}
    digest = snapshot_digest(snapshot)
    ok = digest == record.get("snapshot_digest")
    step("snapshot", ok, f"SHA-256 of the snapshot's canonical JSON is {digest}"
         + ("" if ok else f", recorded {record.get('snapshot_digest')}"))
    inputs = {**snapshot, "seed": seed if isinstance(seed, str) else "", "algorithm": record.get("algorithm")}
    outcome = verify(inputs, record.get("result") or {})
    step("result", outcome["verified"], "re-running the draw on seed and snapshot gives the recorded result"
         if outcome["verified"] else "; ".join(outcome["differences"]))
    return {"verified": not differences, "differences": differences, "steps": steps}
