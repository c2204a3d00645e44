"""Reports re-read with independent readers: openpyxl, python-docx, poppler.

Every figure checked is compared with what ``kaoping show --json`` prints for the same
indicator, organ and period. One module, so the warehouse is built once per worker.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import docx
import openpyxl
import pytest
from openpyxl.worksheet.worksheet import Worksheet
from typer.testing import CliRunner

import kaoping
from kaoping.catalogue.models import FAMILIES
from kaoping.cli import app
from kaoping.narrative.numbers import format_value

from .conftest import PERIOD, PROVINCE, Built, show

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


@pytest.fixture(autouse=True)
def _poppler_is_installed() -> None:
    # the independent PDF reader is part of the test set-up, not optional: fail loudly
    for tool in ("pdftotext", "pdftoppm", "pdffonts"):
        assert shutil.which(tool), f"{tool} missing: run scripts/install-system-deps.sh"


def _names(warehouse: Path, organ: str) -> tuple[str, str]:
    with kaoping.Warehouse(warehouse) as wh:
        o = wh.organ(organ)
    return o.name_zh, o.name_en


# --- xlsx -----------------------------------------------------------------------------


def _block(ws: Worksheet, indicator_name: str, organ: str) -> list[Any]:
    """The seven cells (value ... flags) of an indicator for an organ."""
    row = next(r for r in range(4, ws.max_row + 1) if ws.cell(r, 1).value == organ)
    col = next(c for c in range(3, ws.max_column + 1) if ws.cell(2, c).value == indicator_name)
    return [ws.cell(row, col + i).value for i in range(7)]


@pytest.mark.parametrize(
    "indicator",
    [
        "non_arrest_rate",
        "persons_prosecuted",
        "case_proceeding_ratio",
        "avg_prosecution_review_days",
    ],
)
def test_xlsx_figures_equal_show(
    reports: Built, warehouse: Path, child_organ: str, indicator: str
) -> None:
    wb = openpyxl.load_workbook(reports["xlsx", "zh"])
    for organ in (PROVINCE, child_organ):
        expected = show(warehouse, indicator, organ)
        family = FAMILIES[kaoping.Warehouse(warehouse).definition(indicator).family][0]
        value, num, den, prev, change, rank, _flags = _block(wb[family], expected["name_zh"], organ)
        assert value == pytest.approx(expected["value"])
        assert num == pytest.approx(expected["numerator"])
        assert den == (
            pytest.approx(expected["denominator"]) if expected["denominator"] is not None else None
        )
        assert prev == pytest.approx(expected["previous"])
        assert change == pytest.approx(expected["change"])
        assert rank == expected["rank"]


def test_xlsx_layout(reports: Built, warehouse: Path) -> None:
    wb = openpyxl.load_workbook(reports["xlsx", "zh"])
    assert wb.sheetnames[0] == "说明" and wb.sheetnames[-1] == "指标定义"
    assert {"审查逮捕", "审查起诉", "案件比", "检察建议"} <= set(wb.sheetnames)
    ws = wb["审查逮捕"]
    assert ws.freeze_panes == "C4"
    name_zh, _ = _names(warehouse, PROVINCE)
    assert name_zh in str(ws["A1"].value)
    assert ws.cell(4, 2).value.startswith(name_zh)
    value_col = next(c for c in range(3, ws.max_column + 1) if ws.cell(2, c).value == "不捕率")
    assert ws.cell(5, value_col).number_format == "0.0%"
    assert ws.cell(5, value_col + 1).number_format == "#,##0"
    assert "百分点" in ws.cell(5, value_col + 4).number_format
    # out-of-range values are highlighted by a rule on the value column
    letter = openpyxl.utils.get_column_letter(value_col)
    rules = {str(cf.sqref): cf.rules for cf in ws.conditional_formatting}
    assert any(letter in ref and r[0].operator == "notBetween" for ref, r in rules.items())
    definitions = wb["指标定义"]
    ids = [definitions.cell(r, 1).value for r in range(2, definitions.max_row + 1)]
    assert "non_arrest_rate" in ids


def test_xlsx_english(reports: Built, warehouse: Path) -> None:
    wb = openpyxl.load_workbook(reports["xlsx", "en"])
    assert "Arrest review" in wb.sheetnames and wb.sheetnames[-1] == "Definitions"
    _, name_en = _names(warehouse, PROVINCE)
    assert wb["Arrest review"].cell(4, 2).value.startswith(name_en)


def test_xlsx_formula_like_text_stays_text(warehouse: Path, tmp_path: Path) -> None:
    """A definition that looks like a formula is written as text, never evaluated."""
    from kaoping.catalogue import load_catalogue
    from kaoping.reports import write_report

    cat = load_catalogue()
    evil = '=HYPERLINK("http://example.com","不捕率")'
    changed = [
        i.model_copy(update={"definition_zh": evil, "name_zh": "+不捕率"})
        if i.id == "non_arrest_rate"
        else i
        for i in cat.indicators
    ]
    out = write_report(
        warehouse,
        organ=PROVINCE,
        period=PERIOD,
        fmt="xlsx",
        lang="zh",
        out=tmp_path / "evil.xlsx",
        catalogue=cat.model_copy(update={"indicators": changed}),
    )
    wb = openpyxl.load_workbook(out)
    ws = wb["指标定义"]
    row = next(r for r in range(2, ws.max_row + 1) if ws.cell(r, 1).value == "non_arrest_rate")
    cell = ws.cell(row, 8)
    assert cell.value == evil and cell.data_type == "s"
    header = next(c for c in wb["审查逮捕"][2] if c.value == "+不捕率")
    assert header.data_type == "s"


# --- docx -----------------------------------------------------------------------------


def _docx_text(path: Path) -> tuple[str, list[list[list[str]]]]:
    d = docx.Document(str(path))
    text = "\n".join(p.text for p in d.paragraphs)
    tables = [[[c.text for c in row.cells] for row in t.rows] for t in d.tables]
    return text, tables


def _league(tables: list[list[list[str]]], first: str) -> list[list[str]]:
    """The first annex league table (non-arrest rate): header begins with ``first``."""
    return next(t for t in tables if t[0][0] == first and len(t[0]) == 6)


def _fraction(figure: dict[str, Any]) -> str:
    return f"{figure['numerator']:,}/{figure['denominator']:,}"


def test_docx_briefing_figures_equal_show(
    reports: Built, warehouse: Path, child_organ: str
) -> None:
    path = reports["docx", "zh"]
    text, tables = _docx_text(path)
    name_zh, _ = _names(warehouse, PROVINCE)
    assert f"{name_zh}2020年上半年" in text
    for heading in (
        "一、主要业务数据",
        "二、超出合理区间的指标",
        "三、同比变化较大的指标",
        "四、下级院考评排名",
        "五、检察官考评等次分布",
        "附：主要比率指标各院情况",
    ):
        assert heading in text
    own = show(warehouse, "non_arrest_rate", PROVINCE)
    # the headline sentence ...
    assert (
        f"不批准逮捕{own['numerator']}人，不捕率为{format_value(own['value'], 'rate', 'zh')}"
        in text
    )
    # ... and the annex league table, for the province and for an organ below it
    league = _league(tables, "排名")
    row = next(r for r in league if r[1] == f"{name_zh}（本院）")
    assert row[2:4] == [format_value(own["value"], "rate", "zh"), _fraction(own)]
    child = show(warehouse, "non_arrest_rate", child_organ)
    child_zh, _ = _names(warehouse, child_organ)
    row = next(r for r in league if r[1] == child_zh)
    assert row[0] == str(child["rank"])
    assert row[2:4] == [format_value(child["value"], "rate", "zh"), _fraction(child)]
    grades = next(t for t in tables if t[0] == ["等次", "人数", "占比"])
    assert len(grades) > 2
    d = docx.Document(str(path))
    assert len(d.inline_shapes) >= 4  # headline changes, league, grades, annex
    fonts = d.styles["Normal"].element.rPr.rFonts
    east_asia = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}eastAsia"
    assert fonts.get(east_asia) == "仿宋"  # body text in FangSong, as official documents
    heading = d.styles["Heading 1"].element.rPr.rFonts
    assert heading.get(east_asia) == "黑体"


def test_docx_says_what_kaoping_brief_says(reports: Built, warehouse: Path, tmp_path: Path) -> None:
    """Word prints the briefing's sentences word for word (HTML comments aside)."""
    result = CliRunner().invoke(
        app,
        [
            "brief",
            "--organ",
            PROVINCE,
            "--period",
            PERIOD,
            "--db",
            str(warehouse),
            "--app-db",
            f"sqlite:///{tmp_path / 'app.db'}",
        ],
    )
    assert result.exit_code == 0, result.output
    sentences = [
        re.sub(r"<!--.*?-->", "", line[2:]).strip()
        for line in result.stdout.splitlines()
        if line.startswith("- ")
    ]
    text, _ = _docx_text(reports["docx", "zh"])
    assert sentences and all(s in text for s in sentences)


def test_docx_english(reports: Built, warehouse: Path) -> None:
    text, tables = _docx_text(reports["docx", "en"])
    _, name_en = _names(warehouse, PROVINCE)
    assert name_en in text and "1. Headline figures" in text
    own = show(warehouse, "non_arrest_rate", PROVINCE)
    row = next(r for r in _league(tables, "Rank") if r[1] == f"{name_en} (this organ)")
    assert row[2] == format_value(own["value"], "rate", "en")


# --- pdf ------------------------------------------------------------------------------


def _pdftext(path: Path) -> str:
    """The PDF's text; lines joined, as Chinese wraps between any two characters."""
    out = subprocess.run(
        ["pdftotext", str(path), "-"], check=True, capture_output=True, text=True
    ).stdout
    return out.replace("\n", "")


def test_pdf_text_is_legible_chinese(reports: Built, warehouse: Path, child_organ: str) -> None:
    text = _pdftext(reports["pdf", "zh"])
    name_zh, _ = _names(warehouse, PROVINCE)
    child_zh, _ = _names(warehouse, child_organ)
    for needle in (
        f"{name_zh}2020年上半年检察业务数据通报",
        "不捕率",
        "一、主要业务数据",
        child_zh,
    ):
        assert needle in text
    own = show(warehouse, "non_arrest_rate", PROVINCE)
    assert f"不捕率为{format_value(own['value'], 'rate', 'zh')}" in text
    assert _fraction(own) in text
    assert "\ufffd" not in text and "□" not in text


def test_pdf_embeds_the_cjk_font(reports: Built) -> None:
    fonts = subprocess.run(
        ["pdffonts", str(reports["pdf", "zh"])], check=True, capture_output=True, text=True
    ).stdout
    cjk = [line for line in fonts.splitlines() if "+Noto" in line]  # the packaged faces
    assert cjk and all(" yes yes yes " in line for line in cjk)


def test_pdf_english(reports: Built, warehouse: Path) -> None:
    text = _pdftext(reports["pdf", "en"])
    assert "Non-arrest rate" in text and "1. Headline figures" in text
    assert "percentage points" in text


def test_pdf_first_page_renders(reports: Built) -> None:
    """Keep a PNG of page 1 as an artefact, and check it is not blank."""
    from PIL import Image

    ARTIFACTS.mkdir(exist_ok=True)
    stem = ARTIFACTS / "report-page1"
    subprocess.run(
        [
            "pdftoppm",
            "-png",
            "-r",
            "60",
            "-f",
            "1",
            "-l",
            "1",
            "-singlefile",
            str(reports["pdf", "zh"]),
            str(stem),
        ],
        check=True,
    )
    png = stem.with_suffix(".png")
    with Image.open(png) as img:
        grey = img.convert("L")
        width, height = grey.size
        dark = sum(grey.histogram()[:128])
        # the title (dark text) sits in the top fifth of the page
        top_dark = sum(grey.crop((0, 0, width, height // 5)).histogram()[:128])
    assert dark / (width * height) > 0.01
    assert top_dark > 100


# --- cli and speed --------------------------------------------------------------------


def test_cli_report(warehouse: Path, tmp_path: Path) -> None:
    out = tmp_path / "brief.docx"
    result = CliRunner().invoke(
        app,
        [
            "report",
            "--organ",
            PROVINCE,
            "--period",
            PERIOD,
            "--lang",
            "en",
            "--out",
            str(out),
            "--db",
            str(warehouse),
            "--app-db",
            f"sqlite:///{tmp_path / 'app.db'}",
        ],
    )
    assert result.exit_code == 0, result.output
    assert out.exists() and "wrote" in result.stdout
    bad = CliRunner().invoke(
        app,
        [
            "report",
            "--organ",
            "449999",
            "--period",
            PERIOD,
            "--format",
            "pdf",
            "--out",
            str(tmp_path / "x.pdf"),
            "--db",
            str(warehouse),
        ],
    )
    assert bad.exit_code == 1 and "449999" in bad.output
    unknown = CliRunner().invoke(
        app,
        ["report", "--period", PERIOD, "--out", str(tmp_path / "x.txt"), "--db", str(warehouse)],
    )
    assert unknown.exit_code == 1 and "--format" in unknown.output
