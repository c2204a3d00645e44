"""Finding a CJK font among the installed system fonts, for charts and for PDFs.

Reports never download a font: the install step installs Debian's ``fonts-noto-cjk``
(``scripts/install-system-deps.sh``), and this module finds it through matplotlib's font
manager, which indexes every face of a ``.ttc`` collection.

The PDF needs more than a file name. reportlab's ``TTFont`` reads only TrueType (``glyf``)
outlines, while Noto Sans CJK is a collection of CFF-outlined OpenType faces. So for each
PDF the characters it uses are cut out of the font with fontTools (which matplotlib already
depends on) and their outlines converted to TrueType: a few hundred glyphs, a font of some
tens of kilobytes that reportlab embeds, so the PDF shows the same glyphs on any reader.
If that conversion fails, the PDF falls back to reportlab's built-in CID font
``STSong-Light``, which needs no file but is not embedded (the reader substitutes a font).
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

__all__ = [
    "CJK_FAMILIES",
    "CjkFont",
    "FontNotFoundError",
    "find_cjk_font",
    "truetype_subset",
]

#: Families tried in order. The first is what ``fonts-noto-cjk`` installs; the others are
#: CJK fonts other distributions or machines commonly have.
CJK_FAMILIES: tuple[str, ...] = (
    "Noto Sans CJK SC",
    "Source Han Sans SC",
    "Noto Serif CJK SC",
    "Source Han Serif SC",
    "WenQuanYi Zen Hei",
    "WenQuanYi Micro Hei",
    "Droid Sans Fallback",
    "AR PL UMing CN",
    "SimSun",
    "Microsoft YaHei",
)

INSTALL_HINT = (
    "no CJK font is installed, so Chinese text cannot be rendered; install Debian's "
    "fonts-noto-cjk (`sudo apt-get install fonts-noto-cjk`, or run "
    "scripts/install-system-deps.sh), then delete matplotlib's font cache "
    "(~/.cache/matplotlib/fontlist-*.json) if the font is still not found"
)


_UNUSED_TABLES = ("GSUB", "GPOS", "GDEF", "BASE", "JSTF", "VORG", "vhea", "vmtx")


class FontNotFoundError(RuntimeError):
    """No CJK font is installed; the message says which package to install."""


@dataclass(frozen=True)
class CjkFont:
    """One face of an installed font: its family name, file and index in a collection."""

    family: str
    path: Path
    index: int
    bold: bool


@lru_cache(maxsize=4)
def find_cjk_font(bold: bool = False) -> CjkFont:
    """The first installed face of :data:`CJK_FAMILIES`, bold if asked and available.

    Raises :class:`FontNotFoundError` naming the Debian package to install.
    """
    from matplotlib import font_manager

    entries = font_manager.fontManager.ttflist
    for family in CJK_FAMILIES:
        faces = [e for e in entries if e.name == family]
        if not faces:
            continue
        faces.sort(key=lambda e: abs(int(e.weight) - (700 if bold else 400)))
        face = faces[0]
        return CjkFont(
            family=family,
            path=Path(face.fname),
            index=int(getattr(face, "index", 0) or 0),
            bold=int(face.weight) >= 600,
        )
    raise FontNotFoundError(INSTALL_HINT)


def truetype_subset(font: CjkFont, text: str, suffix: str = "") -> bytes:
    """A TrueType font holding the glyphs of ``text`` from ``font``, for reportlab.

    CFF outlines are converted to quadratic TrueType outlines; TrueType fonts are only
    subset. ``suffix`` is appended to the PostScript name: reportlab keeps per-process
    state under that name, so two different subsets must not share it (the second one
    would be embedded with the first one's glyphs). Raises whatever fontTools raises if
    the font cannot be read.
    """
    from fontTools import subset
    from fontTools.ttLib import TTFont

    tt = TTFont(str(font.path), fontNumber=font.index, lazy=False)
    # vertical metrics and OpenType layout are not used by reportlab; dropped before
    # subsetting because decompiling them is most of the subsetter's time
    for tag in _UNUSED_TABLES:
        if tag in tt:
            del tt[tag]
    options = subset.Options()
    options.name_IDs = ["*"]
    options.notdef_outline = True
    options.hinting = False
    options.layout_features = []
    options.drop_tables += list(_UNUSED_TABLES)
    subsetter = subset.Subsetter(options)
    subsetter.populate(text=text + " ")
    subsetter.subset(tt)
    if "CFF " in tt:
        _cff_to_glyf(tt)
    if suffix:
        names = tt["name"]
        ps_name = f"{names.getDebugName(6) or 'KaopingCJK'}-{suffix}"[:63]
        for record in [r for r in names.names if r.nameID == 6]:
            names.setName(ps_name, 6, record.platformID, record.platEncID, record.langID)
    out = io.BytesIO()
    tt.save(out)
    return out.getvalue()


def _cff_to_glyf(tt: object) -> None:
    """Replace the CFF table of ``tt`` by glyf/loca (cubic curves approximated by quadratics)."""
    from fontTools.pens.cu2quPen import Cu2QuPen
    from fontTools.pens.ttGlyphPen import TTGlyphPen
    from fontTools.ttLib import TTFont, newTable

    assert isinstance(tt, TTFont)
    order = tt.getGlyphOrder()
    glyph_set = tt.getGlyphSet()
    glyf = newTable("glyf")
    glyf.glyphOrder = order
    glyf.glyphs = {}
    for name in order:
        pen = TTGlyphPen(glyph_set)
        # max error of 1 font unit; TrueType contours run the other way round from CFF
        glyph_set[name].draw(Cu2QuPen(pen, 1.0, reverse_direction=True))
        glyf[name] = pen.glyph()
    tt["glyf"] = glyf
    tt["loca"] = newTable("loca")
    del tt["CFF "]
    if "VORG" in tt:
        del tt["VORG"]
    maxp = tt["maxp"]
    maxp.tableVersion = 0x00010000
    for attr in (
        "maxTwilightPoints",
        "maxStorage",
        "maxFunctionDefs",
        "maxInstructionDefs",
        "maxStackElements",
        "maxSizeOfInstructions",
        "maxComponentElements",
    ):
        setattr(maxp, attr, 0)
    maxp.maxZones = 1
    tt["head"].indexToLocFormat = 0
    tt["head"].glyphDataFormat = 0
    post = tt["post"]
    post.formatType = 2.0
    post.extraNames = []
    post.mapping = {}
    post.glyphOrder = order
    tt.sfntVersion = "\x00\x01\x00\x00"
