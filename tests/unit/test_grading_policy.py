"""等级评定 thresholds (GB/T 37276-2018 as applied locally)."""

from supervision.policy.grading import GRADING_GB_T_37276_2018 as POLICY


def test_each_level_needs_its_minimum_total():
    assert POLICY.check(3, 570) == []
    assert POLICY.check(3, 569) == ["level 3 needs at least 570 points, score is 569"]
    assert POLICY.check(5, 900) == []


def test_each_part_must_reach_the_levels_share_of_its_maximum():
    assert POLICY.check(5, 950, {"services": 540}) == []
    assert POLICY.check(5, 950, {"services": 539}) == ["level 5 needs services ≥ 540, got 539"]


def test_unknown_parts_and_levels_are_refused():
    assert POLICY.check(6, 999) == ["level must be 1–5, got 6"]
    assert "unknown part" in POLICY.check(1, 400, {"garden": 10})[0]
