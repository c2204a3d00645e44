"""Pieces of the reports that need no warehouse: the xlsx text path, the Markdown.

The fonts are tested in ``test_fonts.py``.
"""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest
from openpyxl import Workbook

from kaoping.reports.xlsx import write_text


@pytest.mark.parametrize(
    "text", ["=1+1", "+86 10 1234", "-5", "@SUM(A1)", '=HYPERLINK("x")', "不捕率"]
)
def test_write_text_never_writes_a_formula(tmp_path: Path, text: str) -> None:
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    write_text(ws, 1, 1, text)
    wb.save(tmp_path / "t.xlsx")
    cell = openpyxl.load_workbook(tmp_path / "t.xlsx").active["A1"]
    assert cell.value == text
    assert cell.data_type == "s"


BRIEFING_MD = """# 广东省人民检察院2020年上半年检察业务数据通报

## 一、主要业务数据

- 2020年上半年，不批准逮捕83人，不捕率为27.6%。 <!-- {command} -->
- 2020年上半年，起诉534人。

## 二、同比变化较大的指标

| 指标 | 代码 | 本期 | 同比 |
|---|---|---|---|
| 不捕率 | `non_arrest_rate` | 27.6% | 上升3.5个百分点 |
| 起诉人数 | `persons_prosecuted` | 3,709 | 下降1.5% |

样本较少的指标不列入。

---

数据来源：kaoping 数据仓库。
""".replace("{command}", "kaoping show non_arrest_rate --organ 440000 --period 2020-H1")


def test_markdown_briefing_becomes_blocks() -> None:
    from kaoping.reports.document import Bullets, Paragraph, Table
    from kaoping.reports.markdown import parse_markdown

    parsed = parse_markdown(BRIEFING_MD)
    assert parsed.title == "广东省人民检察院2020年上半年检察业务数据通报"
    assert [s.heading.text for s in parsed.sections] == [
        "一、主要业务数据",
        "二、同比变化较大的指标",
    ]
    bullets = parsed.sections[0].blocks[0]
    assert isinstance(bullets, Bullets)
    assert bullets.items[0] == "2020年上半年，不批准逮捕83人，不捕率为27.6%。"
    assert parsed.commands == ["kaoping show non_arrest_rate --organ 440000 --period 2020-H1"]
    table, note = parsed.sections[1].blocks
    assert isinstance(table, Table) and isinstance(note, Paragraph)
    assert table.header == ("指标", "代码", "本期", "同比")
    assert table.rows[0] == ("不捕率", "non_arrest_rate", "27.6%", "上升3.5个百分点")
    assert table.align[2] == "right" and table.align[1] == "left"
    assert parsed.footer == [Paragraph("数据来源：kaoping 数据仓库。")]
