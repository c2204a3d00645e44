"""Spreadsheet bombs end in a clean error naming the file, within seconds and under a
memory cap -- never an aborted process, a hang or gigabytes of memory."""

from __future__ import annotations

import os
import resource
import subprocess
import sys
import time
import zipfile
from collections.abc import Iterable
from pathlib import Path

import duckdb
import pytest

from kaoping.ingest import IngestError, import_files, list_quarantine

MEMORY_CAP = 2 << 30  # bytes of address space the importer may use in these tests
TIMEOUT = 60  # seconds; each bomb is refused in well under ten

_CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
    'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-'
    'officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/'
    'vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>'
)
_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    'relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>'
)
_WORKBOOK = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
    '<sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>'
)
_WORKBOOK_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    'relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>'
)


def _cell(ref: str, value: str) -> str:
    if value.startswith("#"):
        return f'<c r="{ref}" t="e"><f>1/0</f><v>{value}</v></c>'
    return f'<c r="{ref}" t="inlineStr"><is><t>{value}</t></is></c>'


def write_xlsx(path: Path, dimension: str | None, rows: Iterable[str]) -> Path:
    """A workbook written by hand: ``rows`` are the ``<row>`` elements of its one sheet."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("[Content_Types].xml", _CONTENT_TYPES)
        zf.writestr("_rels/.rels", _RELS)
        zf.writestr("xl/workbook.xml", _WORKBOOK)
        zf.writestr("xl/_rels/workbook.xml.rels", _WORKBOOK_RELS)
        with zf.open("xl/worksheets/sheet1.xml", "w") as fh:
            fh.write(
                b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
                b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
            )
            if dimension is not None:
                fh.write(f'<dimension ref="{dimension}"/>'.encode())
            fh.write(b"<sheetData>")
            for row in rows:
                fh.write(row.encode())
            fh.write(b"</sheetData></worksheet>")
    return path


def _row(number: int, cells: dict[str, str]) -> str:
    inner = "".join(_cell(f"{col}{number}", v) for col, v in cells.items())
    return f'<row r="{number}">{inner}</row>'


HEADERS = {
    "A": "crime_code",
    "B": "name_zh",
    "C": "name_en",
    "D": "article",
    "E": "chapter",
    "F": "serious_violent",
    "G": "statutory_max",
}


_REST = {"E": "5", "F": "否", "G": "有期徒刑"}


def _limit_memory() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_CAP, MEMORY_CAP))


def run_import(path: Path, db: Path, **env: str) -> tuple[int, str, float]:
    """``kaoping import`` in a child process under the memory cap: (exit code, stderr,
    seconds)."""
    started = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-m", "kaoping", "import", str(path), "--db", str(db)],
        preexec_fn=_limit_memory,
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        env={**os.environ, **env},
    )
    return done.returncode, " ".join(done.stderr.split()), time.monotonic() - started


@pytest.mark.parametrize(
    ("dimension", "far", "said"),
    [
        ("A1:XFD1048576", "XFD1048576", "spans 1,048,576 rows × 16,384 columns (to cell XFD"),
        ("A1:A1", "XFD1048576", "spans 1,048,576 rows × 16,384 columns (to cell XFD1048576)"),
        (None, "ZZ200000", "spans 200,000 rows × 702 columns (to cell ZZ200000)"),
        ("A1:ZZ200000", "ZZ200000", "spans 200,000 rows × 702 columns (to cell ZZ200000)"),
        ("A1:J2000000", "J2000000", "declares the range A1:J2000000, beyond Excel's 1,048,576"),
    ],
)
def test_a_sparse_giant_is_refused_before_parsing(
    tmp_path: Path, dimension: str | None, far: str, said: str
) -> None:
    rows = [_row(1, HEADERS), _row(int(far.lstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZ")), {})]
    rows[1] = rows[1].replace("></row>", f">{_cell(far, 'x')}</row>")
    path = write_xlsx(tmp_path / "crimes.xlsx", dimension, rows)
    assert path.stat().st_size < 10_000

    code, stderr, seconds = run_import(path, tmp_path / "w.duckdb")

    assert code == 1, stderr
    assert stderr.startswith(f"error: {path}: the first sheet "), stderr
    assert said in stderr
    assert "KAOPING_EXCEL_MAX_CELLS" in stderr or "beyond Excel" in stderr
    assert "Traceback" not in stderr and seconds < 30


def test_formatted_empty_cells_far_out_do_not_count(
    con: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    rows = [
        _row(1, HEADERS),
        _row(2, {"A": "C1", "B": "盗窃罪", "C": "Theft", "D": "264", **_REST}),
        '<row r="1048576"><c r="G1048576" s="1"/><c r="F1048576" s="1"></c></row>',
    ]
    path = write_xlsx(tmp_path / "crimes.xlsx", "A1:G1048576", rows)

    report = import_files(con, [path])[0]

    assert (report.rows_read, report.rows_loaded) == (1, 1)


def test_a_dense_sheet_over_the_cell_limit_is_refused(tmp_path: Path) -> None:
    body = (_row(n, {c: f"v{n}" for c in "ABCDEFGHIJ"}) for n in range(2, 20_002))
    path = write_xlsx(tmp_path / "crimes.xlsx", None, [_row(1, HEADERS), *body])

    code, stderr, seconds = run_import(
        path, tmp_path / "w.duckdb", KAOPING_EXCEL_MAX_CELLS="100000"
    )

    assert code == 1, stderr
    assert f"error: {path}: the first sheet holds more than 100,000 cells" in stderr
    assert seconds < 30


def test_a_zip_bomb_is_refused_by_its_unpacked_size(tmp_path: Path) -> None:
    path = write_xlsx(tmp_path / "crimes.xlsx", "A1:E2", [_row(1, HEADERS)])
    with zipfile.ZipFile(path, "a", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("xl/media/padding.bin", b"\0" * (8 << 20))
    assert path.stat().st_size < 100_000

    code, stderr, _ = run_import(path, tmp_path / "w.duckdb", KAOPING_EXCEL_MAX_BYTES=str(4 << 20))

    assert code == 1, stderr
    assert f"error: {path}: the workbook unpacks to " in stderr
    assert "more than the 4,194,304 an Excel import may take" in stderr


def test_a_large_sheet_within_the_limits_imports_under_the_memory_cap(tmp_path: Path) -> None:
    rows = (
        _row(n, {"A": f"C{n}", "B": f"罪名{n}", "C": f"crime {n}", "D": str(n), **_REST})
        for n in range(2, 20_002)
    )
    path = write_xlsx(tmp_path / "crimes.xlsx", "A1:G20001", [_row(1, HEADERS), *rows])

    code, stderr, _ = run_import(path, tmp_path / "w.duckdb")

    assert code == 0, stderr
    with duckdb.connect(str(tmp_path / "w.duckdb"), read_only=True) as con:
        assert con.execute("SELECT count(*) FROM crimes").fetchall() == [(20_000,)]


def test_a_broken_workbook_is_a_clean_error(con: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    path = write_xlsx(tmp_path / "crimes.xlsx", "A1:E2", [_row(1, HEADERS)])
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])  # cut short, as an interrupted download is

    with pytest.raises(IngestError, match=r"crimes\.xlsx: cannot read as an Excel workbook"):
        import_files(con, [path])


def test_an_error_cell_is_quarantined_not_read_as_empty(
    con: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    rows = [
        _row(1, HEADERS),
        _row(2, {"A": "C1", "B": "盗窃罪", "C": "#DIV/0!", "D": "264", **_REST}),
        _row(3, {"A": "C2", "B": "抢劫罪", "C": "Robbery", "D": "263", **_REST}),
    ]
    path = write_xlsx(tmp_path / "crimes.xlsx", "A1:G3", rows)

    report = import_files(con, [path])[0]

    assert (report.rows_loaded, report.rows_quarantined) == (1, 1)
    [q] = list_quarantine(con)
    assert (q.row_number, q.column, q.value) == (2, "name_en", "#DIV/0!")
    assert q.reason == "an Excel error value '#DIV/0!' (a formula that failed); expected a value"
