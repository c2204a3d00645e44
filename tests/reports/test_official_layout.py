"""The Word and PDF briefings are laid out as an official document (GB/T 9704).

Letterhead (the issuing organ's mark in red, the document number, a red rule), title,
the body numbered 一、（一）1., the signature and date, page numbers "— N —"; and nothing a
reader cannot use in the body: no indicator ids, no appraisal content hashes, no shell
commands -- those are in the file's properties, where the tests look for them.
"""

from __future__ import annotations

import re
import subprocess
import zipfile
from pathlib import Path

import docx
import pytest

from kaoping.reports.docx import PROVENANCE_PROPERTY

from .conftest import PERIOD, PROVINCE, Built
from .test_reports import _names

#: what must not be printed: an indicator id, a hexadecimal hash, a kaoping command
_ID = re.compile(r"\b[a-z]+(_[a-z]+){1,}\b")
_HASH = re.compile(r"\b[0-9a-f]{16}\b")
_COMMAND = re.compile(r"kaoping (show|appraise|brief)")


def _issued(reports: Built, key: tuple[str, str]) -> str:
    """The 成文日期 the report of ``key`` must carry: the day it was written."""
    path = reports[key]
    assert path.exists()
    d = reports.days[key]
    return f"{d.year}年{d.month}月{d.day}日"


def _pdf_pages(path: Path) -> list[str]:
    out = subprocess.run(["pdftotext", "-layout", str(path), "-"], check=True,
                         capture_output=True, text=True).stdout
    return out.split("\f")


def test_pdf_has_the_parts_of_an_official_document(reports: Built, warehouse: Path) -> None:
    pages = _pdf_pages(reports["pdf", "zh"])
    first = pages[0]
    name_zh, _ = _names(warehouse, PROVINCE)
    lines = [x.strip() for x in first.splitlines() if x.strip()]
    # the letterhead comes first, then the number (June: H1's last month), then the title
    assert lines[0] == f"{name_zh}文件"
    assert lines[1] == "〔2020〕6号"
    assert lines[2].startswith(f"{name_zh}2020年上半年")
    text = "".join(pages)
    for heading in ("一、主要业务数据", "二、超出合理区间的指标", "（一）", "1. 2020年上半年"):
        assert heading in text
    assert f"{name_zh}案件管理办公室" in text and _issued(reports, ("pdf", "zh")) in text
    numbered = [p for p in pages if p.strip()]
    assert len(numbered) > 1
    for n, page in enumerate(numbered, start=1):
        last = [x for x in page.splitlines() if x.strip()][-1]
        assert re.fullmatch(rf"\s*—\s*{n}\s*—\s*", last), (n, last)
        # odd pages carry the number on the right, even pages on the left
        indent = len(last) - len(last.lstrip())
        assert (indent > 20) == (n % 2 == 1), (n, last)


def test_pdf_body_has_no_ids_hashes_or_commands(reports: Built) -> None:
    text = "".join(_pdf_pages(reports["pdf", "zh"]))
    assert not _ID.search(text), _ID.search(text)
    assert not _HASH.search(text)
    assert not _COMMAND.search(text)
    info = subprocess.run(["pdfinfo", str(reports["pdf", "zh"])], check=True,
                          capture_output=True, text=True).stdout
    assert "Subject:" in info and "kaoping show" in info  # provenance: in the metadata


def test_docx_has_letterhead_and_provenance_in_properties(
    reports: Built, warehouse: Path
) -> None:
    path = reports["docx", "zh"]
    d = docx.Document(str(path))
    name_zh, _ = _names(warehouse, PROVINCE)
    texts = [p.text for p in d.paragraphs if p.text.strip()]
    assert texts[0] == f"{name_zh}文件" and texts[1] == "〔2020〕6号"
    mark = d.paragraphs[0].runs[0]
    assert str(mark.font.color.rgb) == "E60012"
    body = "\n".join(texts) + "".join(c.text for t in d.tables for r in t.rows for c in r.cells)
    assert not _ID.search(body) and not _HASH.search(body) and not _COMMAND.search(body)
    assert texts.index(f"{name_zh}案件管理办公室") < texts.index(_issued(reports, ("docx", "zh")))
    assert d.settings.odd_and_even_pages_header_footer
    footer = d.sections[0].footer.paragraphs[0]._p.xml
    assert 'w:instr="PAGE"' in footer and "—" in footer
    with zipfile.ZipFile(path) as z:
        custom = z.read("docProps/custom.xml").decode()
    assert PROVENANCE_PROPERTY in custom
    assert f"kaoping show non_arrest_rate --organ {PROVINCE} --period {PERIOD}" in custom


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_headings_are_numbered_as_official_documents(reports: Built, lang: str) -> None:
    d = docx.Document(str(reports["docx", lang]))
    level1 = [p.text for p in d.paragraphs if p.style.name == "Heading 1"]
    level2 = [p.text for p in d.paragraphs if p.style.name == "Heading 2"]
    first = "一、" if lang == "zh" else "1. "
    assert level1[0].startswith(first)
    assert level2 and level2[0].startswith("（一）" if lang == "zh" else "(1) ")
