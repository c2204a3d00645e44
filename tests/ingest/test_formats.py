"""Excel and Parquet imports, and files that cannot be imported at all."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb
import openpyxl
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from tests.ingest.ingest_data import count, write_text

from kaoping.ingest import IngestError, import_files, list_quarantine


def test_xlsx_with_chinese_name_headers_and_native_cells(
    con: duckdb.DuckDBPyConnection, reference_files: list[Path], tmp_path: Path
) -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(
        [
            "嫌疑人编号",
            "案件编号",
            "院代码",
            "罪名代码",
            "是否未成年人",
            "审查起诉受理日期",
            "退回补充侦查次数",
            "审查起诉决定",
        ]
    )
    sheet.append(["X1", "A1", 110108, "C264", True, dt.datetime(2020, 5, 6), 2, "起诉"])
    sheet.append([None] * 8)  # a blank row: skipped, but the rows below keep their numbers
    sheet.append(["X2", "A2", "110108", "C264", "否", dt.date(2020, 5, 7), 1.5, "不诉"])
    sheet.append(["X3", "A3", "110108", "C264", "否", "2020年5月8日", 0, "附条件不起诉"])
    path = tmp_path / "犯罪嫌疑人_2020.xlsx"
    book.save(path)

    report = import_files(con, [*reference_files, path])[-1]

    assert (report.table, report.format, report.rows_read, report.rows_loaded) == (
        "persons",
        "excel",
        3,
        2,
    )
    assert [(q.row_number, q.column, q.reason) for q in list_quarantine(con)] == [
        (4, "supplementary_returns", "expected a whole number, got '1.5'"),
    ]
    assert con.execute(
        "SELECT person_id, organ_code, is_minor, prosecution_review_received, "
        "supplementary_returns, prosecution_decision FROM persons ORDER BY 1"
    ).fetchall() == [
        ("X1", "110108", True, dt.date(2020, 5, 6), 2, "prosecuted"),
        ("X3", "110108", False, dt.date(2020, 5, 8), 0, "conditional_not_prosecuted"),
    ]


def test_parquet_with_typed_columns(
    con: duckdb.DuckDBPyConnection, reference_files: list[Path], tmp_path: Path
) -> None:
    table = pa.table(
        {
            "person_id": ["Q1", "Q2", "Q3"],
            "case_id": ["A1", "A2", "A3"],
            "organ_code": ["110108", "110108", "110108"],
            "crime_code": ["C264", "C264", "C133_1"],
            "is_minor": [False, True, False],
            "verdict_date": pa.array([dt.date(2021, 1, 2), None, dt.date(2021, 1, 4)]),
            "sentence_months": pa.array([12, -3, 0], type=pa.int32()),
            "verdict": ["guilty", None, "无罪"],
        }
    )
    path = tmp_path / "suspects.parquet"
    pq.write_table(table, path)

    report = import_files(con, [*reference_files, path])[-1]

    assert (report.table, report.encoding, report.rows_loaded, report.rows_quarantined) == (
        "persons",
        None,
        2,
        1,
    )
    assert [(q.row_number, q.column, q.reason) for q in list_quarantine(con)] == [
        (3, "sentence_months", "must be at least 0, got '-3'"),
    ]
    assert con.execute(
        "SELECT person_id, verdict, verdict_date FROM persons ORDER BY 1"
    ).fetchall() == [
        ("Q1", "guilty", dt.date(2021, 1, 2)),
        ("Q3", "acquitted", dt.date(2021, 1, 4)),
    ]


def test_table_option_overrides_the_file_name(
    con: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    path = write_text(
        tmp_path / "export-7.csv",
        "crime_code,name_zh,name_en,article,chapter,"
        "serious_violent,statutory_max\nC1,罪,Crime,1,1,是,死刑\n",
    )

    report = import_files(con, [path], table="crimes")[0]

    assert (report.table, report.rows_loaded) == ("crimes", 1)
    assert con.execute("SELECT serious_violent, statutory_max FROM crimes").fetchall() == [
        (True, "death")
    ]


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        (
            "persons.txt",
            b"a,b\n",
            "persons.txt: unsupported file type '.txt'; expected .csv, .xlsx or .parquet",
        ),
        ("persons.parquet", b"person_id\nX\n", "persons.parquet: cannot read as parquet"),
        ("persons.xlsx", b"not a workbook", "persons.xlsx: cannot read as an Excel workbook"),
        (
            "persons.csv",
            b"PK\x03\x04\x00\x00",
            "persons.csv: this is an Excel workbook (.xlsx), not a CSV text file",
        ),
        ("persons.csv", b"", "persons.csv: empty file; expected a header row"),
        ("export.csv", "编号,名称\n1,x\n".encode(), "export.csv: cannot tell which table this is"),
        (
            "persons.csv",
            "person_id,case_id,organ_code,crime_code,is_minor\nX,A,1,C,否\nY,B,1,C,否,8\n".encode(),
            "persons.csv: cannot read as csv: Invalid Input Error: CSV Error on Line: 3; "
            "Original Line: Y,B,1,C,否,8; Expected Number of Columns: 5 Found: 6",
        ),
        (
            "persons.csv",
            "案件编号,罪名代码\nX,C1\n".encode("gbk"),
            "persons.csv: missing key column person_id (嫌疑人编号) for table persons, needed "
            "to tell which records the file holds; found headers: 案件编号, 罪名代码",
        ),
    ],
)
def test_unimportable_file_raises_one_clear_error_and_imports_nothing(
    con: duckdb.DuckDBPyConnection,
    reference_files: list[Path],
    tmp_path: Path,
    name: str,
    content: bytes,
    message: str,
) -> None:
    path = tmp_path / name
    path.write_bytes(content)

    with pytest.raises(IngestError) as caught:
        import_files(con, [*reference_files, path])

    assert str(caught.value).startswith(str(tmp_path / message.split(":")[0]))
    assert message.split(": ", 1)[1] in str(caught.value)
    assert count(con, "organs") == 0  # the good files in the same call were not loaded


def test_unknown_table_option_is_an_error(con: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    path = write_text(tmp_path / "x.csv", "a\n1\n")
    with pytest.raises(IngestError, match=r"unknown table 'people'; known tables: organs"):
        import_files(con, [path], table="people")
