"""A US county prosecutor's model, written as a user would: `kaoping model check` takes it,
and the importer loads its tables -- no arrest review, nothing Chinese (issue 15)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from tests.ingest.ingest_data import write_text
from typer.testing import CliRunner

from kaoping.cli import app
from kaoping.ingest import import_files
from kaoping.model.load import check_model
from kaoping.model.selection import use_model
from kaoping.warehouse import connect

US = Path(__file__).resolve().parents[2] / "src/kaoping/model/examples/us_county.yaml"


def test_model_check_accepts_the_us_model() -> None:
    result = CliRunner().invoke(app, ["model", "check", str(US)])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("ok: model us_county: 5 tables")
    assert "languages en, es (required: en)" in result.output


def test_the_us_model_holds_the_stages_and_breakdown_columns_of_a_us_office() -> None:
    model, problems = check_model(US)
    assert problems == [] and model is not None
    assert list(model.tables) == ["offices", "intake", "initiation", "disposition", "sentencing"]
    assert not any("arrest" in name for t in model.tables.values() for name in t.column_names)
    intake = model.tables["intake"]
    for column, enum in [
        ("offense_category", "offense_category"),
        ("felony_class", "felony_class"),
        ("sex", "sex"),
        ("race", "race"),
    ]:
        assert intake.column(column).enum is model.enumerations[enum]
    assert model.tables["disposition"].key == ("case_participant_id", "charge_id")
    assert model.required_languages == ("en",)
    assert all("zh" not in c.labels for t in model.tables.values() for c in t.columns)


def test_an_intake_export_loads_under_the_us_model(tmp_path: Path) -> None:
    offices = write_text(
        tmp_path / "offices.csv",
        "office_code,parent_code,level,office_name\nIL,,1,Illinois\nCOOK,IL,2,Cook County\n",
    )
    intake = write_text(
        tmp_path / "intake.csv",
        "CASE_PARTICIPANT_ID,CASE_ID,office_code,RECEIVED_DATE,OFFENSE_CATEGORY,CLASS,GENDER,"
        "RACE,FR_RESULT,FR_DATE\n"
        "P1,C1,COOK,2020-01-02,drug,4,M,White Hispanic,Charges approved,2020-01-03\n"
        "P2,C2,COOK,2020-01-05,theft,X,F,Black,rejected,2020-01-04\n",
    )
    with use_model(US):
        con = connect(tmp_path / "us.duckdb")
        reports = import_files(con, [offices, intake])
        stored = con.execute(
            "SELECT case_participant_id, received, offense_category, felony_class, sex, race, "
            "decision FROM intake"
        ).fetchall()
        problems = con.execute(
            "SELECT row_number, column_name, value FROM quarantine ORDER BY column_name"
        ).fetchall()
        tables = {r[0] for r in con.execute("SHOW TABLES").fetchall()}
        con.close()
    assert [(r.table, r.rows_loaded, r.rows_quarantined) for r in reports] == [
        ("offices", 2, 0),
        ("intake", 1, 1),
    ]
    # spellings of the export (4, M, White Hispanic, a label) stored as the model's codes
    assert stored == [
        ("P1", dt.date(2020, 1, 2), "drug", "class_4", "male", "hispanic", "approved")
    ]
    # P2: an offense category the model does not list, and a decision before the referral
    assert problems == [(3, "decided", "2020-01-04"), (3, "offense_category", "theft")]
    assert "persons" not in tables and {"intake", "sentencing"} <= tables
