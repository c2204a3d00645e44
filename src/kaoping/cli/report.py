"""``kaoping report``: the statistical tables (xlsx) or the briefing (docx, pdf) of an organ.

Thin: it parses options and calls :mod:`kaoping.reports`. Mistakes a user can make (no
warehouse, no stored results, an unknown organ, a malformed period, no CJK font) end with
one line naming the culprit and exit code 1.
"""

from __future__ import annotations

import time
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from kaoping.cli.app import (
    DbOption,
    Lang,
    LangOption,
    app,
    console,
    err_console,
    fail,
    resolve_db,
)

if TYPE_CHECKING:
    from sqlalchemy import Engine


class ReportFormat(StrEnum):
    xlsx = "xlsx"
    docx = "docx"
    pdf = "pdf"


def _format(fmt: ReportFormat | None, out: Path | None) -> ReportFormat:
    if fmt is not None:
        return fmt
    if out is not None and out.suffix.lower().lstrip(".") in ReportFormat.__members__:
        return ReportFormat(out.suffix.lower().lstrip("."))
    raise fail(
        "say which format with --format xlsx|docx|pdf (or give --out a .xlsx, .docx or .pdf name)"
    )


def _app_engine(url: str | None) -> Engine:
    """The application database, as ``kaoping brief`` opens it, so both quote the same run."""
    import kaoping.appraisal  # noqa: F401  (declares the appraisal tables first)
    from kaoping.appdb import make_engine

    return make_engine(url)


@app.command()
def report(
    period: Annotated[
        str, typer.Option("--period", help="2020, 2020-H1, 2020-Q3, 2020-06 or 2020-01..2020-09.")
    ],
    organ: Annotated[
        str | None, typer.Option("--organ", help="Organ code (default: the national organ).")
    ] = None,
    fmt: Annotated[
        ReportFormat | None,
        typer.Option(
            "--format",
            "-f",
            help="xlsx (tables), docx or pdf (briefing); default: from the --out suffix.",
        ),
    ] = None,
    lang: LangOption = Lang.zh,
    out: Annotated[
        Path | None,
        typer.Option("--out", "-o", help="File to write (default: kaoping-ORGAN-PERIOD-LANG.FMT)."),
    ] = None,
    db: DbOption = None,
    app_db: Annotated[
        str | None,
        typer.Option(
            "--app-db",
            help="Application database URL, where appraisal runs are stored [env: "
            "KAOPING_APP_DB; default sqlite:///kaoping-app.db]",
        ),
    ] = None,
    catalogue: Annotated[
        list[Path] | None,
        typer.Option("--catalogue", "-c", help="Extra catalogue files or directories."),
    ] = None,
) -> None:
    """Write an organ's statistical tables (Excel) or its briefing (Word, PDF) for a period."""
    from kaoping.appraisal import AppraisalError, SchemeError
    from kaoping.catalogue import CatalogueError, load_catalogue
    from kaoping.engine.periods import PeriodError
    from kaoping.reports import (
        FontNotFoundError,
        ReportDataError,
        default_filename,
        gather,
        render,
    )

    chosen = _format(fmt, out)
    started = time.perf_counter()
    try:
        cat = load_catalogue(catalogue or None)
    except CatalogueError as exc:
        for problem in exc.problems:
            err_console.print(str(problem), highlight=False, markup=False)
        raise fail("the catalogue did not load") from None
    if chosen is ReportFormat.pdf:
        from kaoping.reports.fonts import font_cache_beside, keep_outlines_in

        keep_outlines_in(font_cache_beside(resolve_db(db)))
    try:
        data = gather(resolve_db(db), organ, period, catalogue=cat,
                      breakdowns=chosen is ReportFormat.xlsx)
        engine = _app_engine(app_db) if chosen is not ReportFormat.xlsx else None
        content = render(data, chosen.value, lang.value, catalogue=cat, app_engine=engine)
    except KeyError as exc:
        raise fail(str(exc.args[0]) if exc.args else str(exc)) from None
    except (
        ReportDataError,
        PeriodError,
        FontNotFoundError,
        AppraisalError,
        SchemeError,
        ValueError,
        LookupError,
    ) as exc:
        raise fail(str(exc)) from None
    path = out if out is not None else Path(default_filename(data, chosen.value, lang.value))
    try:
        path.write_bytes(content)
    except OSError as exc:
        raise fail(f"cannot write {path}: {exc.strerror}") from None
    seconds = time.perf_counter() - started
    console.print(
        f"wrote {path} ({len(content) / 1024:,.0f} KB, {data.organ.name_zh} "
        f"{data.period}, {len(data.below)} organs below, {seconds:.1f} s)",
        highlight=False,
    )
