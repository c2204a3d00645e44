"""The one place that opens the DuckDB warehouse and creates its tables.

The canonical tables are created from the data model (``kaoping.model.schema``), so a new
column is added in one place. Bookkeeping tables (``imports``, ``quarantine``) sit beside
them. No primary-key constraints are declared: DuckDB's ART indexes make bulk upserts of
millions of rows slow and memory-hungry, so uniqueness of natural keys is kept by the
importer (delete-then-insert inside one transaction) and checked by the tests.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb

from kaoping.model.schema import TABLES, Table

if TYPE_CHECKING:
    import ibis.backends.duckdb

BOOKKEEPING_DDL = (
    """
    CREATE TABLE IF NOT EXISTS imports (
        import_id   VARCHAR,
        file        VARCHAR,
        table_name  VARCHAR,
        sha256      VARCHAR,
        encoding    VARCHAR,
        rows_read   BIGINT,
        rows_loaded BIGINT,
        rows_quarantined BIGINT,
        started_at  TIMESTAMP,
        finished_at TIMESTAMP
    )
    """,
    """
    CREATE TABLE IF NOT EXISTS quarantine (
        import_id  VARCHAR,
        file       VARCHAR,
        table_name VARCHAR,
        row_number BIGINT,
        column_name VARCHAR,
        value      VARCHAR,
        reason     VARCHAR,
        record     VARCHAR
    )
    """,
)


def table_ddl(tbl: Table) -> str:
    cols = ",\n    ".join(f'"{c.name}" {c.duckdb_type}' for c in tbl.columns)
    return f'CREATE TABLE IF NOT EXISTS "{tbl.name}" (\n    {cols}\n)'


def ensure_schema(con: duckdb.DuckDBPyConnection) -> None:
    """Create every table that does not exist yet; existing data is never touched."""
    for tbl in TABLES.values():
        con.execute(table_ddl(tbl))
    for ddl in BOOKKEEPING_DDL:
        con.execute(ddl)


def connect(path: Path | str, *, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    """Open (and, when writable, initialise) the warehouse at ``path``."""
    path = Path(path)
    if read_only and not path.exists():
        raise FileNotFoundError(
            f"no warehouse at {path}: run `kaoping import` (or `kaoping demo`) first, "
            "or point --db / KAOPING_DB at an existing one"
        )
    if not read_only:
        path.parent.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(path), read_only=read_only)
    if not read_only:
        ensure_schema(con)
    return con


@contextmanager
def opened(path: Path | str, *, read_only: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
    con = connect(path, read_only=read_only)
    try:
        yield con
    finally:
        con.close()


def ibis_connection(con: duckdb.DuckDBPyConnection) -> ibis.backends.duckdb.Backend:
    """An Ibis backend over an open DuckDB connection, for the engine's portable queries."""
    import ibis

    return ibis.duckdb.from_connection(con)


def row_counts(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    out: dict[str, int] = {}
    for name in TABLES:
        row = con.execute(f'SELECT count(*) FROM "{name}"').fetchone()
        out[name] = int(row[0]) if row else 0
    return out
