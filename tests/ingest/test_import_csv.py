"""Importing CSV exports: encodings, validation, quarantine, idempotent upserts."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import duckdb
from tests.ingest.ingest_data import (
    PERSONS_EXPECTED_PROBLEMS,
    PERSONS_ROWS,
    checksum,
    count,
    persons_text,
    write_text,
)

from kaoping.ingest import import_files, list_quarantine


def problems(con: duckdb.DuckDBPyConnection) -> list[tuple[int, str, str | None, str]]:
    return [(q.row_number, q.column, q.value, q.reason) for q in list_quarantine(con)]


def test_gbk_file_loads_good_rows_and_quarantines_bad_ones_with_reasons(
    con: duckdb.DuckDBPyConnection, reference_files: list[Path], persons_gbk: Path
) -> None:
    reports = import_files(con, [persons_gbk, *reference_files])

    assert [r.table for r in reports] == ["organs", "prosecutors", "crimes", "persons"]
    persons = reports[-1]
    assert (persons.encoding, persons.rows_read, persons.rows_loaded, persons.rows_quarantined) == (
        "gb18030",
        11,
        3,
        8,
    )
    assert persons.warnings == ("ignored columns that are not in persons: 备注",)
    assert problems(con) == PERSONS_EXPECTED_PROBLEMS
    assert count(con, "persons") == 3


def test_loaded_values_are_typed_and_canonical(
    con: duckdb.DuckDBPyConnection, reference_files: list[Path], persons_gbk: Path
) -> None:
    import_files(con, [*reference_files, persons_gbk])

    rows = con.execute(
        "SELECT person_id, is_minor, arrest_review_received, arrest_review_concluded, "
        "arrest_decision, prosecution_review_concluded, prosecution_decision, "
        "supplementary_returns, verdict, sentence_months FROM persons ORDER BY person_id"
    ).fetchall()
    assert rows == [
        (
            "S001",
            False,
            dt.date(2020, 1, 5),
            dt.date(2020, 1, 10),
            "approved",
            dt.date(2020, 3, 1),
            "prosecuted",
            0,
            "guilty",
            6,
        ),
        (
            "S002",
            True,
            dt.date(2020, 1, 6),
            dt.date(2020, 1, 12),
            "not_approved",
            dt.date(2020, 3, 2),
            "conditional_not_prosecuted",
            1,
            None,
            None,
        ),
        # 43835 and 43840 are Excel serial days
        (
            "S009",
            False,
            dt.date(2020, 1, 5),
            dt.date(2020, 1, 10),
            "approved",
            None,
            None,
            None,
            None,
            None,
        ),
    ]


def test_quarantine_keeps_the_whole_record_under_the_files_headers(
    con: duckdb.DuckDBPyConnection, reference_files: list[Path], persons_gbk: Path
) -> None:
    import_files(con, [*reference_files, persons_gbk])

    first = list_quarantine(con, limit=1)[0]
    record = json.loads(first.record)
    assert record["嫌疑人编号"] == "S003"
    assert record["审查逮捕受理日期"] == "2020-13-45"
    assert first.file == str(persons_gbk.resolve())


def test_importing_the_same_file_again_changes_no_row(
    con: duckdb.DuckDBPyConnection, reference_files: list[Path], persons_gbk: Path
) -> None:
    import_files(con, [*reference_files, persons_gbk])
    before = {t: checksum(con, t) for t in ("organs", "prosecutors", "crimes", "persons")}
    quarantined = count(con, "quarantine")

    again = import_files(con, [*reference_files, persons_gbk])

    assert {t: checksum(con, t) for t in before} == before
    assert count(con, "quarantine") == quarantined == 9
    assert again[-1].rows_loaded == 3
    assert count(con, "imports") == 8  # the log does grow: one row per file per import


def test_corrected_file_replaces_the_old_rows_and_its_quarantine(
    con: duckdb.DuckDBPyConnection, reference_files: list[Path], persons_gbk: Path
) -> None:
    import_files(con, [*reference_files, persons_gbk])
    corrected = [
        # S001 changed its mind: not prosecuted
        "S001,A001,110108,P001,C133_1,否,2020/1/5,2020年1月10日,批准逮捕,2020-02-01,20200301,"
        "不起诉,0,,,,",
        PERSONS_ROWS[1],
        "S003,A003,110108,P001,C264,否,2020-12-15,,,,,,,,,,",  # date fixed
        PERSONS_ROWS[9],
    ]
    write_text(persons_gbk, persons_text(corrected), "gbk")

    report = import_files(con, [persons_gbk])[0]

    assert (report.rows_read, report.rows_loaded, report.rows_quarantined) == (4, 4, 0)
    assert count(con, "persons") == 4
    decision = con.execute(
        "SELECT prosecution_decision, verdict FROM persons WHERE person_id = 'S001'"
    ).fetchall()
    assert decision == [("not_prosecuted", None)]
    assert count(con, "quarantine") == 0


def test_utf8_with_bom_and_english_headers(
    con: duckdb.DuckDBPyConnection, reference_files: list[Path], tmp_path: Path
) -> None:
    text = (
        "Person_ID,case_id,organ_code,crime_code,is_minor,arrest_decision\n"
        "E1,A1,110108,C264,no,APPROVED\n"
        "E2,A2,110108,C264,yes,批捕\n"
    )
    path = write_text(tmp_path / "persons.csv", text, "utf-8-sig")

    report = import_files(con, [*reference_files, path])[-1]

    assert (report.encoding, report.rows_loaded, report.rows_quarantined) == ("utf-8-sig", 2, 0)
    assert con.execute("SELECT person_id, arrest_decision FROM persons ORDER BY 1").fetchall() == [
        ("E1", "approved"),
        ("E2", "approved"),
    ]


def test_utf16_semicolons_crlf_and_quoted_line_breaks(
    con: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    text = (
        "罪名代码;罪名;英文罪名;条文;章;严重暴力犯罪;法定最高刑\r\n"
        'C1;故意杀人罪;"Intentional\r\nhomicide";232;4;是;死刑\r\n'
        "C2;盗窃罪;Theft;264;5;否;无期徒刑\r\n"
    )
    path = write_text(tmp_path / "罪名.csv", text, "utf-16")

    report = import_files(con, [path])[0]

    assert (report.table, report.encoding, report.rows_loaded) == ("crimes", "utf-16", 2)
    assert con.execute(
        "SELECT crime_code, name_en, statutory_max FROM crimes ORDER BY 1"
    ).fetchall() == [("C1", "Intentional\r\nhomicide", "death"), ("C2", "Theft", "life")]


def test_gbk_after_a_long_ascii_head_is_still_detected(
    con: duckdb.DuckDBPyConnection, reference_files: list[Path], tmp_path: Path
) -> None:
    header = "person_id,case_id,organ_code,crime_code,is_minor,prosecution_decision\n"
    ascii_rows = [f"X{i:07d},A{i},110108,C264,0,prosecuted\n" for i in range(40_000)]
    gbk_row = "Z1,A9,110108,C264,是,附条件不起诉\n"
    path = tmp_path / "persons_late_gbk.csv"
    path.write_bytes((header + "".join(ascii_rows) + gbk_row).encode("gbk"))
    assert path.stat().st_size > 1 << 20  # longer than the head the sniffer reads

    report = import_files(con, [*reference_files, path])[-1]

    assert (report.encoding, report.rows_loaded) == ("gb18030", 40_001)
    assert con.execute(
        "SELECT prosecution_decision FROM persons WHERE person_id = 'Z1'"
    ).fetchall() == [("conditional_not_prosecuted",)]


def test_row_numbers_stay_exact_deep_into_a_large_file(
    con: duckdb.DuckDBPyConnection, reference_files: list[Path], tmp_path: Path
) -> None:
    """Several row groups and parallel reading must not shuffle the row numbers."""
    rows = [f"R{i},A{i},110108,C264,否" for i in range(300_000)]
    rows[250_000] = "R250000,A250000,110108,C264,不知道"
    rows[299_998] = "R7,A7,110108,C264,否"
    path = write_text(
        tmp_path / "persons.csv",
        "person_id,case_id,organ_code,crime_code,is_minor\n" + "\n".join(rows),
    )

    report = import_files(con, [*reference_files, path])[-1]

    assert (report.rows_loaded, report.rows_quarantined) == (299_998, 2)
    assert [(q.row_number, q.column, q.reason.split(",")[0]) for q in list_quarantine(con)] == [
        (250_002, "is_minor", "expected yes or no (true"),
        (299_999 + 1, "person_id", "duplicate key person_id=R7"),
    ]
    assert list_quarantine(con)[1].reason.endswith("first at row 9")


def test_organ_parents_resolve_within_the_file_and_quarantine_cascades(
    con: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    text = (
        "院代码,上级院代码,层级,院名称,英文名称\n"
        "110108,110000,3,海淀区院,Haidian\n"  # parent defined further down: fine
        "110000,100000,2,北京市院,Beijing\n"
        "100000,,1,最高检,SPP\n"
        "120000,100000,二,天津市院,Tianjin\n"  # bad level
        "120101,120000,4,和平区院,Heping\n"  # parent quarantined
        "120102,120101,4,河东区院,Hedong\n"  # grandparent quarantined
        "130000,999999,2,河北省院,Hebei\n"  # parent nowhere
    )
    path = write_text(tmp_path / "organs.csv", text, "gbk")

    report = import_files(con, [path])[0]

    assert (report.rows_loaded, report.rows_quarantined) == (3, 4)
    assert problems(con) == [
        (5, "level", "二", "expected a whole number, got '二'"),
        (
            6,
            "parent_code",
            "120000",
            "the organs row with organ_code '120000' is quarantined in this file",
        ),
        (
            7,
            "parent_code",
            "120101",
            "the organs row with organ_code '120101' is quarantined in this file",
        ),
        (8, "parent_code", "999999", "no organs row with organ_code '999999'"),
    ]


def test_references_resolve_against_rows_already_in_the_warehouse(
    con: duckdb.DuckDBPyConnection, reference_files: list[Path], tmp_path: Path
) -> None:
    import_files(con, reference_files)
    path = write_text(
        tmp_path / "suspects.csv",
        "嫌疑人编号,案件编号,院代码,罪名代码,是否未成年人\nW1,A1,110000,C133_1,否\n",
    )

    report = import_files(con, [path])[0]

    assert (report.table, report.rows_loaded) == ("persons", 1)


def test_directory_imports_every_file_in_load_order(
    con: duckdb.DuckDBPyConnection, reference_files: list[Path], persons_gbk: Path
) -> None:
    persons_gbk.rename(reference_files[0].parent / persons_gbk.name)

    reports = import_files(con, [reference_files[0].parent])

    assert [r.table for r in reports] == ["organs", "prosecutors", "crimes", "persons"]
    assert count(con, "persons") == 3
