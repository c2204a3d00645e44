"""One import, one transaction: stage, validate, upsert, quarantine, record.

Everything an import writes -- the rows of every file, their quarantine, the ``imports``
log, the data version -- is written inside a single DuckDB transaction, so an import that
fails or is killed leaves the warehouse exactly as it was.

A file may carry only some columns of its table: it updates those columns of the rows it
names and leaves the others as stored (:mod:`kaoping.ingest.merge`), and its report counts
what it inserted, updated and left unchanged, so nothing is lost without being said.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import getpass
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
from kaoping.ingest.merge import (
    MergeCounts,
    cluster_by_organ,
    merge_problems,
    organ_order,
    upsert,
)
from kaoping.ingest.plan import PlannedFile, plan_files
from kaoping.ingest.read import readable
from kaoping.ingest.sql import cleaned, ident, literal, parse_expr
from kaoping.ingest.validate import PROBLEMS, find_problems
from kaoping.warehouse import bump_data_version

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
    rows_loaded: int  # good rows: inserted + updated + unchanged
    rows_quarantined: int  # rows with at least one problem; each problem is a quarantine row
    import_id: str
    warnings: tuple[str, ...] = field(default=())
    rows_inserted: int = 0  # keys not stored before
    rows_updated: int = 0  # stored rows of which at least one value changed
    rows_unchanged: int = 0  # stored rows the file repeats exactly
    columns_updated: tuple[str, ...] = ()  # columns changed in at least one stored row
    cells_updated: int = 0  # values changed in stored rows


@dataclass(frozen=True)
class ImportProgress:
    """A step of one file's import, for a progress display."""

    file: Path
    table: str
    phase: str  # reading, validating, loading, ordering (a table it wrote), done
    rows: int | None  # rows read so far; None until the file has been read


ProgressCallback = Callable[[ImportProgress], None]


def import_files(
    con: duckdb.DuckDBPyConnection,
    paths: Sequence[Path | str],
    table: str | None = None,
    progress: ProgressCallback | None = None,
    *,
    user: str | None = None,
) -> list[ImportReport]:
    """Import every file (directories: every supported file inside) in one transaction.

    ``table`` forces the table of every file; otherwise each file's table is recognised
    from its name, then from its headers. Raises :class:`IngestError` (and imports
    nothing) when a file cannot be read at all; bad rows are quarantined, not raised.
    ``user`` is who the ``imports`` log names (the operating-system user by default; the
    web upload passes its signed-in user). When a row was inserted or updated, the data
    version is bumped in the same transaction, so stored figures are known to be stale.
    The connection must not be inside a transaction already.
    """
    planned = plan_files(paths, table)
    who = user if user is not None else _os_user()
    con.complete()  # a caller's unread result would otherwise block this connection
    staged: list[_Staged] = []
    try:
        for number, item in enumerate(planned):
            staged.append(_stage(con, item, number, progress))
        con.execute("BEGIN TRANSACTION")
        try:
            reports = [_load(con, batch, progress, who) for batch in staged]
            if any(r.rows_inserted or r.rows_updated for r in reports):
                bump_data_version(con)
            _cluster(con, staged, reports, progress)
            for batch in staged:
                batch.tell(progress, "done")
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


def _cluster(
    con: duckdb.DuckDBPyConnection,
    staged: Sequence[_Staged],
    reports: Sequence[ImportReport],
    progress: ProgressCallback | None,
) -> None:
    """Keep each table the import wrote in organ order (:func:`cluster_by_organ`), once
    per table however many of the files were its."""
    done: set[str] = set()
    for batch, report in zip(staged, reports, strict=True):
        tbl = batch.mapping.table
        if tbl.name in done or not (report.rows_inserted or report.rows_updated):
            continue
        done.add(tbl.name)
        order = organ_order(tbl)
        if order is not None:
            batch.tell(progress, "ordering")
            cluster_by_organ(con, tbl, order)


def _os_user() -> str:
    """The operating-system user, for the log; a container without one still imports."""
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no USER/LOGNAME and no passwd entry for the uid
        return f"uid {os.getuid()}"


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
    con: duckdb.DuckDBPyConnection,
    batch: _Staged,
    progress: ProgressCallback | None,
    user: str,
) -> ImportReport:
    """Validate, upsert, quarantine and log one staged file, inside the import's transaction."""
    src, tbl = batch.item.source, batch.mapping.table
    import_id, started = uuid.uuid4().hex, dt.datetime.now()
    batch.tell(progress, "validating")
    find_problems(con, batch.stage, batch.mapping)
    merge_problems(con, batch.stage, batch.mapping)
    con.execute(f"CREATE TEMP TABLE {_BAD} AS SELECT DISTINCT _row FROM {PROBLEMS}")
    bad = _scalar(con, f"SELECT count(*) FROM {_BAD}")
    batch.tell(progress, "loading")
    counts = _upsert(con, batch)
    file_id = str(src.path.resolve())
    _quarantine(con, batch, import_id, file_id)
    _log(con, batch, import_id, file_id, user, started, counts, bad)
    for drop in (f"VIEW {_TYPED}", f"TABLE {_BAD}", f"TABLE {PROBLEMS}"):
        con.execute(f"DROP {drop}")
    return ImportReport(
        src.path,
        tbl.name,
        src.format,
        src.encoding,
        batch.rows_read,
        batch.rows_read - bad,
        bad,
        import_id,
        (*batch.item.mapping.warnings(), *_absent_warning(batch.mapping)),
        rows_inserted=counts.inserted,
        rows_updated=counts.updated,
        rows_unchanged=counts.unchanged,
        columns_updated=counts.columns_updated,
        cells_updated=counts.cells_updated,
    )


def _absent_warning(mapping: HeaderMap) -> tuple[str, ...]:
    """Say up front that a file without some required columns can only update."""
    missing = [c for c in mapping.missing_required() if c not in mapping.table.key]
    if not missing:
        return ()
    names = ", ".join(f"{c} ({mapping.table.column(c).label_zh})" for c in missing)
    return (
        f"no column {names}: stored records keep their values of the columns the file "
        "lacks; new records are quarantined",
    )


def _log(
    con: duckdb.DuckDBPyConnection,
    batch: _Staged,
    import_id: str,
    file_id: str,
    user: str,
    started: dt.datetime,
    counts: MergeCounts,
    bad: int,
) -> None:
    """One ``imports`` row per file: who, when, which file (path, name, hash), what it did."""
    src = batch.item.source
    values = {
        "import_id": import_id,
        "file": file_id,
        "table_name": batch.mapping.table.name,
        "sha256": src.sha256,
        "encoding": src.encoding,
        "rows_read": batch.rows_read,
        "rows_loaded": batch.rows_read - bad,
        "rows_quarantined": bad,
        "started_at": started,
        "finished_at": dt.datetime.now(),
        "imported_by": user,
        "file_name": src.path.name,
        "rows_inserted": counts.inserted,
        "rows_updated": counts.updated,
        "rows_unchanged": counts.unchanged,
        "columns_updated": list(counts.columns_updated),
        "cells_updated": counts.cells_updated,
    }
    con.execute(
        f"INSERT INTO imports ({', '.join(values)}) VALUES ({', '.join('?' * len(values))})",
        list(values.values()),
    )


def _upsert(con: duckdb.DuckDBPyConnection, batch: _Staged) -> MergeCounts:
    """Type the file's good rows (its own columns only) and merge them into the table."""
    tbl, present = batch.mapping.table, set(batch.mapping.present)
    typed = ", ".join(
        f"CAST({parse_expr(c, 's.' + ident(c.name))} AS {c.duckdb_type}) AS {ident(c.name)}"
        for c in tbl.columns
        if c.name in present
    )
    con.execute(
        f"CREATE TEMP VIEW {_TYPED} AS SELECT s._row, {typed} FROM {batch.stage} s "
        f"ANTI JOIN {_BAD} b USING (_row)"
    )
    return upsert(con, _TYPED, batch.mapping)


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
