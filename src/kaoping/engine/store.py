"""Where the results live: stored figures, their dimensions, and the results views.

A computation stores what only the records can tell:

- per monthly cube, subject (an organ or a prosecutor) and period, the sums of the
  cube's measures -- a table for the organs and one for the prosecutors per cube
  (:mod:`kaoping.engine.figures`);
- the organs' numerator and denominator of every indicator, this period's and a year
  earlier's (``indicator_organ_figures``), picked from the organs' cube tables -- but
  for the rows of nothing recorded, which the views complete from the grid the
  computation stored beside them (``indicator_organ_periods``: the indicators and
  periods computed; ``indicator_organ_years``: the organs computed per year);
- the prosecutors' numerator and denominator of every indicator, this period's only
  (``indicator_prosecutor_rows``), picked from the prosecutors' cube tables;
- small tables: the subjects (organ, level, parent), the periods, the indicators'
  parameters per level (unit, range, minimum denominator...), the years that have a
  previous year to compare with, and what the cube tables hold.

Everything else a reader wants (value, previous value, change, Wilson interval, flags,
ranks among peers, percentile) is derived on read by views, each one Ibis expression
(:func:`kaoping.engine.stats.derive`, :func:`kaoping.engine.rank.ranked`) compiled to
SQL: ``indicator_values_organ`` and ``indicator_values_prosecutor`` (the prosecutor's
previous year found in the same table), and ``indicator_values``, their union. A point
read -- one subject, or the subjects below one organ -- goes through two more views per
kind of subject instead (:data:`~kaoping.engine.results.ORGAN_UNRANKED`,
:data:`~kaoping.engine.results.ORGAN_SCORES`...): the subject's rows derived alone, and
the peers' scores its ranks are counted from (:func:`kaoping.engine.results.read_results`).
The organs' rows but their ranks are then derived once more and stored
(``indicator_derived_organ``, :func:`store_organ_derivations`), and the organs' views
read them: an organ's page reads its level's slice, and deriving that slice on every
read was most of what a page waited for. The prosecutors' scores view is stored as a
table of the same name too (:func:`store_prosecutor_scores`): a scorecard ranks its
prosecutor among the 30,000 of his level, whose scores were otherwise derived for it.

Why: a national computation over two years holds about 110 million figures, nine in ten
of them prosecutors'. Writing them all out derived and ranked took most of a
computation; the prosecutors' figures without their previous year or ranks are written
in seconds, in period order, and a reader's query names an indicator and a period, so
DuckDB derives and ranks only that slice. Picking the prosecutors' figures from the cube
tables on read instead -- a union over every indicator -- cost a second of planning and
scanning per scorecard.

Writing is the one place the engine talks to DuckDB directly (the transaction, the
renames and the views' DDL); every query that reads data goes through Ibis. A
computation writes into staging tables first and swaps them in inside one transaction,
so a reader never sees half a computation and a failed run leaves the previous results.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

import duckdb

from kaoping.engine.figures import (
    KEY_COLUMNS,
    PART_TABLE_PREFIX,
    SubjectType,
    complete_organ_grid,
    has_rows,
    indicator_figures,
    indicator_row_count,
    indicator_rows,
    organ_figures,
    part_columns,
    part_table,
)
from kaoping.engine.rank import RANK_COLUMNS
from kaoping.engine.results import (
    LAYOUT_TABLE,
    ORDER_COLUMNS,
    ORGAN_DERIVED_TABLE,
    ORGAN_FIGURES_TABLE,
    ORGAN_LEVEL_VALUES_SQL,
    ORGAN_LEVEL_VALUES_TABLE,
    ORGAN_PERIODS_TABLE,
    ORGAN_RANKS_SQL,
    ORGAN_RANKS_TABLE,
    ORGAN_RESULTS,
    ORGAN_SCORES,
    ORGAN_SUBJECT_ORDER,
    ORGAN_UNRANKED,
    ORGAN_YEARS_TABLE,
    PARAMS_TABLE,
    PERIODS_TABLE,
    POINT_VIEWS,
    PROSECUTOR_RESULTS,
    PROSECUTOR_ROWS_TABLE,
    PROSECUTOR_SCORES,
    PROSECUTOR_UNRANKED,
    RESULTS_TABLE,
    RUNS_TABLE,
    SUBJECTS_TABLE,
    YEARS_TABLE,
    LastRun,
    _relation_kind,
    _table_exists,
    has_results,
    last_run,
    results_table,
    stored_years,
)
from kaoping.engine.stats import PARAMS_COLUMNS

if TYPE_CHECKING:
    import ibis.backends.duckdb
    import ibis.expr.types as ir
    import pandas as pd

    from kaoping.engine.compile import Plan

__all__ = [
    "FIGURES_COLUMNS",
    "ORGAN_RESULTS",
    "PROSECUTOR_RESULTS",
    "RESULTS_COLUMNS",
    "RESULTS_TABLE",
    "RUNS_TABLE",
    "Dimensions",
    "LastRun",
    "Staging",
    "has_results",
    "last_run",
    "results_table",
    "stored_periods",
    "stored_years",
    "subject_keys",
]

_STAGING = "__staging"

#: column -> (DuckDB type, meaning) of one indicator's figures, as the view picks them
FIGURES_COLUMNS: dict[str, tuple[str, str]] = {
    "indicator": ("VARCHAR", "indicator id"),
    "subject_key": ("INTEGER", "the subject, a key of indicator_subjects"),
    "pid": ("INTEGER", "the period, a key of indicator_periods (pid // 100 is the year)"),
    "numerator": ("DOUBLE", "the numerator (for counts and amounts, the value)"),
    "denominator": ("DOUBLE", "the denominator; NULL for counts and amounts without one"),
    "previous_numerator": ("DOUBLE", "numerator of the same period a year earlier"),
    "previous_denominator": ("DOUBLE", "denominator of the same period a year earlier"),
}

_SUBJECTS_COLUMNS = {
    "subject_key": "INTEGER",
    "subject_type": "VARCHAR",
    "subject": "VARCHAR",
    "organ_code": "VARCHAR",
    "level": "INTEGER",
    "parent_code": "VARCHAR",
}
_PERIODS_COLUMNS = {
    "pid": "INTEGER",
    "period": "VARCHAR",
    "period_kind": "VARCHAR",
    "year": "INTEGER",
    "prev_pid": "INTEGER",
}
_YEARS_COLUMNS = {"indicator": "VARCHAR", "year": "INTEGER", "has_previous": "BOOLEAN"}
_ORGAN_PERIODS_COLUMNS = {"indicator": "VARCHAR", "pid": "INTEGER"}
_ORGAN_YEARS_COLUMNS = {"subject_key": "INTEGER", "year": "INTEGER"}
#: the stored tables of figures: which cube each holds, with which columns
_LAYOUT_COLUMNS = {
    "table_name": "VARCHAR",
    "part": "VARCHAR",
    "columns": "VARCHAR",
    "definitions": "VARCHAR",
}

#: column -> (DuckDB type, meaning) of ``indicator_values``; the order is the view's
RESULTS_COLUMNS: dict[str, tuple[str, str]] = {
    "indicator": ("VARCHAR", "indicator id"),
    "subject_type": ("VARCHAR", "'organ' or 'prosecutor'"),
    "subject": ("VARCHAR", "organ_code or prosecutor_id"),
    "organ_code": ("VARCHAR", "the organ; for a prosecutor, the prosecutor's organ"),
    "level": ("INTEGER", "the organ's level (1-4); for a prosecutor, the level of the organ"),
    "parent_code": ("VARCHAR", "the organ one level up; for a prosecutor, the organ"),
    "period": (
        "VARCHAR",
        "canonical period label: 2020, 2020-H1, 2020-Q3, 2020-06, 2020-01..2020-09",
    ),
    "period_kind": ("VARCHAR", "month, quarter, half, year, ytd"),
    "year": ("INTEGER", "the year the period ends in"),
    "numerator": ("DOUBLE", "the numerator (for counts and amounts, the value)"),
    "denominator": ("DOUBLE", "the denominator; NULL for counts and amounts without one"),
    "value": ("DOUBLE", "the value: rates as fractions (0.171), NULL when the denominator is 0"),
    "previous_numerator": ("DOUBLE", "numerator of the same period a year earlier"),
    "previous_denominator": ("DOUBLE", "denominator of the same period a year earlier"),
    "previous": ("DOUBLE", "value of the same period a year earlier; NULL without data"),
    "change": ("DOUBLE", "year-on-year change in change_unit"),
    "change_unit": (
        "VARCHAR",
        "percentage_points (rates), percent (counts, amounts), difference (ratios), days",
    ),
    "ci_low": ("DOUBLE", "95% Wilson interval, lower bound (rates only)"),
    "ci_high": ("DOUBLE", "95% Wilson interval, upper bound (rates only)"),
    "rank_in_parent": (
        "BIGINT",
        "rank among the organs with the same parent (prosecutors: "
        "among the prosecutors of the organ); 1 = best; ties share a rank",
    ),
    "peers_in_parent": ("BIGINT", "number of ranked subjects in that group"),
    "rank_in_level": (
        "BIGINT",
        "rank among all organs of the level (prosecutors: all prosecutors of organs of that level)",
    ),
    "peers_in_level": ("BIGINT", "number of ranked subjects in that group"),
    "percentile": ("DOUBLE", "100 = best of its level, 0 = worst"),
    "flags": (
        "VARCHAR",
        "comma-separated: out_of_range, yoy_swing, small_denominator; '' when none",
    ),
}

_RUNS_DDL = f"""
CREATE TABLE IF NOT EXISTS {RUNS_TABLE} (
    run_id       VARCHAR,
    started_at   TIMESTAMP,
    finished_at  TIMESTAMP,
    years        VARCHAR,
    indicators   INTEGER,
    rows_written BIGINT,
    catalogue_digest VARCHAR,
    summary      VARCHAR,
    data_version BIGINT
)
"""
#: a warehouse computed before data versions were recorded gains the column
_RUNS_UPGRADE = f"ALTER TABLE {RUNS_TABLE} ADD COLUMN IF NOT EXISTS data_version BIGINT"


#: DuckDB type -> Ibis type, for the columns kaoping writes
_IBIS_TYPES = {"VARCHAR": "string", "INTEGER": "int32", "DOUBLE": "float64"}


def _typed(t: ir.Table, columns: dict[str, str]) -> ir.Table:
    """``t``'s ``columns`` (name -> DuckDB type), in that order, cast to their types."""
    out: ir.Table = t.select(**{c: t[c].cast(_IBIS_TYPES[k]) for c, k in columns.items()})
    return out


def _ddl(name: str, columns: dict[str, str]) -> str:
    cols = ", ".join(f'"{c}" {t}' for c, t in columns.items())
    return f'CREATE TABLE IF NOT EXISTS "{name}" ({cols})'


#: the small tables stored beside the figures
_TABLES: dict[str, dict[str, str]] = {
    LAYOUT_TABLE: _LAYOUT_COLUMNS,
    SUBJECTS_TABLE: _SUBJECTS_COLUMNS,
    PERIODS_TABLE: _PERIODS_COLUMNS,
    PARAMS_TABLE: {c: t for c, (t, _) in PARAMS_COLUMNS.items()},
    YEARS_TABLE: _YEARS_COLUMNS,
    ORGAN_PERIODS_TABLE: _ORGAN_PERIODS_COLUMNS,
    ORGAN_YEARS_TABLE: _ORGAN_YEARS_COLUMNS,
}


def _scored(backend: ibis.backends.duckdb.Backend, figures: ir.Table, prefix: str) -> ir.Table:
    """``figures`` (the columns of :func:`kaoping.engine.figures.indicator_figures`) with
    the subject's organ, level and parent, and everything derived row by row (value,
    change, interval, flags, and the ``score``, ``in_range`` and ``rankable`` ranks
    order by)."""
    from kaoping.engine.stats import derive

    s = backend.table(prefix + SUBJECTS_TABLE)
    prm = backend.table(prefix + PARAMS_TABLE)
    yrs = backend.table(prefix + YEARS_TABLE)
    # the organs' completed grid carries its subjects' columns already
    t = figures if "level" in figures.columns else figures.join(s, "subject_key")
    t = t.join(prm, ["indicator", "level"])
    t = t.left_join(yrs, ["indicator", "year"]).drop("indicator_right", "year_right")
    out: ir.Table = derive(t)
    return out


def _derived(backend: ibis.backends.duckdb.Backend, figures: ir.Table, prefix: str) -> ir.Table:
    """:func:`_scored` with the ranks: the columns of ``indicator_values``."""
    from kaoping.engine.rank import ranked

    out: ir.Table = ranked(_scored(backend, figures, prefix)).select(*RESULTS_COLUMNS)
    return out


def _unranked(backend: ibis.backends.duckdb.Backend, figures: ir.Table, prefix: str) -> ir.Table:
    """:func:`_scored` with the columns of ``indicator_values`` (the ranks NULL) and what
    ranks order by: a point read's own rows, ranked by :mod:`kaoping.engine.results`."""
    import ibis

    t = _scored(backend, figures, prefix)
    t = t.mutate(
        **{c: ibis.null(_RANK_TYPES[c]) for c in RANK_COLUMNS}
    )
    out: ir.Table = t.select(*RESULTS_COLUMNS, *ORDER_COLUMNS)
    return out


def _scores(backend: ibis.backends.duckdb.Backend, figures: ir.Table, prefix: str) -> ir.Table:
    """What ranks compare, of the rankable rows only (see :mod:`kaoping.engine.rank`)."""
    t = _scored(backend, figures, prefix)
    out: ir.Table = t.filter(t["rankable"]).select(*_SCORE_COLUMNS)
    return out


#: what a rank compares of a rankable row (the scores views' columns)
_SCORE_COLUMNS = ("indicator", "subject_type", "period", "level", "parent_code", "subject",
                  "in_range", "score")


#: the rank columns' Ibis types
_RANK_TYPES = {
    "rank_in_parent": "int64",
    "peers_in_parent": "int64",
    "rank_in_level": "int64",
    "peers_in_level": "int64",
    "percentile": "float64",
}


def organ_figures_expr(
    backend: ibis.backends.duckdb.Backend, plan: Plan, pids: Sequence[int], prefix: str = ""
) -> ir.Table:
    """The organs' figures of every indicator (:data:`FIGURES_COLUMNS`) of the periods
    ``pids``, picked from the organs' tables (``prefix`` + name) of ``plan``."""
    f = organ_figures(plan, _part_tables(backend, plan, "organ", prefix), pids)
    return _typed(f, {c: t for c, (t, _) in FIGURES_COLUMNS.items()})


def _part_tables(
    backend: ibis.backends.duckdb.Backend, plan: Plan, subjects: SubjectType, prefix: str = ""
) -> list[ir.Table]:
    return [backend.table(prefix + part_table(i, subjects)) for i in range(len(plan.parts))]


def _organ_figures(backend: ibis.backends.duckdb.Backend, plan: Plan, prefix: str) -> ir.Table:
    """The organs' figures of the whole grid the computation of ``plan`` stored: the
    stored rows, completed with the empty ones they leave out
    (:func:`kaoping.engine.figures.complete_organ_grid`)."""
    def table(name: str) -> ir.Table:
        return backend.table(prefix + name)

    # the organs with their level, parent...: a reader's filter on them (a point read
    # names the level) then narrows the grid before it is completed, not after
    organs = table(ORGAN_YEARS_TABLE).join(table(SUBJECTS_TABLE), "subject_key")
    return complete_organ_grid(
        plan.indicators,
        table(ORGAN_FIGURES_TABLE),
        table(ORGAN_PERIODS_TABLE),
        organs,
        table(PERIODS_TABLE),
    )


def organ_results_expr(
    backend: ibis.backends.duckdb.Backend, plan: Plan, prefix: str = ""
) -> ir.Table:
    """``indicator_values_organ``: the organs' results, from their stored figures."""
    return _derived(backend, _organ_figures(backend, plan, prefix), prefix)


def prosecutor_results_expr(
    backend: ibis.backends.duckdb.Backend, plan: Plan, prefix: str = ""
) -> ir.Table:
    """``indicator_values_prosecutor``: the prosecutors' results, picked on read from the
    stored tables of ``plan``."""
    return _prosecutor_expr(backend, plan, prefix, _derived)


def _prosecutor_expr(
    backend: ibis.backends.duckdb.Backend,
    plan: Plan,
    prefix: str,
    shape: Callable[[ibis.backends.duckdb.Backend, ir.Table, str], ir.Table],
    *,
    previous: bool = True,
) -> ir.Table:
    import ibis

    if not has_rows(plan, "prosecutor"):  # no indicator per prosecutor: no rows
        none = shape(backend, _organ_figures(backend, plan, prefix), prefix)
        return none.filter(ibis.literal(False))
    tables = _part_tables(backend, plan, "prosecutor", prefix)
    periods = backend.table(prefix + PERIODS_TABLE)
    rows = backend.table(prefix + PROSECUTOR_ROWS_TABLE)
    f = indicator_figures(plan, tables, "prosecutor", periods, previous=previous, rows=rows)
    return shape(backend, f, prefix)


#: the columns of :data:`PROSECUTOR_ROWS_TABLE`
PROSECUTOR_ROWS_COLUMNS = {
    "indicator": "VARCHAR",
    "subject_key": "INTEGER",
    "pid": "INTEGER",
    "numerator": "DOUBLE",
    "denominator": "DOUBLE",
}


def prosecutor_rows_expr(
    backend: Any, plan: Plan, prefix: str, pids: Sequence[int] | None = None
) -> ir.Table | None:
    """The prosecutors' figures (of the periods ``pids``; all by default), one row per
    indicator (:data:`PROSECUTOR_ROWS_TABLE`), from the cube tables ``prefix`` + name,
    in period and subject order -- so that a reader's period and subject skip most row
    groups. None when no indicator has prosecutor rows."""
    if not has_rows(plan, "prosecutor"):
        return None
    tables = _part_tables(backend, plan, "prosecutor", prefix)
    rows = _typed(indicator_rows(plan, tables, "prosecutor", pids), PROSECUTOR_ROWS_COLUMNS)
    out: ir.Table = rows.order_by("pid", "subject_key")
    return out


def _write_prosecutor_rows(
    con: duckdb.DuckDBPyConnection,
    backend: ibis.backends.duckdb.Backend,
    plan: Plan,
    name: str,
    prefix: str,
    pids: Sequence[int] | None = None,
) -> None:
    """Create (``pids`` None) or add to the table ``name`` of the prosecutors' figures,
    one row per indicator, from the cube tables ``prefix`` + name.

    Why stored when the cube tables hold the same sums: picked on read, a prosecutor's
    figures are a union over every indicator's cube -- tens of milliseconds of planning
    and a scan of every table per query, a second for one scorecard. One table, in
    period order, is read in milliseconds, for the price of writing it once (a few
    seconds of a national computation).
    """
    rows = prosecutor_rows_expr(backend, plan, prefix, pids)
    if rows is None:
        con.execute(_ddl(name, PROSECUTOR_ROWS_COLUMNS))
    elif pids is None:
        backend.create_table(name, rows)
    else:
        backend.insert(name, rows)


def views_sql(backend: Any, plan: Plan) -> dict[str, str]:
    """The results views of ``plan`` (name -> DuckDB SELECT, in the order they are
    created) over the stored tables ``backend.table(name)`` gives: the DuckDB
    warehouse's, or tables of the schemas a Parquet run wrote
    (:mod:`kaoping.engine.backends.spark`)."""
    import ibis

    views = {
        ORGAN_RESULTS: organ_results_expr(backend, plan),
        PROSECUTOR_RESULTS: prosecutor_results_expr(backend, plan),
    }
    # what a point read ranks with (kaoping.engine.results.read_results)
    point = {
        ORGAN_UNRANKED: _unranked(backend, _organ_figures(backend, plan, ""), ""),
        ORGAN_SCORES: _scores(backend, _organ_figures(backend, plan, ""), ""),
        PROSECUTOR_UNRANKED: _prosecutor_expr(backend, plan, "", _unranked),
        PROSECUTOR_SCORES: _prosecutor_expr(backend, plan, "", _scores, previous=False),
    }
    out = {name: ibis.to_sql(expr, dialect="duckdb") for name, expr in {**views, **point}.items()}
    out[RESULTS_TABLE] = " UNION ALL ".join(f'SELECT * FROM "{name}"' for name in views)
    return out


def _create_views(
    con: duckdb.DuckDBPyConnection, backend: ibis.backends.duckdb.Backend, plan: Plan
) -> None:
    _drop_results(con)
    for name, sql in views_sql(backend, plan).items():
        con.execute(f'CREATE VIEW "{name}" AS {sql}')


def organ_views_over_derived(backend: Any, derived: str) -> dict[str, str]:
    """The organs' results views (name -> SELECT) over their derived rows stored as the
    table ``derived`` (:data:`~kaoping.engine.results.ORGAN_DERIVED_TABLE`), and the
    union of both kinds of subject that names one of them: what :func:`views_sql` gives
    for the organs, with nothing left to derive but the ranks."""
    import ibis

    from kaoping.engine.rank import ranked

    t = backend.table(derived)
    views = {
        ORGAN_RESULTS: ranked(t).select(*RESULTS_COLUMNS),
        ORGAN_UNRANKED: t.select(*RESULTS_COLUMNS, *ORDER_COLUMNS),
        ORGAN_SCORES: t.filter(t["rankable"]).select(*_SCORE_COLUMNS),
    }
    out = {name: ibis.to_sql(expr, dialect="duckdb") for name, expr in views.items()}
    out[RESULTS_TABLE] = " UNION ALL ".join(
        f'SELECT * FROM "{name}"' for name in (ORGAN_RESULTS, PROSECUTOR_RESULTS)
    )
    return out


def store_organ_derivations(
    con: duckdb.DuckDBPyConnection, backend: ibis.backends.duckdb.Backend, plan: Plan
) -> None:
    """Write the organs' derived rows (value, change, interval, flags, and what ranks
    order by) as a table, their rankable rows' ranks as another
    (:data:`~kaoping.engine.results.ORGAN_RANKS_SQL`), and point the organs' views at
    the first.

    Why: every organ page reads its organ's figures ranked among the organs of its
    level, and through the views over the stored figures that derives the whole level's
    slice on each read -- 150 ms for a county's 49 indicators on a national warehouse,
    12 ms from the derived rows with the ranks counted on read, 4 ms with them stored.
    It costs a computation about 15 s for the 9.6 million organ figures of a national
    two-year grid and 6-7 s for the ranks; both tables are written in the subjects'
    order (:data:`~kaoping.engine.results.ORGAN_SUBJECT_ORDER`), so a read of one
    subject skips the other row groups, and the values again by period and level
    (:data:`~kaoping.engine.results.ORGAN_LEVEL_VALUES_TABLE`, 2.5 s) for the reads of
    a whole level. (The ranks in the derived rows themselves, by windows over the wide
    rows, took 19 s more.)

    Run after the results' transaction: until the views are pointed at the table they
    derive from the stored figures, which is slower but the same figures, so a process
    killed here leaves correct results. The table is written outside a transaction,
    which DuckDB does several times quicker than inside one."""
    import ibis

    staged = _STAGING + ORGAN_DERIVED_TABLE
    unranked = ibis.to_sql(
        _unranked(backend, _organ_figures(backend, plan, ""), ""), dialect="duckdb"
    )
    ranks = _STAGING + ORGAN_RANKS_TABLE
    values = _STAGING + ORGAN_LEVEL_VALUES_TABLE
    for name in (staged, ranks, values):
        con.execute(f'DROP TABLE IF EXISTS "{name}"')
    con.execute(
        f'CREATE TABLE "{staged}" AS SELECT * FROM ({unranked}) ORDER BY {ORGAN_SUBJECT_ORDER}'
    )
    con.execute(f'CREATE TABLE "{ranks}" AS {ORGAN_RANKS_SQL.format(derived=staged)}')
    con.execute(f'CREATE TABLE "{values}" AS {ORGAN_LEVEL_VALUES_SQL.format(derived=staged)}')
    con.execute("BEGIN TRANSACTION")
    try:
        for name in (RESULTS_TABLE, ORGAN_RESULTS, ORGAN_UNRANKED, ORGAN_SCORES):
            con.execute(f'DROP VIEW IF EXISTS "{name}"')
        for name, table in ((staged, ORGAN_DERIVED_TABLE), (ranks, ORGAN_RANKS_TABLE),
                            (values, ORGAN_LEVEL_VALUES_TABLE)):
            con.execute(f'DROP TABLE IF EXISTS "{table}"')
            con.execute(f'ALTER TABLE "{name}" RENAME TO "{table}"')
        for name, sql in organ_views_over_derived(backend, ORGAN_DERIVED_TABLE).items():
            con.execute(f'CREATE VIEW "{name}" AS {sql}')
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise


def store_prosecutor_scores(
    con: duckdb.DuckDBPyConnection, backend: ibis.backends.duckdb.Backend, plan: Plan
) -> None:
    """Write what the prosecutors' ranks compare (:data:`_SCORE_COLUMNS` of their
    rankable rows) as a table in place of the view of the same name
    (:data:`~kaoping.engine.results.PROSECUTOR_SCORES`).

    Why: a scorecard -- a prosecutor's landing page -- counts, for each of his figures,
    the peers of his level that rank before him, and through the view that derives the
    period's scores of every prosecutor of the level on each read: 170 ms of DuckDB
    for a prosecutor's 49 indicators on a 2,000,000-person warehouse, 50 ms from this
    table, and under 20 clients the largest share of the server's time. The table
    costs a computation about 7 s there (13 million rows); it is written as the view
    gives its rows, unsorted -- sorting by period bought a reader nothing measurable
    and cost 2 s more. The ranks themselves are not stored: windows over those rows
    took 20 s.

    Run after the results' transaction, as :func:`store_organ_derivations`: until the
    view is replaced the reads derive the same scores, so a process killed here
    leaves correct results."""
    import ibis

    staged = _STAGING + PROSECUTOR_SCORES
    scores = ibis.to_sql(
        _prosecutor_expr(backend, plan, "", _scores, previous=False), dialect="duckdb"
    )
    con.execute(f'DROP TABLE IF EXISTS "{staged}"')
    con.execute(f'CREATE TABLE "{staged}" AS {scores}')
    con.execute("BEGIN TRANSACTION")
    try:
        con.execute(f'DROP VIEW IF EXISTS "{PROSECUTOR_SCORES}"')
        con.execute(f'ALTER TABLE "{staged}" RENAME TO "{PROSECUTOR_SCORES}"')
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise


def _drop_results(con: duckdb.DuckDBPyConnection) -> None:
    """Drop the results views and the organs' derived rows -- or the table kaoping 0.1
    stored as ``indicator_values``."""
    for name in (RESULTS_TABLE, ORGAN_RESULTS, PROSECUTOR_RESULTS, *POINT_VIEWS):
        kind = _relation_kind(con, name)
        if kind is not None:
            con.execute(f'DROP {"VIEW" if kind == "VIEW" else "TABLE"} "{name}"')
    for name in (ORGAN_DERIVED_TABLE, ORGAN_RANKS_TABLE, ORGAN_LEVEL_VALUES_TABLE):
        con.execute(f'DROP TABLE IF EXISTS "{name}"')


def _figure_tables(con: duckdb.DuckDBPyConnection, prefix: str = "") -> list[str]:
    """The stored tables of figures (``prefix`` for the staged ones)."""
    rows = con.execute(
        "SELECT table_name FROM duckdb_tables() WHERE database_name = current_database() "
        "AND schema_name = 'main' AND starts_with(table_name, ?)",
        [prefix + PART_TABLE_PREFIX],
    ).fetchall()
    return sorted(r[0] for r in rows)


#: marks the definitions of a layout whose organs' figures are stored sparsely (their
#: grid completed on read): a kaoping that stores them whole finds other definitions than
#: its own, and refuses to recompute some years of such results alone -- it would leave
#: the kept years sparse under views that do not complete them
SPARSE_ORGANS = "sparse-organs"


def _layout(plan: Plan, definitions: str | None = None) -> pd.DataFrame:
    """What the tables of figures of ``plan`` hold, as :data:`_LAYOUT_COLUMNS` rows;
    ``definitions`` is what the rows say of the definitions (by default the plan's
    digest, with :data:`SPARSE_ORGANS`)."""
    import pandas as pd

    said = definitions if definitions is not None else f"{plan.digest} {SPARSE_ORGANS}"
    rows = [
        (part_table(i, subjects), part.name, json.dumps(part_columns(part)), said)
        for i, part in enumerate(plan.parts)
        for subjects in ("organ", "prosecutor")
    ]
    return pd.DataFrame(rows, columns=list(_LAYOUT_COLUMNS))


def _whole_grid_layout(layout: pd.DataFrame) -> pd.DataFrame:
    """``layout`` as a kaoping that stored the organs' figures whole wrote it."""
    out = layout.copy()
    out["definitions"] = out["definitions"].str.removesuffix(f" {SPARSE_ORGANS}")
    return out


def _stored_layout(con: duckdb.DuckDBPyConnection) -> pd.DataFrame | None:
    if not _table_exists(con, LAYOUT_TABLE):
        return None
    return con.execute(f'SELECT * FROM "{LAYOUT_TABLE}" ORDER BY table_name').df()


def stored_periods(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """(period, period_kind, year) of every stored period (empty before a computation)."""
    import pandas as pd

    if not _table_exists(con, PERIODS_TABLE):
        return pd.DataFrame({"period": [], "period_kind": [], "year": []})
    return con.execute(f'SELECT period, period_kind, "year" FROM "{PERIODS_TABLE}"').df()


@dataclass(frozen=True)
class Dimensions:
    """The small tables stored beside the figures (pandas frames, one row per key)."""

    subjects: pd.DataFrame
    periods: pd.DataFrame
    params: pd.DataFrame
    years: pd.DataFrame
    #: the organs' grid (see :func:`organ_grid`): (indicator, pid) computed, and
    #: (subject_key, year) of the organs computed
    organ_periods: pd.DataFrame
    organ_years: pd.DataFrame

    def grid_size(self, pids: Sequence[int]) -> int:
        """How many cells the organs' grid has in the periods ``pids``: the organs'
        figures the results show of them, stored or empty."""
        pairs = self.organ_periods[self.organ_periods["pid"].isin([int(p) for p in pids])]
        per_year = self.organ_years.groupby("year").size()
        years = pairs["pid"] // 100
        return int(years.map(per_year).fillna(0).sum())


def organ_grid(
    indicators: Sequence[Any], pids: Sequence[int], organ_keys: Sequence[int],
    years: Sequence[int],
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The organs' grid of a computation, stored beside their sparse figures so that a
    reader completes exactly what was computed, whatever the catalogue and the organs
    are since: (indicator, pid) of ``indicators`` x ``pids``, and (subject_key, year) of
    ``organ_keys`` x ``years`` (every organ of a year has a figure of every indicator
    and period of the year, stored or empty)."""
    import pandas as pd

    pairs = pd.DataFrame(
        [(ind.id, int(p)) for ind in indicators for p in pids],
        columns=list(_ORGAN_PERIODS_COLUMNS),
    )
    organs = pd.DataFrame(
        [(int(k), int(y)) for y in years for k in organ_keys],
        columns=list(_ORGAN_YEARS_COLUMNS),
    )
    return pairs, organs


def write_dimensions(
    con: duckdb.DuckDBPyConnection, dims: Dimensions, layout: pd.DataFrame, prefix: str = ""
) -> None:
    """Replace the small tables (``prefix`` + name) with ``dims`` and ``layout``."""
    frames = {
        LAYOUT_TABLE: layout,
        SUBJECTS_TABLE: dims.subjects,
        PERIODS_TABLE: dims.periods,
        PARAMS_TABLE: dims.params,
        YEARS_TABLE: dims.years,
        ORGAN_PERIODS_TABLE: dims.organ_periods,
        ORGAN_YEARS_TABLE: dims.organ_years,
    }
    for name, frame in frames.items():
        cols = _TABLES[name]
        con.execute(f'DROP TABLE IF EXISTS "{prefix}{name}"')
        con.execute(_ddl(prefix + name, cols))
        con.register("__kaoping_frame", frame[list(cols)])
        try:
            select = ", ".join(f'CAST("{c}" AS {t})' for c, t in cols.items())
            con.execute(f'INSERT INTO "{prefix}{name}" SELECT {select} FROM __kaoping_frame')
        finally:
            con.unregister("__kaoping_frame")


class Staging:
    """The figures of one run, written cube by cube and swapped in at the end.

    The staging tables are ordinary tables beside the results; nothing reads them, and
    :meth:`commit` replaces the results with them in one transaction.
    """

    def __init__(
        self, con: duckdb.DuckDBPyConnection, backend: ibis.backends.duckdb.Backend, plan: Plan
    ):
        self.con, self.backend, self.plan = con, backend, plan
        self.discard()

    def write(self, index: int, subjects: SubjectType, figures: ir.Table | None) -> None:
        """Stage the figures of ``subjects`` of the ``index``-th cube of the plan.

        ``figures`` holds at least the columns of
        :func:`kaoping.engine.figures.part_columns`, the keys and figures of that cube;
        None stages an empty table (no prosecutor figures are computed for the cube).
        """
        name = _STAGING + part_table(index, subjects)
        types = {c: KEY_COLUMNS.get(c, "DOUBLE") for c in part_columns(self.plan.parts[index])}
        if figures is None:
            self.con.execute(_ddl(name, types))
        else:
            # in period order: a reader's period then skips most of the table's row groups
            self.backend.create_table(name, _typed(figures, types).order_by("pid"))

    def discard(self) -> None:
        for name in _figure_tables(self.con, _STAGING):
            self.con.execute(f'DROP TABLE IF EXISTS "{name}"')
        self.con.execute(f'DROP TABLE IF EXISTS "{_STAGING}{ORGAN_FIGURES_TABLE}"')
        self.con.execute(f'DROP TABLE IF EXISTS "{_STAGING}{PROSECUTOR_ROWS_TABLE}"')
        for name in (ORGAN_DERIVED_TABLE, ORGAN_RANKS_TABLE, ORGAN_LEVEL_VALUES_TABLE):
            self.con.execute(f'DROP TABLE IF EXISTS "{_STAGING}{name}"')
        self.con.execute(f'DROP TABLE IF EXISTS "{_STAGING}{PROSECUTOR_SCORES}"')
        for name in _TABLES:
            self.con.execute(f'DROP TABLE IF EXISTS "{_STAGING}{name}"')

    def prosecutor_rows(self, pids: Sequence[int]) -> int:
        """How many prosecutor figures of the periods ``pids`` the staged tables hold
        (the rows the view will show of them)."""
        if not has_rows(self.plan, "prosecutor"):
            return 0
        tables = _part_tables(self.backend, self.plan, "prosecutor", _STAGING)
        return indicator_row_count(self.plan, tables, pids)

    def commit(
        self,
        dims: Dimensions,
        *,
        replace_years: Sequence[int] | None,
        written_years: Sequence[int],
        run: dict[str, object],
    ) -> int:
        """Swap the staged figures in atomically; returns the number of figures staged.

        With ``replace_years`` None everything is replaced; otherwise only the figures of
        ``written_years`` are -- the years asked for and those staged as their previous
        year -- (a partial re-computation keeps the other years), and the dimension
        tables are merged. A partial run needs the stored figures to have been computed
        from the same definitions: the cubes, and so the tables, must match.
        """
        con = self.con
        pids = dims.periods["pid"].tolist()
        rows = self.prosecutor_rows(pids)
        layout = _layout(self.plan)
        kept = sorted(stored_years(con) - set(replace_years or ())) if replace_years else []
        partial = bool(kept)
        rebuilt = list(pids)
        if partial:
            self._check_layout(layout, kept)
            dims = self._merged(dims, replace_years or ())
            # the organs' figures of a kept year that follows a replaced one compare with
            # it: they are picked again, with the new previous year
            follows = {y + 1 for y in replace_years or ()} & set(kept)
            periods = dims.periods
            rebuilt += periods.loc[periods["year"].isin(list(follows)), "pid"].tolist()
        write_dimensions(con, dims, layout, prefix=_STAGING)
        if not partial:
            # staged like the rest: a table written outside the swap's transaction is
            # written several times quicker than rows inserted inside it
            staged = organ_figures_expr(self.backend, self.plan, pids, _STAGING)
            staged = staged.order_by("pid", "subject_key")
            self.backend.create_table(_STAGING + ORGAN_FIGURES_TABLE, staged)
            rows += dims.grid_size(pids)
            _write_prosecutor_rows(
                con, self.backend, self.plan, _STAGING + PROSECUTOR_ROWS_TABLE, _STAGING
            )
        con.execute(_RUNS_DDL)
        con.execute(_RUNS_UPGRADE)
        con.execute("BEGIN TRANSACTION")
        try:
            _drop_results(con)
            if partial:
                years = ", ".join(str(int(y)) for y in written_years)
                for name in layout["table_name"]:
                    con.execute(f'DELETE FROM "{name}" WHERE pid // 100 IN ({years})')
                    con.execute(f'INSERT INTO "{name}" SELECT * FROM "{_STAGING}{name}"')
                    con.execute(f'DROP TABLE "{_STAGING}{name}"')
            else:
                for name in _figure_tables(con):
                    con.execute(f'DROP TABLE "{name}"')
                for name in _figure_tables(con, _STAGING):
                    con.execute(f'ALTER TABLE "{name}" RENAME TO "{name[len(_STAGING) :]}"')
            for name in _TABLES:
                con.execute(f'DROP TABLE IF EXISTS "{name}"')
                con.execute(f'ALTER TABLE "{_STAGING}{name}" RENAME TO "{name}"')
            con.execute('DROP TABLE IF EXISTS "indicator_figures"')  # an earlier layout
            if partial:
                self._organ_figures(rebuilt)
                rows += dims.grid_size(pids)
                self._prosecutor_rows(written_years)
            else:
                for name in (ORGAN_FIGURES_TABLE, PROSECUTOR_ROWS_TABLE):
                    con.execute(f'DROP TABLE IF EXISTS "{name}"')
                    con.execute(f'ALTER TABLE "{_STAGING}{name}" RENAME TO "{name}"')
            _create_views(con, self.backend, self.plan)
            con.execute(
                f"INSERT INTO {RUNS_TABLE} (run_id, started_at, finished_at, years, "
                "indicators, rows_written, catalogue_digest, summary, data_version) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    run["run_id"],
                    run["started_at"],
                    datetime.now(),
                    json.dumps(run["years"]),
                    run["indicators"],
                    rows,
                    run["catalogue_digest"],
                    json.dumps(run["summary"]),
                    run.get("data_version"),
                ],
            )
            con.execute("COMMIT")
        except BaseException:
            con.execute("ROLLBACK")
            raise
        store_organ_derivations(con, self.backend, self.plan)
        store_prosecutor_scores(con, self.backend, self.plan)
        return rows

    def _check_layout(self, layout: pd.DataFrame, kept: Sequence[int]) -> None:
        check_layout(_stored_layout(self.con), layout, kept)

    def _organ_figures(self, pids: Sequence[int]) -> None:
        """Replace the organs' figures of the periods ``pids`` with those picked from the
        stored tables (a partial run)."""
        con = self.con
        con.execute(
            f'DELETE FROM "{ORGAN_FIGURES_TABLE}" WHERE pid IN (SELECT unnest(?::INTEGER[]))',
            [[int(p) for p in pids]],
        )
        self.backend.insert(ORGAN_FIGURES_TABLE, organ_figures_expr(self.backend, self.plan, pids))

    def _prosecutor_rows(self, years: Sequence[int]) -> None:
        """Replace the prosecutors' figures of ``years`` with those of the cube tables
        just swapped in (a partial run); a warehouse computed before they were stored
        gets them all."""
        con = self.con
        if not _table_exists(con, PROSECUTOR_ROWS_TABLE):
            _write_prosecutor_rows(con, self.backend, self.plan, PROSECUTOR_ROWS_TABLE, "")
            return
        wanted = [int(y) for y in years]
        con.execute(
            f'DELETE FROM "{PROSECUTOR_ROWS_TABLE}" '
            "WHERE pid // 100 IN (SELECT unnest(?::INTEGER[]))",
            [wanted],
        )
        pids = [
            int(r[0])
            for r in con.execute(
                f'SELECT pid FROM "{PERIODS_TABLE}" WHERE pid // 100 IN '
                "(SELECT unnest(?::INTEGER[]))",
                [wanted],
            ).fetchall()
        ]
        if pids:
            _write_prosecutor_rows(
                con, self.backend, self.plan, PROSECUTOR_ROWS_TABLE, "", pids
            )

    def _merged(self, dims: Dimensions, years: Sequence[int]) -> Dimensions:
        """This run's dimensions, with the stored periods and years of the other years."""
        con = self.con

        def stored(name: str) -> pd.DataFrame:
            if name in _GRID_OF_FULL and not _table_exists(con, name):
                # computed before the organs' figures were sparse: the grid is the
                # stored one, whole
                return con.execute(_GRID_OF_FULL[name]).df()
            return con.execute(f'SELECT * FROM "{name}"').df()

        return merged_dimensions(
            dims, years, stored(PERIODS_TABLE), stored(YEARS_TABLE),
            stored(ORGAN_PERIODS_TABLE), stored(ORGAN_YEARS_TABLE),
        )


#: the organs' grid of a warehouse computed before it was stored: the organs' figures
#: were stored whole, so their keys are the grid
_GRID_OF_FULL = {
    ORGAN_PERIODS_TABLE: f'SELECT DISTINCT indicator, pid FROM "{ORGAN_FIGURES_TABLE}"',
    ORGAN_YEARS_TABLE: (
        f'SELECT DISTINCT subject_key, CAST(pid // 100 AS INTEGER) AS "year" '
        f'FROM "{ORGAN_FIGURES_TABLE}"'
    ),
}


def check_layout(stored: pd.DataFrame | None, layout: pd.DataFrame, kept: Sequence[int]) -> None:
    """Refuse to replace some years when the kept ones mean something else: the stored
    tables' ``stored`` layout (None: written before layouts were) is not ``layout``.

    Results whose organs' figures were stored whole (their layout's definitions without
    :data:`SPARSE_ORGANS`) are accepted: their kept years' grid is their stored rows.
    """
    years = ", ".join(map(str, kept))
    if stored is None:
        raise ValueError(
            f"the stored results of {years} were written by an earlier version of "
            "kaoping, so the years asked for cannot be replaced alone: compute every "
            "year (leave out --years)"
        )
    wanted = layout.sort_values("table_name").reset_index(drop=True)
    stored = stored.sort_values("table_name").reset_index(drop=True)
    if not (stored.equals(wanted) or stored.equals(_whole_grid_layout(wanted))):
        raise ValueError(
            f"the stored results of {years} were computed from other definitions than "
            "these (the catalogue or the indicators chosen changed), so the years asked "
            "for cannot be replaced alone: compute every year (leave out --years)"
        )


def merged_dimensions(
    dims: Dimensions,
    years: Sequence[int],
    periods: pd.DataFrame,
    has_previous: pd.DataFrame,
    organ_periods: pd.DataFrame,
    organ_years: pd.DataFrame,
) -> Dimensions:
    """A partial run's dimensions ``dims`` (of ``years``), with the stored ``periods``,
    ``has_previous`` (the years table) and organs' grid (``organ_periods``,
    ``organ_years``) of the other years."""
    import pandas as pd

    def union(old: pd.DataFrame, new: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
        both = pd.concat([new, old[list(new.columns)]], ignore_index=True)
        return both.drop_duplicates(keys, keep="first").reset_index(drop=True)

    replaced = list(years)
    old_years = has_previous[~has_previous["year"].isin(replaced)]
    old_pairs = organ_periods[~(organ_periods["pid"] // 100).isin(replaced)]
    old_organs = organ_years[~organ_years["year"].isin(replaced)]
    return Dimensions(
        subjects=dims.subjects,
        periods=union(periods, dims.periods, ["pid"]),
        params=dims.params,
        years=union(old_years, dims.years, ["indicator", "year"]),
        organ_periods=union(old_pairs, dims.organ_periods, ["indicator", "pid"]),
        organ_years=union(old_organs, dims.organ_years, ["subject_key", "year"]),
    )


def subject_keys(
    con: duckdb.DuckDBPyConnection, subjects: pd.DataFrame, *, keep_stored: bool
) -> pd.DataFrame:
    """``subjects`` (subject_type, subject, organ_code, level, parent_code) with their keys.

    With ``keep_stored`` (a computation of some years, the others kept) a subject keeps
    the key the stored figures know it by, so that the kept figures point at the right
    subjects; new subjects get new keys, and stored subjects no longer present are kept
    (their kept figures remain). Otherwise every subject gets a new key.
    """
    import pandas as pd

    stored = _table_exists(con, SUBJECTS_TABLE) and _table_exists(con, LAYOUT_TABLE)
    if keep_stored and stored:
        old = con.execute(f'SELECT * FROM "{SUBJECTS_TABLE}"').df()
    else:
        old = pd.DataFrame()
    return keyed_subjects(subjects, old)


def keyed_subjects(subjects: pd.DataFrame, old: pd.DataFrame) -> pd.DataFrame:
    """``subjects`` with their keys: those of the stored subjects ``old`` where they are
    among them, new ones after the largest otherwise; the stored subjects no longer
    present are kept (see :func:`subject_keys`)."""
    import pandas as pd

    cols = [c for c in _SUBJECTS_COLUMNS if c != "subject_key"]
    if list(old.columns) != list(_SUBJECTS_COLUMNS):  # none stored, or another layout
        old = pd.DataFrame({c: pd.Series(dtype="object") for c in _SUBJECTS_COLUMNS})
    merged = subjects[cols].merge(
        old[["subject_type", "subject", "subject_key"]], on=["subject_type", "subject"], how="left"
    )
    new = merged["subject_key"].isna()
    start = int(old["subject_key"].max()) + 1 if len(old) else 1
    merged.loc[new, "subject_key"] = range(start, start + int(new.sum()))
    gone = old[
        ~old.set_index(["subject_type", "subject"]).index.isin(
            merged.set_index(["subject_type", "subject"]).index
        )
    ]
    out = pd.concat([merged, gone[list(merged.columns)]], ignore_index=True)
    return out.astype({"subject_key": "int32", "level": "int32"})[list(_SUBJECTS_COLUMNS)]
