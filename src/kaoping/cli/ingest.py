"""``kaoping import`` and ``kaoping quarantine``: thin wrappers over :mod:`kaoping.ingest`."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table
from rich.text import Text

from kaoping.cli.app import DbOption, app, console, err_console, fail, resolve_db

if TYPE_CHECKING:
    # DuckDB, the importer and the schema are imported by the commands that use them, so
    # that `kaoping --help` and the other commands start without them.
    from rich.progress import Progress, TaskID

    from kaoping.ingest import ImportProgress, ImportReport

# The importer works set-wise, one phase over all rows at a time, so a bar can only advance
# by phase: these are rough shares of an import's time spent before each phase starts.
_PHASE_SHARE = {"reading": 0.0, "validating": 0.4, "loading": 0.7, "done": 1.0}


class _Bars:
    """One Rich progress bar per file, counted in rows once the file has been read."""

    def __init__(self, progress: Progress) -> None:
        self.progress = progress
        self.tasks: dict[Path, TaskID] = {}

    def __call__(self, event: ImportProgress) -> None:
        task = self.tasks.get(event.file)
        label = f"{event.file.name} → {event.table}: {event.phase}"
        if task is None:
            task = self.tasks[event.file] = self.progress.add_task(label, total=None)
        if event.rows is None:
            self.progress.update(task, description=label)
            return
        done = round(event.rows * _PHASE_SHARE.get(event.phase, 0.0))
        self.progress.update(
            task, description=label, total=max(event.rows, 1), completed=done if event.rows else 1
        )


def run_import(
    db_path: Path, paths: Sequence[Path], table: str | None = None
) -> list[ImportReport]:
    """Import with a progress bar per file and print the summary; shared by `import` and
    `demo`. An unreadable file raises the CLI's one-line error (exit 1)."""
    import duckdb
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
    )

    from kaoping.ingest import IngestError, import_files
    from kaoping.warehouse import connect

    try:
        con = connect(db_path)
    except duckdb.Error as exc:
        raise fail(f"{db_path}: cannot open the warehouse: {exc}") from None
    try:
        with Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("rows"),
            TimeElapsedColumn(),
            console=err_console,
            transient=True,
        ) as progress:
            reports = import_files(con, paths, table, progress=_Bars(progress))
    except IngestError as exc:
        raise fail(str(exc)) from None
    finally:
        con.close()
    for report in reports:
        for warning in report.warnings:
            err_console.print(f"[yellow]warning:[/] {report.file}: {warning}", highlight=False)
    console.print(_summary(reports))
    quarantined = sum(r.rows_quarantined for r in reports)
    loaded = sum(r.rows_loaded for r in reports)
    tail = f"; {quarantined:,} rows quarantined, see `kaoping quarantine`" if quarantined else ""
    console.print(f"imported {loaded:,} rows into {db_path}{tail}", highlight=False)
    return reports


@app.command("import")
def import_command(
    paths: Annotated[
        list[Path],
        typer.Argument(
            help="CSV (UTF-8 or GBK), Excel (.xlsx) or Parquet files, or directories of them."
        ),
    ],
    table: Annotated[
        str | None,
        typer.Option(
            "--table",
            "-t",
            help="Load every file into this table instead of recognising it "
            "from the file name or headers.",
        ),
    ] = None,
    db: DbOption = None,
) -> None:
    """Import case-management exports; bad rows go to the quarantine, good rows are upserted."""
    run_import(resolve_db(db), paths, table)


def _summary(reports: list[ImportReport]) -> Table:
    out = Table(title="import")
    for name in ("file", "table", "encoding", "rows read", "loaded", "quarantined"):
        out.add_column(
            name, justify="right" if name in ("rows read", "loaded", "quarantined") else "left"
        )
    for r in reports:
        out.add_row(
            Text(r.file.name),
            r.table,
            r.encoding or r.format,
            f"{r.rows_read:,}",
            f"{r.rows_loaded:,}",
            f"{r.rows_quarantined:,}",
        )
    return out


@app.command("quarantine")
def quarantine_command(
    table: Annotated[str | None, typer.Option("--table", "-t", help="Only this table.")] = None,
    file: Annotated[
        str | None, typer.Option("--file", "-f", help="Only this file (its name or path).")
    ] = None,
    limit: Annotated[int, typer.Option("--limit", "-n", help="Show at most this many.")] = 50,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")] = False,
    db: DbOption = None,
) -> None:
    """List the rows imports refused, with the column, the value and the reason."""
    import duckdb

    from kaoping.ingest import count_quarantine, list_quarantine
    from kaoping.model.schema import TABLES
    from kaoping.warehouse import connect

    if table is not None and table not in TABLES:
        raise fail(f"unknown table {table!r}; known tables: {', '.join(TABLES)}")
    db_path = resolve_db(db)
    try:
        con = connect(db_path, read_only=True)
    except (FileNotFoundError, duckdb.Error) as exc:
        raise fail(str(exc)) from None
    try:
        rows = list_quarantine(con, table, file, limit)
        total = count_quarantine(con, table, file)
    finally:
        con.close()
    if as_json:
        payload = [
            {
                "file": q.file,
                "table": q.table,
                "row": q.row_number,
                "column": q.column,
                "value": q.value,
                "reason": q.reason,
                "record": json.loads(q.record),
                "import_id": q.import_id,
            }
            for q in rows
        ]
        typer.echo(json.dumps(payload, ensure_ascii=False, indent=2))
        return
    out = Table(title="quarantine")
    for name in ("file", "table", "row", "column", "value", "reason"):
        out.add_column(name, overflow="fold")
    for q in rows:
        # Text, not markup: values come from users' files and may hold [brackets].
        out.add_row(
            Text(Path(q.file).name),
            q.table,
            str(q.row_number),
            q.column,
            Text(q.value or ""),
            Text(q.reason),
        )
    console.print(out)
    console.print(f"{len(rows):,} of {total:,} quarantined values shown", highlight=False)
