"""Roll-up invariants of the engine's stored figures.

For every additive measure (``count`` and ``sum``; not ``count_distinct``) and a few
periods: an organ's numerator and denominator are the sums of its children's stored
figures plus its OWN records' (recounted by the oracle's SQL), and the national organ's
are the totals over all records. A ``count_distinct`` measure cannot be summed; for it
the parent lies between the largest part and the sum of the parts.
"""

from __future__ import annotations

from typing import Any

import duckdb
import numpy as np
import pandas as pd
import pytest
from oracle_common import INDICATOR_IDS, ROLLUP_PERIODS
from oracle_sql import INDICATORS, national_totals, own_figures

#: Figures are sums of counts (exact) or of DECIMAL amounts, which float additions in
#: different orders may round differently: 1e-9 plus 1e-12 of the figure.
TOL, REL = 1e-9, 1e-12


def _near(a: pd.Series | float, b: pd.Series | float) -> Any:
    return abs(a - b) <= TOL + REL * np.maximum(abs(a), abs(b))


def _additive_roles(indicator_id: str) -> list[str]:
    sql = INDICATORS[indicator_id]
    roles = [("numerator", sql.numerator), ("denominator", sql.denominator)]
    return [r for r, m in roles if m is not None and m.agg != "count_distinct"]


def _distinct_roles(indicator_id: str) -> list[str]:
    sql = INDICATORS[indicator_id]
    roles = [("numerator", sql.numerator), ("denominator", sql.denominator)]
    return [r for r, m in roles if m is not None and m.agg == "count_distinct"]


@pytest.fixture(scope="module")
def stored(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    marks = ", ".join("?" for _ in ROLLUP_PERIODS)
    return con.execute(
        "SELECT indicator, subject AS organ_code, parent_code, level, period, numerator, "
        "denominator FROM indicator_values "
        f"WHERE subject_type = 'organ' AND period IN ({marks})",
        list(ROLLUP_PERIODS),
    ).df()


def _children_sums(rows: pd.DataFrame, roles: list[str]) -> pd.DataFrame:
    """Per (parent organ, period): the sum of the children's stored figures."""
    kids = rows[rows["parent_code"].notna()]
    sums = kids.groupby(["parent_code", "period"], as_index=False)[roles].sum()
    return sums.rename(columns={"parent_code": "organ_code"})


@pytest.mark.parametrize("indicator_id", INDICATOR_IDS)
def test_parent_is_children_plus_own_records(
    indicator_id: str, con: duckdb.DuckDBPyConnection, stored: pd.DataFrame
) -> None:
    roles = _additive_roles(indicator_id)
    assert roles, "every catalogue indicator has an additive numerator"
    rows = stored[stored["indicator"] == indicator_id]
    assert set(rows["period"]) == set(ROLLUP_PERIODS)
    own = own_figures(con, indicator_id, ROLLUP_PERIODS)[["organ_code", "period", *roles]]
    kids = _children_sums(rows, roles)
    expected = own.merge(kids, on=["organ_code", "period"], how="left", suffixes=("", "_kids"))
    for role in roles:
        expected[role] = expected[role] + expected[f"{role}_kids"].fillna(0.0)
    merged = rows[["organ_code", "period", *roles]].merge(
        expected[["organ_code", "period", *roles]],
        on=["organ_code", "period"],
        how="outer",
        suffixes=("_stored", "_rolled"),
        indicator=True,
    )
    assert (merged["_merge"] == "both").all(), "organs differ between results and organs"
    problems = []
    for role in roles:
        bad = merged[~_near(merged[f"{role}_stored"], merged[f"{role}_rolled"])]
        if len(bad):
            problems.append(
                f"{role}: {len(bad)} organs differ, e.g.\n"
                f"{bad[['organ_code', 'period', f'{role}_stored', f'{role}_rolled']].head(8)}"
            )
    # the roll-up has something to roll: some organ has both its own records and children's
    assert (expected[f"{roles[0]}_kids"].fillna(0) > 0).any()
    assert not problems, f"{indicator_id}:\n" + "\n".join(problems)


@pytest.mark.parametrize("indicator_id", INDICATOR_IDS)
def test_national_organ_is_the_total_of_all_records(
    indicator_id: str, con: duckdb.DuckDBPyConnection, stored: pd.DataFrame
) -> None:
    rows = stored[(stored["indicator"] == indicator_id) & (stored["level"] == 1)]
    assert len(rows) == len(ROLLUP_PERIODS), "one national organ per period"
    totals = national_totals(con, indicator_id, ROLLUP_PERIODS).set_index("period")
    national = rows.set_index("period")
    for role in ("numerator", "denominator"):
        for period in ROLLUP_PERIODS:
            want, got = totals.at[period, role], national.at[period, role]
            if want is None or pd.isna(want):
                assert pd.isna(got), (role, period)
            else:
                assert _near(float(got), float(want)), (role, period, got, want)


def test_the_catalogue_has_a_distinct_count_to_check() -> None:
    assert [i for i in INDICATOR_IDS if _distinct_roles(i)], "no count_distinct measure left"


@pytest.mark.parametrize("indicator_id", [i for i in INDICATOR_IDS if _distinct_roles(i)])
def test_distinct_counts_lie_between_the_largest_part_and_the_sum(
    indicator_id: str, con: duckdb.DuckDBPyConnection, stored: pd.DataFrame
) -> None:
    roles = _distinct_roles(indicator_id)
    rows = stored[stored["indicator"] == indicator_id]
    own = own_figures(con, indicator_id, ROLLUP_PERIODS)[["organ_code", "period", *roles]]
    kids = rows[rows["parent_code"].notna()]
    parts = pd.concat(
        [
            own,
            kids[["parent_code", "period", *roles]].rename(columns={"parent_code": "organ_code"}),
        ]
    )
    bounds = parts.groupby(["organ_code", "period"])[roles].agg(["max", "sum"])
    for role in roles:
        merged = rows.set_index(["organ_code", "period"])[[role]].join(bounds[role])
        assert (merged[role] >= merged["max"]).all(), role
        assert (merged[role] <= merged["sum"]).all(), role
        assert (merged[role] > 0).any()
