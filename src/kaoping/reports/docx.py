"""The briefing as a Word document (python-docx).

Word files do not carry fonts, so the document names fonts its readers have: the faces of
Chinese official documents (GB/T 9704) that every Chinese Windows and WPS install ships,
仿宋 (FangSong) for body text and 黑体 (SimHei) for the title and headings, with Times New
Roman and Arial for Latin letters and digits. A reader without them (LibreOffice on Linux,
say) gets its own CJK substitute. The PDF, which embeds its fonts, uses kaoping's packaged
Noto faces instead (:mod:`kaoping.reports.pdf`).

Word picks the font for Chinese characters from the ``w:eastAsia`` attribute of a run's
fonts, not from the font name python-docx sets, and the built-in styles of python-docx's
template point at theme fonts; both are overridden here, in the document defaults and in
every style used, and the defaults declare the East Asian language as zh-CN so that Word
sets ambiguous characters (“”, ……, ·) in the Chinese font too. Charts are PNG images.
"""

from __future__ import annotations

import dataclasses
import io
from pathlib import Path
from typing import Any

from docx import Document as new_docx
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt, RGBColor

from kaoping.ingest.controls import xml_safe
from kaoping.reports.document import Bullets, Chart, Document, Heading, Paragraph, Table

__all__ = ["BODY_FONTS", "HEADING_FONTS", "render_docx", "write_docx"]

#: (Latin, East Asian) font names of body text, and of the title and headings
BODY_FONTS = ("Times New Roman", "仿宋")
HEADING_FONTS = ("Arial", "黑体")
_HEADING_STYLES = ("Title", "Heading 1", "Heading 2")
_BODY_STYLES = ("Normal", "Subtitle", "Caption", "List Bullet", "Table Grid")

_ALIGN = {
    "left": WD_ALIGN_PARAGRAPH.LEFT,
    "right": WD_ALIGN_PARAGRAPH.RIGHT,
    "center": WD_ALIGN_PARAGRAPH.CENTER,
}
_RED = RGBColor(0xC0, 0x00, 0x00)
_GREY = RGBColor(0x59, 0x59, 0x59)


def _set_rfonts(rpr: Any, latin: str, east_asia: str) -> None:
    """Name the fonts of a run-properties element and drop its theme-font overrides
    (which would win over the names)."""
    fonts = rpr.get_or_add_rFonts()
    for attr in ("ascii", "hAnsi", "cs"):
        fonts.set(qn(f"w:{attr}"), latin)
    fonts.set(qn("w:eastAsia"), east_asia)
    for attr in ("asciiTheme", "hAnsiTheme", "eastAsiaTheme", "cstheme"):
        key = qn(f"w:{attr}")
        if key in fonts.attrib:
            del fonts.attrib[key]


def _set_defaults(doc: Any) -> None:
    """The document defaults (``w:docDefaults``): what styles without fonts of their own
    inherit, and the East Asian language."""
    styles = doc.styles.element
    defaults = styles.find(qn("w:docDefaults"))
    if defaults is None:
        defaults = OxmlElement("w:docDefaults")
        styles.insert(0, defaults)
    rpr_default = defaults.find(qn("w:rPrDefault"))
    if rpr_default is None:
        rpr_default = OxmlElement("w:rPrDefault")
        defaults.insert(0, rpr_default)
    rpr = rpr_default.find(qn("w:rPr"))
    if rpr is None:
        rpr = OxmlElement("w:rPr")
        rpr_default.append(rpr)
    _set_rfonts(rpr, *BODY_FONTS)
    lang = rpr.find(qn("w:lang"))
    if lang is None:
        lang = OxmlElement("w:lang")
        rpr.append(lang)
    lang.set(qn("w:eastAsia"), "zh-CN")


def _prepare(doc: Any) -> None:
    _set_defaults(doc)
    for names, (latin, east_asia) in ((_BODY_STYLES, BODY_FONTS), (_HEADING_STYLES, HEADING_FONTS)):
        for name in names:
            try:
                style = doc.styles[name]
            except KeyError:
                continue
            style.font.name = latin
            _set_rfonts(style.element.get_or_add_rPr(), latin, east_asia)
    doc.styles["Normal"].font.size = Pt(10.5)
    doc.styles["Title"].font.size = Pt(20)
    for name in _HEADING_STYLES:
        doc.styles[name].font.color.rgb = RGBColor(0, 0, 0)
    section = doc.sections[0]
    section.page_width, section.page_height = Cm(21.0), Cm(29.7)
    for side in ("left_margin", "right_margin"):
        setattr(section, side, Cm(2.2))
    section.top_margin = section.bottom_margin = Cm(2.0)


def _shade(cell: Any, fill: str) -> None:
    props = cell._tc.get_or_add_tcPr()
    shd = OxmlElement("w:shd")
    shd.set(qn("w:val"), "clear")
    shd.set(qn("w:color"), "auto")
    shd.set(qn("w:fill"), fill)
    props.append(shd)


def _cell(cell: Any, text: str, align: str, *, bold: bool = False, red: bool = False) -> None:
    paragraph = cell.paragraphs[0]
    paragraph.alignment = _ALIGN[align]
    run = paragraph.add_run(text)
    run.font.size = Pt(9)
    run.bold = bold
    if red:
        run.font.color.rgb = _RED


def _table(doc: Any, block: Table) -> None:
    table = doc.add_table(rows=1 + len(block.rows), cols=len(block.header))
    table.style = doc.styles["Table Grid"]
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    for c, text in enumerate(block.header):
        cell = table.cell(0, c)
        _cell(cell, text, "center", bold=True)
        _shade(cell, "DDEBF7")
    for r, row in enumerate(block.rows, start=1):
        for c, text in enumerate(row):
            _cell(
                table.cell(r, c),
                text,
                block.alignment(c),
                bold=r - 1 in block.bold_rows,
                red=r - 1 in block.warn_rows,
            )
    # repeat the header row on every page the table spans
    tr_pr = table.rows[0]._tr.get_or_add_trPr()
    header = OxmlElement("w:tblHeader")
    header.set(qn("w:val"), "true")
    tr_pr.append(header)
    if block.caption:
        doc.add_paragraph(block.caption, style="Caption")
    doc.add_paragraph()


def _note(doc: Any, text: str) -> None:
    run = doc.add_paragraph().add_run(text)
    run.font.size = Pt(9)
    run.font.color.rgb = _GREY


def _xml_safe(value: Any) -> Any:
    """``value`` (a block, a tuple of them, a text) with every text stripped of what XML
    cannot hold: an organ name with a control character would make python-docx refuse."""
    if isinstance(value, str):
        return xml_safe(value)
    if isinstance(value, tuple):
        return tuple(_xml_safe(v) for v in value)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        changes = {f.name: _xml_safe(getattr(value, f.name)) for f in dataclasses.fields(value)}
        return dataclasses.replace(value, **changes)
    return value


def build(document: Document) -> Any:
    """The python-docx ``Document`` for ``document``."""
    document = _xml_safe(document)
    doc = new_docx()
    _prepare(doc)
    doc.core_properties.title = document.title
    doc.core_properties.language = "zh-CN" if document.lang == "zh" else "en"
    title = doc.add_heading(document.title, level=0)
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    sub = doc.add_paragraph()
    sub.alignment = WD_ALIGN_PARAGRAPH.CENTER
    sub.add_run(document.subtitle).font.color.rgb = _GREY
    for block in document.blocks:
        if isinstance(block, Heading):
            doc.add_heading(block.text, level=min(block.level, 2))
        elif isinstance(block, Paragraph):
            if block.style == "note":
                _note(doc, block.text)
            else:
                doc.add_paragraph(block.text)
        elif isinstance(block, Bullets):
            for item in block.items:
                bullet = doc.add_paragraph(style="List Bullet")
                run = bullet.add_run(item)
                if block.style == "note":
                    run.font.size = Pt(9)
                    run.font.color.rgb = _GREY
        elif isinstance(block, Table):
            _table(doc, block)
        elif isinstance(block, Chart):
            doc.add_picture(io.BytesIO(block.png), width=Cm(block.width_cm))
            doc.paragraphs[-1].alignment = WD_ALIGN_PARAGRAPH.CENTER
            doc.add_paragraph(block.caption, style="Caption").alignment = WD_ALIGN_PARAGRAPH.CENTER
    return doc


def render_docx(document: Document) -> bytes:
    buf = io.BytesIO()
    build(document).save(buf)
    return buf.getvalue()


def write_docx(document: Document, out: Path) -> Path:
    build(document).save(str(out))
    return out
