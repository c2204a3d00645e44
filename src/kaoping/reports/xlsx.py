"""The statistical tables as an Excel workbook.

One sheet per indicator family: the organ itself and the organs directly below it in rows;
for every indicator of the family seven columns (value, numerator, denominator, previous
year, change, rank, flags). Numbers are written as numbers with number formats, so the
figures stay the engine's (a rate is 0.171 shown as 17.1%) and a user can recompute with
them. Every piece of text goes through :func:`write_text`, which stores it as a string even
when it starts with ``=``, ``+``, ``-`` or ``@`` -- a name or definition must never become
a formula in a workbook circulated to other offices (CSV/formula injection).
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.cell.cell import Cell
from openpyxl.formatting.rule import CellIsRule
from openpyxl.styles import Alignment, Border, Font, NamedStyle, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from kaoping.ingest.controls import xml_safe
from kaoping.reports.data import Family, Figure, IndicatorInfo, OrganRef, ReportData
from kaoping.reports.labels import Lang, direction_text, flag_text, range_text, t, unit_text

__all__ = ["FORMULA_PREFIXES", "write_text", "write_xlsx"]

#: A cell starting with one of these would be read as a formula by a spreadsheet.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")

COLUMNS = ("value", "numerator", "denominator", "previous", "change", "rank", "flags")
HEADER_ROWS = 3  # title, indicator names, column names
FIRST_DATA_COL = 3  # A = code, B = organ name

VALUE_FORMATS = {
    "rate": "0.0%",
    "count": "#,##0",
    "amount": "#,##0.00",
    "ratio": "0.00",
    "days": "0.0",
}
CHANGE_FORMATS: dict[str, tuple[str, str]] = {  # change_unit -> (zh, en)
    "percentage_points": (
        '+0.0"个百分点";-0.0"个百分点";0.0"个百分点"',
        '+0.0" pp";-0.0" pp";0.0" pp"',
    ),
    "percent": ('+0.0"%";-0.0"%";0.0"%"',) * 2,
    "days": ('+0.0"天";-0.0"天";0.0"天"', '+0.0" days";-0.0" days";0.0" days"'),
    "difference": ("+0.00;-0.00;0.00",) * 2,
}

_BOLD = Font(bold=True)
_HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
_OWN_FILL = PatternFill("solid", fgColor="F2F2F2")
_WARN_FILL = PatternFill("solid", fgColor="FFC7CE")
_WARN_FONT = Font(color="9C0006")
_THIN = Side(style="thin", color="BFBFBF")
_BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
#: the bordered table cell as a named style: assigning a Border object makes openpyxl
#: hash it (recursively) to find it among the workbook's borders, for every cell --
#: a third of a province's workbook time; a named style is found by its name
_CELL = "kaoping_cell"


def _boxed(cell: Cell) -> Cell:
    """``cell`` with the table's thin border (the workbook's :data:`_CELL` style), and
    no other style: box a cell before giving it a number format, font or quote prefix."""
    wb = cell.parent.parent
    if _CELL not in wb.named_styles:
        wb.add_named_style(NamedStyle(name=_CELL, border=_BORDER))
    cell.style = _CELL
    return cell
_CENTER = Alignment(horizontal="center", vertical="center", wrap_text=True)


def write_text(ws: Worksheet, row: int, column: int, text: str) -> Cell:
    """Write ``text`` as a string cell, never as a formula, without the characters XML
    cannot hold.

    openpyxl treats a string beginning with ``=`` as a formula; the cell's type is forced
    back to string, and the quote prefix tells Excel to keep it text if someone edits it.
    """
    text = xml_safe(text)  # a control character from the data would make openpyxl refuse
    cell: Cell = ws.cell(row=row, column=column)
    cell.value = text
    cell.data_type = "s"
    if text.startswith(FORMULA_PREFIXES):
        cell.quotePrefix = True
    return cell


def _write_number(ws: Worksheet, row: int, column: int, x: float | int | None, fmt: str) -> Cell:
    cell: Cell = ws.cell(row=row, column=column)
    if x is not None:
        cell.value = int(x) if isinstance(x, float) and x.is_integer() and fmt == "#,##0" else x
        cell.number_format = fmt
    return cell


def _count_format(unit: str) -> str:
    return VALUE_FORMATS["amount"] if unit == "amount" else "#,##0"


def _write_figure(
    ws: Worksheet, row: int, col: int, fig: Figure | None, ind: IndicatorInfo, lang: Lang
) -> None:
    """The seven cells of one indicator for one organ, starting at ``col``."""
    for i in range(len(COLUMNS)):
        _boxed(ws.cell(row=row, column=col + i))
    if fig is None:
        return
    vfmt = VALUE_FORMATS.get(ind.unit, "General")
    _write_number(ws, row, col, fig.value, vfmt)
    # a median's numerator is the median itself, formatted like the value
    num_fmt = vfmt if ind.median else _count_format(ind.unit)
    _write_number(ws, row, col + 1, fig.numerator, num_fmt)
    _write_number(ws, row, col + 2, fig.denominator, _count_format(ind.unit))
    _write_number(ws, row, col + 3, fig.previous, vfmt)
    zh_en = CHANGE_FORMATS.get(fig.change_unit, ("+0.0;-0.0;0.0",) * 2)
    _write_number(ws, row, col + 4, fig.change, zh_en[0] if lang == "zh" else zh_en[1])
    if fig.rank is not None:
        # the rank stays a number; the format shows "3/16"
        _write_number(ws, row, col + 5, fig.rank, f'0"/{fig.peers}"' if fig.peers else "0")
    if fig.flags:
        write_text(ws, row, col + 6, flag_text(fig.flags, lang)).font = _WARN_FONT


def _range_rule(bounds: tuple[float | None, float | None]) -> CellIsRule | None:
    low, high = bounds
    style: dict[str, Any] = {"fill": _WARN_FILL, "font": _WARN_FONT}
    if low is not None and high is not None:
        return CellIsRule(operator="notBetween", formula=[repr(low), repr(high)], **style)
    if low is not None:
        return CellIsRule(operator="lessThan", formula=[repr(low)], **style)
    if high is not None:
        return CellIsRule(operator="greaterThan", formula=[repr(high)], **style)
    return None


def _highlight_out_of_range(
    ws: Worksheet, col: int, ind: IndicatorInfo, rows: list[tuple[int, OrganRef]]
) -> None:
    """Conditional formatting on the value column, per level (ranges differ by level)."""
    letter = get_column_letter(col)
    by_level: dict[int, list[int]] = {}
    for r, organ in rows:
        by_level.setdefault(organ.level, []).append(r)
    for level, rs in by_level.items():
        bounds = ind.range_for(level)
        rule = _range_rule(bounds) if bounds is not None else None
        if rule is None:
            continue
        ws.conditional_formatting.add(_cell_ranges(letter, rs), rule)


def _cell_ranges(letter: str, rows: list[int]) -> str:
    """'C4 C6:C20' for rows 4, 6..20: one range per run of consecutive rows."""
    runs: list[list[int]] = []
    for r in sorted(rows):
        if runs and r == runs[-1][-1] + 1:
            runs[-1].append(r)
        else:
            runs.append([r])
    return " ".join(
        f"{letter}{run[0]}" if len(run) == 1 else f"{letter}{run[0]}:{letter}{run[-1]}"
        for run in runs
    )


def _family_sheet(wb: Workbook, data: ReportData, family: Family, lang: Lang) -> None:
    ws = wb.create_sheet(_sheet_title(family.name(lang)))
    title = t("report_title", lang, organ=data.organ.name(lang), period=data.period_name(lang))
    write_text(ws, 1, 1, f"{title} · {family.name(lang)}").font = Font(bold=True, size=13)
    for c, key in ((1, "code"), (2, "organ")):
        ws.merge_cells(start_row=2, start_column=c, end_row=3, end_column=c)
        _header(write_text(ws, 2, c, t(key, lang)))
    rows = [(HEADER_ROWS + 1, data.organ)] + [
        (HEADER_ROWS + 2 + i, o) for i, o in enumerate(data.below)
    ]
    for r, organ in rows:
        # boxed first: a named style replaces the cell's whole style, quote prefix included
        _boxed(ws.cell(row=r, column=1))
        _boxed(ws.cell(row=r, column=2))
        write_text(ws, r, 1, organ.code)
        own = organ is data.organ
        write_text(ws, r, 2, organ.name(lang) + (t("this_organ", lang) if own else ""))
        if own:
            for c in range(1, 3):
                ws.cell(row=r, column=c).font = _BOLD
                ws.cell(row=r, column=c).fill = _OWN_FILL
    for k, ind in enumerate(family.indicators):
        col = FIRST_DATA_COL + k * len(COLUMNS)
        ws.merge_cells(start_row=2, start_column=col, end_row=2, end_column=col + len(COLUMNS) - 1)
        _header(write_text(ws, 2, col, ind.name(lang)))
        for i, key in enumerate(COLUMNS):
            _header(write_text(ws, 3, col + i, t(key, lang)))
            ws.column_dimensions[get_column_letter(col + i)].width = 11
        ws.column_dimensions[get_column_letter(col + 6)].width = 16
        below = data.by_organ.get(ind.id, {})
        for r, organ in rows:
            own = organ is data.organ
            fig = data.own.get(ind.id) if own else below.get(organ.code)
            _write_figure(ws, r, col, fig, ind, lang)
        _highlight_out_of_range(ws, col, ind, rows)
    ws.column_dimensions["A"].width = 9
    ws.column_dimensions["B"].width = 30 if lang == "zh" else 48
    ws.row_dimensions[2].height = 32
    ws.freeze_panes = ws.cell(row=HEADER_ROWS + 1, column=FIRST_DATA_COL)


def _header(cell: Cell) -> None:
    cell.font = _BOLD
    cell.fill = _HEADER_FILL
    cell.alignment = _CENTER
    cell.border = _BORDER


def _sheet_title(name: str) -> str:
    """Excel forbids []:*?/\\ in sheet names and allows 31 characters."""
    for ch in "[]:*?/\\":
        name = name.replace(ch, " ")
    return name[:31]


def _definitions_sheet(wb: Workbook, data: ReportData, lang: Lang) -> None:
    ws = wb.create_sheet(_sheet_title(t("definitions_sheet", lang)))
    keys = (
        "id",
        "name_zh",
        "name_en",
        "family",
        "unit",
        "direction",
        "range",
        "definition",
        "source",
    )
    for c, key in enumerate(keys, start=1):
        _header(write_text(ws, 1, c, t(key, lang)))
    level = data.below[0].level if data.below else data.organ.level
    r = 2
    for family in data.families:
        for ind in family.indicators:
            texts = (
                ind.id,
                ind.name_zh,
                ind.name_en,
                family.name(lang),
                unit_text(ind.unit, lang),
                direction_text(ind.direction, lang),
                range_text(ind.range_for(level), ind.unit, lang),
                ind.definition(lang),
                ind.source or "",
            )
            for c, text in enumerate(texts, start=1):
                cell = write_text(ws, r, c, text)
                cell.alignment = Alignment(vertical="top", wrap_text=c == 8)
            r += 1
    for c, width in enumerate((34, 22, 36, 14, 8, 14, 16, 80, 30), start=1):
        ws.column_dimensions[get_column_letter(c)].width = width
    ws.freeze_panes = "B2"


def _breakdowns_sheet(wb: Workbook, data: ReportData, lang: Lang) -> None:
    """One block per (indicator, column): a row per category, then the total, and a red
    line when the categories do not add up to it (the check is shown, never hidden)."""
    if not data.breakdowns:
        return
    ws = wb.create_sheet(_sheet_title(t("breakdowns_sheet", lang)))
    keys = ("category", "value", "numerator", "denominator", "share")
    r = 1
    for b in data.breakdowns:
        ind, unit = b.indicator, b.indicator.unit.value
        name = ind.name_zh if lang == "zh" else ind.name_en
        title = t("breakdown_title", lang, indicator=name, column=b.column.label(lang))
        write_text(ws, r, 1, title).font = _BOLD
        r += 1
        for c, key in enumerate(keys, start=1):
            _header(write_text(ws, r, c, t(key, lang)))
        r += 1
        for row in (*b.rows, b.total):
            label = t("total", lang) if row is b.total else row.category.label(lang)
            write_text(ws, r, 1, label).font = _BOLD if row is b.total else Font()
            _write_number(ws, r, 2, row.value, VALUE_FORMATS.get(unit, "General"))
            _write_number(ws, r, 3, row.numerator, _count_format(unit))
            _write_number(ws, r, 4, row.denominator, _count_format(unit))
            _write_number(ws, r, 5, row.share, "0.0%")
            r += 1
        for problem in b.problems(lang):
            cell = write_text(ws, r, 1, t("breakdown_mismatch", lang) + problem)
            cell.font = _WARN_FONT
            r += 1
        r += 1
    for c, width in enumerate((40, 12, 14, 14, 10), start=1):
        ws.column_dimensions[get_column_letter(c)].width = width


def _about_sheet(wb: Workbook, data: ReportData, lang: Lang) -> None:
    ws = wb.active
    assert ws is not None
    ws.title = _sheet_title(t("about_sheet", lang))
    title = t("report_title", lang, organ=data.organ.name(lang), period=data.period_name(lang))
    write_text(ws, 1, 1, title).font = Font(bold=True, size=14)
    when = (
        data.computed_at.strftime("%Y-%m-%d %H:%M") if data.computed_at else t("not_computed", lang)
    )
    rows = (
        (t("organ", lang), f"{data.organ.code} {data.organ.name(lang)}"),
        (t("period", lang), f"{data.period} ({data.period_name(lang)})"),
        (t("organs_below", lang), str(len(data.below))),
        (t("warehouse", lang), data.warehouse.name),  # the file, not the server's path
        (t("catalogue_version", lang), data.catalogue_version),
        ("", t("computed_at", lang, when=when)),
        ("", t("generated_at", lang, when=datetime.now().strftime("%Y-%m-%d %H:%M"))),
        *((("", data.stale(lang)),) if data.stale(lang) else ()),
    )
    for r, (key, text) in enumerate(rows, start=3):
        write_text(ws, r, 1, key).font = _BOLD
        write_text(ws, r, 2, text)
    note = write_text(ws, len(rows) + 4, 1, t("about_note", lang))
    note.alignment = Alignment(wrap_text=True, vertical="top")
    ws.merge_cells(start_row=len(rows) + 4, start_column=1, end_row=len(rows) + 4, end_column=4)
    ws.row_dimensions[len(rows) + 4].height = 60
    ws.column_dimensions["A"].width = 14
    ws.column_dimensions["B"].width = 60


def build_workbook(data: ReportData, lang: Lang) -> Workbook:
    wb = Workbook()
    _about_sheet(wb, data, lang)
    for family in data.families:
        _family_sheet(wb, data, family, lang)
    _breakdowns_sheet(wb, data, lang)
    _definitions_sheet(wb, data, lang)
    return wb


def write_xlsx(data: ReportData, out: Path, lang: Lang = "zh") -> Path:
    """Write the workbook to ``out`` and return it."""
    build_workbook(data, lang).save(out)
    return out
