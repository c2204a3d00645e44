"""What-if comparison on a tiny warehouse whose answer is worked out by hand: swapping two
weights swaps two organs' ranks; the sensitivity of each weight against totals and ranks
recomputed here from the formula."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from tests.appraisal.tiny_data import PERIOD, value_row
from typer.testing import CliRunner

from kaoping.appraisal import SchemeError, load_scheme
from kaoping.appraisal.compare import apply_overrides, compare_schemes, kendall_tau
from kaoping.cli import app

X, Y = "plea_leniency_rate", "sentencing_recommendation_adoption_rate"

# organ -> (x, y); 110101-110103 share the parent 110100, 120101 is alone in 120100
RATES = {"110101": (0.90, 0.30), "110102": (0.30, 0.80), "110103": (0.42, 0.49),
         "120101": (0.50, 0.50)}

SCHEME = """
id: swap_{name}
name_zh: 权重互换
name_en: Swapped weights
subjects: {{kind: organ, level: 4, compare: parent}}
unreliable: {{policy: neutral}}
dimensions:
  - id: only
    name_zh: 唯一
    name_en: Only
    weight: 100
    indicators:
      - {{indicator: {x}, weight: {wx}, method: linear, zero_at: 0, full_at: 1}}
      - {{indicator: {y}, weight: {wy}, method: linear, zero_at: 0, full_at: 1}}
grades:
  - {{id: good, name_zh: 好, name_en: Good, min_total: 60}}
  - {{id: poor, name_zh: 差, name_en: Poor}}
fairness: false
"""


def _totals(wx: float, wy: float) -> dict[str, float]:
    """100 x (wx x + wy y) / (wx + wy): linear 0..1 scores a rate as itself."""
    return {o: 100 * (wx * x + wy * y) / (wx + wy) for o, (x, y) in RATES.items()}


def _ranks(totals: dict[str, float]) -> dict[str, int]:
    groups = {"110101": "a", "110102": "a", "110103": "a", "120101": "b"}
    out = {}
    for o, t in totals.items():
        out[o] = 1 + sum(1 for p, u in totals.items() if groups[p] == groups[o] and u > t)
    return out


@pytest.fixture
def warehouse(make_warehouse: Any) -> Path:
    rows = [value_row(ind, organ, v, numerator=v * 100, denominator=100)
            for organ, pair in RATES.items() for ind, v in zip((X, Y), pair, strict=True)]
    path: Path = make_warehouse([], rows)
    return path


@pytest.fixture
def schemes(tmp_path: Path) -> tuple[Path, Path]:
    a = tmp_path / "a.yaml"
    b = tmp_path / "b.yaml"
    a.write_text(SCHEME.format(name="a", x=X, y=Y, wx=3, wy=1), encoding="utf-8")
    b.write_text(SCHEME.format(name="b", x=X, y=Y, wx=1, wy=3), encoding="utf-8")
    return a, b


def test_swapping_two_weights_swaps_two_organs(warehouse: Path, schemes: tuple[Path, Path]
                                                ) -> None:
    # A: 110101 = (3 x .9 + .3) / 4 = 75, 110102 = 42.5, 110103 = 43.75 -> 1, 3, 2
    # B: 110101 = (.9 + .9) / 4 = 45, 110102 = 67.5, 110103 = 47.25 -> 3, 1, 2
    result = CliRunner().invoke(app, ["appraise", "compare", str(schemes[0]), str(schemes[1]),
                                      "--period", PERIOD, "--json", "--db", str(warehouse)])
    assert result.exit_code == 0, result.output
    out = json.loads(result.output)
    moves = {s["subject"]: s for s in out["subjects"]}
    assert (moves["110101"]["rank_a"], moves["110101"]["rank_b"]) == (1, 3)
    assert (moves["110102"]["rank_a"], moves["110102"]["rank_b"]) == (3, 1)
    assert moves["110103"]["rank_change"] == 0 and moves["120101"]["rank_change"] == 0
    assert moves["110101"]["total_a"] == pytest.approx(75)
    assert moves["110102"]["total_b"] == pytest.approx(67.5)
    assert out["rank_changes"] == 2
    assert out["mean_abs_rank_change"] == pytest.approx((2 + 2) / 4)
    # every pair of the group of three reverses; the group of one has no pairs
    assert out["tau"] == pytest.approx(-1)
    assert {(m["from"], m["to"], m["subjects"]) for m in out["grade_moves"]} == {
        ("good", "poor", 1), ("poor", "good", 1)}
    # x's points go from 75 x to 25 x: per subject B - A = -50 x
    drivers = {d["indicator"]: d for d in out["drivers"]}
    dx = [-50 * x for x, _ in RATES.values()]
    assert drivers[X]["mean_change"] == pytest.approx(sum(dx) / 4, abs=1e-3)
    assert drivers[X]["mean_abs_change"] == pytest.approx(sum(map(abs, dx)) / 4, abs=1e-3)
    assert (drivers[X]["max_points_a"], drivers[X]["max_points_b"]) == (75, 25)
    dy = [50 * y for _, y in RATES.values()]
    assert drivers[Y]["mean_change"] == pytest.approx(sum(dy) / 4, abs=1e-3)


def test_set_changes_one_scheme_like_a_second_file(
    warehouse: Path, schemes: tuple[Path, Path]
) -> None:
    result = CliRunner().invoke(app, [
        "appraise", "compare", str(schemes[0]), "--set", f"weight.{X}=1", "--set",
        f"weight.{Y}=3", "--period", PERIOD, "--db", str(warehouse)])
    assert result.exit_code == 0, result.output
    assert "Kendall tau" in result.output and "-1.000" in result.output
    bad = CliRunner().invoke(app, ["appraise", "compare", str(schemes[0]), "--set",
                                   "weight.plea_leniency=1", "--period", PERIOD,
                                   "--db", str(warehouse)])
    assert bad.exit_code == 1
    assert "did you mean plea_leniency_rate" in bad.output


def test_sensitivity_moves_each_weight_by_a_fifth(warehouse: Path, schemes: tuple[Path, Path]
                                                  ) -> None:
    a = load_scheme(schemes[0])
    cmp = compare_schemes(warehouse, a, load_scheme(schemes[1]), PERIOD)
    base = _ranks(_totals(3, 1))
    group = ["110101", "110102", "110103"]
    for s in cmp.sensitivity_a:
        for factor, moved, tau in ((0.8, s.mean_abs_rank_change_down, s.tau_down),
                                   (1.2, s.mean_abs_rank_change_up, s.tau_up)):
            wx, wy = (3 * factor, 1) if s.indicator == X else (3, factor)
            totals = _totals(wx, wy)
            ranks = _ranks(totals)
            assert moved == pytest.approx(sum(abs(ranks[o] - base[o]) for o in RATES) / 4)
            base_t = _totals(3, 1)
            assert tau == pytest.approx(kendall_tau([base_t[o] for o in group],
                                                    [totals[o] for o in group]))
    # by hand: x at 2.4 puts 110102 (44.71) above 110103 (44.06): one pair of three flips
    x_down = next(s for s in cmp.sensitivity_a if s.indicator == X)
    assert x_down.mean_abs_rank_change_down == pytest.approx(0.5)
    assert x_down.tau_down == pytest.approx(1 / 3)
    assert x_down.mean_abs_rank_change_up == 0


def test_overrides_are_checked_like_a_scheme_file(schemes: tuple[Path, Path]) -> None:
    a = load_scheme(schemes[0])
    changed = apply_overrides(a, ["threshold.good=70", "quota.good=0.5"])
    assert (changed.grades[0].min_total, changed.grades[0].quota) == (70, 0.5)
    with pytest.raises(SchemeError, match="no grade `great`"):
        apply_overrides(a, ["threshold.great=70"])
    with pytest.raises(SchemeError, match="expected a number"):
        apply_overrides(a, [f"weight.{X}=heavy"])
    with pytest.raises(SchemeError, match=r"KIND\.NAME=VALUE"):
        apply_overrides(a, ["weight=3"])
    with pytest.raises(SchemeError, match="greater than 0"):
        apply_overrides(a, [f"weight.{X}=0"])
