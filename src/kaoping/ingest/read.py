"""Files as they arrive: their format, their text encoding, their headers, their rows.

Everything here ends in DuckDB reading the rows as text. Typing them is validation's job,
so that a bad value becomes a quarantined row with a reason instead of a failed read.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import hashlib
import re
import shutil
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pyarrow as pa

from kaoping.ingest.errors import IngestError, file_error
from kaoping.ingest.excel_limits import check_area, check_workbook
from kaoping.ingest.sql import literal

FORMATS: dict[str, str] = {
    ".csv": "csv",
    ".xlsx": "excel",
    ".xlsm": "excel",
    ".xls": "excel",
    ".parquet": "parquet",
}
EXPECTED = "expected .csv, .xlsx or .parquet"
EXCEL_ROW = "_kaoping_row"
_CHUNK = 1 << 20
_MAGIC = {
    b"PK\x03\x04": "an Excel workbook (.xlsx)",
    b"PAR1": "a Parquet file",
    b"\xd0\xcf\x11\xe0": "an old Excel workbook (.xls)",
}


@dataclass(frozen=True)
class SourceFile:
    """A file the importer has looked at but not yet loaded."""

    path: Path
    format: str  # csv, excel or parquet
    encoding: str | None  # csv only: utf-8, utf-8-sig, utf-16 or gb18030
    sha256: str
    # csv only: lines end in both CRLF and LF, which DuckDB's reader refuses; such a file
    # is read through a copy with every line ending made LF.
    mixed_newlines: bool = False


def file_format(path: Path) -> str:
    fmt = FORMATS.get(path.suffix.lower())
    if fmt is None:
        suffix = path.suffix or "(none)"
        raise file_error(path, f"unsupported file type '{suffix}'; {EXPECTED}")
    return fmt


def inspect(path: Path) -> SourceFile:
    """Read the file once, all of it, for its checksum and, for a CSV, its encoding, its
    line endings and content no CSV holds (a NUL byte, text that is not Chinese)."""
    fmt = file_format(path)
    if not path.is_file():
        raise file_error(path, "no such file")
    digest = hashlib.sha256()
    encoding: str | None = None
    with path.open("rb") as fh:
        head = fh.read(_CHUNK)
        if fmt == "csv":
            encoding = _sniff_encoding(path, head)
        utf8 = codecs.getincrementaldecoder("utf-8")() if encoding == "utf-8" else None
        text = _TextCheck(path) if fmt == "csv" and encoding != "utf-16" else None
        chunk, offset = head, 0
        while chunk:
            digest.update(chunk)
            if utf8 is not None:
                try:
                    utf8.decode(chunk)
                except UnicodeDecodeError:
                    # Chinese first appeared after the sniffed head; exports that are not
                    # UTF-8 are GBK, whose superset GB18030 decodes every GBK file.
                    encoding, utf8 = "gb18030", None
            if text is not None:
                text.feed(chunk, offset, encoding == "gb18030")
            offset += len(chunk)
            chunk = fh.read(_CHUNK)
    if text is not None and encoding == "gb18030":
        text.check_chinese()
    mixed = text is not None and text.mixed_newlines
    return SourceFile(path, fmt, encoding, digest.hexdigest(), mixed)


#: A GBK/GB18030 character: a lead byte and a trail byte, or four bytes.
_GB_CHAR = re.compile(rb"[\x81-\xfe](?:[\x30-\x39][\x81-\xfe][\x30-\x39]|[\x40-\x7e\x80-\xfe])")
_GB_SAMPLE = 1 << 20  # bytes enough to tell Chinese from not (a few tenths of a second)
_GB2312_SHARE = 0.9  # of double-byte characters, in GBK text written in China
_GB_MIN_CHARS = 8


class _TextCheck:
    """What :func:`inspect` learns about a CSV's bytes as they stream past.

    GB18030 decodes almost any byte sequence, so Big5 (Taiwan, Hong Kong) or Shift-JIS
    text "decodes" -- into nonsense that would be stored. Text from the mainland is made,
    almost all of it, of the GB2312 characters (lead and trail byte both 0xA1-0xFE); in
    Big5 only about a third are, in Shift-JIS none. That share, measured on the first
    megabyte, tells the two apart without a statistical detector.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self.crlf = self.lf = 0
        self.chars = self.gb2312 = 0
        self.sample = b""
        self._last = b""

    def feed(self, chunk: bytes, offset: int, gb: bool) -> None:
        nul = chunk.find(b"\x00")
        if nul >= 0:
            raise file_error(
                self.path, f"binary content (a NUL byte at byte {offset + nul:,}), not CSV text"
            )
        self.lf += chunk.count(b"\n")
        self.crlf += chunk.count(b"\r\n") + (self._last == b"\r" and chunk[:1] == b"\n")
        self._last = chunk[-1:]
        if gb and len(self.sample) < _GB_SAMPLE:
            part = chunk[: _GB_SAMPLE - len(self.sample)]
            for pair in _GB_CHAR.findall(part):
                self.chars += 1
                self.gb2312 += len(pair) == 2 and pair[0] >= 0xA1 and pair[1] >= 0xA1
            self.sample += part

    @property
    def mixed_newlines(self) -> bool:
        return 0 < self.crlf < self.lf

    def check_chinese(self) -> None:
        if self.chars < _GB_MIN_CHARS or self.gb2312 >= _GB2312_SHARE * self.chars:
            return
        share = f"{self.gb2312 / self.chars:.0%}"
        looks = [
            name
            for name, codec in (("Big5", "big5"), ("Shift-JIS", "shift_jis"))
            if _decodes(self.sample, codec)
        ]
        hint = f"; it reads as {' or '.join(looks)}" if looks else ""
        raise file_error(
            self.path,
            f"not UTF-8, and implausible as GBK/GB18030: only {share} of its "
            f"{self.chars:,} double-byte characters are common Chinese (GB2312){hint}; "
            "save it as UTF-8 (or GBK) and import it again",
        )


def _decodes(data: bytes, codec: str) -> bool:
    try:
        codecs.getincrementaldecoder(codec)().decode(data, final=False)
    except UnicodeDecodeError:
        return False
    return True


def _sniff_encoding(path: Path, head: bytes) -> str:
    """A closed set -- UTF-8 (with or without BOM), UTF-16 with BOM, else GB18030 -- instead of
    a statistical detector (chardet and friends): those are the only encodings Chinese
    case-management exports use, and a guess between them needs no statistics."""
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    for magic, what in _MAGIC.items():
        if head.startswith(magic):
            raise file_error(path, f"this is {what}, not a CSV text file; rename it or {EXPECTED}")
    if not head.strip():
        raise file_error(path, "empty file; expected a header row")
    if b"\x00" in head:
        raise file_error(path, "binary content, not a CSV text file")
    for encoding in ("utf-8", "gb18030"):
        try:
            codecs.getincrementaldecoder(encoding)().decode(head, final=False)
        except UnicodeDecodeError:
            continue
        return encoding
    raise file_error(path, "not text in UTF-8 or GBK/GB18030")


def _csv_layout(path: Path, encoding: str | None) -> tuple[str, list[str]]:
    """The delimiter (the commonest candidate in the first line) and the header record."""
    with path.open(encoding=encoding, newline="") as fh:
        first = fh.readline()
        delimiter = max((",", "\t", ";", "|"), key=first.count)
        fh.seek(0)
        return delimiter, next(csv.reader(fh, delimiter=delimiter), [])


def _unique(headers: Sequence[str]) -> list[str]:
    """Headers usable as column names: none empty, none twice (a repeat becomes 'name (2)')."""
    out: list[str] = []
    for i, header in enumerate(headers):
        name = header or f"column{i + 1}"
        n = 2
        while name in out:
            name, n = f"{header} ({n})", n + 1
        out.append(name)
    return out


def read_headers(src: SourceFile) -> list[str]:
    """The file's headers, read cheaply, so that files are classified before anything loads."""
    try:
        if src.format == "csv":
            return _csv_layout(src.path, src.encoding)[1]
        if src.format == "parquet":
            import pyarrow.parquet as pq

            return list(pq.read_schema(src.path).names)
        return _excel_header_and_rows(src.path)[0]
    except IngestError:
        raise
    except UnicodeDecodeError as exc:
        raise file_error(src.path, f"not valid {src.encoding} text: {exc.reason}") from None
    except Exception as exc:  # whatever pyarrow or calamine say about a broken file
        raise file_error(src.path, f"cannot read as {src.format}: {exc}") from None


@dataclass(frozen=True)
class Readable:
    """A DuckDB table expression over the file's rows, with their names and row numbers."""

    from_sql: str
    headers: list[str]
    typed: frozenset[str] = frozenset()  # headers of typed (non-text) columns: nothing to trim
    # A column holding each row's spreadsheet row number; None when the rows are numbered
    # by their order in the file.
    row_column: str | None = None


@contextmanager
def readable(con: duckdb.DuckDBPyConnection, src: SourceFile) -> Iterator[Readable]:
    """Make the file readable by DuckDB for as long as the context lasts.

    A GBK or UTF-16 file is transcoded to a temporary UTF-8 copy first, streaming, because
    DuckDB reads other encodings only through an extension that would need a download.
    """
    if src.format == "csv":
        with _utf8_copy(src) as path:
            delimiter, headers = _csv_layout(path, "utf-8-sig")
            names = _unique(headers)
            yield Readable(_read_csv_sql(path, delimiter, names), names)
    elif src.format == "parquet":
        from_sql = f"read_parquet({literal(str(src.path))})"
        described = _describe(con, from_sql)
        typed = frozenset(name for name, type_ in described if type_ != "VARCHAR")
        yield Readable(from_sql, [name for name, _ in described], typed)
    else:
        headers, rows = _excel_header_and_rows(src.path)
        view = "_kaoping_excel"
        con.register(view, _excel_arrow(headers, rows))
        try:
            yield Readable(view, headers, row_column=EXCEL_ROW)
        finally:
            con.unregister(view)


def _describe(con: duckdb.DuckDBPyConnection, from_sql: str) -> list[tuple[str, str]]:
    rows = con.execute(f"DESCRIBE SELECT * FROM {from_sql}").fetchall()
    return [(str(r[0]), str(r[1])) for r in rows]


def _read_csv_sql(path: Path, delimiter: str, names: Sequence[str]) -> str:
    """The dialect pinned, not sniffed: DuckDB's sniffer, handed a file with one ragged line,
    may pick another delimiter or skip rows and return nothing. Pinned, a line with the
    wrong number of fields is an error naming it."""
    columns = ", ".join(f"{literal(n)}: 'VARCHAR'" for n in names)
    return (
        f"read_csv({literal(str(path))}, auto_detect = false, header = true, "
        f"delim = {literal(delimiter)}, quote = '\"', escape = '\"', columns = {{{columns}}})"
    )


@contextmanager
def _utf8_copy(src: SourceFile) -> Iterator[Path]:
    """The file itself when DuckDB can read it, else a UTF-8 copy with LF line endings."""
    utf8 = src.encoding in ("utf-8", "utf-8-sig")
    if utf8 and not src.mixed_newlines:  # DuckDB skips a UTF-8 byte-order mark itself
        yield src.path
        return
    with tempfile.TemporaryDirectory(prefix="kaoping-") as tmp:
        target = Path(tmp) / (src.path.stem + ".utf8.csv")
        try:
            # newline=None reads CRLF and LF alike as LF: mixed endings, as files get from
            # being appended to on two systems, are not a reason to refuse them.
            newline = None if src.mixed_newlines else ""
            with (
                src.path.open(encoding=src.encoding, newline=newline) as fin,
                target.open("w", encoding="utf-8", newline="") as fout,
            ):
                shutil.copyfileobj(fin, fout, _CHUNK)
        except UnicodeDecodeError as exc:
            raise file_error(
                src.path,
                f"not valid {src.encoding} text: {exc.reason} (at byte {exc.start} of a chunk)",
            ) from None
        yield target


# --- Excel -------------------------------------------------------------------------------


def _excel_header_and_rows(path: Path) -> tuple[list[str], list[tuple[int, list[str | None]]]]:
    """The first sheet: its first non-empty row as headers, then (row number, texts) per row.

    The workbook's size and extent are checked first (:func:`check_workbook`): the parser
    holds the whole sheet in memory and aborts the process on a sparse giant. Rows are
    then taken one at a time, so only their texts are kept. Error cells (#DIV/0!), which
    the parser reads as empty, get their error text back so validation can refuse them.
    """
    from python_calamine import CalamineWorkbook

    errors: dict[int, list[tuple[int, str]]] = {}
    for (r, c), error in check_workbook(path).items():
        errors.setdefault(r, []).append((c, error))
    headers: list[str] | None = None
    rows: list[tuple[int, list[str | None]]] = []
    try:
        sheet = CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0)
        check_area(path, sheet.height, sheet.width)  # an old .xls, unchecked so far
        first_column = sheet.start[1] if sheet.start else 0
        # iter_rows counts rows from the sheet's first row (row 1), columns from its first
        # non-empty column.
        for index, raw in enumerate(sheet.iter_rows()):
            number = index + 1
            texts = [_cell_text(c) for c in raw]
            for c, error in errors.get(number, ()):
                if 0 <= c - 1 - first_column < len(texts):
                    texts[c - 1 - first_column] = error
            if headers is None:
                if any(t is not None for t in texts):
                    headers = [t or f"column{i + 1}" for i, t in enumerate(texts)]
            elif any(t is not None for t in texts):
                rows.append((number, texts))
    except IngestError:
        raise
    except Exception as exc:  # calamine's own errors, MemoryError: a clean error, not a crash
        raise file_error(path, f"cannot read as an Excel workbook: {exc}") from None
    if headers is None:
        raise file_error(path, "empty worksheet; expected a header row")
    return headers, rows


def _cell_text(value: object) -> str | None:
    """A cell as the text a CSV export of it would hold, so all formats validate alike."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def _excel_arrow(headers: Sequence[str], rows: Sequence[tuple[int, list[str | None]]]) -> pa.Table:
    columns = {EXCEL_ROW: pa.array([r[0] for r in rows], type=pa.int64())}
    for i, header in enumerate(headers):
        values = [texts[i] if i < len(texts) else None for _, texts in rows]
        columns.setdefault(header, pa.array(values, type=pa.string()))
    return pa.table(columns)
