"""What the browser's imports and computations do, as job functions (:mod:`.jobs`).

Each calls the code the CLI calls -- :func:`kaoping.ingest.import_files` inside
:func:`kaoping.warehouse.writing`, :meth:`kaoping.api.Warehouse.compute` -- and returns a
JSON-able summary for the job page.

A quarantine export (:mod:`.quarantine_pages`) carries a hidden sheet naming the file its
rows were refused from, and a column with each row's number there. When such a workbook
comes back fixed, the rows it carries are taken off the original file's quarantine in the
same transaction as the import: the ones still wrong are then in the quarantine of the
workbook itself, under its own row numbers, so nothing is listed twice or lost.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kaoping.web.jobs import JobError, Progress

__all__ = ["FIX_SHEET", "SOURCE_ROW", "FixOf", "compute_job", "fix_of", "import_job"]

#: the hidden sheet of a quarantine export: the file and table its rows came from
FIX_SHEET = "kaoping"
#: the export's column holding each row's number in the file it was refused from
SOURCE_ROW = "原行号"
#: an import's phases, in order (:class:`kaoping.ingest.ImportProgress`)
_PHASES = ("reading", "validating", "loading", "ordering", "done")


@dataclass(frozen=True)
class FixOf:
    """A workbook of fixed quarantined rows: the import that refused them, and which rows."""

    import_id: str
    rows: tuple[int, ...]


def fix_of(path: Path) -> FixOf | None:
    """The original file and rows of a quarantine export, or None for any other file."""
    if path.suffix.lower() != ".xlsx":
        return None
    import openpyxl

    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception:  # not a workbook openpyxl reads: the importer will say why
        return None
    try:
        if FIX_SHEET not in book.sheetnames:
            return None
        meta = {str(r[0]): str(r[1]) for r in book[FIX_SHEET].iter_rows(values_only=True)
                if r and r[0] is not None and r[1] is not None}
        sheet = book.worksheets[0]
        rows_iter = sheet.iter_rows(values_only=True)
        header = [str(h) if h is not None else "" for h in next(rows_iter, ())]
        if SOURCE_ROW not in header or "import" not in meta:
            return None
        at = header.index(SOURCE_ROW)
        rows = tuple(int(r[at]) for r in rows_iter
                     if r and at < len(r) and str(r[at] or "").strip().isdigit())
        return FixOf(meta["import"], rows)
    finally:
        book.close()


def import_job(db: Path, paths: Sequence[Path], user: str) -> Any:
    """The job function importing ``paths`` into the warehouse ``db`` as ``user``."""

    def run(progress: Progress) -> dict[str, Any]:
        import duckdb

        from kaoping.ingest import ImportProgress, IngestError, import_files
        from kaoping.warehouse import writing

        order = {p.resolve(): i for i, p in enumerate(paths)}
        total = len(paths) * len(_PHASES)

        def told(event: ImportProgress) -> None:
            step = order.get(event.file.resolve(), 0) * len(_PHASES)
            step += _PHASES.index(event.phase) + 1 if event.phase in _PHASES else 0
            rows = "" if event.rows is None else f" ({event.rows:,})"
            progress(f"{event.file.name}: {event.phase}{rows}", step, total)

        fixes = {p.resolve(): f for p in paths if (f := fix_of(p)) is not None}
        try:
            with writing(db, f"web import by {user}") as con:
                reports = import_files(con, list(paths), progress=told, user=user)
                cleared = _clear_fixed(con, fixes)
        except IngestError as exc:
            raise JobError(str(exc)) from None
        except duckdb.Error as exc:
            raise JobError(f"the import failed and changed nothing: {exc}") from None
        return {"files": [
            {"file": r.file.name, "table": r.table, "encoding": r.encoding or r.format,
             "read": r.rows_read, "inserted": r.rows_inserted, "updated": r.rows_updated,
             "unchanged": r.rows_unchanged, "quarantined": r.rows_quarantined,
             "warnings": list(r.warnings), "cleared": cleared.get(r.file.resolve(), 0)}
            for r in reports]}

    return run


def _clear_fixed(con: Any, fixes: dict[Path, FixOf]) -> dict[Path, int]:
    """Take the rows each fix workbook carried off its original file's quarantine."""
    out: dict[Path, int] = {}
    count = "SELECT count(DISTINCT row_number) FROM quarantine WHERE import_id = ?"
    for path, fix in fixes.items():
        # a workbook fixing its own earlier upload: that quarantine is replaced already
        if not fix.rows:
            continue
        before = con.execute(count, [fix.import_id]).fetchone()[0]
        con.execute("DELETE FROM quarantine WHERE import_id = ? AND row_number IN "
                    "(SELECT unnest(?::BIGINT[]))", [fix.import_id, list(fix.rows)])
        out[path] = int(before) - int(con.execute(count, [fix.import_id]).fetchone()[0])
    return out


def compute_job(db: Path, years: Sequence[int] | None) -> Any:
    """The job function computing the catalogue (``years`` only, if given) into ``db``."""

    def run(progress: Progress) -> dict[str, Any]:
        from kaoping.api import Warehouse

        try:
            with Warehouse(db) as wh:
                summary = wh.compute(years=list(years) if years else None, progress=progress)
        except (FileNotFoundError, LookupError, ValueError) as exc:
            raise JobError(str(exc)) from None
        return {"years": list(summary.years), "indicators": summary.indicators,
                "organs": summary.organs, "prosecutors": summary.prosecutors,
                "rows": summary.rows, "seconds": round(summary.seconds, 1)}

    return run
