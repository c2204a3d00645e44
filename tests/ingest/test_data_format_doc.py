"""docs/data-format.md is generated from the schema and must not drift from it."""

from __future__ import annotations

from pathlib import Path

from kaoping.ingest.docs import render_data_format
from kaoping.model.schema import ENUMERATIONS, TABLES

DOC = Path(__file__).resolve().parents[2] / "docs" / "data-format.md"


def test_committed_doc_equals_the_rendered_one() -> None:
    assert DOC.read_text(encoding="utf-8") == render_data_format(), (
        "docs/data-format.md is stale: python -m kaoping.ingest.docs > docs/data-format.md"
    )


def test_doc_names_every_column_header_and_spelling() -> None:
    doc = render_data_format()
    for tbl in TABLES.values():
        assert f"### {tbl.name} — {tbl.label_zh}" in doc
        for col in tbl.columns:
            assert f"| `{col.name}` | {col.label_zh} |" in doc
            assert all(alias in doc for alias in col.aliases)
    for enum in ENUMERATIONS.values():
        for spelling in enum.aliases():
            assert spelling in doc
    assert "| `case_id` | 案件编号 |" in doc
