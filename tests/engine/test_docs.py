"""docs/engine.md describes the results the engine actually gives."""

from __future__ import annotations

import re
from pathlib import Path

from kaoping.engine.store import RESULTS_COLUMNS

DOC = Path(__file__).resolve().parents[2] / "docs" / "engine.md"


def test_results_table_columns_are_documented_in_order() -> None:
    text = DOC.read_text(encoding="utf-8")
    section = text.split("## The results: `indicator_values`", 1)[1].split("\n## ", 1)[0]
    rows = re.findall(r"^\| `(\w+)` \| (\w+(?:\[\])?) \|", section, re.M)
    assert rows == [(c, t) for c, (t, _) in RESULTS_COLUMNS.items()]
