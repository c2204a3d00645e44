"""Every organ as a subject, read at once (:func:`kaoping.engine.tree.organ_subjects`):
what the pandas hierarchy every computation uses says of each organ -- its parent, level,
names, and the organs below it in the same order -- and nothing when the tree is broken."""

from __future__ import annotations

from pathlib import Path

import duckdb
import ibis
import pandas as pd
from tests.engine import test_compute as hand
from tests.engine.engine_data import ORGANS, build_warehouse

from kaoping.engine.compute import load_organs
from kaoping.engine.tree import organ_subject, organ_subjects


def test_every_organ_reads_as_the_hierarchy_says(tmp_path: Path) -> None:
    path = build_warehouse(tmp_path / "w.duckdb", hand.PERSONS)
    with duckdb.connect(str(path), read_only=True) as con:
        subjects = organ_subjects(con)
        h = load_organs(ibis.duckdb.from_connection(con))
        one = organ_subject(con, "110100")
    assert subjects is not None and sorted(subjects) == sorted(c for c, *_ in ORGANS)
    assert one == subjects["110100"]
    for code, s in subjects.items():
        row = h.organ(code)
        assert (s.code, s.organ_code, s.kind) == (code, code, "organ")
        assert s.level == int(str(row["level"]))
        parent = row["parent_code"]
        assert s.parent_code == (None if pd.isna(parent) else parent)
        assert (s.name_zh, s.name_en) == (row["name_zh"], row["name_en"])
        assert list(s.organs) == h.descendants(code), code
    assert len(subjects["100000"].organs) == len(ORGANS)  # the root: every organ


def test_a_broken_tree_reads_as_no_subjects(tmp_path: Path) -> None:
    path = build_warehouse(tmp_path / "w.duckdb", hand.PERSONS)
    with duckdb.connect(str(path)) as con:
        con.execute("UPDATE organs SET parent_code = '110101' WHERE organ_code = '110100'")
        assert organ_subjects(con) is None
        assert organ_subject(con, "110101") is None
