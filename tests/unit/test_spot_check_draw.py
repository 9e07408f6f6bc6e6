"""The pure “双随机” draw (supervision/policy/draw.py): reproducible, ratio-true, recusal-proof,
and commit–reveal: the public commitment fixes the seed without giving the draw away."""

from __future__ import annotations

import random
from datetime import date

import pytest

from supervision.domain.errors import Conflict, InvalidValue
from supervision.domain.spot_check import NotEnoughEligibleInspectors, SpotCheckCampaign, draw_visibility
from supervision.domain.values import Actor
from supervision.policy.draw import (
    ALGORITHM,
    DrawInputs,
    PoolEntry,
    commitment_of,
    draw,
    level_quota,
    rng_for,
    snapshot_digest,
    snapshot_of,
    staffing_shortages,
    verify,
    verify_chain,
)
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


# -- commit–reveal -------------------------------------------------------------------------------
def public_record(seed: str = "a" * 64) -> dict:
    """What the public draw endpoint discloses after the visit, built the way the application does."""
    recorded = inputs([(u, "C") for u in usccs(12)], pool(5), seed=seed).as_record()
    snapshot = snapshot_of(recorded)
    return {"commitment": commitment_of(seed), "seed": seed, "algorithm": recorded["algorithm"],
            "snapshot": snapshot, "snapshot_digest": snapshot_digest(snapshot),
            "result": draw(DrawInputs.from_record(recorded))}


def test_new_draws_use_a_generator_the_public_commitment_does_not_give_away():
    seed = "0f" * 32
    assert ALGORITHM == "draw-v2"
    from_commitment = random.Random(int(commitment_of(seed), 16))  # what draw-v1 seeded from
    assert rng_for(seed).getrandbits(64) != from_commitment.getrandbits(64)
    legacy = random.Random(int(commitment_of(seed), 16))
    assert rng_for(seed, "draw-v1").getrandbits(64) == legacy.getrandbits(64)


def test_verification_needs_the_committed_seed():
    record = public_record()
    outcome = verify_chain(record)
    assert outcome["verified"] is True and [s["step"] for s in outcome["steps"]] == [
        "commitment", "snapshot", "result"]

    other = {**record, "seed": "b" * 64}
    outcome = verify_chain(other)
    assert outcome["verified"] is False
    assert outcome["differences"][0].startswith("commitment: SHA-256(seed) differs")
    # even with a result recomputed from the other seed, the commitment still refuses it
    redrawn = {**other, "result": draw(DrawInputs.from_record({**other["snapshot"], "seed": "b" * 64,
                                                                "algorithm": ALGORITHM}))}
    assert verify_chain(redrawn)["verified"] is False


def test_a_snapshot_changed_after_the_draw_fails_its_digest():
    record = public_record()
    snapshot = {**record["snapshot"], "directory": record["snapshot"]["directory"][1:]}
    outcome = verify_chain({**record, "snapshot": snapshot})
    assert outcome["verified"] is False
    assert any(d.startswith("snapshot:") for d in outcome["differences"])


def test_a_draw_without_a_commitment_does_not_verify():
    record = {**public_record(), "commitment": None}
    assert verify_chain(record)["differences"][0] == "commitment: no commitment was recorded before this draw"


def test_staffing_is_checked_over_the_whole_directory_whatever_the_seed():
    conflicted = PoolEntry("MZ-99", MZJ, "140500", conflicts=("F0003",))
    last = PoolEntry("MZ-98", MZJ, "140500", last_inspected=("F0003",))
    team = (pool(1)[0], conflicted, last, *pool(2, SJ))
    directory = [(u, "A") for u in usccs(5)]
    assert staffing_shortages(directory, team, (MZJ,), 2) == [("F0003", 1, 2)]
    assert staffing_shortages(directory, team, (MZJ, SJ), 2) == []


# -- the campaign aggregate: commitments, redraws ---------------------------------------------------
LEAD = Actor("mz-officer", MZJ, "civil_affairs")
PLANNED = date(2026, 9, 1)


def campaign() -> SpotCheckCampaign:
    return SpotCheckCampaign.plan(
        campaign_id="5b0f1c8e-0000-4000-8000-000000000001", reference=None, name="抽查", kind="annual",
        agencies=[MZJ], region_prefix="1405", ownerships=["private"],
        checklist=[{"code": "FS-01", "title": "消防"}], sampling=SAMPLING_GUOFA_2019_5.as_record(None),
        occurred_on=PLANNED, actor=LEAD, source="test")


def commit(c: SpotCheckCampaign, reason: str | None = None, results: int = 0,
           today: date = date(2026, 9, 5)) -> None:
    c.commit_seed(commitment=commitment_of("x"), seed_sealed="sealed", reason=reason,
                  results_recorded=results, today=today, occurred_on=date(2026, 9, 2), actor=LEAD,
                  source="test")


def record(c: SpotCheckCampaign, visit_on: date = date(2026, 9, 10)) -> None:
    recorded = inputs([("F0001", "A")], pool(2), seed="x").as_record()
    c.record_draw(inputs=recorded, result=draw(DrawInputs.from_record(recorded)),
                  snapshot_digest=snapshot_digest(snapshot_of(recorded)), visit_on=visit_on,
                  occurred_on=date(2026, 9, 2), actor=LEAD, source="test")


def test_no_draw_without_a_commitment_first():
    c = campaign()
    with pytest.raises(Conflict, match="no seed commitment"):
        c.check_drawable(date(2026, 9, 2))
    commit(c)
    record(c)
    assert c.is_drawn and c.drawn_attempt == 1 and not c.has_pending_commitment
    with pytest.raises(Conflict, match="a redraw needs a new commitment"):
        record(c)


def test_a_redraw_needs_a_reason_and_keeps_every_attempt():
    c = campaign()
    commit(c)
    record(c)
    with pytest.raises(InvalidValue) as err:
        commit(c)
    assert "reason" in err.value.fields
    with pytest.raises(InvalidValue):
        commit(c, reason="   ")
    commit(c, reason="名录库遗漏新备案机构，重新抽取")
    record(c)
    committed = [e for e in c.collect_events() if isinstance(e, SpotCheckCampaign.SeedCommitted)]
    assert [(e.attempt, e.reason) for e in committed] == [(1, None), (2, "名录库遗漏新备案机构，重新抽取")]
    assert c.drawn_attempt == 2


def test_no_redraw_once_a_result_is_recorded_or_the_visits_began():
    c = campaign()
    commit(c)
    record(c, visit_on=date(2026, 9, 10))
    with pytest.raises(Conflict, match="result"):
        commit(c, reason="不满意", results=1)
    with pytest.raises(Conflict, match="visits"):
        commit(c, reason="不满意", today=date(2026, 9, 10))


# -- who sees the draw when ------------------------------------------------------------------------
VISIT = date(2026, 9, 10)


@pytest.mark.parametrize(("actor", "before", "after"), [
    (Actor("admin", MZJ, "admin"), "organiser", "public"),
    (Actor("mz-officer", MZJ, "civil_affairs"), "organiser", "public"),
    (Actor("sj-officer", SJ, "market"), "none", "public"),  # a regulator outside the campaign
    (Actor("MZ-00", MZJ, "inspector"), "own", "public"),
    (None, "none", "public"),  # the public
])
def test_the_draw_is_for_organisers_until_the_visit_date(actor, before, after):
    assert draw_visibility(actor, [MZJ, XF], VISIT, date(2026, 9, 9)) == before
    assert draw_visibility(actor, [MZJ, XF], VISIT, VISIT) == after
