"""An import leaves each table it wrote in organ order, every row kept.

Reads of one organ's records skip the row groups of other organs only when an organ's
rows lie together (:func:`kaoping.ingest.merge.cluster_by_organ`); an import appends at
the end, so without the rewrite a second file would scatter them again.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
from tests.ingest.ingest_data import write_text

from kaoping.ingest import ImportProgress, import_files

HEADER = "person_id,case_id,organ_code,crime_code,is_minor"


def _persons(path: Path, rows: list[tuple[str, str]]) -> Path:
    """A persons file of (person_id, organ_code) rows, in the order given."""
    lines = [HEADER, *(f"{pid},A{pid},{organ},C264,否" for pid, organ in rows)]
    return write_text(path, "\n".join(lines) + "\n")


def _stored(con: duckdb.DuckDBPyConnection) -> list[tuple[str, str, str]]:
    """(organ_code, person_id, crime_code) in the order the table holds them."""
    return [
        (str(r[0]), str(r[1]), str(r[2]))
        for r in con.execute(
            "SELECT organ_code, person_id, crime_code FROM persons ORDER BY rowid"
        ).fetchall()
    ]


def test_imports_keep_the_records_in_organ_order(
    con: duckdb.DuckDBPyConnection, reference_files: list[Path], tmp_path: Path
) -> None:
    first = [("S5", "110108"), ("S1", "110000"), ("S3", "110108"), ("S2", "110000")]
    import_files(con, [*reference_files, _persons(tmp_path / "persons_1.csv", first)])
    assert _stored(con) == [
        ("110000", "S1", "C264"), ("110000", "S2", "C264"),
        ("110108", "S3", "C264"), ("110108", "S5", "C264"),
    ]

    # new rows of both organs and a changed one: appended, they would end the table
    second = tmp_path / "persons_2.csv"
    write_text(second, "\n".join([
        HEADER, "S4,AS4,110000,C264,否", "S0,AS0,110108,C264,否", "S3,AS3,110108,C133_1,否",
    ]) + "\n")
    (report,) = import_files(con, [second])
    assert (report.rows_inserted, report.rows_updated) == (2, 1)

    assert _stored(con) == [
        ("110000", "S1", "C264"), ("110000", "S2", "C264"), ("110000", "S4", "C264"),
        ("110108", "S0", "C264"), ("110108", "S3", "C133_1"), ("110108", "S5", "C264"),
    ]


def test_a_table_of_several_files_is_ordered_once(
    con: duckdb.DuckDBPyConnection, reference_files: list[Path], tmp_path: Path
) -> None:
    events: list[ImportProgress] = []
    files = [
        _persons(tmp_path / "persons_a.csv", [("S2", "110108"), ("S1", "110000")]),
        _persons(tmp_path / "persons_b.csv", [("S4", "110000"), ("S3", "110108")]),
    ]
    import_files(con, [*reference_files, *files], progress=events.append)

    ordering = [e.table for e in events if e.phase == "ordering"]
    assert ordering.count("persons") == 1
    # crimes names no organ: nothing to order it by
    assert "crimes" not in ordering
    # every file is done only once everything is written, the ordering included
    last_ordering = max(i for i, e in enumerate(events) if e.phase == "ordering")
    assert all(i > last_ordering for i, e in enumerate(events) if e.phase == "done")
    assert [pid for _, pid, _ in _stored(con)] == ["S1", "S4", "S2", "S3"]


def test_an_import_that_changes_nothing_does_not_rewrite(
    con: duckdb.DuckDBPyConnection, reference_files: list[Path], tmp_path: Path
) -> None:
    path = _persons(tmp_path / "persons.csv", [("S2", "110108"), ("S1", "110000")])
    import_files(con, [*reference_files, path])
    events: list[ImportProgress] = []
    import_files(con, [path], progress=events.append)
    assert [e for e in events if e.phase == "ordering"] == []
