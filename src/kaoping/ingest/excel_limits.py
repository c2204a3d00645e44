"""Refuse a workbook that would exhaust memory before any parser touches it.

An .xlsx is a zip of XML. A 4.7 KB file holding the cells A1 and XFD1048576 makes the
reader allocate the whole rectangle between them (17 billion cells, 512 GiB: the process
aborts); one with A1 and ZZ200000 grows past 5 GB; a zip member can inflate a
thousandfold. None of that can be caught once it happens, so before parsing the importer
checks what the file declares and holds: the uncompressed size of its members, the
``<dimension>`` of the first sheet, and -- streaming the sheet's XML in chunks, without
parsing it -- the real extent of its cells, which a lying ``<dimension>`` cannot hide.
"""

from __future__ import annotations

import re
import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from kaoping.ingest.errors import IngestError, file_error, import_limits

#: Excel's own limits: a sheet beyond them was not written by Excel or an export.
EXCEL_MAX_ROWS = 1_048_576
EXCEL_MAX_COLUMNS = 16_384
_CHUNK = 1 << 20
_SMALL_XML = 16 << 20  # workbook.xml and its relationships: a few KB in practice
_REF = rb"([A-Z]{1,3})([0-9]{1,7})"
_NS = rb"(?:[A-Za-z_][\w.-]*:)?"
# A cell with a value: not self-closing and not closed at once. Cells with a style and no
# value are many in a formatted sheet, and the parser leaves them out of its rectangle.
_HAS_VALUE = rb"(?<!/)>(?!</" + _NS + rb"c>)"
_CELL = re.compile(rb"<" + _NS + rb"c\s[^>]*?\br=\"" + _REF + rb"\"[^>]*?" + _HAS_VALUE)
_ANY_CELL = re.compile(rb"<" + _NS + rb"c(?:\s[^>]*?)?" + _HAS_VALUE)
_DIMENSION = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?dimension\s[^>]*?\bref=\"([A-Z0-9:$]+)\"")
_ERROR_CELL = re.compile(
    rb"<(?:[A-Za-z_][\w.-]*:)?c\s([^>]*?\bt=\"e\"[^>]*)>(.*?)</(?:[A-Za-z_][\w.-]*:)?c>", re.S
)
_VALUE = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?v>([^<]*)</")
_ROW_END = re.compile(rb"</(?:[A-Za-z_][\w.-]*:)?row>|<(?:[A-Za-z_][\w.-]*:)?row\b[^>]*/>")
_MAX_ROW_BYTES = 64 << 20  # one row's XML; a sheet that never closes a row is broken
_SHEET = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?sheet\s[^>]*?\br:id=\"([^\"]+)\"")


#: Error cells (#DIV/0!, #N/A …) by (row, column), both counted from 1 as Excel does.
ErrorCells = dict[tuple[int, int], str]


@dataclass(frozen=True)
class Extent:
    rows: int
    columns: int
    cells: int  # cells with a value in the XML
    far_cell: str  # the cell furthest down or right, as Excel names it
    errors: ErrorCells  # the readers turn error cells into empty ones; kept here

    @property
    def area(self) -> int:
        return self.rows * self.columns


def column_number(letters: str) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ord(ch) - 64
    return n


def check_workbook(path: Path) -> ErrorCells:
    """Raise :class:`IngestError` naming the file when reading it would cost too much;
    return the first sheet's error cells, which the parser would read as empty.

    Only .xlsx/.xlsm (zip) files are checked; an old .xls is bounded by its format
    (65,536 × 256 cells). The limits are the settings ``KAOPING_EXCEL_MAX_CELLS`` and
    ``KAOPING_EXCEL_MAX_BYTES``.
    """
    settings = import_limits()
    max_cells, max_bytes = settings.excel_max_cells, settings.excel_max_bytes
    try:
        if not zipfile.is_zipfile(path):
            return {}
        with zipfile.ZipFile(path) as zf:
            _check_sizes(path, zf, max_bytes)
            member = _first_sheet(zf)
            if member is None:
                return {}  # the parser says what is missing
            extent = _scan(path, zf, member, max_cells)
    except IngestError:
        raise
    except (OSError, zipfile.BadZipFile, RuntimeError, ValueError, EOFError) as exc:
        raise file_error(path, f"cannot read as an Excel workbook: {exc}") from None
    if extent.area > max_cells:
        raise file_error(
            path,
            f"the first sheet spans {extent.rows:,} rows × {extent.columns:,} columns (to cell "
            f"{extent.far_cell}), more than the {max_cells:,} cells an Excel import may hold "
            "(KAOPING_EXCEL_MAX_CELLS); delete the stray cells, or export as CSV or Parquet",
        )
    return extent.errors


def check_area(path: Path, height: int, width: int) -> None:
    """The parsed sheet's rectangle, before its rows become Python objects: the check for
    an old .xls (65,536 × 256 at most, so its parse alone is bounded)."""
    max_cells = import_limits().excel_max_cells
    if height * width > max_cells:
        raise file_error(
            path,
            f"the first sheet spans {height:,} rows × {width:,} columns, more than the "
            f"{max_cells:,} cells an Excel import may hold (KAOPING_EXCEL_MAX_CELLS); delete "
            "the stray cells, or export as CSV or Parquet",
        )


def _check_sizes(path: Path, zf: zipfile.ZipFile, max_bytes: int) -> None:
    total = sum(info.file_size for info in zf.infolist())
    if total > max_bytes:
        raise file_error(
            path,
            f"the workbook unpacks to {total:,} bytes, more than the {max_bytes:,} an Excel "
            "import may take (KAOPING_EXCEL_MAX_BYTES); export it as CSV or Parquet",
        )


def _read_small(zf: zipfile.ZipFile, name: str) -> bytes:
    with zf.open(name) as fh:
        return fh.read(_SMALL_XML)


def _first_sheet(zf: zipfile.ZipFile) -> str | None:
    """The zip member of the workbook's first sheet, the one the importer reads."""
    names = set(zf.namelist())
    if "xl/workbook.xml" not in names:
        return None
    first = _SHEET.search(_read_small(zf, "xl/workbook.xml"))
    rels = "xl/_rels/workbook.xml.rels"
    if first is not None and rels in names:
        rel_id = re.escape(first.group(1))
        for rel in re.finditer(rb"<(?:\w+:)?Relationship\s[^>]*>", _read_small(zf, rels)):
            tag = rel.group(0)
            if re.search(rb"\bId=\"" + rel_id + rb"\"", tag):
                target = re.search(rb"\bTarget=\"([^\"]+)\"", tag)
                if target is not None:
                    text = target.group(1).decode("utf-8", "replace")
                    member = text.lstrip("/") if text.startswith("/") else f"xl/{text}"
                    member = str(PurePosixPath(member))
                    if member in names:
                        return member
    sheets = sorted(n for n in names if n.startswith("xl/worksheets/") and n.endswith(".xml"))
    return sheets[0] if sheets else None


def _scan(path: Path, zf: zipfile.ZipFile, member: str, max_cells: int) -> Extent:
    """The extent of the sheet's cells, from the XML text in chunks (never a DOM); each
    chunk is cut after its last complete row, so no cell straddles two scans."""
    rows = columns = cells = 0
    far = "A1"
    errors: ErrorCells = {}
    pending = b""
    declared_checked = False
    with zf.open(member) as fh:
        while True:
            chunk = fh.read(_CHUNK)
            text = pending + chunk
            ends = list(_ROW_END.finditer(text)) if chunk else []
            cut = ends[-1].end() if ends else (0 if chunk else len(text))
            body, pending = text[:cut], text[cut:]
            if len(pending) > _MAX_ROW_BYTES:
                raise file_error(path, f"a row of the first sheet is over {_MAX_ROW_BYTES:,} bytes")
            if not declared_checked and (body or not chunk):
                declared_checked = True
                found = _DIMENSION.search(body or text)
                if found is not None:
                    _check_declared(path, found.group(1).decode())
            cells += len(_ANY_CELL.findall(body))
            for letters, digits in _CELL.findall(body):
                r, c = int(digits), column_number(letters.decode())
                if r > rows or c > columns:
                    rows, columns = max(rows, r), max(columns, c)
                    far = f"{letters.decode()}{r}"
            for attrs, content in _ERROR_CELL.findall(body):
                ref = re.search(rb"\br=\"" + _REF + rb"\"", attrs)
                value = _VALUE.search(content)
                if ref is not None:
                    at = (int(ref.group(2)), column_number(ref.group(1).decode()))
                    errors[at] = value.group(1).decode("utf-8", "replace") if value else "#ERROR"
            if cells > max_cells:
                raise file_error(
                    path,
                    f"the first sheet holds more than {max_cells:,} cells, the most an Excel "
                    "import may hold (KAOPING_EXCEL_MAX_CELLS); export it as CSV or Parquet",
                )
            if not chunk:
                break
    return Extent(max(rows, 1), max(columns, 1), cells, far, errors)


def _check_declared(path: Path, ref: str) -> None:
    """The sheet's own ``<dimension ref="A1:E20">``: refused when it is beyond what Excel
    can hold -- before a single cell is read."""
    corners = [m for m in re.finditer(r"\$?([A-Z]{1,3})\$?([0-9]{1,7})", ref)]
    if not corners:
        return
    last = corners[-1]
    r, c = int(last.group(2)), column_number(last.group(1))
    if r > EXCEL_MAX_ROWS or c > EXCEL_MAX_COLUMNS:
        raise file_error(
            path,
            f"the first sheet declares the range {ref}, beyond Excel's {EXCEL_MAX_ROWS:,} rows "
            f"× {EXCEL_MAX_COLUMNS:,} columns; not a workbook an export writes",
        )
    # A large declared range alone proves nothing: Excel counts formatted empty cells in
    # it, which the parser skips. The scan of the cells themselves decides.
