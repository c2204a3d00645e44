"""Reading what ``kaoping compute`` stored: the relations' names, the runs, point reads.

Kept apart from :mod:`kaoping.engine.store` (which writes) so that a reader -- `kaoping
show`, a request of the web server -- needs neither pandas nor Ibis for a point read: a
figure is one parametrised query on the results view.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import duckdb

__all__ = [
    "ORGAN_RESULTS",
    "PROSECUTOR_RESULTS",
    "RESULTS_TABLE",
    "RUNS_TABLE",
    "LastRun",
    "has_results",
    "last_run",
    "read_results",
    "results_table",
    "stored_years",
]

RESULTS_TABLE = "indicator_values"
ORGAN_RESULTS = "indicator_values_organ"
PROSECUTOR_RESULTS = "indicator_values_prosecutor"
ORGAN_FIGURES_TABLE = "indicator_organ_figures"
RUNS_TABLE = "compute_runs"
LAYOUT_TABLE = "indicator_figure_tables"
SUBJECTS_TABLE = "indicator_subjects"
PERIODS_TABLE = "indicator_periods"
PARAMS_TABLE = "indicator_params"
YEARS_TABLE = "indicator_years"


def results_table(subject_type: str | None = None) -> str:
    """The relation to read results of ``subject_type`` (organ, prosecutor) from.

    ``indicator_values`` holds both, but a query against it is planned over every
    indicator's stored table; the organs' results come from a table of their own, so a
    reader who wants organs only plans and runs in milliseconds.
    """
    if subject_type is None:
        return RESULTS_TABLE
    halves = {"organ": ORGAN_RESULTS, "prosecutor": PROSECUTOR_RESULTS}
    if subject_type not in halves:
        raise ValueError(f"unknown subject type {subject_type!r}: organ or prosecutor")
    return halves[subject_type]


def _relation_kind(con: duckdb.DuckDBPyConnection, name: str) -> str | None:
    """'VIEW', 'BASE TABLE' (or another table type), or None when there is no ``name``."""
    rows = con.execute(
        "SELECT table_type FROM information_schema.tables WHERE table_name = ?", [name]
    ).fetchall()
    return str(rows[0][0]) if rows else None


def has_results(con: duckdb.DuckDBPyConnection) -> bool:
    """Whether ``kaoping compute`` stored results in this layout (kaoping 0.1's results
    table does not count: it is recomputed)."""
    return _table_exists(con, ORGAN_RESULTS)


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
    #: the warehouse's data version the run computed from (None: recorded before versions)
    data_version: int | None = None


def last_run(con: duckdb.DuckDBPyConnection) -> LastRun | None:
    """The most recent computation, or None if ``kaoping compute`` never ran."""
    if not _table_exists(con, RUNS_TABLE):
        return None
    columns = {
        str(r[0])
        for r in con.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_name = ?",
            [RUNS_TABLE],
        ).fetchall()
    }
    version = "data_version" if "data_version" in columns else "NULL"
    rows = con.execute(
        f"SELECT finished_at, years, catalogue_digest, rows_written, {version} "
        f"FROM {RUNS_TABLE} ORDER BY finished_at DESC LIMIT 1"
    ).fetchall()
    if not rows:
        return None
    row = rows[0]
    years = tuple(int(y) for y in json.loads(row[1]))
    return LastRun(
        row[0], years, str(row[2]), int(row[3]), None if row[4] is None else int(row[4])
    )


def stored_years(con: duckdb.DuckDBPyConnection) -> set[int]:
    """The years of the stored results (in this layout or kaoping 0.1's results table);
    not the years stored only as the previous year of a computed one."""
    kind = _relation_kind(con, RESULTS_TABLE)
    if kind is not None and kind != "VIEW":
        source = RESULTS_TABLE
    elif _table_exists(con, PERIODS_TABLE):
        source = PERIODS_TABLE
    else:
        return set()
    rows = con.execute(f'SELECT DISTINCT "year" FROM "{source}"').fetchall()
    return {int(r[0]) for r in rows}


def read_results(
    con: duckdb.DuckDBPyConnection,
    subject_type: str,
    indicators: Sequence[str],
    *,
    level: int,
    subject: str,
    periods: Sequence[str],
) -> list[dict[str, object]]:
    """The stored rows of one subject: ``indicators`` x ``periods`` (labels), as dicts.

    A point read, so plain SQL on the connection: no Ibis expression to build and no
    pandas frame to fill, which is most of what a `kaoping show` would otherwise wait for.
    The level is redundant with the subject, but ranks are taken per level on read, and
    naming it spares ranking every other level.
    """
    if not indicators or not periods:
        return []
    cur = con.execute(
        f'SELECT * FROM "{results_table(subject_type)}" WHERE indicator IN ({_marks(indicators)}) '
        f"AND subject_type = ? AND level = ? AND subject = ? AND period IN ({_marks(periods)})",
        [*indicators, subject_type, level, subject, *periods],
    )
    names = [d[0] for d in cur.description or ()]
    return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]




def _marks(values: Sequence[object]) -> str:
    return ", ".join("?" for _ in values)
