"""docs/catalogue.md lists the default catalogue as it is, and its example loads."""

from __future__ import annotations

import re
from pathlib import Path

from kaoping.catalogue import load_catalogue
from kaoping.catalogue.docs import render

DOC = Path(__file__).resolve().parents[2] / "docs" / "catalogue.md"


def test_the_indicator_table_is_current() -> None:
    text = DOC.read_text(encoding="utf-8")
    assert render(text, load_catalogue(paths=[])) == text, (
        "docs/catalogue.md is stale: run `python -m kaoping.catalogue.docs docs/catalogue.md`"
    )


def test_the_example_can_be_pasted(tmp_path: Path) -> None:
    text = DOC.read_text(encoding="utf-8")
    example = re.search(r"```yaml\n(.*?)```", text, re.S)
    assert example is not None
    path = tmp_path / "mine.yaml"
    path.write_text(example.group(1), encoding="utf-8")
    catalogue = load_catalogue([path])
    assert "minor_theft_non_prosecution_rate" in catalogue
    assert catalogue.warnings == []
