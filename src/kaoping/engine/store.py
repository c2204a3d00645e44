"""The results table ``indicator_values`` and the log of computations ``compute_runs``.

Long format: one row per indicator, subject (an organ or a prosecutor) and period. The
engine builds the whole table as one Ibis expression and this module writes it: into a
staging table first, then swapped in inside one transaction, so a reader never sees half
a computation and a failed run leaves the previous results in place.

Writing is the one place the engine talks to DuckDB directly (the transaction and the
rename); every query that reads data goes through Ibis.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

import duckdb

if TYPE_CHECKING:
    import ibis.backends.duckdb
    import ibis.expr.types as ir

__all__ = [
    "RESULTS_COLUMNS",
    "RESULTS_TABLE",
    "RUNS_TABLE",
    "LastRun",
    "Staging",
    "ensure_tables",
    "has_results",
    "last_run",
]

RESULTS_TABLE = "indicator_values"
RUNS_TABLE = "compute_runs"
_STAGING = "indicator_values__staging"

#: column -> (DuckDB type, meaning); the order is the table's column order
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


def _results_ddl(name: str) -> str:
    cols = ",\n    ".join(f'"{c}" {t}' for c, (t, _) in RESULTS_COLUMNS.items())
    return f'CREATE TABLE IF NOT EXISTS "{name}" (\n    {cols}\n)'


def ensure_tables(con: duckdb.DuckDBPyConnection) -> None:
    """Create the (empty) results and runs tables if they are missing."""
    con.execute(_results_ddl(RESULTS_TABLE))
    con.execute(_RUNS_DDL)


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


class Staging:
    """The results of one run, written batch by batch and swapped in at the end.

    The staging table is an ordinary table beside ``indicator_values``; nothing reads it,
    and :meth:`commit` replaces the results with it in one transaction.
    """

    def __init__(self, con: duckdb.DuckDBPyConnection, backend: ibis.backends.duckdb.Backend):
        self.con, self.backend = con, backend
        con.execute(f"DROP TABLE IF EXISTS {_STAGING}")
        con.execute(_results_ddl(_STAGING))

    def insert(self, results: ir.Table) -> None:
        """Append ``results`` (any column order; cast to the table's types)."""
        ordered = results.select(
            **{c: results[c].cast(_IBIS_TYPES[t]) for c, (t, _) in RESULTS_COLUMNS.items()}
        )
        self.backend.insert(_STAGING, ordered)

    def discard(self) -> None:
        self.con.execute(f"DROP TABLE IF EXISTS {_STAGING}")

    def commit(self, *, replace_years: Sequence[int] | None, run: dict[str, object]) -> int:
        """Swap the staged rows in atomically; returns the number of rows staged.

        With ``replace_years`` None the whole table is replaced; otherwise only the rows of
        those years are (a partial re-computation keeps the other years).
        """
        con = self.con
        rows = int(con.execute(f"SELECT count(*) FROM {_STAGING}").fetchall()[0][0])
        con.execute(_RUNS_DDL)
        con.execute("BEGIN TRANSACTION")
        try:
            if replace_years is None or not has_results(con):
                con.execute(f"DROP TABLE IF EXISTS {RESULTS_TABLE}")
                con.execute(f"ALTER TABLE {_STAGING} RENAME TO {RESULTS_TABLE}")
            else:
                years = ", ".join(str(int(y)) for y in replace_years)
                con.execute(f"DELETE FROM {RESULTS_TABLE} WHERE year IN ({years})")
                con.execute(f"INSERT INTO {RESULTS_TABLE} SELECT * FROM {_STAGING}")
                con.execute(f"DROP TABLE {_STAGING}")
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
