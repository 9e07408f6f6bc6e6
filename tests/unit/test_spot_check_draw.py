"""The pure “双随机” draw (supervision/policy/draw.py): reproducible, ratio-true, recusal-proof."""

from __future__ import annotations

import pytest

from supervision.domain.errors import InvalidValue
from supervision.domain.spot_check import NotEnoughEligibleInspectors
from supervision.policy.draw import ALGORITHM, DrawInputs, PoolEntry, draw, level_quota, verify
from supervision.policy.sampling import SAMPLING_GUOFA_2019_5

MZJ, XF, SJ = "MZJ-140500", "XFJY-140500", "SCJG-140500"


def usccs(n: int, prefix: str = "F") -> list[str]:
    return [f"{prefix}{i:04d}" for i in range(n)]


def pool(n: int, agency: str = MZJ, **extra: tuple[str, ...]) -> tuple[PoolEntry, ...]:
    return tuple(PoolEntry(f"{agency[:2]}-{i:02d}", agency, "140500", **extra) for i in range(n))


def inputs(directory: list[tuple[str, str]], inspectors: tuple[PoolEntry, ...], seed: str = "seed-0001",
           agencies: tuple[str, ...] = (MZJ,), **kw: object) -> DrawInputs:
    return DrawInputs(seed=seed, directory=tuple(directory), pool=inspectors, agencies=agencies,
                      ratios_percent=SAMPLING_GUOFA_2019_5.ratios_percent, **kw)  # type: ignore[arg-type]


def test_the_same_seed_and_snapshot_give_the_same_result_whatever_the_input_order():
    directory = [(u, "A" if i % 4 else "C") for i, u in enumerate(usccs(80))]
    a = draw(inputs(directory, pool(6)))
    b = draw(inputs(list(reversed(directory)), tuple(reversed(pool(6)))))
    assert a == b
    assert draw(inputs(directory, pool(6), seed="another-seed")) != a


def test_ratios_follow_the_supervision_level_rounded_up():
    directory = ([(u, "key") for u in usccs(3, "K")] + [(u, "D") for u in usccs(2, "D")]
                 + [(u, "C") for u in usccs(10, "C")] + [(u, "B") for u in usccs(11, "B")]
                 + [(u, "A") for u in usccs(41, "A")])
    result = draw(inputs(directory, pool(4)))
    drawn = [f["level"] for f in result["facilities"]]
    # key and D 100 %, C 50 %, B 20 % of 11 → 3, A 5 % of 41 → 3 (rounded up)
    assert {lvl: drawn.count(lvl) for lvl in ("key", "D", "C", "B", "A")} == {
        "key": 3, "D": 2, "C": 5, "B": 3, "A": 3}
    assert result["strata"]["A"] == {"population": 41, "drawn": 3, "percent": 5}


def test_every_level_with_facilities_gets_at_least_one_draw():
    assert level_quota(1, 5, 1) == 1
    assert level_quota(0, 5, 1) == 0
    assert level_quota(19, 5, 1) == 1 and level_quota(21, 5, 1) == 2
    result = draw(inputs([("F0001", "A"), ("F0002", "B")], pool(2)))
    assert sorted(f["uscc"] for f in result["facilities"]) == ["F0001", "F0002"]


def test_two_distinct_inspectors_per_facility():
    result = draw(inputs([(u, "key") for u in usccs(30)], pool(5)))
    assert all(len(set(f["inspectors"])) == 2 for f in result["facilities"])


def test_declared_conflicts_are_never_drawn():
    conflicted = PoolEntry("MZ-99", MZJ, "140500", conflicts=("F0000",))
    for seed in (f"seed-{n:04d}" for n in range(50)):
        result = draw(inputs([("F0000", "key"), ("F0001", "key")], (*pool(3), conflicted), seed=seed))
        team = {f["uscc"]: f["inspectors"] for f in result["facilities"]}
        assert "MZ-99" not in team["F0000"]


def test_last_inspectors_and_other_agencies_are_recused():
    last = PoolEntry("MZ-98", MZJ, "140500", last_inspected=("F0000",))
    market = pool(3, SJ)
    eligible = pool(2)
    for seed in (f"seed-{n:04d}" for n in range(30)):
        result = draw(inputs([("F0000", "key")], (*eligible, last, *market), seed=seed))
        assert sorted(result["facilities"][0]["inspectors"]) == ["MZ-00", "MZ-01"]


def test_joint_campaigns_draw_from_every_participating_agency():
    joint = (*pool(2, MZJ), *pool(2, XF), *pool(2, SJ))
    result = draw(inputs([(u, "key") for u in usccs(40)], joint, agencies=(MZJ, XF, SJ)))
    used = {i for f in result["facilities"] for i in f["inspectors"]}
    assert {i.split("-")[0] for i in used} == {"MZ", "XF", "SC"}


def test_not_enough_eligible_inspectors_fails_naming_each_facility():
    conflicted = PoolEntry("MZ-99", MZJ, "140500", conflicts=("F0001", "F0002"))
    with pytest.raises(NotEnoughEligibleInspectors) as err:
        draw(inputs([("F0000", "key"), ("F0001", "key"), ("F0002", "key")], (pool(1)[0], conflicted)))
    assert err.value.shortages == [("F0001", 1, 2), ("F0002", 1, 2)]
    assert err.value.category == "conflict"
    assert "F0001: 1 eligible, 2 needed" in err.value.fields["inspectors"]


def test_fewer_than_two_inspectors_per_facility_is_refused():
    with pytest.raises(InvalidValue):
        draw(inputs([("F0000", "key")], pool(3), inspectors_per_facility=1))


def test_a_level_without_a_ratio_or_a_duplicate_facility_is_refused():
    with pytest.raises(InvalidValue):
        draw(inputs([("F0000", "Z")], pool(2)))
    with pytest.raises(InvalidValue):
        draw(inputs([("F0000", "A"), ("F0000", "B")], pool(2)))


def test_verify_accepts_the_recorded_draw_and_names_every_tampering():
    recorded_inputs = inputs([(u, "C") for u in usccs(10)], pool(5)).as_record()
    result = draw(DrawInputs.from_record(recorded_inputs))
    assert recorded_inputs["algorithm"] == ALGORITHM
    assert verify(recorded_inputs, result) == {"verified": True, "differences": []}

    swapped = {**result, "facilities": [dict(f) for f in result["facilities"]]}
    first = swapped["facilities"][0]
    first["inspectors"] = list(reversed(first["inspectors"]))
    outcome = verify(recorded_inputs, swapped)
    assert outcome["verified"] is False and first["uscc"] in outcome["differences"][0]

    other_seed = {**recorded_inputs, "seed": "tampered-seed"}
    assert verify(other_seed, result)["verified"] is False


def test_verify_flags_a_recorded_team_that_breaks_recusal():
    conflicted = PoolEntry("MZ-99", MZJ, "140500", conflicts=("F0000",))
    recorded_inputs = inputs([("F0000", "key")], (*pool(2), conflicted)).as_record()
    forged = {"facilities": [{"uscc": "F0000", "level": "key", "inspectors": ["MZ-99", "MZ-00"]}],
              "strata": draw(DrawInputs.from_record(recorded_inputs))["strata"]}
    outcome = verify(recorded_inputs, forged)
    assert outcome["verified"] is False
    assert any("MZ-99 should have been recused (declared conflict of interest)" in d
               for d in outcome["differences"])
