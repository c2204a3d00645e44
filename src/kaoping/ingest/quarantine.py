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


def _filters(
    table: str | None, file: str | Path | None, import_id: str | None = None
) -> tuple[str, list[object]]:
    clauses: list[str] = []
    params: list[object] = []
    if import_id is not None:  # the web pages name a file by its import, not its path
        clauses.append("import_id = ?")
        params.append(import_id)
    if table is not None:
        clauses.append("table_name = ?")
        params.append(table)
    if file is not None:
        # The quarantine keys files by absolute path; a bare name matches that name anywhere.
        clauses.append("(file = ? OR file = ? OR suffix(file, ?))")
        params += [str(file), str(Path(file).resolve()), os.sep + Path(file).name]
    return (" WHERE " + " AND ".join(clauses)) if clauses else "", params


def count_quarantine(
    con: duckdb.DuckDBPyConnection,
    table: str | None = None,
    file: str | Path | None = None,
    *,
    import_id: str | None = None,
) -> int:
    where, params = _filters(table, file, import_id)
    return int(con.execute(f"SELECT count(*) FROM quarantine{where}", params).fetchall()[0][0])


def list_quarantine(
    con: duckdb.DuckDBPyConnection,
    table: str | None = None,
    file: str | Path | None = None,
    limit: int | None = None,
    *,
    offset: int = 0,
    import_id: str | None = None,
) -> list[QuarantinedValue]:
    """Quarantined problems, file by file, in row order (``offset`` of them skipped)."""
    where, params = _filters(table, file, import_id)
    sql = (
        f"SELECT file, table_name, row_number, column_name, value, reason, record, import_id "
        f"FROM quarantine{where} ORDER BY file, table_name, row_number, rowid"
    )
    if limit is not None:
        sql += f" LIMIT {int(limit)}"
    if offset:
        sql += f" OFFSET {int(offset)}"
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


@dataclass(frozen=True)
class QuarantinedFile:
    """The quarantine of one file's import into one table."""

    import_id: str
    file: str
    table: str
    rows: int  # refused rows
    problems: int  # quarantine rows: a refused row may have several problems


def quarantine_files(con: duckdb.DuckDBPyConnection) -> list[QuarantinedFile]:
    """Every file with refused rows, by file and table."""
    rows = con.execute(
        "SELECT import_id, file, table_name, count(DISTINCT row_number), count(*) "
        "FROM quarantine GROUP BY ALL ORDER BY file, table_name"
    ).fetchall()
    return [QuarantinedFile(str(r[0]), str(r[1]), str(r[2]), int(r[3]), int(r[4])) for r in rows]
