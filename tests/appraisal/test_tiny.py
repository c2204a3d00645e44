"""Every scoring method, unreliable values, items, grades and quotas, case weighting and the
expected values from the case mix -- on a tiny dataset, against values worked out by hand
in the comments."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from tests.appraisal.tiny_data import CATALOGUE, PERIOD, person, value_row

from kaoping.appraisal.compute import ComputedRun, compute_run
from kaoping.appraisal.fairness import expected_values
from kaoping.appraisal.load import scheme_from_text
from kaoping.appraisal.scheme import Scheme
from kaoping.appraisal.score import ItemInput
from kaoping.catalogue.models import Catalogue
from kaoping.engine.periods import parse_period
from kaoping.warehouse import connect, ibis_connection

ORGAN_SCHEME = """
id: tiny_organs
name_zh: 小方案
name_en: Tiny scheme
subjects: {kind: organ, level: 4, compare: parent}
unreliable: {policy: neutral}
dimensions:
  - id: d1
    name_zh: 一
    name_en: one
    weight: 60
    indicators:
      - {indicator: rate_a, weight: 2, method: within_range, low: 0.2, high: 0.5,
         zero_at_distance: 0.2}
      - {indicator: rate_b, method: ratio_to_target, target: 0.8}
  - id: d2
    name_zh: 二
    name_en: two
    weight: 40
    indicators:
      - {indicator: rate_c, method: linear, zero_at: 0.5, full_at: 0.9}
      - {indicator: count_d, method: percentile}
adjustments:
  bonus:
    cap: 3
    items:
      - {id: model_case, name_zh: 典型案例, name_en: Model case, max_points: 2}
  deduction:
    cap: 10
    items:
      - {id: wrongful_case, name_zh: 错案, name_en: Wrongful case, max_points: 5}
grades:
  - {id: excellent, name_zh: 优秀, name_en: Excellent, min_total: 75, quota: 0.34}
  - {id: good, name_zh: 良好, name_en: Good, min_total: 60}
  - {id: fair, name_zh: 一般, name_en: Fair, min_total: 50}
  - {id: poor, name_zh: 较差, name_en: Poor}
fairness: false
"""

# Values by hand (rates as fractions). Group 110100 = 110101, 110102, 110103;
# group 120100 = 120101 alone.
VALUES = [
    # rate_a, within [0.2, 0.5], zero 0.2 outside
    value_row("rate_a", "110101", 0.30, numerator=30, denominator=100),        # inside: 1
    value_row("rate_a", "110102", 0.60, numerator=30, denominator=50,          # 0.1 above:
              ci=(0.45, 0.70)),                                                # 1 - .1/.2 = .5
    value_row("rate_a", "110103", 0.20, numerator=1, denominator=5,            # 1 of 5:
              flags=["small_denominator"]),                                    # unreliable
    value_row("rate_a", "120101", 0.15, numerator=6, denominator=40),          # .05 below: .75
    # rate_b, min(1, v / 0.8)
    value_row("rate_b", "110101", 0.40, numerator=20, denominator=50),         # .5
    value_row("rate_b", "110102", 0.80, numerator=40, denominator=50),         # 1
    value_row("rate_b", "110103", 0.96, numerator=48, denominator=50),         # capped at 1
    # (120101 has no rate_b row: no data -> unreliable, no reliable peer -> 0.5)
    # rate_c, (v - 0.5) / (0.9 - 0.5)
    value_row("rate_c", "110101", 0.70, numerator=35, denominator=50),         # .5
    value_row("rate_c", "110102", 0.95, numerator=38, denominator=40),         # 1 (clamped)
    value_row("rate_c", "110103", 0.60, numerator=30, denominator=50),         # .25
    value_row("rate_c", "120101", 0.50, numerator=25, denominator=50),         # 0
    # count_d, percentile among the group
    value_row("count_d", "110101", 10),   # worse 0, tied 1 of 3: (0 + 1/2) / 2 = .25
    value_row("count_d", "110102", 20),   # worse 2: 2 / 2 = 1
    value_row("count_d", "110103", 10),   # .25
    value_row("count_d", "120101", 7),    # alone: .5
]

# Points: d1 = 60 -> rate_a 60 x 2/3 = 40, rate_b 20; d2 = 40 -> rate_c 20, count_d 20.
# rate_a of 110103 is unreliable -> neutral = mean attainment of 110101 (1) and 110102 (.5)
EXPECTED_TOTALS = {
    "110101": 40 * 1 + 20 * 0.5 + 20 * 0.5 + 20 * 0.25,      # 65
    "110102": 40 * 0.5 + 20 * 1 + 20 * 1 + 20 * 1,          # 80
    "110103": 40 * 0.75 + 20 * 1 + 20 * 0.25 + 20 * 0.25,    # 60
    "120101": 40 * 0.75 + 20 * 0.5 + 20 * 0 + 20 * 0.5,      # 50
}


def scheme(text: str = ORGAN_SCHEME, catalogue: Catalogue = CATALOGUE) -> Scheme:
    loaded, problems = scheme_from_text(text, "tiny.yaml", catalogue)
    assert not problems, [str(p) for p in problems]
    assert loaded is not None
    return loaded


@pytest.fixture
def tiny(make_warehouse: Any) -> Path:
    path: Path = make_warehouse([], VALUES)
    return path


def run(path: Path, s: Scheme | None = None, items: tuple[ItemInput, ...] = ()) -> ComputedRun:
    return compute_run(path, s or scheme(), PERIOD, items=items, catalogue=CATALOGUE)


def by_subject(r: ComputedRun) -> dict[str, Any]:
    return {x.subject: x for x in r.results}


def test_every_method_scores_as_worked_out_by_hand(tiny: Path) -> None:
    res = by_subject(run(tiny))
    attain = {
        ("110101", "rate_a"): 1.0, ("110102", "rate_a"): 0.5, ("110103", "rate_a"): 0.75,
        ("120101", "rate_a"): 0.75,
        ("110101", "rate_b"): 0.5, ("110102", "rate_b"): 1.0, ("110103", "rate_b"): 1.0,
        ("120101", "rate_b"): 0.5,
        ("110101", "rate_c"): 0.5, ("110102", "rate_c"): 1.0, ("110103", "rate_c"): 0.25,
        ("120101", "rate_c"): 0.0,
        ("110101", "count_d"): 0.25, ("110102", "count_d"): 1.0, ("110103", "count_d"): 0.25,
        ("120101", "count_d"): 0.5,
    }
    for (subject, ind), expected in attain.items():
        line = res[subject].indicator(ind)
        assert line.attainment == pytest.approx(expected), (subject, ind)
    assert res["110101"].indicator("rate_a").max_points == pytest.approx(40)
    assert res["110101"].indicator("rate_b").max_points == pytest.approx(20)
    assert res["110102"].dimension("d1").score == pytest.approx(40)   # 20 + 20
    assert res["110102"].dimension("d2").score == pytest.approx(40)   # 20 + 20
    for subject, total in EXPECTED_TOTALS.items():
        assert res[subject].total == pytest.approx(total), subject


def test_unreliable_values_are_neutral_not_taken_at_face_value(tiny: Path) -> None:
    res = by_subject(run(tiny))
    thin = res["110103"].indicator("rate_a")
    # 1 of 5 is 20%, inside the range: at face value it would earn full marks
    assert not thin.reliable and thin.note is not None and "5" in thin.note
    assert thin.attainment == pytest.approx(0.75)
    missing = res["120101"].indicator("rate_b")
    assert not missing.reliable and missing.value is None
    assert missing.attainment == pytest.approx(0.5)


def test_fixed_policy_gives_the_schemes_share(tiny: Path) -> None:
    fixed = scheme(ORGAN_SCHEME.replace("policy: neutral", "policy: fixed, fraction: 0.4"))
    res = by_subject(run(tiny, fixed))
    assert res["110103"].indicator("rate_a").attainment == pytest.approx(0.4)
    # 60 - 40 x 0.75 + 40 x 0.4
    assert res["110103"].total == pytest.approx(46)
    assert res["110102"].total == pytest.approx(80)  # reliable values are unaffected


def test_ranks_grades_and_quota_within_each_group(tiny: Path) -> None:
    res = by_subject(run(tiny))
    assert [res[s].rank for s in ("110102", "110101", "110103")] == [1, 2, 3]
    assert res["120101"].rank == 1 and res["120101"].peers == 1
    assert res["110102"].group == "110100" and res["120101"].group == "120100"
    # excellent: >= 75 and at most floor(0.34 x 3) = 1 of the group
    assert res["110102"].grade == "excellent"
    assert res["110101"].grade == "good"      # 65
    assert res["110103"].grade == "good"      # 60
    assert res["120101"].grade == "fair"      # 50: quota of 1 x 0.34 = 0 is moot below 75


def test_quota_turns_away_a_whole_tie(make_warehouse: Any) -> None:
    # 110101 gets 110102's values: the two tie. count_d: each is better than 110103 and
    # tied with the other: (1 + 1/2) / 2 = .75; total 40 x .5 + 20 + 20 + 20 x .75 = 75.
    # 110103: rate_a neutral = mean(.5, .5) -> 20; rate_b 20; rate_c 5; count_d 0 -> 45.
    values = [v for v in VALUES if v["subject"] != "110101"]
    values += [{**v, "subject": "110101", "organ_code": "110101"}
               for v in VALUES if v["subject"] == "110102"]
    res = by_subject(run(make_warehouse([], values)))
    assert res["110101"].total == pytest.approx(75) and res["110102"].total == pytest.approx(75)
    assert res["110103"].total == pytest.approx(45)
    assert res["110101"].rank == res["110102"].rank == 1
    assert res["110103"].rank == 3
    # both reach 75, but one excellent place cannot hold a tie of two: both fall to good
    assert res["110101"].grade == res["110102"].grade == "good"
    assert "quota" in (res["110101"].grade_note or "")
    assert res["110103"].grade == "poor"


def test_bonus_and_deduction_items_with_caps(tiny: Path) -> None:
    items = (
        ItemInput(1, "110101", "model_case", 3, "guiding case"),   # 3 > max 2: counts 2
        ItemInput(2, "110101", "model_case", 2, "second case"),    # 2 + 2 = 4 > cap 3: 3
        ItemInput(3, "110103", "wrongful_case", 1.5, "wrongful"),  # 1.5
        ItemInput(4, "110102", "unknown_kind", 9, "typo"),         # not in the scheme
    )
    res = by_subject(run(tiny, items=items))
    assert res["110101"].bonus == pytest.approx(3)
    assert res["110101"].total == pytest.approx(65 + 3)
    assert [a.counted for a in res["110101"].adjustments] == [2, 2]
    assert res["110103"].deduction == pytest.approx(1.5)
    assert res["110103"].total == pytest.approx(58.5)
    assert res["110103"].grade == "fair"  # fell below 60
    assert res["110102"].total == pytest.approx(80)
    assert res["110102"].adjustments[0].kind == "ignored"


def test_intervals_mark_neighbours_that_cannot_be_told_apart(tiny: Path) -> None:
    res = by_subject(run(tiny))
    # rate_a of 110102 lies in [0.45, 0.70]: attainment 1 at 0.45, 0 at 0.70 (0.2 above)
    line = res["110102"].indicator("rate_a")
    assert (line.points_low, line.points_high) == (pytest.approx(0), pytest.approx(40))
    assert res["110102"].total_low == pytest.approx(60)    # 80 - 20
    assert res["110102"].total_high == pytest.approx(100)  # 80 + 20
    # 110102 [60, 100] overlaps 110101 (65); 110101 (65) and 110103 (60) do not overlap
    assert res["110102"].indistinct_from == ("110101",)
    assert res["110101"].indistinct_from == ("110102",)
    assert res["110103"].indistinct_from == ()


# --- prosecutors and case weighting ---------------------------------------------------------

PROSECUTOR_SCHEME = """
id: tiny_prosecutors
name_zh: 检察官
name_en: Prosecutors
subjects: {kind: prosecutor, compare: organ}
dimensions:
  - id: efficiency
    name_zh: 效率
    name_en: Efficiency
    weight: 100
    indicators:
      - {indicator: weighted_cases, method: ratio_to_target, target: peer_max}
grades:
  - {id: outstanding, name_zh: 优秀, name_en: Outstanding, min_total: 85, quota: 0.34}
  - {id: competent, name_zh: 称职, name_en: Competent}
case_weighting:
  date: prosecution_review_concluded
  filter: prosecution_decision is not null
  types:
    - {id: violent, name_zh: 暴力, name_en: Violent, when: crime_serious_violent, weight: 1.5}
  difficulty: {simple: 0.6, ordinary: 1.0, complex: 1.8}
  per_extra_person: 0.3
fairness: false
"""

PERSONS = (
    # P1: three complex homicide cases, one suspect each: 1.5 x 1.8 = 2.7 each, 8.1 in all
    *(person(f"a{i}", "110101", prosecutor="P1", crime="C2", difficulty="complex")
      for i in range(3)),
    # P2: eight simple thefts: 1.0 x 0.6 = 0.6 each, 4.8 in all
    *(person(f"b{i}", "110101", prosecutor="P2", difficulty="simple") for i in range(8)),
    # P3: one ordinary theft with two suspects: 1.0 + 0.3 x 1 = 1.3
    person("c1", "110101", prosecutor="P3", case="KC", difficulty="ordinary"),
    person("c2", "110101", prosecutor="P3", case="KC", difficulty="ordinary"),
    # not counted: concluded in another year, or no decision
    person("d1", "110101", prosecutor="P2", difficulty="complex", concluded=None),
    person("d2", "110101", prosecutor="P2", difficulty="complex", decision=None),
)


def test_case_weighting_puts_few_hard_cases_ahead_of_many_easy_ones(
    make_warehouse: Any,
) -> None:
    path = make_warehouse(PERSONS, [value_row("count_d", "110101", 1)])
    res = by_subject(run(path, scheme(PROSECUTOR_SCHEME)))
    p1, p2, p3 = (res[p].indicator("weighted_cases") for p in ("P1", "P2", "P3"))
    assert (p1.value, p2.value, p3.value) == (pytest.approx(8.1), pytest.approx(4.8),
                                              pytest.approx(1.3))
    # ratio to the peers' maximum (8.1): 1, 4.8 / 8.1, 1.3 / 8.1 of 100 points
    assert res["P1"].total == pytest.approx(100)
    assert res["P2"].total == pytest.approx(100 * 4.8 / 8.1, abs=1e-4)
    assert res["P3"].total == pytest.approx(100 * 1.3 / 8.1, abs=1e-4)
    assert res["P1"].rank == 1 and res["P2"].rank == 2
    # quota: floor(0.34 x 3) = 1 outstanding
    assert [res[p].grade for p in ("P1", "P2", "P3")] == ["outstanding", "competent",
                                                          "competent"]


# --- expected values from the case mix ----------------------------------------------------------

MIX = (
    # 110101: adults C1 4 (1 not prosecuted); minors C1 2 (2 not prosecuted)
    *(person(f"e{i}", "110101", decision="not_prosecuted" if i == 0 else "prosecuted")
      for i in range(4)),
    *(person(f"m{i}", "110101", decision="not_prosecuted", minor=True) for i in range(2)),
    # 110102: adults C1 2 (1 np); adults C2 4 (0 np)
    person("f0", "110102", decision="not_prosecuted"), person("f1", "110102"),
    *(person(f"g{i}", "110102", crime="C2") for i in range(4)),
    # 120101: adults C2 2 (0 np)
    *(person(f"h{i}", "120101", crime="C2") for i in range(2)),
)


def test_expected_rate_from_the_case_mix(make_warehouse: Any) -> None:
    path = make_warehouse(MIX, [value_row("count_d", "110101", 1)])
    # national rates by stratum: C1 adult 2/6, C1 minor 2/2, C2 adult 0/6
    con = connect(path, read_only=True)
    try:
        got = expected_values(ibis_connection(con), [CATALOGUE.get("rate_a")],
                              parse_period(PERIOD),
                              {"110101": ("110101",), "110102": ("110102",)})
    finally:
        con.close()
    a, b = got[("110101", "rate_a")], got[("110102", "rate_a")]
    # 110101: expected 4 x 1/3 + 2 x 1 = 10/3 of 6; observed 3 of 6; O/E = 3 / (10/3) = 0.9
    assert a.expected_numerator == pytest.approx(10 / 3)
    assert a.expected == pytest.approx(10 / 18)
    assert a.observed == pytest.approx(0.5)
    assert a.ratio == pytest.approx(0.9)
    # 110102: expected 2 x 1/3 + 4 x 0 = 2/3 of 6; observed 1 of 6; O/E = 1.5
    assert b.expected == pytest.approx(2 / 18)
    assert b.ratio == pytest.approx(1.5)
