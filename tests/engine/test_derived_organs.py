"""The organs' derived rows are stored, and every organ reader reads the same figures.

A computation stores the organs' rows but their ranks (``indicator_derived_organ``) and
points the organs' views at that table (:func:`kaoping.engine.store.store_organ_derivations`).
On the hand-built warehouse (tests/engine/test_compute.py: eight organs, an indicator of
every kind) the readers must see what the views over the stored figures derive -- those
views' SQL (:func:`kaoping.engine.store.views_sql`) is run on the same warehouse as the
reference:

- every column of every organ row of the three organ views, and of the union;
- point reads of one organ and of the organs below one (which rank by counting peers,
  not by window functions), against the reference's window ranks;
- the prosecutors' scores, stored as a table in place of their view
  (:func:`kaoping.engine.store.store_prosecutor_scores`): the view's rows, and a
  prosecutor's point read ranks as the windows over his level's figures;
- a computation killed after its results' transaction, before the derivations or the
  prosecutors' scores were stored, leaves results that read the same, from the figures;
  the next one stores them;
- the plain-SQL reads of the organ pages' warnings (paged, heaviest first) and trends,
  against pandas over the results view.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import ibis
import pandas as pd
import pytest
from tests.engine import test_compute as hand
from tests.engine.engine_data import ORGANS, build_warehouse
from tests.engine.test_sparse_organs import INDICATORS, YEARS

from kaoping.engine import store
from kaoping.engine.compile import make_plan
from kaoping.engine.compute import compute
from kaoping.engine.results import (
    ORGAN_DERIVED_TABLE,
    ORGAN_LEVEL_VALUES_TABLE,
    ORGAN_RANKS_TABLE,
    ORGAN_RESULTS,
    ORGAN_SCORES,
    ORGAN_SUBJECT_ORDER,
    ORGAN_UNRANKED,
    PROSECUTOR_RESULTS,
    PROSECUTOR_SCORES,
    RESULTS_TABLE,
    read_results,
)

KEYS = ["indicator", "subject_type", "subject", "period"]


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = build_warehouse(tmp_path_factory.mktemp("derived") / "wh.duckdb", hand.PERSONS)
    with duckdb.connect(str(path)) as con:
        compute(con, INDICATORS, years=YEARS)
    return path


def _frame(con: duckdb.DuckDBPyConnection, sql: str) -> pd.DataFrame:
    frame = con.execute(sql).df()
    keys = [k for k in KEYS if k in frame.columns]
    return frame.sort_values(keys, kind="stable").reset_index(drop=True)


def _kinds(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    """Relation name -> its type (BASE TABLE, VIEW)."""
    return dict(con.execute(
        "SELECT table_name, table_type FROM information_schema.tables"
    ).fetchall())


def _over_figures(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    backend = ibis.duckdb.from_connection(con)
    return store.views_sql(backend, make_plan(INDICATORS))


def test_the_organ_views_read_the_stored_derivations(warehouse: Path) -> None:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        kinds = _kinds(con)
        assert kinds[ORGAN_DERIVED_TABLE] == "BASE TABLE"
        stored = con.execute(f'SELECT count(*) FROM "{ORGAN_DERIVED_TABLE}"').fetchall()
        # the whole grid: every indicator x organ x period of the years computed
        grid = len(INDICATORS) * len(ORGANS) * len(
            con.execute("SELECT * FROM indicator_periods").fetchall()
        )
        assert stored == [(grid,)]
        for name in (ORGAN_RESULTS, ORGAN_UNRANKED, ORGAN_SCORES):
            sql = con.execute(
                "SELECT sql FROM duckdb_views() WHERE view_name = ?", [name]
            ).fetchall()[0][0]
            assert ORGAN_DERIVED_TABLE in sql and "indicator_organ_figures" not in sql


def test_the_organ_tables_lie_in_the_order_their_reads_skip_row_groups_by(
    warehouse: Path,
) -> None:
    """The derived rows and their ranks in the subjects' order (a point read, a league of
    one parent, a history each touch a row group or two), the values by period and level
    (a distribution of one level): the order is what makes those reads quick, and only
    the rows' order on disk shows it."""
    subject_order = [c.strip() for c in ORGAN_SUBJECT_ORDER.split(",")]
    with duckdb.connect(str(warehouse), read_only=True) as con:
        for table in (ORGAN_DERIVED_TABLE, ORGAN_RANKS_TABLE):
            stored = con.execute(
                f'SELECT {ORGAN_SUBJECT_ORDER} FROM "{table}" ORDER BY rowid').fetchall()
            assert len(stored) > 1 and stored == sorted(stored, key=_nulls_last), table
        values = con.execute(
            f'SELECT period, level, indicator, subject, value FROM "{ORGAN_LEVEL_VALUES_TABLE}" '
            "ORDER BY rowid").fetchall()
        derived = con.execute(
            f'SELECT period, level, indicator, subject, value FROM "{ORGAN_DERIVED_TABLE}"'
        ).fetchall()
    assert subject_order[:3] == ["level", "parent_code", "subject"]
    assert [v[:4] for v in values] == sorted(v[:4] for v in values)
    assert sorted(values, key=_nulls_last) == sorted(derived, key=_nulls_last)


def _nulls_last(row: tuple[object, ...]) -> tuple[tuple[bool, object], ...]:
    """A sort key for rows with NULLs (the nation has no parent): NULL after every value,
    as DuckDB's ORDER BY sorts them by default."""
    return tuple((x is None, x) for x in row)


@pytest.mark.parametrize("view", [ORGAN_RESULTS, ORGAN_UNRANKED, ORGAN_SCORES, RESULTS_TABLE])
def test_every_organ_figure_reads_as_derived_from_the_figures(
    warehouse: Path, view: str
) -> None:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        reference = _over_figures(con)[view]
        where = " WHERE subject_type = 'organ'" if view == RESULTS_TABLE else ""
        got = _frame(con, f'SELECT * FROM "{view}"{where}')
        want = _frame(con, f"SELECT * FROM ({reference}){where}")
    assert len(got) > 0 and got["subject_type"].eq("organ").all()
    pd.testing.assert_frame_equal(got, want, check_exact=True)


@pytest.mark.parametrize(
    ("subject_type", "subject", "parent"),
    [("organ", "110101", None), ("organ", "100000", None), ("organ", None, "110100"),
     # ranked among the stored scores of their level: P1 and P2 share an organ, P5 is
     # the only prosecutor of his level
     ("prosecutor", "P1", None), ("prosecutor", "P5", None), ("prosecutor", None, "110101")],
)
def test_point_reads_rank_as_the_windows_over_the_figures(
    warehouse: Path, subject_type: str, subject: str | None, parent: str | None
) -> None:
    periods = ["2020-Q1", "2020-05", "2019", "2020-01..2020-08"]
    ids = [i.id for i in INDICATORS]
    view = ORGAN_RESULTS if subject_type == "organ" else PROSECUTOR_RESULTS
    with duckdb.connect(str(warehouse), read_only=True) as con:
        level = con.execute(
            "SELECT DISTINCT level FROM indicator_subjects WHERE subject = ?",
            [subject or {"organ": "110101", "prosecutor": "P1"}[subject_type]],
        ).fetchall()[0][0]
        got = pd.DataFrame(read_results(
            con, subject_type, ids, level=level, subject=subject, parent=parent,
            periods=periods,
        ))
        who = "subject" if subject else "parent_code"
        want = con.execute(
            f"SELECT * FROM ({_over_figures(con)[view]}) WHERE level = ? "
            f"AND {who} = ? AND period IN (SELECT unnest(?::VARCHAR[]))",
            [level, subject or parent, periods],
        ).df()
    assert len(got) == len(want) > 0
    if subject_type == "organ":  # the whole grid
        assert len(got) == len(ids) * len(periods) * (1 if subject else 2)
    assert got["rank_in_level"].notna().any()
    pd.testing.assert_frame_equal(
        got.sort_values(KEYS).reset_index(drop=True)[list(want.columns)],
        want.sort_values(KEYS).reset_index(drop=True),
        check_exact=True, check_dtype=False,
    )


def test_the_prosecutors_scores_are_stored_as_their_view_gives_them(warehouse: Path) -> None:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        kinds = _kinds(con)
        assert kinds[PROSECUTOR_SCORES] == "BASE TABLE"
        keys = "indicator, subject, period"
        got = _frame(con, f'SELECT * FROM "{PROSECUTOR_SCORES}" ORDER BY {keys}')
        want = _frame(con, f"SELECT * FROM ({_over_figures(con)[PROSECUTOR_SCORES]}) "
                           f"ORDER BY {keys}")
    assert len(got) > 0 and got["subject_type"].eq("prosecutor").all()
    pd.testing.assert_frame_equal(got, want, check_exact=True)


@pytest.mark.parametrize("level", [2, 4])
@pytest.mark.parametrize("period", ["2020-Q1", "2020"])
def test_a_league_reads_as_the_windows_over_the_figures(
    warehouse: Path, level: int, period: str
) -> None:
    """Warehouse.value_rows (plain SQL, what a dashboard's leagues are drawn from): the
    level's organs of the reference once each, under the period's canonical label, with
    their names, best first."""
    import kaoping

    names = {code: (zh, en) for code, _, _, zh, en in ORGANS}
    for indicator in INDICATORS:
        with kaoping.Warehouse(warehouse, catalogue=INDICATORS) as wh:
            got = wh.value_rows(indicator.id, period, level=level)
            with duckdb.connect(str(warehouse), read_only=True) as con:
                want = con.execute(
                    f"SELECT * FROM ({_over_figures(con)[ORGAN_RESULTS]}) "
                    "WHERE indicator = ? AND level = ? AND period = ? "
                    "ORDER BY rank_in_level NULLS LAST, subject",
                    [indicator.id, level, period],
                ).df()
        assert [r["subject"] for r in got] == list(want["subject"]), indicator.id
        # a distribution's population: the same figures, read without their ranks
        with kaoping.Warehouse(warehouse, catalogue=INDICATORS) as wh:
            values = wh.level_values(indicator.id, period, level=level)
        assert sorted(values) == sorted(v for v in want["value"] if not pd.isna(v))
        for row, (_, ref) in zip(got, want.iterrows(), strict=True):
            assert row["period"] == period
            assert (row["name_zh"], row["name_en"]) == names[row["subject"]]
            for column in ("numerator", "denominator", "value", "previous", "change",
                           "rank_in_level", "peers_in_level", "rank_in_parent", "flags"):
                assert row[column] == (None if pd.isna(ref[column]) else ref[column]), (
                    indicator.id, row["subject"], column)


@pytest.mark.parametrize(
    ("step", "table"),
    [("store_organ_derivations", ORGAN_DERIVED_TABLE),
     ("store_prosecutor_scores", PROSECUTOR_SCORES)],
)
def test_a_computation_stopped_before_the_derivations_reads_the_same(
    warehouse: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, step: str, table: str
) -> None:
    stopped = build_warehouse(tmp_path / "stopped.duckdb", hand.PERSONS)
    with duckdb.connect(str(stopped)) as con:  # what a computation before it left
        compute(con, INDICATORS, years=YEARS[:1])

    def killed(*_: object) -> None:
        raise KeyboardInterrupt  # as a process stopped after the results' transaction

    with monkeypatch.context() as mp:
        mp.setattr(store, step, killed)
        with duckdb.connect(str(stopped)) as con, pytest.raises(KeyboardInterrupt):
            compute(con, INDICATORS, years=YEARS)
    with duckdb.connect(str(stopped), read_only=True) as con, \
            duckdb.connect(str(warehouse), read_only=True) as done:
        kinds = _kinds(con)
        assert kinds.get(table) != "BASE TABLE"
        if step == "store_organ_derivations":  # no rank of the computation before
            assert ORGAN_RANKS_TABLE not in kinds
        ids = [i.id for i in INDICATORS]
        for organ, level in (("110101", 4), ("100000", 1)):
            periods = ["2019", "2020", "2020-Q1"]
            got, want = (
                sorted(read_results(c, "organ", ids, level=level, subject=organ,
                                    periods=periods), key=str)
                for c in (con, done)
            )
            assert got == want and len(got) == len(ids) * len(periods)
        for view in (ORGAN_RESULTS, RESULTS_TABLE, PROSECUTOR_SCORES):
            pd.testing.assert_frame_equal(
                _frame(con, f'SELECT * FROM "{view}"'),
                _frame(done, f'SELECT * FROM "{view}"'),
                check_exact=True,
            )
    with duckdb.connect(str(stopped)) as con:
        compute(con, INDICATORS, years=YEARS)
        assert _kinds(con).get(table) == "BASE TABLE"


SEVERITY = [("out_of_range", 4), ("yoy_swing", 2), ("small_denominator", 1)]


@pytest.mark.parametrize("organs", [None, ["110101", "110100", "100000"]])
def test_flagged_figures_read_heaviest_first_and_paged(
    warehouse: Path, organs: list[str] | None
) -> None:
    from kaoping.engine.results import read_flagged

    with duckdb.connect(str(warehouse), read_only=True) as con:
        every = con.execute('SELECT * FROM "indicator_values_organ"').df()
        pages = [read_flagged(con, "2020", organs, severity=SEVERITY, limit=3, offset=o)
                 for o in range(0, 200, 3)]
    flagged = every[(every["period"] == "2020") & every["flags"].fillna("").str.len().gt(0)]
    if organs is not None:
        flagged = flagged[flagged["subject"].isin(organs)]
    weight = flagged["flags"].map(lambda f: sum(w for flag, w in SEVERITY if flag in f))
    want = (flagged.assign(weight=-weight)
            .sort_values(["weight", "level", "subject", "indicator"], kind="stable"))
    assert len(want) > 3  # more than one page
    if organs is None:  # the weights decide the order: figures of different weights
        assert weight.nunique() > 1
        assert list(want.index) != list(want.sort_values(["level", "subject", "indicator"]).index)
    assert {total for total, _ in pages} == {len(want)}
    got = [(r["indicator"], r["subject"], r["flags"]) for _, rows in pages for r in rows]
    assert got == list(want[["indicator", "subject", "flags"]].itertuples(index=False, name=None))
    # without weights: by level, organ and indicator alone
    with duckdb.connect(str(warehouse), read_only=True) as con:
        _, plain = read_flagged(con, "2020", organs, limit=1000)
    by_place = want.sort_values(["level", "subject", "indicator"])
    assert [(r["indicator"], r["subject"]) for r in plain] == list(
        by_place[["indicator", "subject"]].itertuples(index=False, name=None))


def test_histories_read_the_subjects_stored_rows(warehouse: Path) -> None:
    from kaoping.engine.results import read_histories

    ids = [i.id for i in INDICATORS]
    with duckdb.connect(str(warehouse), read_only=True) as con:
        every = con.execute('SELECT * FROM "indicator_values_organ"').df()
        got = pd.DataFrame(read_histories(con, "organ", "110100", "quarter", ids[:3]))
    want = every[(every["subject"] == "110100") & (every["period_kind"] == "quarter")
                 & every["indicator"].isin(ids[:3])]
    assert len(got) == len(want) == 3 * 8
    cols = ["indicator", "period", "value", "numerator", "denominator", "previous", "change",
            "change_unit", "flags"]
    pd.testing.assert_frame_equal(
        got.sort_values(["indicator", "period"], ignore_index=True)[cols],
        want.sort_values(["indicator", "period"], ignore_index=True)[cols],
        check_exact=True, check_dtype=False,
    )


def test_a_figure_computed_on_the_fly_is_the_stored_one(warehouse: Path) -> None:
    """compute_one (the derivation's SQL compiled once per shape of its rows, run over the
    one row counted from the records) against the stored row of the same organ and
    period, for an indicator of every kind and an organ of every level."""
    import kaoping
    from kaoping.engine.adhoc import compute_one
    from kaoping.engine.periods import parse_period

    columns = ("numerator", "denominator", "value", "previous", "change", "ci_low",
               "ci_high", "flags")
    compared = 0
    with kaoping.Warehouse(warehouse, catalogue=INDICATORS) as wh, duckdb.connect(
        str(warehouse), read_only=True
    ) as con:
        for indicator in INDICATORS:
            for code, *_ in ORGANS:
                for period in ("2020-Q1", "2020"):
                    stored = con.execute(
                        f"SELECT {', '.join(columns)} FROM \"{ORGAN_UNRANKED}\" "
                        "WHERE indicator = ? AND subject = ? AND period = ?",
                        [indicator.id, code, period],
                    ).fetchall()
                    p = parse_period(period)
                    row = compute_one(wh.backend, wh.definition(indicator.id),
                                      wh.subject(organ=code), p,
                                      has_previous=wh._has_previous(indicator, p))
                    for column, want in zip(columns, stored[0], strict=True):
                        got = None if pd.isna(row[column]) else row[column]
                        if isinstance(want, float):
                            assert got == pytest.approx(want), (indicator.id, code, column)
                        else:
                            assert (got or None) == (want or None), (indicator.id, code, column)
                    compared += 1
    assert compared == len(INDICATORS) * len(ORGANS) * 2
