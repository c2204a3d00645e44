"""The pure building blocks: scoring methods, ties-aware ranks, grades with quotas."""

from __future__ import annotations

import pytest

from kaoping.appraisal.fairness import indistinct_neighbours
from kaoping.appraisal.grading import assign_grades, competition_ranks, quota_size
from kaoping.appraisal.scheme import Grade
from kaoping.appraisal.scoring import (
    linear,
    order_key,
    percentile,
    ratio_to_target,
    within_range,
)


def test_within_range() -> None:
    assert within_range(0.30, 0.2, 0.5, 0.2) == 1
    assert within_range(0.20, 0.2, 0.5, 0.2) == 1           # bounds are inside
    assert within_range(0.55, 0.2, 0.5, 0.2) == pytest.approx(0.75)   # 1 - .05/.2
    assert within_range(0.10, 0.2, 0.5, 0.2) == pytest.approx(0.5)    # 1 - .1/.2
    assert within_range(0.95, 0.2, 0.5, 0.2) == 0           # never below 0
    assert within_range(99.0, None, 45.0, 30.0) == 0         # days: 54 over
    assert within_range(60.0, None, 45.0, 30.0) == pytest.approx(0.5)
    assert within_range(-5.0, None, 45.0, 30.0) == 1         # open low bound
    with pytest.raises(ValueError):
        within_range(0.3, 0.2, 0.5, 0)


def test_ratio_to_target() -> None:
    assert ratio_to_target(0.4, 0.8, True) == pytest.approx(0.5)
    assert ratio_to_target(0.96, 0.8, True) == 1             # capped
    assert ratio_to_target(0.2, 0.1, False) == pytest.approx(0.5)   # lower is better
    assert ratio_to_target(0.05, 0.1, False) == 1
    assert ratio_to_target(0.0, 0.1, False) == 1
    assert ratio_to_target(0.0, 0.0, True) == 1              # a target of 0 is met


def test_linear_both_directions() -> None:
    assert linear(0.7, 0.5, 0.9) == pytest.approx(0.5)
    assert linear(0.4, 0.5, 0.9) == 0
    assert linear(1.0, 0.5, 0.9) == 1
    assert linear(1.3, 2.0, 1.0) == pytest.approx(0.7)       # lower is better: 1.3 of 2..1
    with pytest.raises(ValueError):
        linear(1.0, 1.0, 1.0)


def test_percentile_mid_ranks() -> None:
    keys = [10.0, 20.0, 10.0, 30.0]
    assert percentile(30.0, keys) == 1
    assert percentile(20.0, keys) == pytest.approx(2 / 3)     # 2 worse of 3 others
    assert percentile(10.0, keys) == pytest.approx(1 / 6)     # 0 worse, 1 tied: .5 / 3
    assert percentile(5.0, [5.0]) == 0.5
    with pytest.raises(ValueError):
        percentile(7.0, keys)


def test_order_key_by_direction() -> None:
    assert order_key(0.3, "lower_is_better") > order_key(0.4, "lower_is_better")
    assert order_key(0.3, "higher_is_better") < order_key(0.4, "higher_is_better")
    # within a range: inside beats outside, nearer beats farther
    inside, near, far = (order_key(v, "within_range", 0.2, 0.5) for v in (0.3, 0.55, 0.9))
    assert inside == 0 and inside > near > far


def test_competition_ranks_share_ties_to_two_decimals() -> None:
    ranks = competition_ranks({"a": 90.0, "b": 88.001, "c": 88.004, "d": 70.0})
    assert ranks == {"a": 1, "b": 2, "c": 2, "d": 4}


def test_quota_size_is_a_floor() -> None:
    assert quota_size(0.15, 20) == 3
    assert quota_size(0.15, 6) == 0
    assert quota_size(0.2, 10) == 2
    assert quota_size(0.3, 10) == 3   # 0.3 x 10 is 2.9999999999999996 in binary


GRADES = [
    Grade(id="outstanding", name_zh="优秀", name_en="Outstanding", min_total=85, quota=0.2),
    Grade(id="competent", name_zh="称职", name_en="Competent", min_total=60),
    Grade(id="incompetent", name_zh="不称职", name_en="Incompetent"),
]


def test_grades_respect_thresholds_and_quota() -> None:
    totals = {"a": 95, "b": 91, "c": 90, "d": 70, "e": 65, "f": 61, "g": 60, "h": 59,
              "i": 40, "j": 86}
    got = {s: g.grade for s, g in assign_grades(totals, GRADES).items()}
    # quota 20% of 10 = 2: a and b; c and j reached 85 but the quota is full
    assert [s for s in sorted(got) if got[s] == "outstanding"] == ["a", "b"]
    assert got["c"] == got["j"] == "competent"
    assert got["g"] == "competent" and got["h"] == "incompetent"


def test_a_tie_at_the_quota_edge_is_not_split_and_nobody_below_jumps_it() -> None:
    totals = {"a": 95, "b": 90, "c": 90, "d": 88, "e": 50, "f": 50, "g": 50, "h": 50,
              "i": 50, "j": 50}
    got = assign_grades(totals, GRADES)
    # 2 places: a takes one; b and c tie for the second; d must not take it either
    assert got["a"].grade == "outstanding"
    assert got["b"].grade == got["c"].grade == got["d"].grade == "competent"
    assert got["b"].note is not None and "quota" in got["b"].note


def test_neighbours_with_overlapping_intervals() -> None:
    ranked = [("a", 80, 90), ("b", 75, 82), ("c", 60, 70), ("d", 65, 69)]
    assert indistinct_neighbours(ranked) == {"a": ["b"], "b": ["a"], "c": ["d"], "d": ["c"]}
