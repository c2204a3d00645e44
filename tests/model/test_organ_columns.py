"""The engine finds the organ tree, and each record's organ, where the model declares them
(`hierarchy:` and `references:`), not under the default model's names."""

from __future__ import annotations

from pathlib import Path

from kaoping.catalogue import check_files
from kaoping.catalogue.load import default_catalogue_applies
from kaoping.model.organs import has_prosecutors, organ_column, organ_columns
from kaoping.model.selection import default_model, use_model

US = Path(__file__).resolve().parents[2] / "src/kaoping/model/examples/us_county.yaml"


def test_the_default_model_keeps_its_organs_table_and_prosecutors() -> None:
    model = default_model()
    o = organ_columns(model)
    assert (o.table, o.code, o.parent, o.level) == ("organs", "organ_code", "parent_code", "level")
    assert (o.name_zh, o.name_en) == ("name_zh", "name_en")
    assert organ_column("persons", model) == "organ_code"
    assert organ_column("crimes", model) is None
    assert has_prosecutors(model)


def test_the_us_model_names_its_offices_and_keeps_no_prosecutors() -> None:
    with use_model(US) as model:
        o = organ_columns()
        assert (o.table, o.code, o.name_en) == ("offices", "office_code", "office_name")
        assert {t: organ_column(t) for t in model.tables} == dict.fromkeys(
            model.tables, "office_code"
        )
        assert not has_prosecutors()
        assert not default_catalogue_applies()
    assert default_catalogue_applies()


def test_an_indicator_over_a_table_without_an_organ_is_a_catalogue_error(tmp_path: Path) -> None:
    model = tmp_path / "with_notes.yaml"
    model.write_text(
        f"model: with_notes\nextends: {US}\ntables:\n"
        "  - name: notes\n    label: {en: notes}\n    key: [note_id]\n    columns:\n"
        "      - {name: note_id, type: text, label: {en: note id}, required: true}\n"
        "      - {name: written, type: date, label: {en: written}}\n",
        encoding="utf-8",
    )
    cat = tmp_path / "notes.yaml"
    cat.write_text(
        "indicators:\n  - id: notes_written\n    name_zh: 笔记\n    name_en: Notes written\n"
        "    definition_zh: 笔记\n    definition_en: Notes written in the period.\n"
        "    unit: count\n    numerator: {table: notes, date: written}\n"
        "    direction: higher_is_better\n    family: notes\n    aspect: 4\n",
        encoding="utf-8",
    )
    with use_model(model):
        result = check_files([cat])
    (error,) = result.errors
    assert "notes_written" in str(error)
    assert "table `notes` has no column that references `offices.office_code`" in str(error)
