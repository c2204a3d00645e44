"""The oracle itself, on a warehouse small enough to count on paper.

If the oracle and the engine agreed because both were wrong the same way, the comparison
would prove nothing; these figures are worked out by hand from the rows below.

The tree::

    N (1) ── P (2) ── M (3) ─┬─ G1 (4)
                             └─ G2 (4)
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from datetime import date
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd
import pytest
from oracle_sql import (
    INDICATORS,
    months_of,
    national_totals,
    organ_figures,
    own_figures,
    prosecutor_figures,
)

from kaoping.warehouse import connect

D = date
ORGANS = [("N", None, 1), ("P", "N", 2), ("M", "P", 3), ("G1", "M", 4), ("G2", "M", 4)]
PERSON_COLUMNS = (
    "person_id", "organ_code", "prosecutor_id", "crime_code", "arrest_decision",
    "arrest_review_concluded", "prosecution_decision", "prosecution_review_concluded",
    "verdict", "verdict_date", "probation", "sentence_months",
)  # fmt: skip
PERSONS: list[tuple[Any, ...]] = [
    # arrest review
    ("p1", "G1", "A", "C1", "approved", D(2020, 2, 10), None, None, None, None, None, None),
    ("p2", "G1", "A", "C1", "not_approved", D(2020, 3, 5), None, None, None, None, None, None),
    ("p3", "G2", "B", "C1", "not_approved", D(2020, 8, 1), None, None, None, None, None, None),
    ("p4", "P", "C", "C1", None, D(2020, 2, 1), None, None, None, None, None, None),
    ("p5", "G2", "B", "C1", "approved", D(2019, 2, 15), None, None, None, None, None, None),
    ("p6", "M", None, "C1", "not_approved", D(2020, 7, 1), None, None, None, None, None, None),
    # prosecution review; prosecutor A works in G1 and G2
    ("p7", "G1", "A", "C2", None, None, "prosecuted", D(2020, 4, 1), None, None, None, None),
    ("p8", "G1", "A", "C1", None, None, "not_prosecuted", D(2020, 5, 1), None, None, None,
     None),
    ("p9", "G2", "A", "C1", None, None, "prosecuted", D(2020, 5, 2), None, None, None, None),
    ("p10", "G2", "B", "C1", None, None, "prosecuted", D(2020, 6, 1), None, None, None, None),
    ("p11", "G2", None, "C1", None, None, "prosecuted", D(2020, 6, 3), None, None, None, None),
    # verdicts: NULL probation or NULL sentence, the filter's NULL semantics
    ("p12", "G1", "A", "C1", "approved", None, None, None, "guilty", D(2020, 9, 1), None, 3),
    ("p13", "G1", "A", "C1", "approved", None, None, None, "guilty", D(2020, 9, 2), False,
     None),
    ("p14", "G1", "A", "C1", "approved", None, None, None, "guilty", D(2020, 9, 3), True, 24),
]  # fmt: skip
PETITIONS = [
    # 30 November + 3 months is 28 February (no 30 February): replied in time
    ("L1", "G1", D(2020, 11, 30), D(2021, 2, 28)),
    ("L2", "G1", D(2020, 11, 30), D(2021, 3, 1)),
    ("L3", "G2", D(2020, 12, 1), None),
]


def _sql(x: Any) -> str:
    if x is None:
        return "NULL"
    if isinstance(x, bool):
        return "TRUE" if x else "FALSE"
    if isinstance(x, date):
        return f"DATE '{x.isoformat()}'"
    if isinstance(x, int | float):
        return str(x)
    return "'" + str(x).replace("'", "''") + "'"


def _insert(
    con: duckdb.DuckDBPyConnection, table: str, cols: Sequence[str], rows: Sequence[Any]
) -> None:
    values = ", ".join("(" + ", ".join(_sql(v) for v in row) + ")" for row in rows)
    con.execute(
        f"INSERT INTO {table} BY NAME SELECT * FROM (VALUES {values}) AS t({', '.join(cols)})"
    )


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory) -> Iterator[duckdb.DuckDBPyConnection]:
    path: Path = tmp_path_factory.mktemp("oracle_small") / "small.duckdb"
    con = connect(path)
    _insert(
        con,
        "organs",
        ("organ_code", "parent_code", "level", "name_zh", "name_en"),
        [(*o, o[0], o[0]) for o in ORGANS],
    )
    _insert(
        con,
        "crimes",
        ("crime_code", "name_zh", "name_en", "article", "chapter", "serious_violent",
         "statutory_max"),
        [("C1", "盗窃罪", "Theft", "264", 5, False, "life"),
         ("C2", "故意杀人罪", "Homicide", "232", 4, True, "death")],
    )  # fmt: skip
    rows = [(*p[:3], f"K{p[0]}", False, *p[3:]) for p in PERSONS]
    cols = (*PERSON_COLUMNS[:3], "case_id", "is_minor", *PERSON_COLUMNS[3:])
    _insert(con, "persons", cols, rows)
    _insert(con, "petitions", ("petition_id", "organ_code", "received", "result_reply"), PETITIONS)
    con.close()
    ro = duckdb.connect(str(path), read_only=True)
    try:
        yield ro
    finally:
        ro.close()


def _at(frame: pd.DataFrame, key: str, subject: str, period: str) -> dict[str, Any]:
    rows = frame[(frame[key] == subject) & (frame["period"] == period)]
    assert len(rows) == 1, (subject, period)
    out: dict[str, Any] = rows.iloc[0].to_dict()
    return out


def _null(x: Any) -> bool:
    return x is None or (isinstance(x, float) and math.isnan(x))


def test_periods() -> None:
    assert months_of("2020-H2") == [(2020, m) for m in range(7, 13)]
    assert months_of("2020-Q3") == [(2020, 7), (2020, 8), (2020, 9)]
    assert months_of("2020-06") == [(2020, 6)]
    assert months_of("2020") == [(2020, m) for m in range(1, 13)]
    assert months_of("2019-11..2020-02") == [(2019, 11), (2019, 12), (2020, 1), (2020, 2)]
    with pytest.raises(ValueError):
        months_of("2020-Q5")


def test_rate_rolls_up_the_subtree(
    small: duckdb.DuckDBPyConnection, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KAOPING_ORACLE_YEARS", "2019-2020")  # 2019 computed on purpose
    f = organ_figures(small, "non_arrest_rate", ["2020-H1", "2020"])
    g1 = _at(f, "organ_code", "G1", "2020-H1")
    assert (g1["numerator"], g1["denominator"], g1["value"]) == (1, 2, 0.5)
    assert _null(g1["previous"])  # G1 had no arrest decision in 2019-H1: nothing to divide
    g2 = _at(f, "organ_code", "G2", "2020-H1")
    assert (g2["numerator"], g2["denominator"]) == (0, 0) and _null(g2["value"])
    assert (g2["previous_numerator"], g2["previous_denominator"], g2["previous"]) == (0, 1, 0)
    m = _at(f, "organ_code", "M", "2020")  # p1, p2, p3 and M's own p6
    assert (m["numerator"], m["denominator"], m["value"]) == (3, 4, 0.75)
    n = _at(f, "organ_code", "N", "2020")  # p4 has no decision: in neither
    assert (n["numerator"], n["denominator"]) == (3, 4)
    assert len(f) == 2 * len(ORGANS)  # every organ, with data or not


def test_count_distinct_recounts_at_every_level(small: duckdb.DuckDBPyConnection) -> None:
    f = organ_figures(small, "cases_per_prosecutor", ["2020-H1"])
    assert (_at(f, "organ_code", "G1", "2020-H1")["denominator"]) == 1  # A
    assert (_at(f, "organ_code", "G2", "2020-H1")["denominator"]) == 2  # A, B (p11: none)
    m = _at(f, "organ_code", "M", "2020-H1")
    assert (m["numerator"], m["denominator"], m["value"]) == (4, 2, 2.0)  # not 1 + 2
    # no prosecution review concluded in 2019 at all: no year-on-year comparison
    assert _null(m["previous"])


def test_virtual_crime_columns(small: duckdb.DuckDBPyConnection) -> None:
    f = organ_figures(small, "serious_violent_crime_share", ["2020-H1"])
    m = _at(f, "organ_code", "M", "2020-H1")
    assert (m["numerator"], m["denominator"], m["value"]) == (1, 4, 0.25)
    f = organ_figures(small, "personal_rights_persons_prosecuted", ["2020"])
    g1 = _at(f, "organ_code", "G1", "2020")
    assert (g1["numerator"], g1["value"]) == (1, 1) and _null(g1["denominator"])


def test_null_in_a_filter_drops_the_record(small: duckdb.DuckDBPyConnection) -> None:
    """(probation or sentence_months <= 6): NULL or TRUE is TRUE, FALSE or NULL is NULL."""
    f = organ_figures(small, "light_sentence_after_arrest_rate", ["2020-Q3"])
    g1 = _at(f, "organ_code", "G1", "2020-Q3")
    assert (g1["numerator"], g1["denominator"]) == (2, 3)  # p12, p14 of p12-p14


def test_add_months_keeps_to_the_month_end(small: duckdb.DuckDBPyConnection) -> None:
    f = organ_figures(small, "petition_3month_reply_rate", ["2020-Q4", "2020-11", "2020-12"])
    assert (_at(f, "organ_code", "G1", "2020-11")["numerator"]) == 1  # L1 only
    m = _at(f, "organ_code", "M", "2020-Q4")
    assert (m["numerator"], m["denominator"]) == (1, 3)


def test_prosecutors_cover_their_records_in_any_organ(small: duckdb.DuckDBPyConnection) -> None:
    f = prosecutor_figures(small, "persons_prosecuted", ["2020-H1"])
    assert _at(f, "prosecutor_id", "A", "2020-H1")["numerator"] == 2  # p7 in G1, p9 in G2
    assert _at(f, "prosecutor_id", "B", "2020-H1")["numerator"] == 1
    assert set(f["prosecutor_id"]) == {"A", "B"}  # p11 has no prosecutor


def test_own_records_and_totals(small: duckdb.DuckDBPyConnection) -> None:
    own = own_figures(small, "non_arrest_rate", ["2020"])
    m = _at(own, "organ_code", "M", "2020")
    assert (m["numerator"], m["denominator"]) == (1, 1)  # p6 only
    totals = national_totals(small, "non_arrest_rate", ["2020"]).set_index("period")
    assert (totals.at["2020", "numerator"], totals.at["2020", "denominator"]) == (3, 4)


def test_periods_as_months_or_date_bounds_agree(small: duckdb.DuckDBPyConnection) -> None:
    by_label = organ_figures(small, "non_arrest_rate", ["2020-H1"]).drop(columns="period")
    by_months = organ_figures(
        small, "non_arrest_rate", {"x": [(2020, m) for m in range(1, 7)]}
    ).drop(columns="period")
    by_dates = organ_figures(
        small, "non_arrest_rate", {"x": (date(2020, 1, 1), date(2020, 7, 1))}
    ).drop(columns="period")
    key = ["organ_code"]
    expected = by_label.sort_values(key).reset_index(drop=True)
    pd.testing.assert_frame_equal(by_months.sort_values(key).reset_index(drop=True), expected)
    pd.testing.assert_frame_equal(by_dates.sort_values(key).reset_index(drop=True), expected)


def test_every_oracle_query_runs(small: duckdb.DuckDBPyConnection) -> None:
    """Each hand-written query is valid SQL over the warehouse schema (tables mostly empty)."""
    for indicator_id in INDICATORS:
        frame = organ_figures(small, indicator_id, ["2020"])
        assert len(frame) == len(ORGANS), indicator_id


def test_no_comparison_with_a_spill_over_year(
    small: duckdb.DuckDBPyConnection, monkeypatch: pytest.MonkeyPatch
) -> None:
    """2019 holds one record (p5), 2020 sixteen (five arrest reviews, five prosecution
    reviews, three verdicts, three letters): under a quarter, a spill-over year, so
    unless it was computed on purpose 2020 is not compared with it (issue 10)."""
    monkeypatch.delenv("KAOPING_ORACLE_YEARS", raising=False)
    f = organ_figures(small, "non_arrest_rate", ["2020-H1"])
    g2 = _at(f, "organ_code", "G2", "2020-H1")
    assert (g2["previous_numerator"], g2["previous_denominator"]) == (0, 1)
    assert _null(g2["previous"])
