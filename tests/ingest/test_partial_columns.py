"""A file with some of its table's columns updates those columns and loses nothing else."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import duckdb
import pytest
from tests.ingest.ingest_data import checksum, count, write_text

from kaoping.ingest import import_files
from kaoping.warehouse import data_version

# Three suspects with every stage filled in, so that a lost value shows.
FULL_HEADER = (
    "person_id,case_id,organ_code,prosecutor_id,crime_code,is_minor,"
    "arrest_review_received,arrest_review_concluded,arrest_decision,"
    "prosecution_review_received,prosecution_review_concluded,prosecution_decision,"
    "verdict,verdict_date,sentence_months"
)
FULL_ROWS = [
    "S1,A1,110108,P001,C264,否,2020-01-05,2020-01-10,approved,"
    "2020-02-01,2020-03-01,prosecuted,guilty,2020-04-01,6",
    "S2,A2,110108,P002,C264,是,2020-01-06,2020-01-12,not_approved,"
    "2020-02-02,2020-03-02,not_prosecuted,,,",
    "S3,A3,110108,P001,C133_1,否,2020-01-07,2020-01-11,approved,"
    "2020-02-03,2020-03-03,prosecuted,guilty,2020-04-03,3",
]
ARREST_HEADER = "person_id,arrest_review_received,arrest_review_concluded,arrest_decision"


def csv(path: Path, header: str, rows: list[str]) -> Path:
    return write_text(path, "\n".join([header, *rows]) + "\n")


def persons(con: duckdb.DuckDBPyConnection) -> dict[str, dict[str, Any]]:
    """Every stored person as a dict of its columns, by person_id."""
    cursor = con.execute("SELECT * FROM persons")
    names = [d[0] for d in cursor.description or ()]
    return {row[0]: dict(zip(names, row, strict=True)) for row in cursor.fetchall()}


def arrest_rows(changes: dict[str, str] | None = None) -> list[str]:
    """The arrest columns of FULL_ROWS, with some persons' decision replaced."""
    out = []
    for row in FULL_ROWS:
        cells = row.split(",")
        decision = (changes or {}).get(cells[0], cells[8])
        out.append(",".join([cells[0], cells[6], cells[7], decision]))
    return out


@pytest.fixture
def stored(
    con: duckdb.DuckDBPyConnection, reference_files: list[Path], tmp_path: Path
) -> dict[str, dict[str, Any]]:
    """The reference tables and FULL_ROWS imported; the stored persons."""
    (report,) = [
        r
        for r in import_files(
            con, [*reference_files, csv(tmp_path / "persons_full.csv", FULL_HEADER, FULL_ROWS)]
        )
        if r.table == "persons"
    ]
    assert (report.rows_inserted, report.rows_updated, report.rows_quarantined) == (3, 0, 0)
    assert data_version(con) == 1  # a new warehouse is at 0; one import inserted rows
    return persons(con)


def test_absent_columns_keep_their_stored_values(
    con: duckdb.DuckDBPyConnection, stored: dict[str, dict[str, Any]], tmp_path: Path
) -> None:
    version = data_version(con)
    path = csv(tmp_path / "persons_arrest.csv", ARREST_HEADER, arrest_rows({"S2": "批准逮捕"}))

    (report,) = import_files(con, [path])

    assert (report.rows_inserted, report.rows_updated, report.rows_unchanged) == (
        0,
        1,
        len(FULL_ROWS) - 1,
    )
    assert report.rows_loaded == len(FULL_ROWS)
    assert report.columns_updated == ("arrest_decision",)
    assert report.cells_updated == 1
    expected = {pid: dict(row) for pid, row in stored.items()}
    expected["S2"]["arrest_decision"] = "approved"
    after = persons(con)
    assert after == expected
    # the later stages of the stored suspects survived
    assert after["S1"]["prosecution_decision"] == "prosecuted"
    assert after["S1"]["verdict"] == "guilty"
    assert after["S1"]["sentence_months"] == 6
    assert data_version(con) == version + 1


def test_reimporting_changes_nothing_and_keeps_the_data_version(
    con: duckdb.DuckDBPyConnection, stored: dict[str, dict[str, Any]], tmp_path: Path
) -> None:
    full = tmp_path / "persons_full.csv"
    arrest = csv(tmp_path / "persons_arrest.csv", ARREST_HEADER, arrest_rows())
    before, version = checksum(con, "persons"), data_version(con)

    reports = import_files(con, [full, arrest])

    assert [(r.rows_inserted, r.rows_updated, r.rows_unchanged) for r in reports] == [
        (0, 0, len(FULL_ROWS)),
        (0, 0, len(FULL_ROWS)),
    ]
    assert all(r.columns_updated == () and r.cells_updated == 0 for r in reports)
    assert checksum(con, "persons") == before
    assert data_version(con) == version


def test_empty_cell_sets_null_only_where_the_column_may_be_empty(
    con: duckdb.DuckDBPyConnection, stored: dict[str, dict[str, Any]], tmp_path: Path
) -> None:
    # S1: is_minor (required) emptied; S3: verdict (optional) emptied; S2 as stored.
    path = csv(
        tmp_path / "persons_fix.csv",
        "person_id,is_minor,verdict",
        ["S1,,guilty", "S2,是,", "S3,否,"],
    )

    (report,) = import_files(con, [path])

    assert (report.rows_updated, report.rows_unchanged, report.rows_quarantined) == (1, 1, 1)
    assert report.columns_updated == ("verdict",)
    after = persons(con)
    assert after["S3"]["verdict"] is None
    assert {k: v for k, v in after["S3"].items() if k != "verdict"} == {
        k: v for k, v in stored["S3"].items() if k != "verdict"
    }
    assert after["S1"] == stored["S1"]
    reasons = con.execute(
        "SELECT row_number, column_name, reason FROM quarantine WHERE file = ?",
        [str(path.resolve())],
    ).fetchall()
    assert reasons == [(2, "is_minor", "required value is empty")]


def test_new_record_without_a_required_column_is_quarantined(
    con: duckdb.DuckDBPyConnection, stored: dict[str, dict[str, Any]], tmp_path: Path
) -> None:
    rows = [*arrest_rows({"S1": "not_approved"}), "S9,2020-05-01,2020-05-05,approved"]
    path = csv(tmp_path / "persons_arrest.csv", ARREST_HEADER, rows)

    (report,) = import_files(con, [path])

    assert (report.rows_inserted, report.rows_updated, report.rows_quarantined) == (0, 1, 1)
    assert count(con, "persons") == len(FULL_ROWS)
    assert persons(con)["S1"]["arrest_decision"] == "not_approved"
    problems = con.execute(
        "SELECT row_number, column_name, reason FROM quarantine WHERE file = ? ORDER BY rowid",
        [str(path.resolve())],
    ).fetchall()
    new_row = len(rows) + 1  # the header is row 1
    assert problems == [
        (new_row, name, f"new record: required column {name} ({label}) is not in the file")
        for name, label in (
            ("case_id", "案件编号"),
            ("organ_code", "院代码"),
            ("crime_code", "罪名代码"),
            ("is_minor", "是否未成年人"),
        )
    ]
    assert any("case_id (案件编号)" in w and "quarantined" in w for w in report.warnings)


def test_new_record_with_every_required_column_is_inserted(
    con: duckdb.DuckDBPyConnection, stored: dict[str, dict[str, Any]], tmp_path: Path
) -> None:
    path = csv(
        tmp_path / "persons_new.csv",
        "person_id,case_id,organ_code,crime_code,is_minor,arrest_decision",
        ["S9,A9,110108,C264,否,approved", "S1,A1,110108,C264,否,approved"],
    )

    (report,) = import_files(con, [path])

    assert (report.rows_inserted, report.rows_updated, report.rows_unchanged) == (1, 0, 1)
    new = persons(con)["S9"]
    assert (new["case_id"], new["arrest_decision"], new["verdict"]) == ("A9", "approved", None)
    assert persons(con)["S1"] == stored["S1"]


def test_date_order_holds_for_the_file_against_stored_dates(
    con: duckdb.DuckDBPyConnection, stored: dict[str, dict[str, Any]], tmp_path: Path
) -> None:
    # S1: concluded before its stored received date; S2: received after its stored
    # concluded date; S3: a concluded date that fits what is stored.
    path = csv(
        tmp_path / "persons_dates.csv",
        "person_id,prosecution_review_concluded,prosecution_review_received",
        ["S1,2020-01-15,", "S3,2020-03-04,"],
    )
    path2 = csv(
        tmp_path / "persons_received.csv",
        "person_id,prosecution_review_received",
        ["S2,2020-03-15", "S3,2020-02-03"],
    )
    only_concluded = csv(
        tmp_path / "persons_concluded.csv",
        "person_id,prosecution_review_concluded",
        ["S1,2020-01-15", "S3,2020-03-04"],
    )

    # Both sides in the file: the file's own (empty) received date is the merged one.
    (both,) = import_files(con, [path])
    assert (both.rows_updated, both.rows_quarantined) == (2, 0)
    # restore the stored received dates, then give one side only
    import_files(con, [tmp_path / "persons_full.csv"])
    one, other = import_files(con, [only_concluded, path2])

    s1, s2 = stored["S1"], stored["S2"]
    assert (one.rows_updated, one.rows_quarantined) == (1, 1)
    assert (other.rows_unchanged, other.rows_quarantined) == (1, 1)
    reasons = con.execute(
        "SELECT file, column_name, reason FROM quarantine WHERE file IN (?, ?) ORDER BY file",
        [str(only_concluded.resolve()), str(path2.resolve())],
    ).fetchall()
    assert sorted(reasons) == sorted(
        [
            (
                str(only_concluded.resolve()),
                "prosecution_review_concluded",
                "prosecution_review_concluded 2020-01-15 is earlier than the stored "
                f"prosecution_review_received {s1['prosecution_review_received']:%Y-%m-%d}",
            ),
            (
                str(path2.resolve()),
                "prosecution_review_received",
                "prosecution_review_received 2020-03-15 is later than the stored "
                f"prosecution_review_concluded {s2['prosecution_review_concluded']:%Y-%m-%d}",
            ),
        ]
    )
    after = persons(con)
    assert after["S1"] == s1
    assert after["S2"] == s2
    assert after["S3"]["prosecution_review_concluded"] == dt.date(2020, 3, 4)


def test_a_stored_organ_moved_under_a_quarantined_new_one_is_quarantined_too(
    con: duckdb.DuckDBPyConnection, reference_files: list[Path], tmp_path: Path
) -> None:
    """A new record quarantined for a missing column takes its children in the file along,
    as any quarantined parent does: no stored row may point at an organ that is not there."""
    import_files(con, reference_files)
    path = csv(
        tmp_path / "organs_moves.csv",
        "organ_code,parent_code,level,name_zh",  # no name_en: required for a new organ
        ["110109,110000,3,北京市新区人民检察院", "110108,110109,4,北京市海淀区人民检察院"],
    )
    before = checksum(con, "organs")

    (report,) = import_files(con, [path])

    assert (report.rows_updated, report.rows_quarantined) == (0, 2)
    assert checksum(con, "organs") == before
    reasons = dict(
        con.execute(
            "SELECT row_number, reason FROM quarantine WHERE file = ?", [str(path.resolve())]
        ).fetchall()
    )
    assert reasons == {
        2: "new record: required column name_en (英文名称) is not in the file",
        3: "the organs row with organ_code '110109' is quarantined in this file",
    }
