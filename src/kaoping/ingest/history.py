"""Reading the import log back: who imported which file when, and what it changed.

Every import writes one ``imports`` row per file inside its transaction, so the log holds
exactly the imports that happened (a dry run or a killed import leaves none). Warehouses
of an earlier version lack the later columns; they read as unknown (None) here.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import duckdb

# Every column the listing shows, in the order of ImportRecord's fields.
_COLUMNS = (
    "import_id",
    "file",
    "file_name",
    "table_name",
    "sha256",
    "encoding",
    "imported_by",
    "started_at",
    "finished_at",
    "rows_read",
    "rows_loaded",
    "rows_inserted",
    "rows_updated",
    "rows_unchanged",
    "rows_quarantined",
    "columns_updated",
    "cells_updated",
)


@dataclass(frozen=True)
class ImportRecord:
    """One file of one import, as the log recorded it."""

    import_id: str
    file: str  # the absolute path imported
    file_name: str  # its name, as the user named it
    table: str
    sha256: str
    encoding: str | None
    user: str | None  # None: recorded before kaoping logged who imported
    started_at: dt.datetime
    finished_at: dt.datetime
    rows_read: int
    rows_loaded: int
    rows_inserted: int | None  # None: recorded before kaoping counted these
    rows_updated: int | None
    rows_unchanged: int | None
    rows_quarantined: int
    columns_updated: tuple[str, ...] | None
    cells_updated: int | None


def _int(value: object) -> int | None:
    return None if value is None else int(str(value))


def list_imports(con: duckdb.DuckDBPyConnection, limit: int | None = None) -> list[ImportRecord]:
    """The logged imports, newest first (at most ``limit``); empty for a warehouse that has
    no log yet."""
    try:
        have = {d[0] for d in con.execute("SELECT * FROM imports LIMIT 0").description or ()}
    except duckdb.CatalogException:
        return []
    selects = ", ".join(c if c in have else f"NULL AS {c}" for c in _COLUMNS)
    sql = f"SELECT {selects} FROM imports ORDER BY finished_at DESC, started_at DESC"
    if limit is not None:
        sql += f" LIMIT {int(limit)}"
    out: list[ImportRecord] = []
    for r in con.execute(sql).fetchall():
        file = str(r[1])
        out.append(
            ImportRecord(
                import_id=str(r[0]),
                file=file,
                file_name=str(r[2]) if r[2] is not None else file.rsplit("/", 1)[-1],
                table=str(r[3]),
                sha256=str(r[4]),
                encoding=None if r[5] is None else str(r[5]),
                user=None if r[6] is None else str(r[6]),
                started_at=r[7],
                finished_at=r[8],
                rows_read=int(r[9]),
                rows_loaded=int(r[10]),
                rows_inserted=_int(r[11]),
                rows_updated=_int(r[12]),
                rows_unchanged=_int(r[13]),
                rows_quarantined=int(r[14]),
                columns_updated=None if r[15] is None else tuple(str(c) for c in r[15]),
                cells_updated=_int(r[16]),
            )
        )
    return out
