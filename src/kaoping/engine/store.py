"""Where the results live: stored figures, their dimensions, and the ``indicator_values`` view.

A computation stores what only the records can tell -- per indicator, subject (an organ
or a prosecutor) and period: the numerator and denominator, and those of the same period
a year earlier -- in ``indicator_figures``, beside three small tables: the subjects (organ,
level, parent), the periods (kind) and the indicators' parameters per level (unit, range,
minimum denominator...). Everything else a reader wants (value, previous value, change,
Wilson interval, flags, ranks among peers, percentile) is derived from those by the view
``indicator_values``, one Ibis expression (:func:`kaoping.engine.stats.derive`,
:func:`kaoping.engine.rank.ranked`) compiled to SQL.

Why a view: a national computation over two years holds about 110 million rows, nine in
ten of them prosecutors'. Writing only the figures is about three times quicker than
writing every derived column, and ranking on read costs a reader a few milliseconds (one
indicator and period is a few tens of thousands of rows) where ranking everything up
front cost a computation half its time.

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

from kaoping.engine.stats import PARAMS_COLUMNS

if TYPE_CHECKING:
    import ibis.backends.duckdb
    import ibis.expr.types as ir

__all__ = [
    "FIGURES_COLUMNS",
    "FIGURES_TABLE",
    "RESULTS_COLUMNS",
    "RESULTS_TABLE",
    "RUNS_TABLE",
    "Dimensions",
    "LastRun",
    "Staging",
    "ensure_tables",
    "has_results",
    "last_run",
    "subject_keys",
]

RESULTS_TABLE = "indicator_values"
RUNS_TABLE = "compute_runs"
FIGURES_TABLE = "indicator_figures"
SUBJECTS_TABLE = "indicator_subjects"
PERIODS_TABLE = "indicator_periods"
PARAMS_TABLE = "indicator_params"
YEARS_TABLE = "indicator_years"
_STAGING = "__staging"

#: column -> (DuckDB type, meaning) of the stored figures; the order is the table's
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
}
_YEARS_COLUMNS = {"indicator": "VARCHAR", "year": "INTEGER", "has_previous": "BOOLEAN"}

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

_IBIS_TYPES = {
    "VARCHAR": "string",
    "INTEGER": "int32",
    "BIGINT": "int64",
    "DOUBLE": "float64",
    "BOOLEAN": "boolean",
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


_TABLES: dict[str, dict[str, str]] = {
    FIGURES_TABLE: {c: t for c, (t, _) in FIGURES_COLUMNS.items()},
    SUBJECTS_TABLE: _SUBJECTS_COLUMNS,
    PERIODS_TABLE: _PERIODS_COLUMNS,
    PARAMS_TABLE: {c: t for c, (t, _) in PARAMS_COLUMNS.items()},
    YEARS_TABLE: _YEARS_COLUMNS,
}


def results_expr(backend: ibis.backends.duckdb.Backend, prefix: str = "") -> ir.Table:
    """``indicator_values`` as an Ibis expression over the stored tables."""
    from kaoping.engine.rank import ranked
    from kaoping.engine.stats import derive

    f = backend.table(prefix + FIGURES_TABLE)
    s = backend.table(prefix + SUBJECTS_TABLE)
    p = backend.table(prefix + PERIODS_TABLE)
    prm = backend.table(prefix + PARAMS_TABLE)
    yrs = backend.table(prefix + YEARS_TABLE)
    t = f.join(s, "subject_key")
    t = t.join(p, "pid")
    t = t.join(prm, ["indicator", "level"])
    t = t.left_join(yrs, ["indicator", "year"]).drop("indicator_right", "year_right")
    out: ir.Table = ranked(derive(t)).select(*RESULTS_COLUMNS)
    return out


def _create_view(con: duckdb.DuckDBPyConnection, backend: ibis.backends.duckdb.Backend) -> None:
    import ibis

    sql = ibis.to_sql(results_expr(backend), dialect="duckdb")
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


def ensure_tables(con: duckdb.DuckDBPyConnection) -> None:
    """Create the (empty) results tables, the view and the runs log if they are missing."""
    from kaoping.warehouse import ibis_connection

    for name, cols in _TABLES.items():
        con.execute(_ddl(name, cols))
    con.execute(_RUNS_DDL)
    if not _table_exists(con, RESULTS_TABLE):
        _create_view(con, ibis_connection(con))


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


def _other_years(con: duckdb.DuckDBPyConnection, years: Sequence[int]) -> list[int]:
    """The years of the stored figures not among ``years`` (what a partial run keeps)."""
    if not _table_exists(con, FIGURES_TABLE):
        return []
    layout = con.execute(
        "SELECT column_name FROM information_schema.columns WHERE table_name = ? "
        "ORDER BY ordinal_position",
        [FIGURES_TABLE],
    ).fetchall()
    if [r[0] for r in layout] != list(FIGURES_COLUMNS):  # another layout: replace it all
        return []
    stored = con.execute(f'SELECT DISTINCT pid // 100 FROM "{FIGURES_TABLE}"').fetchall()
    return sorted({int(r[0]) for r in stored} - {int(y) for y in years})


@dataclass(frozen=True)
class Dimensions:
    """The small tables stored beside the figures (pandas frames, one row per key)."""

    subjects: pd.DataFrame
    periods: pd.DataFrame
    params: pd.DataFrame
    years: pd.DataFrame


def write_dimensions(con: duckdb.DuckDBPyConnection, dims: Dimensions, prefix: str = "") -> None:
    """Replace the dimension tables (``prefix`` + name) with ``dims``."""
    frames = {
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
    """The figures of one run, written batch by batch and swapped in at the end.

    The staging tables are ordinary tables beside the results; nothing reads them, and
    :meth:`commit` replaces the results with them in one transaction.
    """

    def __init__(self, con: duckdb.DuckDBPyConnection, backend: ibis.backends.duckdb.Backend):
        self.con, self.backend = con, backend
        self.discard()
        con.execute(_ddl(_STAGING + FIGURES_TABLE, _TABLES[FIGURES_TABLE]))

    def insert(self, figures: ir.Table) -> None:
        """Append ``figures`` (any column order; cast to the table's types)."""
        ordered = figures.select(
            **{c: figures[c].cast(_IBIS_TYPES[t]) for c, (t, _) in FIGURES_COLUMNS.items()}
        )
        self.backend.insert(_STAGING + FIGURES_TABLE, ordered)

    def discard(self) -> None:
        for name in _TABLES:
            self.con.execute(f'DROP TABLE IF EXISTS "{_STAGING}{name}"')

    def commit(
        self,
        dims: Dimensions,
        *,
        replace_years: Sequence[int] | None,
        run: dict[str, object],
    ) -> int:
        """Swap the staged figures in atomically; returns the number of rows staged.

        With ``replace_years`` None everything is replaced; otherwise only the figures of
        those years are (a partial re-computation keeps the other years), and the
        dimension tables are merged.
        """
        con = self.con
        rows = int(
            con.execute(f'SELECT count(*) FROM "{_STAGING}{FIGURES_TABLE}"').fetchall()[0][0]
        )
        partial = replace_years is not None and bool(_other_years(con, replace_years))
        if partial:
            dims = self._merged(dims, replace_years or ())
        write_dimensions(con, dims, prefix=_STAGING)
        con.execute(_RUNS_DDL)
        con.execute("BEGIN TRANSACTION")
        try:
            _drop_results(con)
            if partial:
                years = ", ".join(str(int(y)) for y in replace_years or ())
                con.execute(f'DELETE FROM "{FIGURES_TABLE}" WHERE pid // 100 IN ({years})')
                con.execute(
                    f'INSERT INTO "{FIGURES_TABLE}" SELECT * FROM "{_STAGING}{FIGURES_TABLE}"'
                )
                con.execute(f'DROP TABLE "{_STAGING}{FIGURES_TABLE}"')
            else:
                con.execute(f'DROP TABLE IF EXISTS "{FIGURES_TABLE}"')
                con.execute(f'ALTER TABLE "{_STAGING}{FIGURES_TABLE}" RENAME TO "{FIGURES_TABLE}"')
            for name in _TABLES:
                if name != FIGURES_TABLE:
                    con.execute(f'DROP TABLE IF EXISTS "{name}"')
                    con.execute(f'ALTER TABLE "{_STAGING}{name}" RENAME TO "{name}"')
            _create_view(con, self.backend)
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
    if _table_exists(con, SUBJECTS_TABLE) and _table_exists(con, FIGURES_TABLE):
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
