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
from docx.shared import Cm, Mm, Pt, RGBColor

from kaoping.ingest.controls import xml_safe
from kaoping.reports.document import (
    Block,
    Bullets,
    Chart,
    Document,
    Heading,
    Letterhead,
    Paragraph,
    Table,
)

__all__ = ["BODY_FONTS", "HEADING_FONTS", "render_docx", "write_docx"]

#: (Latin, East Asian) font names of body text, and of the title and headings
BODY_FONTS = ("Times New Roman", "仿宋")
HEADING_FONTS = ("Arial", "黑体")
#: GB/T 9704: the letterhead and the title in 小标宋, second-level headings in 楷体
TITLE_FONTS = ("Times New Roman", "方正小标宋简体")
SUBHEADING_FONTS = ("Times New Roman", "楷体")
_HEADING_STYLES = ("Title", "Heading 1", "Heading 2")
#: page margins in millimetres (the body is 156 x 225 mm on A4)
MARGINS_MM = {"top": 37.0, "bottom": 35.0, "left": 28.0, "right": 26.0}
#: 3号 body text, 22 lines to the page's 225 mm
BODY_PT = 16.0
LEADING_PT = 225 / 22 / 25.4 * 72
_BODY_STYLES = ("Normal", "Subtitle", "Caption", "List Bullet", "Table Grid")

_ALIGN = {
    "left": WD_ALIGN_PARAGRAPH.LEFT,
    "right": WD_ALIGN_PARAGRAPH.RIGHT,
    "center": WD_ALIGN_PARAGRAPH.CENTER,
}
_RED = RGBColor(0xC0, 0x00, 0x00)
_GREY = RGBColor(0x59, 0x59, 0x59)
_MARK_RED = RGBColor(0xE6, 0x00, 0x12)


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
    normal = doc.styles["Normal"]
    normal.font.size = Pt(BODY_PT)
    normal.paragraph_format.line_spacing = Pt(LEADING_PT)
    normal.paragraph_format.space_after = Pt(0)
    title = doc.styles["Title"]
    title.font.size = Pt(22)
    _set_rfonts(title.element.get_or_add_rPr(), *TITLE_FONTS)
    _set_rfonts(doc.styles["Heading 2"].element.get_or_add_rPr(), *SUBHEADING_FONTS)
    for name in _HEADING_STYLES:
        style = doc.styles[name]
        style.font.color.rgb = RGBColor(0, 0, 0)
        style.font.bold = False
        style.font.italic = False
        style.paragraph_format.space_before = Pt(0)
        style.paragraph_format.space_after = Pt(0)
        style.paragraph_format.line_spacing = Pt(LEADING_PT if name != "Title" else 32)
        if name != "Title":
            style.font.size = Pt(BODY_PT)
            style.paragraph_format.first_line_indent = Pt(2 * BODY_PT)
    _remove_title_border(title)
    section = doc.sections[0]
    section.page_width, section.page_height = Cm(21.0), Cm(29.7)
    section.top_margin = Mm(MARGINS_MM["top"])
    section.bottom_margin = Mm(MARGINS_MM["bottom"])
    section.left_margin = Mm(MARGINS_MM["left"])
    section.right_margin = Mm(MARGINS_MM["right"])
    section.footer_distance = Mm(MARGINS_MM["bottom"] - 7 - 6)


def _remove_title_border(style: Any) -> None:
    """python-docx's Title style draws a blue rule under the title; a 公文 has none."""
    ppr = style.element.get_or_add_pPr()
    for border in ppr.findall(qn("w:pBdr")):
        ppr.remove(border)


def _border(paragraph: Any, sides: tuple[str, ...], color: str, size: int) -> None:
    """A rule above or below a paragraph (the red rule under the letterhead, the 版记)."""
    ppr = paragraph._p.get_or_add_pPr()
    borders = OxmlElement("w:pBdr")
    for side in sides:
        edge = OxmlElement(f"w:{side}")
        edge.set(qn("w:val"), "single")
        edge.set(qn("w:sz"), str(size))
        edge.set(qn("w:space"), "1")
        edge.set(qn("w:color"), color)
        borders.append(edge)
    ppr.append(borders)


def _page_number(paragraph: Any) -> None:
    """ "— N —" with N Word's PAGE field (GB/T 9704's page number, 4号)."""
    def run(text: str) -> None:
        r = paragraph.add_run(text)
        r.font.size = Pt(14)

    run("— ")
    field = OxmlElement("w:fldSimple")
    field.set(qn("w:instr"), "PAGE")
    inner = OxmlElement("w:r")
    text = OxmlElement("w:t")
    text.text = "1"
    inner.append(text)
    field.append(inner)
    paragraph._p.append(field)
    run(" —")


def _page_numbers(doc: Any) -> None:
    """Odd pages numbered on the right, even pages on the left, a character in."""
    doc.settings.odd_and_even_pages_header_footer = True
    section = doc.sections[0]
    for footer, align in ((section.footer, WD_ALIGN_PARAGRAPH.RIGHT),
                          (section.even_page_footer, WD_ALIGN_PARAGRAPH.LEFT)):
        footer.is_linked_to_previous = False
        paragraph = footer.paragraphs[0]
        paragraph.alignment = align
        if align == WD_ALIGN_PARAGRAPH.RIGHT:
            paragraph.paragraph_format.right_indent = Pt(14)
        else:
            paragraph.paragraph_format.left_indent = Pt(14)
        _page_number(paragraph)


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
    paragraph.paragraph_format.first_line_indent = Pt(0)
    paragraph.paragraph_format.line_spacing = 1.0
    run = paragraph.add_run(text)
    run.font.size = Pt(10.5)
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
    paragraph = doc.add_paragraph()
    paragraph.paragraph_format.line_spacing = 1.15
    run = paragraph.add_run(text)
    run.font.size = Pt(10.5)
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


#: the custom document property (docProps/custom.xml) holding the whole provenance
PROVENANCE_PROPERTY = "kaoping.provenance"
_CUSTOM_NS = "http://schemas.openxmlformats.org/officeDocument/2006/custom-properties"
_VT_NS = "http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes"


def _custom_property(doc: Any, name: str, value: str) -> None:
    """Add ``docProps/custom.xml`` with one text property (File > Properties > Custom in
    Word). python-docx reads and writes the core properties only, whose fields hold 255
    characters; the custom part is a small XML file related from the package root."""
    from xml.sax.saxutils import escape, quoteattr

    from docx.opc.constants import RELATIONSHIP_TYPE as RT
    from docx.opc.packuri import PackURI
    from docx.opc.part import Part

    xml = (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        f'<Properties xmlns="{_CUSTOM_NS}" xmlns:vt="{_VT_NS}">'
        f'<property fmtid="{{D5CDD505-2E9C-101B-9397-08002B2CF9AE}}" pid="2" '
        f"name={quoteattr(name)}><vt:lpwstr>{escape(value)}</vt:lpwstr></property>"
        f"</Properties>"
    )
    package = doc.part.package
    part = Part(PackURI("/docProps/custom.xml"),
                "application/vnd.openxmlformats-officedocument.custom-properties+xml",
                xml.encode(), package)
    package.relate_to(part, RT.CUSTOM_PROPERTIES)


def _letterhead(doc: Any, lh: Letterhead) -> None:
    mark = doc.add_paragraph()
    mark.alignment = WD_ALIGN_PARAGRAPH.CENTER
    mark.paragraph_format.line_spacing = 1.0
    mark.paragraph_format.space_after = Pt(24)
    run = mark.add_run(lh.mark)
    run.font.size = Pt(30)
    run.font.color.rgb = _MARK_RED
    _set_rfonts(run._r.get_or_add_rPr(), *TITLE_FONTS)
    number = doc.add_paragraph(lh.number)
    number.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _border(number, ("bottom",), "E60012", 12)  # the red rule under the number
    doc.add_paragraph()


def _closing(doc: Any, lh: Letterhead) -> None:
    """署名 and 成文日期, right-aligned four characters in from the margin."""
    doc.add_paragraph()
    for text in (lh.signature, lh.date):
        paragraph = doc.add_paragraph(text)
        paragraph.alignment = WD_ALIGN_PARAGRAPH.RIGHT
        paragraph.paragraph_format.right_indent = Pt(4 * BODY_PT)


def _colophon(doc: Any, lh: Letterhead) -> None:
    doc.add_paragraph()
    paragraph = doc.add_paragraph()
    run = paragraph.add_run(lh.colophon)
    run.font.size = Pt(14)
    _border(paragraph, ("top", "bottom"), "000000", 6)


def _blocks(doc: Any, blocks: tuple[Block, ...]) -> None:
    for block in blocks:
        if isinstance(block, Heading):
            doc.add_heading(block.text, level=min(block.level, 2))
        elif isinstance(block, Paragraph):
            if block.style == "note":
                _note(doc, block.text)
            else:
                doc.add_paragraph(block.text).paragraph_format.first_line_indent = Pt(
                    2 * BODY_PT)
        elif isinstance(block, Bullets):
            for item in block.items:
                bullet = doc.add_paragraph(style="List Bullet")
                run = bullet.add_run(item)
                if block.style == "note":
                    run.font.size = Pt(10.5)
                    run.font.color.rgb = _GREY
        elif isinstance(block, Table):
            _table(doc, block)
        elif isinstance(block, Chart):
            doc.add_picture(io.BytesIO(block.png), width=Cm(min(block.width_cm, 15.6)))
            doc.paragraphs[-1].alignment = WD_ALIGN_PARAGRAPH.CENTER
            doc.add_paragraph(block.caption, style="Caption").alignment = WD_ALIGN_PARAGRAPH.CENTER


def build(document: Document) -> Any:
    """The python-docx ``Document`` for ``document``, laid out as GB/T 9704 says; the
    provenance (commands, appraisal hashes) goes to the file's properties, not the body."""
    document = _xml_safe(document)
    doc = new_docx()
    _prepare(doc)
    _page_numbers(doc)
    props = doc.core_properties
    props.title = document.title
    props.language = "zh-CN" if document.lang == "zh" else "en"
    # a core property holds 255 characters: the whole provenance goes to a custom one
    props.comments = "\n".join(document.provenance)[:255]
    _custom_property(doc, PROVENANCE_PROPERTY, "\n".join(document.provenance))
    props.keywords = "kaoping"
    lh = document.letterhead
    if lh is not None:
        props.author = lh.signature
        props.subject = lh.number
        _letterhead(doc, lh)
    title = doc.add_heading(document.title, level=0)
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    sub = doc.add_paragraph()
    sub.alignment = WD_ALIGN_PARAGRAPH.CENTER
    run = sub.add_run(document.subtitle)
    run.font.color.rgb = _GREY
    run.font.size = Pt(12)
    _blocks(doc, document.blocks)
    if lh is not None:
        _closing(doc, lh)
    if document.annex:
        doc.add_page_break()  # type: ignore[no-untyped-call]
        _blocks(doc, document.annex)
    if lh is not None:
        _colophon(doc, lh)
    return doc


def render_docx(document: Document) -> bytes:
    buf = io.BytesIO()
    build(document).save(buf)
    return buf.getvalue()


def write_docx(document: Document, out: Path) -> Path:
    build(document).save(str(out))
    return out
