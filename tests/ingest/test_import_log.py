"""Every import is logged (who, when, file, hash, counts) and listed; a dry run changes nothing."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from pathlib import Path

import duckdb
from tests.ingest.ingest_data import checksum, count
from tests.ingest.test_ingest_cli import flat
from tests.ingest.test_partial_columns import (
    ARREST_HEADER,
    FULL_HEADER,
    FULL_ROWS,
    arrest_rows,
    csv,
)
from typer.testing import CliRunner

from kaoping.cli import app
from kaoping.ingest import import_files, list_imports
from kaoping.warehouse import connect, data_version

runner = CliRunner()


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def invoke(args: list[str], user: str = "clerk-wang") -> tuple[str, str]:
    # getpass.getuser() reads LOGNAME first, then USER; a wide terminal keeps Rich's tables
    # from folding values inside words
    env = {"LOGNAME": user, "USER": user, "COLUMNS": "250"}
    result = runner.invoke(app, args, env=env)
    assert result.exit_code == 0, result.output
    return flat(result.stdout), flat(result.stderr)


def test_imports_lists_who_when_file_hash_and_counts_newest_first(
    db_path: Path, reference_files: list[Path], tmp_path: Path
) -> None:
    full = csv(tmp_path / "persons_full.csv", FULL_HEADER, FULL_ROWS)
    arrest = csv(tmp_path / "persons_arrest.csv", ARREST_HEADER, arrest_rows({"S3": "不捕"}))
    before = dt.datetime.now()
    invoke(["import", *map(str, reference_files), str(full), "--db", str(db_path)])
    out, _ = invoke(["import", str(arrest), "--db", str(db_path)], user="clerk-li")

    n = len(FULL_ROWS)
    assert (
        f"imported {n} rows into {db_path}: 0 inserted, 1 updated (columns: arrest_decision), "
        f"{n - 1} unchanged" in out
    )
    listed, _ = invoke(["imports", "--json", "--db", str(db_path)])
    records = json.loads(listed)
    assert len(records) == len(reference_files) + 2
    newest, full_record = records[0], records[1]
    assert newest["user"] == "clerk-li" and full_record["user"] == "clerk-wang"
    assert (newest["file_name"], newest["file"]) == (arrest.name, str(arrest.resolve()))
    assert (newest["sha256"], full_record["sha256"]) == (sha256(arrest), sha256(full))
    assert (newest["table"], newest["rows_read"]) == ("persons", n)
    counts = ("rows_inserted", "rows_updated", "rows_unchanged", "rows_quarantined")
    assert [newest[c] for c in counts] == [0, 1, n - 1, 0]
    assert [full_record[c] for c in counts] == [n, 0, 0, 0]
    assert (newest["columns_updated"], newest["cells_updated"]) == (["arrest_decision"], 1)
    assert dt.datetime.fromisoformat(newest["finished_at"]) >= before
    assert newest["finished_at"] >= full_record["finished_at"]

    table, _ = invoke(["imports", "--limit", "1", "--db", str(db_path)])
    assert sha256(arrest)[:10] in table and "clerk-li" in table
    assert sha256(full)[:10] not in table
    assert "1 imports shown" in table


def test_an_explicit_user_is_logged(
    con: duckdb.DuckDBPyConnection, reference_files: list[Path]
) -> None:
    import_files(con, reference_files, user="web:alice")
    assert {r.user for r in list_imports(con)} == {"web:alice"}


def test_a_warehouse_of_an_earlier_version_is_upgraded_and_still_listed(db_path: Path) -> None:
    old = duckdb.connect(str(db_path))
    old.execute(
        "CREATE TABLE imports (import_id VARCHAR, file VARCHAR, table_name VARCHAR, "
        "sha256 VARCHAR, encoding VARCHAR, rows_read BIGINT, rows_loaded BIGINT, "
        "rows_quarantined BIGINT, started_at TIMESTAMP, finished_at TIMESTAMP)"
    )
    when = dt.datetime(2020, 5, 1, 8, 30)
    old.execute(
        "INSERT INTO imports VALUES ('x', '/data/organs.csv', 'organs', 'ab', NULL, 3, 3, 0, ?, ?)",
        [when, when],
    )
    old.close()

    with connect(db_path, read_only=True) as ro:  # read-only: not upgraded, still listed
        (record,) = list_imports(ro)
    assert (record.file_name, record.user, record.rows_inserted) == ("organs.csv", None, None)
    with connect(db_path) as con:  # writable: upgraded in place, the old row kept
        (record,) = list_imports(con)
        names = {r[0] for r in con.execute("DESCRIBE imports").fetchall()}
    assert {"imported_by", "rows_inserted", "columns_updated"} <= names
    assert (record.finished_at, record.rows_loaded, record.columns_updated) == (when, 3, None)


def test_dry_run_changes_nothing_and_says_what_would_change(
    db_path: Path, reference_files: list[Path], tmp_path: Path
) -> None:
    full = csv(tmp_path / "persons_full.csv", FULL_HEADER, FULL_ROWS)
    invoke(["import", *map(str, reference_files), str(full), "--db", str(db_path)])
    with connect(db_path, read_only=True) as con:
        version, logged = data_version(con), count(con, "imports")
        stored = {t: checksum(con, t) for t in ("persons", "quarantine")}
    bytes_before, mtime_before = sha256(db_path), db_path.stat().st_mtime_ns
    rows = [*arrest_rows({"S1": "not_approved"}), "S9,2020-05-01,2020-05-05,approved"]
    arrest = csv(tmp_path / "persons_arrest.csv", ARREST_HEADER, rows)

    out, _ = invoke(["import", str(arrest), "--dry-run", "--db", str(db_path)])

    n = len(FULL_ROWS)
    assert (
        f"dry run: nothing was changed in {db_path}; the import would take {n} rows: "
        f"0 inserted, 1 updated (columns: arrest_decision), {n - 1} unchanged; "
        "1 row would be quarantined" in out
    )
    # a table cell may fold its text over lines, between the table's borders
    cells = "".join(ch for ch in out if not ch.isspace() and ch not in "│┃")
    assert "would be quarantined" in out and "newrecord:requiredcolumncase_id" in cells
    assert (sha256(db_path), db_path.stat().st_mtime_ns) == (bytes_before, mtime_before)
    assert not list(tmp_path.glob(f".{db_path.name}.next-*"))
    with connect(db_path, read_only=True) as con:
        assert data_version(con) == version
        assert count(con, "imports") == logged
        assert {t: checksum(con, t) for t in ("persons", "quarantine")} == stored
    # and the real import does what the dry run said
    out, _ = invoke(["import", str(arrest), "--db", str(db_path)])
    assert f"0 inserted, 1 updated (columns: arrest_decision), {n - 1} unchanged" in out
    with connect(db_path, read_only=True) as con:
        assert data_version(con) == version + 1
        assert count(con, "imports") == logged + 1
