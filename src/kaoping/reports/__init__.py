"""Reports: the statistical tables as Excel, the briefing (通报) as Word and PDF.

::

    from kaoping.reports import write_report

    write_report("kaoping.duckdb", organ="440000", period="2020-H1", fmt="pdf",
                 lang="zh", out="广东-2020H1.pdf")

The figures are read from the warehouse's stored results (``kaoping compute``), so a
report prints exactly what ``kaoping show`` prints. The web app can call :func:`render`
on an already gathered :class:`ReportData` and serve the bytes with :data:`MEDIA_TYPES`.
Reports call the engine and the narrative briefing (and through it the appraisal); nothing
in the core imports this package.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Literal, get_args

from kaoping.reports.data import ReportData, ReportDataError, gather
from kaoping.reports.fonts import FontNotFoundError

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from kaoping.catalogue.models import Catalogue
    from kaoping.reports.document import Document

__all__ = [
    "FORMATS",
    "MEDIA_TYPES",
    "FontNotFoundError",
    "Format",
    "ReportData",
    "ReportDataError",
    "briefing",
    "default_filename",
    "gather",
    "render",
    "report_filename",
    "write_report",
]

Format = Literal["xlsx", "docx", "pdf"]
Lang = Literal["zh", "en"]
FORMATS: tuple[str, ...] = get_args(Format)
MEDIA_TYPES: dict[str, str] = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "pdf": "application/pdf",
}


def render(
    data: ReportData,
    fmt: Format,
    lang: Lang = "zh",
    *,
    catalogue: Catalogue | None = None,
    app_engine: Engine | None = None,
) -> bytes:
    """The report for ``data`` as the bytes of an xlsx, docx or pdf file.

    The briefing's grades come from the appraisal runs stored in ``app_engine`` (published
    first); without one the default scheme is computed for the briefing, as in
    ``kaoping brief``.
    """
    if fmt == "xlsx":
        import io

        from kaoping.reports.xlsx import build_workbook

        buf = io.BytesIO()
        build_workbook(data, lang).save(buf)
        return buf.getvalue()
    if fmt not in FORMATS:
        raise ValueError(f"unknown report format {fmt!r}; use one of {', '.join(FORMATS)}")
    document = briefing(data, lang, catalogue=catalogue, app_engine=app_engine)
    if fmt == "docx":
        from kaoping.reports.docx import render_docx

        return render_docx(document)
    from kaoping.reports.pdf import render_pdf

    return render_pdf(document)


def briefing(
    data: ReportData,
    lang: Lang = "zh",
    *,
    catalogue: Catalogue | None = None,
    app_engine: Engine | None = None,
) -> Document:
    """The briefing's content (a :class:`~kaoping.reports.document.Document`)."""
    from kaoping.reports.content import build_document
    from kaoping.reports.narrative import load_briefing

    source = load_briefing(
        data.warehouse,
        data.organ.code,
        data.period,
        lang,
        catalogue=catalogue,
        app_engine=app_engine,
    )
    return build_document(data, source, lang)


def default_filename(data: ReportData, fmt: Format, lang: Lang = "zh") -> str:
    """e.g. ``kaoping-440000-2020-H1-zh.pdf``: ASCII, safe in a download header."""
    return report_filename(data.organ.code, data.period, fmt, lang)


def report_filename(organ: str, period: str, fmt: Format, lang: Lang = "zh") -> str:
    """:func:`default_filename` from the organ's code and the period's label."""
    return f"kaoping-{organ}-{period.replace('..', '_')}-{lang}.{fmt}"


def write_report(
    db: Path | str,
    *,
    organ: str | None,
    period: str,
    fmt: Format,
    out: Path | str,
    lang: Lang = "zh",
    catalogue: Catalogue | None = None,
    app_engine: Engine | None = None,
) -> Path:
    """Gather the figures from ``db`` and write the report to ``out``."""
    data = gather(db, organ, period, catalogue=catalogue, breakdowns=fmt == "xlsx")
    path = Path(out)
    path.write_bytes(render(data, fmt, lang, catalogue=catalogue, app_engine=app_engine))
    return path
