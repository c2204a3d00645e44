"""Reading the quarantine back: the rows an import refused, and why."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import duckdb


@dataclass(frozen=True)
class QuarantinedValue:
    """One problem of one refused row."""

    file: str
    table: str
    row_number: int
    column: str
    value: str | None
    reason: str
    record: str  # the whole row as JSON, under the file's own headers
    import_id: str


def _filters(table: str | None, file: str | Path | None) -> tuple[str, list[object]]:
    clauses: list[str] = []
    params: list[object] = []
    if table is not None:
        clauses.append("table_name = ?")
        params.append(table)
    if file is not None:
        # The quarantine keys files by absolute path; a bare name matches that name anywhere.
        clauses.append("(file = ? OR file = ? OR suffix(file, ?))")
        params += [str(file), str(Path(file).resolve()), os.sep + Path(file).name]
    return (" WHERE " + " AND ".join(clauses)) if clauses else "", params


def count_quarantine(
    con: duckdb.DuckDBPyConnection, table: str | None = None, file: str | Path | None = None
) -> int:
    where, params = _filters(table, file)
    return int(con.execute(f"SELECT count(*) FROM quarantine{where}", params).fetchall()[0][0])


def list_quarantine(
    con: duckdb.DuckDBPyConnection,
    table: str | None = None,
    file: str | Path | None = None,
    limit: int | None = None,
) -> list[QuarantinedValue]:
    """Quarantined problems, file by file, in row order."""
    where, params = _filters(table, file)
    sql = (
        f"SELECT file, table_name, row_number, column_name, value, reason, record, import_id "
        f"FROM quarantine{where} ORDER BY file, table_name, row_number, rowid"
    )
    if limit is not None:
        sql += f" LIMIT {int(limit)}"
    rows = con.execute(sql, params).fetchall()
    return [
        QuarantinedValue(
            str(r[0]),
            str(r[1]),
            int(r[2]),
            str(r[3]),
            None if r[4] is None else str(r[4]),
            str(r[5]),
            str(r[6]),
            str(r[7]),
        )
        for r in rows
    ]
