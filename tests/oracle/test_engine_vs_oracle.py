"""The engine's stored figures against the hand-written SQL oracle, indicator by indicator.

For every indicator of the default catalogue (read from the YAML files, so a new one is
covered, and fails until the oracle has its SQL) and every period of ``PERIODS``: every
organ at every level has the numerator, denominator, value, previous-year numerator,
denominator and value the oracle computes. Counts exactly; amounts and values to 1e-9.
Prosecutors are checked the same way for the indicators computed per prosecutor.
"""

from __future__ import annotations

from functools import cache
from typing import Any

import duckdb
import numpy as np
import pandas as pd
import pytest
from oracle_common import CATALOGUE, INDICATOR_IDS, PERIODS, PROSECUTOR_PERIODS
from oracle_sql import (
    INDICATORS,
    PROSECUTOR_TABLES,
    MeasureSQL,
    organ_figures,
    prosecutor_figures,
)

#: Absolute tolerance for values (quotients) and for sums of DECIMAL amounts.
TOL = 1e-9
#: Relative tolerance added for sums of DECIMAL amounts.
REL = 1e-12
FIGURES = (
    "numerator",
    "denominator",
    "value",
    "previous_numerator",
    "previous_denominator",
    "previous",
)


# --- the oracle's own definitions against the YAML they were translated from -----------


def test_every_indicator_has_oracle_sql() -> None:
    missing = sorted(set(INDICATOR_IDS) - set(INDICATORS))
    stale = sorted(set(INDICATORS) - set(INDICATOR_IDS))
    assert not missing, f"write the oracle SQL for {missing} in tests/oracle/oracle_sql.py"
    assert not stale, f"the oracle defines indicators the catalogue no longer has: {stale}"


@pytest.mark.parametrize("indicator_id", INDICATOR_IDS)
def test_oracle_transcribes_table_date_and_aggregation(indicator_id: str) -> None:
    """A guard against slips in the hand translation: same tables, dates, aggregations.

    (The filters themselves are translated by hand and checked only by the comparison.)
    """
    ind, sql = CATALOGUE[indicator_id], INDICATORS[indicator_id]
    for role, mine in (("numerator", sql.numerator), ("denominator", sql.denominator)):
        theirs = ind.get(role)
        assert (theirs is None) == (mine is None), f"{role} present in one only"
        if theirs is None or mine is None:
            continue
        assert (mine.table, mine.date) == (theirs["table"], theirs["date"]), role
        assert mine.agg == theirs.get("agg", "count"), role
    quotient = ind["unit"] in ("rate", "ratio", "days")
    assert sql.quotient == quotient


def test_the_prosecutor_tables_are_the_warehouses(con: duckdb.DuckDBPyConnection) -> None:
    """The oracle's list of tables that carry a prosecutor_id matches the warehouse."""
    rows = con.execute(
        "SELECT DISTINCT table_name FROM information_schema.columns "
        "WHERE column_name = 'prosecutor_id' AND table_name <> 'prosecutors'"
    ).fetchall()
    with_prosecutor = {str(r[0]) for r in rows}
    used = {m.table for ind in INDICATORS.values() for m in ind.measures}
    assert used & with_prosecutor == used & PROSECUTOR_TABLES


# --- comparison helpers -------------------------------------------------------------------


def _close(a: pd.Series, b: pd.Series, tol: tuple[float, float]) -> pd.Series:
    """Equal within ``abs + rel * |x|``; NULL equals NULL only."""
    x, y = a.astype("float64"), b.astype("float64")
    both_null = x.isna() & y.isna()
    limit = tol[0] + tol[1] * np.maximum(x.abs(), y.abs())
    equal = (x - y).abs() <= limit
    return both_null | equal.fillna(False)


def _tolerances(indicator_id: str) -> dict[str, tuple[float, float]]:
    """(absolute, relative) tolerance per figure: exact for counts and integer sums; TOL for
    quotients; TOL plus 1e-12 relative for sums of DECIMAL amounts, which the engine may add
    up as floats in another order (a rounding of 1e-9 yuan on millions)."""
    sql = INDICATORS[indicator_id]

    def tol(m: MeasureSQL | None) -> tuple[float, float]:
        return (0.0, 0.0) if m is None or m.exact else (TOL, REL)

    num, den = tol(sql.numerator), tol(sql.denominator)
    value = (TOL, 0.0) if sql.quotient else num
    return {
        "numerator": num,
        "denominator": den,
        "value": value,
        "previous_numerator": num,
        "previous_denominator": den,
        "previous": value,
    }


def _mismatches(
    oracle: pd.DataFrame, engine: pd.DataFrame, key: str, indicator_id: str
) -> list[str]:
    merged = oracle.merge(
        engine, on=[key, "period"], how="outer", suffixes=("_oracle", "_engine"), indicator=True
    )
    problems: list[str] = []
    only_oracle = merged[merged["_merge"] == "left_only"]
    only_engine = merged[merged["_merge"] == "right_only"]
    if len(only_oracle):
        sample = only_oracle[[key, "period", "numerator_oracle", "denominator_oracle"]].head(5)
        problems.append(f"{len(only_oracle)} rows missing from the engine, e.g.\n{sample}")
    if len(only_engine):
        sample = only_engine[[key, "period", "numerator_engine", "denominator_engine"]].head(5)
        problems.append(f"{len(only_engine)} rows the oracle does not have, e.g.\n{sample}")
    both = merged[merged["_merge"] == "both"]
    for col, tol in _tolerances(indicator_id).items():
        ok = _close(both[f"{col}_oracle"], both[f"{col}_engine"], tol)
        if not ok.all():
            bad = both.loc[~ok, [key, "period", f"{col}_oracle", f"{col}_engine"]]
            problems.append(f"{col}: {len(bad)} of {len(both)} rows differ, e.g.\n{bad.head(8)}")
    return problems


@cache
def _organ_oracle(con: duckdb.DuckDBPyConnection, indicator_id: str) -> pd.DataFrame:
    return organ_figures(con, indicator_id, PERIODS)


@cache
def _prosecutor_oracle(con: duckdb.DuckDBPyConnection, indicator_id: str) -> pd.DataFrame:
    return prosecutor_figures(con, indicator_id, PROSECUTOR_PERIODS)


# --- organs -----------------------------------------------------------------------------


@pytest.mark.parametrize("period", PERIODS)
@pytest.mark.parametrize("indicator_id", INDICATOR_IDS)
def test_organ_figures_equal_the_oracle(
    indicator_id: str,
    period: str,
    con: duckdb.DuckDBPyConnection,
    engine_organs: dict[str, pd.DataFrame],
) -> None:
    oracle = _organ_oracle(con, indicator_id)
    oracle = oracle[oracle["period"] == period]
    engine = engine_organs[indicator_id]
    engine = engine.loc[engine["period"] == period, ["subject", "period", *FIGURES]]
    engine = engine.rename(columns={"subject": "organ_code"})
    assert len(oracle) > 0
    problems = _mismatches(oracle, engine, "organ_code", indicator_id)
    assert not problems, f"{indicator_id} {period}:\n" + "\n".join(problems)


@pytest.mark.parametrize("indicator_id", INDICATOR_IDS)
def test_engine_reports_every_organ_once_per_period(
    indicator_id: str, organs: pd.DataFrame, engine_organs: dict[str, pd.DataFrame]
) -> None:
    """Dense: every organ of ``organs`` (with no data too) in every period, exactly once,
    with its own level and parent."""
    engine = engine_organs[indicator_id]
    expected = organs.set_index("organ_code")
    for period in PERIODS:
        rows = engine[engine["period"] == period]
        assert not rows["subject"].duplicated().any(), f"{period}: an organ is stored twice"
        assert set(rows["subject"]) == set(expected.index), period
        assert (rows["subject"] == rows["organ_code"]).all()
        got = rows.set_index("subject")
        assert (got["level"] == expected.loc[got.index, "level"]).all(), period
        parent_e = got["parent_code"].fillna("")
        parent_x = expected.loc[got.index, "parent_code"].fillna("")
        assert (parent_e == parent_x).all(), period


@pytest.mark.parametrize("indicator_id", INDICATOR_IDS)
def test_the_comparison_is_not_vacuous(
    indicator_id: str, con: duckdb.DuckDBPyConnection, organs: pd.DataFrame
) -> None:
    """The generated data give every indicator records in 2020 and the previous year, so a
    comparison of zeros with zeros cannot pass for a check."""
    oracle = _organ_oracle(con, indicator_id)
    national = str(organs.loc[organs["parent_code"].isna(), "organ_code"].iloc[0])
    row = oracle[(oracle["organ_code"] == national) & (oracle["period"] == "2020")].iloc[0]
    assert row["numerator"] > 0
    assert row["previous_numerator"] > 0
    assert row["previous"] is not None and not np.isnan(row["previous"])
    if INDICATORS[indicator_id].quotient:
        assert row["denominator"] >= row["numerator"] or CATALOGUE[indicator_id]["unit"] != "rate"
        levels = oracle.merge(organs, on="organ_code")
        nonzero = levels[(levels["period"] == "2020") & (levels["denominator"] > 0)]
        assert nonzero["level"].nunique() >= 2, "the figures should reach below the top"


# --- prosecutors --------------------------------------------------------------------------


def _per_prosecutor(indicator_id: str) -> bool:
    """Asked for in the YAML (default true) and possible: every measure's table records the
    handling prosecutor."""
    ind = CATALOGUE[indicator_id]
    tables = {m.table for m in INDICATORS[indicator_id].measures}
    return bool(ind.get("per_prosecutor", True)) and tables <= PROSECUTOR_TABLES


@pytest.mark.parametrize("indicator_id", INDICATOR_IDS)
def test_prosecutor_figures_equal_the_oracle(
    indicator_id: str,
    con: duckdb.DuckDBPyConnection,
    engine_prosecutors: dict[str, pd.DataFrame],
) -> None:
    """A prosecutor's figures cover the records carrying his prosecutor_id.

    The engine stores prosecutors sparsely: a row for each (prosecutor, period) whose
    numerator or denominator is not zero, for prosecutors of the ``prosecutors`` table.
    Indicators not computed per prosecutor (``per_prosecutor: false``, or a table without
    ``prosecutor_id``) have no prosecutor rows at all.
    """
    engine = engine_prosecutors[indicator_id]
    if not _per_prosecutor(indicator_id):
        assert engine.empty, f"{indicator_id} is not computed per prosecutor"
        return
    oracle = _prosecutor_oracle(con, indicator_id)
    known = {str(r[0]) for r in con.execute("SELECT prosecutor_id FROM prosecutors").fetchall()}
    has_records = (oracle["numerator"] != 0) | (oracle["denominator"].fillna(0) != 0)
    oracle = oracle[has_records & oracle["prosecutor_id"].isin(known)]
    assert len(oracle) > 0
    engine = engine[["subject", "period", *FIGURES]].rename(columns={"subject": "prosecutor_id"})
    problems = _mismatches(oracle, engine, "prosecutor_id", indicator_id)
    assert not problems, f"{indicator_id} (prosecutors):\n" + "\n".join(problems)


def test_prosecutor_rows_name_the_prosecutors_organ(
    con: duckdb.DuckDBPyConnection, engine_prosecutors: dict[str, pd.DataFrame]
) -> None:
    """organ_code / parent_code of a prosecutor row are his organ, level the organ's level."""
    expected = con.execute(
        "SELECT p.prosecutor_id, p.organ_code, o.level "
        "FROM prosecutors p JOIN organs o USING (organ_code)"
    ).df()
    frames: list[Any] = [f for f in engine_prosecutors.values() if not f.empty]
    rows = pd.concat(frames)[["subject", "organ_code", "parent_code", "level"]]
    rows = rows.drop_duplicates()
    merged = rows.merge(expected, left_on="subject", right_on="prosecutor_id", how="left")
    assert merged["prosecutor_id"].notna().all()
    assert (merged["organ_code_x"] == merged["organ_code_y"]).all()
    assert (merged["parent_code"] == merged["organ_code_y"]).all()
    assert (merged["level_x"] == merged["level_y"]).all()
