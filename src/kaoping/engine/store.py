"""Where the results live: stored figures, their dimensions, and the ``indicator_values`` view.

A computation stores what only the records can tell: per monthly cube, subject (an organ
or a prosecutor) and period, the sum of every measure of the cube, and the same sums a
year earlier -- one table per cube (:mod:`kaoping.engine.figures`) -- beside four small
tables: the subjects (organ, level, parent), the periods, the indicators' parameters per
level (unit, range, minimum denominator...) and the years that have a previous year to
compare with. Everything a reader wants per indicator (numerator, denominator, value,
previous value, change, Wilson interval, flags, ranks among peers, percentile) is derived
from those by the view ``indicator_values``, one Ibis expression
(:func:`kaoping.engine.figures.indicator_figures`, :func:`kaoping.engine.stats.derive`,
:func:`kaoping.engine.rank.ranked`) compiled to SQL.

Why a view: a national computation over two years holds about 110 million indicator
figures, nine in ten of them prosecutors'. Writing them out (and ranking every one up
front) took most of a computation; the cube sums they are picked from are a tenth of
that, and a reader's query names an indicator and a period, so DuckDB derives and ranks
only that slice (tens of milliseconds).

Writing is the one place the engine talks to DuckDB directly (the transaction, the
renames and the view's DDL); every query that reads data goes through Ibis. A
computation writes into staging tables first and swaps them in inside one transaction,
so a reader never sees half a computation and a failed run leaves the previous results.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

import duckdb
import pandas as pd

from kaoping.engine.figures import (
    PART_TABLE_PREFIX,
    indicator_figures,
    indicator_row_count,
    part_columns,
    part_table,
)
from kaoping.engine.stats import PARAMS_COLUMNS

if TYPE_CHECKING:
    import ibis.backends.duckdb
    import ibis.expr.types as ir

    from kaoping.engine.compile import Plan

__all__ = [
    "FIGURES_COLUMNS",
    "RESULTS_COLUMNS",
    "RESULTS_TABLE",
    "RUNS_TABLE",
    "Dimensions",
    "LastRun",
    "Staging",
    "has_results",
    "last_run",
    "stored_years",
    "subject_keys",
]

RESULTS_TABLE = "indicator_values"
RUNS_TABLE = "compute_runs"
LAYOUT_TABLE = "indicator_figure_tables"
SUBJECTS_TABLE = "indicator_subjects"
PERIODS_TABLE = "indicator_periods"
PARAMS_TABLE = "indicator_params"
YEARS_TABLE = "indicator_years"
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
#: the stored tables of figures: which cube each holds, with which columns
_LAYOUT_COLUMNS = {"table_name": "VARCHAR", "part": "VARCHAR", "columns": "VARCHAR"}

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
    summary      VARCHAR
)
"""


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
}


def results_expr(backend: ibis.backends.duckdb.Backend, plan: Plan, prefix: str = "") -> ir.Table:
    """``indicator_values`` as an Ibis expression over the stored tables of ``plan``."""
    from kaoping.engine.rank import ranked
    from kaoping.engine.stats import derive

    tables = [backend.table(prefix + part_table(i)) for i in range(len(plan.parts))]
    f = indicator_figures(plan, tables, backend.table(prefix + PERIODS_TABLE))
    s = backend.table(prefix + SUBJECTS_TABLE)
    prm = backend.table(prefix + PARAMS_TABLE)
    yrs = backend.table(prefix + YEARS_TABLE)
    t = f.join(s, "subject_key")
    t = t.join(prm, ["indicator", "level"])
    t = t.left_join(yrs, ["indicator", "year"]).drop("indicator_right", "year_right")
    out: ir.Table = ranked(derive(t)).select(*RESULTS_COLUMNS)
    return out


def _create_view(
    con: duckdb.DuckDBPyConnection, backend: ibis.backends.duckdb.Backend, plan: Plan
) -> None:
    import ibis

    sql = ibis.to_sql(results_expr(backend, plan), dialect="duckdb")
    _drop_results(con)
    con.execute(f'CREATE VIEW "{RESULTS_TABLE}" AS {sql}')


def _drop_results(con: duckdb.DuckDBPyConnection) -> None:
    """Drop ``indicator_values``, a view -- or a table, as kaoping 0.1 stored it."""
    rows = con.execute(
        "SELECT table_type FROM information_schema.tables WHERE table_name = ?", [RESULTS_TABLE]
    ).fetchall()
    if rows:
        kind = "VIEW" if rows[0][0] == "VIEW" else "TABLE"
        con.execute(f'DROP {kind} "{RESULTS_TABLE}"')


def _figure_tables(con: duckdb.DuckDBPyConnection, prefix: str = "") -> list[str]:
    """The stored tables of figures (``prefix`` for the staged ones)."""
    rows = con.execute(
        "SELECT table_name FROM duckdb_tables() WHERE database_name = current_database() "
        "AND schema_name = 'main' AND starts_with(table_name, ?)",
        [prefix + PART_TABLE_PREFIX],
    ).fetchall()
    return sorted(r[0] for r in rows)


def _layout(plan: Plan) -> pd.DataFrame:
    """What the tables of figures of ``plan`` hold, as :data:`_LAYOUT_COLUMNS` rows."""
    rows = [
        (part_table(i), part.name, json.dumps(part_columns(part)))
        for i, part in enumerate(plan.parts)
    ]
    return pd.DataFrame(rows, columns=list(_LAYOUT_COLUMNS))


def _stored_layout(con: duckdb.DuckDBPyConnection) -> pd.DataFrame | None:
    if not _table_exists(con, LAYOUT_TABLE):
        return None
    return con.execute(f'SELECT * FROM "{LAYOUT_TABLE}" ORDER BY table_name').df()


def has_results(con: duckdb.DuckDBPyConnection) -> bool:
    return _table_exists(con, RESULTS_TABLE)


def _table_exists(con: duckdb.DuckDBPyConnection, name: str) -> bool:
    # fetchall, not fetchone: DuckDB 2 refuses new work while a result is unfinished
    rows = con.execute(
        "SELECT count(*) FROM information_schema.tables WHERE table_name = ?", [name]
    ).fetchall()
    return bool(rows and rows[0][0])


@dataclass(frozen=True)
class LastRun:
    finished_at: datetime
    years: tuple[int, ...]
    catalogue_digest: str
    rows: int


def last_run(con: duckdb.DuckDBPyConnection) -> LastRun | None:
    """The most recent computation, or None if ``kaoping compute`` never ran."""
    if not _table_exists(con, RUNS_TABLE):
        return None
    rows = con.execute(
        f"SELECT finished_at, years, catalogue_digest, rows_written FROM {RUNS_TABLE} "
        "ORDER BY finished_at DESC LIMIT 1"
    ).fetchall()
    if not rows:
        return None
    row = rows[0]
    years = tuple(int(y) for y in json.loads(row[1]))
    return LastRun(row[0], years, str(row[2]), int(row[3]))


def stored_years(con: duckdb.DuckDBPyConnection) -> set[int]:
    """The years of the stored results (in this layout or kaoping 0.1's results table);
    not the years stored only as the previous year of a computed one."""
    kind = con.execute(
        "SELECT table_type FROM information_schema.tables WHERE table_name = ?", [RESULTS_TABLE]
    ).fetchall()
    if kind and kind[0][0] != "VIEW":
        source = RESULTS_TABLE
    elif _table_exists(con, PERIODS_TABLE):
        source = PERIODS_TABLE
    else:
        return set()
    rows = con.execute(f'SELECT DISTINCT "year" FROM "{source}"').fetchall()
    return {int(r[0]) for r in rows}


@dataclass(frozen=True)
class Dimensions:
    """The small tables stored beside the figures (pandas frames, one row per key)."""

    subjects: pd.DataFrame
    periods: pd.DataFrame
    params: pd.DataFrame
    years: pd.DataFrame


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

    def write(self, index: int, figures: ir.Table) -> None:
        """Stage the figures of the ``index``-th cube of the plan.

        ``figures`` holds at least the columns of
        :func:`kaoping.engine.figures.part_columns`, the keys and figures of that cube.
        """
        cols = part_columns(self.plan.parts[index])
        types = {"is_organ": "boolean", "subject_key": "int32", "pid": "int32"}
        ordered = figures.select(**{c: figures[c].cast(types.get(c, "float64")) for c in cols})
        self.backend.create_table(_STAGING + part_table(index), ordered)

    def discard(self) -> None:
        for name in _figure_tables(self.con, _STAGING):
            self.con.execute(f'DROP TABLE IF EXISTS "{name}"')
        for name in _TABLES:
            self.con.execute(f'DROP TABLE IF EXISTS "{_STAGING}{name}"')

    def rows(self, pids: Sequence[int]) -> int:
        """How many indicator figures of the periods ``pids`` the staged tables hold
        (the rows the view will show of them)."""
        tables = [self.backend.table(_STAGING + part_table(i)) for i in range(len(self.plan.parts))]
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
        rows = self.rows(dims.periods["pid"].tolist())
        layout = _layout(self.plan)
        kept = sorted(stored_years(con) - set(replace_years or ())) if replace_years else []
        partial = bool(kept)
        if partial:
            stored = _stored_layout(con)
            if stored is None or not stored.equals(layout):
                raise ValueError(
                    f"the stored results of {', '.join(map(str, kept))} were computed from "
                    "other definitions than these (the catalogue or the indicators chosen "
                    "changed), so the years asked for cannot be replaced alone: compute "
                    "every year (leave out --years)"
                )
            dims = self._merged(dims, replace_years or ())
        write_dimensions(con, dims, layout, prefix=_STAGING)
        con.execute(_RUNS_DDL)
        con.execute("BEGIN TRANSACTION")
        try:
            _drop_results(con)
            if partial:
                years = ", ".join(str(int(y)) for y in written_years)
                for i in range(len(self.plan.parts)):
                    name = part_table(i)
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
            _create_view(con, self.backend, self.plan)
            con.execute(
                f"INSERT INTO {RUNS_TABLE} VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    run["run_id"],
                    run["started_at"],
                    datetime.now(),
                    json.dumps(run["years"]),
                    run["indicators"],
                    rows,
                    run["catalogue_digest"],
                    json.dumps(run["summary"]),
                ],
            )
            con.execute("COMMIT")
        except BaseException:
            con.execute("ROLLBACK")
            raise
        return rows

    def _merged(self, dims: Dimensions, years: Sequence[int]) -> Dimensions:
        """This run's dimensions, with the stored periods and years of the other years."""
        con = self.con

        def stored(name: str) -> pd.DataFrame:
            return con.execute(f'SELECT * FROM "{name}"').df()

        def union(old: pd.DataFrame, new: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
            both = pd.concat([new, old[list(new.columns)]], ignore_index=True)
            return both.drop_duplicates(keys, keep="first").reset_index(drop=True)

        old_years = stored(YEARS_TABLE)
        old_years = old_years[~old_years["year"].isin(list(years))]
        return Dimensions(
            subjects=dims.subjects,
            periods=union(stored(PERIODS_TABLE), dims.periods, ["pid"]),
            params=dims.params,
            years=union(old_years, dims.years, ["indicator", "year"]),
        )


def subject_keys(con: duckdb.DuckDBPyConnection, subjects: pd.DataFrame) -> pd.DataFrame:
    """``subjects`` (subject_type, subject, organ_code, level, parent_code) with their keys.

    A subject keeps the key the stored figures know it by, so that a computation of some
    years leaves the others' figures pointing at the right subjects; new subjects get new
    keys, and stored subjects no longer present are kept (their figures may remain).
    """
    cols = [c for c in _SUBJECTS_COLUMNS if c != "subject_key"]
    if _table_exists(con, SUBJECTS_TABLE) and _table_exists(con, LAYOUT_TABLE):
        old = con.execute(f'SELECT * FROM "{SUBJECTS_TABLE}"').df()
    else:
        old = pd.DataFrame()
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
