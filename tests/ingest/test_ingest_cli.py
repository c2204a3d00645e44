"""`kaoping import` and `kaoping quarantine` as a user runs them."""

from __future__ import annotations

import json
from pathlib import Path

from tests.ingest.ingest_data import count
from typer.testing import CliRunner

from kaoping.cli import app
from kaoping.warehouse import connect

runner = CliRunner()


def flat(text: str) -> str:
    """Rich wraps long lines at the terminal width; compare words, not line breaks."""
    return " ".join(text.split())


def test_import_prints_a_summary_and_exits_0_despite_bad_rows(
    db_path: Path, reference_files: list[Path], persons_gbk: Path
) -> None:
    result = runner.invoke(
        app, ["import", str(persons_gbk), str(reference_files[0].parent), "--db", str(db_path)]
    )

    assert result.exit_code == 0, result.output
    out = flat(result.stdout)
    assert "imported 10 rows" in out
    assert "8 rows quarantined, see `kaoping quarantine`" in out
    assert "gb18030" in out
    assert "ignored columns that are not in persons: 备注" in flat(result.stderr)
    with connect(db_path, read_only=True) as con:
        assert count(con, "persons") == 3


def test_quarantine_lists_reasons_as_table_and_json(
    db_path: Path, reference_files: list[Path], persons_gbk: Path
) -> None:
    runner.invoke(
        app, ["import", str(persons_gbk), *map(str, reference_files), "--db", str(db_path)]
    )

    table = runner.invoke(
        app, ["quarantine", "--table", "persons", "--limit", "2", "--db", str(db_path)]
    )
    as_json = runner.invoke(
        app, ["quarantine", "--file", persons_gbk.name, "--json", "--db", str(db_path)]
    )

    assert table.exit_code == 0, table.output
    assert "2 of 9 quarantined values shown" in flat(table.stdout)
    assert "2020-13-45" in table.stdout
    rows = json.loads(as_json.stdout)
    assert [(r["row"], r["column"]) for r in rows][:2] == [
        (4, "arrest_review_received"),
        (5, "arrest_decision"),
    ]
    assert rows[0]["record"]["嫌疑人编号"] == "S003"
    assert len(rows) == 9


def test_unreadable_file_exits_non_zero_with_one_error(db_path: Path, tmp_path: Path) -> None:
    path = tmp_path / "persons.txt"
    path.write_text("x")

    result = runner.invoke(app, ["import", str(path), "--db", str(db_path)])

    assert result.exit_code == 1
    expected = f"error: {path}: unsupported file type '.txt'; expected .csv, .xlsx or .parquet"
    # Rich may wrap the long path anywhere, even inside a word: compare without whitespace.
    assert "".join(result.stderr.split()) == "".join(expected.split())


def test_quarantine_without_a_warehouse_says_how_to_get_one(tmp_path: Path) -> None:
    result = runner.invoke(app, ["quarantine", "--db", str(tmp_path / "none.duckdb")])
    assert result.exit_code == 1
    assert "run `kaoping import`" in flat(result.stderr)
