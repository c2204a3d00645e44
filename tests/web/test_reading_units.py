"""Small pieces of the reading pages, without a warehouse: the table export, the error
messages in Chinese, the briefing's Markdown as HTML, the codes in Chinese definitions."""

from __future__ import annotations

import io

import openpyxl

from kaoping.reports.narrative import BriefingSource, LeagueEntry
from kaoping.web.briefing_html import render_briefing
from kaoping.web.export import tables_in, workbook_bytes
from kaoping.web.messages import localise
from kaoping.web.pages import _codes

PAGE = """
<h1>全部指标</h1>
<table class="grid" id="t1"><thead><tr><th>指标</th><th>数值</th><th>标记</th></tr></thead>
<tbody>
<tr><td><a href="/x">不捕率</a></td><td>27.1%</td>
<td><span class="flag">超出合理区间</span><span class="flag">分母过小</span></td></tr>
<tr><td>起诉人数</td><td>1,234</td><td></td></tr>
</tbody></table>
<h2>下级院</h2>
<table class="grid"><tr><th>院</th></tr><tr><td>=SUM(A1)</td></tr></table>
"""


def test_tables_are_read_back_as_shown() -> None:
    tables = tables_in(PAGE)
    assert [t.table_id for t in tables] == ["t1", "table-2"]
    first = tables[0]
    assert first.caption == "全部指标" and first.header == ["指标", "数值", "标记"]
    assert first.rows == [["不捕率", "27.1%", "超出合理区间 分母过小"], ["起诉人数", "1,234", ""]]
    assert tables[1].header == ["院"] and tables[1].rows == [["=SUM(A1)"]]


def test_workbook_keeps_numbers_numbers_and_text_text() -> None:
    book = openpyxl.load_workbook(io.BytesIO(workbook_bytes(tables_in(PAGE), "page")))
    first, second = book.worksheets
    assert [c.value for c in first[1]] == ["指标", "数值", "标记"]
    assert first["B2"].value == 0.271 and first["B2"].number_format == "0.0%"
    assert first["B3"].value == 1234
    # a cell that looks like a formula stays text: an export must not compute anything
    assert second["A2"].value == "=SUM(A1)" and second["A2"].data_type == "s"


def test_error_messages_in_chinese_keep_what_they_name() -> None:
    assert localise("no organ '999999' in the warehouse", "zh") == \
        "数据仓库中没有院代码为 999999 的检察院"
    outside = localise("organ '110000' is outside your scope (organ 440000 and the organs "
                       "below it)", "zh")
    assert outside == "检察院 110000 不在您的权限范围内（院代码 440000 及其下级院）"
    bad = localise("query parameter 'offset': Input should be greater than or equal to 0",
                   "zh")
    assert bad == "参数“起始位置”的值无效：不得小于 0"
    assert localise("no organ '1' in the warehouse", "en") == "no organ '1' in the warehouse"
    assert localise("something new", "zh") == "something new"  # unknown: shown as it came


def test_briefing_markdown_becomes_a_document() -> None:
    markdown = (
        "# 某院2020年检察业务数据通报\n\n"
        "## 一、主要业务数据\n\n"
        "- 不捕率为27.1%。<!-- kaoping show non_arrest_rate --organ 1 --period 2020 -->\n\n"
        "| 指标 | 代码 | 本期 |\n|---|---|---|\n| 不捕率 | `non_arrest_rate` | 27.1% |\n\n"
        "## 二、下级院考评排名\n\n| 名次 | 院 |\n|---|---|\n| 1 | <b>甲院</b> |\n\n"
        "考评结果：第3号考评（草稿），内容哈希 abcdef0123456789。\n\n"
        "---\n\n数据来源：kaoping。\n"
    )
    source = BriefingSource(markdown, ("headline", "league"), (("不捕率", 1.5, False),),
                            (LeagueEntry("甲院", 88.0, "优秀", False),), (),
                            hashes=("abcdef0123456789",))
    doc = render_briefing(source)
    assert doc.title == "某院2020年检察业务数据通报"
    assert doc.commands == ("考评结果：第3号考评（草稿），内容哈希 abcdef0123456789。",
                            "kaoping show non_arrest_rate --organ 1 --period 2020")
    first, second = doc.sections
    assert "<h2>一、主要业务数据</h2>" in first.html and "<li>不捕率为27.1%。</li>" in first.html
    assert "<!--" not in first.html and "non_arrest_rate" not in first.html
    assert "<th>代码</th>" not in first.html and "<td>27.1%</td>" in first.html
    assert first.chart is not None and first.chart["values"] == [1.5]
    assert "<table>" in second.html and "&lt;b&gt;甲院&lt;/b&gt;" in second.html  # no raw HTML
    assert second.chart is not None and second.chart["labels"] == ["甲院"]
    assert "数据来源" in doc.footer and "数据来源" not in second.html
    assert "abcdef" not in second.html


def test_codes_in_chinese_text_are_set_as_code() -> None:
    text = "persons 表记录数，条件：arrest_decision = 'not_approved'"
    assert str(_codes(text, "zh")) == (
        "<code>persons</code> 表记录数，条件：<code>arrest_decision</code> = "
        "&#39;<code>not_approved</code>&#39;")
    assert str(_codes("the rate of persons", "en")) == "the rate of persons"
