"""The full computation on a dataset small enough to recount on paper.

Every expected number below was worked out by hand from the table in ``PERSONS``; none was
copied from the engine's output.
"""

from __future__ import annotations

import math
from datetime import date
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd
import pytest
from tests.engine.engine_data import CRIMES, ORGANS, build_warehouse, person
from tests.helpers import insert_rows

from kaoping.catalogue.models import Indicator, Measure
from kaoping.engine.compute import compute, default_years
from kaoping.engine.periods import parse_period
from kaoping.model.schema import TABLES

D = date
# id, organ, prosecutor, concluded, decision, case, received
ROWS: list[tuple[str, str, str | None, date | None, str | None, str, date | None]] = [
    ("d1", "110101", "P1", D(2020, 1, 15), "prosecuted", "K1", D(2020, 1, 5)),
    ("d2", "110101", "P1", D(2020, 2, 10), "not_prosecuted", "K1", D(2020, 1, 31)),
    ("d3", "110101", "P2", D(2020, 3, 5), "prosecuted", "Kd3", D(2020, 2, 4)),
    ("d4", "110101", "P2", D(2020, 7, 1), "not_prosecuted", "Kd4", None),
    ("x1", "110102", "P3", D(2020, 1, 20), "not_prosecuted", "Kx1", D(2020, 1, 10)),
    ("x2", "110102", "P3", D(2020, 5, 20), "prosecuted", "Kx2", None),
    ("x3", "110102", "P3", D(2020, 3, 15), "prosecuted", "K1", D(2020, 3, 5)),
    ("b1", "110100", None, D(2020, 4, 1), "prosecuted", "Kb1", None),
    ("p1", "110000", "P5", D(2020, 6, 30), "not_prosecuted", "Kp1", None),
    ("h1", "120101", "P4", D(2020, 2, 2), "prosecuted", "Kh1", D(2020, 1, 3)),
    ("h2", "120101", "P4", D(2020, 2, 3), "prosecuted", "Kh2", None),
    ("h3", "120101", "P4", D(2020, 9, 9), "not_prosecuted", "Kh3", None),
    ("n1", "110101", "P1", D(2020, 2, 11), None, "Kn1", None),  # no decision: not concluded
    ("n2", "110101", "P1", None, "prosecuted", "Kn2", None),  # no date: in no period
    ("e1", "110101", "P1", D(2019, 1, 10), "prosecuted", "Ke1", None),
    ("e2", "110101", "P1", D(2019, 3, 10), "not_prosecuted", "Ke2", None),
    ("e3", "120101", "P4", D(2019, 2, 1), "not_prosecuted", "Ke3", None),
]
PERSONS = [
    person(
        pid,
        organ,
        concluded,
        decision,
        prosecutor=pros,
        case=case,
        prosecution_review_received=received,
    )
    for pid, organ, pros, concluded, decision, case, received in ROWS
]

CONCLUDED = "prosecution_decision is not null"


def _ind(
    ind_id: str,
    unit: str,
    numerator: Measure,
    denominator: Measure | None,
    direction: str,
    **kw: Any,
) -> Indicator:
    return Indicator(
        id=ind_id,
        name_zh=ind_id,
        name_en=ind_id,
        definition_zh="定义",
        definition_en="def",
        unit=unit,
        numerator=numerator,
        denominator=denominator,
        direction=direction,
        family="prosecution_review",
        aspect=4,
        **kw,
    )


def _m(filter_: str | None = None, agg: str = "count", expr: str | None = None) -> Measure:
    return Measure(
        table="persons", agg=agg, expr=expr, filter=filter_, date="prosecution_review_concluded"
    )


NONPROS = _ind(
    "nonpros",
    "rate",
    _m("prosecution_decision = 'not_prosecuted'"),
    _m(CONCLUDED),
    "higher_is_better",
    reasonable_range={"default": {"low": 0.1, "high": 0.5}},
    min_denominator=3,
    max_yoy_change=20,
)
PROSECUTED = _ind(
    "prosecuted", "count", _m("prosecution_decision = 'prosecuted'"), None, "lower_is_better"
)
CASES = _ind("cases", "count", _m(CONCLUDED, "count_distinct", "case_id"), None, "lower_is_better")
DAYS = _ind(
    "days",
    "days",
    _m(
        f"{CONCLUDED} and prosecution_review_received is not null",
        "avg",
        "days_between(prosecution_review_received, prosecution_review_concluded)",
    ),
    None,
    "lower_is_better",
)
INDICATORS = [NONPROS, PROSECUTED, CASES, DAYS]


@pytest.fixture(scope="module")
def computed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = build_warehouse(tmp_path_factory.mktemp("wh") / "w.duckdb", PERSONS)
    with duckdb.connect(str(path)) as con:
        compute(con, INDICATORS, years=[2019, 2020])
    return path


@pytest.fixture(scope="module")
def results(computed: Path) -> pd.DataFrame:
    with duckdb.connect(str(computed), read_only=True) as con:
        frame = con.execute("SELECT * FROM indicator_values").df()
    return frame.set_index(["indicator", "subject", "period"]).sort_index()


def row(results: pd.DataFrame, ind: str, subject: str, period: str) -> pd.Series:
    return results.loc[(ind, subject, period)]


def nan(x: Any) -> bool:
    return x is None or (isinstance(x, float) and math.isnan(x)) or x is pd.NA


# --- the rate, rolled up ---------------------------------------------------------------

Q1 = {  # organ: (numerator, denominator) of the non-prosecution rate, 2020-Q1
    "110101": (1, 3),
    "110102": (1, 2),
    "110100": (2, 5),
    "110000": (2, 5),
    "120101": (0, 2),
    "120100": (0, 2),
    "120000": (0, 2),
    "100000": (2, 7),
}


@pytest.mark.parametrize("organ", sorted(Q1))
def test_rate_per_organ_q1(results: pd.DataFrame, organ: str) -> None:
    r = row(results, "nonpros", organ, "2020-Q1")
    num, den = Q1[organ]
    assert (r.numerator, r.denominator) == (num, den)
    assert r.value == pytest.approx(num / den)


def test_previous_year_and_change_in_points(results: pd.DataFrame) -> None:
    r = row(results, "nonpros", "100000", "2020-Q1")
    assert (r.previous_numerator, r.previous_denominator) == (2, 3)  # e2, e3 of e1, e2, e3
    assert r.previous == pytest.approx(2 / 3)
    assert r.change == pytest.approx((2 / 7 - 2 / 3) * 100)
    assert r.change_unit == "percentage_points"
    # Xicheng had no case in 2019-Q1: nothing to compare with
    x = row(results, "nonpros", "110102", "2020-Q1")
    assert nan(x.previous) and nan(x.change)


def test_year_to_date_range(results: pd.DataFrame) -> None:
    ytd = {
        "110101": (2, 4),
        "110102": (1, 3),
        "110100": (3, 8),
        "110000": (4, 9),
        "120101": (0, 2),
        "100000": (4, 11),
    }
    for organ, (num, den) in ytd.items():
        r = row(results, "nonpros", organ, "2020-01..2020-07")
        assert (r.numerator, r.denominator, r.period_kind) == (num, den, "ytd")
    r = row(results, "nonpros", "100000", "2020-01..2020-07")
    assert r.previous == pytest.approx(2 / 3)


def test_a_month_and_a_half(results: pd.DataFrame) -> None:
    assert tuple(row(results, "nonpros", "110000", "2020-06")[["numerator", "denominator"]]) == (
        1,
        1,
    )
    assert tuple(row(results, "nonpros", "100000", "2020-H2")[["numerator", "denominator"]]) == (
        2,
        2,
    )


def _own(organ: str, period: str, decision_filter: Any) -> int:
    p = parse_period(period)
    return sum(
        1
        for pid, o, _, concluded, decision, _, _ in ROWS
        if o == organ
        and concluded is not None
        and p.start_date <= concluded < p.end_date
        and decision_filter(decision)
    )


@pytest.mark.parametrize("period", ["2020-Q1", "2020-H1", "2020", "2020-01..2020-09", "2019"])
def test_rollup_parent_is_children_plus_own(results: pd.DataFrame, period: str) -> None:
    children: dict[str, list[str]] = {}
    for code, parent, *_ in ORGANS:
        if parent:
            children.setdefault(parent, []).append(code)
    for parent, kids in children.items():
        r = row(results, "nonpros", parent, period)
        own_num = _own(parent, period, lambda d: d == "not_prosecuted")
        own_den = _own(parent, period, lambda d: d is not None)
        kid_rows = [row(results, "nonpros", k, period) for k in kids]
        assert r.numerator == own_num + sum(k.numerator for k in kid_rows)
        assert r.denominator == own_den + sum(k.denominator for k in kid_rows)


def test_every_organ_and_period_is_stored(results: pd.DataFrame) -> None:
    organs = results[results.subject_type == "organ"]
    per = organs.groupby(level="indicator").size()
    assert set(per) == {len(ORGANS) * 30 * 2}


def test_wilson_interval(results: pd.DataFrame) -> None:
    x, n, z = 2, 7, 1.959963984540054
    p = x / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z / (1 + z * z / n) * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    r = row(results, "nonpros", "100000", "2020-Q1")
    assert (r.ci_low, r.ci_high) == (pytest.approx(centre - half), pytest.approx(centre + half))
    assert nan(row(results, "prosecuted", "100000", "2020-Q1").ci_low)  # counts have none


def test_flags(results: pd.DataFrame) -> None:
    flags = {o: row(results, "nonpros", o, "2020-Q1")["flags"] for o in Q1}
    assert flags["110101"] == ""  # 1/3: inside 10%-50%, denominator 3, -16.7 points
    assert flags["110102"] == "small_denominator"  # 1/2, no previous year
    assert flags["120101"] == "out_of_range,yoy_swing,small_denominator"  # 0/2 vs 1/1
    assert flags["100000"] == "yoy_swing"  # -38.1 points


# --- ranks -----------------------------------------------------------------------------


def test_ranks_ties_and_direction(results: pd.DataFrame) -> None:
    # persons prosecuted in 2020-Q1, lower is better: Xicheng 1, Dongcheng 2, Heping 2
    got = {o: row(results, "prosecuted", o, "2020-Q1") for o in ("110101", "110102", "120101")}
    assert [got[o].numerator for o in ("110101", "110102", "120101")] == [2, 1, 2]
    assert {o: r.rank_in_level for o, r in got.items()} == {"110102": 1, "110101": 2, "120101": 2}
    assert {r.peers_in_level for r in got.values()} == {3}
    assert {o: r.percentile for o, r in got.items()} == {
        "110102": 100.0,
        "110101": 50.0,
        "120101": 50.0,
    }
    assert (got["110102"].rank_in_parent, got["110101"].rank_in_parent) == (1, 2)
    assert (got["110101"].peers_in_parent, got["120101"].peers_in_parent) == (2, 1)
    level2 = {o: row(results, "prosecuted", o, "2020-Q1") for o in ("110000", "120000")}
    assert (level2["120000"].rank_in_level, level2["110000"].rank_in_level) == (1, 2)


def test_unreliable_values_are_not_ranked(results: pd.DataFrame) -> None:
    # level 4, 2020-Q1: only Dongcheng (1/3) has a denominator of at least 3
    assert row(results, "nonpros", "110101", "2020-Q1").rank_in_level == 1
    assert row(results, "nonpros", "110101", "2020-Q1").peers_in_level == 1
    for organ in ("110102", "120101"):
        assert nan(row(results, "nonpros", organ, "2020-Q1").rank_in_level)


def test_count_change_in_percent(results: pd.DataFrame) -> None:
    r = row(results, "prosecuted", "110101", "2020-Q1")
    assert (r.previous, r.change, r.change_unit) == (1, pytest.approx(100.0), "percent")
    assert nan(row(results, "prosecuted", "120101", "2020-Q1").change)  # from 0


# --- distinct counts and averages ------------------------------------------------------


def test_distinct_cases_are_not_summed_across_months_or_organs(results: pd.DataFrame) -> None:
    months = [row(results, "cases", "110101", f"2020-0{m}").numerator for m in (1, 2, 3)]
    assert months == [1, 1, 1]  # K1, K1 (d2), Kd3
    assert row(results, "cases", "110101", "2020-Q1").numerator == 2  # K1 once
    # K1 is in Dongcheng (d1, d2) and in Xicheng (x3): once for their parent
    assert row(results, "cases", "110100", "2020-Q1").numerator == 3  # K1, Kd3, Kx1
    assert row(results, "cases", "100000", "2020-Q1").numerator == 5
    assert row(results, "cases", "P3", "2020-Q1").numerator == 2  # Kx1, K1
    # in March the branch sees Kd3 and K1 again (x3), although K1 was counted in February
    assert row(results, "cases", "110100", "2020-03").numerator == 2
    assert row(results, "cases", "110100", "2020-01..2020-02").numerator == 2  # K1, Kx1


def test_average_days_rolls_up_as_sum_over_count(results: pd.DataFrame) -> None:
    r = row(results, "days", "110101", "2020-Q1")
    assert (r.numerator, r.denominator, r.value) == (50, 3, pytest.approx(50 / 3))
    r = row(results, "days", "100000", "2020-Q1")  # 10+10+30+10+10+30 over 6
    assert (r.numerator, r.denominator) == (100, 6)
    assert r.change_unit == "days"


# --- prosecutors ----------------------------------------------------------------------


def test_prosecutors_are_subjects_of_their_own(results: pd.DataFrame) -> None:
    expected = {"P1": (1, 2), "P2": (0, 1), "P3": (1, 2), "P4": (0, 2)}
    for pid, (num, den) in expected.items():
        r = row(results, "nonpros", pid, "2020-Q1")
        assert (r.numerator, r.denominator, r.subject_type) == (num, den, "prosecutor")
    p1 = row(results, "nonpros", "P1", "2020-Q1")
    assert (p1.organ_code, p1.parent_code, p1.level) == ("110101", "110101", 4)


def test_prosecutor_rows_are_sparse(results: pd.DataFrame) -> None:
    assert ("nonpros", "P5", "2020-Q1") not in results.index  # p1 concluded in June
    assert row(results, "nonpros", "P5", "2020-H1").numerator == 1


# --- runs ------------------------------------------------------------------------------


def test_rerun_replaces_and_years_replace_only_their_rows(tmp_path: Path) -> None:
    path = build_warehouse(tmp_path / "w.duckdb", PERSONS)
    with duckdb.connect(str(path)) as con:
        first = compute(con, [PROSECUTED], years=[2019, 2020])
        again = compute(con, [PROSECUTED], years=[2019, 2020])
        assert first.rows == again.rows
        assert con.execute("SELECT count(*) FROM indicator_values").fetchall()[0][0] == first.rows
        # indicator_values is a view: the organs' and the prosecutors' figures are stored
        # per indicator (the prosecutors' also as cube sums, which the view does not
        # read); mark the 2019 figures the view shows. The organs' stored figures leave
        # out the cells of nothing recorded (their grid is completed on read): 2019's
        # stored organ rows are e1's (January 2019), its organ and the three above, in
        # the 15 periods that hold January
        for table in ("indicator_organ_figures", "indicator_prosecutor_rows"):
            con.execute(f"UPDATE {table} SET numerator = -1 WHERE pid // 100 = 2019")
        partial = compute(con, [PROSECUTED], years=[2020])
        total = con.execute("SELECT count(*) FROM indicator_values").fetchall()[0][0]
        assert total == first.rows and partial.years == (2020,)
        stale = con.execute(
            "SELECT subject_type, count(*) FROM indicator_values WHERE numerator = -1 "
            "GROUP BY ALL ORDER BY ALL"
        ).fetchall()
        # 2019 kept as it was: e1's organs, and P1 (e1, January 2019) in the month, Q1,
        # H1, the year and the 11 year-to-date ranges; P4 prosecuted nobody in 2019
        assert stale == [("organ", 4 * 15), ("prosecutor", 15)]
        # and every other organ cell of 2019 still reads as nothing recorded
        empty = con.execute(
            "SELECT count(*) FROM indicator_values_organ WHERE \"year\" = 2019 "
            "AND numerator = 0 AND previous_numerator = 0"
        ).fetchall()[0][0]
        assert empty == len(ORGANS) * 30 - 4 * 15
        runs = con.execute("SELECT count(*) FROM compute_runs").fetchall()[0][0]
        assert runs == 3


def test_a_year_recomputed_alone_reads_as_computed_with_the_others(tmp_path: Path) -> None:
    # 2020's comparison with 2019 then reads the kept 2019 sums: every figure, previous
    # values and ranks included, must be what the computation of both years gave
    path = build_warehouse(tmp_path / "w.duckdb", PERSONS)
    query = "SELECT * FROM indicator_values ORDER BY indicator, subject_type, subject, period"
    with duckdb.connect(str(path)) as con:
        compute(con, INDICATORS, years=[2019, 2020])
        both = con.execute(query).fetchall()
        partial = compute(con, INDICATORS, years=[2020])
        again = con.execute(query).fetchall()
    assert partial.years == (2020,)
    assert again == both
    assert any(r[6] == "2020-Q1" and r[14] is not None for r in both)  # a previous value


def test_a_year_alone_is_refused_when_the_definitions_changed(tmp_path: Path) -> None:
    # the same shape of stored figures (one count of persons by the same date), but the
    # kept 2019 figures count persons prosecuted and the new ones would count the others
    path = build_warehouse(tmp_path / "w.duckdb", PERSONS)
    changed = _ind(
        "prosecuted", "count", _m("prosecution_decision = 'not_prosecuted'"), None,
        "lower_is_better",
    )
    query = "SELECT * FROM indicator_values ORDER BY ALL"
    with duckdb.connect(str(path)) as con:
        compute(con, [PROSECUTED, NONPROS], years=[2019, 2020])
        before = con.execute(query).fetchall()
        for catalogue in ([changed, NONPROS], [NONPROS]):  # a definition, the set
            with pytest.raises(ValueError, match="other definitions"):
                compute(con, catalogue, years=[2020])
        assert con.execute(query).fetchall() == before


def test_recomputing_a_year_renews_the_next_years_comparison(tmp_path: Path) -> None:
    # a 2019 record imported late: recomputing 2019 alone must change what 2020 (kept)
    # compares with, for organs and prosecutors alike -- as a computation of both would
    late = person("z9", "110101", D(2019, 5, 5), "prosecuted", prosecutor="P1", case="Kz9")
    query = (
        "SELECT subject, period, numerator, previous_numerator FROM indicator_values "
        "WHERE indicator = 'prosecuted' AND subject IN ('100000', 'P1') "
        "AND period IN ('2019', '2020') ORDER BY ALL"
    )
    paths = [build_warehouse(tmp_path / f"w{i}.duckdb", PERSONS) for i in (1, 2)]
    with duckdb.connect(str(paths[0])) as con:
        compute(con, INDICATORS, years=[2019, 2020])
        insert_rows(con, "persons", [tuple(late[c] for c in TABLES["persons"].column_names)])
        compute(con, INDICATORS, years=[2019])
        partial = con.execute(query).fetchall()
        whole = con.execute("SELECT * FROM indicator_values ORDER BY ALL").fetchall()
    with duckdb.connect(str(paths[1])) as con:
        insert_rows(con, "persons", [tuple(late[c] for c in TABLES["persons"].column_names)])
        compute(con, INDICATORS, years=[2019, 2020])
        assert con.execute("SELECT * FROM indicator_values ORDER BY ALL").fetchall() == whole
    # nationally e1 and z9 were prosecuted in 2019; P1's are the same two
    assert partial == [
        ("100000", "2019", 2, 0),
        ("100000", "2020", 7, 2),
        ("P1", "2019", 2, 0),
        ("P1", "2020", 1, 2),
    ]


def test_organs_and_prosecutors_removed_since_are_not_computed(tmp_path: Path) -> None:
    path = build_warehouse(tmp_path / "w.duckdb", PERSONS)
    with duckdb.connect(str(path)) as con:
        compute(con, [PROSECUTED], years=[2019, 2020])
        # Xicheng merged into Dongcheng, and its prosecutor P3 gone with it
        con.execute("UPDATE persons SET organ_code = '110101' WHERE organ_code = '110102'")
        con.execute("DELETE FROM prosecutors WHERE prosecutor_id = 'P3'")
        con.execute("DELETE FROM organs WHERE organ_code = '110102'")
        summary = compute(con, [PROSECUTED], years=[2019, 2020])
        gone = con.execute(
            "SELECT count(*) FROM indicator_values WHERE subject IN ('110102', 'P3')"
        ).fetchall()
        peers = con.execute(
            "SELECT subject, numerator, peers_in_parent FROM indicator_values_organ "
            "WHERE indicator = 'prosecuted' AND parent_code = '110100' AND period = '2020'"
        ).fetchall()
    assert (summary.organs, summary.prosecutors, gone) == (7, 4, [(0,)])
    assert peers == [("110101", 4, 1)]  # d1, d3, x2, x3


def test_a_hierarchy_of_other_than_four_levels(tmp_path: Path) -> None:
    # nothing in the engine is China's: a fifth level gets figures like any other
    path = build_warehouse(tmp_path / "w.duckdb", PERSONS)
    with duckdb.connect(str(path)) as con:
        con.execute(
            "INSERT INTO organs (organ_code, parent_code, level, name_zh, name_en) "
            "VALUES ('110199', '110101', 5, '东城区派驻检察室', 'Dongcheng office')"
        )
        con.execute("UPDATE persons SET organ_code = '110199' WHERE person_id = 'd3'")
        compute(con, [PROSECUTED], years=[2019, 2020])
        rows = con.execute(
            "SELECT subject, level, numerator FROM indicator_values_organ "
            "WHERE indicator = 'prosecuted' AND period = '2020-Q1' "
            "AND subject IN ('110199', '110101') ORDER BY subject"
        ).fetchall()
    # Dongcheng covers its office: d1 and d3 prosecuted in 2020-Q1
    assert rows == [("110101", 4, 2), ("110199", 5, 1)]


def test_default_years_leave_out_spill_overs() -> None:
    assert default_years([{2018: 40, 2019: 1000, 2020: 1100}, {2021: 200, 2020: 900}]) == (
        2019,
        2020,
    )
    assert default_years([]) == ()


def test_failed_run_keeps_previous_results(tmp_path: Path) -> None:
    path = build_warehouse(tmp_path / "w.duckdb", PERSONS)
    broken = _ind("broken", "count", _m("no_such_column = 1"), None, "lower_is_better")
    with duckdb.connect(str(path)) as con:
        good = compute(con, [PROSECUTED], years=[2020])
        with pytest.raises(Exception, match="no_such_column"):
            compute(con, [PROSECUTED, broken], years=[2020])
        assert con.execute("SELECT count(*) FROM indicator_values").fetchall()[0][0] == good.rows
        tables = {r[0] for r in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()}
        assert not [t for t in tables if "staging" in t]


def test_crime_attributes_reach_persons_measures(tmp_path: Path) -> None:
    violent = _ind(
        "violent",
        "count",
        _m("crime_serious_violent and prosecution_decision = 'prosecuted'"),
        None,
        "lower_is_better",
    )
    people = [*PERSONS[:3], person("v1", "110101", D(2020, 2, 1), crime="C2", case="Kv")]
    assert CRIMES[1][0] == "C2" and CRIMES[1][5] is True
    path = build_warehouse(tmp_path / "w.duckdb", people)
    with duckdb.connect(str(path)) as con:
        compute(con, [violent], years=[2020])
        got = con.execute(
            "SELECT numerator FROM indicator_values WHERE subject = '100000' AND period = '2020'"
        ).fetchall()
    assert got == [(1.0,)]


def test_prosecutor_periods_can_be_narrowed(tmp_path: Path) -> None:
    path = build_warehouse(tmp_path / "w.duckdb", PERSONS)
    with duckdb.connect(str(path)) as con:
        compute(con, [PROSECUTED], years=[2020], prosecutor_periods=["quarter", "year"])
        kinds = con.execute(
            "SELECT DISTINCT period_kind FROM indicator_values WHERE subject_type = 'prosecutor'"
        ).fetchall()
        organs = con.execute(
            "SELECT count(*) FROM indicator_values WHERE subject_type = 'organ'"
        ).fetchall()
        assert sorted(k for (k,) in kinds) == ["quarter", "year"]
        assert organs == [(len(ORGANS) * 30,)]
        compute(con, [PROSECUTED], years=[2020], prosecutor_periods=[])
        assert con.execute(
            "SELECT count(*) FROM indicator_values WHERE subject_type = 'prosecutor'"
        ).fetchall() == [(0,)]


# --- the view -------------------------------------------------------------------------


def test_results_view_has_the_documented_columns(computed: Path) -> None:
    from kaoping.engine.store import RESULTS_COLUMNS

    with duckdb.connect(str(computed), read_only=True) as con:
        kinds = dict(
            con.execute(
                "SELECT table_name, table_type FROM information_schema.tables"
            ).fetchall()
        )
        described = con.execute("DESCRIBE indicator_values").fetchall()
    assert kinds["indicator_values"] == "VIEW"
    # per cube (persons by prosecution_review_concluded, and the distinct cases) a table
    # of figures for the organs and one for the prosecutors
    assert {k: v for k, v in kinds.items() if k.startswith("indicator_figures_")} == {
        f"indicator_figures_{s}_{i}": "BASE TABLE" for s in ("organ", "prosecutor") for i in (0, 1)
    }
    assert [(r[0], r[1]) for r in described] == [(c, t) for c, (t, _) in RESULTS_COLUMNS.items()]


def test_a_slice_read_ranks_like_the_whole_table(
    computed: Path, results: pd.DataFrame
) -> None:
    # ranks are windows of the view: a filtered read must rank among the same peers as
    # an unfiltered one (the filter goes below the window only on partition columns)
    cols = ["rank_in_parent", "peers_in_parent", "rank_in_level", "peers_in_level", "percentile"]
    with duckdb.connect(str(computed), read_only=True) as con:
        for ind, subject in (("prosecuted", "110101"), ("nonpros", "110101")):
            one = con.execute(
                f"SELECT {', '.join(cols)} FROM indicator_values WHERE indicator = ? "
                "AND period = '2020-Q1' AND subject = ?",
                [ind, subject],
            ).fetchall()[0]
            whole = row(results, ind, subject, "2020-Q1")
            assert one == tuple(whole[c] for c in cols)
    # by hand: three level-4 organs prosecuted in 2020-Q1 (2, 1, 2; lower is better)
    assert row(results, "prosecuted", "110101", "2020-Q1")["peers_in_level"] == 3
