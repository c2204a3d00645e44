"""One import, one transaction: stage, validate, upsert, quarantine, record.

Everything an import writes -- the rows of every file, their quarantine, the ``imports``
log -- is written inside a single DuckDB transaction, so an import that fails or is killed
leaves the warehouse exactly as it was.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import sys
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from kaoping.ingest.errors import IngestError, file_error
from kaoping.ingest.headers import HeaderMap, map_headers
from kaoping.ingest.plan import PlannedFile, plan_files
from kaoping.ingest.read import readable
from kaoping.ingest.sql import cleaned, ident, literal, parse_expr
from kaoping.ingest.validate import PROBLEMS, find_problems

#: Fault-injection hook for tests: sleep this many seconds just before COMMIT.
PAUSE_ENV = "KAOPING_IMPORT_PAUSE_BEFORE_COMMIT"

_TYPED = "_kaoping_typed"  # view: the staged rows typed and canonicalised
_BAD = "_kaoping_bad"  # row numbers with at least one problem


@dataclass(frozen=True)
class ImportReport:
    """What happened to one file."""

    file: Path
    table: str
    format: str  # csv, excel or parquet
    encoding: str | None  # csv only
    rows_read: int
    rows_loaded: int
    rows_quarantined: int  # rows with at least one problem; each problem is a quarantine row
    import_id: str
    warnings: tuple[str, ...] = field(default=())


@dataclass(frozen=True)
class ImportProgress:
    """A step of one file's import, for a progress display."""

    file: Path
    table: str
    phase: str  # reading, validating, loading, done
    rows: int | None  # rows read so far; None until the file has been read


ProgressCallback = Callable[[ImportProgress], None]


def import_files(
    con: duckdb.DuckDBPyConnection,
    paths: Sequence[Path | str],
    table: str | None = None,
    progress: ProgressCallback | None = None,
) -> list[ImportReport]:
    """Import every file (directories: every supported file inside) in one transaction.

    ``table`` forces the table of every file; otherwise each file's table is recognised
    from its name, then from its headers. Raises :class:`IngestError` (and imports
    nothing) when a file cannot be read at all; bad rows are quarantined, not raised.
    The connection must not be inside a transaction already.
    """
    planned = plan_files(paths, table)
    con.complete()  # a caller's unread result would otherwise block this connection
    staged: list[_Staged] = []
    try:
        for number, item in enumerate(planned):
            staged.append(_stage(con, item, number, progress))
        con.execute("BEGIN TRANSACTION")
        try:
            reports = [_load(con, batch, progress) for batch in staged]
            _pause_before_commit()
            con.execute("COMMIT")
        except BaseException:
            with contextlib.suppress(duckdb.Error):  # keep the original error
                con.execute("ROLLBACK")
            raise
    finally:
        for batch in staged:
            with contextlib.suppress(duckdb.Error):  # never hide the error that got us here
                batch.drop(con)
    return reports


def _pause_before_commit() -> None:
    """Let a test kill the process when everything is written but nothing committed."""
    seconds = os.environ.get(PAUSE_ENV)
    if seconds:
        print(
            f"kaoping: import ready to commit; pausing {seconds}s ({PAUSE_ENV})",
            file=sys.stderr,
            flush=True,
        )
        time.sleep(float(seconds))


@dataclass(frozen=True)
class _Staged:
    """A file copied into temporary tables, ready to validate and load."""

    item: PlannedFile
    mapping: HeaderMap  # from the headers as DuckDB read them
    data: str  # temp table: the file's mapped columns as text, in file order
    stage: str  # temp view: _row and every column of the table, non-empty rows only
    rows_read: int

    def tell(self, progress: ProgressCallback | None, phase: str) -> None:
        if progress is not None:
            progress(
                ImportProgress(
                    self.item.source.path, self.mapping.table.name, phase, self.rows_read
                )
            )

    def drop(self, con: duckdb.DuckDBPyConnection) -> None:
        con.execute(f"DROP VIEW IF EXISTS {self.stage}")
        con.execute(f"DROP TABLE IF EXISTS {self.data}")


def _stage(
    con: duckdb.DuckDBPyConnection,
    item: PlannedFile,
    number: int,
    progress: ProgressCallback | None,
) -> _Staged:
    """Copy the file's mapped columns as cleaned text into a temporary table.

    This runs before the import's transaction: temporary tables are private to the
    connection and never touch the warehouse file, and only outside a transaction does
    DuckDB number a new table's rows from 0 in insertion order -- which is file order,
    and so the spreadsheet row number (rowid + 2) every quarantine row reports.
    """
    src, tbl = item.source, item.mapping.table
    if progress is not None:
        progress(ImportProgress(src.path, tbl.name, "reading", None))
    data, stage = f"_kaoping_data_{number}", f"_kaoping_stage_{number}"
    try:
        with readable(con, src) as rd:
            mapping = map_headers(src.path, tbl, rd.headers)
            present = mapping.present
            selects = [f"{_text(mapping.source[c], rd.typed)} AS {ident(c)}" for c in present]
            if rd.row_column is not None:
                selects.insert(0, f"{ident(rd.row_column)} AS _row")
            con.execute(
                f"CREATE OR REPLACE TEMP TABLE {data} AS "
                f"SELECT {', '.join(selects)} FROM {rd.from_sql}"
            )
    except duckdb.Error as exc:
        con.execute(f"DROP TABLE IF EXISTS {data}")
        # DuckDB's first lines say what and where (line number, the line, the field count).
        said = "; ".join([line.strip() for line in str(exc).splitlines() if line.strip()][:3])
        raise file_error(src.path, f"cannot read as {src.format}: {said}") from None
    # Outside a transaction a new table's rowid counts its rows from 0 in file order, and
    # the header is row 1 of a spreadsheet: so rowid + 2.
    row_number = "_row" if rd.row_column is not None else "rowid + 2"
    columns = [
        ident(c) if c in present else f"CAST(NULL AS VARCHAR) AS {ident(c)}"
        for c in tbl.column_names
    ]
    nonempty = f"WHERE coalesce({', '.join(ident(c) for c in present)}) IS NOT NULL"
    con.execute(
        f"CREATE OR REPLACE TEMP VIEW {stage} AS SELECT {row_number} AS _row, "
        f"{', '.join(columns)} FROM {data} {nonempty}"
    )
    rows = _scalar(con, f"SELECT count(*) FROM {stage}")
    return _Staged(item, mapping, data, stage, rows)


def _text(header: str, typed: frozenset[str]) -> str:
    """A typed Parquet column needs only the cast to text; text needs cleaning."""
    return f"CAST({ident(header)} AS VARCHAR)" if header in typed else cleaned(ident(header))


def _load(
    con: duckdb.DuckDBPyConnection, batch: _Staged, progress: ProgressCallback | None
) -> ImportReport:
    """Validate, upsert, quarantine and log one staged file, inside the import's transaction."""
    src, tbl = batch.item.source, batch.mapping.table
    import_id, started = uuid.uuid4().hex, dt.datetime.now()
    batch.tell(progress, "validating")
    find_problems(con, batch.stage, batch.mapping)
    con.execute(f"CREATE TEMP TABLE {_BAD} AS SELECT DISTINCT _row FROM {PROBLEMS}")
    bad = _scalar(con, f"SELECT count(*) FROM {_BAD}")
    batch.tell(progress, "loading")
    _upsert(con, batch)
    file_id = str(src.path.resolve())
    _quarantine(con, batch, import_id, file_id)
    con.execute(
        "INSERT INTO imports VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            import_id,
            file_id,
            tbl.name,
            src.sha256,
            src.encoding,
            batch.rows_read,
            batch.rows_read - bad,
            bad,
            started,
            dt.datetime.now(),
        ],
    )
    for drop in (f"VIEW {_TYPED}", f"TABLE {_BAD}", f"TABLE {PROBLEMS}"):
        con.execute(f"DROP {drop}")
    batch.tell(progress, "done")
    return ImportReport(
        src.path,
        tbl.name,
        src.format,
        src.encoding,
        batch.rows_read,
        batch.rows_read - bad,
        bad,
        import_id,
        batch.item.mapping.warnings(),
    )


def _upsert(con: duckdb.DuckDBPyConnection, batch: _Staged) -> None:
    """Replace the rows whose natural key the file's good rows carry, then insert them."""
    tbl = batch.mapping.table
    typed = ", ".join(
        f"CAST({parse_expr(c, 's.' + ident(c.name))} AS {c.duckdb_type}) AS {ident(c.name)}"
        for c in tbl.columns
    )
    con.execute(
        f"CREATE TEMP VIEW {_TYPED} AS SELECT s._row, {typed} FROM {batch.stage} s "
        f"ANTI JOIN {_BAD} b USING (_row)"
    )
    target = ident(tbl.name)
    if _scalar(con, f"SELECT count(*) FROM (SELECT 1 FROM {target} LIMIT 1)"):
        keys = ", ".join(ident(k) for k in tbl.key)
        match = " AND ".join(f"t.{ident(k)} = g.{ident(k)}" for k in tbl.key)
        con.execute(
            f"DELETE FROM {target} AS t USING (SELECT {keys} FROM {_TYPED}) AS g WHERE {match}"
        )
    names = ", ".join(ident(c) for c in tbl.column_names)
    con.execute(f"INSERT INTO {target} ({names}) SELECT {names} FROM {_TYPED}")


def _quarantine(
    con: duckdb.DuckDBPyConnection, batch: _Staged, import_id: str, file_id: str
) -> None:
    """Replace this file's earlier quarantine for this table, so re-importing never doubles it.

    The record is stored under the file's own headers, as the user will recognise it."""
    mapping, tbl = batch.mapping, batch.mapping.table
    con.execute("DELETE FROM quarantine WHERE file = ? AND table_name = ?", [file_id, tbl.name])
    record = ", ".join(f"{literal(mapping.source[c])}: s.{ident(c)}" for c in mapping.present)
    con.execute(
        f"INSERT INTO quarantine SELECT ?, ?, ?, p._row, p.column_name, p.value, p.reason, "
        f"CAST(to_json({{{record}}}) AS VARCHAR) "
        f"FROM {PROBLEMS} p JOIN {batch.stage} s USING (_row) "
        f"ORDER BY p._row, p.position",
        [import_id, file_id, tbl.name],
    )


def _scalar(con: duckdb.DuckDBPyConnection, sql: str) -> int:
    return int(con.execute(sql).fetchall()[0][0])


__all__ = ["PAUSE_ENV", "ImportProgress", "ImportReport", "IngestError", "import_files"]
