"""Implausible dates and numbers in spellings no export uses are quarantined, whichever
format carries them, instead of loading silently and breaking ``compute`` later."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from tests.ingest.ingest_data import count, write_text

from kaoping.ingest import import_files, list_quarantine
from kaoping.ingest.sql import date_window_text

HEADER = "嫌疑人编号,案件编号,院代码,罪名代码,是否未成年人,审查逮捕受理日期,退回补充侦查次数\n"


def _window() -> str:
    today = dt.date.today()
    return f"1979-01-01 … {today.replace(year=today.year + 1).isoformat()}"


def test_the_default_window_is_1979_to_a_year_from_today() -> None:
    assert date_window_text() == _window()


def _persons(tmp_path: Path, cells: list[tuple[str, str]]) -> Path:
    rows = [f"S{i},A{i},110108,C264,否,{date},{n}" for i, (date, n) in enumerate(cells)]
    return write_text(tmp_path / "persons.csv", HEADER + "\n".join(rows) + "\n")


@pytest.mark.parametrize(
    "text",
    [
        "infinity",
        "-infinity",
        "9999-12-31",
        "2099-12-31",
        "5877642-06-25",
        "0001-01-01",
        "0044-03-15 (BC)",
        "epoch",
        "1978-12-31",
        "99999",  # an Excel serial day: 2173-10-14
    ],
)
def test_an_implausible_date_is_quarantined_as_outside_the_window(
    con: duckdb.DuckDBPyConnection, reference_files: list[Path], tmp_path: Path, text: str
) -> None:
    import_files(con, reference_files)

    report = import_files(con, [_persons(tmp_path, [(text, "0"), ("2020-01-05", "0")])])[0]

    assert (report.rows_loaded, report.rows_quarantined) == (1, 1)
    [q] = list_quarantine(con)
    assert (q.row_number, q.column, q.value) == (2, "arrest_review_received", text)
    assert q.reason == (
        f"outside the plausible range {_window()} (KAOPING_DATE_MIN, KAOPING_DATE_MAX), "
        f"got '{text}'"
    )


def test_the_window_is_a_setting(
    con: duckdb.DuckDBPyConnection,
    reference_files: list[Path],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("KAOPING_DATE_MIN", "1950-01-01")
    monkeypatch.setenv("KAOPING_DATE_MAX", "2020-06-30")
    import_files(con, reference_files)
    path = _persons(tmp_path, [("1960-01-01", "0"), ("2020-07-01", "0")])

    report = import_files(con, [path])[0]

    assert (report.rows_loaded, report.rows_quarantined) == (1, 1)
    assert "1950-01-01 … 2020-06-30" in list_quarantine(con)[0].reason


def test_ten_infinite_dates_leave_compute_working(
    db_path: Path, reference_files: list[Path], tmp_path: Path
) -> None:
    import kaoping
    from kaoping.warehouse import connect

    cells = [("infinity", "0")] * 10 + [("2020-01-05", "0")]
    with connect(db_path) as con:
        import_files(con, reference_files)
        report = import_files(con, [_persons(tmp_path, cells)])[0]
    assert report.rows_quarantined == 10

    with kaoping.Warehouse(db_path) as wh:
        wh.compute(years=[2020], indicators=["persons_prosecuted"])


def test_excel_serials_and_parquet_dates_obey_the_same_window(
    con: duckdb.DuckDBPyConnection, reference_files: list[Path], tmp_path: Path
) -> None:
    from openpyxl import Workbook

    import_files(con, reference_files)
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(HEADER.strip().split(",")[:6])
    sheet.append(["X1", "A1", "110108", "C264", "否", 99999])
    sheet.append(["X2", "A2", "110108", "C264", "否", 43861])
    book.save(tmp_path / "persons.xlsx")
    table = pa.table(
        {
            "person_id": ["Q1", "Q2"],
            "case_id": ["A1", "A2"],
            "organ_code": ["110108", "110108"],
            "crime_code": ["C264", "C264"],
            "is_minor": [False, False],
            "arrest_review_received": pa.array(
                [dt.date(9999, 12, 31), dt.date(2020, 1, 31)], type=pa.date32()
            ),
        }
    )
    pq.write_table(table, tmp_path / "persons_2.parquet")

    reports = import_files(con, [tmp_path / "persons.xlsx", tmp_path / "persons_2.parquet"])

    assert [(r.rows_loaded, r.rows_quarantined) for r in reports] == [(1, 1), (1, 1)]
    why = f"outside the plausible range {_window()} (KAOPING_DATE_MIN"
    values = {(q.value, q.reason.split(",")[0]) for q in list_quarantine(con)}
    assert values == {("99999", why), ("9999-12-31", why)}
    assert count(con, "persons") == 2


@pytest.mark.parametrize("text", ["0x10", "0b101", "1e3", "1_000", "+5", "5.5", "1,000"])
def test_only_plain_digits_are_a_whole_number(
    con: duckdb.DuckDBPyConnection, reference_files: list[Path], tmp_path: Path, text: str
) -> None:
    import_files(con, reference_files)
    path = _persons(tmp_path, [("2020-01-05", f'"{text}"'), ("2020-01-05", "-0")])

    report = import_files(con, [path])[0]

    assert (report.rows_loaded, report.rows_quarantined) == (1, 1)
    [q] = list_quarantine(con)
    assert (q.column, q.reason) == (
        "supplementary_returns",
        f"expected a whole number, got '{text}'",
    )


@pytest.mark.parametrize(
    ("column", "values", "said"),
    [
        (
            "arrest_review_received",
            pa.array([18262], type=pa.int32()),
            "column 'arrest_review_received' (arrest_review_received) is a Parquet integer "
            "(int32), which could be days since 1970 or an Excel serial; expected a Parquet "
            "date32 or text such as 2020-01-31",
        ),
        (
            "case_id",
            pa.array([["A", "B"]], type=pa.list_(pa.string())),
            "column 'case_id' (case_id) is a nested Parquet type list<element: string>; "
            "expected one plain value per cell",
        ),
    ],
)
def test_parquet_types_that_would_be_guessed_are_refused_naming_the_column(
    con: duckdb.DuckDBPyConnection, tmp_path: Path, column: str, values: pa.Array, said: str
) -> None:
    from kaoping.ingest import IngestError

    data: dict[str, pa.Array] = {
        "person_id": pa.array(["Q1"]),
        "case_id": pa.array(["A1"]),
        "organ_code": pa.array(["110108"]),
        "crime_code": pa.array(["C264"]),
        "is_minor": pa.array([False]),
    }
    data[column] = values
    path = tmp_path / "persons.parquet"
    pq.write_table(pa.table(data), path)

    with pytest.raises(IngestError) as caught:
        import_files(con, [path])

    assert str(caught.value).startswith(f"{path}: {said}")
    assert count(con, "persons") == 0


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1234.5", "1234.50"),
        ("-12", "-12.00"),
        ("1,234.50", "1234.50"),
        ("1e3", None),
        ("1_000", None),
        ("+5", None),
        ("0x10", None),
        ("1,2,3", None),
    ],
)
def test_only_documented_spellings_are_an_amount(text: str, expected: str | None) -> None:
    from kaoping.ingest.sql import cleaned, parse_expr
    from kaoping.model.schema import table

    expr = parse_expr(table("property_returns").column("amount_involved"), cleaned("$v"))
    with duckdb.connect() as mem:
        [(value,)] = mem.execute(f"SELECT CAST({expr} AS VARCHAR)", {"v": text}).fetchall()
    assert value == expected


def test_a_mistyped_window_fails_the_import_naming_the_setting(
    con: duckdb.DuckDBPyConnection,
    reference_files: list[Path],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from kaoping.ingest import IngestError
    from kaoping.settings import get_settings

    import_files(con, reference_files)
    monkeypatch.setenv("KAOPING_DATE_MIN", "nineteen-seventy-nine")

    assert get_settings().db  # the rest of kaoping does not care
    with pytest.raises(IngestError, match=r"^invalid import setting: KAOPING_DATE_MIN: "):
        import_files(con, [_persons(tmp_path, [("2020-01-05", "0")])])
