"""Any on-screen table as an Excel file: the page's own tables, read back from its HTML.

Every page that shows a table gets an "export xlsx" link (``?export=xlsx&table=ID``, added
by ``kaoping.js`` after each ``table.grid``); :func:`kaoping.web.pages.render` then renders
the page as usual and hands the HTML here instead of to the browser. Reading the rendered
table, rather than writing an export per page, means the file holds exactly what the user
sees -- the same columns, headings, language and formatting -- and a new page's table is
exportable without code of its own. Parsing is the standard library's ``HTMLParser``
(the pages are our own, well-formed markup); the workbook is openpyxl's.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass, field
from html.parser import HTMLParser

from openpyxl import Workbook
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from kaoping.ingest.controls import xml_safe
from kaoping.reports.xlsx import write_text

__all__ = ["ExportTable", "tables_in", "workbook_bytes"]

#: a cell that is a plain number as the pages print them: 1,234 / -3.5 / 12.5%
_NUMBER = re.compile(r"^[+\-−]?\d{1,3}(,\d{3})*(\.\d+)?%?$|^[+\-−]?\d+(\.\d+)?%?$")


@dataclass
class ExportTable:
    table_id: str
    caption: str = ""
    header: list[str] = field(default_factory=list)
    rows: list[list[str]] = field(default_factory=list)


class _TableReader(HTMLParser):
    """Collects the text of every ``<table>``'s header and body cells."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tables: list[ExportTable] = []
        self._depth = 0
        self._row: list[str] | None = None
        self._cell: list[str] | None = None
        self._in_head = False
        self._row_th = True
        self._last_heading = ""
        self._heading: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if self._cell is not None and tag in ("span", "br"):
            self._cell.append(" ")  # two flags in one cell stay two words
        if tag in ("h1", "h2", "h3") and self._depth == 0:
            self._heading = []
        elif tag == "table":
            self._depth += 1
            if self._depth == 1:
                ident = dict(attrs).get("id") or f"table-{len(self.tables) + 1}"
                self.tables.append(ExportTable(ident, self._last_heading))
        elif self._depth == 1 and tag == "thead":
            self._in_head = True
        elif self._depth == 1 and tag == "tr":
            self._row, self._row_th = [], True
        elif self._depth == 1 and tag in ("td", "th") and self._row is not None:
            self._cell = []
            self._row_th = self._row_th and tag == "th"

    def handle_endtag(self, tag: str) -> None:
        if tag in ("h1", "h2", "h3") and self._heading is not None:
            self._last_heading = " ".join("".join(self._heading).split())
            self._heading = None
        elif tag == "table":
            self._depth -= 1
        elif self._depth == 1 and tag == "thead":
            self._in_head = False
        elif self._depth == 1 and tag in ("td", "th") and self._cell is not None:
            assert self._row is not None
            self._row.append(" ".join("".join(self._cell).split()))
            self._cell = None
        elif self._depth == 1 and tag == "tr" and self._row is not None:
            table = self.tables[-1]
            if self._in_head or (not table.header and not table.rows and self._row_th):
                table.header = self._row
            else:
                table.rows.append(self._row)
            self._row = None

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)
        elif self._heading is not None:
            self._heading.append(data)


def tables_in(html: str) -> list[ExportTable]:
    """The tables of a rendered page, in order."""
    reader = _TableReader()
    reader.feed(html)
    reader.close()
    return reader.tables


def _number(text: str) -> float | None:
    """A number stays a number in Excel (sortable, summable); anything else is text."""
    if not _NUMBER.match(text):
        return None
    plain = text.replace(",", "").replace("−", "-")
    if plain.endswith("%"):
        return float(plain[:-1]) / 100
    return float(plain)


def _row(sheet: Worksheet, r: int, cells: list[str], *, header: bool = False) -> None:
    """One row: numbers as numbers, every other cell as text that is never a formula
    (:func:`kaoping.reports.xlsx.write_text`: a page's text could start with ``=``)."""
    for c, text in enumerate(cells, start=1):
        x = None if header else _number(text)
        if x is None:
            cell = write_text(sheet, r, c, text)
        else:
            cell = sheet.cell(row=r, column=c, value=x)
            cell.number_format = "0.0%" if text.endswith("%") else "#,##0.##"
        if header:
            cell.font = Font(bold=True)
            cell.fill = PatternFill("solid", fgColor="DDEBF7")


def workbook_bytes(tables: list[ExportTable], title: str) -> bytes:
    """An xlsx with one sheet per table: a bold, shaded header row, then the rows."""
    book = Workbook()
    book.remove(book.active)
    for i, table in enumerate(tables, start=1):
        # a sheet name: at most 31 characters, none of []:*?/\
        name = re.sub(r"[\[\]:*?/\\]", " ", table.caption or table.table_id)[:28].strip()
        sheet = book.create_sheet(f"{i} {name}"[:31] if len(tables) > 1 else name or "1")
        start = 1
        if table.header:
            _row(sheet, 1, table.header, header=True)
            sheet.freeze_panes = "A2"
            start = 2
        for r, row in enumerate(table.rows, start=start):
            _row(sheet, r, row)
        widths: dict[int, int] = {}
        for row in [table.header, *table.rows]:
            for c, text in enumerate(row, start=1):
                widths[c] = max(widths.get(c, 0), len(text))
        for c, w in widths.items():
            sheet.column_dimensions[get_column_letter(c)].width = min(60, max(8, w * 1.6))
    if not tables:
        book.create_sheet("1").append([title])
    book.properties.title = xml_safe(title)
    buf = io.BytesIO()
    book.save(buf)
    return buf.getvalue()
