"""A point read ranks its own rows exactly as the results view ranks every row.

`kaoping show`, a scorecard and an organ page read a few subjects through
:func:`kaoping.engine.results.read_results`, which derives only those subjects' rows and
ranks each by counting the peers that order before it; the results view ranks the whole
level with window functions (:func:`kaoping.engine.rank.ranked`, pinned by hand in
tests/engine). On the oracle's generated warehouse both must give the same rows, every
column, for organs and prosecutors of every level, and for the subjects below a parent.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

import duckdb
import pytest

from kaoping.engine.results import read_results, results_table

PERIODS = ("2020", "2020-H1", "2020-Q3", "2020-06", "2020-01..2020-09", "2019-Q4")


def _key(row: dict[str, Any]) -> tuple[str, str, str]:
    return (str(row["indicator"]), str(row["subject"]), str(row["period"]))


def _same(a: Any, b: Any) -> bool:
    if a is None or b is None:
        return a is None and b is None
    if isinstance(a, float) or isinstance(b, float):
        if math.isnan(a) or math.isnan(b):
            return math.isnan(a) and math.isnan(b)
        return math.isclose(a, b, rel_tol=1e-12, abs_tol=1e-12)
    return bool(a == b)


def _view(
    con: duckdb.DuckDBPyConnection, subject_type: str, where: str, args: list[Any]
) -> dict[tuple[str, str, str], dict[str, Any]]:
    marks = ", ".join("?" for _ in PERIODS)
    cur = con.execute(
        f'SELECT * FROM "{results_table(subject_type)}" WHERE period IN ({marks}) AND {where}',
        [*PERIODS, *args],
    )
    names = [d[0] for d in cur.description or ()]
    return {_key(r): r for r in (dict(zip(names, row, strict=True)) for row in cur.fetchall())}


def _compare(
    point: Iterable[dict[str, Any]], view: dict[tuple[str, str, str], dict[str, Any]]
) -> int:
    rows = {_key(r): r for r in point}
    assert rows.keys() == view.keys()
    for key, row in rows.items():
        want = view[key]
        assert list(row) == list(want)
        wrong = {c: (row[c], want[c]) for c in row if not _same(row[c], want[c])}
        assert not wrong, f"{key}: point read != view: {wrong}"
    return len(rows)


def _sample(con: duckdb.DuckDBPyConnection, subject_type: str, per_level: int) -> list[Any]:
    # every level, evenly spread over each level's subjects (deterministic)
    return con.execute(
        "SELECT subject, level, parent_code FROM (SELECT *, row_number() OVER "
        "(PARTITION BY level ORDER BY subject) AS n, count(*) OVER (PARTITION BY level) AS c "
        "FROM indicator_subjects WHERE subject_type = ?) "
        "WHERE n % greatest(c // ?, 1) = 0 ORDER BY level, subject",
        [subject_type, per_level],
    ).fetchall()


def _indicators(con: duckdb.DuckDBPyConnection) -> list[str]:
    rows = con.execute("SELECT DISTINCT indicator FROM indicator_params").fetchall()
    return [str(r[0]) for r in rows]


@pytest.mark.parametrize("every", [1, 2], ids=["all-indicators", "every-other-indicator"])
@pytest.mark.parametrize("subject_type", ["organ", "prosecutor"])
def test_a_subjects_point_read_is_the_views_rows(
    con: duckdb.DuckDBPyConnection, subject_type: str, every: int
) -> None:
    """Of many indicators a read asks all and keeps those asked for (results.py says
    why): all of them, or some of them, it gives the view's rows of those."""
    indicators = sorted(_indicators(con))[::every]
    sample = _sample(con, subject_type, 12)
    point = [
        row
        for subject, level, _ in sample
        for row in read_results(
            con, subject_type, indicators, level=level, subject=subject, periods=PERIODS
        )
    ]
    subjects = [s for s, _, _ in sample]
    marks = ", ".join("?" for _ in subjects)
    asked = ", ".join("?" for _ in indicators)
    compared = _compare(point, _view(
        con, subject_type, f"subject IN ({marks}) AND indicator IN ({asked})",
        [*subjects, *indicators],
    ))
    # not vacuous: many rows compared, many of them ranked (so the counts were exercised)
    ranked = sum(r["rank_in_level"] is not None for r in point)
    least_compared, least_ranked = {1: (500, 200), 2: (250, 50)}[every]
    assert compared > least_compared and ranked > least_ranked


@pytest.mark.parametrize("subject_type", ["organ", "prosecutor"])
def test_the_subjects_below_a_parent_read_as_in_the_view(
    con: duckdb.DuckDBPyConnection, subject_type: str
) -> None:
    indicators = _indicators(con)
    below = sorted(
        {(parent, level) for _, level, parent in _sample(con, subject_type, 6) if parent},
        key=str,
    )
    point = [
        row
        for parent, level in below
        for row in read_results(
            con, subject_type, indicators, level=level, parent=parent, periods=PERIODS
        )
    ]
    where = " OR ".join("(parent_code = ? AND level = ?)" for _ in below)
    view = _view(con, subject_type, f"({where})", [x for pair in below for x in pair])
    assert _compare(point, view) > 500


def test_a_read_names_a_subject_or_a_parent(con: duckdb.DuckDBPyConnection) -> None:
    with pytest.raises(ValueError, match="subject or a parent"):
        read_results(con, "organ", ["non_arrest_rate"], level=4, periods=["2020"])
