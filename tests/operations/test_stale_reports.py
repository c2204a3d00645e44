"""Every report says when its figures are older than the data (xlsx, docx, pdf)."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pandas as pd
from docx import Document
from openpyxl import load_workbook
from tests.operations.ops import compute_args, run

from kaoping.synth import generate_dataset


def _texts_xlsx(path: Path) -> str:
    wb = load_workbook(path, read_only=True)
    return "\n".join(str(c) for ws in wb.worksheets for row in ws.iter_rows(values_only=True)
                     for c in row if c is not None)


def test_reports_name_stale_figures(tmp_path: Path) -> None:
    files = generate_dataset(tmp_path / "data", persons=2000, years=(2019, 2020), seed=9,
                             fmt="parquet")
    db = tmp_path / "kaoping.duckdb"
    run(db, "import", *[str(p) for p in files.values()])
    run(db, *compute_args())

    def reports(tag: str, formats: tuple[str, ...]) -> dict[str, str]:
        out = {}
        for fmt in formats:
            path = tmp_path / f"{tag}.{fmt}"
            run(db, "report", "--period", "2020", "--format", fmt, "--lang", "zh",
                "--out", str(path))
            if fmt == "xlsx":
                out[fmt] = _texts_xlsx(path)
            elif fmt == "docx":
                out[fmt] = "\n".join(p.text for p in Document(str(path)).paragraphs)
            else:
                out[fmt] = subprocess.run(["pdftotext", str(path), "-"], capture_output=True,
                                          text=True, check=True).stdout
        return out

    fresh = reports("fresh", ("xlsx",))
    assert all("请重新计算" not in text for text in fresh.values())
    persons = pd.read_parquet(files["persons"]).head(10)
    persons["sentence_months"] = persons["sentence_months"].fillna(0) + 3
    fix = tmp_path / "fix" / "persons.parquet"
    fix.parent.mkdir()
    persons.to_parquet(fix, index=False)
    run(db, "import", str(fix))
    stale = reports("stale", ("xlsx", "docx", "pdf"))
    for fmt, text in stale.items():
        flat = "".join(text.split())
        assert "请重新计算" in flat, f"{fmt} does not say its figures are older than the data"
