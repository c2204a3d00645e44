"""The briefing as a PDF (reportlab), with the CJK fonts embedded.

The fonts are per-document subsets of kaoping's packaged Noto Serif SC (body text) and
Noto Sans SC (title, headings, table headers and bold rows), read from their files and
converted to TrueType by :func:`kaoping.reports.fonts.truetype_subset`, so Chinese shows on
any reader and ``pdftotext`` extracts it (reportlab writes a ToUnicode map). A missing font
file raises :class:`~kaoping.reports.fonts.FontNotFoundError` (the charts need it anyway);
only if a font that is there cannot be converted does the PDF use reportlab's built-in,
non-embedded ``STSong-Light``, and the reader substitutes a font; both render Chinese,
neither shows empty boxes.
"""

from __future__ import annotations

import hashlib
import io
import logging
from dataclasses import dataclass
from pathlib import Path
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_LEFT, TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import cm
from reportlab.lib.utils import ImageReader
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    CondPageBreak,
    Flowable,
    HRFlowable,
    Image,
    KeepTogether,
    ListFlowable,
    ListItem,
    PageBreak,
    SimpleDocTemplate,
    Spacer,
    TableStyle,
)
from reportlab.platypus import Paragraph as RLParagraph
from reportlab.platypus import Table as RLTable

from kaoping.reports.document import (
    Block,
    Bullets,
    Chart,
    Document,
    Heading,
    Paragraph,
    Table,
)
from kaoping.reports.fonts import FontNotFoundError, find_cjk_font, truetype_subset

__all__ = ["PdfFonts", "register_fonts", "render_pdf", "write_pdf"]

log = logging.getLogger(__name__)

FALLBACK_CID_FONT = "STSong-Light"
BULLET = "•"
_ALIGN = {"left": TA_LEFT, "right": TA_RIGHT, "center": TA_CENTER}
_HEADER_BG = colors.HexColor("#DDEBF7")
_RED = colors.HexColor("#C00000")
_GREY = colors.HexColor("#595959")
_RED_MARK = colors.HexColor("#E60012")  # the red of a 公文's letterhead and rule


@dataclass(frozen=True)
class PdfFonts:
    regular: str
    bold: str
    embedded: bool


def _register_subset(face_bold: bool, text: str) -> str:
    """Register a subset of the CJK face holding ``text``; return its reportlab name.

    The subset is registered from bytes cut out of the font file itself (``TTFont`` over
    a file-like object), so reportlab never searches its own font path or the system's.
    """
    face = find_cjk_font(bold=face_bold)
    chars = "".join(sorted(set(text)))
    digest = hashlib.sha1(f"{face.path}:{face.index}:{chars}".encode()).hexdigest()[:12]
    name = f"KaopingCJK-{digest}"
    if name not in pdfmetrics.getRegisteredFontNames():
        data = truetype_subset(face, chars, suffix=digest)
        pdfmetrics.registerFont(TTFont(name, io.BytesIO(data)))
    return name


def register_fonts(document: Document) -> PdfFonts:
    """Fonts for ``document``: embedded CJK subsets, or the built-in CID font."""
    body = "".join(document.texts()) + _page_label(document, 999) + BULLET
    everything = (*document.blocks, *document.annex)
    heads = (
        document.title
        + "".join(b.text for b in everything if isinstance(b, Heading))
        + "".join(h for b in everything if isinstance(b, Table) for h in b.header)
    )
    heads += "".join(
        c
        for b in everything
        if isinstance(b, Table)
        for i in b.bold_rows
        for c in "".join(b.rows[i])
    )
    try:
        return PdfFonts(_register_subset(False, body), _register_subset(True, heads), True)
    except FontNotFoundError:
        raise  # says how to get the font back; a PDF without it would hide the problem
    except Exception as exc:  # a font fontTools cannot convert: fall back, say so
        log.warning("could not embed the CJK font (%s); using %s", exc, FALLBACK_CID_FONT)
        if FALLBACK_CID_FONT not in pdfmetrics.getRegisteredFontNames():
            pdfmetrics.registerFont(UnicodeCIDFont(FALLBACK_CID_FONT))
        return PdfFonts(FALLBACK_CID_FONT, FALLBACK_CID_FONT, False)


@dataclass(frozen=True)
class _Styles:
    mark: ParagraphStyle
    number: ParagraphStyle
    closing: ParagraphStyle
    colophon: ParagraphStyle
    title: ParagraphStyle
    subtitle: ParagraphStyle
    h1: ParagraphStyle
    h2: ParagraphStyle
    body: ParagraphStyle
    note: ParagraphStyle
    caption: ParagraphStyle
    cell: ParagraphStyle


#: GB/T 9704: body text in 3号 (16 pt), 22 lines to the 225 mm of a page's body
BODY_PT = 16.0
LEADING = 225 / 22 / 25.4 * 72  # 28.9 pt
#: page margins (GB/T 9704: top 37 mm, inner 28 mm; the body 156 x 225 mm on A4)
MARGINS_MM = {"top": 37.0, "bottom": 35.0, "left": 28.0, "right": 26.0}


def _styles(fonts: PdfFonts, lang: str) -> _Styles:
    # CJK wrapping breaks between any two characters; English wraps at spaces
    wrap = "CJK" if lang == "zh" else None
    base = ParagraphStyle(
        "body", fontName=fonts.regular, fontSize=BODY_PT, leading=LEADING, wordWrap=wrap,
        firstLineIndent=2 * BODY_PT if lang == "zh" else 0, spaceAfter=0,
    )
    plain = ParagraphStyle("plain", parent=base, firstLineIndent=0)
    return _Styles(
        # 发文机关标志: red, centred, larger than the title
        mark=ParagraphStyle("mark", parent=plain, fontSize=30 if lang == "zh" else 22,
                            leading=40, alignment=TA_CENTER, textColor=_RED_MARK,
                            spaceBefore=10, spaceAfter=24),
        number=ParagraphStyle("number", parent=plain, alignment=TA_CENTER, spaceAfter=4),
        closing=ParagraphStyle("closing", parent=plain, alignment=TA_RIGHT,
                               rightIndent=4 * BODY_PT if lang == "zh" else 0),
        colophon=ParagraphStyle("colophon", parent=plain, fontSize=14, leading=22),
        title=ParagraphStyle(
            "title", parent=plain, fontSize=22, leading=32, alignment=TA_CENTER,
            spaceBefore=LEADING, spaceAfter=4,
        ),
        subtitle=ParagraphStyle(
            "subtitle", parent=plain, fontSize=12, leading=20, textColor=_GREY,
            alignment=TA_CENTER, spaceAfter=LEADING,
        ),
        # 一级标题 in 黑体 (the sans face), 二级 in the body face (no 楷体 is packaged)
        h1=ParagraphStyle("h1", parent=base, fontName=fonts.bold, keepWithNext=1),
        h2=ParagraphStyle("h2", parent=base, keepWithNext=1),
        body=base,
        note=ParagraphStyle("note", parent=plain, fontSize=10.5, leading=16, textColor=_GREY),
        caption=ParagraphStyle(
            "caption", parent=plain, fontSize=10.5, leading=16, alignment=TA_CENTER,
            textColor=_GREY, spaceAfter=10,
        ),
        cell=ParagraphStyle("cell", parent=plain, fontSize=10.5, leading=14, spaceAfter=0),
    )


def _p(text: str, style: ParagraphStyle) -> RLParagraph:
    return RLParagraph(escape(text), style)


def _table(block: Table, st: _Styles, fonts: PdfFonts, width: float) -> RLTable:
    def cell(
        text: str, col: int, *, bold: bool = False, red: bool = False, header: bool = False
    ) -> RLParagraph:
        style = ParagraphStyle(
            "c",
            parent=st.cell,
            alignment=_ALIGN["center" if header else block.alignment(col)],
            fontName=fonts.bold if bold or header else fonts.regular,
            textColor=_RED if red else colors.black,
        )
        return _p(text, style)

    rows: list[list[RLParagraph]] = [[cell(h, c, header=True) for c, h in enumerate(block.header)]]
    for r, row in enumerate(block.rows):
        rows.append(
            [
                cell(x, c, bold=r in block.bold_rows, red=r in block.warn_rows)
                for c, x in enumerate(row)
            ]
        )
    widths = _widths(block, fonts.regular, fonts.bold, width)
    table = RLTable(rows, colWidths=widths, repeatRows=1, hAlign="CENTER")
    table.setStyle(
        TableStyle(
            [
                ("GRID", (0, 0), (-1, -1), 0.4, colors.HexColor("#BFBFBF")),
                ("BACKGROUND", (0, 0), (-1, 0), _HEADER_BG),
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                ("TOPPADDING", (0, 0), (-1, -1), 2),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
            ]
        )
    )
    return table


def _widths(block: Table, font: str, bold: str, width: float) -> list[float]:
    """Column widths: each column's natural width; when the table is too wide for the
    page, the widest text columns give way (they wrap), the short ones and the numbers keep
    theirs."""
    pad = 14.0  # reportlab's default cell padding is 6 points a side
    natural = []
    for c in range(len(block.header)):
        head = pdfmetrics.stringWidth(block.header[c], bold, 10.5)
        cells = [
            pdfmetrics.stringWidth(r[c], bold if i in block.bold_rows else font, 10.5)
            for i, r in enumerate(block.rows)
        ]
        natural.append(max([head, *cells]) + pad)
    total = sum(natural)
    if total <= width:
        return [w * width / total for w in natural]
    flexible = [c for c in range(len(natural)) if block.alignment(c) == "left"]
    room = width - sum(w for c, w in enumerate(natural) if c not in flexible)
    if not flexible or room <= 0.3 * sum(natural[c] for c in flexible):
        return [w * width / total for w in natural]
    cap = _water_level([natural[c] for c in flexible], room)
    return [min(w, cap) if c in flexible else w for c, w in enumerate(natural)]


def _water_level(widths: list[float], room: float) -> float:
    """The cap L with sum(min(w, L)) == room: only columns wider than L are narrowed."""
    remaining = room
    ordered = sorted(widths)
    for i, w in enumerate(ordered):
        share = remaining / (len(ordered) - i)
        if w >= share:
            return share
        remaining -= w
    return ordered[-1]


def _chart(block: Chart, st: _Styles, width: float) -> KeepTogether:
    reader = ImageReader(io.BytesIO(block.png))
    w, h = reader.getSize()
    draw_w = min(block.width_cm * cm, width)
    image = Image(io.BytesIO(block.png), width=draw_w, height=draw_w * h / w)
    return KeepTogether([image, _p(block.caption, st.caption)])


def _fit(text: str, style: ParagraphStyle, width: float, smallest: float = 13.0) -> ParagraphStyle:
    """``style`` shrunk so that ``text`` fits on one line, down to ``smallest`` points.

    A Chinese title wraps between any two characters, which can leave one character alone
    on the second line ("…通报" becoming "…通" / "报").
    """
    width -= 2 * 6 + 2  # the frame's default padding of 6 points a side, and a margin
    natural = pdfmetrics.stringWidth(text, style.fontName, style.fontSize)
    if natural <= width:
        return style
    size = max(smallest, style.fontSize * width / natural * 0.98)
    return ParagraphStyle("fitted", parent=style, fontSize=size, leading=size * 1.4)


def _letterhead(document: Document, st: _Styles, width: float) -> list[Flowable]:
    lh = document.letterhead
    if lh is None:
        return []
    return [
        _p(lh.mark, _fit(lh.mark, st.mark, width, smallest=18)),
        _p(lh.number, st.number),
        HRFlowable(width="100%", thickness=1.5, color=_RED_MARK, spaceBefore=2, spaceAfter=6),
    ]


def _signature(document: Document, st: _Styles) -> list[Flowable]:
    """署名 and 成文日期 at the end of the body."""
    lh = document.letterhead
    if lh is None:
        return []
    return [Spacer(1, 2 * LEADING), _p(lh.signature, st.closing), _p(lh.date, st.closing)]


def _colophon(document: Document, st: _Styles) -> list[Flowable]:
    """The 版记 at the very end, between two rules."""
    lh = document.letterhead
    if lh is None:
        return []
    return [
        CondPageBreak(4 * LEADING),
        Spacer(1, 2 * LEADING),
        HRFlowable(width="100%", thickness=0.8, color=colors.black, spaceAfter=4),
        _p(lh.colophon, st.colophon),
        HRFlowable(width="100%", thickness=0.8, color=colors.black, spaceBefore=4),
    ]


def _flowables(document: Document, st: _Styles, fonts: PdfFonts, width: float) -> list[Flowable]:
    out: list[Flowable] = [
        *_letterhead(document, st, width),
        _p(document.title, _fit(document.title, st.title, width)),
        _p(document.subtitle, st.subtitle),
    ]
    out += _blocks(document.blocks, st, fonts, width) + _signature(document, st)
    if document.annex:
        out += [PageBreak(), *_blocks(document.annex, st, fonts, width)]
    return out + _colophon(document, st)


def _blocks(blocks: tuple[Block, ...], st: _Styles, fonts: PdfFonts,
            width: float) -> list[Flowable]:
    out: list[Flowable] = []
    for block in blocks:
        if isinstance(block, Heading):
            out.append(_p(block.text, st.h1 if block.level == 1 else st.h2))
        elif isinstance(block, Paragraph):
            out.append(_p(block.text, st.note if block.style == "note" else st.body))
        elif isinstance(block, Bullets):
            style = st.note if block.style == "note" else st.body
            items = [ListItem(_p(x, style), leftIndent=14) for x in block.items]
            out.append(
                ListFlowable(
                    items,
                    bulletType="bullet",
                    start=BULLET,
                    leftIndent=14,
                    bulletFontName=fonts.regular,
                    bulletFontSize=8,
                )
            )
        elif isinstance(block, Table):
            out += [Spacer(1, 4), _table(block, st, fonts, width), Spacer(1, 8)]
            if block.caption:
                out.append(_p(block.caption, st.caption))
        else:
            out.append(_chart(block, st, width))
    return out


def _page_label(document: Document, page: int) -> str:
    """GB/T 9704's page number: the number between two dashes, "— 1 —"."""
    return f"— {page} —"


def render_pdf(document: Document) -> bytes:
    """The PDF of ``document`` as bytes."""
    fonts = register_fonts(document)
    st = _styles(fonts, document.lang)
    buf = io.BytesIO()
    mm = cm / 10
    doc = SimpleDocTemplate(
        buf,
        pagesize=A4,
        leftMargin=MARGINS_MM["left"] * mm,
        rightMargin=MARGINS_MM["right"] * mm,
        topMargin=MARGINS_MM["top"] * mm,
        bottomMargin=MARGINS_MM["bottom"] * mm,
        title=document.title,
        author=document.letterhead.signature if document.letterhead else "kaoping",
        subject="\n".join(document.provenance),
        creator="kaoping",
    )

    def footer(canvas: Canvas, _doc: object) -> None:
        """The page number 7 mm below the body: odd pages on the right, even on the left,
        each a character in from the edge of the body (GB/T 9704)."""
        canvas.saveState()
        canvas.setFont(fonts.regular, 14)
        page = canvas.getPageNumber()
        label = _page_label(document, page)
        y = MARGINS_MM["bottom"] * mm - 7 * mm - 14
        if page % 2:
            canvas.drawRightString(A4[0] - MARGINS_MM["right"] * mm - 14, y, label)
        else:
            canvas.drawString(MARGINS_MM["left"] * mm + 14, y, label)
        canvas.restoreState()

    doc.build(_flowables(document, st, fonts, doc.width), onFirstPage=footer, onLaterPages=footer)
    return buf.getvalue()


def write_pdf(document: Document, out: Path) -> Path:
    out.write_bytes(render_pdf(document))
    return out
