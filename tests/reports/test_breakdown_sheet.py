"""The workbook's breakdown sheet: every declared breakdown of the organ, as the engine
computes it, with the total, in the workbook's language."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest

import kaoping

from .conftest import PERIOD, PROVINCE, Built


def _blocks(ws: openpyxl.worksheet.worksheet.Worksheet) -> dict[str, list[tuple[object, ...]]]:
    """Title -> the rows of its block (header row left out)."""
    out: dict[str, list[tuple[object, ...]]] = {}
    title = None
    for row in ws.iter_rows(values_only=True):
        if row[0] is None:
            title = None
        elif title is None:
            title = str(row[0])
            out[title] = []
        elif row[0] not in ("类别", "Category"):
            out[title].append(row)
    return out


def test_the_sheet_holds_every_declared_breakdown(reports: Built, warehouse: Path) -> None:
    wb = openpyxl.load_workbook(reports["xlsx", "zh"])
    assert "分类统计" in wb.sheetnames and wb.sheetnames[-1] == "指标定义"
    blocks = _blocks(wb["分类统计"])
    with kaoping.Warehouse(warehouse) as wh:
        b = wh.breakdown("non_arrest_rate", organ=PROVINCE, period=PERIOD, by="crime_chapter")
        declared = [(i, by) for i in ("non_arrest_rate", "persons_prosecuted")
                    for by in wh.definition(i).breakdowns]
    assert "不捕率：按罪名所属章（刑法分则）" in blocks
    rows = blocks["不捕率：按罪名所属章（刑法分则）"]
    assert [r[0] for r in rows] == [*(r.category.label_zh for r in b.rows), "合计"]
    for got, want in zip(rows, (*b.rows, b.total), strict=True):
        assert got[2:4] == (want.numerator, want.denominator)
        assert got[1] == (pytest.approx(want.value) if want.value is not None else None)
    assert len(blocks) >= len(declared)


def test_the_english_sheet(reports: Built) -> None:
    wb = openpyxl.load_workbook(reports["xlsx", "en"])
    blocks = _blocks(wb["Breakdowns"])
    rows = blocks["Persons prosecuted by Minor"]
    assert [r[0] for r in rows] == ["Yes", "No", "Unknown or other", "Total"]
    assert rows[-1][4] == pytest.approx(1.0)  # the shares of a count add up to the whole
    assert sum(r[2] for r in rows[:-1]) == rows[-1][2]
