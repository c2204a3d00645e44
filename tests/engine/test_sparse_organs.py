"""The organs' figures are stored sparsely and read as the whole grid.

A computation leaves out of ``indicator_organ_figures`` the organs' rows of nothing
recorded (this period and a year earlier) and the views complete the grid on read. On
the hand-built warehouse (tests/engine/test_compute.py: eight organs, most of them
without records in most periods) with an indicator of every kind -- a rate, a count
without a denominator, a distinct count, an average stored as sum over count, a
median -- the stored table must hold no empty row and fewer rows than the grid, and
every reader must see what it saw when the whole grid was stored:

- the figures of a count, every organ x period, against a zero-filled count in pandas
  from the records;
- every column of ``indicator_values`` (values, changes, intervals, flags, ranks and
  peers counts) and every point read against a computation that stores the whole
  grid, as kaoping did before -- the same engine with the leaving-out turned off;
- a warehouse computed that way and then recomputed for one year by this kaoping (its
  kept year stored whole, its grid tables not yet written) against the sparse one;
- and a kaoping that stores the grid whole refuses to recompute one year of sparse
  results alone (it would keep sparse years under views that do not complete them).
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import ibis
import pandas as pd
import pytest
from tests.engine import test_compute as hand
from tests.engine.engine_data import ORGANS, build_warehouse
from tests.engine.test_medians import MEDIAN

from kaoping.catalogue.models import Indicator
from kaoping.engine import figures
from kaoping.engine.compile import make_plan
from kaoping.engine.compute import compute
from kaoping.engine.periods import Period, standard_periods
from kaoping.engine.results import read_results

YEARS = [2019, 2020]
INDICATORS: list[Indicator] = [*hand.INDICATORS, Indicator.model_validate(MEDIAN)]
FIGURES = ["numerator", "denominator", "previous_numerator", "previous_denominator"]


def _dense(monkeypatch: pytest.MonkeyPatch) -> None:
    """Store every organ row, as kaoping did before its figures were sparse."""
    monkeypatch.setattr(figures, "is_empty", lambda *_: ibis.literal(False))


@pytest.fixture(scope="module")
def warehouses(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """(sparse, dense): the same records and indicators, computed by this kaoping and
    by the engine storing the whole grid."""
    root = tmp_path_factory.mktemp("sparse")
    sparse = build_warehouse(root / "sparse.duckdb", hand.PERSONS)
    dense = build_warehouse(root / "dense.duckdb", hand.PERSONS)
    with duckdb.connect(str(sparse)) as con:
        compute(con, INDICATORS, years=YEARS)
    with pytest.MonkeyPatch.context() as mp:
        _dense(mp)
        with duckdb.connect(str(dense)) as con:
            compute(con, INDICATORS, years=YEARS)
    return sparse, dense


def _grid_size() -> int:
    """Every indicator x organ x standard period of the years computed."""
    return len(INDICATORS) * len(ORGANS) * len(standard_periods(YEARS))


def _stored(path: Path) -> pd.DataFrame:
    with duckdb.connect(str(path), read_only=True) as con:
        return con.execute("SELECT * FROM indicator_organ_figures").df()


def _values(path: Path, relation: str = "indicator_values") -> pd.DataFrame:
    with duckdb.connect(str(path), read_only=True) as con:
        frame = con.execute(f'SELECT * FROM "{relation}"').df()
    keys = ["indicator", "subject_type", "subject", "period"]
    return frame.sort_values(keys).reset_index(drop=True)


def test_the_dense_computation_stores_the_whole_grid(warehouses: tuple[Path, Path]) -> None:
    # what the comparisons below compare with: every cell, as before
    assert len(_stored(warehouses[1])) == _grid_size()


def test_no_empty_organ_row_is_stored_and_fewer_than_the_grid(
    warehouses: tuple[Path, Path],
) -> None:
    sparse, dense = _stored(warehouses[0]), _stored(warehouses[1])
    assert 0 < len(sparse) < _grid_size()
    # an empty row: all four figures zero or NULL (what no records give)
    empty = sparse[FIGURES].fillna(0.0).eq(0.0).all(axis=1)
    assert not empty.any(), sparse[empty].head()
    # and nothing else was left out: the sparse rows are the dense rows that say something
    keys = ["indicator", "subject_key", "pid"]
    said = dense[~dense[FIGURES].fillna(0.0).eq(0.0).all(axis=1)]
    pd.testing.assert_frame_equal(
        sparse.sort_values(keys).reset_index(drop=True),
        said.sort_values(keys).reset_index(drop=True),
        check_exact=True,
    )


def _prosecuted(period: Period, organ: str, below: dict[str, set[str]]) -> int:
    """Prosecuted persons of ``organ``'s subtree concluded in ``period``, from the rows."""
    months = set(period.months)
    return sum(
        1
        for _, org, _, concluded, decision, _, _ in hand.ROWS
        if org in below[organ]
        and concluded is not None
        and decision == "prosecuted"
        and (concluded.year, concluded.month) in months
    )


def test_a_count_reads_every_organ_and_period_zero_filled(warehouses: tuple[Path, Path]) -> None:
    parents = {code: parent for code, parent, *_ in ORGANS}
    below: dict[str, set[str]] = {code: {code} for code in parents}
    for code in parents:
        up = parents[code]
        while up is not None:
            below[up].add(code)
            up = parents[up]
    expected = pd.DataFrame(
        [
            (code, p.label, _prosecuted(p, code, below), _prosecuted(p.previous(), code, below))
            for code in parents
            for p in standard_periods(YEARS)
        ],
        columns=["subject", "period", "numerator", "previous_numerator"],
    )
    got = _values(warehouses[0], "indicator_values_organ")
    got = got[got["indicator"] == "prosecuted"]
    # a count has no denominator, empty or not
    assert got["denominator"].isna().all() and got["previous_denominator"].isna().all()
    keys = ["subject", "period"]
    got = got[[*keys, "numerator", "previous_numerator"]]
    pd.testing.assert_frame_equal(
        got.sort_values(keys).reset_index(drop=True),
        expected.sort_values(keys).reset_index(drop=True),
        check_dtype=False,
        check_exact=True,
    )
    assert (expected["numerator"] == 0).any() and (expected["numerator"] > 0).any()


def test_every_column_reads_as_when_the_whole_grid_was_stored(
    warehouses: tuple[Path, Path],
) -> None:
    sparse, dense = (_values(p) for p in warehouses)
    assert len(sparse) > _grid_size()  # the prosecutors' rows too
    pd.testing.assert_frame_equal(sparse, dense, check_exact=True)
    # the ranks of a count of zeros are taken over the completed grid
    zeros = sparse[
        (sparse["indicator"] == "prosecuted")
        & (sparse["subject_type"] == "organ")
        & (sparse["numerator"] == 0)
        & (sparse["level"] == 4)
    ]
    assert len(zeros) and zeros["rank_in_level"].notna().all()


@pytest.mark.parametrize(
    ("subject", "parent"), [("110101", None), ("100000", None), (None, "110100")]
)
def test_point_reads_read_as_when_the_whole_grid_was_stored(
    warehouses: tuple[Path, Path], subject: str | None, parent: str | None
) -> None:
    level = {code: lvl for code, _, lvl, *_ in ORGANS}[subject or "110101"]
    periods = ["2020-Q1", "2020-05", "2019", "2020-01..2020-08"]
    ids = [i.id for i in INDICATORS]

    def read(path: Path) -> list[dict[str, object]]:
        with duckdb.connect(str(path), read_only=True) as con:
            rows = read_results(
                con,
                "organ",
                ids,
                level=level,
                subject=subject,
                parent=parent,
                periods=periods,
            )
        return sorted(
            rows, key=lambda r: (str(r["indicator"]), str(r["subject"]), str(r["period"]))
        )

    sparse, dense = (pd.DataFrame(read(p)) for p in warehouses)
    assert len(sparse) == len(ids) * len(periods) * (1 if subject else 2)
    pd.testing.assert_frame_equal(sparse, dense, check_exact=True)


def test_a_warehouse_stored_whole_recomputed_for_one_year_reads_the_same(
    warehouses: tuple[Path, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # as computed before the grid was stored: the whole grid, no grid tables, the cube
    # tables' layout saying the plan's digest alone
    old = tmp_path / "old.duckdb"
    build_warehouse(old, hand.PERSONS)
    with monkeypatch.context() as mp:
        _dense(mp)
        with duckdb.connect(str(old)) as con:
            compute(con, INDICATORS, years=YEARS)
    digest = make_plan(INDICATORS).digest
    with duckdb.connect(str(old)) as con:
        for name in ("indicator_organ_periods", "indicator_organ_years"):
            con.execute(f'DROP TABLE "{name}"')
        said = con.execute("SELECT DISTINCT definitions FROM indicator_figure_tables").fetchall()
        assert said == [(f"{digest} sparse-organs",)]
        con.execute("UPDATE indicator_figure_tables SET definitions = ?", [digest])
        compute(con, INDICATORS, years=[2020])
        kept = con.execute(
            "SELECT count(*) FROM indicator_organ_figures WHERE pid // 100 = 2019"
        ).fetchall()[0][0]
    # 2019 kept whole (its grid read from it), 2020 stored sparsely; both read the same
    assert kept == _grid_size() // 2
    pd.testing.assert_frame_equal(_values(old), _values(warehouses[0]), check_exact=True)


def test_a_kaoping_storing_the_whole_grid_refuses_one_year_of_sparse_results(
    warehouses: tuple[Path, Path],
) -> None:
    from kaoping.engine.store import _layout, check_layout

    plan = make_plan(INDICATORS)
    with duckdb.connect(str(warehouses[0]), read_only=True) as con:
        stored = con.execute("SELECT * FROM indicator_figure_tables").df()
    check_layout(stored, _layout(plan), [2019])  # this kaoping: the same definitions
    # what an earlier kaoping compares the stored layout with: the plan's digest alone
    with pytest.raises(ValueError, match="computed from other definitions"):
        check_layout(stored, _layout(plan, plan.digest), [2019])
