"""Choosing another model, or extending the default: every part of kaoping follows the
active model (issue 15) -- the importer keeps a province's own column, the warehouse
gains it and records the model, and the docs and the catalogue checker know it."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest
from tests.ingest.ingest_data import CRIMES_CSV, ORGANS_CSV, PROSECUTORS_CSV, write_text
from tests.model.model_files import PROVINCE, write
from typer.testing import CliRunner

from kaoping.catalogue import check_files
from kaoping.cli import app
from kaoping.ingest import import_files
from kaoping.ingest.docs import render_data_format
from kaoping.model.schema import LOAD_ORDER, ORGANS, TABLES
from kaoping.model.selection import active, default_model, use_model
from kaoping.warehouse import connect, recorded_model

#: a province's export: the canonical headers plus its own 承办部门
PERSONS_CSV = """\
嫌疑人编号,案件编号,院代码,承办检察官编号,罪名代码,是否未成年人,承办部门
S001,A001,110108,P001,C133_1,否,第一检察部
S002,A002,110108,P002,C264,是,第九检察部
"""


@pytest.fixture
def province(tmp_path: Path) -> Path:
    return write(tmp_path / "guangdong.yaml", PROVINCE)


def _reference(tmp_path: Path) -> list[Path]:
    ref = tmp_path / "reference"
    ref.mkdir(exist_ok=True)
    return [
        write_text(ref / "organs.csv", ORGANS_CSV),
        write_text(ref / "crimes.csv", CRIMES_CSV),
        write_text(ref / "prosecutors.csv", PROSECUTORS_CSV),
    ]


def _columns(con: duckdb.DuckDBPyConnection, table: str) -> list[str]:
    return [d[0] for d in con.execute(f'SELECT * FROM "{table}" LIMIT 0').description or ()]


def test_the_default_model_is_active_unless_another_is_chosen() -> None:
    assert active() is default_model()
    assert TABLES["organs"] is ORGANS
    assert "handling_department" not in TABLES["persons"].column_names


def test_use_model_switches_every_view_and_restores_the_default(province: Path) -> None:
    with use_model(province) as model:
        assert model.name == "guangdong" and model.extends == "default"
        assert TABLES["persons"].column_names[-1] == "handling_department"
        assert TABLES["persons"].column("handling_department").label_zh == "承办部门"
        assert LOAD_ORDER[-1] == "returns_for_investigation"
        assert list(LOAD_ORDER) == [*default_model().tables, "returns_for_investigation"]
        # what the default declares stays as it was
        assert TABLES["persons"].columns[:-1] == default_model().tables["persons"].columns
    assert "returns_for_investigation" not in TABLES


def test_the_setting_names_the_active_model(
    province: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KAOPING_MODEL", str(province))
    assert active().name == "guangdong"
    assert "returns_for_investigation" in TABLES
    monkeypatch.setenv("KAOPING_MODEL", "default")
    assert active() is default_model()


def test_the_default_model_drops_the_provinces_column_with_a_warning(tmp_path: Path) -> None:
    con = connect(tmp_path / "default.duckdb")
    persons = write_text(tmp_path / "persons.csv", PERSONS_CSV)
    *_, report = import_files(con, [*_reference(tmp_path), persons])
    assert report.table == "persons" and report.rows_loaded == 2
    assert "ignored columns that are not in persons: 承办部门" in report.warnings
    assert "handling_department" not in _columns(con, "persons")
    con.close()


def test_an_extended_model_keeps_the_provinces_column(tmp_path: Path, province: Path) -> None:
    persons = write_text(tmp_path / "persons.csv", PERSONS_CSV)
    with use_model(province):
        con = connect(tmp_path / "province.duckdb")
        *_, report = import_files(con, [*_reference(tmp_path), persons])
        stored = con.execute(
            "SELECT person_id, handling_department FROM persons ORDER BY person_id"
        ).fetchall()
        recorded = recorded_model(con, created=True)
        con.close()
    assert report.warnings == ()
    assert stored == [("S001", "第一检察部"), ("S002", "第九检察部")]
    assert recorded is not None and recorded["name"] == "guangdong"
    assert recorded["source"] == str(province)


def test_a_default_warehouse_gains_the_columns_of_a_model_extending_it(
    tmp_path: Path, province: Path
) -> None:
    path = tmp_path / "w.duckdb"
    con = connect(path)
    import_files(con, _reference(tmp_path))
    con.close()
    with use_model(province):
        con = connect(path)
        assert "handling_department" in _columns(con, "persons")
        assert _columns(con, "returns_for_investigation") == ["return_id", "person_id", "reason"]
        created, latest = recorded_model(con, created=True), recorded_model(con)
        con.close()
    assert created is not None and created["name"] == "default"
    assert latest is not None and latest["name"] == "guangdong"
    assert created["sha256"] != latest["sha256"]


def test_a_new_tables_references_are_checked_and_bad_rows_quarantined(
    tmp_path: Path, province: Path
) -> None:
    persons = write_text(tmp_path / "persons.csv", PERSONS_CSV)
    returns = write_text(
        tmp_path / "returns_for_investigation.csv",
        "退补编号,嫌疑人编号,退回原因\nR1,S001,证据不足\nR2,S999,事实不清\n",
    )
    with use_model(province):
        con = connect(tmp_path / "w.duckdb")
        *_, report = import_files(con, [*_reference(tmp_path), persons, returns])
        kept = con.execute("SELECT return_id, reason FROM returns_for_investigation").fetchall()
        quarantined = con.execute(
            "SELECT row_number, column_name, value FROM quarantine "
            "WHERE table_name = 'returns_for_investigation'"
        ).fetchall()
        con.close()
    assert report.table == "returns_for_investigation"
    assert (report.rows_loaded, report.rows_quarantined) == (1, 1)
    assert kept == [("R1", "证据不足")]
    assert quarantined == [(3, "person_id", "S999")]


def test_the_docs_generator_describes_the_active_model(province: Path) -> None:
    assert "handling_department" not in render_data_format()
    with use_model(province):
        doc = render_data_format()
    assert "| `handling_department` | 承办部门 |" in doc
    assert "### returns_for_investigation — 退回补充侦查" in doc
    assert f"Generated from {province}" in doc


INDICATOR = """\
indicators:
  - id: persons_by_first_department
    name_zh: 第一检察部承办人数
    name_en: Persons handled by the first department
    definition_zh: 承办部门为第一检察部的犯罪嫌疑人人数。
    definition_en: Persons whose handling department is the first department.
    unit: count
    numerator:
      table: persons
      filter: handling_department = '第一检察部'
      date: prosecution_review_concluded
    direction: higher_is_better
    family: prosecution_review
    aspect: 4
"""


def test_the_catalogue_checker_knows_the_active_models_columns(
    tmp_path: Path, province: Path
) -> None:
    path = write(tmp_path / "mine.yaml", INDICATOR)
    under_default = check_files([path], include_default=False)
    assert any("handling_department" in p.message for p in under_default.errors)
    with use_model(province):
        under_province = check_files([path], include_default=False)
    assert under_province.errors == [], [str(p) for p in under_province.errors]


def test_the_model_option_of_the_cli_imports_with_that_model(
    tmp_path: Path, province: Path
) -> None:
    db = tmp_path / "cli.duckdb"
    persons = write_text(tmp_path / "persons.csv", PERSONS_CSV)
    files = [str(p) for p in [*_reference(tmp_path), persons]]
    result = CliRunner().invoke(
        app, ["--model", str(province), "import", *files, "--db", str(db)], env={}
    )
    assert result.exit_code == 0, result.output
    assert active() is default_model()  # the option held for that command only
    con = duckdb.connect(str(db), read_only=True)
    stored = con.execute("SELECT handling_department FROM persons ORDER BY 1").fetchall()
    con.close()
    assert stored == [("第一检察部",), ("第九检察部",)]


def test_the_cli_refuses_a_broken_model_before_running_the_command(tmp_path: Path) -> None:
    bad = write(tmp_path / "bad.yaml", PROVINCE.replace("type: text", "type: string", 1))
    result = CliRunner().invoke(app, ["--model", str(bad), "indicators", "list"])
    assert result.exit_code == 1
    assert f"{bad}:7: table `persons`: column `handling_department`" in result.output
    assert "'string' is not a valid type" in result.output
