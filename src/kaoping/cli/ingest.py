"""``kaoping import``, ``kaoping imports`` and ``kaoping quarantine``: thin wrappers over
:mod:`kaoping.ingest`."""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich import box
from rich.console import Group
from rich.table import Table
from rich.text import Text

from kaoping.cli.app import DbOption, app, console, err_console, fail, resolve_db

if TYPE_CHECKING:
    import duckdb

    # DuckDB, the importer and the schema are imported by the commands that use them, so
    # that `kaoping --help` and the other commands start without them.
    from rich.progress import Progress, TaskID

    from kaoping.ingest import ImportProgress, ImportReport, QuarantinedValue

# The importer works set-wise, one phase over all rows at a time, so a bar can only advance
# by phase: these are rough shares of an import's time spent before each phase starts.
_PHASE_SHARE = {"reading": 0.0, "validating": 0.4, "loading": 0.7, "ordering": 0.9, "done": 1.0}


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
    db_path: Path, paths: Sequence[Path], table: str | None = None, *, dry_run: bool = False
) -> list[ImportReport]:
    """Import with a progress bar per file and print the summary; shared by `import` and
    `demo`. An unreadable file raises the CLI's one-line error (exit 1).

    The import writes a private copy of the warehouse, published when it commits
    (:func:`kaoping.warehouse.writing`), so the dashboard keeps reading meanwhile. A dry
    run does the whole import in that copy -- validation, merge, counts, quarantine -- and
    discards it: the summary says what would change, the warehouse file is not touched.
    """
    import duckdb
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
    )

    from kaoping.ingest import IngestError, count_quarantine, import_files, list_quarantine
    from kaoping.ingest.controls import printable
    from kaoping.versions import Discard
    from kaoping.warehouse import writing

    what = f"import of {len(paths)} file{'' if len(paths) == 1 else 's'}"
    preview: list[QuarantinedValue] = []
    problems = 0  # quarantine rows a dry run would write (one per problem of a row)
    try:
        with writing(
            db_path, what, on_wait=lambda msg: err_console.print(msg, highlight=False)
        ) as con:
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
            if dry_run:
                # Read what the quarantine would hold before the copy is thrown away; each
                # file's quarantine was replaced by this import's, so it is exactly that.
                for r in reports:
                    if r.rows_quarantined:
                        preview += list_quarantine(con, r.table, r.file.resolve(), _PREVIEW)
                        problems += count_quarantine(con, r.table, r.file.resolve())
                raise Discard()
    except IngestError as exc:
        raise fail(str(exc)) from None
    except duckdb.Error as exc:
        raise fail(f"{db_path}: the import failed and changed nothing: {exc}") from None
    for report in reports:
        for warning in report.warnings:  # headers are data: text, never markup
            said = Text.assemble(("warning:", "yellow"), printable(f" {report.file}: {warning}"))
            err_console.print(said, highlight=False)
    console.print(_summary(reports))
    quarantined = sum(r.rows_quarantined for r in reports)
    loaded = sum(r.rows_loaded for r in reports)
    if dry_run:
        tail = f"; {_rows(quarantined)} would be quarantined" if quarantined else ""
        console.print(
            f"dry run: nothing was changed in {db_path}; the import would take "
            f"{_rows(loaded)}: {_changes(reports)}{tail}",
            highlight=False, markup=False, soft_wrap=True,
        )
        if preview:
            shown = preview[:_PREVIEW]
            out = _quarantine_table(shown, "would be quarantined")
            if problems > len(shown):
                out.caption = f"the first {len(shown)} of {problems:,} problems"
            console.print(out)
        return reports
    tail = f"; {_rows(quarantined)} quarantined, see `kaoping quarantine`" if quarantined else ""
    console.print(
        f"imported {_rows(loaded)} into {db_path}: {_changes(reports)}{tail}",
        highlight=False, markup=False, soft_wrap=True,
    )
    return reports


def _rows(n: int) -> str:
    return f"{n:,} row" if n == 1 else f"{n:,} rows"


#: the leading hex digits of a file's sha256 the import list shows
_HASH_SHOWN = 10
#: the quarantined values a dry run shows
_PREVIEW = 10
#: the changed columns a summary line names before it says how many more
_NAMED_COLUMNS = 6


def _changes(reports: Sequence[ImportReport]) -> str:
    """'100 inserted, 15 updated (columns: a, b), 5 unchanged' over every file."""
    inserted = sum(r.rows_inserted for r in reports)
    updated = sum(r.rows_updated for r in reports)
    unchanged = sum(r.rows_unchanged for r in reports)
    columns = list(dict.fromkeys(c for r in reports for c in r.columns_updated))
    named = ", ".join(columns[:_NAMED_COLUMNS])
    if len(columns) > _NAMED_COLUMNS:
        named += f", … {len(columns) - _NAMED_COLUMNS} more"
    which = f" (columns: {named})" if columns else ""
    return f"{inserted:,} inserted, {updated:,} updated{which}, {unchanged:,} unchanged"


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
    dry_run: Annotated[
        bool,
        typer.Option(
            "--dry-run",
            help="Validate and count what would be inserted, updated and quarantined, "
            "without changing the warehouse.",
        ),
    ] = False,
    db: DbOption = None,
) -> None:
    """Import case-management exports; bad rows go to the quarantine, good rows are upserted.

    A file with only some columns of its table updates those columns of the records it
    names; the other columns keep their stored values."""
    run_import(resolve_db(db), paths, table, dry_run=dry_run)


def _summary(reports: list[ImportReport]) -> Group:
    """The per-file counts as a table, then which columns each file changed: a line per
    file rather than a column, so that the table fits an 80-character terminal."""
    out = Table(title="import", box=box.SIMPLE_HEAD, pad_edge=False, padding=(0, 1, 0, 0))
    numbers = ("read", "inserted", "updated", "unchanged", "quarantined")
    for name in ("file", "table", "encoding", *numbers):
        wraps = name == "file"
        out.add_column(
            name,
            justify="right" if name in numbers else "left",
            overflow="fold" if wraps else "ellipsis",
            no_wrap=not wraps,
            min_width=10 if wraps else None,
        )
    for r in reports:
        out.add_row(
            Text(r.file.name),
            r.table,
            r.encoding or r.format,
            f"{r.rows_read:,}",
            f"{r.rows_inserted:,}",
            f"{r.rows_updated:,}",
            f"{r.rows_unchanged:,}",
            f"{r.rows_quarantined:,}",
        )
    changed = [
        Text(
            f"{r.file.name} → {r.table}: changed {', '.join(r.columns_updated)} "
            f"({r.cells_updated:,} value{'' if r.cells_updated == 1 else 's'} "
            f"in {_rows(r.rows_updated)})"
        )
        for r in reports
        if r.columns_updated
    ]
    return Group(out, *changed)


@contextmanager
def _reading(db_path: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    """The warehouse opened read-only, or the CLI's one-line error."""
    import duckdb

    from kaoping.warehouse import connect

    try:
        con = connect(db_path, read_only=True)
    except (FileNotFoundError, duckdb.Error) as exc:
        raise fail(str(exc)) from None
    try:
        yield con
    finally:
        con.close()


@app.command("imports")
def imports_command(
    limit: Annotated[int, typer.Option("--limit", "-n", help="Show at most this many.")] = 20,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")] = False,
    db: DbOption = None,
) -> None:
    """List the imports, newest first: when, who, which file (and its hash), what changed."""
    from kaoping.ingest import list_imports

    with _reading(resolve_db(db)) as con:
        records = list_imports(con, limit)
    if as_json:
        payload = [
            {
                "import_id": r.import_id,
                "finished_at": r.finished_at.isoformat(),
                "started_at": r.started_at.isoformat(),
                "user": r.user,
                "file": r.file,
                "file_name": r.file_name,
                "table": r.table,
                "sha256": r.sha256,
                "encoding": r.encoding,
                "rows_read": r.rows_read,
                "rows_loaded": r.rows_loaded,
                "rows_inserted": r.rows_inserted,
                "rows_updated": r.rows_updated,
                "rows_unchanged": r.rows_unchanged,
                "rows_quarantined": r.rows_quarantined,
                "columns_updated": None if r.columns_updated is None else list(r.columns_updated),
                "cells_updated": r.cells_updated,
            }
            for r in records
        ]
        typer.echo(json.dumps(payload, ensure_ascii=False, indent=2))
        return
    # Five columns, the counts as one wrapping text: it reads at 80 characters as well.
    out = Table(title="imports", box=box.SIMPLE_HEAD, pad_edge=False, padding=(0, 1, 0, 0))
    out.add_column("when", no_wrap=True)
    out.add_column("who", overflow="fold")
    out.add_column("file → table", overflow="fold", min_width=12)
    out.add_column("sha256", no_wrap=True)
    out.add_column("what it did", min_width=20)

    def n(value: int | None) -> str:
        return "?" if value is None else f"{value:,}"  # logged before kaoping counted it

    for r in records:
        did = (
            f"{n(r.rows_inserted)} inserted, {n(r.rows_updated)} updated, "
            f"{n(r.rows_unchanged)} unchanged, {r.rows_quarantined:,} quarantined"
        )
        if r.columns_updated:
            did += f"; changed {', '.join(r.columns_updated)}"
        out.add_row(
            f"{r.finished_at:%Y-%m-%d %H:%M}",
            Text(r.user or "?"),
            Text(f"{r.file_name} → {r.table}"),
            r.sha256[:_HASH_SHOWN],
            Text(did),
        )
    console.print(out)
    console.print(f"{len(records):,} imports shown, newest first", highlight=False)


def _quarantine_table(rows: Sequence[QuarantinedValue], title: str) -> Table:
    """The quarantined values as a table (`kaoping quarantine`, a dry run's preview)."""
    from kaoping.ingest.controls import printable

    out = Table(title=title)
    for name in ("file", "table", "row", "column", "value", "reason"):
        out.add_column(name, overflow="fold")
    for q in rows:
        # Text, not markup: values come from users' files and may hold [brackets]; and
        # control characters escaped, so an ESC in the data cannot drive the terminal.
        out.add_row(
            *(
                Text(printable(x))
                for x in (Path(q.file).name, q.table, str(q.row_number), q.column, q.value or "")
            ),
            Text(printable(q.reason)),
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
    from kaoping.ingest import count_quarantine, list_quarantine
    from kaoping.model.schema import TABLES

    if table is not None and table not in TABLES:
        raise fail(f"unknown table {table!r}; known tables: {', '.join(TABLES)}")
    with _reading(resolve_db(db)) as con:
        rows = list_quarantine(con, table, file, limit)
        total = count_quarantine(con, table, file)
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
    console.print(_quarantine_table(rows, "quarantine"))
    console.print(f"{len(rows):,} of {total:,} quarantined values shown", highlight=False)
